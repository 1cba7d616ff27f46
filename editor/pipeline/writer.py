"""Writes a job's JSON sidecar, the mask it sent and its images into a folder. No Qt.

The sidecar (with the mask) is written when the request is sent, status "running", because from
then on the provider may bill the job: a job cancelled, failed or killed mid-request still leaves
its prompt, options and state behind. Each image is written the moment it arrives (atomically:
temp file, then rename) and the sidecar is rewritten after each one and at every end
("completed", "failed" with the error's facts, "cancelled"), so an interrupted or crashed run
keeps every paid result with what made it. A job that never sent anything leaves no files. The
API key never reaches this module.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path

from editor import __version__
from editor.backends.base import EditError, EditRequest, EditResult, ResultImage
from editor.disk import write_atomically


class JobWriter:
    """Names and writes `OUT/<stem>-<job>-<k>.<ext>` and `OUT/<stem>-<job>.json`."""

    def __init__(self, out_dir: Path, *, stem: str, request: EditRequest, provider: str,
                 base_url: str | None, inputs: list[Path], mask_path: Path | None = None,
                 mask_mode: str | None = None, mask_png: bytes | None = None,
                 extra: dict | None = None) -> None:
        self.out_dir = out_dir
        self.job = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)
        self.stem = stem
        self.request = request
        self.provider = provider
        self.base_url = base_url
        self.inputs = inputs
        self.mask_path = mask_path
        self.mask_mode = mask_mode
        # Written with the first record, when the request is sent (see `sending`).
        self._mask_png = mask_png
        if mask_png is not None:
            self.mask_path = out_dir / f"{stem}-{self.job}-mask.png"
            self.mask_mode = mask_mode or "coverage"
        self.extra = dict(extra or {})
        self._files: dict[int, tuple[Path, ResultImage]] = {}
        self._spill: dict[int, float] = {}
        self._placed: dict[int, dict[str, str | None]] = {}  # index → the whole-photo file
        self._started = time.time()
        self._result: EditResult | None = None
        self._status = "running"
        self._error: EditError | None = None
        self._failure: str | None = None  # why it failed, when no EditError says so
        self._sends = 0  # requests begun; the record exists from the first one on
        self._recorded = False
        self._mask_written = False  # this writer wrote the mask (a given mask file is not ours)

    @property
    def recorded(self) -> bool:
        """Whether the sidecar is on disk (the request was sent, or an image arrived)."""
        return self._recorded

    @property
    def sidecar_path(self) -> Path:
        return self.out_dir / f"{self.stem}-{self.job}.json"

    @property
    def images(self) -> list[ResultImage]:
        return [image for _, image in self._ordered()]

    @property
    def written(self) -> list[Path]:
        return [path for path, _ in self._ordered()]

    def sending(self) -> None:
        """The request (`self.request`) is about to leave: write the mask it carries and the record
        saying it is running, so whatever happens next the job can be found and understood."""
        self._write_mask()
        self._sends += 1
        self._write_sidecar()

    def not_sent(self) -> None:
        """The request begun last was refused before it left the machine: when it was the only
        one and no image arrived, nothing could be billed, so its record and mask are removed."""
        self._sends = max(0, self._sends - 1)
        if self._sends or self._files:
            return
        for path in (self.sidecar_path, self.mask_path if self._mask_written else None):
            if path is not None:
                path.unlink(missing_ok=True)
        self._recorded = False

    def add_image(self, image: ResultImage, index: int) -> Path | None:
        """Write the result at position `index` (0-based) unless it was already written."""
        if index in self._files:
            return None
        path = self.out_dir / f"{self.stem}-{self.job}-{index + 1}.{image.extension}"
        self._write_mask()
        write_atomically(path, image.data)
        self._files[index] = (path, image)
        self._write_sidecar()
        return path

    def set_spill(self, index: int, spill: float | None, *, placed: Path | None = None,
                  placed_sha256: str | None = None) -> None:
        """The share of the pixels outside the mask the model changed in result `index`, and the
        file of that result placed back into the whole photo, if one was written."""
        if index not in self._files or (spill is None and placed is None):
            return
        if spill is not None:
            self._spill[index] = round(spill, 6)
        if placed is not None:
            self._placed[index] = {"file": placed.name, "sha256": placed_sha256}
        self._write_sidecar()

    def _ordered(self) -> list[tuple[Path, ResultImage]]:
        return [self._files[index] for index in sorted(self._files)]

    def finish(self, *, result: EditResult | None = None, status: str = "completed",
               error: EditError | None = None, failure: str | None = None) -> None:
        """Record how the job ended: `error` holds the service's facts; `failure` says why when
        no EditError does (a full disk, an unexpected error). Written when the request was sent
        or an image arrived; a job that never sent anything leaves no record."""
        self._result, self._status, self._error, self._failure = result, status, error, failure
        if self._sends or self._files:
            self._write_sidecar()

    def record(self) -> dict:
        """The sidecar's content: everything needed to understand or redo the job, never the key."""
        req, result = self.request, self._result
        return {
            "maskedit_version": __version__,
            "job": self.job,
            "status": self._status,
            "started_at": datetime.fromtimestamp(self._started, UTC).isoformat(),
            "elapsed_s": round(result.elapsed_s if result else time.time() - self._started, 3),
            "provider": self.provider,
            "base_url": self.base_url,
            "model": req.model,
            "prompt": req.prompt,
            "options": {
                "n": req.n, "size": req.size, "quality": req.quality, "background": req.background,
                "output_format": req.output_format, "output_compression": req.output_compression,
                "input_fidelity": req.input_fidelity, "stream": req.stream,
                "partial_images": req.partial_images, "complexity": req.complexity,
                "moderation": req.moderation,
            },
            "inputs": [
                {"path": str(path), "sha256": hashlib.sha256(part.data).hexdigest(),
                 "width": part.width, "height": part.height, "content_type": part.content_type}
                for path, part in zip(self.inputs, req.images, strict=False)
            ],
            "mask": {"path": str(self.mask_path), "file": self.mask_path.name, "mode": self.mask_mode}
            if self.mask_path else None,
            "results": [
                {"file": path.name, "sha256": hashlib.sha256(image.data).hexdigest(),
                 "width": image.width, "height": image.height, "content_type": image.content_type,
                 "revised_prompt": image.revised_prompt, "spill_outside_mask": self._spill.get(index),
                 "full": self._placed.get(index)}
                for index, (path, image) in zip(sorted(self._files), self._ordered(), strict=True)
            ],
            "usage": result.usage.as_dict() if result and result.usage else None,
            "request_id": result.request_id if result else (self._error and self._error.request_id),
            "attempts": result.attempts if result else None,
            "response_size": result.size if result else None,
            "error": self._error.details() if self._error else (
                {"message": self._failure} if self._failure else None),
            **self.extra,
        }

    def summary(self, status: str, error: EditError | None) -> dict:
        record = self.record()
        record["status"] = status
        record["error"] = error.details() if error else None
        record["files"] = [str(path) for path in self.written]
        record["sidecar"] = str(self.sidecar_path) if self._recorded else None
        return record

    def _write_mask(self) -> None:
        if self._mask_png is not None and self.mask_path is not None:
            write_atomically(self.mask_path, self._mask_png)
            self._mask_png = None
            self._mask_written = True

    def _write_sidecar(self) -> None:
        text = json.dumps(self.record(), indent=2, ensure_ascii=False) + "\n"
        write_atomically(self.sidecar_path, text.encode("utf-8"))
        self._recorded = True
