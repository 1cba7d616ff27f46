"""What Maskedit remembers between runs (settings.json in the platform's config folder), and
where it keeps data. No Qt, no secrets: keys live in the keychain (editor.settings.keys).
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import platformdirs

from editor.disk import write_atomically

log = logging.getLogger(__name__)

APP_NAME = "maskedit"


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


# --- User settings -----------------------------------------------------------------------------

SETTINGS_FILE = "settings.json"
MAX_RECENT = 10
MAX_PROMPT_HISTORY = 100
# Fields stored as a JSON object of plain values (str, number, bool, null) rather than a list.
_MAPPING_FIELDS = ("base_urls", "body_modes", "last_options", "default_options", "provider_options")
_STRING_MAPPINGS = ("base_urls", "body_modes")
OptionPairs = tuple[tuple[str, object], ...]


@dataclass(frozen=True)
class UserSettings:
    """Everything Maskedit remembers between runs except secrets (keychain) and window geometry
    (QSettings). Unknown keys in the file are ignored; missing ones take these defaults."""

    provider: str = ""
    model: str = ""
    base_urls: tuple[tuple[str, str], ...] = ()
    # How each provider's requests are written (editor.backends.providers.BODY_MODES); absent: auto.
    body_modes: tuple[tuple[str, str], ...] = ()
    read_timeout_s: float = 300.0
    recent_files: tuple[str, ...] = ()
    theme: str = "system"  # "system" (dark where the system does not say), "dark" or "light"
    overlay_color: str = "#ff0000"
    overlay_opacity: float = 0.5
    overlay_hatch: bool = False
    # Zoomed in past 100 %: hard-edged pixels (View ▸ Show Pixels When Zoomed In) instead of smoothing.
    show_pixels: bool = False
    results_thumb_size: int = 160  # px, the Results gallery's thumbnails (96–320)
    brush_diameter: float = 60.0
    brush_hardness: float = 0.8
    brush_opacity: float = 1.0
    pressure_mode: str = "size"
    fill_tolerance: int = 32
    # Smart selection: the magic wand's colour distance (ΔE) and reach, and an ONNX segmentation
    # model file of the user's for the object selection ("": GrabCut).
    wand_tolerance: int = 32
    wand_contiguous: bool = True
    selection_model: str = ""
    mask_threshold: int = 128
    undo_cap_mb: int = 512
    max_megapixels: int = 250
    # The prompt side: what was typed last, what was sent before (newest first), and the edit
    # options as plain name → value pairs (the options panel turns them into EditOptions).
    last_prompt: str = ""
    prompt_history: tuple[str, ...] = ()
    last_options: OptionPairs = ()
    default_options: OptionPairs = ()
    # The last choices made with each provider ("requesty.n" → 2, "openai.model" → …): switching
    # back to a provider brings them back (editor.core.remembered_options).
    provider_options: OptionPairs = ()
    data_folder: str = ""
    # Results: how a variant is laid over the photo, what Apply does with the mask, and the
    # optional token budget per project (0: none).
    composite_mode: str = "strict"
    composite_feather_px: float = 2.0
    # Match the variant's colour and tone to the photo along the mask's edge (editor.imaging.harmonize).
    composite_harmonize: bool = True
    clear_mask_on_apply: bool = False
    token_budget: int = 0
    # Crop-to-mask: the padding around the mask's box, a share of the box on each side (at least
    # 64 px), when only the part around the mask is sent.
    context_padding: float = 0.32

    def base_url_for(self, provider: str) -> str | None:
        return dict(self.base_urls).get(provider)

    def body_for(self, provider: str) -> str:
        mode = dict(self.body_modes).get(provider, "auto")
        return mode if mode in ("auto", "multipart", "json", "files") else "auto"

    def with_recent(self, path: str) -> UserSettings:
        recent = (path, *(p for p in self.recent_files if p != path))[:MAX_RECENT]
        return replace(self, recent_files=recent)

    def with_base_url(self, provider: str, url: str) -> UserSettings:
        """Another base URL for `provider`; an empty one means the provider's own default."""
        urls = {name: value for name, value in self.base_urls if name != provider}
        if url:
            urls[provider] = url
        return replace(self, base_urls=tuple(sorted(urls.items())))

    def data_folder_path(self) -> Path:
        """Where results and the journal go: the chosen folder, or the platform's data folder."""
        return Path(self.data_folder).expanduser() if self.data_folder else data_dir()


def settings_path() -> Path:
    return config_dir() / SETTINGS_FILE


def load_settings(path: Path | None = None) -> UserSettings:
    """Read the settings file; a missing or damaged file gives the defaults (and a log line)."""
    path = path or settings_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return UserSettings()
    except (OSError, ValueError) as exc:
        log.warning("settings file %s unreadable (%s); using defaults", path, type(exc).__name__)
        return UserSettings()
    if not isinstance(raw, dict):
        return UserSettings()
    values = {}
    defaults = UserSettings()
    for item in fields(UserSettings):
        if item.name not in raw:
            continue
        if item.name in _MAPPING_FIELDS and item.name not in _STRING_MAPPINGS:
            value = _plain_pairs(raw[item.name])
        else:
            value = _coerce(raw[item.name], getattr(defaults, item.name))
        if item.name == "prompt_history" and value is not None:
            value = value[:MAX_PROMPT_HISTORY]
        if value is not None:
            values[item.name] = value
    return UserSettings(**values)


def save_settings(settings: UserSettings, path: Path | None = None) -> None:
    """Write atomically (temp file + rename) so a crash never leaves half a settings file."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = asdict(settings)
    for name in _MAPPING_FIELDS:
        data[name] = dict(getattr(settings, name))
    write_atomically(path, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode("utf-8"))


class SettingsWriter:
    """Saves the settings to one file from any thread, the newest last. Each save takes a ticket
    in the order it was asked for (on one thread); one whose worker ran late, after a newer save
    was written, writes nothing."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._issued = 0
        self._written = 0

    def ticket(self) -> int:
        self._issued += 1
        return self._issued

    def write(self, settings: UserSettings, ticket: int) -> None:
        """Raises OSError when the file cannot be written."""
        with self._lock:
            if ticket <= self._written:
                return
            save_settings(settings, self._path)
            self._written = ticket


def _coerce(value: object, default: object) -> object | None:
    """The stored value in the default's type, or None when it cannot be one."""
    if isinstance(default, bool):
        return value if isinstance(value, bool) else None
    if isinstance(default, int):
        return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
    if isinstance(default, float):
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
    if isinstance(default, str):
        return value if isinstance(value, str) else None
    if isinstance(default, tuple) and isinstance(value, dict):
        return tuple((str(k), str(v)) for k, v in value.items())
    if isinstance(default, tuple) and isinstance(value, list):
        return tuple(str(v) for v in value if isinstance(v, str))
    return None


def _plain_pairs(value: object) -> OptionPairs | None:
    """A JSON object of plain values as sorted (name, value) pairs; anything else is dropped."""
    if not isinstance(value, dict):
        return None
    return tuple(sorted((str(k), v) for k, v in value.items()
                        if v is None or isinstance(v, str | int | float | bool)))
