"""Smart selection: masks that follow what is in the photo. No Qt.

`grabcut` (an object by a box and/or strokes), `wand` (similar colours in Lab), `refine` (an edge
redrawn from the photo inside a brushed band), `model` (an ONNX segmentation model the user has,
optional), `guided` (the guided filter they share), `combine` (replace, add, subtract), `steps`
(progress, cancel and the errors a person reads).
"""

from editor.imaging.selection.combine import (
    COMBINE_MODES,
    CombineMode,
    changed_rect,
    combine,
    subject_box,
)
from editor.imaging.selection.grabcut import ObjectHints, Stroke, select_object
from editor.imaging.selection.refine import edge_band, refine_edge
from editor.imaging.selection.steps import CancelFlag, Checkpoint, SelectionCancelled, SelectionError
from editor.imaging.selection.wand import MAX_TOLERANCE, magic_wand

__all__ = ["COMBINE_MODES", "MAX_TOLERANCE", "CancelFlag", "Checkpoint", "CombineMode", "ObjectHints",
           "SelectionCancelled", "SelectionError", "Stroke", "changed_rect", "combine", "edge_band",
           "magic_wand", "refine_edge", "select_object", "subject_box"]
