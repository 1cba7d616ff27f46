"""The main window: the canvas in the centre, the prompt and results docks on the right, and the
one action table turned into document, canvas and job calls.

Photos are decoded and masks exported off the GUI thread as owned tasks (see `_run`); Generate
jobs are owned by the JobRunner. The window only reacts and paints, so it never freezes while
a request runs and the user keeps painting.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import PySide6
from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, Qt, QTimer, Signal, qVersion
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QDialog, QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from editor.core.tasks import TaskOwner
from editor.settings.store import UserSettings, save_settings
from editor.ui.actions import TOOL_NAMES, ActionSet, tool_key
from editor.ui.docks import GenerationDocks
from editor.ui.panels import EmptyState, StatusFields
from editor.ui.panels.tool_options import ToolOptions, build_options_bar, build_tools_bar
from editor.ui.photo_opening import PhotoOpening
from editor.ui.result_commands import ResultCommands

if TYPE_CHECKING:
    import asyncio

    from editor.core.document import Document
    from editor.core.mask_layer import MaskLayer
    from editor.core.undo import UndoStack
    from editor.ui.canvas import CanvasView
    from editor.ui.compare_mode import CompareMode
    from editor.ui.dialogs.shortcuts import ShortcutsDialog
    from editor.ui.mask_commands import MaskCommands
    from editor.ui.project import ProjectKeeper
    from editor.ui.variant_export import HistoryBrowser, VariantExporter

log = logging.getLogger(__name__)

APP_TITLE = "Maskedit"
MB = 1024 * 1024
MESSAGE_MS = 6000


class MainWindow(PhotoOpening, ResultCommands, GenerationDocks, QMainWindow):
    """Menus, tool bars, the canvas (or the empty state), the prompt/results docks and the status
    bar around one Document.

    `build_backend(options, settings)` makes the backend for one job (the app passes
    `editor.app.build_backend`); without it, jobs fail with a sentence saying so. `env` is where
    the scripted overrides (MASKEDIT_PROVIDER, …) and key variables are read. `staged=True`
    (start-up only) builds just the frame, with Qt alone, so it can be painted at once;
    `complete(loop)` adds the document, canvas and Generate side after that first paint.
    """

    # Closing: every owned task has ended (the app quits on it).
    shut_down = Signal()

    document: Document
    canvas: CanvasView

    def __init__(self, settings: UserSettings, *, loop: asyncio.AbstractEventLoop | None,
                 settings_path: Path | None = None, window_state_path: Path | None = None,
                 build_backend: Callable | None = None, env: Mapping[str, str] | None = None,
                 staged: bool = False):
        super().__init__()
        self._settings, self._settings_path = settings, settings_path
        self._window_state_path = window_state_path
        self._loop = loop
        # Every async task of the window is owned here, in groups, and awaited at shutdown.
        self.tasks = TaskOwner(loop)
        self._window_tasks = self.tasks.group("window", on_error=self.report_unexpected)
        # Made by complete(); an unexpected error can come before that.
        self.keeper: ProjectKeeper | None = None
        self.undo_stack: UndoStack | None = None
        self.comparison: CompareMode | None = None
        self.masks: MaskCommands | None = None
        self.exporter: VariantExporter | None = None
        self.history: HistoryBrowser | None = None
        self._env: dict[str, str] = {}
        self._closed = False
        self._shutdown: asyncio.Task | None = None  # awaiting the owned tasks after close
        self._crash_dialog = None  # the open report of an unexpected error, if any
        self._shown_mask: MaskLayer | None = None
        self._shortcuts: ShortcutsDialog | None = None
        self._complete = False
        self._first_paint: _AfterFirstPaint | None = None
        self._services = (build_backend, env)
        self._build_frame(settings)
        if not staged:  # staged: start-up shows the frame, then calls complete() (editor/app.py)
            self.complete()
        self._restore_window_state()

    def _build_frame(self, settings: UserSettings) -> None:
        """What the first paint shows, built with Qt alone: menus, tool bars, the empty state,
        the docks' frames and the status bar."""
        self.empty_state = EmptyState()
        self.empty_state.set_recent(settings.recent_files)
        self._stack = QStackedWidget()
        self._stack.addWidget(self.empty_state)
        self._centre = QVBoxLayout()
        self._centre.setContentsMargins(0, 0, 0, 0)
        self._centre.setSpacing(0)
        self._centre.addWidget(self._stack, 1)
        centre = QWidget()
        centre.setLayout(self._centre)
        self.setCentralWidget(centre)
        self.actions = ActionSet(self)
        self.actions.build_menus(self.menuBar())
        self.actions.set_document_open(False)
        self.tool_options = ToolOptions()
        self.tool_options.show_brush_values(settings.brush_diameter, settings.brush_hardness,
                                            settings.brush_opacity)
        self.tool_options.setEnabled(False)
        self.addToolBar(Qt.ToolBarArea.LeftToolBarArea, build_tools_bar(self, self.actions.tools()))
        leading = [self.actions[k] for k in ("file.open", "edit.undo", "edit.redo", "mask.overlay")]
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, build_options_bar(self, self.tool_options, leading))
        self.status = StatusFields(self.statusBar())
        self._build_generation_frame()
        self.setWindowTitle(APP_TITLE)
        self.resize(1400, 900)

    def complete(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """The document, the canvas and the Generate side: the window is usable from here on.
        A staged window gets its event loop here (asyncio, too, loads after the first paint)."""
        if self._complete:
            return
        # numpy, OpenCV and Pillow arrive with these; importing them here keeps them behind the
        # first paint when start-up is staged.
        from editor.core.document import Document
        from editor.core.mask_layer import BrushDab
        from editor.ui.canvas import CanvasView
        from editor.ui.mask_commands import MaskCommands

        if loop is not None:
            self._loop = self.tasks.loop = loop
        build_backend, env = self._services
        settings = self._settings
        self.document = Document(undo_cap_bytes=settings.undo_cap_mb * MB, parent=self)
        self.canvas = CanvasView()
        self._stack.addWidget(self.canvas)
        self.masks = MaskCommands(self, document=self.document, canvas=self.canvas, run=self._run,
                                  say=lambda text: self.statusBar().showMessage(text, MESSAGE_MS),
                                  threshold=lambda: self._settings.mask_threshold)
        self._setup_generation(settings, build_backend=build_backend, env=env)
        self.actions.connect(self._handlers())
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
        self._complete = True
        self._show_document_state()

    def after_first_paint(self, step: Callable[[], object]) -> None:
        """Run `step` once the window has painted for the first time (steps run in order)."""
        if self._first_paint is None:
            self._first_paint = _AfterFirstPaint(self)
            self.installEventFilter(self._first_paint)
        self._first_paint.steps.append(step)

    # --- wiring ----------------------------------------------------------------------------------

    def _handlers(self) -> dict[str, Callable[..., object]]:
        canvas, masks = self.canvas, self.masks
        handlers: dict[str, Callable[..., object]] = {
            "file.open": self.ask_and_open, "file.paste": self.paste,
            "file.preferences": self.edit_preferences, "file.quit": self.close, "file.batch": self.show_batch,
            "edit.undo": lambda: self.undo_stack.undo(),
            "edit.redo": lambda: self.undo_stack.redo(),
            "file.save": self.save_project, "file.save_as": self.save_project_as,
            "results.export": lambda: self.exporter.export_shown(),
            "results.history": lambda: self.history.show(),
            "results.next": lambda: self.results.step(1), "results.previous": lambda: self.results.step(-1),
            "results.compare": lambda: self.comparison.compare_shown(),
            "mask.invert": lambda: masks.apply(lambda mask: mask.invert()),
            "mask.clear": lambda: masks.apply(lambda mask: mask.clear()),
            "mask.grow": lambda: masks.adjust("grow"), "mask.shrink": lambda: masks.adjust("shrink"),
            "mask.feather": lambda: masks.adjust("feather"),
            "mask.import": masks.ask_and_import, "mask.export": masks.ask_and_export,
            "mask.overlay": canvas.set_mask_visible,
            "generate.run": self.generate, "generate.cancel": self.cancel_newest,
            "generate.focus_prompt": self.focus_prompt,
            "view.zoom_in": canvas.zoom_in, "view.zoom_out": canvas.zoom_out,
            "view.fit": canvas.fit_to_view, "view.actual": canvas.actual_pixels,
            "brush.smaller": canvas.shrink_brush, "brush.larger": canvas.grow_brush,
            "help.shortcuts": self.show_shortcuts, "help.about": self.show_about,
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
        self.canvas.step_requested.connect(self.results.step)
        self.empty_state.open_requested.connect(self.ask_and_open)
        self.empty_state.recent_chosen.connect(self.open_recent)
        self.tool_options.brush_edited.connect(self.canvas.set_brush)
        self.tool_options.fill_tolerance_edited.connect(self._fill_tolerance_edited)
        self.actions.submenu("file.recent").aboutToShow.connect(self._fill_recent_menu)

    def show_shortcuts(self) -> None:
        """The cheat sheet stays open beside the canvas while the user tries the keys."""
        if self._shortcuts is None:
            from editor.ui.dialogs.shortcuts import ShortcutsDialog  # built when first asked for

            self._shortcuts = ShortcutsDialog(self)
        self._shortcuts.show()
        self._shortcuts.raise_()
        self._shortcuts.activateWindow()

    def show_about(self) -> None:
        from editor.ui.dialogs.about import AboutDialog  # built when first asked for

        AboutDialog(self).open()

    # --- model → view ----------------------------------------------------------------------------------

    def _mask_replaced(self, mask: MaskLayer | None) -> None:
        if self._shown_mask is not None:
            self._shown_mask.undo_changed.disconnect(self._update_undo_actions)
        self._shown_mask = mask
        self.comparison.leave_for("")
        self.results.set_photo_origin(None)  # a new document starts from its own photo
        self.undo_stack.set_mask(mask)
        self.results.forget_previews()
        if mask is not None:
            self.canvas.set_content(self.document.photo(), mask)
            mask.undo_changed.connect(self._update_undo_actions)
            self.canvas.setFocus()
        self.status.watch_mask(mask)
        self._show_document_state()

    def _photo_changed(self) -> None:
        # A new document's photo arrives with its mask (see _mask_replaced); this is a same-size swap.
        photo = self.document.photo()
        if photo is not None and self._shown_mask is self.document.mask():
            self.comparison.leave_for("")
            self.results.forget_previews()
            self.canvas.set_preview(None)
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
        self._update_undo_actions()
        self._update_title()

    def _update_title(self) -> None:
        name = self.document.display_name()
        self.setWindowTitle(f"{name} — {APP_TITLE}" if name else APP_TITLE)

    def _update_undo_actions(self) -> None:
        self.actions.show_undo(self.undo_stack if self.undo_stack is not None else self.document.mask())

    def _tool_changed(self, name: str) -> None:
        self.actions[tool_key(name)].setChecked(True)
        self.tool_options.show_tool(name)

    # --- settings ------------------------------------------------------------------------------------------

    def settings(self) -> UserSettings:
        """The settings as they are now: the brush, and the prompt side (see GenerationDocks)."""
        brush = self.canvas.brush()
        current = replace(self._settings, brush_diameter=brush.diameter, brush_hardness=brush.hardness,
                          brush_opacity=brush.opacity)
        return self._with_edit_state(current)

    def edit_preferences(self) -> None:
        dialog = self._settings_dialog()
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._apply_settings(dialog.settings())
            self._update_settings()
        self._settings_closed()

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

    # --- tasks and closing ----------------------------------------------------------------------------------

    def _run(self, name: str, job: Coroutine) -> None:
        """Start `job` as the task `name`, cancelling an earlier one of that name (a newer open wins)."""
        task = self._window_tasks.start(job, key=name)
        task.add_done_callback(lambda _task: self.status.set_busy(self._window_tasks.busy()))
        self.status.set_busy(True)

    def report_unexpected(self, error: BaseException) -> None:
        """An error nobody planned for: the work is saved, the report (without keys) goes to the log
        and into a dialog to copy, and the window says one calm sentence."""
        from editor.core.crash_report import build_report, known_secrets
        from editor.ui.dialogs.crash import CrashDialog

        message = ("There was not enough memory for that. Close other programs or use a smaller photo."
                   if isinstance(error, MemoryError) else
                   "Something went wrong and the last action may not have finished.")
        if self.keeper is not None:
            self.keeper.save_soon()  # whatever broke, the document as it is now is on disk
        versions = {"Qt": qVersion(), "PySide6": PySide6.__version__}
        report = build_report(error, message, versions=versions, secrets=known_secrets(self._env or None))
        log.error("unexpected error\n%s", report)
        self.statusBar().showMessage(message, 2 * MESSAGE_MS)
        dialog = self._crash_dialog
        if dialog is not None and dialog.isVisible():
            dialog.add(message, report)
        else:
            self._crash_dialog = dialog = CrashDialog(message, report, self)
            dialog.show()

    def busy(self) -> bool:
        """True while a photo opens or a mask is read or written (Generate jobs run on their own)."""
        return self._window_tasks.busy()

    def closeEvent(self, event) -> None:
        if self._complete and not (self._may_stop_batch() and self._may_discard()):
            event.ignore()
            return
        if self._complete:
            self._stop_generation()
        self.tasks.cancel_all()
        store = self._window_state()
        if store is not None:
            store.setValue("geometry", self.saveGeometry())
            store.setValue("windowState", self.saveState())
            store.sync()
        if self._complete:  # before that nothing could change the settings
            self.save_settings()
        super().closeEvent(event)
        if not self._closed:
            self._closed = True
            self._finish_tasks()

    def _finish_tasks(self) -> None:
        """Await every task the window owns (cancelled jobs close their backends and keep what
        arrived), then say `shut_down`; at once when there is no loop yet."""
        if self._loop is None or self._loop.is_closed():
            self.shut_down.emit()
            return

        async def finish() -> None:
            try:
                await self.tasks.shutdown()
            finally:
                self.shut_down.emit()

        self._shutdown = self._loop.create_task(finish(), name="maskedit shutdown")


class _AfterFirstPaint(QObject):
    """Runs the window's deferred start-up steps just after its first paint, so the user sees
    the window while they run."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self._window = window
        self.steps: list[Callable[[], object]] = []

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._run)
        return False

    def _run(self) -> None:
        if not self._window.isVisible():
            return  # closed before it was finished: nothing left to show
        for step in self.steps:
            step()
