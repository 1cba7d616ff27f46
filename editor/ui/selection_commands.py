"""The window's smart selection: the runner that lands selections on the mask, the selection
tools it configures, their options in the tool options bar, and the progress in the status bar."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QStatusBar

from editor.core.document import Document
from editor.core.selection_runner import SelectionRunner
from editor.core.tasks import TaskGroup
from editor.settings.store import UserSettings
from editor.ui.canvas.selection_tools import SELECTION_TOOL_NAMES, ObjectSelectTool, WandTool
from editor.ui.canvas.view import CanvasView
from editor.ui.panels.selection_options import ObjectSelectionOptions, SelectionProgress, WandOptions
from editor.ui.panels.tool_options import ToolOptions


class SelectionCommands(QObject):
    """Wires the selection tools to a SelectionRunner and to their options; follows the settings
    (the wand's tolerance and reach, the segmentation model) and remembers what the user changes."""

    def __init__(self, *, document: Document, canvas: CanvasView, tasks: TaskGroup,
                 tool_options: ToolOptions, status_bar: QStatusBar, remember: Callable[..., None],
                 say: Callable[[str], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = SelectionRunner(document, tasks, parent=self)
        for name in SELECTION_TOOL_NAMES:
            canvas.tool_named(name).attach(self.runner)
        self._object = canvas.tool_named("select")
        self._wand = canvas.tool_named("wand")
        assert isinstance(self._object, ObjectSelectTool) and isinstance(self._wand, WandTool)
        self.object_options, self.wand_options = ObjectSelectionOptions(), WandOptions()
        tool_options.add_tool_options(self.object_options, ("select",))
        tool_options.add_tool_options(self.wand_options, ("wand",))
        self.progress = SelectionProgress()
        status_bar.addWidget(self.progress)
        self._remember = remember
        self.object_options.mode_edited.connect(self._set_object_mode)
        self.wand_options.tolerance_edited.connect(self._set_tolerance)
        self.wand_options.contiguous_edited.connect(self._set_contiguous)
        self.runner.busy_changed.connect(self._show_busy)
        self.runner.progress.connect(self.progress.show_progress)
        self.runner.failed.connect(say)

    def apply_settings(self, settings: UserSettings) -> None:
        self._wand.tolerance, self._wand.contiguous = settings.wand_tolerance, settings.wand_contiguous
        self.wand_options.show_values(settings.wand_tolerance, settings.wand_contiguous)
        self._object.model_path, problem = _usable_model(settings.selection_model)
        self.object_options.show_method(self._object.model_path.name if self._object.model_path else None,
                                        problem)

    def _set_object_mode(self, mode: str) -> None:
        self._object.cancel_drag()
        self._object.mode = mode

    def _set_tolerance(self, tolerance: int) -> None:
        self._wand.tolerance = tolerance
        self._remember(wand_tolerance=tolerance)

    def _set_contiguous(self, contiguous: bool) -> None:
        self._wand.contiguous = contiguous
        self._remember(wand_contiguous=contiguous)

    def _show_busy(self, busy: bool) -> None:
        self.progress.show_progress(0.0)
        self.progress.setVisible(busy)


def _usable_model(chosen: str) -> tuple[Path | None, str]:
    """The model file to use for boxes, or None and why not (an empty reason: none was chosen)."""
    if not chosen:
        return None, ""
    from editor.imaging.selection.model import INSTALL_HINT, model_runtime_available

    path = Path(chosen).expanduser()
    if not model_runtime_available():
        return None, f"The segmentation model needs ONNX Runtime ({INSTALL_HINT}); GrabCut is used."
    if not path.is_file():
        return None, f"{path} is not found; GrabCut is used."
    return path, ""
