"""`make bench`: run every tests/benchmarks/bench_*.py, print a table, write .bench/latest.json.

`python -m tests.benchmarks NAME ...` runs only the modules whose name contains NAME.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path

from tests.benchmarks.harness import Figure

OUT = Path(".bench/latest.json")


def _modules(filters: list[str]) -> list[str]:
    package = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(package)]) if m.name.startswith("bench_"))
    return [n for n in names if not filters or any(f in n for f in filters)]


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if abs(value) < 100 else f"{value:.1f}"


def main(argv: list[str]) -> int:
    figures: list[Figure] = []
    for name in _modules(argv):
        print(f"running {name} ...", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"tests.benchmarks.{name}")
        figures.extend(module.measure())
        print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)
    header = (f"{'metric':<24} {'value':>10} {'unit':<6} {'floor':>10} {'ratio':>7}  "
              f"{'goal':<16} ok  floor is")
    print()
    print(header)
    print("-" * len(header))
    for fig in figures:
        ok = {True: "yes", False: "NO", None: "-"}[fig.passed]
        print(f"{fig.metric:<24} {_fmt(fig.value):>10} {fig.unit:<6} {_fmt(fig.floor):>10} "
              f"{_fmt(fig.ratio):>7}  {fig.target:<16} {ok:<3} {fig.floor_label}")
        if fig.notes:
            print(f"{'':<24} {fig.notes}")
    OUT.parent.mkdir(exist_ok=True)
    previous = json.loads(OUT.read_text()) if OUT.exists() and argv else {}
    previous.update({fig.metric: fig.as_json() for fig in figures})
    OUT.write_text(json.dumps(previous, indent=2) + "\n")
    print(f"\nwritten to {OUT}")
    print(summary(figures))
    return 0 if all(fig.passed is not False for fig in figures) else 1


def summary(figures: list[Figure]) -> str:
    """One line: what misses its goal, with its figure against the goal, or that nothing does."""
    missed = [fig for fig in figures if fig.passed is False]
    if not missed:
        judged = sum(fig.passed is not None for fig in figures)
        return f"summary: every figure with a goal meets it ({judged} of {len(figures)} have one)"
    parts = []
    for fig in missed:
        shown = f"ratio {fig.ratio:.2f}" if fig.target.startswith("ratio") and fig.ratio is not None \
            else f"{_fmt(fig.value)} {fig.unit}"
        parts.append(f"{fig.metric} ({shown}; goal {fig.target})")
    return f"summary: {len(missed)} of {len(figures)} miss their goal: " + ", ".join(parts)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
