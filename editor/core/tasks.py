"""The one owner of the window's asyncio tasks: every task is started here, in a named group, and
at shutdown every one is cancelled and awaited, so nothing is left half done when the loop ends.

A group is what one part of the window starts (the jobs, the results panel's decoding, the
project's saves…): it can ask whether it is busy and cancel its own tasks, and a task started
under a key replaces the group's earlier task of that key (a newer open wins). No Qt here.

asyncio (~30-90 ms to import) is imported where a task is first handled, not with this module:
the window makes its TaskOwner before its first paint, and the event loop only after it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio

log = logging.getLogger(__name__)

ErrorHandler = Callable[[BaseException], None]


class TaskOwner:
    """Every task of the window, by group; `shutdown()` cancels and awaits them all."""

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.loop = loop
        self._groups: dict[str, TaskGroup] = {}
        self._closed = False

    def group(self, name: str, *, on_error: ErrorHandler | None = None) -> TaskGroup:
        """The group `name` (made on first use); `on_error` hears of a task that failed."""
        group = self._groups.get(name)
        if group is None:
            group = self._groups[name] = TaskGroup(self, name, on_error)
        elif on_error is not None:
            group.on_error = on_error
        return group

    def tasks(self) -> list[asyncio.Task]:
        return [task for group in self._groups.values() for task in group.tasks()]

    def busy(self) -> bool:
        return any(group.busy() for group in self._groups.values())

    def cancel_all(self) -> None:
        for group in self._groups.values():
            group.cancel()

    async def shutdown(self, timeout: float = 30.0) -> None:
        """Cancel every task and wait until each has ended (a cancelled job still closes its backend
        and keeps what arrived); tasks started meanwhile are cancelled too. After `timeout`
        seconds what is left is logged and abandoned."""
        import asyncio

        self._closed = True
        deadline = asyncio.get_running_loop().time() + timeout
        while pending := [task for task in self.tasks() if not task.done()]:
            for task in pending:
                task.cancel()
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                log.warning("shutdown: %d task(s) did not end in time", len(pending))
                return
            await asyncio.wait(pending, timeout=left)

    def _loop(self) -> asyncio.AbstractEventLoop:
        if self.loop is not None:
            return self.loop
        import asyncio

        try:
            return asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.get_event_loop()


class TaskGroup:
    """One part of the window's tasks; see TaskOwner."""

    def __init__(self, owner: TaskOwner, name: str, on_error: ErrorHandler | None) -> None:
        self.owner, self.name, self.on_error = owner, name, on_error
        self._tasks: dict[asyncio.Task, str | None] = {}

    def start(self, coroutine: Coroutine[Any, Any, Any], *, key: str | None = None) -> asyncio.Task:
        """Run `coroutine` as a task of this group; with `key`, cancel the group's earlier task
        of that key first."""
        if key is not None:
            self.cancel(key)
        task = self.owner._loop().create_task(coroutine, name=f"maskedit {self.name}:{key or ''}")
        self._tasks[task] = key
        task.add_done_callback(self._done)
        if self.owner._closed:  # started while shutting down: it ends with the rest
            task.cancel()
        return task

    def tasks(self, key: str | None = None) -> list[asyncio.Task]:
        return [task for task, name in self._tasks.items() if key is None or name == key]

    def keys(self) -> list[str]:
        """The keys of the group's tasks that have not ended, in the order they started."""
        return [key for task, key in self._tasks.items() if key is not None and not task.done()]

    def busy(self, key: str | None = None) -> bool:
        """True until each task has ended *and* its done callbacks have run (the group's own
        `_done` runs first and forgets it): a task is done a turn of the loop before its
        callbacks, and whoever shows "busy" from one of them must not disagree with this."""
        return bool(self.tasks(key))

    def cancel(self, key: str | None = None) -> bool:
        """Cancel the group's tasks (only those of `key`, when given); False if none was running."""
        running = [task for task in self.tasks(key) if not task.done()]
        for task in running:
            task.cancel()
        return bool(running)

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.pop(task, None)
        if task.cancelled():
            return
        error = task.exception()
        if error is None:
            return
        if self.on_error is not None:
            self.on_error(error)
        else:
            log.error("%s: a task failed", self.name, exc_info=error)
