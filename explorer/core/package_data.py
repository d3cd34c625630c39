"""Where the files that ship with the program are: the embedded MNIST sample and the weights.

In the repository they sit at the top level, in ``resources/`` and
``trained/`` (the layout is fixed). An installed wheel holds them inside the
package, as ``explorer/_resources`` and ``explorer/_trained`` (setup.py maps
them), where :mod:`importlib.resources` finds them whatever the install
location. A source checkout (an editable install, or the checkout on
``sys.path``) has no such folders inside the package, so there the top-level
folders beside the package are used.

Both are read-only as far as the program is concerned: what a user makes goes
to the user data folder (:mod:`explorer.core.userdata`).
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

__all__ = ["shipped_folder", "is_inside_package"]

_PACKAGE = "explorer"


def _package_root() -> Path:
    # pip unpacks wheels, so the package is a folder on disk: files() is a Path.
    root = importlib.resources.files(_PACKAGE)
    if not isinstance(root, Path):
        raise RuntimeError(f"the {_PACKAGE} package is not installed as files on disk ({root!r}); "
                           "reinstall it with pip")
    return root


def shipped_folder(name: str) -> Path:
    """The folder of shipped files `name` ("resources" or "trained").

    The installed copy inside the package when there is one, else the
    checkout's top-level folder; when neither exists, the installed path, so
    that messages about missing files name where they should have been.
    """
    root = _package_root()
    installed = root / f"_{name}"
    if installed.is_dir():
        return installed
    checkout = root.parent / name
    if checkout.is_dir() and (root.parent / "pyproject.toml").is_file():
        return checkout
    return installed


def is_inside_package(path: str | Path) -> bool:
    """True when `path` lies inside the installed package (never to be written to)."""
    try:
        Path(path).resolve().relative_to(_package_root().resolve())
    except ValueError:
        return False
    return True
