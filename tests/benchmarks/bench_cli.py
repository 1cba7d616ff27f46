"""cli_vs_sdk: the same edit sent by `maskedit-cli` and by the official `openai` package.

Both are whole processes (start, import, read, send, receive, write) against the same loopback
fake, alternating runs so that machine noise hits both alike; the figure is the ratio of medians.
The edit: two 2048×1536 images + a mask, n=2.
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
        (root / "cli-out").mkdir()
        (root / "sdk-out").mkdir()
        env = dict(os.environ, MASKEDIT_API_KEY=server.api_key)
        cli_cmd = [cli, "edit", str(first), str(second), "--mask", str(mask), "--prompt", PROMPT,
                   "-n", "2", "--size", "1024x1024", "--provider", "custom", "--base-url",
                   server.base_url, "--model", "gpt-image-1", "--out", str(root / "cli-out")]
        sdk_cmd = [sys.executable, str(sdk_script), server.base_url, server.api_key, str(first),
                   str(second), str(mask), str(root / "sdk-out"), PROMPT]
        _run(cli_cmd, env)  # warm the OS file cache for both before timing
        _run(sdk_cmd, env)
        cli_times, sdk_times = [], []
        for _ in range(RUNS):
            cli_times.append(_run(cli_cmd, env))
            sdk_times.append(_run(sdk_cmd, env))
        outputs = len(list((root / "cli-out").glob("*.png")))
    cli_median, sdk_median = median(cli_times), median(sdk_times)
    return [
        Figure(
            metric="cli_vs_sdk",
            value=cli_median,
            unit="s",
            floor=sdk_median,
            floor_label="openai SDK client.images.edit, same edit, same fake",
            target="ratio <= 1.0",
            passed=cli_median <= sdk_median,
            notes=f"median of {RUNS} alternating runs; {outputs} CLI outputs written",
        )
    ]
