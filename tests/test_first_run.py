"""A window that cannot open explains itself: one paragraph naming what to install, exit status 1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from explorer import first_run

ROOT = Path(__file__).resolve().parents[1]
AVAILABLE = ("This application failed to start because no Qt platform plugin could be initialized. "
             "Reinstalling the application may fix this problem.\n\nAvailable platform plugins are: "
             "minimal, offscreen, xcb, wayland.\n")
XCB_FAILED = ["From 6.5.0, xcb-cursor0 or libxcb-cursor0 is needed to load the Qt xcb platform plugin.",
              'Could not load the Qt platform plugin "xcb" in "" even though it was found.', AVAILABLE]


def test_missing_xcb_libraries_are_named_with_their_packages():
    text = first_run.explain_platform_failure(
        XCB_FAILED, env={"DISPLAY": ":0"}, missing=["libxcb-icccm.so.4", "libxcb-keysyms.so.1"])
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in text
    assert "sudo apt install libxcb-icccm4 libxcb-keysyms1" in text
    assert "sudo dnf install xcb-util-wm xcb-util-keysyms" in text
    assert "\n" not in text, "one paragraph"


def test_qts_own_cursor_hint_is_used_when_ldd_finds_nothing():
    text = first_run.explain_platform_failure(XCB_FAILED, env={"DISPLAY": ":0"}, missing=[])
    assert "sudo apt install libxcb-cursor0" in text and "xcb-util-cursor" in text


def test_no_display_and_no_wayland_compositor():
    no_display = ["could not connect to display ",
                  'Could not load the Qt platform plugin "xcb" in "" even though it was found.', AVAILABLE]
    text = first_run.explain_platform_failure(no_display, env={}, missing=[])
    assert "DISPLAY is not set" in text and "ssh -X" in text and "offscreen" in text
    wayland = ['Could not load the Qt platform plugin "wayland" in "" even though it was found.', AVAILABLE]
    text = first_run.explain_platform_failure(wayland, env={}, missing=[])
    assert "WAYLAND_DISPLAY is not set" in text


def test_an_unknown_platform_name_lists_the_real_ones():
    text = first_run.explain_platform_failure(
        ['Could not find the Qt platform plugin "nonsense" in ""', AVAILABLE],
        env={"QT_QPA_PLATFORM": "nonsense"})
    assert 'no platform plugin named "nonsense"' in text
    assert "minimal, offscreen, xcb, wayland" in text and "Unset QT_QPA_PLATFORM" in text


def test_a_missing_library_of_qt_itself():
    text = first_run.explain_import_error(ImportError(
        "libEGL.so.1: cannot open shared object file: No such file or directory"))
    assert "libEGL.so.1" in text and "sudo apt install libegl1" in text and "libglvnd-egl" in text
    text = first_run.explain_import_error(ImportError("libfoo.so.7: cannot open shared object file"))
    assert "apt-file search libfoo.so.7" in text


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ldd is Linux's")
def test_ldd_reports_what_a_library_lacks(tmp_path):
    import PySide6

    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqoffscreen.so"
    if not plugin.is_file():
        pytest.skip("this PySide6 has no offscreen plugin file")
    assert first_run.missing_libraries(plugin) == []  # it loads here, so nothing is missing
    assert first_run.missing_libraries(tmp_path / "absent.so") == []


def _start_window(**env_changes) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(env_changes)
    return subprocess.run([sys.executable, str(ROOT / "main.py")], capture_output=True, text=True,
                          timeout=120, cwd=ROOT, env=env)


def test_an_unknown_platform_plugin_ends_with_one_clear_paragraph_and_status_1():
    proc = _start_window(QT_QPA_PLATFORM="nonsense")
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    err = proc.stderr.strip()
    assert err.startswith("Autoencoder Explorer cannot open its window")
    assert len(err.splitlines()) == 1, err
    assert '"nonsense"' in err and "offscreen" in err
    assert "Traceback" not in err and "core dumped" not in err


def test_xcb_without_a_display_or_its_libraries_ends_with_status_1():
    """The issue's first run: libraries missing (named with apt and dnf packages), or no display."""
    proc = _start_window(QT_QPA_PLATFORM="xcb")
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    err = proc.stderr.strip()
    assert err.startswith("Autoencoder Explorer cannot open its window")
    assert len(err.splitlines()) == 1, err
    assert ("sudo apt install" in err and "sudo dnf install" in err) or "DISPLAY is not set" in err


def test_a_fatal_qt_message_while_tensorflow_loads_reaches_the_terminal():
    """Qt's fatal messages are never muted, not even in the seconds of the TensorFlow import."""
    script = (
        "import sys\n"
        "from explorer import cli\n"
        "from explorer.ui import app\n"
        "real = app._close_on_terminal_signals\n"
        "def hooked(qapp, window):\n"
        "    real(qapp, window)\n"
        "    from PySide6.QtCore import QTimer, qFatal\n"
        "    QTimer.singleShot(200, lambda: qFatal('fatal Qt message while TensorFlow loads'))\n"
        "app._close_on_terminal_signals = hooked\n"
        "sys.argv = ['autoencoder-explorer']\n"
        "sys.exit(cli.main())\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300, cwd=ROOT, env=env)
    assert proc.returncode != 0  # Qt aborts after a fatal message, as it should
    assert "fatal Qt message while TensorFlow loads" in proc.stderr
