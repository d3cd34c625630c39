"""A monkey test: hundreds of seeded random actions on a real main window.

Clicks on every enabled button, slider and spin moves, architecture and
combo changes, tab switches, mouse clicks and moves on the plots, menu
actions, every feature's demo keys, presentation mode and its scales, the
model dock shown and hidden, tab stepping, dataset switches, short training
runs started, paused and stopped, window resizes. Each seed first tours the
window: every tab (the Sweep tab too, a sweep being opened) and every menu
action once, so no action is left to chance. Dialogs are replaced by ones
that answer at random: cancel, a good file or a bad one. It fails on

* any exception raised in a Qt slot or virtual method (pytest-qt's capture,
  left on), reaching sys.excepthook or threading.excepthook, or in a
  model-thread job (type names in error messages and in the worker's
  failure log: a deliberate bad file gives a StoreError, never a
  TypeError); a critical or fatal Qt message;
* a hang: faulthandler dumps every thread's stack and ends the run;
* an inconsistent end state: a run still going, buttons in the wrong state,
  a thread left running, a file of the trained/ folder changed.

EXPLORER_MONKEY_SEEDS="1,2,3" and EXPLORER_MONKEY_ACTIONS=300 set the size.
"""

from __future__ import annotations

import faulthandler
import hashlib
import logging
import os
import random
import re
import shutil
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QObject, QPoint, Qt, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QMessageBox,
    QSpinBox,
    QToolButton,
    QWidget,
)

from explorer.core import store
from explorer.services import workers
from explorer.services.features import FeatureView
from explorer.ui.main_window import MainWindow

SEEDS = [int(s) for s in os.environ.get("EXPLORER_MONKEY_SEEDS", "1,2,3").split(",") if s]
ACTIONS = int(os.environ.get("EXPLORER_MONKEY_ACTIONS", "300"))
# The whole test, per seed: a hang ends the run with every thread's stack.
HANG_S = float(os.environ.get("EXPLORER_MONKEY_HANG_S", "600"))
TIMEOUT = 60000
TRAINED = Path(__file__).resolve().parents[2] / "trained"
# Exception types that only a bug raises. A deliberate bad action gives a
# StoreError, a DatasetError or a plain message.
UNEXPECTED = re.compile(r"\b(AttributeError|TypeError|KeyError|IndexError|NameError|"
                        r"UnboundLocalError|AssertionError|ZeroDivisionError|RecursionError|"
                        r"NotImplementedError|OverflowError|FloatingPointError|"
                        r"Internal C\+\+ object)\b")
# Buttons the monkey leaves alone: Qt's menu-bar overflow button pops a menu
# up with a modal loop of its own (as do tool buttons with menus, skipped too).
SKIPPED_BUTTONS = {"qt_menubar_ext_button"}
SKIPPED_ACTIONS = re.compile(r"quit|download", re.IGNORECASE)


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file()}


