"""The user's own folder: weights they trained or saved, scenes, lessons, checkpoints, settings.

An installed program cannot write into its own folder (site-packages may be
read-only, and a reinstall would wipe it), so everything a user makes lives
in the platform's user data folder, found by platformdirs:

- Linux: ``~/.local/share/AutoencoderExplorer`` (or ``$XDG_DATA_HOME/...``)
- macOS: ``~/Library/Application Support/AutoencoderExplorer``
- Windows: ``%LOCALAPPDATA%\\AutoencoderExplorer``

``AUTOENCODER_EXPLORER_HOME`` points it elsewhere (tests, a USB stick, a
lab machine whose home folder is wiped). Paths are computed per call, never
at import, so they follow the environment as it is when they are used.
The ``*_dir`` functions create their folder unless told not to; reading code
passes ``create=False`` so that looking never makes folders.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

__all__ = ["APP_NAME", "HOME_ENV", "UserDataError", "data_dir", "weights_dir", "scenes_dir",
           "lessons_dir", "checkpoints_dir", "settings_path"]

APP_NAME = "AutoencoderExplorer"
HOME_ENV = "AUTOENCODER_EXPLORER_HOME"


class UserDataError(RuntimeError):
    """The user data folder cannot be made; the message says where and what to do."""


def data_dir(create: bool = False) -> Path:
    """The root of the user's own files."""
    override = os.environ.get(HOME_ENV, "").strip()
    if override:
        root = Path(override).expanduser()
    else:
        # appauthor=False: no "Author" level under %LOCALAPPDATA% on Windows.
        root = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    return _made(root) if create else root


def _made(folder: Path) -> Path:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserDataError(
            f"cannot create the folder for your own files, {folder}: {exc.strerror or exc}. "
            f"Make it writable, or set {HOME_ENV} to a folder you can write to.") from None
    return folder


def _sub(name: str, create: bool) -> Path:
    folder = data_dir() / name
    return _made(folder) if create else folder


def weights_dir(create: bool = True) -> Path:
    """Weights the user trained or saved (`<arch>.weights.h5` + `<arch>.json`)."""
    return _sub("weights", create)


def scenes_dir(create: bool = True) -> Path:
    """Saved scenes (what the window showed, to restore in a later lecture)."""
    return _sub("scenes", create)


def lessons_dir(create: bool = True) -> Path:
    """Lessons the user adds to the shipped ones."""
    return _sub("lessons", create)


def checkpoints_dir(create: bool = True) -> Path:
    """Recovery checkpoints of training runs (what a crash or a kill leaves)."""
    return _sub("checkpoints", create)


def settings_path(create: bool = True) -> Path:
    """The settings file (an INI file, e.g. for ``QSettings(path, QSettings.IniFormat)``)."""
    root = data_dir(create)
    return root / "settings.ini"
