"""Maskedit: paint a mask, write a prompt, compare the edits."""

from functools import cache


@cache
def _installed_version() -> str:
    # importlib.metadata costs ~20 ms to import; the window's first paint must not wait for it.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("maskedit")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0+source"


def __getattr__(name: str) -> str:
    # `from editor import __version__` still works; the lookup happens on first use (PEP 562).
    if name == "__version__":
        return _installed_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
