"""Why the window cannot open, in one paragraph that says what to install.

The most common first-run failure of a Qt 6 program on Linux is a system
library the xcb (X11) platform plugin needs and a fresh desktop lacks
(libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1...). Qt then prints a few
lines, one of them naming a library that may not even be the missing one,
and aborts. `explain_platform_failure` turns what Qt said, plus what `ldd`
finds missing in the plugin itself, into one paragraph naming the apt and
dnf packages; `explain_import_error` does the same when PySide6's own
libraries cannot load. No Qt is imported here: the caller passes Qt's
messages in (explorer.ui.app captures them while the QApplication is made).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["LIBRARY_PACKAGES", "missing_libraries", "install_advice", "explain_platform_failure",
           "explain_import_error"]

# Shared library -> (Debian/Ubuntu package, Fedora/RHEL package).
LIBRARY_PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb"),
    "libxcb-glx.so.0": ("libxcb-glx0", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libSM.so.6": ("libsm6", "libSM"),
    "libICE.so.6": ("libice6", "libICE"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libGLX.so.0": ("libglx0", "libglvnd-glx"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libwayland-client.so.0": ("libwayland-client0", "libwayland-client"),
    "libwayland-cursor.so.0": ("libwayland-cursor0", "libwayland-cursor"),
    "libwayland-egl.so.1": ("libwayland-egl1", "libwayland-egl"),
}
# Qt 6.5+ says "xcb-cursor0 or libxcb-cursor0 is needed" whenever the xcb
# plugin fails to load, even when that library is present and another is
# missing; ldd on the plugin tells which really are.
_CURSOR_HINT = "libxcb-cursor0 is needed"
_NO_DISPLAY = "could not connect to display"
_NOT_FOUND = re.compile(r'Could not find the Qt platform plugin "([^"]*)"')
_NOT_LOADED = re.compile(r'Could not load the Qt platform plugin "([^"]*)"')
_AVAILABLE = re.compile(r"Available platform plugins are: ([^\n]*)")
_LIBRARY = re.compile(r"(lib[\w.+-]+\.so(?:\.\d+)*)")
_HEADLESS = ("To train without a window, use `autoencoder-explorer train ARCH`; to run the window "
             "without a screen, set QT_QPA_PLATFORM=offscreen.")


def missing_libraries(library: str | os.PathLike[str]) -> list[str]:
    """The shared libraries `library` needs that the system lacks (Linux, by `ldd`).

    Empty when nothing is missing or when it cannot be told (no ldd: macOS,
    Windows, musl without it).
    """
    ldd = shutil.which("ldd")
    if ldd is None or not Path(library).is_file():
        return []
    try:
        out = subprocess.run([ldd, os.fspath(library)], capture_output=True, text=True,
                             timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    missing: list[str] = []
    for line in out.splitlines():
        name, _, where = line.strip().partition("=>")
        if "not found" in where and name.strip() not in missing:
            missing.append(name.strip())
    return missing


def install_advice(libraries: Sequence[str]) -> str:
    """"install them with `sudo apt install ...` (Debian, Ubuntu) or `sudo dnf install ...`"."""
    apt: list[str] = []
    dnf: list[str] = []
    unknown: list[str] = []
    for lib in libraries:
        if lib in LIBRARY_PACKAGES:
            deb, rpm = LIBRARY_PACKAGES[lib]
            apt += [deb] if deb not in apt else []
            dnf += [rpm] if rpm not in dnf else []
        else:
            unknown.append(lib)
    parts = []
    if apt:
        parts.append(f"install them with `sudo apt install {' '.join(apt)}` (Debian, Ubuntu) or "
                     f"`sudo dnf install {' '.join(dnf)}` (Fedora, RHEL)")
    for lib in unknown:
        parts.append(f"install the package that provides {lib} (`apt-file search {lib}` or "
                     f"`dnf provides '*/{lib}'` finds it)")
    return "; ".join(parts)


def _plugin_file(plugins_dir: str | os.PathLike[str] | None, name: str) -> Path | None:
    if not plugins_dir:
        return None
    folder = Path(plugins_dir) / "platforms"
    for candidate in sorted(folder.glob(f"*q{name}.*")):
        return candidate
    return None


def explain_platform_failure(messages: Sequence[str], plugins_dir: str | os.PathLike[str] | None = None,
                             env: Mapping[str, str] | None = None,
                             missing: Sequence[str] | None = None) -> str:
    """One paragraph on why Qt could not start its platform plugin, and what to do.

    `messages` are Qt's own messages from the failed start; `plugins_dir` is
    Qt's plugins folder (for `ldd` on the plugin); `missing` overrides what
    ldd would find (tests).
    """
    env = os.environ if env is None else env
    text = "\n".join(messages)
    available = _AVAILABLE.search(text)
    choices = available.group(1).strip().rstrip(".") if available else ""
    start = "Autoencoder Explorer cannot open its window: "
    unknown = _NOT_FOUND.search(text)
    if unknown and not _NOT_LOADED.search(text):
        name = unknown.group(1)
        return (f"{start}Qt has no platform plugin named \"{name}\" (QT_QPA_PLATFORM="
                f"{env.get('QT_QPA_PLATFORM', name)}). Unset QT_QPA_PLATFORM to let Qt choose, or set "
                f"it to one of those installed: {choices or 'see the Qt documentation'}.")
    failed = _NOT_LOADED.search(text)
    name = failed.group(1) if failed else env.get("QT_QPA_PLATFORM", "") or "default"
    if missing is None:
        plugin = _plugin_file(plugins_dir, name)
        missing = missing_libraries(plugin) if plugin else []
    missing = list(missing)
    if not missing and _CURSOR_HINT in text and name == "xcb":
        missing = ["libxcb-cursor.so.0"]
    if missing:
        return (f"{start}Qt's \"{name}\" platform plugin needs system libraries that are not "
                f"installed: {', '.join(missing)}. To fix it, {install_advice(missing)}, then "
                f"start the program again. {_HEADLESS}")
    if name == "xcb" and (_NO_DISPLAY in text or not env.get("DISPLAY")):
        display = env.get("DISPLAY")
        where = f"the X display {display!r}" if display else "an X display (DISPLAY is not set)"
        return (f"{start}Qt could not connect to {where}. Start it from a desktop session, or "
                f"over ssh with `ssh -X`. {_HEADLESS}")
    if name.startswith("wayland") and not env.get("WAYLAND_DISPLAY"):
        return (f"{start}Qt could not connect to a Wayland display (WAYLAND_DISPLAY is not set). "
                f"Start it from a desktop session, or set QT_QPA_PLATFORM=xcb on an X11 desktop. "
                f"{_HEADLESS}")
    said = " ".join(line.strip() for line in messages if line.strip()).split("Available")[0]
    return (f"{start}Qt could not start its \"{name}\" platform plugin ({said.strip()}). "
            "Reinstall PySide6 (`python -m pip install --force-reinstall PySide6-Essentials`); "
            f"on Linux, `QT_DEBUG_PLUGINS=1` shows which library is missing. {_HEADLESS}")


def explain_import_error(exc: BaseException) -> str:
    """One paragraph for a PySide6 import that failed, e.g. on a missing libEGL.so.1."""
    text = str(exc)
    lib = _LIBRARY.search(text)
    start = "Autoencoder Explorer cannot open its window: "
    if lib and ("cannot open shared object" in text or "not found" in text):
        name = lib.group(1)
        advice = install_advice([name])
        return (f"{start}Qt needs the system library {name}, which is not installed. To fix it, "
                f"{advice}, then start the program again. {_HEADLESS}")
    return (f"{start}PySide6 (Qt for Python) could not be imported ({text}). Reinstall it with "
            f"`{Path(sys.executable).name} -m pip install --force-reinstall PySide6-Essentials`. "
            f"{_HEADLESS}")
