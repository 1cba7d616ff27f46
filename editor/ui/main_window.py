"""The main window: hosts the canvas, turns actions into document and canvas calls.

Photos are decoded off the GUI thread (asyncio.to_thread on the qasync loop); the window keeps
each running job as an owned, cancellable task and shows a busy indicator meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QByteArray, QMimeData, QSettings, Qt, QUrl
from PySide6.QtGui import QColor, QGuiApplication, QImage
from PySide6.QtWidgets import QDialog, QMainWindow, QStackedWidget

from editor.core.document import Document
from editor.core.mask_layer import BrushDab, MaskLayer
from editor.core.photo import qimage_from_pil
from editor.imaging.load import ImageLoadError, load_image
from editor.imaging.mask import MaskError, coverage_to_api_png, load_mask
from editor.settings import UserSettings, save_settings
from editor.ui import dialogs
from editor.ui.actions import TOOL_NAMES, ActionSet, tool_key
from editor.ui.canvas import CanvasView
from editor.ui.dialogs.mask_adjust import MaskAdjustDialog
from editor.ui.dialogs.preferences import PreferencesDialog
from editor.ui.dialogs.shortcuts import ShortcutsDialog
from editor.ui.panels import EmptyState, StatusFields
from editor.ui.panels.tool_options import ToolOptions, build_options_bar, build_tools_bar

log = logging.getLogger(__name__)

APP_TITLE = "Maskedit"
MB = 1024 * 1024
MESSAGE_MS = 6000


def decode_photo(source: Path | bytes, max_pixels: int, name: str | None = None) -> QImage:
    """File or encoded bytes → QImage ready for the canvas. Runs on a worker thread."""
    loaded = load_image(source, max_pixels=max_pixels, name=name)
    return qimage_from_pil(loaded.image)


def normalise_pasted(image: QImage, max_pixels: int) -> QImage:
    """A clipboard QImage in the format the canvas draws fastest. Runs on a worker thread."""
    if image.width() * image.height() > max_pixels:
        raise ImageLoadError(
            f"The pasted image is {image.width()} × {image.height()} px; the limit is "
            f"{max_pixels / 1e6:.0f} MP. Raise it in Preferences or paste a smaller image."
        )
    opaque = not image.hasAlphaChannel()
    return image.convertToFormat(
        QImage.Format.Format_RGB32 if opaque else QImage.Format.Format_ARGB32_Premultiplied
    )


def local_path_from(mime: QMimeData) -> Path | str | None:
    """The file a drop or paste points at: a Path, an error sentence, or None if none."""
    urls = [url for url in mime.urls() if not url.isEmpty()] if mime.hasUrls() else []
    if not urls and mime.hasText():
        text = mime.text().strip().splitlines()[0].strip() if mime.text().strip() else ""
        if text.startswith(("file:", "http:", "https:")):
            urls = [QUrl(text)]
        elif text and Path(text).expanduser().is_file():
            return Path(text).expanduser()
    if not urls:
        return None
    if not urls[0].isLocalFile():
        return "Only images stored on this computer can be opened; download it first."
    return Path(urls[0].toLocalFile())


class MainWindow(QMainWindow):
    """Menus, tool bars, the canvas (or the empty state) and the status bar around one Document."""

    def __init__(self, settings: UserSettings, *, loop: asyncio.AbstractEventLoop,
                 settings_path: Path | None = None, window_state_path: Path | None = None):
        super().__init__()
        self._settings, self._settings_path = settings, settings_path
        self._window_state_path = window_state_path
        self._loop = loop
        self._tasks: dict[str, asyncio.Task] = {}
        self._shown_mask: MaskLayer | None = None
        self._shortcuts: ShortcutsDialog | None = None
        self.document = Document(undo_cap_bytes=settings.undo_cap_mb * MB, parent=self)
        self.canvas = CanvasView()
        self.empty_state = EmptyState()
        self._stack = QStackedWidget()
        self._stack.addWidget(self.empty_state)
        self._stack.addWidget(self.canvas)
        self.setCentralWidget(self._stack)
        self.actions = ActionSet(self)
        self.actions.build_menus(self.menuBar())
        self.actions.connect(self._handlers())
        self.tool_options = ToolOptions()
        self.addToolBar(Qt.ToolBarArea.LeftToolBarArea, build_tools_bar(self, self.actions.tools()))
        leading = [self.actions[k] for k in ("file.open", "edit.undo", "edit.redo", "mask.overlay")]
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, build_options_bar(self, self.tool_options, leading))
        self.status = StatusFields(self.statusBar())
        self._connect_signals()
        self._apply_settings(settings)
        self.canvas.set_brush(
            BrushDab(settings.brush_diameter, settings.brush_hardness, settings.brush_opacity)
        )
        self.tool_options.show_brush(self.canvas.brush())
        self.actions[tool_key(self.canvas.tool())].setChecked(True)
        self.tool_options.show_tool(self.canvas.tool())
        self.actions["mask.overlay"].setChecked(True)
        self.setAcceptDrops(True)
        self.resize(1400, 900)
        self._restore_window_state()
        self._show_document_state()

    # --- wiring ----------------------------------------------------------------------------------

    def _handlers(self) -> dict[str, Callable[..., object]]:
        canvas = self.canvas
        handlers: dict[str, Callable[..., object]] = {
            "file.open": self.ask_and_open, "file.paste": self.paste,
            "file.preferences": self.edit_preferences, "file.quit": self.close,
            "edit.undo": lambda: self._with_mask(MaskLayer.undo),
            "edit.redo": lambda: self._with_mask(MaskLayer.redo),
            "mask.invert": lambda: self._with_mask(MaskLayer.invert),
            "mask.clear": lambda: self._with_mask(MaskLayer.clear),
            "mask.grow": lambda: self.adjust_mask("grow"), "mask.shrink": lambda: self.adjust_mask("shrink"),
            "mask.feather": lambda: self.adjust_mask("feather"),
            "mask.import": self.ask_and_import_mask, "mask.export": self.ask_and_export_mask,
            "mask.overlay": canvas.set_mask_visible,
            "view.zoom_in": canvas.zoom_in, "view.zoom_out": canvas.zoom_out,
            "view.fit": canvas.fit_to_view, "view.actual": canvas.actual_pixels,
            "brush.smaller": canvas.shrink_brush, "brush.larger": canvas.grow_brush,
            "help.shortcuts": self.show_shortcuts,
        }
        for name in TOOL_NAMES:
            handlers[tool_key(name)] = lambda _checked=False, n=name: self.canvas.set_tool(n)
        return handlers

    def _connect_signals(self) -> None:
        self.document.mask_replaced.connect(self._mask_replaced)
        self.document.photo_changed.connect(self._photo_changed)
        self.document.path_changed.connect(lambda _path: self._update_title())
        self.canvas.zoom_changed.connect(self.status.show_zoom)
        self.canvas.cursor_moved.connect(self.status.show_cursor)
        self.canvas.brush_changed.connect(self.tool_options.show_brush)
        self.canvas.tool_changed.connect(self._tool_changed)
        self.empty_state.open_requested.connect(self.ask_and_open)
        self.empty_state.recent_chosen.connect(self.open_recent)
        self.tool_options.brush_edited.connect(self.canvas.set_brush)
        self.tool_options.fill_tolerance_edited.connect(self._fill_tolerance_edited)
        self.actions.submenu("file.recent").aboutToShow.connect(self._fill_recent_menu)

    def show_shortcuts(self) -> None:
        """The cheat sheet stays open beside the canvas while the user tries the keys."""
        if self._shortcuts is None:
            self._shortcuts = ShortcutsDialog(self)
        self._shortcuts.show()
        self._shortcuts.raise_()
        self._shortcuts.activateWindow()

    def _with_mask(self, operation: Callable[[MaskLayer], object]) -> None:
        mask = self.document.mask()
        if mask is not None:
            operation(mask)

    # --- opening photos ----------------------------------------------------------------------------

    def ask_and_open(self) -> None:
        recent = self._settings.recent_files
        path = dialogs.ask_photo_path(self, str(Path(recent[0]).parent) if recent else "")
        if path is not None:
            self.open_path(path)

    def open_path(self, path: str | Path) -> None:
        """Open a photo file: the one code path of Open, Open Recent, drop, paste and the command line."""
        path = Path(path).expanduser().absolute()
        if self._may_discard():
            self._run("open", self._open(decode_photo, path, path=path, name=path.name))

    def open_recent(self, path: str) -> None:
        if not Path(path).is_file():
            self._update_settings(recent_files=tuple(p for p in self._settings.recent_files if p != path))
            dialogs.show_error(
                self, "Photo not found",
                f"{Path(path).name} is no longer at {path}. It was removed from the recent list.",
            )
            return
        self.open_path(path)

    def open_pasted_image(self, image: QImage) -> None:
        if self._may_discard():
            self._run("open", self._open(normalise_pasted, image, path=None, name="the pasted image"))

    def paste(self) -> None:
        if not self._open_mime(QGuiApplication.clipboard().mimeData(), "clipboard"):
            self.statusBar().showMessage("The clipboard holds no image or image file.", MESSAGE_MS)

    def _open_mime(self, mime: QMimeData | None, where: str) -> bool:
        """Open what a drop or the clipboard carries; False if it carries nothing usable."""
        if mime is None:
            return False
        target = local_path_from(mime)
        if isinstance(target, Path):
            self.open_path(target)
        elif isinstance(target, str):
            dialogs.show_error(self, "Cannot open this image", target)
        elif mime.hasImage():
            image = QImage(mime.imageData())
            if image.isNull():
                return False
            self.open_pasted_image(image)
        else:
            return False
        log.info("opening from the %s", where)
        return True

    async def _open(self, decode: Callable[..., QImage], source: object, *, path: Path | None,
                    name: str) -> None:
        self.statusBar().showMessage(f"Opening {name}…")
        limit = self._settings.max_megapixels * 1_000_000
        try:
            photo = await asyncio.to_thread(decode, source, limit)
        except ImageLoadError as exc:
            self.statusBar().clearMessage()
            self.status.set_busy(False)
            dialogs.show_error(self, "Cannot open this photo", exc.message)
            return
        self.document.open(photo, path)
        if path is not None:
            self._update_settings(recent_files=self._settings.with_recent(str(path)).recent_files)
        self.statusBar().showMessage(f"Opened {name}", MESSAGE_MS)

    def _may_discard(self) -> bool:
        mask = self.document.mask()
        if mask is None or mask.is_empty():
            return True
        return dialogs.confirm_discard(self, self.document.display_name())

    def _fill_recent_menu(self) -> None:
        menu = self.actions.submenu("file.recent")
        menu.clear()
        for path in self._settings.recent_files:
            action = menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda _=False, p=path: self.open_recent(p))
        if self._settings.recent_files:
            menu.addSeparator()
            menu.addAction("Clear Recent").triggered.connect(lambda: self._update_settings(recent_files=()))
        else:
            menu.addAction("No recent photos").setEnabled(False)

    # --- drag and drop -------------------------------------------------------------------------------

    def dragEnterEvent(self, event) -> None:
        mime = event.mimeData()
        if isinstance(local_path_from(mime), Path) or mime.hasImage():
            event.acceptProposedAction()
            self.empty_state.set_drop_highlight(True)

    def dragLeaveEvent(self, event) -> None:
        self.empty_state.set_drop_highlight(False)

    def dropEvent(self, event) -> None:
        self.empty_state.set_drop_highlight(False)
        if self._open_mime(event.mimeData(), "drop"):
            event.acceptProposedAction()

    # --- mask commands ---------------------------------------------------------------------------------

    def adjust_mask(self, kind: str) -> None:
        mask = self.document.mask()
        if mask is None:
            return
        box = mask.bounding_rect()
        painted = None if box.isEmpty() else (box.x(), box.y(), box.width(), box.height())
        dialog = MaskAdjustDialog(kind, mask.array(), painted, self.canvas.set_mask_preview, parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            mask.replace(dialog.adjusted(), dialog.label())

    def ask_and_import_mask(self) -> None:
        mask, path = self.document.mask(), dialogs.ask_mask_path(self, self._document_folder())
        if mask is None or path is None:
            return
        convention = dialogs.ask_mask_convention(self)
        if convention is not None:
            self.import_mask(path, convention)

    def import_mask(self, path: Path, convention: str) -> None:
        self._run("mask", self._import_mask(Path(path), convention))

    async def _import_mask(self, path: Path, convention: str) -> None:
        mask = self.document.mask()
        try:
            coverage = await asyncio.to_thread(load_mask, path, convention,
                                               expected_size=(mask.width, mask.height))
        except MaskError as exc:
            self.status.set_busy(False)
            dialogs.show_error(self, "Cannot import this mask", exc.message)
            return
        if self.document.mask() is mask:  # the photo may have changed while the file was read
            mask.replace(coverage, "Import mask")
            self.statusBar().showMessage(f"Imported the mask from {path.name}", MESSAGE_MS)

    def ask_and_export_mask(self) -> None:
        photo_path = self.document.path()
        stem = photo_path.stem if photo_path is not None else "pasted"
        path = dialogs.ask_export_path(self, str(Path(self._document_folder()) / f"{stem}-mask.png"))
        if path is not None:
            self.export_mask(path)

    def export_mask(self, path: Path) -> None:
        mask = self.document.mask()
        if mask is not None:
            # A copy: painting may go on while the PNG is encoded on a worker thread.
            self._run("export", self._export_mask(mask.array().copy(), Path(path)))

    async def _export_mask(self, coverage, path: Path) -> None:
        threshold = self._settings.mask_threshold
        try:
            data = await asyncio.to_thread(coverage_to_api_png, coverage, threshold=threshold)
            await asyncio.to_thread(path.write_bytes, data)
        except (OSError, MaskError) as exc:
            reason = exc.message if isinstance(exc, MaskError) else (exc.strerror or str(exc))
            self.status.set_busy(False)
            dialogs.show_error(self, "Cannot export the mask", f"{path.name} could not be written: {reason}.")
            return
        self.statusBar().showMessage(f"Mask saved to {path}", MESSAGE_MS)

    def _document_folder(self) -> str:
        path = self.document.path()
        return str(path.parent) if path is not None else str(Path.home())

    # --- model → view ----------------------------------------------------------------------------------

    def _mask_replaced(self, mask: MaskLayer | None) -> None:
        if self._shown_mask is not None:
            self._shown_mask.history_changed.disconnect(self._update_history_actions)
        self._shown_mask = mask
        if mask is not None:
            self.canvas.set_content(self.document.photo(), mask)
            mask.history_changed.connect(self._update_history_actions)
            self.canvas.setFocus()
        self.status.watch_mask(mask)
        self._show_document_state()

    def _photo_changed(self) -> None:
        # A new document's photo arrives with its mask (see _mask_replaced); this is a same-size swap.
        photo = self.document.photo()
        if photo is not None and self._shown_mask is self.document.mask():
            self.canvas.set_photo(photo)

    def _show_document_state(self) -> None:
        is_open = self.document.is_open()
        self._stack.setCurrentWidget(self.canvas if is_open else self.empty_state)
        self.actions.set_document_open(is_open)
        self.tool_options.setEnabled(is_open)
        self.empty_state.set_recent(self._settings.recent_files)
        if is_open:
            photo = self.document.photo()
            self.status.show_size(photo.width(), photo.height())
            self.status.show_zoom(self.canvas.zoom())
        self._update_history_actions()
        self._update_title()

    def _update_title(self) -> None:
        name = self.document.display_name()
        self.setWindowTitle(f"{name} — {APP_TITLE}" if name else APP_TITLE)

    def _update_history_actions(self) -> None:
        self.actions.show_history(self.document.mask())

    def _tool_changed(self, name: str) -> None:
        self.actions[tool_key(name)].setChecked(True)
        self.tool_options.show_tool(name)

    # --- settings ------------------------------------------------------------------------------------------

    def settings(self) -> UserSettings:
        """The settings as they are now, including the current brush."""
        brush = self.canvas.brush()
        return replace(self._settings, brush_diameter=brush.diameter, brush_hardness=brush.hardness,
                       brush_opacity=brush.opacity)

    def edit_preferences(self) -> None:
        dialog = PreferencesDialog(self._settings, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._apply_settings(dialog.settings())
            self._update_settings()

    def _apply_settings(self, settings: UserSettings) -> None:
        self._settings = settings
        self.canvas.set_overlay(
            QColor(settings.overlay_color), settings.overlay_opacity, settings.overlay_hatch
        )
        self.canvas.set_pressure_mode(settings.pressure_mode)
        self.canvas.set_fill_tolerance(settings.fill_tolerance)
        self.tool_options.show_fill_tolerance(settings.fill_tolerance)
        self.document.set_undo_cap(settings.undo_cap_mb * MB)

    def _fill_tolerance_edited(self, tolerance: int) -> None:
        self.canvas.set_fill_tolerance(tolerance)
        self._settings = replace(self._settings, fill_tolerance=tolerance)

    def _update_settings(self, **changes) -> None:
        """Change and save the settings now (recent files must survive a crash)."""
        self._settings = replace(self._settings, **changes)
        self.empty_state.set_recent(self._settings.recent_files)
        self.save_settings()

    def save_settings(self) -> None:
        try:
            save_settings(self.settings(), self._settings_path)
        except OSError as exc:
            log.warning("could not save the settings: %s", exc)
            self.statusBar().showMessage(
                f"Your settings could not be saved ({exc.strerror or exc}).", MESSAGE_MS
            )

    def _window_state(self) -> QSettings | None:
        if self._window_state_path is None:
            return None
        return QSettings(str(self._window_state_path), QSettings.Format.IniFormat)

    def _restore_window_state(self) -> None:
        store = self._window_state()
        if store is None:
            return
        geometry, state = store.value("geometry"), store.value("windowState")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.restoreState(state)

    # --- jobs and closing ----------------------------------------------------------------------------------

    def _run(self, name: str, job: Coroutine) -> None:
        """Start `job` as the task `name`, cancelling an earlier one of that name (a newer open wins)."""
        previous = self._tasks.pop(name, None)
        if previous is not None:
            previous.cancel()
        task = self._loop.create_task(job)
        self._tasks[name] = task
        task.add_done_callback(lambda t, n=name: self._job_finished(n, t))
        self.status.set_busy(True)

    def _job_finished(self, name: str, task: asyncio.Task) -> None:
        if self._tasks.get(name) is task:
            del self._tasks[name]
        self.status.set_busy(bool(self._tasks))
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            self.report_unexpected(error)

    def report_unexpected(self, error: BaseException) -> None:
        """An error nobody planned for: logged with its traceback, shown as one calm sentence."""
        log.error("unexpected error", exc_info=(type(error), error, error.__traceback__))
        message = ("There was not enough memory for that. Close other programs or use a smaller photo."
                   if isinstance(error, MemoryError) else
                   "Something went wrong and the last action may not have finished. Details are in the log.")
        self.statusBar().showMessage(message, 2 * MESSAGE_MS)

    def busy(self) -> bool:
        return bool(self._tasks)

    def closeEvent(self, event) -> None:
        if not self._may_discard():
            event.ignore()
            return
        for task in self._tasks.values():
            task.cancel()
        store = self._window_state()
        if store is not None:
            store.setValue("geometry", self.saveGeometry())
            store.setValue("windowState", self.saveState())
            store.sync()
        self.save_settings()
        super().closeEvent(event)
