"""The prompts sent before, newest first, and a cursor for stepping through them (Alt+Up/Down)."""

from __future__ import annotations

from collections.abc import Iterable

MAX_ENTRIES = 100


class RecentPrompts:
    """Earlier prompts, newest first, without duplicates, capped at `limit` entries.

    Stepping back (`older`) first keeps the draft being typed, so stepping forward again past
    the newest entry (`newer`) brings the draft back, as in a shell. Recording a prompt ends
    the stepping. Plain Python: the prompt panel persists `entries()` through UserSettings.
    """

    def __init__(self, entries: Iterable[str] = (), limit: int = MAX_ENTRIES):
        self._limit = limit
        self._entries: list[str] = []
        for entry in entries:
            if entry.strip() and entry not in self._entries:
                self._entries.append(entry)
        del self._entries[limit:]
        self._position = -1  # -1: at the draft, not in the history
        self._draft = ""

    def entries(self) -> tuple[str, ...]:
        return tuple(self._entries)

    def is_browsing(self) -> bool:
        return self._position >= 0

    def record(self, prompt: str) -> bool:
        """Put `prompt` first (moving it if it was there); False if that changed nothing."""
        self.stop_browsing()
        if not prompt.strip() or (self._entries and self._entries[0] == prompt):
            return False
        if prompt in self._entries:
            self._entries.remove(prompt)
        self._entries.insert(0, prompt)
        del self._entries[self._limit:]
        return True

    def older(self, current: str) -> str | None:
        """The entry before the one shown (the newest when starting from the draft `current`)."""
        if self._position + 1 >= len(self._entries):
            return None
        if self._position < 0:
            self._draft = current
        self._position += 1
        return self._entries[self._position]

    def newer(self) -> str | None:
        """The entry after the one shown, the draft after the newest, None when at the draft."""
        if self._position < 0:
            return None
        self._position -= 1
        return self._draft if self._position < 0 else self._entries[self._position]

    def stop_browsing(self) -> None:
        self._position = -1
        self._draft = ""
