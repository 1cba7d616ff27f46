"""maskedit-cli's resolving of what to do: provider and key, the request, the backend, the output folder.

Everything here raises UsageError before anything is sent. Imports no Qt.
"""

from __future__ import annotations

import argparse
import functools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from editor.backends import create_backend
from editor.backends.base import MAX_IMAGES, EditBackend, EditRequest, InvalidRequest
from editor.backends.providers import DEFAULT_PROVIDER, PROFILES, ApiKey, ProviderProfile
from editor.batch import InputError, prepare_request
from editor.cli_args import UsageError
from editor.settings import find_api_key, read_key_file


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