class Monkey:
    """Random actions on `window`, all drawn from one seeded generator."""

    def __init__(self, window: MainWindow, qtbot, rng: random.Random, files: dict[str, Path]):
        self.window, self.qtbot, self.rng, self.files = window, qtbot, rng, files
        self.session = window.session
        self.done: list[str] = []
        self.slowest = (0.0, "")
        self.trainings = 0
        self.kinds = [  # (weight, action)
            (30, self.click_button), (6, self.move_slider), (4, self.change_architecture),
            (6, self.change_spin), (3, self.change_k), (5, self.change_combo),
            (6, self.switch_tab),
            (6, self.train), (4, self.stop_or_pause), (3, self.resize),
            (4, self.click_plot), (3, self.hover_plot), (2, self.drag_centroid),
            (4, self.trigger_action), (2, self.switch_dataset), (2, self.toggle_check),
            (3, self.wait_a_while), (5, self.demo_action), (2, self.toggle_presentation),
            (1, self.choose_scale), (2, self.toggle_dock), (2, self.step_tabs),
        ]
        self.triggered: set[str] = set()  # objectNames of the window actions fired
        self.tabs_seen: set[str] = set()
        self.toured: set[str] = set()  # the actions the tour came to (fired if enabled)

    # ------------------------------------------------------------ driver
    def run(self, n: int) -> None:
        weights = [w for w, _ in self.kinds]
        for i in range(n):
            action = self.rng.choices([a for _, a in self.kinds], weights)[0]
            t0 = time.perf_counter()
            what = action() or action.__name__
            self.done.append(f"{i}: {what}")
            self.qtbot.wait(self.rng.choice((0, 5, 10, 20, 40)))
            spent = time.perf_counter() - t0
            if spent > self.slowest[0]:
                self.slowest = (spent, what)
            self.keep_runs_short()

    def keep_runs_short(self) -> None:
        """An architecture switch presets 50-100 epochs: keep every run to 1-2."""
        panel = self.window.model_panel
        panel.train_limit = (200, 50)
        if panel.epochs_spin.value() > 2 and panel.epochs_spin.isEnabled():
            panel.epochs_spin.setValue(self.rng.choice((1, 2)))

    def _pick(self, widgets):
        widgets = [w for w in widgets if w.isEnabled() and w.objectName() not in SKIPPED_BUTTONS
                   and not (isinstance(w, QToolButton) and w.menu() is not None)]
        return self.rng.choice(widgets) if widgets else None

    # ------------------------------------------------------------ actions
    def click_button(self) -> str:
        button = self._pick(self.window.findChildren(QAbstractButton))
        if button is None:
            return "no enabled button"
        name = button.objectName() or button.text() or type(button).__name__
        button.click()
        return f"click {name}"

    def move_slider(self) -> str:
        slider = self._pick(self.window.findChildren(QAbstractSlider))
        if slider is None:
            return "no slider"
        value = self.rng.randint(slider.minimum(), slider.maximum())
        slider.setValue(value)
        return f"slide {slider.objectName() or type(slider).__name__} to {value}"

    def change_architecture(self) -> str:
        combo = self.window.model_panel.architecture_combo
        if not combo.isEnabled():
            return "architecture combo disabled"
        index = self.rng.randrange(combo.count())
        combo.setCurrentIndex(index)
        return f"architecture {combo.itemData(index)}"

    def change_spin(self) -> str:
        spin = self._pick(s for s in self.window.findChildren(QAbstractSpinBox)
                          if isinstance(s, (QSpinBox, QDoubleSpinBox)))
        if spin is None:
            return "no spin box"
        name = spin.objectName()
        if name == "learning_rate_spin":
            value = self.rng.choice((1e-4, 1e-3, 1e-2, 1.0, 1e38))  # 1e38: a diverging run
        elif name == "batch_size_spin":
            value = self.rng.choice((1, 8, 32, 128, 256, 8192))
        elif name == "kmeans_points_spin":
            value = self.rng.choice((1, 2, 5, 50, spin.maximum()))
        elif isinstance(spin, QSpinBox):
            value = self.rng.randint(spin.minimum(), min(spin.maximum(), spin.minimum() + 30))
        else:
            value = self.rng.uniform(spin.minimum(), min(spin.maximum(), spin.minimum() + 2))
        if self.rng.random() < 0.2:
            spin.stepBy(self.rng.choice((-3, -1, 1, 3)))  # the arrows, as a click would
            return f"step {name}"
        spin.setValue(value)
        return f"{name} = {value}"

    def change_k(self) -> str:
        spin = self.window.kmeans_panel.k_spin
        if not spin.isEnabled():
            return "K spin disabled (placing centroids by hand)"
        k = self.rng.choice((1, 2, 3, 10, 20, self.rng.randint(1, 20)))
        spin.setValue(k)
        return f"K = {k}"

    def change_combo(self) -> str:
        combo = self._pick(c for c in self.window.findChildren(QComboBox)
                           if c.objectName() != "architecture_combo")
        if combo is None or combo.count() == 0:
            return "no combo"
        index = self.rng.randrange(combo.count())
        combo.setCurrentIndex(index)
        return f"{combo.objectName()} = {combo.itemText(index)}"

    def switch_tab(self) -> str:
        tabs = self.window.tabs
        index = self.rng.randrange(tabs.count())
        tabs.setCurrentIndex(index)
        self.tabs_seen.add(tabs.tabText(index))
        return f"tab {tabs.tabText(index)}"

    def train(self) -> str:
        panel = self.window.model_panel
        if not panel.train_button.isEnabled():
            return "train button disabled"
        self.keep_runs_short()
        panel.continue_check.setChecked(self.rng.random() < 0.5)
        panel.train_button.click()
        self.trainings += 1
        return f"train {self.session.arch_id}"

    def stop_or_pause(self) -> str:
        panel = self.window.model_panel
        button = self.rng.choice((panel.stop_button, panel.pause_button, panel.pause_button))
        if not button.isEnabled():
            return f"{button.objectName()} disabled"
        button.click()
        return f"click {button.objectName()}"

    def resize(self) -> str:
        w, h = self.rng.randint(500, 1700), self.rng.randint(350, 1100)
        self.window.resize(w, h)
        return f"resize {w}x{h}"

    def _plot_views(self) -> list[QWidget]:
        views = [w for w in self.window.findChildren(QWidget)
                 if hasattr(w, "viewport") and hasattr(w, "scene") and w.isVisible()]
        views += [w for w in self.window.findChildren(QWidget)
                  if type(w).__name__ == "DigitGrid" and w.isVisible()]
        return views

    def click_plot(self) -> str:
        views = self._plot_views()
        if not views:
            return "no plot on screen"
        view = self.rng.choice(views)
        target = view.viewport() if hasattr(view, "viewport") else view
        pos = QPoint(self.rng.randrange(max(1, target.width())),
                     self.rng.randrange(max(1, target.height())))
        button = self.rng.choice((Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton,
                                  Qt.MouseButton.RightButton))
        if button == Qt.MouseButton.RightButton and view.objectName() != "kmeans_plot":
            button = Qt.MouseButton.LeftButton  # pyqtgraph's context menus are modal
        self.qtbot.mouseClick(target, button, pos=pos)
        return f"click {view.objectName() or type(view).__name__} at {pos.x()},{pos.y()}"

    def hover_plot(self) -> str:
        views = self._plot_views()
        if not views:
            return "no plot on screen"
        view = self.rng.choice(views)
        target = view.viewport() if hasattr(view, "viewport") else view
        for _ in range(3):
            self.qtbot.mouseMove(target, QPoint(self.rng.randrange(max(1, target.width())),
                                                self.rng.randrange(max(1, target.height()))))
        return f"hover {view.objectName() or type(view).__name__}"

    def drag_centroid(self) -> str:
        panel = self.window.kmeans_panel
        st = panel.stepper
        if st is None or not panel.plot.centroid_item.draggable:
            return "no centroid to drag"
        j = self.rng.randrange(st.k)
        (x0, x1), (y0, y1) = panel.plot.getViewBox().viewRange()
        for _ in range(3):  # what CentroidItem emits while a drag moves, then at its end
            x, y = self.rng.uniform(x0, x1), self.rng.uniform(y0, y1)
            panel.plot.centroid_dragged.emit(j, x, y)
        panel.plot.centroid_moved.emit(j, x, y)
        return f"drag centroid {j}"

    def _user_actions(self) -> list:
        """What a user can reach: the menu bar's entries and the window's keys
        (not pyqtgraph's context-menu actions, which need the right-click first)."""
        found, menus = list(self.window.actions()), [self.window.menuBar()]
        while menus:
            for action in menus.pop().actions():
                if action.menu() is not None:
                    menus.append(action.menu())
                else:
                    found.append(action)
        return found

    def trigger_action(self) -> str:
        actions = [a for a in self._user_actions()
                   if a.isEnabled() and not a.isSeparator()
                   and not SKIPPED_ACTIONS.search(f"{a.objectName()} {a.text()}")]
        if not actions:
            return "no action"
        action = self.rng.choice(actions)
        return self._fire(action)

    def _fire(self, action) -> str:
        action.trigger()
        self.triggered.add(action.objectName() or action.text())
        self.tabs_seen.add(self.window.tabs.tabText(self.window.tabs.currentIndex()))
        return f"action {action.objectName() or action.text()}"

    def _window_action(self, name: str):
        return next((a for a in self._user_actions() if a.objectName() == name), None)

    def demo_action(self) -> str:
        """A feature's demo key, as a lecturer presses it (the menus hold each one)."""
        demos = [d for f in self.window.features if isinstance(f, FeatureView)
                 for d in f.demo_actions()]
        action = self._window_action(self.rng.choice(demos).name)
        if action is None or not action.isEnabled():
            return "demo action disabled"
        return self._fire(action)

    def toggle_presentation(self) -> str:
        return self._fire(self.window.presentation_action)

    def choose_scale(self) -> str:
        action = self.rng.choice(self.window.scale_actions.actions())
        action.trigger()
        return f"presentation scale {action.text()}"

    def toggle_dock(self) -> str:
        return self._fire(self.window.toggle_dock_action)

    def step_tabs(self) -> str:
        action = self.rng.choice((self.window.next_tab_action, self.window.previous_tab_action))
        return self._fire(action)

    def tour(self) -> None:
        """Every tab once, then every menu action once (Quit and downloads aside)."""
        tabs = self.window.tabs
        for index in range(tabs.count()):
            tabs.setCurrentIndex(index)
            self.tabs_seen.add(tabs.tabText(index))
            self.qtbot.wait(20)
            self.done.append(f"tour: tab {tabs.tabText(index)}")
        for action in self._user_actions():
            if action.isSeparator() or SKIPPED_ACTIONS.search(f"{action.objectName()} {action.text()}"):
                continue
            self.keep_runs_short()
            self.toured.add(action.objectName() or action.text())
            if action.isEnabled():
                self.done.append(f"tour: {self._fire(action)}")
            self.qtbot.wait(10)
        if self.window.presentation.is_active:
            self.window.presentation_action.setChecked(False)

    def switch_dataset(self) -> str:
        kind = self.rng.choice(("good", "bad", "original"))
        if kind == "original":
            dataset = self.files["original"]
            if self.session.is_training:
                return "dataset switch refused while training"
            self.session.set_dataset(dataset)
            return "dataset: the original"
        opener = getattr(getattr(self.window, "dataset_actions", None), "open_dataset", None)
        path = str(self.files["good_npz" if kind == "good" else "bad_npz"])
        if opener is not None:
            opener(path)
        else:  # the File menu is not there yet: what it would do
            from explorer.core.data import DatasetError, load_dataset
            try:
                dataset = load_dataset(path)
            except DatasetError as exc:
                self.window.show_error(str(exc))
            else:
                if not self.session.is_training:
                    self.session.set_dataset(dataset)
        return f"open {kind} dataset"

    def toggle_check(self) -> str:
        from PySide6.QtWidgets import QCheckBox

        box = self._pick(self.window.findChildren(QCheckBox))
        if box is None:
            return "no check box"
        box.toggle()
        return f"toggle {box.objectName()}"

    def wait_a_while(self) -> str:
        ms = self.rng.choice((100, 300, 600))
        self.qtbot.wait(ms)
        return f"wait {ms} ms"


