"""The main window: the canvas in the centre, the prompt and results docks on the right, and the
one action table turned into document, canvas and job calls.

The window is a composition (see `complete`): state owners (the Document, the JobQueue, the
ProjectKeeper), command objects (photo opening, mask, variant, project and Generate commands,
compare mode, export) and views (canvas, panels, docks). Each is given what it works with; the
action table maps names to their methods. Every async task is owned by `tasks` and awaited at
shutdown, so the window never freezes while a request runs and the user keeps painting.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import PySide6
from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, QSize, Qt, QTimer, Signal, qVersion
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from editor.core.tasks import TaskOwner
from editor.settings.store import SettingsWriter, UserSettings
from editor.ui import dialogs, theme
from editor.ui.actions import TOOL_NAMES, ActionSet, tool_key
from editor.ui.docks import EditDocks
from editor.ui.panels import EmptyState, StatusFields
from editor.ui.panels.tool_options import ToolOptions, build_options_bar, build_tools_bar

if TYPE_CHECKING:
    import asyncio

    from editor.core.document import Document
    from editor.core.generate import GenerateController
    from editor.core.jobs import JobQueue
    from editor.core.mask_layer import MaskLayer
    from editor.core.project import ProjectKeeper
    from editor.core.runner import JobRunner
    from editor.core.services import Services
    from editor.core.undo import UndoStack
    from editor.ui.canvas import CanvasView
    from editor.ui.compare_mode import CompareMode
    from editor.ui.context_frame import ContextFrame
    from editor.ui.dialogs.shortcuts import ShortcutsDialog
    from editor.ui.generation_commands import GenerationCommands
    from editor.ui.mask_commands import MaskCommands
    from editor.ui.panels.generate_bar import GenerateBar, NoticeBar
    from editor.ui.panels.jobs import JobsPanel
    from editor.ui.panels.options import OptionsPanel
    from editor.ui.panels.prompt import PromptPanel
    from editor.ui.panels.references import ReferencesTray
    from editor.ui.panels.results import ResultsPanel
    from editor.ui.photo_opening import PhotoOpener
    from editor.ui.result_commands import ProjectCommands, VariantCommands
    from editor.ui.variant_export import HistoryBrowser, VariantExporter

log = logging.getLogger(__name__)

APP_TITLE = "Maskedit"
MB = 1024 * 1024
SMALLEST_SCREEN = QSize(1366, 768)  # UI_STYLE.md: everything reachable here
TITLE_BAR = 32  # px a window manager's title bar takes, at most, on a small screen
MESSAGE_MS = 6000
CONCURRENCY = 2  # jobs sent at once; more wait in the queue
FIRST_RUN_HINT = (
    "<b>You are working offline.</b> The Offline backend fills what you paint from its "
    "surroundings. To edit with a prompt, add a Requesty API key in Settings "
    "(or set REQUESTY_API_KEY)."
)


class MainWindow(QMainWindow):
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

    # Made by complete(): the state owners, the command objects and the views they drive.
    document: Document
    canvas: CanvasView
    services: Services
    queue: JobQueue
    runner: JobRunner
    generator: GenerateController
    opener: PhotoOpener
    variants: VariantCommands
    projects: ProjectCommands
    generation: GenerationCommands
    context_frame: ContextFrame
    prompt_panel: PromptPanel
    options_panel: OptionsPanel
    references: ReferencesTray
    generate_bar: GenerateBar
    results: ResultsPanel
    jobs: JobsPanel

    def __init__(self, settings: UserSettings, *, loop: asyncio.AbstractEventLoop | None,
                 settings_path: Path | None = None, window_state_path: Path | None = None,
                 build_backend: Callable | None = None, env: Mapping[str, str] | None = None,
                 staged: bool = False):
        super().__init__()
        self._settings, self._settings_path = settings, settings_path
        self._settings_file = SettingsWriter(settings_path)
        self._window_state_path = window_state_path
        self._loop = loop
        # Every async task of the window is owned here, in groups, and awaited at shutdown.
        self.tasks = TaskOwner(loop)
        self._window_tasks = self.tasks.group("window", on_error=self.report_unexpected)
        self._settings_tasks = self.tasks.group("settings", on_error=self.report_unexpected)
        # Made by complete(); an unexpected error can come before that.
        self.keeper: ProjectKeeper | None = None
        self.undo_stack: UndoStack | None = None
        self.comparison: CompareMode | None = None
        self.masks: MaskCommands | None = None
        self.exporter: VariantExporter | None = None
        self.history: HistoryBrowser | None = None
        self.notice: NoticeBar | None = None  # the first-run hint, once shown
        self.problem_notice: NoticeBar | None = None  # e.g. a data folder that cannot be written
        self._closed = False
        self._leaving_saved = False  # Save was chosen on closing, and done
        self._drafts = None  # File ▸ Projects and Drafts, once shown
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
        the docks' frames and the status bar, in the chosen theme."""
        self._theme = settings.theme
        theme.apply(QApplication.instance(), settings.theme)
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
        self.docks = EditDocks(self)
        self.setWindowTitle(APP_TITLE)
        self.resize(_first_size(self.screen()))

    def complete(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """The document, the canvas and the Generate side: the window is usable from here on.
        A staged window gets its event loop here (asyncio, too, loads after the first paint)."""
        if self._complete:
            return
        # numpy, OpenCV and Pillow arrive with these; importing them here keeps them behind the
        # first paint when start-up is staged.
        from editor.core.document import Document
        from editor.core.mask_layer import BrushDab
        from editor.core.services import Services
        from editor.ui.canvas import CanvasView
        from editor.ui.mask_commands import MaskCommands
        from editor.ui.photo_opening import PhotoOpener
        from editor.ui.selection_commands import SelectionCommands

        if loop is not None:
            self._loop = self.tasks.loop = loop
        build_backend, env = self._services
        settings = self._settings
        self.services = Services(build_backend, env, lambda: self._settings)
        self.document = Document(undo_cap_bytes=settings.undo_cap_mb * MB, parent=self)
        self.canvas = CanvasView()
        self._stack.addWidget(self.canvas)
        self.opener = PhotoOpener(self, document=self.document, settings=lambda: self._settings,
                                  update_settings=self._update_settings, run=self._run,
                                  status_bar=self.statusBar(), set_busy=self.status.set_busy)
        self.masks = MaskCommands(self, document=self.document, canvas=self.canvas, run=self._run,
                                  say=self._say, threshold=lambda: self._settings.mask_threshold)
        self.selection = SelectionCommands(
            document=self.document, canvas=self.canvas, tool_options=self.tool_options,
            tasks=self.tasks.group("selection", on_error=self.report_unexpected),
            status_bar=self.statusBar(), remember=self._remember_settings, say=self._say, parent=self)
        self._compose_generation(settings)
        self._compose_results()
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
        # Once the start-up photo (if any) is on its way: the cards are for a start with none.
        QTimer.singleShot(0, self.show_start_drafts)
        self._show_document_state()

    def _compose_generation(self, settings: UserSettings) -> None:
        """The job queue and its runner, Generate, the panels of the docks and the project keeper."""
        from editor.core.generate import GenerateController, forced_options
        from editor.core.jobs import JobQueue
        from editor.core.project import ProjectKeeper
        from editor.core.remembered_options import restore_edit_state
        from editor.core.runner import JobRunner
        from editor.core.undo import UndoStack
        from editor.settings.environment import base_url_for, effective_settings
        from editor.ui.context_frame import ContextFrame
        from editor.ui.panels.generate_bar import GenerateBar
        from editor.ui.panels.jobs import JobsPanel
        from editor.ui.panels.options import OptionsPanel
        from editor.ui.panels.prompt import PromptPanel
        from editor.ui.panels.references import ReferencesTray
        from editor.ui.panels.results import ResultsPanel

        env, document = self.services.env, self.document
        restore_edit_state(document, settings, env)
        document.set_options(forced_options(document.options(), env))
        self.queue = JobQueue(self)
        self.runner = JobRunner(self.queue, backend_factory=self.services.backend_for,
                                results_dir=settings.data_folder_path() / "results",
                                concurrency=CONCURRENCY, mask_threshold=settings.mask_threshold,
                                tasks=self.tasks.group("jobs"), parent=self)
        self.generator = GenerateController(
            document, self.runner, has_key=self.services.has_key,
            base_url=lambda provider: base_url_for(self._settings, provider, env),
            original_bytes=self.opener.original_bytes, job_record=lambda: self.keeper.job_record(),
            context_padding=lambda: self._settings.context_padding, parent=self)
        self.prompt_panel = PromptPanel(document, settings.prompt_history)
        self.options_panel = OptionsPanel(document, effective_settings(settings, env), env=env,
                                          disclosure=True)
        store = self._window_state()
        if store is not None:
            self.options_panel.set_advanced_open(store.value("editPanel/moreOptions", False, type=bool))
        self.references = ReferencesTray(document, max_pixels=settings.max_megapixels * 1_000_000,
                                         tasks=self.tasks.group("references"))
        self.generate_bar = GenerateBar()
        self.results = ResultsPanel(self.queue, loop=self._loop, context=self.generator.context,
                                    commands=True, tasks=self.tasks.group("results"))
        self.jobs = JobsPanel(self.queue)
        self.docks.fill(prompt_panel=self.prompt_panel, options_panel=self.options_panel,
                        references=self.references, generate_bar=self.generate_bar,
                        results=self.results, jobs=self.jobs)
        self.undo_stack = UndoStack(self)
        self.keeper = ProjectKeeper(
            document, self.queue, projects_dir=settings.data_folder_path() / "projects", loop=self._loop,
            open_photo=self.opener.opened, original_bytes=self.opener.original_bytes,
            add_context=self.generator.add_context, tasks=self.tasks.group("project"),
            max_pixels=lambda: self._settings.max_megapixels * 1_000_000, parent=self)
        self._configure_runner()
        self.context_frame = ContextFrame(document, self.canvas, self.generator.edit_context, parent=self)
        self.context_frame.planned.connect(self._show_estimate)
        self._compose_extension()

    def _compose_extension(self) -> None:
        """Edit ▸ Extend Canvas…: the extension as one undo step, said under Generate."""
        from editor.core.canvas_extension import CanvasExtender
        from editor.ui.extend_commands import ExtendCommands

        self.extender = CanvasExtender(self.document, self.undo_stack, run=self._run, parent=self)
        self.extend_commands = ExtendCommands(self, document=self.document, extender=self.extender,
                                              canvas=self.canvas,
                                              max_pixels=lambda: self._settings.max_megapixels * 1_000_000,
                                              say=self._say, parent=self)
        self.canvas.extension_requested.connect(self.extend_commands.extend_dragged)
        self.extender.extended.connect(lambda _shown: self._show_estimate(self.generator.edit_context()))

    def _compose_results(self) -> None:
        """The commands on variants and projects, compare mode, Export… and Project History…"""
        from editor.ui.compare_mode import CompareMode
        from editor.ui.generation_commands import GenerationCommands
        from editor.ui.leaving import LeaveGuard
        from editor.ui.result_commands import ProjectCommands, VariantCommands
        from editor.ui.spill_view import SpillView
        from editor.ui.variant_export import HistoryBrowser, VariantExporter

        settings = lambda: self._settings  # noqa: E731 (the settings as they are when asked)
        self.comparison = CompareMode(
            stack=self._stack, canvas=self.canvas, document=self.document, queue=self.queue,
            results=self.results, actions=self.actions, tool_options=self.tool_options, run=self._run,
            say=self._say, loop=self._loop, parent=self)
        self.exporter = VariantExporter(self, queue=self.queue, results=self.results, document=self.document,
                                        run=self._run, say=self._say)
        self.variants = VariantCommands(
            self, document=self.document, queue=self.queue, results=self.results,
            undo_stack=self.undo_stack, keeper=self.keeper, comparison=self.comparison,
            exporter=self.exporter, settings=settings, run=self._run, say=self._say)
        self.history = HistoryBrowser(self, queue=self.queue, results=self.results, loop=self._loop,
                                      reuse=self.variants.reuse_settings, reveal=self.variants.reveal)
        self.spill_view = SpillView(self, results=self.results, canvas=self.canvas, run=self._run,
                                    say=self._say)
        self.leaving = LeaveGuard(self, document=self.document, keeper=self.keeper, queue=self.queue,
                                  running=self.runner.active_count, run=self._run)
        self.projects = ProjectCommands(
            self, document=self.document, keeper=self.keeper, results=self.results, settings=settings,
            update_settings=self._update_settings, leave=self.leaving.leave,
            after_open=self._configure_runner,
            add_notice=lambda text, action, act: self._add_notice(text, action, act, once=True),
            run=self._run, status_bar=self.statusBar())
        self.leaving.projects = self.projects
        self.opener.leave, self.opener.start_fresh = self.leaving.leave, self._start_fresh
        self.queue.cleared.connect(self.generator.forget_contexts)
        self.generation = GenerationCommands(
            self, document=self.document, canvas=self.canvas, queue=self.queue, runner=self.runner,
            generator=self.generator, keeper=self.keeper, prompt_panel=self.prompt_panel,
            prompt_dock=self.docks.prompt_dock, results=self.results, references=self.references,
            settings=settings, save_settings=self.save_settings_soon, env=self.services.env,
            backend_for=self.services.backend_for, tasks=self.tasks, loop=self._loop, say=self._say)
        self.results.set_composite(self._settings.composite_mode, self._settings.composite_feather_px,
                                 self._settings.composite_harmonize)
        self.results.set_budget(self._settings.token_budget)
        self.results.thumb_size = self._settings.results_thumb_size
        self._compose_paste_mode()

    def _compose_paste_mode(self) -> None:
        """Paste masks: each variant's, editable after the result (editor.ui.paste_mode)."""
        from editor.core.paste_masks import PasteMasks
        from editor.ui.panels.paste_bar import PasteBar
        from editor.ui.paste_mode import PasteMode

        self.pastes = PasteMasks(self.undo_stack, self)
        self.paste_mode = PasteMode(
            self, canvas=self.canvas, document=self.document, queue=self.queue, results=self.results,
            pastes=self.pastes, context=self.generator.context, keeper=self.keeper,
            tasks=self.tasks.group("paste"), say=self._say)
        self.paste_bar = PasteBar(self.paste_mode, self.canvas, self.actions["results.paste_mask"])
        self.results.layout().insertWidget(2, self.paste_bar)
        # Nothing to shape before a variant arrives: the row appears with the first one.
        has_variants = lambda: any(job.variant_count for job in self.queue.jobs())  # noqa: E731
        self.paste_bar.setVisible(False)
        for signal in (self.queue.variant_added, self.queue.cleared, self.queue.restoring):
            signal.connect(lambda *_: self.paste_bar.setVisible(has_variants()))

    def _show_estimate(self, context) -> None:
        """Under Generate: what it will send and cost, from the same plan as the amber frame."""
        from editor.pipeline.estimate import estimate

        if context is None:
            self.generate_bar.show_estimate("", "")
            return
        extending = self.extend_commands.estimate()
        if extending is not None:
            self.generate_bar.show_estimate(*extending)
            return
        planned = estimate(context, self.generator.options())
        self.generate_bar.show_estimate(planned.text(), planned.tooltip())

    def _configure_runner(self) -> None:
        """Results go into the open project's folder; the mask threshold is the settings'."""
        self.runner.configure(results_dir=self.keeper.results_dir,
                              mask_threshold=self._settings.mask_threshold)

    def after_first_paint(self, step: Callable[[], object]) -> None:
        """Run `step` once the window has painted for the first time (steps run in order)."""
        if self._first_paint is None:
            self._first_paint = _AfterFirstPaint(self)
            self.installEventFilter(self._first_paint)
        self._first_paint.steps.append(step)

    # --- wiring ----------------------------------------------------------------------------------

    def _handlers(self) -> dict[str, Callable[..., object]]:
        canvas, masks, generation = self.canvas, self.masks, self.generation
        handlers: dict[str, Callable[..., object]] = {
            "file.open": self.opener.ask_and_open, "file.paste": self.opener.paste,
            "file.preferences": self.edit_preferences, "file.quit": self.close,
            "file.batch": generation.show_batch,
            "edit.undo": lambda: self.undo_stack.undo(),
            "edit.redo": lambda: self.undo_stack.redo(),
            "edit.extend_canvas": lambda: self.extend_commands.ask(),
            "file.save": self.projects.save, "file.save_as": self.projects.save_as,
            "file.drafts": self.show_drafts,
            "results.export": lambda: self.exporter.export_shown(),
            "results.history": lambda: self.history.show(),
            "results.next": lambda: self.results.step(1), "results.previous": lambda: self.results.step(-1),
            "results.compare": lambda: self.comparison.compare_shown(),
            "results.spill_map": lambda on: self.spill_view.set_enabled(on),
            "mask.invert": lambda: masks.apply(lambda mask: mask.invert()),
            "mask.clear": lambda: masks.apply(lambda mask: mask.clear()),
            "mask.grow": lambda: masks.adjust("grow"), "mask.shrink": lambda: masks.adjust("shrink"),
            "mask.feather": lambda: masks.adjust("feather"),
            "mask.import": masks.ask_and_import, "mask.export": masks.ask_and_export,
            "mask.overlay": canvas.set_mask_visible,
            "results.paste_mask": lambda _checked=False: self.paste_mode.toggle(),
            "results.paste_swap": self.paste_mode.swap,
            "generate.run": generation.generate, "generate.cancel": generation.cancel_newest,
            "generate.focus_prompt": generation.focus_prompt,
            "generate.delete_uploads": self.delete_uploads,
            "view.zoom_in": canvas.zoom_in, "view.zoom_out": canvas.zoom_out,
            "view.fit": canvas.fit_to_view, "view.actual": canvas.actual_pixels,
            "view.show_pixels": self._show_pixels_toggled,
            "brush.smaller": canvas.shrink_brush, "brush.larger": canvas.grow_brush,
            "help.shortcuts": self.show_shortcuts, "help.about": self.show_about,
        }
        for name in TOOL_NAMES:
            handlers[tool_key(name)] = lambda _checked=False, n=name: self.canvas.set_tool(n)
        return handlers

    def _connect_signals(self) -> None:
        self.results.thumb_size_changed.connect(lambda side: self._update_settings(results_thumb_size=side))
        self.results.retry_requested.connect(self._retry_job)
        self.opener.other_photo_opened.connect(self._prompt_for_another_photo)
        self.document.mask_replaced.connect(self._mask_replaced)
        self.document.photo_changed.connect(self._photo_changed)
        self.document.path_changed.connect(lambda _path: self._update_title())
        self.canvas.zoom_changed.connect(self.status.show_zoom)
        self.canvas.cursor_moved.connect(self.status.show_cursor)
        self.canvas.brush_changed.connect(self.tool_options.show_brush)
        self.canvas.tool_changed.connect(self._tool_changed)
        self.canvas.step_requested.connect(self.results.step)
        self.empty_state.open_requested.connect(self.opener.ask_and_open)
        self.empty_state.recent_chosen.connect(self.opener.open_recent)
        self.empty_state.drafts_requested.connect(self.show_drafts)
        self.empty_state.draft_chosen.connect(self.projects.open_draft)
        self.opener.project_chosen.connect(self.projects.open)
        self.keeper.modified_changed.connect(lambda _modified: self._update_title())
        self.keeper.saved.connect(self._update_title)  # a Save As names the project
        self.keeper.failed.connect(lambda text: self.statusBar().showMessage(text, 2 * MESSAGE_MS))
        if self.keeper.problem:
            import html  # the bar shows rich text; a folder's path is plain text

            self.problem_notice = self._add_notice(html.escape(self.keeper.problem), "Settings…",
                                                   self.edit_preferences, once=True)
        self.tool_options.brush_edited.connect(self.canvas.set_brush)
        self.tool_options.fill_tolerance_edited.connect(self._fill_tolerance_edited)
        recent = self.actions.submenu("file.recent")
        recent.aboutToShow.connect(lambda: self.opener.fill_recent_menu(recent))
        self.undo_stack.changed.connect(self._update_undo_actions)
        # The Generate side: panels → commands, state → views.
        self.results.command.connect(self.variants.command)
        self.results.preview_ready.connect(self._show_preview)
        self.generate_bar.generate_requested.connect(self.generation.generate)
        self.generator.availability_changed.connect(self._show_availability)
        self.options_panel.settings_requested.connect(self.edit_preferences)
        self.jobs.cancel_requested.connect(self.runner.cancel)
        self.queue.job_changed.connect(lambda job_id: self.docks.job_changed(self.queue, job_id))
        self.queue.job_added.connect(lambda job_id: self.docks.job_changed(self.queue, job_id))
        self.document.options_changed.connect(lambda _options: self._options_changed())
        self.document.references_changed.connect(self.docks.show_reference_count)
        self.docks.show_reference_count(self.document.references())
        self._options_changed()

    def show_shortcuts(self) -> None:
        """The cheat sheet stays open beside the canvas while the user tries the keys."""
        if self._shortcuts is None:
            from editor.ui.dialogs.shortcuts import ShortcutsDialog  # built when first asked for

            self._shortcuts = ShortcutsDialog(self)
        self._shortcuts.show()
        self._shortcuts.raise_()
        self._shortcuts.activateWindow()

    def show_start_drafts(self) -> None:
        """The start page's cards: the newest kept projects, read off the GUI thread."""
        if self._loop is not None and self.isVisible() and not self.document.is_open() and not self.busy():
            self._run("drafts", self._read_start_drafts())

    async def _read_start_drafts(self) -> None:
        import asyncio

        from editor.ui.dialogs.drafts import start_cards

        cards = await asyncio.to_thread(start_cards, self.keeper.projects_dir, self.keeper.project.root)
        self.empty_state.set_drafts(cards)

    def show_drafts(self) -> None:
        """File ▸ Projects and Drafts: one dialog, read afresh each time it is shown."""
        if self._drafts is None:
            from editor.ui.dialogs.drafts import DraftsDialog  # built when first asked for
            from editor.ui.result_commands import reveal_in_folder

            self._drafts = DraftsDialog(self, projects_dir=self.keeper.projects_dir,
                                        current=lambda: self.keeper.project.root, run=self._run,
                                        reveal=reveal_in_folder)
            self._drafts.open_requested.connect(lambda draft: self.projects.open_draft(draft.root))
            self._drafts.finished.connect(lambda _result: self.show_start_drafts())  # one deleted?
        self._drafts.refresh()
        self._drafts.show()
        self._drafts.raise_()
        self._drafts.activateWindow()

    def show_about(self) -> None:
        from editor.ui.dialogs.about import AboutDialog  # built when first asked for

        AboutDialog(self).open()

    # --- model → view ----------------------------------------------------------------------------------

    def _mask_replaced(self, mask: MaskLayer | None) -> None:
        if mask is not None and self.services.uploads():
            # Another photo or project: the images uploaded for the last one are of no more use.
            self._window_tasks.start(self._delete_uploads(quiet=True), key="delete uploads")
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
        self.status.watch_mask(mask)
        self._show_document_state()
        if mask is not None:
            self.canvas.setFocus()  # once shown: a hidden widget does not take the focus

    def _photo_changed(self) -> None:
        # A new document's photo arrives with its mask (see _mask_replaced); this is a same-size swap.
        photo = self.document.photo()
        if photo is not None and self._shown_mask is self.document.mask():
            self.comparison.leave_for("")
            self.results.forget_previews()
            self.canvas.set_preview(None)
            self.canvas.set_photo(photo)
            self.canvas.rest_overlay()  # a variant became the photo: seen as it is until the next stroke

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
        """"banner.maskedit — coffee.png — Maskedit", with Qt's modified mark ("*") while the
        project holds work its file does not."""
        name = self.document.display_name()
        project = self.keeper.saved_to() if self.keeper is not None else None
        parts = [part for part in (project.name if project else "", name) if part]
        if parts:
            parts[0] += "[*]"
        self.setWindowTitle(" — ".join((*parts, APP_TITLE)))
        self.setWindowModified(self.keeper is not None and self.keeper.modified())

    def _update_undo_actions(self) -> None:
        self.actions.show_undo(self.undo_stack if self.undo_stack is not None else self.document.mask())

    def _tool_changed(self, name: str) -> None:
        self.actions[tool_key(name)].setChecked(True)
        self.tool_options.show_tool(name)

    def _show_availability(self) -> None:
        self.generate_bar.show_blocker(self.generator.blocker())

    def _options_changed(self) -> None:
        self.docks.show_provider(self.document.options())
        self.generator.refresh()
        self._show_availability()

    def _show_preview(self, job_id: str, index: int, image: QImage) -> None:
        photo = self.document.photo()
        if photo is None:
            return
        if image.isNull():
            self.spill_view.forget()
            self.canvas.set_preview(None)
            return
        if image.size() != photo.size():
            self.results.forget_previews()
            self.canvas.set_preview(None)
            self._say("That variant was made from another photo; open it to view the variant on the canvas.")
            return
        self.spill_view.show(job_id, index, image)

    def delete_uploads(self) -> None:
        """Generate → Delete Uploaded Images: the file-ID uploads go now, not at close."""
        if not self.services.uploads():
            self._say("No images are held at a provider as file IDs.")
            return
        self._run("delete uploads", self._delete_uploads(quiet=False))

    async def _delete_uploads(self, *, quiet: bool) -> None:
        deleted = await self.services.delete_uploads()
        if not quiet:
            self._say(f"Deleted {deleted} uploaded image{'s' * (deleted != 1)} at the provider." if deleted
                      else "The uploaded images could not be deleted now; they expire within a day.")

    def _say(self, text: str) -> None:
        self.statusBar().showMessage(text, MESSAGE_MS)

    def _add_notice(self, text: str, action: str, act: Callable[[], object], *, once: bool) -> NoticeBar:
        """A calm bar above the canvas (rich `text`) with one action button; `once`: it goes away
        when its action is used (else it stays until closed, or until it no longer applies)."""
        from editor.ui.panels.generate_bar import NoticeBar

        bar = NoticeBar(text, action)
        bar.action_requested.connect(act)
        if once:
            bar.action_requested.connect(bar.dismiss)
        self._centre.insertWidget(0, bar)
        return bar

    def show_first_run_hint(self) -> None:
        """The friendly bar above the canvas when there is no key yet (not a modal box)."""
        if self.notice is None:
            self.notice = self._add_notice(FIRST_RUN_HINT, "Add a Key…", self.edit_preferences, once=False)
        self.notice.show()

    # --- opening ---------------------------------------------------------------------------------

    def open_path(self, path: str | Path) -> None:
        """Open a photo or a .maskedit project (the command line, and scripts driving the window)."""
        self.opener.open_path(path)

    def offer_restore(self) -> bool:
        """At start: if a window died with work in it, offer to bring it back. True if offered."""
        return self.projects.offer_restore()

    async def _start_fresh(self) -> bool:
        """Another photo is about to open: it starts with a project and results of its own; the
        old photo's stay in its project (a draft until deleted, or its .maskedit file)."""
        from editor.core.project import RUNNING_JOB

        if self.runner.active_count():  # one started while the photo was being read
            dialogs.show_error(self, "A job is still running", RUNNING_JOB)
            return False
        await self.keeper.start_fresh()
        self.queue.clear()
        self.results.set_photo_origin(None)
        self._configure_runner()
        return True

    def dragEnterEvent(self, event) -> None:
        if self._complete and self.opener.can_open(event.mimeData()):
            event.acceptProposedAction()
            self.empty_state.set_drop_highlight(True)

    def dragLeaveEvent(self, event) -> None:
        self.empty_state.set_drop_highlight(False)

    def dropEvent(self, event) -> None:
        self.empty_state.set_drop_highlight(False)
        if self._complete and self.opener.open_mime(event.mimeData(), "drop"):
            event.acceptProposedAction()

    # --- settings ------------------------------------------------------------------------------------------

    def settings(self) -> UserSettings:
        """The settings as they are now: the brush, the prompt, the options and the prompt history.
        A provider forced by MASKEDIT_PROVIDER is for this session only and is not saved."""
        from editor.core.remembered_options import remembered_edit_state
        from editor.settings.environment import forced_provider

        brush = self.canvas.brush()
        current = replace(self._settings, brush_diameter=brush.diameter, brush_hardness=brush.hardness,
                          brush_opacity=brush.opacity,
                          provider_options=self.options_panel.remembered_choices())
        remembered = remembered_edit_state(current, self.document, self.prompt_panel.history())
        if forced_provider(self.services.env) is not None:
            remembered = replace(remembered, provider=current.provider, model=current.model)
        return remembered

    def edit_preferences(self) -> None:
        from editor.ui.dialogs.settings import SettingsDialog  # not needed until it is opened

        provider = self.document.options().provider
        dialog = SettingsDialog(self._settings, provider=provider if provider != "local" else None,
                                loop=self._loop, env=self.services.env, settings_file=self._settings_path,
                                parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._apply_settings(dialog.settings())
            self._update_settings()
        self._settings_closed()

    def _settings_closed(self) -> None:
        """After Settings: keys, base URLs and defaults may have changed."""
        from editor.settings.environment import effective_settings

        self.services.forget_keys()
        self._configure_runner()
        self.results.set_composite(self._settings.composite_mode, self._settings.composite_feather_px,
                                 self._settings.composite_harmonize)
        self.results.set_budget(self._settings.token_budget)
        self.results.thumb_size = self._settings.results_thumb_size
        self.context_frame.schedule()  # the padding may have changed
        self.options_panel.set_settings(effective_settings(self._settings, self.services.env))
        self.generator.refresh()
        if self.notice is not None and self.services.has_key("requesty"):
            self.notice.dismiss()

    def _apply_settings(self, settings: UserSettings) -> None:
        self._settings = settings
        if settings.theme != self._theme:
            self._theme = settings.theme
            theme.apply(QApplication.instance(), settings.theme)
            self.canvas.update()
        self.canvas.set_overlay(
            QColor(settings.overlay_color), settings.overlay_opacity, settings.overlay_hatch
        )
        self.canvas.set_pressure_mode(settings.pressure_mode)
        self.canvas.set_fill_tolerance(settings.fill_tolerance)
        self.selection.apply_settings(settings)
        self.canvas.set_show_pixels(settings.show_pixels)
        self.actions["view.show_pixels"].setChecked(settings.show_pixels)
        self.tool_options.show_fill_tolerance(settings.fill_tolerance)
        self.document.set_undo_cap(settings.undo_cap_mb * MB)

    def _prompt_for_another_photo(self) -> None:
        """A prompt describes a change to one photo: opening another starts with an empty prompt,
        the old one kept first in the history (Alt+↑ brings it back)."""
        prompt = self.document.prompt()
        if not prompt.strip():
            return
        self.prompt_panel.remember_prompt()
        self.document.set_prompt("")  # the hint under the prompt says Alt+↑ brings earlier ones back

    def _retry_job(self, job_id: str) -> None:
        """Retry on a failed or cancelled card: that job's prompt and options, run again now."""
        self.variants.reuse_settings(job_id)
        self.generation.generate()

    def _show_pixels_toggled(self, show: bool) -> None:
        """View ▸ Show Pixels When Zoomed In: the canvas (the comparison follows it), remembered."""
        self.canvas.set_show_pixels(show)
        self._update_settings(show_pixels=show)

    def _fill_tolerance_edited(self, tolerance: int) -> None:
        self.canvas.set_fill_tolerance(tolerance)
        self._settings = replace(self._settings, fill_tolerance=tolerance)

    def _remember_settings(self, **changes) -> None:
        """Change the settings, saved with the rest when the window closes."""
        self._settings = replace(self._settings, **changes)

    def _update_settings(self, **changes) -> None:
        """Change the settings and save them at once (recent files must survive a crash)."""
        self._settings = replace(self._settings, **changes)
        self.empty_state.set_recent(self._settings.recent_files)
        self.save_settings_soon()

    def save_settings(self) -> None:
        """Save the settings now, on this thread (the window closes)."""
        try:
            self._settings_file.write(self.settings(), self._settings_file.ticket())
        except OSError as exc:
            self._settings_not_saved(exc)

    def save_settings_soon(self) -> None:
        """Save the settings in a worker: writing and syncing the file can take from a few to
        hundreds of milliseconds, which the window never waits for. Saves land in the order they
        were asked for."""
        loop = self._loop
        if loop is None or loop.is_closed():
            self.save_settings()
            return
        settings, ticket = self.settings(), self._settings_file.ticket()

        async def write() -> None:
            try:
                await loop.run_in_executor(None, self._settings_file.write, settings, ticket)
            except OSError as exc:
                self._settings_not_saved(exc)

        self._settings_tasks.start(write())

    def _settings_not_saved(self, exc: OSError) -> None:
        log.warning("could not save the settings: %s", exc)
        self.statusBar().showMessage(f"Your settings could not be saved ({exc.strerror or exc}).", MESSAGE_MS)

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
        env = self.services.env if self._complete else None
        report = build_report(error, message, versions=versions, secrets=known_secrets(env))
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
        if self._complete and not self._leaving_saved and not (
                self.generation.may_stop_batch() and self.leaving.leave(self._close_once_saved,
                                                                         running_ok=True)):
            event.ignore()
            return
        if self._complete:
            self.generation.stop()
        self.tasks.cancel_all()
        store = self._window_state()
        if store is not None:
            store.setValue("geometry", self.saveGeometry())
            store.setValue("windowState", self.saveState())
            if self._complete:
                store.setValue("editPanel/moreOptions", self.options_panel.advanced_open())
            store.sync()
        if self._complete:  # before that nothing could change the settings
            self.save_settings()
        super().closeEvent(event)
        if not self._closed:
            self._closed = True
            self._finish_tasks()

    def _close_once_saved(self) -> None:
        """Save was chosen on closing and the project is saved: close, without asking again."""
        self._leaving_saved = True
        self.close()

    def _finish_tasks(self) -> None:
        """Await every task the window owns (cancelled jobs close their backends and keep what
        arrived), then say `shut_down`; at once when there is no loop yet."""
        if self._loop is None or self._loop.is_closed():
            self.shut_down.emit()
            return

        async def finish() -> None:
            try:
                await self.tasks.shutdown()
                if self._complete and self.services.uploads():
                    await self.services.delete_uploads()  # bounded: each provider gets a few seconds
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


def _first_size(screen) -> QSize:
    """The window's size before the user chose one: 1400×900, or the available screen less a title
    bar when that is smaller (a 1366×768 laptop), so nothing starts cut off; never below
    SMALLEST_SCREEN, the smallest screen the layout is made for."""
    if screen is None:
        return QSize(1400, 900)
    available = screen.availableGeometry().size()
    return QSize(min(1400, max(SMALLEST_SCREEN.width(), available.width())),
                 min(900, max(SMALLEST_SCREEN.height(), available.height()) - TITLE_BAR))
