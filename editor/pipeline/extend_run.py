"""One extension run: the extended canvas filled by the steps of its plan, then finished.

The snapshot's photo is the extended canvas (the new margins transparent) and its coverage the
extension's mask (the automatic one, or as the user painted it since). Each step of the plan
(editor.pipeline.extend_plan) is an ordinary `EditRun` of its crop of the canvas as it stands:
the margins not yet drawn are sent softly prefilled and masked, those drawn by an earlier step
are sent as they are (conditioning) and masked only in a band along what is still missing, so
neighbouring strips blend. Each answer is scaled back to its crop with Lanczos and blended in.
The first step asks for every variant; each later step continues each variant with one request.
Finally every variant is placed on the canvas (imaging.extend.blend_into_canvas): each pixel the
mask keeps is bit-identical, the band blended. The steps' answers and records go into the
STEPS_FOLDER beside the results; the finished canvases are the job's results, with their own
record (so a project restores them as the job's variants). The events are an EditRun's, so the
window, the command line and batches report it alike; `VariantReady` carries a finished canvas.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from editor.backends.base import EditBackend, EditRequest, EditResult, ResultImage
from editor.imaging.extend import DEFAULT_BAND_PX, Extension, blend_into_canvas, prefilled, seam_weights
from editor.imaging.prepare import EditContext
from editor.pipeline.events import Event, Outcome, Planned, Stage, VariantReady, report
from editor.pipeline.extend_plan import ExtendPlan, ExtendStep, plan_extension
from editor.pipeline.run import EditRun
from editor.pipeline.snapshot import EditSnapshot
from editor.pipeline.writer import JobWriter

STEPS_FOLDER = "extension-steps"


@dataclasses.dataclass
class _Chain:
    """One variant's canvas as the steps draw it, and which margin pixels are drawn."""

    canvas: np.ndarray
    drawn: np.ndarray


