"""maskedit-cli: the edit engine without a window (`edit` one photo, `batch` a folder of them).
Imports no Qt, so it starts lean.

Exit codes: 0 success; 2 bad usage or bad input (nothing was sent); 1 the service failed;
130 interrupted (Ctrl+C), keeping every image that had already arrived.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TextIO

from editor import __version__
from editor.backends import create_backend
from editor.backends.base import (
    BACKGROUNDS,
    FIDELITIES,
    MAX_IMAGES,
    OUTPUT_FORMATS,
    QUALITIES,
    EditBackend,
    EditError,
    EditRequest,
    InvalidRequest,
    Progress,
)
from editor.backends.providers import (
    DEFAULT_PROVIDER,
    PROFILES,
    ApiKey,
    ProviderProfile,
    model_allows_custom_size,
)
from editor.batch import (
    Batch,
    BatchEvent,
    BatchSetupError,
    BatchSummary,
    InputError,
    check_template,
    plan_batch,
    prepare_request,
)
from editor.job_output import JobWriter
from editor.settings import find_api_key, read_key_file

log = logging.getLogger("maskedit.cli")

EXIT_OK, EXIT_SERVICE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class UsageError(Exception):
    """Bad usage or bad input, reported in one line with exit code 2; nothing was sent."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, no usage dump
        raise UsageError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="maskedit-cli", description="Headless image edits with Maskedit's engine.")
    parser.add_argument("--version", action="version", version=f"maskedit-cli {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log requests to stderr")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    commands.add_parser("providers", help="list providers and whether a key is found")
    edit = commands.add_parser("edit", help="edit IMAGE (the first) guided by a prompt and a mask")
    edit.add_argument("images", nargs="+", metavar="IMAGE", help="photo to edit, then up to 15 references")
    edit.add_argument("--prompt", required=True, help="what to change")
    edit.add_argument("--mask", type=Path, help="mask image, the size of the first IMAGE")
    edit.add_argument("--out", type=Path, default=Path("."), help="output folder (default: here)")
    _add_request_flags(edit)
    batch = commands.add_parser("batch", help="edit every photo of DIR with one prompt; re-run to resume")
    batch.add_argument("folder", type=Path, metavar="DIR", help="folder of photos (not searched recursively)")
    batch.add_argument("--prompt", required=True, help="what to change in every photo")
    masks = batch.add_mutually_exclusive_group(required=True)
    masks.add_argument("--mask", type=Path, help="one mask for every photo (each must be its size)")
    masks.add_argument("--mask-dir", type=Path, help="folder with a mask per photo, named like the photo")
    batch.add_argument("--out", type=Path, required=True, help="output folder; finished photos are skipped")
    batch.add_argument("--concurrency", type=_int_in(1, 16), default=2, help="edits at once (default 2)")
    _add_request_flags(batch)
    return parser


def _add_request_flags(sub: argparse.ArgumentParser) -> None:
    """The provider and option flags `edit` and `batch` share."""
    sub.add_argument("--mask-mode", choices=("alpha", "white-edits", "black-edits"), default="alpha",
                     help="how the mask marks the area to edit (default: transparent = edit)")
    sub.add_argument("--provider", choices=tuple(PROFILES), help="default: requesty if a key is found, "
                     "else the offline backend")
    sub.add_argument("--base-url", help="API base URL (required for --provider custom)")
    sub.add_argument("--model", help="model id (default: the provider's first model)")
    sub.add_argument("--body", choices=("multipart", "json"), help="request encoding (default multipart)")
    sub.add_argument("-n", type=_int_in(1, 10), dest="n", help="number of variants, 1-10")
    sub.add_argument("--size", default=None, help="auto, 1024x1024, 1536x1024 or 1024x1536 (default auto)")
    sub.add_argument("--quality", choices=QUALITIES)
    sub.add_argument("--background", choices=BACKGROUNDS)
    sub.add_argument("--format", choices=OUTPUT_FORMATS, dest="output_format")
    sub.add_argument("--compression", type=_int_in(0, 100), help="0-100, for jpeg/webp")
    sub.add_argument("--fidelity", choices=FIDELITIES)
    sub.add_argument("--stream", action="store_true", help="stream, with partial previews")
    sub.add_argument("--partial-images", type=_int_in(0, 3), help="partial previews with --stream, 0-3")
    sub.add_argument("--context", choices=("auto", "mask", "whole"), default="auto",
                     help="what the model sees: auto (a padded crop around the mask when it is small on a "
                     "large photo), mask (always that crop) or whole (the photo); default auto")
    sub.add_argument("--padding", type=_int_in(0, 200), default=32,
                     help="with a crop, the surroundings sent per side, in %% of the mask's size "
                     "(default 32)")
    sub.add_argument("--timeout", type=float, default=300.0, help="read timeout in seconds (default 300)")
    sub.add_argument("--json", action="store_true", help="print one JSON summary instead of lines")
    sub.add_argument("--api-key-file", type=Path, help="read the API key from this file")