# --------------------------------------------------------------- dialogs
def answers(rng: random.Random, files: dict[str, Path]):
    """What each patched dialog answers: cancel, or a good or a bad choice."""
    arch_files = sorted((files["trained"]).glob("*.weights.h5"))

    def weights_file(*_a, **_k) -> str:
        return str(rng.choice(["", "", files["garbage_weights"], *arch_files]))

    def save_folder(*_a, **_k) -> str:
        return str(rng.choice(["", files["saves"], files["blocker"], files["trained"]]))

    def png_path(*_a, **_k):
        return rng.choice([None, str(files["saves"] / "view.png"),
                           str(files["blocker"] / "view.png")])

    return {"_ask_weights_file": weights_file, "_ask_save_folder": save_folder,
            "_confirm_overwrite": lambda *_a, **_k: False,  # never overwrite: nothing lost
            "_ask_png_path": png_path, "_ask_path": png_path,
            "_ask_unsaved_weights": lambda *_a, **_k: rng.choice(["save", "discard", "cancel"]),
            "_ask_unsaved_folder": lambda *_a, **_k: rng.choice([None, str(files["saves"])]),
            "_ask_dataset_path": lambda *_a, **_k: rng.choice(
                [None, str(files["bad_npz"]), str(files["good_npz"])]),
            "_ask_sweep_folder": lambda *_a, **_k: rng.choice(
                [None, str(files["sweep"]), str(files["saves"])]),
            "_ask_recover": lambda *_a, **_k: "later"}


