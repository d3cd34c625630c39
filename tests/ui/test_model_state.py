"""The model dock's state (features/model/state.py) without widgets or TensorFlow.

The session is never started: nothing is built, so the rules are checked on
their own (presets, the TrainConfig, the enabling rules, the settings round
trip, the layer table's answers).
"""

from __future__ import annotations

import math

import pytest

from explorer.core import models, training
from explorer.features.model.hyperparameters import Hyperparameters
from explorer.features.model.state import (
    LOADING_TEXT,
    RETRAIN_HINT,
    STOPPING_HINT,
    Controls,
    LayerTable,
    ModelDock,
    controls_for,
    describe,
)


def recorded(signal) -> list:
    seen = []
    signal.connect(seen.append)
    return seen


@pytest.fixture
def dock(session) -> ModelDock:
    return ModelDock(session)


# ------------------------------------------------------ presets and the config
@pytest.mark.parametrize("arch_id", models.ARCH_IDS)
def test_each_architecture_brings_the_seeds_settings(arch_id):
    spec = models.spec(arch_id)
    hp = Hyperparameters.preset(arch_id)
    assert (hp.epochs, hp.batch_size, hp.noise) == (spec.epochs, spec.batch_size, spec.noise)
    assert (hp.optimizer, hp.learning_rate) == ("adam", models.DEFAULT_LEARNING_RATE["adam"])
    tuned = Hyperparameters.preset("simple", optimizer="adadelta").with_arch_preset(arch_id)
    assert (tuned.optimizer, tuned.learning_rate) == ("adadelta", 1.0)  # the optimizer stays
    assert tuned.epochs == spec.epochs


def test_an_optimizer_brings_its_learning_rate_only_when_it_changes():
    hp = Hyperparameters.preset("simple")
    assert hp.with_optimizer("adadelta").learning_rate == 1.0
    mine = Hyperparameters(50, 256, "adadelta", 0.3, 0.0)
    assert mine.with_optimizer("adadelta") is mine
    assert mine.with_optimizer("adam").learning_rate == 0.001


def test_settings_are_held_as_the_boxes_would_hold_them():
    hp = Hyperparameters(5000, 0, "adam", 0.123456789, 0.333).normalized()
    assert (hp.epochs, hp.batch_size) == (1000, 1)
    assert hp.learning_rate == 0.12346 and hp.noise == 0.33
    assert Hyperparameters(1, 10 ** 6, "adam", 1e39, 1.5).normalized() == \
        Hyperparameters(1, 8192, "adam", 1e38, 1.0)
    assert Hyperparameters(1, 1, "adam", 1e-7, -0.2).normalized().learning_rate == 1e-5
    with pytest.raises(ValueError, match="optimizer"):
        Hyperparameters(1, 1, "sgd", 0.1, 0.0).normalized()
    with pytest.raises(ValueError, match="numbers"):
        Hyperparameters(1, 1, "adam", math.nan, 0.0).normalized()


def test_the_config_is_what_the_dock_holds(session, dock):
    config = dock.current_config()
    assert config == training.TrainConfig("simple", 50, 256, "adam", 0.001, 0.0)
    changes = recorded(dock.hyperparameters_changed)
    dock.update_hyperparameters(optimizer="adadelta")
    dock.update_hyperparameters(epochs=7)
    dock.update_hyperparameters(epochs=7)  # no change: no signal
    dock.tensorboard_dir = "/tmp/logs/simple-1"
    config = dock.current_config()
    assert (config.epochs, config.optimizer, config.learning_rate) == (7, "adadelta", 1.0)
    assert config.tensorboard_dir == "/tmp/logs/simple-1"
    assert len(changes) == 2 and changes[-1] == dock.hyperparameters
    dock.update_hyperparameters(optimizer="adam", learning_rate=0.01)  # both given: both kept
    assert dock.current_config().learning_rate == 0.01
    config.validate()


# ------------------------------------------------------------ enabling rules
@pytest.mark.parametrize("ready, training_now, busy, paused, expected", [
    (False, False, True, False, Controls(False, False, False, False, False, "Pause")),
    (True, False, False, False, Controls(True, True, True, False, False, "Pause")),
    (True, False, True, False, Controls(True, False, False, False, False, "Pause")),  # building
    (True, True, True, False, Controls(False, False, False, True, True, "Pause")),
    (True, True, True, True, Controls(False, False, False, True, True, "Resume")),
    (True, False, False, True, Controls(True, True, True, False, False, "Pause")),  # ended paused
])
def test_buttons_are_enabled_only_when_pressing_them_makes_sense(ready, training_now, busy,
                                                                  paused, expected):
    assert controls_for(ready, training_now, busy, paused) == expected