def _int_in(low: int, high: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not between {low} and {high}")
        return value

    return parse


# --- Resolving what to do -----------------------------------------------------------------------


@dataclass
class Plan:
    profile: ProviderProfile
    api_key: ApiKey | None
    base_url: str | None
    model: str | None
    note: str | None = None
    inputs: list[Path] = field(default_factory=list)


def resolve_provider(args: argparse.Namespace) -> Plan:
    """Pick the provider and key; the offline backend is the default when no key is found."""
    explicit = args.provider or os.environ.get("MASKEDIT_PROVIDER") or None
    if explicit and explicit not in PROFILES:
        raise UsageError(f"Unknown provider '{explicit}' (choose from {', '.join(PROFILES)}).")
    profile = PROFILES[explicit or DEFAULT_PROVIDER]
    base_url = args.base_url or os.environ.get("MASKEDIT_BASE_URL") or None
    model = args.model or os.environ.get("MASKEDIT_MODEL") or profile.default_model
    if not profile.needs_key:
        return Plan(profile, None, None, model)
    if args.api_key_file:
        try:
            return Plan(profile, read_key_file(args.api_key_file), base_url, model)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    lookup = find_api_key(profile)
    if lookup.found:
        return Plan(profile, lookup.key, base_url, model)
    if explicit:
        variable = profile.key_env or "MASKEDIT_API_KEY"
        hint = f" {lookup.problem}" if lookup.problem else ""
        raise UsageError(
            f"No API key found for {profile.label}. Set {variable}, use --api-key-file, "
            f"or store it from Maskedit's Settings.{hint}"
        )
    local = PROFILES["local"]
    note = (f"No API key found for {profile.label}: using the offline backend, which removes what the "
            "mask covers and ignores the prompt. Set REQUESTY_API_KEY to edit with gpt-image models.")
    return Plan(local, None, None, local.default_model, note=note)


def build_request(args: argparse.Namespace, plan: Plan) -> EditRequest:
    """Read, convert and check every input; raise UsageError before anything is sent."""
    if len(args.images) > MAX_IMAGES:
        raise UsageError(f"{len(args.images)} images given; the API takes at most {MAX_IMAGES} "
                         "(the photo plus 15 references).")
    photo, *references = (Path(name) for name in args.images)
    try:
        request, inputs = prepare_request(photo, args.mask, request_template(args, plan),
                                          mask_mode=args.mask_mode, references=references)
    except InputError as exc:
        raise UsageError(exc.message) from None
    plan.inputs.extend(inputs)
    return request


def request_template(args: argparse.Namespace, plan: Plan) -> EditRequest:
    """The prompt and options every request of this command carries (the images come per photo)."""
    is_http = plan.profile.kind == "http"
    return EditRequest(
        images=(), prompt=args.prompt,
        model=plan.model if is_http else None, n=args.n,
        size=(args.size or "auto") if is_http else args.size, quality=args.quality,
        background=args.background, output_format=args.output_format,
        output_compression=args.compression, input_fidelity=args.fidelity, stream=args.stream,
        partial_images=args.partial_images,
    )


def _backend_factory(args: argparse.Namespace, plan: Plan) -> Callable[[], EditBackend]:
    return functools.partial(create_backend, plan.profile, api_key=plan.api_key, base_url=plan.base_url,
                             model=plan.model, read_timeout=args.timeout, body=args.body)


def _checked_backend(factory: Callable[[], EditBackend]) -> EditBackend:
    """A backend from `factory`; a provider that cannot work as configured is bad usage."""
    try:
        return factory()
    except InvalidRequest as exc:
        raise UsageError(exc.message) from None


def _make_out(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"Cannot create the output folder {out}: {exc.strerror or exc}.") from None


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
