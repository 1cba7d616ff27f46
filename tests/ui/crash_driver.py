"""Run as a process by test_crash_recovery: the window as the app builds it, a photo, a painted
mask, a prompt and one job against the loopback fake (its address in the environment). Prints
READY once the job's images and record are on disk, then keeps running until it is killed."""

from __future__ import annotations

import asyncio
import sys

import numpy as np
import qasync
from PySide6.QtWidgets import QApplication

from editor.app import configure_application, create_main_window

PROMPT = "a red bicycle leaning on the wall"


async def drive(window, loop_done: asyncio.Future) -> None:
    while window.busy() or not window.document.is_open():
        await asyncio.sleep(0.05)
    coverage = np.zeros_like(window.document.mask().array())
    coverage[60:160, 80:260] = 255
    window.document.mask().replace(coverage, "Paint")
    window.prompt_panel.editor.setPlainText(PROMPT)
    window.options_panel.variants.setValue(2)
    job_id = window.generation.generate()
    while not window.queue.job(job_id).state.finished or window.results.busy():
        await asyncio.sleep(0.05)
    while window.keeper.busy():
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    print("READY", window.queue.job(job_id).state.name, flush=True)
    await loop_done


def main() -> None:
    app = QApplication(sys.argv[:1])
    configure_application(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    window = create_main_window([sys.argv[1]], loop=loop)
    window.show()
    with loop:
        loop.run_until_complete(drive(window, loop.create_future()))


if __name__ == "__main__":
    main()