def patch_dialogs(monkeypatch, window: MainWindow, rng: random.Random,
                  files: dict[str, Path]) -> None:
    """No modal dialog may open: each would stall the test (and a live demo)."""
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: ("", ""))
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([], ""))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: ("", ""))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: "")
    for name in ("question", "warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, name,
                            lambda *a, **k: QMessageBox.StandardButton.Cancel)
    monkeypatch.setattr(QMessageBox, "about", lambda *a, **k: None)
    monkeypatch.setattr(QMessageBox, "aboutQt", lambda *a, **k: None)
    monkeypatch.setattr(QMessageBox, "exec", lambda self: QMessageBox.StandardButton.Cancel)
    monkeypatch.setattr(QDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    replies = answers(rng, files)
    owners = [window, *window.findChildren(QObject)]
    owners += [getattr(window, n) for n in ("dataset_actions", "exporter") if hasattr(window, n)]
    patched = set()
    for owner in owners:
        if not type(owner).__module__.startswith("explorer."):
            continue
        for name in dir(type(owner)):
            if name.startswith(("_ask_", "_confirm_")):
                reply = replies.get(name, lambda *_a, **_k: None)
                monkeypatch.setattr(owner, name, reply)
                patched.add(f"{type(owner).__name__}.{name}")
    assert "ModelPanel._ask_weights_file" in patched and "ModelPanel._ask_save_folder" in patched


# ------------------------------------------------------------------ test
@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory) -> Path:
    """A small sweep (four one-epoch trials) for the Sweep tab: written once."""
    from sweep_folders import write_small_sweep

    return write_small_sweep(tmp_path_factory.mktemp("sweep"))


