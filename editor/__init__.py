"""Maskedit: paint a mask, write a prompt, compare the edits."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("maskedit")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
