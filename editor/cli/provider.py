"""maskedit-cli's resolving of what to do: provider and key, the edit's options, the backend, the
output folder.

Everything here raises UsageError before anything is sent. Imports no Qt.
"""

from __future__ import annotations

import argparse
import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from editor.backends import create_backend
from editor.backends.base import MAX_IMAGES, EditBackend, InvalidRequest
from editor.backends.providers import PROFILES, ApiKey, ProviderProfile
from editor.backends.wire import MODERATION_NEEDS_JSON
from editor.cli.args import UsageError
from editor.pipeline.options import EditOptions, normalized
from editor.pipeline.plan import check_options
from editor.pipeline.run import prepared_backend
from editor.pipeline.snapshot import EditSnapshot, InputError, snapshot_from_files
from editor.settings.environment import ENV_PROVIDER, UnknownProvider, choose_provider
from editor.settings.keys import find_api_key, read_key_file
from editor.settings.store import load_settings

if TYPE_CHECKING:
    from editor.imaging.extend import Extension
    from editor.pipeline.extend_input import ExtendSpec


@dataclass(frozen=True)
class Destination:
    """Where this command's edits go: the provider, its key (None offline), base URL and model, and
    a note for the user when the offline backend was chosen for want of a key."""

    profile: ProviderProfile
    api_key: ApiKey | None
    base_url: str | None
    model: str | None
    note: str | None = None


def resolve_provider(args: argparse.Namespace) -> Destination:
    """Pick the provider and key (flags, then MASKEDIT_PROVIDER/_MODEL/_BASE_URL, then the base URLs
    set in Maskedit's Settings); the offline backend is the default when no key is found."""
    explicit = args.provider or os.environ.get(ENV_PROVIDER, "").strip() or None
    try:
        choice = choose_provider(os.environ, provider=args.provider, model=args.model, base_url=args.base_url,
                                 settings=load_settings())
    except UnknownProvider as exc:
        raise UsageError(str(exc)) from None
    profile, base_url, model = choice.profile, choice.base_url, choice.model
    if not profile.needs_key:
        return Destination(profile, None, None, model)
    if args.api_key_file:
        try:
            return Destination(profile, read_key_file(args.api_key_file), base_url, model)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    lookup = find_api_key(profile)
    if lookup.found:
        return Destination(profile, lookup.key, base_url, model)
    if lookup.source is not None and lookup.problem:  # a key is there, but it cannot be one
        raise UsageError(lookup.problem)
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
    return Destination(local, None, None, local.default_model, note=note)


def edit_options(args: argparse.Namespace, destination: Destination) -> EditOptions:
    """The options every edit of this command carries; flags not given are left out of the request
    (the service's defaults apply), except the size, which is "auto" unless chosen. Raises
    UsageError when they would fail every request: a contradiction on the command line (a
    transparent JPEG, a fidelity the model does not take) is not quietly fixed."""
    is_http = destination.profile.kind == "http"
    asked = EditOptions(
        provider=destination.profile.name, model=destination.model or "", n=args.n,
        size=(args.size or "auto") if is_http else "auto", context=args.context, quality=args.quality,
        background=args.background, output_format=args.output_format, output_compression=args.compression,
        input_fidelity=args.fidelity, stream=args.stream, partial_images=args.partial_images,
        complexity=args.complexity, moderation=args.moderation,
    )
    if asked.moderation is not None and args.body == "multipart":
        raise UsageError(MODERATION_NEEDS_JSON)
    try:
        check_options(args.prompt, asked)
    except InvalidRequest as exc:
        raise UsageError(exc.message) from None
    return normalized(asked)


def read_snapshot(args: argparse.Namespace, options: EditOptions) -> EditSnapshot:
    """Read, convert and check every input of `edit`; raise UsageError before anything is sent."""
    if len(args.images) > MAX_IMAGES:
        raise UsageError(f"{len(args.images)} images given; the API takes at most {MAX_IMAGES} "
                         "(the photo plus 15 references).")
    photo, *references = (Path(name) for name in args.images)
    try:
        return snapshot_from_files(photo, args.mask, prompt=args.prompt, options=options,
                                   mask_mode=args.mask_mode, references=references,
                                   padding=args.padding / 100)
    except InputError as exc:
        raise UsageError(exc.message) from None


def read_extension(args: argparse.Namespace, options: EditOptions, spec: ExtendSpec
                   ) -> tuple[EditSnapshot, Extension]:
    """The extended canvas of `edit`'s photo and its extension; UsageError before anything is sent."""
    from editor.pipeline.extend_input import extension_snapshot

    if len(args.images) > MAX_IMAGES:
        raise UsageError(f"{len(args.images)} images given; the API takes at most {MAX_IMAGES} "
                         "(the photo plus 15 references).")
    photo, *references = (Path(name) for name in args.images)
    try:
        return extension_snapshot(photo, args.mask, spec, prompt=args.prompt, options=options,
                                  mask_mode=args.mask_mode, references=references)
    except InputError as exc:
        raise UsageError(exc.message) from None


def backend_factory(args: argparse.Namespace, destination: Destination) -> Callable[[], EditBackend]:
    return functools.partial(create_backend, destination.profile, api_key=destination.api_key,
                             base_url=destination.base_url, model=destination.model,
                             read_timeout=args.timeout, body=args.body)


def check_backend(factory: Callable[[], EditBackend], *, connect: bool = False) -> EditBackend:
    """The backend, or UsageError when the provider cannot work as configured (no base URL, plain
    http…). Building a backend opens no connection; with `connect` its HTTP client is made now
    (loading the TLS bundle, 50-130 ms), as open_backend's worker would, so a caller can do it
    while another thread reads the inputs. The caller closes it (open_backend does)."""
    try:
        return prepared_backend(factory) if connect else factory()
    except InvalidRequest as exc:
        raise UsageError(exc.message) from None


def make_out(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"Cannot create the output folder {out}: {exc.strerror or exc}.") from None