@pytest.fixture
def files(tmp_path, embedded, sweep_folder) -> dict[str, Path]:
    trained = tmp_path / "trained"
    shutil.copytree(TRAINED, trained)
    saves = tmp_path / "saves"
    saves.mkdir()
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be")
    garbage = tmp_path / "garbage.weights.h5"
    garbage.write_bytes(b"not HDF5" * 64)
    good = tmp_path / "small.npz"
    small = embedded.subset(150, 60)
    np.savez(good, x_train=(small.x_train * 255).round().astype(np.uint8),
             y_train=small.y_train, x_test=(small.x_test * 255).round().astype(np.uint8),
             y_test=small.y_test)
    bad = tmp_path / "bad.npz"
    bad.write_bytes(good.read_bytes()[:3000])
    return {"trained": trained, "saves": saves, "blocker": blocker, "garbage_weights": garbage,
            "good_npz": good, "bad_npz": bad, "original": embedded.subset(300, 100),
            "sweep": sweep_folder}


@pytest.mark.parametrize("seed", SEEDS)
def test_monkey(qtbot, monkeypatch, caplog, capsys, files, seed):
    # The dump goes to the real terminal: the run ends with os._exit, and
    # pytest's captured output would be lost with it.
    with capsys.disabled():
        terminal = os.dup(sys.stderr.fileno())
    faulthandler.dump_traceback_later(HANG_S, exit=True, file=terminal)
    try:
        _monkey(qtbot, monkeypatch, caplog, files, seed)
    finally:
        faulthandler.cancel_dump_traceback_later()
        os.close(terminal)


def _crash_recorders(monkeypatch) -> tuple[list[str], object]:
    """Record what reaches sys.excepthook, threading.excepthook and Qt's critical
    and fatal messages (each passed on to the hook before it, pytest-qt's among
    them). Returns the list and the Qt handler to put back."""
    crashes: list[str] = []
    python_hook, thread_hook = sys.excepthook, threading.excepthook

    def on_exception(kind, value, tb):
        crashes.append(f"{kind.__name__}: {value}")
        python_hook(kind, value, tb)

    def on_thread_exception(args):
        crashes.append(f"in thread {args.thread}: {args.exc_type.__name__}: {args.exc_value}")
        thread_hook(args)

    monkeypatch.setattr(sys, "excepthook", on_exception)
    monkeypatch.setattr(threading, "excepthook", on_thread_exception)
    qt_handler = None

    def on_qt_message(kind, context, message):
        if kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
            crashes.append(f"Qt {kind.name}: {message}")
        if qt_handler is not None:
            qt_handler(kind, context, message)

    qt_handler = qInstallMessageHandler(on_qt_message)
    return crashes, qt_handler


def _monkey(qtbot, monkeypatch, caplog, files, seed) -> None:
    crashes, qt_handler = _crash_recorders(monkeypatch)
    try:
        _drive(qtbot, monkeypatch, caplog, files, seed, crashes)
    finally:
        qInstallMessageHandler(qt_handler)


