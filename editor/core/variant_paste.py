"""Variants composed through their paste masks (editor.imaging.paste_mask), for the views.

Each variant's layer (its result fitted onto the photo, its seam matched) is built once and kept
in a small cache, since building it is the costly part; composing through the masks is cheap and
local. Every function here runs in a worker thread; none touches a widget.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from editor.core.generate import JobContext, photo_pixels
from editor.core.paste_masks import PasteSnapshot, VariantKey
from editor.core.variant_images import Encoded, VariantImage, qimage_from_pixels, result_pixels, spill_report
from editor.imaging.paste_mask import PasteLayer, compose, variant_layer

# Variant layers kept: the variant being edited and a few mixed into it (a 24 MP layer is 72 MB).
LAYERS_KEPT = 4


@dataclass(frozen=True)
class VariantSource:
    """What a variant is made of: its result (decoded or encoded) and the job's context."""

    data: Encoded
    context: JobContext


def base_photo(context: JobContext, channels: int) -> tuple[np.ndarray, object]:
    """The photo the job edited, as RGB(A) pixels with `channels` (an opaque alpha added for a
    variant with transparency on an opaque photo, as the plain composite does), and what owns
    their memory (keep it as long as the pixels are used)."""
    pixels, owner = photo_pixels(context.photo)
    if channels == 4 and pixels.shape[2] == 3:
        pixels = np.dstack((pixels, np.full(pixels.shape[:2], 255, np.uint8)))
    return pixels, owner


def build_layer(source: VariantSource, harmonize: bool) -> np.ndarray | None:
    """The variant at its photo's size, pasted everywhere its job's crop reaches; None if its
    image cannot be read."""
    result = result_pixels(source.data)
    if result is None:
        return None
    photo, _owner = base_photo(source.context, result.shape[2])
    return variant_layer(photo, result, np.asarray(source.context.coverage), crop=source.context.crop,
                         harmonize=harmonize)


class LayerCache:
    """The most recently used variant layers, by (variant, harmonize); safe across threads."""

    def __init__(self, kept: int = LAYERS_KEPT) -> None:
        self._layers: OrderedDict[tuple[VariantKey, bool], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._kept = kept

    def get(self, key: VariantKey, harmonize: bool,
            build: Callable[[], np.ndarray | None]) -> np.ndarray | None:
        with self._lock:
            layer = self._layers.get((key, harmonize))
            if layer is not None:
                self._layers.move_to_end((key, harmonize))
                return layer
        layer = build()
        if layer is not None:
            with self._lock:
                self._layers[key, harmonize] = layer
                while len(self._layers) > self._kept:
                    self._layers.popitem(last=False)
        return layer

    def clear(self) -> None:
        with self._lock:
            self._layers.clear()


def paste_layers(key: VariantKey, source: VariantSource, snapshot: PasteSnapshot,
                 mixes: dict[VariantKey, VariantSource], cache: LayerCache,
                 harmonize: bool) -> list[PasteLayer] | None:
    """The variant's layers in paste order with the masks of `snapshot`; a mixed variant that
    cannot be read, or is of another size, is left out. None if the variant itself cannot be read."""
    own = cache.get(key, harmonize, lambda: build_layer(source, harmonize))
    if own is None:
        return None
    layers = [PasteLayer(own, snapshot.own)]
    for mixed, coverage in snapshot.mixes:
        other = mixes.get(mixed)
        if other is None:
            continue
        pixels = cache.get(mixed, harmonize, lambda other=other: build_layer(other, harmonize))
        if pixels is not None and pixels.shape[:2] == own.shape[:2]:
            layers.append(PasteLayer(pixels, coverage))
    return layers


def compose_variant(key: VariantKey, source: VariantSource, snapshot: PasteSnapshot,
                    mixes: dict[VariantKey, VariantSource], cache: LayerCache, *, feather_px: float,
                    harmonize: bool) -> VariantImage | None:
    """The variant over its photo through its paste masks, as Apply, Copy and Export take it, with
    the spill the model's answer has (what the model did, whatever the masks now show)."""
    layers = paste_layers(key, source, snapshot, mixes, cache, harmonize)
    if layers is None:
        return None
    feather = snapshot.feather if snapshot.feather is not None else feather_px
    photo, _owner = base_photo(source.context, layers[0].pixels.shape[2])
    pixels = compose(photo, layers, feather)
    report = spill_report(source.data, source.context)
    return VariantImage(qimage_from_pixels(pixels), report.share if report is not None else 0.0, report)
