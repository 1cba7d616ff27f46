"""Selection by a segmentation model the user has (an ONNX file), run through ONNX Runtime.

Both are optional: nothing here is imported until a model is used, and without them the box is
selected by GrabCut. The model's contract, as Settings and the README tell it: one input of shape
(1, 3, H, W) taking the region around the box as RGB floats in 0..1 (H and W fixed by the model,
or free, when the region is sent at up to MODEL_SIDE pixels on its longer side); optionally a
second input of shape (1, 4) taking the box as x0, y0, x1, y1 in that input's pixels; the first
output is the object's mask at the input's size, as probabilities or as logits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from editor.imaging.selection.grabcut import ObjectHints, carry_to_full, working_copy
from editor.imaging.selection.steps import Checkpoint, SelectionError, no_checkpoint

log = logging.getLogger(__name__)

MODEL_SIDE = 1024
INSTALL_HINT = "pip install 'maskedit[select-model]'"


def model_runtime_available() -> bool:
    """Whether ONNX Runtime is installed (without importing it)."""
    import importlib.util

    return importlib.util.find_spec("onnxruntime") is not None


@dataclass(frozen=True)
class _Inputs:
    image: str
    box: str | None
    size: tuple[int, int] | None  # (width, height) when the model fixes it


class SegmentationModel:
    """A loaded ONNX segmentation model; `select(photo, box)` gives the box's object as coverage.

    Loading checks the model against the contract above and raises SelectionError with a sentence
    saying what is wrong (no runtime, no such file, not a model, inputs it cannot take).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._session = _open_session(self.path)
        self._inputs = _read_inputs(self._session, self.path)

    def select(self, photo: np.ndarray, box: tuple[int, int, int, int], *,
               checkpoint: Checkpoint = no_checkpoint) -> np.ndarray:
        """Coverage (H, W) uint8 of the object in `box` (x, y, w, h)."""
        hints = ObjectHints(box=box)
        work = working_copy(photo, hints)
        checkpoint(0.1)
        small_h, small_w = work.small.shape[:2]
        width, height = self._inputs.size or _free_size(small_w, small_h)
        feed: dict[str, Any] = {self._inputs.image: _image_tensor(work.small, width, height)}
        if self._inputs.box is not None:
            feed[self._inputs.box] = _box_tensor(box, work.region, width, height)
        try:
            output = self._session.run(None, feed)[0]
        except Exception as exc:  # onnxruntime raises its own types; the message is what matters
            log.warning("segmentation model %s failed: %s", self.path, exc)
            raise SelectionError(f"The model {self.path.name} could not run on this photo ({exc}).") from None
        checkpoint(0.8)
        found = _as_probability(np.asarray(output, np.float32), self.path.name)
        found = cv2.resize(found, (small_w, small_h), interpolation=cv2.INTER_LINEAR)
        return carry_to_full(photo, work, found, box)


def _open_session(path: Path):
    try:
        import onnxruntime
    except ImportError:
        raise SelectionError(f"A segmentation model needs ONNX Runtime, which is not installed "
                             f"({INSTALL_HINT}).") from None
    if not path.is_file():
        raise SelectionError(f"{path}: no such model file." if not path.exists()
                             else f"{path} is not a file.")
    try:
        return onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise SelectionError(f"{path.name} is not an ONNX model that can be loaded ({exc}).") from None


def _read_inputs(session, path: Path) -> _Inputs:
    image = box = None
    size = None
    for spec in session.get_inputs():
        shape = list(spec.shape)
        if len(shape) == 4 and image is None:
            image = spec.name
            if shape[1] not in (3, None) and not isinstance(shape[1], str):
                raise SelectionError(f"{path.name} takes {shape[1]} colour channels; a selection model "
                                     "takes 3 (RGB).")
            if isinstance(shape[2], int) and isinstance(shape[3], int):
                size = (shape[3], shape[2])
        elif len(shape) == 2 and shape[-1] == 4 and box is None:
            box = spec.name
    if image is None:
        raise SelectionError(f"{path.name} has no image input of shape 1×3×H×W, so it is not a "
                             "segmentation model Maskedit can use.")
    return _Inputs(image, box, size)


def _free_size(width: int, height: int) -> tuple[int, int]:
    scale = min(1.0, MODEL_SIDE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _image_tensor(small: np.ndarray, width: int, height: int) -> np.ndarray:
    resized = cv2.resize(small, (width, height), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(resized.transpose(2, 0, 1)[None], np.float32) / np.float32(255)


def _box_tensor(box: tuple[int, int, int, int], region: tuple[int, int, int, int], width: int,
                height: int) -> np.ndarray:
    x, y, w, h = box
    rx0, ry0, rx1, ry1 = region
    sx, sy = width / (rx1 - rx0), height / (ry1 - ry0)
    return np.array([[(x - rx0) * sx, (y - ry0) * sy, (x + w - rx0) * sx, (y + h - ry0) * sy]], np.float32)


def _as_probability(output: np.ndarray, name: str) -> np.ndarray:
    mask = np.squeeze(output)
    if mask.ndim == 3:  # several candidate masks: the first is the model's best
        mask = mask[0]
    if mask.ndim != 2:
        raise SelectionError(f"{name} answered with an output of shape {output.shape}, not a mask.")
    if mask.min() < 0 or mask.max() > 1:  # logits
        mask = 1 / (1 + np.exp(-np.clip(mask, -50, 50)))
    return np.ascontiguousarray(mask, np.float32)