class ExtendRun:
    """Extends `snapshot` (canvas + mask) by the plan for `extension`; results go into `out_dir`.

    Has an EditRun's face: `run(backend)` → Outcome, `outcome`, `snapshot`, `context`. `record`
    is added to each step's saved record."""

    def __init__(self, snapshot: EditSnapshot, out_dir: Path, *, extension: Extension,
                 band_px: int = DEFAULT_BAND_PX, on_event: Callable[[Event], None] | None = None,
                 record: dict | None = None) -> None:
        self.snapshot = snapshot
        self.out_dir = out_dir
        self.extension = extension
        self.band_px = band_px
        self.on_event = on_event
        self.record = {**(record or {}), "extension": extension.as_record(), "band_px": band_px}
        self.context = EditContext((0, 0, *snapshot.size))
        self.outcome: Outcome | None = None
        self.files: list[Path] = []  # every step's answers, as received
        self.spill: dict = {}  # an EditRun's face: nothing outside the mask is taken from an answer
        self.writer: JobWriter | None = None
        self._request: EditRequest | None = None  # the first step's, recorded with the results

    @property
    def photo_size(self) -> tuple[int, int]:
        width, height = self.snapshot.size
        left, top, right, bottom = self.extension.sides
        return width - left - right, height - top - bottom

    def plan(self) -> ExtendPlan:
        return plan_extension(self.photo_size, self.extension, self.snapshot.options, band_px=self.band_px)

    async def run(self, backend: EditBackend) -> Outcome:
        try:
            self.outcome = await self._run(backend)
        except asyncio.CancelledError:
            kept = f" {len(self.files)} answers that had arrived kept." if self.files else ""
            self.outcome = Outcome("cancelled", f"Cancelled.{kept}", files=tuple(self.files))
            raise
        return self.outcome

    async def _run(self, backend: EditBackend) -> Outcome:
        plan = self.plan()
        self._emit(Stage("preparing", f"Extending: {plan.text()}"))
        canvas = await asyncio.to_thread(self._canvas)
        coverage = self.snapshot.coverage
        if coverage is None:
            coverage = np.where(canvas[..., 3] == 0, 255, 0).astype(np.uint8)
        margins = (canvas[..., 3] == 0) & (coverage > 0)
        chains = [_Chain(canvas, np.zeros_like(margins))]
        last: EditResult | None = None
        for number, step in enumerate(plan.steps, 1):
            grown: list[_Chain] = []
            for chain in chains:
                n = self.snapshot.options.n if number == 1 else 1
                answers, outcome = await self._step(backend, plan, number, step, chain, coverage, margins, n)
                if outcome.status != "completed":
                    return self._failed(outcome, number, len(plan.steps))
                last = outcome.result
                grown += [await asyncio.to_thread(self._drawn, chain, step, answer, coverage, margins)
                          for answer in answers]
            chains = grown
        self.writer = self._writer(backend, plan, coverage)
        await asyncio.to_thread(self.writer.sending)
        for index, chain in enumerate(chains):
            self._emit(await asyncio.to_thread(self._finish, index, canvas, coverage, chain))
        await asyncio.to_thread(self.writer.finish, result=last)
        message = f"{len(chains)} variant{'s' * (len(chains) != 1)} · {plan.requests} request" \
                  f"{'s' * (plan.requests != 1)}"
        return Outcome("completed", f"Extended the canvas: {message}", result=last,
                       files=tuple(self.writer.written), sidecar=self.writer.sidecar_path)

    def _canvas(self) -> np.ndarray:
        from editor.imaging.upload import rgb_pixels

        pixels = rgb_pixels(self.snapshot.photo, self.snapshot.photo_order)
        if pixels.shape[2] == 3:
            return np.dstack((pixels, np.full(pixels.shape[:2], 255, np.uint8)))
        return np.array(pixels)

    # --- one step --------------------------------------------------------------------------------

    async def _step(self, backend: EditBackend, plan: ExtendPlan, number: int, step: ExtendStep,
                    chain: _Chain, coverage: np.ndarray, margins: np.ndarray, n: int
                    ) -> tuple[list[np.ndarray], Outcome]:
        sub = await asyncio.to_thread(self._step_snapshot, number, step, chain, coverage, margins, n)
        answers: list[np.ndarray] = []
        total = len(plan.steps)

        def forward(event: Event) -> None:
            if isinstance(event, VariantReady) and event.pixels is not None:
                answers.append(event.pixels)
            elif isinstance(event, Stage):
                prefix = f"Step {number} of {total}: " if total > 1 else ""
                self._emit(dataclasses.replace(event, message=prefix + event.message))
            elif isinstance(event, Planned) and number == 1:
                self._request = self._request or event.request
                self._emit(Planned(self.context, event.request))

        # The steps' records carry none of the caller's record (a window's job block): the finished
        # canvases are the job's results, not each step's answers.
        record = {"extension": self.extension.as_record(), "band_px": self.band_px, "step": number,
                  "crop": list(step.crop)}
        run = EditRun(sub, self.out_dir / STEPS_FOLDER, on_event=forward, record=record)
        outcome = await run.run(backend)
        self.files += [path for path in outcome.files if path not in self.files]
        return answers, outcome

    def _step_snapshot(self, number: int, step: ExtendStep, chain: _Chain, coverage: np.ndarray,
                       margins: np.ndarray, n: int) -> EditSnapshot:
        """The crop of `chain`'s canvas this step sends, scaled to its size, with its mask."""
        x, y, w, h = step.crop
        mask = self._step_mask(chain, coverage, margins)[y:y + h, x:x + w]
        unfilled = (margins & ~chain.drawn)[y:y + h, x:x + w]
        photo = prefilled(chain.canvas[y:y + h, x:x + w], unfilled)
        options = self.snapshot.options
        if step.size is not None:
            photo = cv2.resize(photo, step.size, interpolation=cv2.INTER_AREA if step.scale < 1
                               else cv2.INTER_CUBIC)
            mask = cv2.resize(mask, step.size, interpolation=cv2.INTER_NEAREST)
            options = dataclasses.replace(options, size=f"{step.size[0]}x{step.size[1]}", context="whole")
        options = dataclasses.replace(options, n=n)
        stem = self.snapshot.stem + (f"-step{number}" if step.side != "canvas" else "")
        return EditSnapshot.take(photo, mask, prompt=self.snapshot.prompt, options=options,
                                 photo_name=f"{stem}.png", references=self.snapshot.references,
                                 threshold=self.snapshot.threshold, inputs=self.snapshot.inputs)

    def _step_mask(self, chain: _Chain, coverage: np.ndarray, margins: np.ndarray) -> np.ndarray:
        """What a step may redraw: the mask, less the margins drawn already, except a band of them
        along what is still missing (so strips blend into each other)."""
        missing = (margins & ~chain.drawn).astype(np.uint8)
        size = 2 * self.band_px + 1
        near = cv2.dilate(missing, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))) > 0
        allowed = (coverage > 0) & (~chain.drawn | near)
        return np.where(allowed, 255, 0).astype(np.uint8)

    def _drawn(self, chain: _Chain, step: ExtendStep, answer: np.ndarray, coverage: np.ndarray,
               margins: np.ndarray) -> _Chain:
        """`chain` with `answer` (the step's) scaled back to its crop and blended in."""
        x, y, w, h = step.crop
        if answer.shape[:2] != (h, w):
            answer = cv2.resize(answer, (w, h), interpolation=cv2.INTER_LANCZOS4 if step.scale < 1
                                else cv2.INTER_AREA)
        mask = self._step_mask(chain, coverage, margins)[y:y + h, x:x + w]
        unfilled = (margins & ~chain.drawn)[y:y + h, x:x + w]
        weight = seam_weights(mask, unfilled, self.band_px)[..., None]
        canvas = chain.canvas.copy()
        part = canvas[y:y + h, x:x + w]
        part[..., :3] = np.rint(part[..., :3] * (1 - weight) + answer[..., :3] * weight).astype(np.uint8)
        part[unfilled, 3] = 255
        drawn = chain.drawn.copy()
        drawn[y:y + h, x:x + w] |= unfilled
        return _Chain(canvas, drawn)

    # --- finishing --------------------------------------------------------------------------------

    def _writer(self, backend: EditBackend, plan: ExtendPlan, coverage: np.ndarray) -> JobWriter:
        from editor.imaging.mask import coverage_png

        snapshot = self.snapshot
        assert self._request is not None
        inputs = list(snapshot.inputs) or ([Path(snapshot.photo_name)] if snapshot.photo_name else [])
        mask_png = coverage_png(coverage) if snapshot.mask_file is None else None
        return JobWriter(self.out_dir, stem=snapshot.stem, request=self._request,
                         provider=snapshot.options.provider, base_url=getattr(backend, "base_url", None),
                         inputs=inputs, mask_path=snapshot.mask_file, mask_mode=snapshot.mask_mode,
                         mask_png=mask_png, extra={**self.record, "extension_plan": plan.text(),
                                                   "requests": plan.requests})

    def _finish(self, index: int, canvas: np.ndarray, coverage: np.ndarray, chain: _Chain) -> VariantReady:
        from editor.imaging.prepare import encode_array_png

        # RGBA even where every pixel is opaque: the window composites it over the canvas, whose
        # margins are transparent, and takes alpha only from a result that has it.
        placed = blend_into_canvas(canvas, coverage, chain.canvas, self.band_px)
        height, width = placed.shape[:2]
        image = ResultImage(encode_array_png(placed), "image/png", width, height)
        assert self.writer is not None
        path = self.writer.add_image(image, index)
        return VariantReady(index, image, path, placed)

    def _failed(self, outcome: Outcome, number: int, total: int) -> Outcome:
        where = f" (step {number} of {total})" if total > 1 else ""
        return dataclasses.replace(outcome, message=outcome.message + where, files=tuple(self.files))

    def _emit(self, event: Event) -> None:
        report(self.on_event, event)
