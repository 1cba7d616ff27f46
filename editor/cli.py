"""maskedit-cli: the edit engine without a window. Imports no Qt, so it starts lean.

Exit codes: 0 success; 2 bad usage or bad input (nothing was sent); 1 the service failed;
130 interrupted (Ctrl+C), keeping every image that had already arrived.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

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
    ImagePart,
    InvalidRequest,
    Progress,
)
from editor.backends.providers import DEFAULT_PROVIDER, PROFILES, ApiKey, ProviderProfile
from editor.imaging.load import DEFAULT_MAX_PIXELS
from editor.imaging.passthrough import EncodedImage, pass_through
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
    edit.add_argument("--mask-mode", choices=("alpha", "white-edits", "black-edits"), default="alpha",
                      help="how the mask marks the area to edit (default: transparent = edit)")
    edit.add_argument("--provider", choices=tuple(PROFILES), help="default: requesty if a key is found, "
                      "else the offline backend")
    edit.add_argument("--base-url", help="API base URL (required for --provider custom)")
    edit.add_argument("--model", help="model id (default: the provider's first model)")
    edit.add_argument("--body", choices=("multipart", "json"), help="request encoding (default multipart)")
    edit.add_argument("-n", type=_int_in(1, 10), dest="n", help="number of variants, 1-10")
    edit.add_argument("--size", default=None, help="auto, 1024x1024, 1536x1024 or 1024x1536 (default auto)")
    edit.add_argument("--quality", choices=QUALITIES)
    edit.add_argument("--background", choices=BACKGROUNDS)
    edit.add_argument("--format", choices=OUTPUT_FORMATS, dest="output_format")
    edit.add_argument("--compression", type=_int_in(0, 100), help="0-100, for jpeg/webp")
    edit.add_argument("--fidelity", choices=FIDELITIES)
    edit.add_argument("--stream", action="store_true", help="stream, with partial previews")
    edit.add_argument("--partial-images", type=_int_in(0, 3), help="partial previews with --stream, 0-3")
    edit.add_argument("--timeout", type=float, default=300.0, help="read timeout in seconds (default 300)")
    edit.add_argument("--out", type=Path, default=Path("."), help="output folder (default: here)")
    edit.add_argument("--json", action="store_true", help="print one JSON summary instead of lines")
    edit.add_argument("--api-key-file", type=Path, help="read the API key from this file")
    return parser


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
    """Read, convert and check every input; raise UsageError before anything is sent.

    Files the API takes as they are go out byte for byte, like the official SDK sends them;
    only the others are decoded and converted (which also explains what is wrong with them).
    """
    if len(args.images) > MAX_IMAGES:
        raise UsageError(f"{len(args.images)} images given; the API takes at most {MAX_IMAGES} "
                         "(the photo plus 15 references).")
    parts = []
    for index, name in enumerate(args.images):
        path = Path(name)
        encoded = _upload_form(path, _read_input(path))
        ext = encoded.content_type.split("/")[1].replace("jpeg", "jpg")
        parts.append(ImagePart(encoded.data, f"image-{index + 1}.{ext}", encoded.content_type,
                               encoded.width, encoded.height))
        plan.inputs.append(path)
    mask = None if args.mask is None else _mask_part(args.mask, args.mask_mode, parts[0])
    is_http = plan.profile.kind == "http"
    return EditRequest(
        images=tuple(parts), prompt=args.prompt, mask=mask,
        model=plan.model if is_http else None, n=args.n,
        size=(args.size or "auto") if is_http else args.size, quality=args.quality,
        background=args.background, output_format=args.output_format,
        output_compression=args.compression, input_fidelity=args.fidelity, stream=args.stream,
        partial_images=args.partial_images,
    )


def _upload_form(path: Path, source: bytes) -> EncodedImage:
    encoded = pass_through(source, max_pixels=DEFAULT_MAX_PIXELS)
    if encoded is not None:
        return encoded
    from editor.imaging.load import ImageLoadError, load_image
    from editor.imaging.prepare import encode_for_api

    try:
        return encode_for_api(load_image(source, name=path.name), source)
    except ImageLoadError as exc:
        raise UsageError(exc.message) from None


def _mask_part(path: Path, mode: str, first: ImagePart) -> ImagePart:
    """The mask in the API's form: a PNG with alpha 0 where the edit goes, sized like `first`."""
    if mode == "alpha":
        encoded = pass_through(_read_input(path), max_pixels=DEFAULT_MAX_PIXELS, modes=("RGBA", "LA"))
        if encoded and encoded.content_type == "image/png" and \
                (encoded.width, encoded.height) == (first.width, first.height):
            return ImagePart(encoded.data, "mask.png", "image/png", first.width, first.height)
    from editor.imaging.mask import MaskError, coverage_to_api_png, load_mask

    try:
        coverage = load_mask(path, mode, expected_size=(first.width, first.height))
    except MaskError as exc:
        raise UsageError(exc.message) from None
    return ImagePart(coverage_to_api_png(coverage), "mask.png", "image/png", first.width, first.height)


def _read_input(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file.") from None
    except IsADirectoryError:
        raise UsageError(f"{path} is a folder, not an image.") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read ({exc.strerror or exc}).") from None


# --- Running ------------------------------------------------------------------------------------


async def run_edit(backend: EditBackend, request: EditRequest, args: argparse.Namespace, writer: JobWriter):
    quiet = args.json

    def on_progress(step: Progress) -> None:
        if step.kind == "image" and step.image is not None and step.index is not None:
            # on disk the moment it arrives: a paid result is never lost
            writer.add_image(step.image, step.index)
        elif step.kind == "retrying" and not quiet:
            _say(f"{step.message} Retrying in {step.wait_s or 0:.1f} s (attempt {step.attempt + 1}).")
        elif step.kind == "partial" and not quiet:
            _say(f"Preview {(step.index or 0) + 1} received.")

    if not quiet:
        _say(f"Sending to {backend.description} …")
    try:
        result = await backend.edit(request, on_progress)
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
    try:
        backend = create_backend(plan.profile, api_key=plan.api_key, base_url=plan.base_url,
                                 model=plan.model, read_timeout=args.timeout, body=args.body)
    except InvalidRequest as exc:
        raise UsageError(exc.message) from None
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"Cannot create the output folder {args.out}: {exc.strerror or exc}.") from None
    writer = JobWriter(args.out, stem=Path(args.images[0]).stem, request=request,
                       provider=plan.profile.name, base_url=plan.base_url or plan.profile.base_url,
                       inputs=plan.inputs, mask_path=args.mask, mask_mode=args.mask_mode)
    status, error = "completed", None
    try:
        result = asyncio.run(run_edit(backend, request, args, writer))
        writer.finish(result=result)
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
    _report(args, writer, status, error)
    return {"completed": EXIT_OK, "failed": EXIT_SERVICE, "interrupted": EXIT_INTERRUPTED}[status]


def _report(args: argparse.Namespace, writer: JobWriter, status: str, error: EditError | None) -> None:
    if args.json:
        print(json.dumps(writer.summary(status, error), indent=2))
        return
    for path in writer.written:
        print(path)
    if error is not None:
        _say(f"maskedit-cli: error: {error}")
    elif status == "interrupted":
        _say(f"Interrupted; {len(writer.images)} image(s) kept.")


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
        return cmd_edit(args)
    except UsageError as exc:
        _say(f"maskedit-cli: error: {exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        _say("Interrupted.")
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