def _drive(qtbot, monkeypatch, caplog, files, seed, crashes: list[str]) -> None:
    caplog.set_level(logging.WARNING)
    repo_before = _digest(TRAINED)
    trained_before = _digest(files["trained"])
    rng = random.Random(seed)
    checkpoints = files["saves"].parent / "checkpoints"
    window = MainWindow(dataset=files["original"], trained_dir=files["trained"],
                        arch_id=rng.choice(("simple", "conv")), start=False,
                        recovery_folder=checkpoints)
    qtbot.addWidget(window)
    session = window.session
    errors: list[str] = []
    session.error_raised.connect(errors.append)
    patch_dialogs(monkeypatch, window, rng, files)
    window.show()
    monkey = Monkey(window, qtbot, rng, files)
    # The first actions land while TensorFlow is still loading, as in a real start.
    monkey.run(10)
    qtbot.waitUntil(lambda: session.is_ready, timeout=TIMEOUT)
    window.open_sweep(str(files["sweep"]))  # the Sweep tab joins the tabs
    qtbot.waitUntil(lambda: window.tabs.indexOf(window.sweeps_panel) >= 0, timeout=TIMEOUT)
    monkey.tour()
    monkey.run(ACTIONS - 10)

    # ---- the end state: idle, consistent, nothing lost
    panel = window.model_panel
    if session.is_training:
        with qtbot.waitSignal(session.training_ended, timeout=TIMEOUT):
            session.resume_training()
            panel.stop_button.click()
    qtbot.waitUntil(lambda: not session.is_busy, timeout=TIMEOUT)
    probe = []
    session.submit("monkey-probe", lambda s, m, d: m.arch_id, probe.append)
    qtbot.waitUntil(lambda: bool(probe), timeout=TIMEOUT)
    assert probe == [session.arch_id]
    assert panel.architecture_combo.currentData() == session.arch_id
    assert panel.train_button.isEnabled() and panel.architecture_combo.isEnabled()
    assert not panel.stop_button.isEnabled() and not panel.pause_button.isEnabled()
    assert panel.pause_button.text() == "Pause"
    assert window.training_panel.status_label.text() not in ("training", "paused")
    recon = window.recon_panel
    qtbot.waitUntil(lambda: recon.current_view is not None
                    and recon.current_view.arch_id == session.arch_id, timeout=TIMEOUT)
    kmeans = window.kmeans_panel
    kmeans.stop_animation()
    if kmeans.stepper is not None and not kmeans.placing:
        assert kmeans.stepper.k == kmeans.k_spin.value()
    if kmeans.points is not None:
        assert kmeans.points.n <= session.dataset.n_test
    running = workers.running_threads()
    assert [t.objectName() for t in running] == ["model-worker"], running

    unexpected = [m for m in errors if UNEXPECTED.search(m)]
    failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    # Only the exception line of a logged traceback: frames quote code, and
    # code mentions TypeError in its except clauses.
    unexpected += [m for m in failures
                   if UNEXPECTED.search(m.strip().splitlines()[-1] if m.strip() else "")]
    log = "\n".join(monkey.done[-40:])
    assert unexpected == [], f"seed {seed}: {unexpected}\nlast actions:\n{log}"
    assert crashes == [], f"seed {seed}: {crashes}\nlast actions:\n{log}"
    # Every tab (Latent space and Sweep among them) and every demo key was come to.
    titles = {window.tabs.tabText(i) for i in range(window.tabs.count())}
    assert {"Latent space", "Sweep"} <= titles and titles <= monkey.tabs_seen
    demos = {d.name for f in window.features for d in f.demo_actions()}
    assert demos and demos <= monkey.toured, demos - monkey.toured
    assert {"presentation_action", "toggle_dock_action", "next_tab_action",
            "previous_tab_action"} <= monkey.triggered
    # The save dialog may be answered with this folder: a new file there (a code-size
    # variant's, "simple-2.weights.h5") is the user's choice; a changed one is a loss.
    trained_after = _digest(files["trained"])
    assert {name: trained_after.get(name) for name in trained_before} == trained_before, \
        "a pre-trained file was overwritten or removed"
    assert _digest(TRAINED) == repo_before, "the repository's trained/ was written"
    saved = store.weights_path(session.arch_id, files["saves"])
    if saved.exists():
        assert saved.stat().st_size > 1000
    assert not [p for p in files["trained"].iterdir() if p.name.startswith(".")], \
        "temporary files left in trained/"
    # Every run ended (finished, stopped or failed): none left a recovery checkpoint.
    left = sorted(p.name for p in checkpoints.iterdir()) if checkpoints.exists() else []
    assert left == [], f"recovery checkpoints left: {left}"

    window.session.guard.ask = lambda *_a: "discard"  # the last close must go through
    window.close()
    assert not window.isVisible()
    assert session.shutdown(5000)
    assert workers.running_threads() == []
    n_clicks = sum(1 for d in monkey.done if d.split(": ", 1)[1].startswith("click "))
    print(f"\nmonkey seed {seed}: {len(monkey.done)} actions ({n_clicks} clicks, "
          f"{len(monkey.triggered)} distinct menu actions fired, "
          f"{monkey.trainings} trainings, {len(errors)} error messages, "
          f"{len(failures)} logged failures); slowest action {monkey.slowest[0]:.2f} s "
          f"({monkey.slowest[1]})", file=sys.stderr)
