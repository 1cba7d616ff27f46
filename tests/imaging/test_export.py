"""Export of edit results: pixels, provenance round trips, atomic writes, errors for people."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

from editor import disk
from editor.imaging import export
from editor.imaging.export import EXPORT_FORMATS, ExportError, export_image, format_for_path, read_metadata

METADATA = {
    "prompt": 'Replace the "sky" with <sunset> & add a café ☕',
    "model": "gpt-image-1",
    "provider": "requesty",
    "usage": {"input_tokens": 1200, "output_tokens": 4160, "total_tokens": 5360},
    "job": 3,
    "variant": 1,
    "seed": None,
}


def _pixels(channels: int = 3) -> np.ndarray:
    rng = np.random.default_rng(7)
    return rng.integers(0, 256, size=(24, 32, channels), dtype=np.uint8)


def _no_temp_files(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("name", ["out.png", "out.jpg", "out.JPEG", "out.webp"])
def test_metadata_round_trips_in_every_format(tmp_path: Path, name: str) -> None:
    path = export_image(_pixels(), tmp_path / name, metadata=METADATA)

    assert path == tmp_path / name
    assert read_metadata(path) == METADATA
    assert _no_temp_files(tmp_path)


def test_png_keeps_pixels_exactly_and_has_readable_text_chunks(tmp_path: Path) -> None:
    pixels = _pixels(4)
    path = export_image(pixels, tmp_path / "out.png", metadata=METADATA)

    with Image.open(path) as image:
        assert np.array_equal(np.asarray(image), pixels)
        text = image.text
    assert text["prompt"] == METADATA["prompt"]
    assert text["model"] == "gpt-image-1"
    assert text["provider"] == "requesty"
    assert '"total_tokens": 5360' in text["usage"]
    assert text["Software"] == export.software_name()
    assert text["Software"].startswith("Maskedit ")


@pytest.mark.parametrize("name", ["out.jpg", "out.webp"])
def test_xmp_packet_holds_description_creator_tool_and_namespace(tmp_path: Path, name: str) -> None:
    path = export_image(_pixels(), tmp_path / name, metadata=METADATA)

    with Image.open(path) as image:
        xmp = image.info["xmp"]
    text = xmp.decode("utf-8") if isinstance(xmp, bytes) else xmp
    assert f'xmlns:maskedit="{export.XMP_NAMESPACE}"' in text
    assert "Replace the &quot;sky&quot;" in text or 'Replace the "sky"' in text
    assert "&lt;sunset&gt; &amp; add a café ☕" in text
    assert f"<xmp:CreatorTool>{export.software_name()}</xmp:CreatorTool>" in text
    assert "<maskedit:model>gpt-image-1</maskedit:model>" in text
    assert "<maskedit:provider>requesty</maskedit:provider>" in text


def test_rgba_to_jpeg_is_composited_over_white(tmp_path: Path) -> None:
    pixels = np.zeros((16, 16, 4), dtype=np.uint8)
    pixels[:, 8:] = (200, 0, 0, 255)  # right half opaque red, left half fully transparent black
    path = export_image(pixels, tmp_path / "out.jpg", metadata={})

    with Image.open(path) as image:
        assert image.mode == "RGB"
        rgb = np.asarray(image).astype(int)
    assert (rgb[8, 2] >= 245).all()
    assert rgb[8, 13, 0] > 180 and rgb[8, 13, 1] < 40


def test_icc_profile_is_embedded(tmp_path: Path) -> None:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    for name in ("out.png", "out.jpg", "out.webp"):
        path = export_image(_pixels(), tmp_path / name, metadata=METADATA, icc_profile=profile)
        with Image.open(path) as image:
            assert image.info.get("icc_profile") == profile, name


def test_overwrites_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "out.png"
    target.write_bytes(b"old")
    export_image(_pixels(), target, metadata={"prompt": "new"})
    assert read_metadata(target) == {"prompt": "new"}


def test_format_for_path() -> None:
    assert EXPORT_FORMATS == ("png", "jpeg", "webp")
    assert format_for_path("a.PNG") == "png"
    assert format_for_path(Path("a.jpg")) == "jpeg"
    assert format_for_path("a.jpeg") == "jpeg"
    assert format_for_path("a.webp") == "webp"


@pytest.mark.parametrize("name", ["out.gif", "out"])
def test_unknown_suffix_raises_a_sentence(tmp_path: Path, name: str) -> None:
    with pytest.raises(ExportError) as caught:
        export_image(_pixels(), tmp_path / name, metadata={})
    message = caught.value.message
    assert message.endswith(".") and message[0].isupper()
    assert "PNG" in message or ".png" in message
    assert not (tmp_path / name).exists()


def test_gif_message_names_the_suffix() -> None:
    with pytest.raises(ExportError, match=r"cannot write \.gif files; choose PNG, JPEG or WebP\."):
        format_for_path("x.gif")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_folder_gives_export_error_and_no_temp_file(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(ExportError) as caught:
            export_image(_pixels(), folder / "out.png", metadata=METADATA)
        assert str(folder) in caught.value.message
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_missing_folder_gives_export_error_naming_it(tmp_path: Path) -> None:
    folder = tmp_path / "gone"
    with pytest.raises(ExportError) as caught:
        export_image(_pixels(), folder / "out.webp", metadata=METADATA)
    assert str(folder) in caught.value.message
    assert "No such file or directory" in caught.value.message


def test_failure_while_writing_removes_the_temp_file(tmp_path: Path, monkeypatch) -> None:
    def disk_full(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(disk.os, "fsync", disk_full)
    with pytest.raises(ExportError, match="No space left on device"):
        export_image(_pixels(), tmp_path / "out.jpg", metadata=METADATA)
    assert list(tmp_path.iterdir()) == []


def test_control_characters_in_prompt_do_not_break_xmp(tmp_path: Path) -> None:
    metadata = {"prompt": "line one\nline\x07two\ttab", "model": "m"}
    path = export_image(_pixels(), tmp_path / "out.jpg", metadata=metadata)
    assert read_metadata(path) == metadata


def test_read_metadata_of_a_plain_file_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "plain.jpg"
    Image.new("RGB", (4, 4)).save(path)
    assert read_metadata(path) == {}


def test_read_metadata_of_a_non_image_raises_export_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.png"
    path.write_text("not an image")
    with pytest.raises(ExportError, match=r"could not read notes\.png"):
        read_metadata(path)


def test_wrong_pixel_array_is_a_programming_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        export_image(np.zeros((4, 4), dtype=np.uint8), tmp_path / "out.png", metadata={})
