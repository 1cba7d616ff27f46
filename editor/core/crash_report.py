"""The report of an unexpected error: what happened, where, on which versions — never a key.

Built without Qt (the window adds Qt's versions); every key the app knows of, and anything that
looks like one, is blanked out before the text reaches the screen, the clipboard or the log.
"""

from __future__ import annotations

import os
import platform
import traceback
from collections.abc import Iterable, Mapping

from editor import __version__
from editor.secrets import redact


def build_report(error: BaseException, sentence: str, *, versions: Mapping[str, str] | None = None,
                 secrets: Iterable[str] = ()) -> str:
    """A plain-text report to copy into a bug report: the sentence, versions and the traceback."""
    lines = [sentence, "", f"Maskedit {__version__}",
             f"Python {platform.python_version()} on {platform.platform()}"]
    lines += [f"{name} {version}" for name, version in (versions or {}).items()]
    lines += ["", "".join(traceback.format_exception(type(error), error, error.__traceback__)).rstrip()]
    return redact("\n".join(lines), secrets)


def known_secrets(env: Mapping[str, str] | None = None) -> list[str]:
    """The API keys this machine gives Maskedit: the key variables and the keychain's entries."""
    from editor.backends.providers import PROFILES
    from editor.settings.keys import find_api_key

    env = dict(os.environ if env is None else env)
    found = [env.get(name, "") for name in ("MASKEDIT_API_KEY", "REQUESTY_API_KEY", "OPENAI_API_KEY")]
    for profile in PROFILES.values():
        if profile.needs_key:
            try:
                lookup = find_api_key(profile, env)
            except Exception:  # a report must never fail because the keychain did
                continue
            if lookup.found and lookup.key is not None:
                found.append(lookup.key.reveal())
    return [secret for secret in found if secret]
