"""The window's Generate side: the prompt dock (prompt, options, references, the Generate button),
the results dock (variants and the job queue), their status-bar fields, and the wiring from the
panels to the JobRunner. The commands that use them are in `editor.ui.generation_commands`.

`GenerationDocks` is a part of MainWindow kept in its own module; it relies on the window's
`document`, `canvas`, `statusBar()`, `_settings`, `_centre`, `_loop` and `original_bytes()`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QLabel,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from editor.settings.keys import find_api_key
from editor.settings.store import UserSettings
from editor.ui.generation_commands import GenerationCommands

if TYPE_CHECKING:
    from editor.pipeline.options import EditOptions
    from editor.ui.panels.generate_bar import NoticeBar

    BuildBackend = Callable[[EditOptions, UserSettings, Mapping[str, str]], object]

# The panels, the runner and the backends' profiles bring numpy, Pillow and OpenCV: they are
# imported in _setup_generation, after the window's first paint when start-up is staged.

MESSAGE_MS = 6000
CONCURRENCY = 2
CONTEXT_FRAME_MS = 120  # how often the crop frame follows a stroke
FIRST_RUN_HINT = (
    "<b>You are working offline.</b> The Offline backend fills what you paint from its "
    "surroundings. To edit with a prompt, add a Requesty API key in Settings "
    "(or set REQUESTY_API_KEY)."
)


class VerticalScroll(QScrollArea):
    """Scrolls its widget up and down only, is always as wide as the widget needs, and scrolls
    only when the widget's minimum height does not fit (QScrollArea's own resizing would scroll
    as soon as word-wrapped text wants more than its minimum)."""

    def __init__(self, widget: QWidget):
        super().__init__()
        self.setWidgetResizable(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(widget)
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()  # the options shown changed: maybe a new width
            self._fit()
        return False

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        widget, width = self.widget(), self.viewport().width()
        layout = widget.layout()
        needed = widget.minimumSizeHint().height()
        if layout is not None and layout.hasHeightForWidth():
            needed = max(needed, layout.minimumHeightForWidth(width))
        widget.resize(width, max(self.viewport().height(), needed))

    def minimumSizeHint(self) -> QSize:
        needed = self.widget().minimumSizeHint().width() + self.verticalScrollBar().sizeHint().width()
        return QSize(needed, 80)

    def sizeHint(self) -> QSize:
        hint = self.widget().sizeHint()
        return QSize(max(hint.width(), self.minimumSizeHint().width()), hint.height())


class GenerationDocks(GenerationCommands):
    """Prompt and results docks, the runner, the backends and keys, and the status fields; it
    brings the Generate/Cancel/Focus-prompt commands of its base, `GenerationCommands`."""

    def _build_generation_frame(self) -> None:
        """The docks' frames and status fields, empty until _setup_generation fills them."""
        self.prompt_dock = self._dock("promptDock", "Edit", QWidget())
        self.results_dock = self._dock("resultsDock", "Results", QWidget())
        self.resizeDocks([self.prompt_dock, self.results_dock], [540, 360], Qt.Orientation.Vertical)
        self.resizeDocks([self.prompt_dock], [400], Qt.Orientation.Horizontal)
        self.provider_status = self._status_label("Where Generate sends edits (change it in the prompt dock)")
        self.job_status = self._status_label("The newest job")

    def _setup_generation(self, settings: UserSettings, *, build_backend: BuildBackend | None,
                          env: Mapping[str, str] | None) -> None:
        from editor.core.jobs import JobQueue
        from editor.core.runner import JobRunner
        from editor.settings.environment import base_url_for, effective_settings
        from editor.ui.generate import GenerateController, forced_options
        from editor.ui.panels.generate_bar import GenerateBar
        from editor.ui.panels.jobs import JobsPanel
        from editor.ui.panels.options import OptionsPanel, restore_edit_state
        from editor.ui.panels.prompt import PromptPanel
        from editor.ui.panels.references import ReferencesTray
        from editor.ui.panels.results import ResultsPanel

        self._env = dict(os.environ if env is None else env)
        self._build_backend = build_backend
        self._batch_dialog = None  # File → Batch Edit…, made when first asked for
        self._keys_found: dict[str, bool] = {}
        self.notice: NoticeBar | None = None
        restore_edit_state(self.document, settings, self._env)
        self.document.set_options(forced_options(self.document.options(), self._env))
        self.queue = JobQueue(self)
        self.runner = JobRunner(self.queue, backend_factory=self._backend_for,
                                results_dir=settings.data_folder_path() / "results",
                                concurrency=CONCURRENCY, mask_threshold=settings.mask_threshold,
                                tasks=self.tasks.group("jobs"), parent=self)
        self.generator = GenerateController(
            self.document, self.runner, has_key=self._has_key,
            base_url=lambda provider: base_url_for(self._settings, provider, self._env),
            original_bytes=self.original_bytes, job_record=lambda: self.keeper.job_record(),
            context_padding=lambda: self._settings.context_padding, parent=self)
        self.prompt_panel = PromptPanel(self.document, settings.prompt_history)
        self.options_panel = OptionsPanel(self.document, effective_settings(settings, self._env),
                                          env=self._env)
        self.references = ReferencesTray(self.document, max_pixels=settings.max_megapixels * 1_000_000,
                                         tasks=self.tasks.group("references"))
        self.generate_bar = GenerateBar()
        self.results = ResultsPanel(self.queue, loop=self._loop, context=self.generator.context,
                                    commands=True, tasks=self.tasks.group("results"))
        self.jobs = JobsPanel(self.queue)
        self._fill_docks()
        self._setup_results()
        self._compose_result_commands()
        self.generate_bar.generate_requested.connect(self.generate)
        self.generator.availability_changed.connect(self._show_availability)
        self.options_panel.settings_requested.connect(self.edit_preferences)
        self.jobs.cancel_requested.connect(self.runner.cancel)
        self.results.preview_ready.connect(self._show_preview)
        self.queue.job_changed.connect(self._show_job_status)
        self.queue.job_added.connect(self._show_job_status)
        self.document.options_changed.connect(lambda _options: self._options_changed())
        self._options_changed()
        self._setup_context_frame()

    def _compose_result_commands(self) -> None:
        """Compare mode, Export… and Project History…: objects the window composes, each given what
        it works with."""
        from editor.ui.compare_mode import CompareMode
        from editor.ui.variant_export import HistoryBrowser, VariantExporter

        def say(text: str) -> None:
            self.statusBar().showMessage(text, MESSAGE_MS)

        self.comparison = CompareMode(
            stack=self._stack, canvas=self.canvas, document=self.document, queue=self.queue,
            results=self.results, actions=self.actions, tool_options=self.tool_options, run=self._run,
            say=say, loop=self._loop, parent=self)
        self.exporter = VariantExporter(self, queue=self.queue, results=self.results, document=self.document,
                                        run=self._run, say=say)
        self.history = HistoryBrowser(self, queue=self.queue, results=self.results, loop=self._loop,
                                      reuse=self.reuse_settings, reveal=self.reveal_variant)

    def _setup_context_frame(self) -> None:
        """The canvas frames the crop Generate would send, following the mask (at most every
        CONTEXT_FRAME_MS while painting), the options and the settings."""
        self._context_timer = QTimer(self, singleShot=True, interval=CONTEXT_FRAME_MS)
        self._context_timer.timeout.connect(self._show_context_frame)
        self.document.options_changed.connect(self._schedule_context_frame)
        self.document.mask_replaced.connect(self._watch_context_mask)
        self._watch_context_mask(self.document.mask())

    def _watch_context_mask(self, mask) -> None:
        if mask is not None:
            mask.changed.connect(self._schedule_context_frame)
        self._schedule_context_frame()

    def _schedule_context_frame(self, *_args) -> None:
        if not self._context_timer.isActive():
            self._context_timer.start()

    def _show_context_frame(self) -> None:
        context = self.generator.edit_context()
        if context is None or not context.cropped:
            self.canvas.set_context_frame(None)
        else:
            self.canvas.set_context_frame(QRect(*context.crop))

    def _fill_docks(self) -> None:
        self.option_tabs = QTabWidget()
        self.option_tabs.setDocumentMode(True)
        self.option_tabs.addTab(self.options_panel, "Options")
        self.option_tabs.addTab(self.references, "References")
        fields = QWidget()
        column = QVBoxLayout(fields)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.prompt_panel, 1)
        column.addWidget(self.option_tabs, 2)
        # On a small screen the fields scroll; the Generate button always stays in view.
        scroll = VerticalScroll(fields)
        edit = QWidget()
        outer = QVBoxLayout(edit)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(scroll, 1)
        outer.addWidget(self.generate_bar)
        self.prompt_dock.setWidget(edit)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self._padded(self.results))
        jobs_box = self._padded(self.jobs)
        splitter.addWidget(jobs_box)
        splitter.setSizes([300, 100])
        jobs_box.setVisible(self.jobs.needs_attention())  # only while a job runs or has failed
        self.jobs.attention_changed.connect(jobs_box.setVisible)
        self.results_dock.setWidget(splitter)
        self.document.references_changed.connect(self._show_reference_count)
        self._show_reference_count(self.document.references())

    def _dock(self, name: str, title: str, content: QWidget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)  # saveState/restoreState find docks by name
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        dock.setWidget(content)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        return dock

    @staticmethod
    def _padded(widget: QWidget) -> QWidget:
        holder = QWidget()
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(widget)
        return holder

    def _status_label(self, tip: str) -> QLabel:
        label = QLabel()
        label.setToolTip(tip)
        label.setMinimumWidth(90)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.statusBar().addPermanentWidget(label)
        return label

    # --- first run ----------------------------------------------------------------------------

    def show_first_run_hint(self) -> None:
        """The friendly bar above the canvas when there is no key yet (not a modal box)."""
        if self.notice is None:
            from editor.ui.panels.generate_bar import NoticeBar

            self.notice = NoticeBar(FIRST_RUN_HINT, "Add a Key…")
            self.notice.action_requested.connect(self.edit_preferences)
            self._centre.insertWidget(0, self.notice)
        self.notice.show()

    # --- backends and keys -----------------------------------------------------------------------

    def _backend_for(self, options: EditOptions):
        from editor.backends.base import InvalidRequest

        if self._build_backend is None:
            raise InvalidRequest("This window has no edit service set up.")
        return self._build_backend(options, self._settings, self._env)

    def _has_key(self, provider: str) -> bool:
        from editor.backends.providers import PROFILES

        if provider not in self._keys_found:  # the keychain is slow to ask on every keystroke
            self._keys_found[provider] = find_api_key(PROFILES[provider], self._env).found
        return self._keys_found[provider]

    def _settings_dialog(self):
        from editor.ui.dialogs.settings import SettingsDialog  # not needed until it is opened

        provider = self.document.options().provider
        return SettingsDialog(self._settings, provider=provider if provider != "local" else None,
                              loop=self._loop, env=self._env, parent=self)

    def _settings_closed(self) -> None:
        """After Settings: keys, base URLs and defaults may have changed."""
        from editor.settings.environment import effective_settings

        self._keys_found.clear()
        self._configure_runner()
        self.results.set_composite(self._settings.composite_mode, self._settings.composite_feather_px)
        self.results.set_budget(self._settings.token_budget)
        self._schedule_context_frame()  # the padding may have changed
        self.options_panel.set_settings(effective_settings(self._settings, self._env))
        self.generator.refresh()
        if self.notice is not None and self._has_key("requesty"):
            self.notice.dismiss()

    def _with_edit_state(self, settings: UserSettings) -> UserSettings:
        """`settings` with the prompt, options and prompt history to remember. A provider forced
        by MASKEDIT_PROVIDER is for this session only and is not saved."""
        from editor.settings.environment import forced_provider
        from editor.ui.panels.options import remembered_edit_state

        remembered = remembered_edit_state(settings, self.document, self.prompt_panel.history())
        if forced_provider(self._env) is not None:
            remembered = replace(remembered, provider=settings.provider, model=settings.model)
        return remembered

    # --- views -------------------------------------------------------------------------------

    def _show_availability(self) -> None:
        self.generate_bar.show_blocker(self.generator.blocker())

    def _options_changed(self) -> None:
        from editor.backends.providers import PROFILES

        options = self.document.options()
        profile = PROFILES.get(options.provider)
        label = "Offline" if options.provider == "local" else (profile.label if profile else options.provider)
        if options.provider == "custom":
            label = "Custom"
        self.provider_status.setText(f"{label} · {options.model}" if options.model and
                                     options.provider != "local" else label)
        self.generator.refresh()
        self._show_availability()

    def _show_reference_count(self, references) -> None:
        count = len(references)
        self.option_tabs.setTabText(1, f"References ({count})" if count else "References")

    def _show_job_status(self, job_id: str = "") -> None:
        from editor.core.jobs import JobState

        jobs = self.queue.jobs()
        changed = next((job for job in jobs if job.id == job_id), None)
        if changed is not None and changed.state.finished and \
                self.statusBar().currentMessage().startswith(f"Job #{changed.number} started"):
            self.statusBar().clearMessage()  # "started" is no longer true; the job's state is shown
        if not jobs:
            self.job_status.setText("")
            return
        newest = max(jobs, key=lambda job: job.number)
        running = sum(not job.state.finished for job in jobs)
        text = f"#{newest.number} {newest.state.label}"
        if running > 1:
            text += f" · {running} running"
        self.job_status.setText(text)
        self.job_status.setStyleSheet("color: #d64541;" if newest.state is JobState.FAILED else "")
        self.job_status.setToolTip(newest.message or "The newest job")

    def _show_preview(self, job_id: str, index: int, image: QImage) -> None:
        photo = self.document.photo()
        if photo is None:
            return
        if image.isNull():
            self.canvas.set_preview(None)
            return
        if image.size() != photo.size():
            self.results.forget_previews()
            self.canvas.set_preview(None)
            self.statusBar().showMessage("That variant was made from another photo; open it to view the "
                                         "variant on the canvas.", MESSAGE_MS)
            return
        self.canvas.set_preview(image)
