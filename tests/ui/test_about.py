"""Help → About Maskedit: versions from the running Qt and the installed packages, licences from
their metadata, and Copy Versions."""

from __future__ import annotations

import platform
from email.message import Message

import PySide6
import pytest
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QApplication

import editor
from editor.ui.dialogs.about import AboutDialog, licence_from_metadata, versions_text


@pytest.fixture
def window(idle_window):
    return idle_window


def _fields(**values: str | list[str]) -> Message:
    message = Message()
    for key, value in values.items():
        for item in value if isinstance(value, list) else [value]:
            message[key.replace("_", "-")] = item
    return message


def test_help_about_opens_the_dialog_with_the_versions_and_licences(window, qtbot):
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    assert window.actions["help.about"] in help_menu.actions()
    window.actions["help.about"].trigger()
    dialog = window.findChild(AboutDialog)
    assert dialog is not None and dialog.isVisible()
    qtbot.addWidget(dialog)
    summary = dialog.summary.text()
    assert f"Maskedit {editor.__version__}" in summary
    assert f"Qt {qVersion()}" in summary and f"PySide6 {PySide6.__version__}" in summary
    assert f"Python {platform.python_version()}" in summary
    licences = {item.name: item.licence for item in dialog.components}
    # Read from each installed package's metadata, not written into the dialog.
    assert licences["Maskedit"] == "MIT"
    assert "LGPL-3.0" in licences["Qt for Python (PySide6)"]
    assert licences["Pillow"] == "MIT-CMU"
    assert licences["NumPy"].startswith("BSD-3-Clause")
    assert licences["qasync"] == "BSD-2-Clause"
    assert "Apache" in licences["OpenCV"]
    assert all(item.version != "not installed" for item in dialog.components)
    assert "MIT-CMU" in dialog.licences.text() and "LGPL" in dialog.licences.text()


def test_copy_versions_puts_a_bug_report_block_on_the_clipboard(window, qtbot):
    window.actions["help.about"].trigger()
    dialog = window.findChild(AboutDialog)
    qtbot.addWidget(dialog)
    QApplication.clipboard().clear()
    dialog.copy_button.click()
    copied = QApplication.clipboard().text()
    assert copied == versions_text(dialog.components)
    lines = copied.splitlines()
    assert lines[0] == f"Maskedit {editor.__version__}"
    assert lines[1] == f"Qt {qVersion()} (PySide6 {PySide6.__version__})"
    assert lines[2].startswith(f"Python {platform.python_version()}")
    assert any(line.startswith("Pillow ") and line.endswith("(MIT-CMU)") for line in lines)
    assert dialog.copy_button.text() == "Copied"


def test_closing_the_dialog_deletes_it(window, qtbot):
    window.actions["help.about"].trigger()
    dialog = window.findChild(AboutDialog)
    with qtbot.waitSignal(dialog.destroyed, timeout=2000):
        dialog.reject()


@pytest.mark.parametrize(("fields", "expected"), [
    (_fields(License_Expression="BSD-3-Clause", License="whatever"), "BSD-3-Clause"),
    (_fields(License="Apache 2.0", Classifier="License :: OSI Approved :: Apache Software License"),
     "Apache 2.0"),
    (_fields(License="Copyright (c) 2024\n\nPermission is hereby granted...",
             Classifier=["Programming Language :: Python", "License :: OSI Approved :: MIT License"]),
     "MIT License"),
    (_fields(), "not stated in its metadata"),
])
def test_the_licence_comes_from_the_expression_then_a_short_field_then_classifiers(fields, expected):
    assert licence_from_metadata(fields) == expected
