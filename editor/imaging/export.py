"""Export of a chosen edit result as PNG, JPEG or WebP, with its provenance embedded in the file.

PNG files carry one iTXt chunk per simple field (prompt, model, provider, usage, Software) plus a
"maskedit" chunk holding the whole record as JSON. JPEG and WebP carry the same in an XMP packet:
dc:description is the prompt, xmp:CreatorTool names Maskedit, and the `maskedit:` namespace holds
the model, provider, usage and the whole record. `read_metadata` returns that record again.

Writing XMP into JPEG through Pillow's `xmp=` save argument needs Pillow 11.0 or newer.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
from PIL import Image, PngImagePlugin, UnidentifiedImageError

from editor.disk import write_atomically

EXPORT_FORMATS = ("png", "jpeg", "webp")
XMP_NAMESPACE = "https://maskedit.app/ns/1.0/"
RECORD_KEY = "maskedit"

_SUFFIXES = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".webp": "webp"}
_PILLOW_FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}
_SIMPLE_FIELDS = ("prompt", "model", "provider", "usage")
# Pillow refuses a JPEG APP1 segment above this (65533 bytes minus the XMP namespace header).
_JPEG_XMP_LIMIT = 65533 - 29
# Characters XML 1.0 cannot hold and UTF-8 cannot encode; a prompt pasted from elsewhere may hold them.
_UNSAFE_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

_XMP_TEMPLATE = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:maskedit="{namespace}">
{properties}
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""


class ExportError(Exception):
    """An export that could not happen, with `.message` written for the person who asked for it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def format_for_path(path: Path | str) -> str:
    """The export format ("png", "jpeg" or "webp") that the file name's suffix asks for."""
    suffix = Path(path).suffix.lower()
    try:
        return _SUFFIXES[suffix]
    except KeyError:
        if not suffix:
            raise ExportError("The file name has no extension; end it in .png, .jpg or .webp.") from None
        raise ExportError(f"Maskedit cannot write {suffix} files; choose PNG, JPEG or WebP.") from None


def software_name() -> str:
    """How exported files name their creator, e.g. "Maskedit 1.2.0"."""
    from editor import __version__

    return f"Maskedit {__version__}"


def export_image(
    pixels: np.ndarray,
    path: Path,
    *,
    metadata: Mapping[str, object],
    quality: int = 92,
    icc_profile: bytes | None = None,
) -> Path:
    """Write (h, w, 3|4) uint8 RGB(A) `pixels` to `path` with `metadata` embedded; return the path.

    The format follows the suffix. JPEG has no alpha channel, so RGBA pixels are composited over
    white first. The file appears complete or not at all: it is written to a temporary file in
    the same folder, flushed to disk, then renamed over `path`. Raises `ExportError` for an
    unsupported suffix or any disk failure.
    """
    path = Path(path)
    export_format = format_for_path(path)
    image = _image_for(pixels, export_format)
    options = _save_options(export_format, metadata, quality, icc_profile)
    _write_image(image, path, _PILLOW_FORMATS[export_format], options)
    return path


def read_metadata(path: Path) -> dict:
    """The Maskedit record embedded by `export_image`; an empty dict if the file has none.

    Raises `ExportError` when the file cannot be opened as an image.
    """
    path = Path(path)
    try:
        with Image.open(path) as image:
            if image.format == "PNG":
                text = image.text.get(RECORD_KEY)
            else:
                text = _record_from_xmp(image.info.get("xmp"))
    except (OSError, UnidentifiedImageError) as error:
        raise ExportError(f"Maskedit could not read {path.name}: {_reason(error)}.") from error
    if not text:
        return {}
    try:
        record = json.loads(text)
    except ValueError:
        return {}
    return record if isinstance(record, dict) else {}


# --- pixels -------------------------------------------------------------------------------------


