"""How a selection reports progress and is cancelled: a `Checkpoint` is called between steps with
the fraction done, and raises SelectionCancelled when the user has asked to stop."""

from __future__ import annotations

import threading
from collections.abc import Callable

Checkpoint = Callable[[float], None]


class SelectionCancelled(Exception):
    """The selection was stopped before it finished; the mask is unchanged."""


class SelectionError(Exception):
    """A selection cannot be made (an empty box, a model that cannot be used…); `message` is a
    sentence for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def no_checkpoint(_fraction: float) -> None:
    """Runs to the end, reporting to nobody."""


class CancelFlag:
    """A checkpoint that raises once `cancel()` was called, and passes each fraction on."""

    def __init__(self, on_progress: Callable[[float], None] | None = None) -> None:
        self._event = threading.Event()
        self._on_progress = on_progress

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def __call__(self, fraction: float) -> None:
        if self._event.is_set():
            raise SelectionCancelled
        if self._on_progress is not None:
            self._on_progress(min(1.0, max(0.0, fraction)))
