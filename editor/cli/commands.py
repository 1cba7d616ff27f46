"""maskedit-cli: the edit engine without a window (`edit` one photo, `batch` a folder of them).
Imports no Qt, so it starts lean.

Exit codes: 0 success; 2 bad usage or bad input (nothing was sent); 1 the service failed;
130 interrupted (Ctrl+C), keeping every image that had already arrived.

The flags are in cli_args, resolving provider, key and request in cli_plan; running the commands here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from editor.backends.base import EditBackend, EditError, EditRequest, InvalidRequest, Progress
from editor.backends.providers import PROFILES, model_allows_custom_size
from editor.batch import Batch, BatchEvent, BatchSetupError, BatchSummary, check_template, plan_batch
from editor.cli_args import UsageError, build_parser
from editor.cli_plan import (
    Plan,
    _backend_factory,
    _checked_backend,
    _make_out,
    build_request,
    request_template,
    resolve_provider,
)
from editor.job_output import JobWriter
from editor.settings import find_api_key

log = logging.getLogger("maskedit.cli")

EXIT_OK, EXIT_SERVICE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


# --- Running ------------------------------------------------------------------------------------


async def run_edit(backend: EditBackend, request: EditRequest, args: argparse.Namespace, writer: JobWriter):
    """Send the request (once more, smaller, after a 413); each image is on disk as it arrives."""
    quiet = args.json

    def on_progress(step: Progress) -> None:
        if step.kind == "image" and step.image is not None and step.index is not None:
            # on disk the moment it arrives: a paid result is never lost
            writer.add_image(step.image, step.index)
        elif step.kind == "retrying" and not quiet:
            _say(f"{step.message} Retrying in {step.wait_s or 0:.1f} s (attempt {step.attempt + 1}).")
        elif step.kind == "partial" and not quiet:
            _say(f"Preview {(step.index or 0) + 1} received.")

    def on_smaller(message: str) -> None:
        if not quiet:
            _say(message)

    if not quiet:
        _say(f"Sending to {backend.description} …")
    from editor.edit_plan import edit_with_retry  # Pillow and numpy only when a 413 needs them

    try:
        result, sent = await edit_with_retry(backend, request, on_progress, on_smaller)
        writer.request = sent  # the record says what was sent in the end
    finally:
        await backend.aclose()
    for index, image in enumerate(result.images):
        writer.add_image(image, index)
    return result


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def cmd_edit(args: argparse.Namespace) -> int:
    plan = resolve_provider(args)
    if plan.note and not args.json:
        _say(plan.note)
    request = build_request(args, plan)
    request, placement = _cropped(request, args, plan)
    backend = _checked_backend(_backend_factory(args, plan))
    _make_out(args.out)
    extra = {"context": placement.context.as_record()} if placement is not None else None
    writer = JobWriter(args.out, stem=Path(args.images[0]).stem, request=request,
                       provider=plan.profile.name, base_url=plan.base_url or plan.profile.base_url,
                       inputs=plan.inputs, mask_path=args.mask, mask_mode=args.mask_mode, extra=extra)
    status, error = "completed", None
    placed: list[Path] = []
    try:
        result = asyncio.run(run_edit(backend, request, args, writer))
        writer.finish(result=result)
        if placement is not None:
            from editor.edit_plan import write_placed

            placed = write_placed(placement, writer)
    except InvalidRequest as exc:
        raise UsageError(exc.message) from None
    except KeyboardInterrupt:
        status = "interrupted"
        writer.finish(status=status)
    except EditError as exc:
        status, error = "failed", exc
        writer.finish(status=status, error=exc)
    except OSError as exc:
        status, error = "failed", EditError(f"Could not write the results into {args.out}: "
                                            f"{exc.strerror or exc}. Free some space or choose --out.")
    _report(args, writer, status, error, placed)
    return {"completed": EXIT_OK, "failed": EXIT_SERVICE, "interrupted": EXIT_INTERRUPTED}[status]


def _cropped(request: EditRequest, args: argparse.Namespace, plan: Plan):
    """Crop-to-mask for a service (the offline backend works on the whole photo)."""
    if plan.profile.kind != "http" or args.context == "whole" or request.mask is None:
        return request, None
    from editor.edit_plan import crop_to_mask
    from editor.imaging.load import ImageLoadError

    try:
        return crop_to_mask(request, mode=args.context, padding=args.padding / 100,
                            custom_sizes=model_allows_custom_size(plan.model))
    except ImageLoadError as exc:
        raise UsageError(exc.message) from None


def _report(args: argparse.Namespace, writer: JobWriter, status: str, error: EditError | None,
            placed: list[Path] = ()) -> None:
    if args.json:
        summary = writer.summary(status, error)
        if placed:
            summary["placed"] = [str(path) for path in placed]
        print(json.dumps(summary, indent=2))
        return
    for path in placed or writer.written:
        print(path)
    if error is not None:
        _say(f"maskedit-cli: error: {error}")
    elif status == "interrupted":
        _say(f"Interrupted; {len(writer.images)} image(s) kept.")


def cmd_batch(args: argparse.Namespace) -> int:
    """Edit every photo of args.folder; photos finished by an earlier run into args.out are skipped."""
    try:
        items = plan_batch(args.folder, mask=args.mask, mask_dir=args.mask_dir, out_dir=args.out)
    except BatchSetupError as exc:
        raise UsageError(exc.message) from None
    plan = resolve_provider(args)
    if plan.note and not args.json:
        _say(plan.note)
    template = request_template(args, plan)
    try:
        check_template(template)
    except InvalidRequest as exc:
        raise UsageError(exc.message) from None
    factory = _backend_factory(args, plan)
    _checked_backend(factory)  # found before anything is sent; each worker then makes its own
    _make_out(args.out)
    progress = BatchProgress(sys.stderr)
    batch = Batch(items, template, args.out, factory, mask_mode=args.mask_mode, concurrency=args.concurrency,
                  on_event=progress, context=args.context if plan.profile.kind == "http" else "whole",
                  padding=args.padding / 100, custom_sizes=model_allows_custom_size(plan.model))
    try:
        summary = asyncio.run(batch.run())
    except KeyboardInterrupt:
        summary = replace(batch.summary(), cancelled=True)
    progress.close()
    if args.json:
        print(json.dumps({**summary.as_dict(), "out": str(args.out)}, indent=2))
    else:
        print(describe_batch(summary, args.out))
    if summary.cancelled:
        return EXIT_INTERRUPTED
    return EXIT_SERVICE if summary.stopped or summary.with_status("failed") else EXIT_OK


class BatchProgress:
    """The batch's progress on a stream: a bar redrawn in place on a terminal, else a line per photo.

    Failures, retries and the service's pauses get lines of their own, so they stay readable.
    """

    WIDTH = 20

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.live = stream.isatty()
        self._bar = ""

    def __call__(self, event: BatchEvent) -> None:
        name = event.photo.name
        if event.kind == "retrying":
            self._line(f"{name}: {event.message} Waiting {event.wait_s or 0:.1f} s; no new request "
                       "starts before then.")
            return
        if event.kind == "started" and not self.live:
            return
        filled = round(self.WIDTH * event.finished / max(event.total, 1))
        head = f"[{'#' * filled}{'-' * (self.WIDTH - filled)}] {event.finished}/{event.total} {name}"
        what = {"started": "…", "done": "edited", "skipped": "skipped (done before)",
                "failed": f"failed: {event.message}"}[event.kind]
        if not self.live or event.kind == "failed":
            self._line(f"{head} {what}")
        if self.live:
            self._bar = f"{head} {'failed' if event.kind == 'failed' else what}"
            self.stream.write(f"\r\033[K{self._bar}")
            self.stream.flush()

    def _line(self, text: str) -> None:
        """A line that stays; on a terminal the bar is drawn again below it."""
        self.stream.write(f"\r\033[K{text}\n{self._bar}" if self.live else f"{text}\n")
        self.stream.flush()

    def close(self) -> None:
        if self.live and self._bar:
            self.stream.write("\n")
            self.stream.flush()


def describe_batch(summary: BatchSummary, out: Path) -> str:
    """The summary for a person: counts, tokens, time, each failure with its reason, why it stopped."""
    failed = summary.with_status("failed")
    lines = [f"Edited {len(summary.with_status('edited'))}, skipped {len(summary.with_status('skipped'))} "
             f"(done before), failed {len(failed)}"
             + (f", not started {summary.not_started}" if summary.not_started else "")
             + f" of {summary.total} photos; {summary.tokens:,} tokens; {summary.elapsed_s:.1f} s."]
    lines += [f"  {outcome.photo.name}: {outcome.message}" for outcome in failed]
    if summary.stopped:
        lines.append(f"Stopped early: {summary.stopped}")
    if summary.cancelled:
        lines.append(f"Interrupted; every image received is kept in {out}. Run the same command again "
                     "to continue.")
    elif failed or summary.not_started:
        lines.append("Run the same command again to retry what did not finish.")
    return "\n".join(lines)


def cmd_providers() -> int:
    for profile in PROFILES.values():
        if not profile.needs_key:
            key = "no key needed"
        else:
            lookup = find_api_key(profile)
            key = f"key found ({lookup.source})" if lookup.found else "no key found"
            if lookup.problem:
                key += " — no system keychain"
        where = profile.base_url or "(set --base-url)"
        models = ", ".join(profile.models) or "(any: --model)"
        print(f"{profile.name:<9} {profile.label:<28} {key}\n{'':<9} {where}  models: {models}")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                            format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
        if args.command == "providers":
            return cmd_providers()
        if args.command == "batch":
            return cmd_batch(args)
        return cmd_edit(args)
    except UsageError as exc:
        _say(f"maskedit-cli: error: {exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        _say("Interrupted.")
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
