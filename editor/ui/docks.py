"""The window's Generate side as views: the prompt dock (prompt, options, references, the Generate
button), the results dock (variants and the job queue) and their status-bar fields.

`EditDocks` builds the docks' frames with Qt alone (they are part of the first paint) and fills
them once the panels exist; it shows where Generate sends edits and the newest job's state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStatusBar,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from editor.ui import theme

if TYPE_CHECKING:
    from editor.core.jobs import JobQueue
    from editor.pipeline.options import EditOptions
    from editor.ui.panels.generate_bar import GenerateBar
    from editor.ui.panels.jobs import JobsPanel
    from editor.ui.panels.options import OptionsPanel
    from editor.ui.panels.prompt import PromptPanel
    from editor.ui.panels.references import ReferencesTray
    from editor.ui.panels.results import ResultsPanel


class VerticalScroll(QScrollArea):
    """Scrolls its widget up and down only, is always as wide as the widget needs, and scrolls
    only when the widget's minimum height does not fit (QScrollArea's own resizing would scroll
    as soon as word-wrapped text wants more than its minimum)."""

    def __init__(self, widget: QWidget, on_layout=None):
        super().__init__()
        self._on_layout = on_layout  # called when the widget's layout changed (rows shown or hidden)
        self.setWidgetResizable(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(widget)
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()  # the options shown changed: maybe a new width
            self._fit()
            if self._on_layout is not None:
                self._on_layout()
        return False

    def needed_height(self) -> int:
        """The height the widget needs so that nothing scrolls: at the full width, with no scroll
        bar taking its share (word-wrapped text is taller in a narrower column)."""
        return self._needed(self._full_width())

    def _full_width(self) -> int:
        margins = self.viewportMargins()
        return self.width() - 2 * self.frameWidth() - margins.left() - margins.right()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def _needed(self, width: int) -> int:
        widget = self.widget()
        layout = widget.layout()
        needed = widget.minimumSizeHint().height()
        if layout is not None and layout.hasHeightForWidth():
            needed = max(needed, layout.minimumHeightForWidth(width))
        return needed

    def _fit(self) -> None:
        """Lay the widget out for the viewport: at the full width when it fits there, so a scroll
        bar shown for a moment (the widget was taller than a viewport just made shorter) goes
        again; else narrower by the scroll bar, which then shows. Deciding by the width the
        viewport had made the two feed each other: the bar narrowed the column, the wrapped text
        grew taller, the Edit dock grew to fit it, the bar went, the text shrank, the dock shrank,
        the bar came back — a relayout and a repaint of the window at every turn of the loop."""
        height, width = self.viewport().height(), self._full_width()
        if self._needed(width) > height:
            width -= self.verticalScrollBar().sizeHint().width()
        self.widget().resize(width, max(height, self._needed(width)))

    def minimumSizeHint(self) -> QSize:
        needed = self.widget().minimumSizeHint().width() + self.verticalScrollBar().sizeHint().width()
        return QSize(needed, 80)

    def sizeHint(self) -> QSize:
        hint = self.widget().sizeHint()
        return QSize(max(hint.width(), self.minimumSizeHint().width()), hint.height())


RESULTS_MIN = 180  # px the Results dock keeps when the Edit dock grows to fit its fields


class EditDocks(QObject):
    """The prompt and results docks of `window` and the provider and job fields of its status bar.

    The Edit dock is given the height its fields need (see `fit`), taken from the Results dock
    below it, so on a 1366×768 screen the Edit panel does not scroll."""

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self._window = window
        self._scroll: VerticalScroll | None = None
        self._generate_bar: QWidget | None = None
        self._status_bar: QStatusBar = window.statusBar()
        self.prompt_dock = _dock(window, "promptDock", "Edit")
        self.results_dock = _dock(window, "resultsDock", "Results")
        window.resizeDocks([self.prompt_dock, self.results_dock], [540, 360], Qt.Orientation.Vertical)
        window.resizeDocks([self.prompt_dock], [400], Qt.Orientation.Horizontal)
        self.provider_status = self._status_label("Where Generate sends edits (change it in the prompt dock)")
        self.job_status = self._status_label("The newest job")
        self.option_tabs: QTabWidget | None = None
        # Owned by the docks, so it dies with the window (a bare singleShot would outlive it).
        self._fit_timer = QTimer(self, singleShot=True, interval=0)
        self._fit_timer.timeout.connect(self.fit)
        window.installEventFilter(self)  # shown or resized: the Edit dock may need to grow
        self._changed: set[str] = set()  # jobs changed since the status field was last shown

    def fill(self, *, prompt_panel: PromptPanel, options_panel: OptionsPanel, references: ReferencesTray,
             generate_bar: GenerateBar, results: ResultsPanel, jobs: JobsPanel) -> None:
        """Put the panels in the docks (once, when the window is completed)."""
        self.option_tabs = QTabWidget()
        self.option_tabs.setDocumentMode(True)
        self.option_tabs.addTab(options_panel, "Options")
        self.option_tabs.addTab(references, "References")
        # The tabs take the height of the page shown, not of the tallest page: the Edit dock
        # needs no room for the references while the options are shown.
        self.option_tabs.currentChanged.connect(self._size_to_current_tab)
        self._size_to_current_tab(self.option_tabs.currentIndex())
        fields = QWidget()
        column = QVBoxLayout(fields)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(prompt_panel, 1)
        column.addWidget(self.option_tabs, 2)
        # The Edit dock grows to fit the fields (`fit`); where the screen is too small even so,
        # they scroll, and the Generate button always stays in view.
        scroll = VerticalScroll(fields, on_layout=self.fit_soon)
        self._scroll, self._generate_bar = scroll, generate_bar
        edit = QWidget()
        outer = QVBoxLayout(edit)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(scroll, 1)
        outer.addWidget(generate_bar)
        self.prompt_dock.setWidget(edit)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(_padded(results))
        jobs_box = _padded(jobs)
        # The job list may be squeezed by the splitter rather than push the Edit dock into
        # scrolling on a small screen: a running job also shows as its reserved tiles and in the
        # status bar, a failed one as its card in Results.
        jobs_box.setMinimumHeight(1)
        splitter.addWidget(jobs_box)
        splitter.setSizes([300, 100])
        jobs_box.setVisible(jobs.needs_attention())  # only while a job runs or has failed
        jobs.attention_changed.connect(jobs_box.setVisible)
        jobs.attention_changed.connect(self.fit_soon)  # the job list came or went below the results
        self.results_dock.setWidget(splitter)
        self.fit_soon()

    def edit_fields_scroll(self) -> bool:
        """Whether the Edit dock's fields are too tall for it and scroll (they should not, on a
        1366×768 screen with the disclosure closed)."""
        return self._scroll is not None and self._scroll.verticalScrollBar().maximum() > 0

    def eventFilter(self, watched, event) -> bool:
        if watched is self._window and event.type() in (QEvent.Type.Show, QEvent.Type.Resize):
            self.fit_soon()
        return False

    def _size_to_current_tab(self, current: int) -> None:
        tabs = self.option_tabs
        for index in range(tabs.count()):
            policy = QSizePolicy.Policy.Preferred if index == current else QSizePolicy.Policy.Ignored
            tabs.widget(index).setSizePolicy(policy, policy)
        tabs.updateGeometry()
        self.fit_soon()

    def fit_soon(self) -> None:
        """Fit the Edit dock once the layouts have settled (at most once per turn of the loop)."""
        self._fit_timer.start()

    def fit(self) -> None:
        """Give the Edit dock the height its fields and the Generate bar need, no more (the rest
        goes to the Results gallery) and no less while the Results dock keeps RESULTS_MIN. Only
        when both docks share one column of the window; a separator the user drags stays where it
        is until the window or the fields change."""
        window, edit, results = self._window, self.prompt_dock, self.results_dock
        if self._scroll is None or not window.isVisible() or edit.isFloating() or results.isFloating() \
                or window.dockWidgetArea(edit) != window.dockWidgetArea(results) \
                or window.tabifiedDockWidgets(edit) or abs(edit.x() - results.x()) > 1:
            return
        chrome = edit.height() - self._scroll.height() - self._generate_bar.height()
        needed = chrome + self._scroll.needed_height() + self._generate_bar.sizeHint().height()
        total = edit.height() + results.height()
        wanted = max(min(needed, total - RESULTS_MIN), 0)
        if wanted != edit.height():
            window.resizeDocks([edit, results], [wanted, total - wanted], Qt.Orientation.Vertical)

    def _status_label(self, tip: str) -> QLabel:
        label = QLabel()
        label.setToolTip(tip)
        label.setMinimumWidth(90)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._status_bar.addPermanentWidget(label)
        return label

    def show_provider(self, options: EditOptions) -> None:
        from editor.backends.providers import PROFILES

        profile = PROFILES.get(options.provider)
        label = {"local": "Offline", "custom": "Custom"}.get(options.provider) or (
            profile.label if profile else options.provider)
        shown_model = options.model and options.provider != "local"
        self.provider_status.setText(f"{label} · {options.model}" if shown_model else label)

    def show_reference_count(self, references) -> None:
        count = len(references)
        self.option_tabs.setTabText(1, f"References ({count})" if count else "References")

    def job_changed(self, queue: JobQueue, job_id: str) -> None:
        """A job was added or changed: the status field follows once per turn of the event loop,
        however many jobs changed (a restored project adds hundreds at once)."""
        if not self._changed:
            QTimer.singleShot(0, lambda: self.show_job_status(queue))
        self._changed.add(job_id)

    def show_job_status(self, queue: JobQueue) -> None:
        from editor.core.jobs import JobState

        changed, self._changed = self._changed, set()
        for job_id in changed:
            job = queue.job(job_id) if job_id in queue else None
            if job is not None and job.state.finished and \
                    self._status_bar.currentMessage().startswith(f"Job #{job.number} started"):
                self._status_bar.clearMessage()  # "started" is no longer true; the job's state is shown
        jobs = queue.jobs()
        if not jobs:
            self.job_status.setText("")
            return
        newest = max(jobs, key=lambda job: job.number)
        running = sum(not job.state.finished for job in jobs)
        text = f"#{newest.number} {newest.state.label}"
        if running > 1:
            text += f" · {running} running"
        self.job_status.setText(text)
        failed = newest.state is JobState.FAILED
        self.job_status.setStyleSheet(f"color: {theme.current().danger};" if failed else "")
        self.job_status.setToolTip(newest.message or "The newest job")


def _dock(window: QMainWindow, name: str, title: str) -> QDockWidget:
    dock = QDockWidget(title, window)
    dock.setObjectName(name)  # saveState/restoreState find docks by name
    dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                     | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
    dock.setWidget(QWidget())
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    return dock


def _padded(widget: QWidget) -> QWidget:
    holder = QWidget()
    layout = QVBoxLayout(holder)
    layout.setContentsMargins(8, 6, 8, 6)
    layout.addWidget(widget)
    return holder
