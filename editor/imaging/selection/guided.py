"""The guided filter (He, Sun and Tang), on numpy and cv2.boxFilter: edge-aware smoothing of a
mask by the photo's colours, and the fast variant that carries a low-resolution mask back to full
resolution along the photo's edges.

OpenCV's own implementation lives in opencv-contrib (ximgproc), which is not a dependency; the
filter is a handful of box filters, so it is written out here. Images are float32 in 0..1.
"""

from __future__ import annotations

import cv2
import numpy as np


def _mean(image: np.ndarray, radius: int) -> np.ndarray:
    size = 2 * radius + 1
    return cv2.boxFilter(image, cv2.CV_32F, (size, size), borderType=cv2.BORDER_REFLECT)


def guided_coefficients(guide: np.ndarray, source: np.ndarray, radius: int,
                        eps: float) -> tuple[np.ndarray, np.ndarray]:
    """The local linear model q = a·guide + b, averaged over each window (He et al., eqs. 5-8).

    `guide` is (h, w, 3) colour or (h, w) grey, `source` (h, w). Returns (mean_a, mean_b): mean_a
    is (h, w, 3) for a colour guide, (h, w) for a grey one.
    """
    source = source.astype(np.float32, copy=False)
    mean_p = _mean(source, radius)
    if guide.ndim == 2:
        mean_i = _mean(guide, radius)
        var_i = _mean(guide * guide, radius) - mean_i * mean_i
        cov_ip = _mean(guide * source, radius) - mean_i * mean_p
        a = cov_ip / (var_i + eps)
        b = mean_p - a * mean_i
        return _mean(a, radius), _mean(b, radius)
    mean_i = _mean(guide, radius)  # boxFilter filters each channel
    cov_ip = _mean(guide * source[..., None], radius) - mean_i * mean_p[..., None]
    # The 3×3 covariance of the guide's colours in each window, regularised by eps, inverted in
    # closed form (its cofactors): several times faster than a batched np.linalg.solve.
    def var(row: int, col: int) -> np.ndarray:
        value = _mean(guide[..., row] * guide[..., col], radius) - mean_i[..., row] * mean_i[..., col]
        return value + np.float32(eps) if row == col else value

    rr, rg, rb, gg, gb, bb = var(0, 0), var(0, 1), var(0, 2), var(1, 1), var(1, 2), var(2, 2)
    inv_rr, inv_rg, inv_rb = gg * bb - gb * gb, gb * rb - rg * bb, rg * gb - gg * rb
    inv_gg, inv_gb, inv_bb = rr * bb - rb * rb, rb * rg - rr * gb, rr * gg - rg * rg
    det = rr * inv_rr + rg * inv_rg + rb * inv_rb
    cr, cg, cb = cov_ip[..., 0], cov_ip[..., 1], cov_ip[..., 2]
    a = np.stack([inv_rr * cr + inv_rg * cg + inv_rb * cb,
                  inv_rg * cr + inv_gg * cg + inv_gb * cb,
                  inv_rb * cr + inv_gb * cg + inv_bb * cb], axis=-1) / det[..., None]
    b = mean_p - np.einsum("hwc,hwc->hw", a, mean_i)
    return _mean(a, radius), _mean(b, radius)


def guided_filter(guide: np.ndarray, source: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """`source` smoothed within windows of `radius`, keeping the edges `guide` has."""
    mean_a, mean_b = guided_coefficients(guide, source, radius, eps)
    return apply_coefficients(guide, mean_a, mean_b)


def apply_coefficients(guide: np.ndarray, mean_a: np.ndarray, mean_b: np.ndarray) -> np.ndarray:
    if guide.ndim == 2:
        return mean_a * guide + mean_b
    out = mean_b.copy()
    for channel in range(guide.shape[2]):
        out += mean_a[..., channel] * guide[..., channel]
    return out


def guided_upsample(photo: np.ndarray, guide_low: np.ndarray, mask_low: np.ndarray, radius: int,
                    eps: float, *, rows_per_strip: int = 256) -> np.ndarray:
    """The fast guided filter (He and Sun, 2015): the linear model is fitted on the low-resolution
    copy, its coefficients are enlarged smoothly and applied to the full-resolution photo, so the
    mask's edge lands on the photo's edge at full resolution. `photo` is the (H, W, 3+) uint8
    photo; returns (H, W) uint8 coverage.

    The full-resolution side runs in strips of rows, so a 24 MP photo never needs its float copy.
    """
    mean_a, mean_b = guided_coefficients(guide_low, mask_low, radius, eps)
    model = np.dstack([mean_a, mean_b]) if mean_a.ndim == 3 else np.dstack([mean_a, mean_b, mean_b])
    height, width = photo.shape[:2]
    scale_x, scale_y = mask_low.shape[1] / width, mask_low.shape[0] / height
    out = np.empty((height, width), np.uint8)
    for top in range(0, height, rows_per_strip):
        bottom = min(height, top + rows_per_strip)
        # Output pixel (x, y) reads the model at ((x + .5)·sx − .5, (y + .5)·sy − .5): pixel centres.
        to_low = np.float32([[scale_x, 0, 0.5 * scale_x - 0.5],
                             [0, scale_y, (top + 0.5) * scale_y - 0.5]])
        strip_model = cv2.warpAffine(model, to_low, (width, bottom - top),
                                     flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                     borderMode=cv2.BORDER_REPLICATE)
        strip = photo[top:bottom]
        if mean_a.ndim == 3:
            guide = as_guide(strip)
            value = strip_model[..., 3] + np.einsum("hwc,hwc->hw", strip_model[..., :3], guide)
        else:
            value = strip_model[..., 0] * grey_guide(strip) + strip_model[..., 1]
        np.clip(value * 255 + 0.5, 0, 255, out=value)
        out[top:bottom] = value.astype(np.uint8)
    return out


def grey_guide(photo: np.ndarray) -> np.ndarray:
    """An RGB (or RGBA) uint8 photo as a float32 0..1 grey guide."""
    return cv2.cvtColor(np.ascontiguousarray(photo[..., :3]), cv2.COLOR_RGB2GRAY).astype(np.float32) / 255


def as_guide(photo: np.ndarray) -> np.ndarray:
    """An RGB (or RGBA) uint8 photo as a float32 0..1 colour guide."""
    return photo[..., :3].astype(np.float32) * np.float32(1 / 255)
