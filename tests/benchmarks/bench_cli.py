"""cli_vs_sdk: the same edit sent by `maskedit-cli` and by the official `openai` package, like for
like: the CLI with `--context whole` sends the photo as it is and writes the images it gets, as the
SDK script does. cli_crop_cost: the CLI's default (`--context auto`: the crop around the mask
planned, sent, placed back through the mask and a `-full` file written) against that same
like-for-like run, so what cropping costs is its own figure.

All are whole processes (start, import, read, send, receive, write) against the same loopback
fake, in alternating runs so that machine noise hits them alike; figures are ratios of medians.
The edit: two 2048×1536 images + a mask over a 700×500 area, n=2.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
from PIL import Image

from tests.benchmarks.harness import Figure, median
from tests.fakes.edit_server import FakeEditServer

RUNS = 7
PROMPT = "Replace the masked area with a red bicycle"

SDK_SCRIPT = textwrap.dedent(
    """
    import base64, sys
    from openai import OpenAI

    base_url, key, first, second, mask, out = sys.argv[1:7]
    client = OpenAI(base_url=base_url, api_key=key)
    with open(first, "rb") as a, open(second, "rb") as b, open(mask, "rb") as m:
        response = client.images.edit(model="gpt-image-1", image=[a, b], mask=m, prompt=sys.argv[7],
                                      n=2, size="1024x1024")
    for index, item in enumerate(response.data, start=1):
        with open(f"{out}/sdk-{index}.png", "wb") as handle:
            handle.write(base64.b64decode(item.b64_json))
    """
)


def _photo(path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:1536, 0:2048]
    base = np.stack([(x / 8) % 256, (y / 6) % 256, ((x + y) / 14) % 256], axis=-1)
    noise = rng.integers(0, 24, size=base.shape)
    Image.fromarray((base + noise).clip(0, 255).astype(np.uint8), "RGB").save(path, compress_level=6)


def _mask(path: Path) -> None:
    rgba = np.zeros((1536, 2048, 4), np.uint8)
    rgba[..., 3] = 255
    rgba[500:1000, 700:1400, 3] = 0
    buffer = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())


def _run(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return elapsed


def measure() -> list[Figure]:
    cli = str(Path(sys.executable).with_name("maskedit-cli"))
    with tempfile.TemporaryDirectory() as tmp, FakeEditServer() as server:
        root = Path(tmp)
        first, second, mask = root / "photo.png", root / "reference.png", root / "mask.png"
        _photo(first, 1)
        _photo(second, 2)
        _mask(mask)
        sdk_script = root / "sdk_edit.py"
        sdk_script.write_text(SDK_SCRIPT)
        for folder in ("whole", "auto", "sdk-out"):
            (root / folder).mkdir()
        env = dict(os.environ, MASKEDIT_API_KEY=server.api_key)

        def cli_cmd(context: str) -> list[str]:
            return [cli, "edit", str(first), str(second), "--mask", str(mask), "--prompt", PROMPT,
                    "-n", "2", "--size", "1024x1024", "--provider", "custom", "--base-url",
                    server.base_url, "--model", "gpt-image-1", "--context", context,
                    "--out", str(root / context)]

        commands = {
            "whole": cli_cmd("whole"),
            "sdk": [sys.executable, str(sdk_script), server.base_url, server.api_key, str(first),
                    str(second), str(mask), str(root / "sdk-out"), PROMPT],
            "auto": cli_cmd("auto"),
        }
        for command in commands.values():
            _run(command, env)  # warm the OS file cache for every side before timing
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(RUNS):
            for name, command in commands.items():
                times[name].append(_run(command, env))
        outputs = {name: len(list((root / name).glob("*.png"))) for name in ("whole", "auto")}
    whole, sdk, auto = (median(times[name]) for name in ("whole", "sdk", "auto"))
    spread = {name: f"{min(t):.2f}–{max(t):.2f}" for name, t in times.items()}
    return [
        Figure(
            metric="cli_vs_sdk", value=whole, unit="s", floor=sdk,
            floor_label="openai SDK client.images.edit, same edit, same fake",
            target="ratio <= 1.0", passed=whole <= sdk,
            notes=f"CLI --context whole; median of {RUNS} alternating runs (ranges: CLI {spread['whole']} s, "
                  f"SDK {spread['sdk']} s); {outputs['whole']} CLI outputs written",
        ),
        Figure(
            metric="cli_crop_cost", value=auto, unit="s", floor=whole,
            floor_label="the same CLI edit with --context whole",
            target="reported", passed=None,
            notes=f"CLI --context auto: crop planned, sent, placed back, -full files written "
                  f"(+{(auto - whole) * 1000:.0f} ms per edit; range {spread['auto']} s); "
                  f"{outputs['auto']} outputs written",
        ),
    ]
