"""The user data folder: where it is, the override for tests, and what happens when it cannot be made."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from explorer.core import package_data, userdata


def test_the_override_decides_and_folders_are_made_on_request(tmp_path, monkeypatch):
    monkeypatch.setenv(userdata.HOME_ENV, str(tmp_path / "mine"))
    assert userdata.data_dir() == tmp_path / "mine"
    assert not (tmp_path / "mine").exists(), "looking does not make folders"
    for sub, name in [(userdata.weights_dir, "weights"), (userdata.scenes_dir, "scenes"),
                      (userdata.lessons_dir, "lessons"), (userdata.checkpoints_dir, "checkpoints")]:
        assert sub(create=False) == tmp_path / "mine" / name and not sub(create=False).exists()
        assert sub().is_dir()
    assert userdata.settings_path() == tmp_path / "mine" / "settings.ini"


def test_the_override_expands_a_tilde(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv(userdata.HOME_ENV, "~/explorer-data")
    assert userdata.data_dir() == tmp_path / "explorer-data"


@pytest.mark.skipif(sys.platform == "win32", reason="Windows keeps it under %LOCALAPPDATA%")
def test_by_default_it_is_under_the_home_folder(tmp_path, monkeypatch):
    monkeypatch.delenv(userdata.HOME_ENV, raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    root = userdata.data_dir()
    assert root.name == userdata.APP_NAME
    assert root.is_relative_to(tmp_path)
    if sys.platform.startswith("linux"):
        assert root == tmp_path / ".local" / "share" / "AutoencoderExplorer"
    assert userdata.weights_dir().is_dir() and userdata.weights_dir().is_relative_to(root)


def test_a_folder_that_cannot_be_made_says_what_to_do(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(userdata.HOME_ENV, str(blocker / "data"))
    with pytest.raises(userdata.UserDataError) as info:
        userdata.weights_dir()
    message = str(info.value)
    assert str(blocker / "data" / "weights") in message and userdata.HOME_ENV in message


def test_in_a_checkout_the_shipped_files_are_the_top_level_folders():
    root = Path(__file__).resolve().parents[1]
    import explorer

    if not Path(explorer.__file__).resolve().is_relative_to(root):
        pytest.skip("explorer is imported from an installed copy, not this checkout")
    assert package_data.shipped_folder("resources") == root / "resources"
    assert package_data.shipped_folder("trained") == root / "trained"
    assert not package_data.is_inside_package(root / "trained" / "simple.weights.h5")
    assert package_data.is_inside_package(root / "explorer" / "_trained" / "x.weights.h5")