def _image_for(pixels: np.ndarray, export_format: str) -> Image.Image:
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] not in (3, 4):
        raise ValueError(f"expected (h, w, 3|4) uint8 pixels, got {pixels.shape} {pixels.dtype}")
    image = Image.fromarray(np.ascontiguousarray(pixels), "RGBA" if pixels.shape[2] == 4 else "RGB")
    if export_format == "jpeg" and image.mode == "RGBA":
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, image).convert("RGB")
    return image


# --- metadata -----------------------------------------------------------------------------------


def _save_options(export_format: str, metadata: Mapping[str, object], quality: int,
                  icc_profile: bytes | None) -> dict[str, object]:
    options: dict[str, object] = {}
    if icc_profile:
        options["icc_profile"] = icc_profile
    if export_format == "png":
        options["pnginfo"] = _png_info(metadata)
        return options
    xmp = _xmp_packet(metadata)
    if export_format == "jpeg" and len(xmp) > _JPEG_XMP_LIMIT:
        raise ExportError("This result's settings are too long to embed in a JPEG file; export it as "
                          "PNG or WebP instead.")
    options.update(xmp=xmp, quality=quality)
    if export_format == "jpeg":
        # 4:4:4 keeps thin coloured edges of the edited region sharp at high quality.
        options["subsampling"] = 0 if quality >= 90 else 2
    return options


def _field_text(value: object) -> str | None:
    """A simple field as text: strings as they are, anything else (usage dicts) as JSON."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _record_json(metadata: Mapping[str, object]) -> str:
    text = json.dumps(dict(metadata), ensure_ascii=False, default=str)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: only the escaped form survives UTF-8
        text = json.dumps(dict(metadata), default=str)
    return text


def _png_info(metadata: Mapping[str, object]) -> PngImagePlugin.PngInfo:
    info = PngImagePlugin.PngInfo()
    for key in _SIMPLE_FIELDS:
        text = _field_text(metadata.get(key))
        if text is not None:
            info.add_itxt(key, _UNSAFE_TEXT.sub("", text))
    info.add_itxt("Software", software_name())
    info.add_itxt(RECORD_KEY, _record_json(metadata))
    return info


def _xmp_packet(metadata: Mapping[str, object]) -> bytes:
    def element(name: str, text: str) -> str:
        return f"   <{name}>{escape(_UNSAFE_TEXT.sub('', text))}</{name}>"

    lines = []
    prompt = _field_text(metadata.get("prompt"))
    if prompt is not None:
        lines.append("   <dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">"
                     f"{escape(_UNSAFE_TEXT.sub('', prompt))}</rdf:li></rdf:Alt></dc:description>")
    lines.append(element("xmp:CreatorTool", software_name()))
    for key in _SIMPLE_FIELDS[1:]:
        text = _field_text(metadata.get(key))
        if text is not None:
            lines.append(element(f"maskedit:{key}", text))
    # JSON escapes every control character, so the record survives XML untouched.
    lines.append(element("maskedit:record", _record_json(metadata)))
    packet = _XMP_TEMPLATE.format(namespace=XMP_NAMESPACE, properties="\n".join(lines))
    return packet.encode("utf-8")


def _record_from_xmp(xmp: bytes | str | None) -> str | None:
    if not xmp:
        return None
    # expat (2.4.1+, bundled with Python 3.11) refuses entity-expansion bombs in untrusted files.
    try:
        root = ET.fromstring(xmp)
    except ET.ParseError:
        return None
    found = root.find(f".//{{{XMP_NAMESPACE}}}record")
    return found.text if found is not None else None


# --- disk ---------------------------------------------------------------------------------------


def _write_image(image: Image.Image, path: Path, pillow_format: str, options: dict[str, object]) -> None:
    try:
        write_atomically(path, lambda stream: image.save(stream, format=pillow_format, **options),
                         make_folder=False)
    except OSError as error:
        raise _disk_error(path.parent, error) from error


def _disk_error(folder: Path, error: OSError) -> ExportError:
    return ExportError(f"Maskedit could not save the image in the folder {folder}: {_reason(error)}.")


def _reason(error: BaseException) -> str:
    reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return reason.rstrip(".")
