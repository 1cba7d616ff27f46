"""The Qt binding must not corrupt reference counts (PySide6 6.12.0 did, on Python 3.11).

A broken binding drops one reference to True/None per Signal.emit() or per Python paintEvent;
the interpreter then aborts minutes into a session. This test fails fast and says why.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QWidget


class _Emitter(QObject):
    bare = Signal()
    flag = Signal(bool)
    value = Signal(object)


class _Painted(QWidget):
    def paintEvent(self, event) -> None:
        QPainter(self).end()


def test_signal_emit_keeps_reference_counts(qapp):
    emitter = _Emitter()
    received: list[object] = []
    emitter.value.connect(received.append)
    before_true, before_none = sys.getrefcount(True), sys.getrefcount(None)
    for _ in range(100):
        emitter.bare.emit()
        emitter.flag.emit(True)
        emitter.value.emit(None)
    received.clear()
    assert sys.getrefcount(True) >= before_true, "the Qt binding leaks references to True on emit"
    assert sys.getrefcount(None) >= before_none - 5, "the Qt binding leaks references to None on emit"


def test_python_paint_event_keeps_reference_counts(qtbot):
    widget = _Painted()
    qtbot.addWidget(widget)
    widget.resize(40, 40)
    widget.show()
    before = sys.getrefcount(None)
    for _ in range(100):
        widget.repaint()
    assert sys.getrefcount(None) >= before - 5, "the Qt binding drops references to None in paintEvent"
