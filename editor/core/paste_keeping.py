"""The variants' paste masks in the project: what changed is written at each save (autosave, Save,
the last save at close), and an opened or restored project's masks are read back.

A view-free owner beside `ProjectKeeper`: it registers itself in the keeper's `extra_writers`,
so the masks are written in the same worker step as the rest of the project, before a Save zips
the folder.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from PySide6.QtCore import QObject, QRect

from editor.core.jobs import JobQueue
from editor.core.paste_masks import PasteMasks, VariantKey
from editor.core.paste_store import read_pastes, write_pastes
from editor.core.project import ProjectKeeper
from editor.core.session import Project


class PasteKeeping(QObject):
    """Writes the paste masks that changed since the last save; reads them back at open."""

    def __init__(self, pastes: PasteMasks, queue: JobQueue, keeper: ProjectKeeper,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pastes, self._queue, self._keeper = pastes, queue, keeper
        self._unsaved: set[VariantKey] = set()
        self._restoring = False
        pastes.changed.connect(self._changed)
        keeper.extra_writers.append(self._to_save)

    def restoring(self) -> bool:
        """Whether the masks changing now are read back from the project (nothing new to show
        beyond them: an applied variant's photo was saved as it was composed)."""
        return self._restoring

    def _changed(self, job_id: str, index: int, _rect: QRect) -> None:
        if not self._restoring:  # masks read back from the project are no new work
            self._unsaved.add((job_id, index))
            self._keeper.touch()

    def _to_save(self) -> Callable[[Project], None] | None:
        """At a save, on the GUI thread: copies of the masks changed since the last one (of the
        variants in this project: another photo's results stay with their own project)."""
        snapshots = {key: snapshot for key in self._unsaved
                     if key[0] in self._queue and (snapshot := self._pastes.snapshot(key))}
        self._unsaved.clear()
        if not snapshots:
            return None
        return lambda project: write_pastes(project, snapshots)

    async def project_opened(self, size: tuple[int, int] | None) -> None:
        """Another project is open (its photo `size` = (width, height)): its variants' paste masks
        come back, the last project's go."""
        self._pastes.clear()
        self._unsaved.clear()
        if size is None:
            return
        stored = await asyncio.to_thread(read_pastes, self._keeper.project, size)
        self._restoring = True
        try:
            for key, snapshot in stored.items():
                if key[0] in self._queue:
                    self._pastes.restore(key, snapshot)
        finally:
            self._restoring = False
