"""Small standard dialogs the window asks through (file choosers, questions, error messages).

Each is one function so tests can replace it instead of driving a native dialog.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

PHOTO_FILTER = ("Photos and projects (*.png *.jpg *.jpeg *.webp *.tif *.tiff *.bmp *.gif *.maskedit);;"
                "Maskedit projects (*.maskedit);;All files (*)")
MASK_FILTER = "Mask images (*.png *.webp *.tif *.tiff *.bmp *.jpg *.jpeg);;All files (*)"
PNG_FILTER = "PNG image (*.png)"

# (convention id for imaging.mask.load_mask, what the user reads)
MASK_CONVENTIONS: tuple[tuple[str, str], ...] = (
    ("alpha", "Transparent = edit (the API's own format)"),
    ("white-edits", "White = edit, black = keep"),
    ("black-edits", "Black = edit, white = keep"),
)


def show_error(parent: QWidget | None, title: str, message: str) -> None:
    """A message for a person, never a traceback."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.exec()


def start_folder(photo: Path | None, *others: Path | str | None) -> Path:
    """Where a file chooser starts: the open photo's folder, else the first of `others` given
    (the last folder used, a recent file's), else the home folder. Designers keep a job's files
    together, so a chooser that opens in the home folder is a detour every time."""
    for candidate in (photo.parent if photo is not None else None, *others):
        if candidate:
            return Path(candidate)
    return Path.home()


def ask_photo_path(parent: QWidget | None, start: str = "") -> Path | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Open Photo", start, PHOTO_FILTER)
    return Path(path) if path else None


def ask_mask_path(parent: QWidget | None, start: str = "") -> Path | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Import Mask", start, MASK_FILTER)
    return Path(path) if path else None


def ask_mask_convention(parent: QWidget | None) -> str | None:
    """Which pixels of an imported mask mean "edit here"; None if the user cancels."""
    labels = [label for _, label in MASK_CONVENTIONS]
    label, ok = QInputDialog.getItem(
        parent, "Import Mask", "In this mask image, the area to edit is:", labels, 0, False
    )
    if not ok:
        return None
    return next(key for key, text in MASK_CONVENTIONS if text == label)


def ask_export_path(parent: QWidget | None, suggested: str) -> Path | None:
    path, _ = QFileDialog.getSaveFileName(parent, "Export Mask for the API", suggested, PNG_FILTER)
    if not path:
        return None
    path = Path(path)
    return path if path.suffix.lower() == ".png" else path.with_name(path.name + ".png")


def confirm_over_budget(parent: QWidget | None, message: str) -> bool:
    """Ask before a job that would take the project past its token budget."""
    box = QMessageBox(QMessageBox.Icon.Question, "Over the token budget", message,
                      QMessageBox.StandardButton.Cancel, parent)
    run = box.addButton("Run Anyway", QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is run


def confirm_stop_batch(parent: QWidget | None) -> bool:
    """Ask before quitting stops a running batch (what it received is kept; a new run resumes)."""
    box = QMessageBox(QMessageBox.Icon.Question, "Stop the batch?",
                      "A batch edit is still running. Quitting stops it; the images already received stay "
                      "in its results folder, and starting the batch again skips the photos already done.",
                      QMessageBox.StandardButton.Cancel, parent)
    stop = box.addButton("Stop and Quit", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is stop


def ask_project_target(parent: QWidget | None, start: str, file_filter: str) -> str | None:
    """Where to save a project (the native Save dialog); None when the user cancels."""
    path, _ = QFileDialog.getSaveFileName(parent, "Save Project", start, file_filter)
    return path or None


def confirm_stop_jobs(parent: QWidget | None, running: int) -> bool:
    """Ask before quitting stops running jobs: their requests are out and may be billed."""
    jobs = "A job is" if running == 1 else f"{running} jobs are"
    box = QMessageBox(QMessageBox.Icon.Warning, "Maskedit", f"{jobs} still running. Quit anyway?",
                      QMessageBox.StandardButton.Cancel, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setInformativeText("Quitting cancels them. A request already sent may be billed all the same; "
                           "images that have arrived are kept, and the job stays in the project's history.")
    stop = box.addButton("Cancel Jobs and Quit", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is stop


SAVE, DONT_SAVE, CANCEL = "save", "dont-save", "cancel"


def ask_save_changes(parent: QWidget | None, question: str, detail: str) -> str:
    """Save / Don't Save / Cancel before the window's work goes (quit, another photo or project):
    SAVE (the default, Enter), DONT_SAVE or CANCEL (Esc, or the window's close button)."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Maskedit", question,
                      QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                      | QMessageBox.StandardButton.Cancel, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setInformativeText(detail)
    box.button(QMessageBox.StandardButton.Discard).setText("Don't Save")
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    box.setEscapeButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return {QMessageBox.StandardButton.Save: SAVE, QMessageBox.StandardButton.Discard: DONT_SAVE}.get(
        box.standardButton(box.clickedButton()), CANCEL)


def confirm_delete_draft(parent: QWidget | None, title: str, detail: str) -> bool:
    """Ask before deleting a draft: its results go with it."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Delete Draft", f"Delete the draft of {title}?",
                      QMessageBox.StandardButton.Cancel, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setInformativeText(detail)
    delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is delete
