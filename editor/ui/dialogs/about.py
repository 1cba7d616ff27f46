"""Help → About Maskedit: the versions of Maskedit, Qt, PySide6 and Python, and the licences.

Each licence is read from the installed package's own metadata (License-Expression, License or
its licence classifiers), so the dialog says what is really shipped, in a wheel install and in the
PyInstaller bundle (which carries those metadata folders) alike.
"""

from __future__ import annotations

import html
import platform
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, metadata

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

import editor

# (what the user knows it as, the distribution whose metadata has its version and licence)
COMPONENTS: tuple[tuple[str, str], ...] = (
    ("Maskedit", "maskedit"),
    ("Qt for Python (PySide6)", "PySide6-Essentials"),
    ("Shiboken6", "shiboken6"),
    ("OpenCV", "opencv-python-headless"),
    ("Pillow", "pillow"),
    ("NumPy", "numpy"),
    ("httpx", "httpx"),
    ("httpx-sse", "httpx-sse"),
    ("qasync", "qasync"),
    ("keyring", "keyring"),
    ("platformdirs", "platformdirs"),
)
QT_NOTE = ("Qt and PySide6 are used under the GNU LGPL version 3; their source code is at "
           "https://code.qt.io.")


@dataclass(frozen=True)
class Component:
    """One shipped package as its metadata describes it."""

    name: str
    version: str
    licence: str


def licence_from_metadata(fields) -> str:
    """The licence named by a package's metadata: the SPDX expression, else a one-line License
    field, else its licence classifiers (long License fields are whole licence texts)."""
    expression = (fields.get("License-Expression") or "").strip()
    if expression:
        return expression
    text = (fields.get("License") or "").strip()
    if text and "\n" not in text and len(text) <= 80:
        return text
    classifiers = [c.rsplit(" :: ", 1)[-1] for c in fields.get_all("Classifier") or []
                   if c.startswith("License ::")]
    return ", ".join(classifiers) or "not stated in its metadata"


def component(name: str, distribution: str) -> Component:
    try:
        fields = metadata(distribution)
    except PackageNotFoundError:
        return Component(name, "not installed", "unknown")
    return Component(name, fields["Version"], licence_from_metadata(fields))


def components() -> list[Component]:
    return [component(name, distribution) for name, distribution in COMPONENTS]


def versions_text(shipped: list[Component] | None = None) -> str:
    """What Copy puts on the clipboard: enough for a bug report."""
    lines = [f"Maskedit {editor.__version__}",
             f"Qt {qVersion()} (PySide6 {pyside_version})",
             f"Python {platform.python_version()} ({platform.python_implementation()})",
             f"System {platform.platform()}"]
    lines += [f"{item.name} {item.version} ({item.licence})" for item in shipped or components()]
    return "\n".join(lines)


class AboutDialog(QDialog):
    """The app icon, the versions that matter for a bug report, every licence and a Copy button."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("About Maskedit")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.components = components()
        header = QHBoxLayout()
        logo = QLabel()
        logo.setPixmap(QGuiApplication.windowIcon().pixmap(96, 96))
        header.addWidget(logo, 0, Qt.AlignmentFlag.AlignTop)
        self.summary = self._label(
            f"<h2>Maskedit {html.escape(editor.__version__)}</h2>"
            "<p>Paint a mask, write a prompt, compare the edits.</p>"
            f"<p>Qt {html.escape(qVersion())} · PySide6 {html.escape(pyside_version)} · "
            f"Python {html.escape(platform.python_version())}</p>"
            "<p>Maskedit is free software under the MIT licence.</p>")
        header.addWidget(self.summary, 1)
        self.licences = self._label(self._licence_table())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = buttons.addButton("&Copy Versions", QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.setToolTip("Copy the versions to the clipboard, e.g. for a bug report")
        self.copy_button.clicked.connect(self.copy_versions)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.licences)
        layout.addWidget(buttons)

    def _licence_table(self) -> str:
        rows = "".join(
            f"<tr><td style='padding-right:16px'>{html.escape(item.name)}</td>"
            f"<td style='padding-right:16px'>{html.escape(item.version)}</td>"
            f"<td>{html.escape(item.licence)}</td></tr>"
            for item in self.components)
        return (f"<p><b>Licences</b></p><table cellspacing='0' cellpadding='2'>{rows}</table>"
                f"<p>{html.escape(QT_NOTE)}</p>")

    @staticmethod
    def _label(text: str) -> QLabel:
        label = QLabel(text)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def copy_versions(self) -> None:
        QGuiApplication.clipboard().setText(versions_text(self.components))
        self.copy_button.setText("Copied")
