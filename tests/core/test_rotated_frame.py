"""A photo with EXIF orientation 6 is painted, exported and uploaded in its upright frame."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainterPath

from editor.backends.base import EditRequest, ImagePart
from editor.core.mask_layer import MaskLayer
from editor.imaging.load import load_image
from editor.imaging.mask import coverage_to_api_png
from editor.imaging.prepare import encode_for_api

STORED_W, STORED_H = 120, 80  # as the camera stored it; orientation 6 = rotate 90° clockwise to view


def rotated_jpeg() -> bytes:
    stored = np.zeros((STORED_H, STORED_W, 3), np.uint8)
    stored[:10, :10] = (255, 0, 0)  # red in the stored top-left corner
    image = Image.fromarray(stored)
    exif = image.getexif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=95)
    return buffer.getvalue()


def test_mask_and_upload_share_the_upright_frame(qapp):
    source = rotated_jpeg()
    loaded = load_image(source, name="portrait.jpg")
    assert (loaded.width, loaded.height) == (STORED_H, STORED_W)  # upright: 80 wide, 120 tall
    upright = np.asarray(loaded.image)
    assert upright[:10, -10:, 0].mean() > 200  # the stored top-left now sits top-right

    layer = MaskLayer(loaded.width, loaded.height)
    path = QPainterPath()
    path.addRect(QRectF(60, 0, 20, 15))  # paint over the red corner as the user sees it
    layer.fill_path(path, erase=False, label="Rectangle")

    mask_png = coverage_to_api_png(layer.array().copy())
    mask = Image.open(io.BytesIO(mask_png))
    assert mask.size == (loaded.width, loaded.height)
    alpha = np.asarray(mask.getchannel("A"))
    assert (alpha[0:15, 60:80] == 0).all()
    assert (alpha == 0).sum() == 20 * 15

    upload = encode_for_api(loaded, source)
    assert upload.content_type == "image/png"  # re-encoded upright, not the rotated original bytes
    assert (upload.width, upload.height) == (loaded.width, loaded.height)
    request = EditRequest(
        images=(ImagePart(upload.data, "portrait.png", upload.content_type, upload.width, upload.height),),
        prompt="remove the red corner",
        mask=ImagePart(mask_png, "mask.png", "image/png", loaded.width, loaded.height),
    )
    request.validate()
    sent = np.asarray(Image.open(io.BytesIO(upload.data)).convert("RGB"))
    assert sent[:10, -10:, 0].mean() > 200 and sent[:10, :10, 0].mean() < 50
