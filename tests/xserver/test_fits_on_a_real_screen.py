"""The window fits real screens: Xvfb with a window manager (openbox), not offscreen.

The offscreen platform has no window manager: it let a window grow to 1,810
pixels on the K-means tab while the same size checks passed. Here each
screen size gets its own X server and openbox, and tests/fit.py runs the
real window on it (the xcb platform), in normal and in presentation mode,
comparing the window's frame with the screen and every control with the
window, on every tab. Needs xvfb, openbox and Qt's xcb libraries
(libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1); .ci/run installs them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SIZES = ("1024x640", "1280x720", "1920x1080")


def _free_display() -> int:
    n = 70
    while Path(f"/tmp/.X11-unix/X{n}").exists() or Path(f"/tmp/.X{n}-lock").exists():
        n += 1
    return n


@pytest.fixture(scope="module", params=SIZES)
def screen(request):
    if shutil.which("Xvfb") is None or shutil.which("openbox") is None:
        if os.environ.get("AUTOENCODER_EXPLORER_REQUIRE_X"):
            pytest.fail("Xvfb and openbox are needed: apt-get install xvfb openbox")
        pytest.skip("no Xvfb/openbox here (apt-get install xvfb openbox libxcb-cursor0 "
                    "libxcb-icccm4 libxcb-keysyms1); .ci/run installs them")
    display = f":{_free_display()}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", f"{request.param}x24",
                             "-nolisten", "tcp"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    env = dict(os.environ, DISPLAY=display)
    time.sleep(1.0)
    wm = subprocess.Popen(["openbox"], env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    yield request.param, env
    for p in (wm, xvfb):
        p.terminate()
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()


def _run(env, mode: str, tmp_path: Path) -> dict:
    out = tmp_path / f"{mode}.json"
    env = {k: v for k, v in env.items() if k != "QT_QPA_PLATFORM"}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run([sys.executable, str(ROOT / "tests" / "fit.py"), mode, str(out)],
                            env=env, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert out.exists(), f"no report (exit {result.returncode}):\n{result.stderr[-3000:]}"
    return json.loads(out.read_text())


@pytest.mark.parametrize("mode", ["normal", "presentation"])
def test_every_control_of_every_tab_is_on_the_screen(screen, mode, tmp_path):
    size, env = screen
    report = _run(env, mode, tmp_path)
    assert report["frame_inside_screen"], (size, mode, report["frame"], report["screen"])
    bad = {tab: p for tab, p in report["problems"].items() if p}
    assert bad == {}, (size, mode, bad)
    assert not report.get("dock_problems"), (size, mode, report.get("dock_problems"))
