"""Running `maskedit-cli` in-process, as the command-line tests do."""

from __future__ import annotations

from editor.cli import main


def run(capsys, *argv) -> tuple[int, str, str]:
    """`maskedit-cli ARGV…` in this process: its exit code, stdout and stderr."""
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err
