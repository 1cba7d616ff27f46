"""Synthetic photos with known objects for the selection tests: shapes on textured backgrounds,
with the truth of where each object is, and the figures selections are judged by."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Scene:
    photo: np.ndarray  # (h, w, 3) uint8 RGB
    truth: np.ndarray  # (h, w) bool: the object
    box: tuple[int, int, int, int]  # (x, y, w, h) a user would drag around it


def textured_background(width: int, height: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([90 + 40 * np.sin(x / 37.0), 120 + 30 * np.cos(y / 23.0),
                     100 + 20 * np.sin((x + y) / 51.0)], axis=-1)
    return base + rng.normal(0, 12, base.shape)


def ellipse_scene(width: int = 640, height: int = 480, seed: int = 1) -> Scene:
    """A textured orange ellipse in the middle of a textured green-blue background."""
    rng = np.random.default_rng(seed + 100)
    y, x = np.mgrid[0:height, 0:width]
    truth = ((x - width * 0.5) / (width * 0.22)) ** 2 + ((y - height * 0.5) / (height * 0.3)) ** 2 <= 1
    object_colour = np.stack([200 + 15 * np.sin(x / 9.0), 60 + 10 * np.cos(y / 7.0), 50 + 0 * x], axis=-1)
    object_colour = object_colour + rng.normal(0, 10, object_colour.shape)
    photo = np.where(truth[..., None], object_colour, textured_background(width, height, seed))
    box = (int(width * 0.25), int(height * 0.17), int(width * 0.5), int(height * 0.66))
    return Scene(photo.clip(0, 255).astype(np.uint8), truth, box)


def star_scene(width: int = 600, height: int = 600, seed: int = 2) -> Scene:
    """A pale star (concave outline) off-centre on the textured background."""
    cx, cy, outer, inner = width * 0.4, height * 0.45, width * 0.25, width * 0.11
    angles = np.arange(10) * np.pi / 5 - np.pi / 2
    radii = np.where(np.arange(10) % 2 == 0, outer, inner)
    corners = np.stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)], axis=1)
    truth = np.zeros((height, width), np.uint8)
    cv2.fillPoly(truth, [np.round(corners).astype(np.int32)], 1)
    rng = np.random.default_rng(seed)
    pale = np.array([235.0, 225.0, 200.0]) + rng.normal(0, 8, (height, width, 3))
    photo = np.where(truth[..., None] > 0, pale, textured_background(width, height, seed))
    x0, y0 = corners.min(axis=0) - 12
    x1, y1 = corners.max(axis=0) + 12
    box = (int(x0), int(y0), int(x1 - x0), int(y1 - y0))
    return Scene(photo.clip(0, 255).astype(np.uint8), truth > 0, box)


def iou(coverage: np.ndarray, truth: np.ndarray) -> float:
    selected = coverage >= 128
    return float((selected & truth).sum() / (selected | truth).sum())


def boundary_f_score(selected: np.ndarray, truth: np.ndarray, tolerance: int = 1) -> float:
    """The boundary F-measure (Martin et al.): how much of each boundary lies within `tolerance`
    pixels of the other."""
    def edge(region: np.ndarray) -> np.ndarray:
        region = region.astype(np.uint8)
        return (region - cv2.erode(region, np.ones((3, 3), np.uint8))).astype(bool)

    def near(edges: np.ndarray) -> np.ndarray:
        disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * tolerance + 1, 2 * tolerance + 1))
        return cv2.dilate(edges.astype(np.uint8), disc).astype(bool)

    found, wanted = edge(selected), edge(truth)
    precision = (found & near(wanted)).sum() / max(1, found.sum())
    recall = (wanted & near(found)).sum() / max(1, wanted.sum())
    return float(2 * precision * recall / max(1e-9, precision + recall))