def test_before_the_backend_is_ready_only_the_settings_may_change(dock):
    controls = dock.controls
    assert not (controls.architecture or controls.train or controls.weights)
    assert not (controls.pause or controls.stop)
    pending = recorded(dock.layer_table_pending)
    dock.start()
    assert pending == [LOADING_TEXT]
    assert RETRAIN_HINT not in dock.weights_text


# ------------------------------------------------- settings kept between starts
def test_settings_round_trip_for_the_same_architecture_only(session, dock):
    dock.update_hyperparameters(epochs=7, batch_size=64, optimizer="adadelta",
                                learning_rate=0.5, noise=0.25)
    values = dock.settings_values()
    other = ModelDock(session)
    other.apply_settings({key: str(value) for key, value in values.items()})  # as an ini file
    assert other.hyperparameters == dock.hyperparameters
    fresh = ModelDock(session)
    fresh.apply_settings({**values, "arch": "conv"})  # made for another model
    assert fresh.hyperparameters == Hyperparameters.preset("simple")
    fresh.apply_settings({"arch": "simple", "optimizer": "sgd", "epochs": "3"})
    assert (fresh.hyperparameters.optimizer, fresh.hyperparameters.epochs) == ("adam", 3)
    with pytest.raises(ValueError):
        fresh.apply_settings({"arch": "simple", "epochs": "many", "optimizer": "adadelta"})
    assert fresh.hyperparameters.optimizer == "adam"  # nothing of a bad file is applied


# ------------------------------------------------------------- architectures
def test_a_new_model_brings_its_settings_and_a_rebuilt_one_keeps_them(qtbot, session, dock):
    shown, described = recorded(dock.architecture_shown), recorded(dock.description_changed)
    session.arch_id = "deep"  # what select_architecture sets before the build
    with qtbot.waitSignal(session.error_raised) as answer:
        session.model_changed.emit("deep")
    # The layer table was asked of the session; nothing is built in this test.
    assert answer.args == ["no model is loaded yet"]
    assert shown == ["deep"] and described == [describe("deep")]
    assert "128 -> 64 -> 32" in described[0]
    assert dock.hyperparameters.epochs == 100
    dock.update_hyperparameters(epochs=7)
    with qtbot.waitSignal(session.error_raised):
        session.model_changed.emit("deep")  # Reset weights rebuilds the same architecture
    assert dock.hyperparameters.epochs == 7


def test_a_refused_architecture_puts_the_combo_back_and_says_why(session, dock):
    shown, errors = recorded(dock.architecture_shown), recorded(session.error_raised)
    dock.choose_architecture("simple")  # the one it has: nothing to do
    dock.choose_architecture(None)
    assert shown == [] and errors == []
    dock.choose_architecture("nonsense")
    assert shown == ["simple"] and "unknown architecture 'nonsense'" in errors[0]
    assert dock.hyperparameters == Hyperparameters.preset("simple")


def test_only_the_current_models_layer_table_is_shown(session, dock):
    ready = recorded(dock.layer_table_ready)
    rows = (models.LayerRow("input", "InputLayer", "(batch, 784)", 0),
            models.LayerRow("code", "Dense", "(batch, 32)", 25120))
    table = LayerTable("simple", rows, 50992, 25120, 25872)
    dock.layer_table_arrived(LayerTable("deep", rows, 1, 1, 0))  # since replaced
    dock.layer_table_arrived(table)
    assert ready == [table]
    assert table.cells()[1] == (("code", "Dense", "32", "25,120"),
                                "code (Dense): output (batch, 32), 25,120 parameters")
    assert table.params_text == "Parameters: 50,992 (encoder 25,120, decoder 25,872)"


# ----------------------------------------------------------- hints and files
def test_hints_follow_the_run_and_saving_knows_the_shipped_files(session, dock, tmp_path):
    hints = recorded(dock.hint_changed)
    dock.stop_training()  # no run: the session ignores it, the hint still says so
    session.training_ended.emit(training.TrainResult("stopped", 0, ()))
    assert hints == [STOPPING_HINT, ""]
    target = dock.weights_target(tmp_path / "mine")
    assert target == tmp_path / "mine" / "simple.weights.h5"
    assert not dock.is_shipped(target)
    assert dock.is_shipped(dock.weights_target(session.trained_dir))
