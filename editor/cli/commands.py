"""maskedit-cli's commands: `edit` (one photo), `batch` (a folder), `mask` (a selected mask,
editor.cli.mask_command) and `providers`.

Exit codes: 0 success; 2 bad usage or bad input (nothing was sent); 1 the service failed;
130 interrupted (Ctrl+C), keeping every image that had already arrived. `edit` runs one
`EditRun` (editor.pipeline) exactly as each photo of a batch does, and as the window does, with
`place_back`: an answer for a crop is also placed back into the whole photo, seam-harmonised
unless --no-harmonize, and each result's spill figures are kept for printing. What only `batch`,
`mask` or an extension need (the batch engine, the selection engine) is imported by them: `edit`
starts without it.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import TYPE_CHECKING

from editor.backends.providers import PROFILES
from editor.cli.args import UsageError, build_parser
from editor.cli.extend_args import extend_spec
from editor.cli.progress import spill_lines
from editor.cli.provider import (
    backend_factory,
    check_backend,
    edit_options,
    make_out,
    read_extension,
    read_snapshot,
    resolve_provider,
)
from editor.pipeline.events import Event, Outcome, PartialImage, Stage
from editor.pipeline.run import EditRun, open_backend
from editor.secrets import install_redaction
from editor.settings.keys import find_api_key

if TYPE_CHECKING:
    from editor.imaging.extend import Extension
    from editor.pipeline.extend_input import ExtendSpec
    from editor.pipeline.options import EditOptions
    from editor.pipeline.snapshot import EditSnapshot

log = logging.getLogger("maskedit.cli")

EXIT_OK, EXIT_SERVICE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def cmd_edit(args: argparse.Namespace) -> int:
    destination = resolve_provider(args)
    if destination.note and not args.json:
        _say(destination.note)
    options = edit_options(args, destination)
    spec = extend_spec(args)
    # The inputs are read and decoded in a worker (Pillow lets go of the interpreter while it
    # inflates) while this thread imports httpx and builds the backend's client (the TLS bundle):
    # neither waits for the other. A problem with the inputs is still the one reported first.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="maskedit-inputs") as pool:
        reading = pool.submit(_read_inputs, args, options, spec)
        try:
            backend, problem = check_backend(backend_factory(args, destination), connect=True), None
        except UsageError as exc:  # a provider that cannot work as configured is bad usage
            backend, problem = None, exc
        try:
            snapshot, extension = reading.result()
            if problem is not None:
                raise problem
            make_out(args.out)
        except BaseException:
            if backend is not None:  # its client holds no connection yet; closed all the same
                asyncio.run(backend.aclose())
            raise
    on_event = None if args.json else _print_event
    if extension is not None:
        from editor.pipeline.extend_run import ExtendRun

        run = ExtendRun(snapshot, args.out, extension=extension, band_px=spec.band_px, on_event=on_event)
        if on_event is not None:
            _say(run.plan().text() + (f" · {cost}" if (cost := run.plan().cost_text()) else ""))
    else:
        run = EditRun(snapshot, args.out, place_back=True, harmonize=args.harmonize, on_event=on_event)
    try:
        outcome = asyncio.run(_edit(run, lambda: backend))
    except KeyboardInterrupt:
        outcome = run.outcome or Outcome("cancelled", "Interrupted.")
    if outcome.status == "failed" and not outcome.sent:
        raise UsageError(outcome.message)
    _report(args, run, outcome)
    return {"completed": EXIT_OK, "failed": EXIT_SERVICE, "cancelled": EXIT_INTERRUPTED}[outcome.status]


def _read_inputs(args: argparse.Namespace, options: EditOptions, spec: ExtendSpec | None
                 ) -> tuple[EditSnapshot, Extension | None]:
    if spec is not None:
        return read_extension(args, options, spec)
    return read_snapshot(args, options), None


async def _edit(run: EditRun, factory) -> Outcome:
    async with open_backend(factory) as backend:
        if run.on_event is not None:
            _say(f"Sending to {backend.description} …")
        return await run.run(backend)


def _print_event(event: Event) -> None:
    if isinstance(event, Stage) and event.message.startswith("Step "):
        _say(event.message)
    elif isinstance(event, Stage) and event.name == "retrying":
        _say(f"{event.message} Retrying in {event.wait_s or 0:.1f} s (attempt {(event.attempt or 1) + 1}).")
    elif isinstance(event, Stage) and event.name == "resending":
        _say(event.message)
    elif isinstance(event, PartialImage):
        _say(f"Preview {event.index + 1} received.")


def _report(args: argparse.Namespace, run: EditRun, outcome: Outcome) -> None:
    """The files made, on stdout (or the JSON summary); the spill figures of each result, the
    failure or the interruption on stderr."""
    status = {"cancelled": "interrupted"}.get(outcome.status, outcome.status)
    if args.json:
        writer = run.writer
        summary = writer.summary(status, outcome.error) if writer is not None else {"status": status}
        if outcome.placed:
            summary["placed"] = [str(path) for path in outcome.placed]
        spill = {path.name: figures for path, figures in run.spill.items()}
        for result in summary.get("results", ()):
            figures = spill.get(result["file"])
            result["spill"] = figures.as_dict() if figures is not None else None
        print(json.dumps(summary, indent=2))
        return
    for path in outcome.placed or outcome.files:
        print(path)
    for line in spill_lines(outcome.files, tuple(run.spill.get(path) for path in outcome.files)):
        _say(line)
    if outcome.status == "failed":
        _say(f"maskedit-cli: error: {outcome.error if outcome.error is not None else outcome.message}")
    elif outcome.status == "cancelled":
        _say(f"Interrupted; {outcome.kept} image(s) kept.")


def cmd_batch(args: argparse.Namespace) -> int:
    """Edit every photo of args.folder; photos finished by an earlier run into args.out are skipped."""
    from editor.cli.mask_command import segmentation_model
    from editor.cli.progress import BatchProgress, describe_batch
    from editor.cli.select_args import batch_request
    from editor.pipeline.batch import Batch, BatchSetupError, batch_items

    spec = extend_spec(args)
    selection = batch_request(args, segmentation_model(args))
    if spec is not None and selection is not None:
        raise UsageError("--extend/--aspect make each photo's mask themselves; leave out --select-box "
                         "and --select-subject")
    if spec is None and selection is None and args.mask is None and args.mask_dir is None:
        raise UsageError("one of --mask, --mask-dir, --select-box, --select-subject, --extend or "
                         "--aspect is required")
    try:
        items = batch_items(args.folder, mask=args.mask, mask_dir=args.mask_dir, out_dir=args.out,
                            selecting=selection is not None, mask_optional=spec is not None)
    except BatchSetupError as exc:
        raise UsageError(exc.message) from None
    destination = resolve_provider(args)
    if destination.note and not args.json:
        _say(destination.note)
    options = edit_options(args, destination)
    factory = backend_factory(args, destination)
    check_backend(factory)  # found before anything is sent; each worker then makes its own
    make_out(args.out)
    progress = BatchProgress(sys.stderr)
    batch = Batch(items, args.prompt, options, args.out, factory, mask_mode=args.mask_mode,
                  concurrency=args.concurrency, on_event=progress, padding=args.padding / 100,
                  harmonize=args.harmonize, selection=selection, extend=spec)
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
    """Run the command `argv` asks for (default: this process's own command line); its exit code.

    Run as the program (no `argv`), it then sets every object still alive aside from garbage
    collection (gc.freeze), since the process exits next: the interpreter's last collection would
    otherwise walk everything numpy, OpenCV, Pillow and httpx made, only to find it alive (about
    100-150 ms of every command). Every file is closed and written by then; nothing is skipped."""
    try:
        return _command(argv)
    finally:
        if argv is None:
            gc.freeze()


def _command(argv: list[str] | None) -> int:
    try:
        args = build_parser().parse_args(argv)
        logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                            format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
        install_redaction()
        if args.command == "providers":
            return cmd_providers()
        if args.command == "batch":
            return cmd_batch(args)
        if args.command == "mask":
            from editor.cli.mask_command import cmd_mask

            return cmd_mask(args)
        return cmd_edit(args)
    except UsageError as exc:
        _say(f"maskedit-cli: error: {exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        _say("Interrupted.")
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
