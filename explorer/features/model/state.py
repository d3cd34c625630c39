"""The model dock's state: the architecture, the training settings and what may be pressed.

`ModelDock` holds the hyperparameters of the next run (each architecture
brings the seed tutorial's settings; choosing an optimizer brings its
learning rate), builds the `TrainConfig` the Train button starts, decides
which buttons are enabled (`controls_for`), asks the session for the layer
table and turns the session's news into the dock's texts. It makes no
widget and needs no TensorFlow: the panel lays out the boxes and mirrors it.
Every refusal comes back as a message (session.error_raised), never as an
exception into Qt.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from explorer.core import models, store, training, variants
from explorer.features.model.code_size import CodeSize, code_size_for
from explorer.features.model.hyperparameters import Hyperparameters
from explorer.services.session import Session
from explorer.widgets.formatting import format_count, format_shape

LOADING_TEXT = "loading TensorFlow..."
RETRAIN_HINT = "Click Train to retrain."
STOPPING_HINT = "stopping after this batch..."

@dataclass(frozen=True)
class Controls:
    """Which of the dock's controls may be used now, and what Pause says."""

    architecture: bool
    train: bool
    weights: bool  # Reset, Load and Save
    pause: bool
    stop: bool
    pause_text: str


def controls_for(ready: bool, training_now: bool, busy: bool, paused: bool) -> Controls:
    """Each button is enabled only when pressing it makes sense.

    Nothing touches the model before the backend is ready or while a model is
    being built (busy); a run can be paused and stopped, nothing else, and the
    architecture cannot change under it.
    """
    idle = ready and not busy
    return Controls(architecture=ready and not training_now, train=idle, weights=idle,
                    pause=training_now, stop=training_now,
                    pause_text="Resume" if training_now and paused else "Pause")


@dataclass(frozen=True)
class LayerTable:
    """The layers of a built model and its parameter counts."""

    name: str  # the model's variant name: "simple", "simple-8"
    rows: tuple[models.LayerRow, ...]
    total: int
    encoder: int
    decoder: int

    def cells(self) -> list[tuple[tuple[str, str, str, str], str]]:
        """Per layer: the four cells' texts (name, type, output, params) and a tooltip."""
        return [((row.name, row.kind, format_shape(row.output_shape), format_count(row.params)),
                 f"{row.name} ({row.kind}): output {row.output_shape}, "
                 f"{format_count(row.params)} parameters")
                for row in self.rows]

    @property
    def params_text(self) -> str:
        return (f"Parameters: {format_count(self.total)} "
                f"(encoder {format_count(self.encoder)}, decoder {format_count(self.decoder)})")


def layer_table_job(_state, model: models.Autoencoder, _dataset) -> LayerTable:
    """On the model thread: the table of the model there is now."""
    return LayerTable(model.variant.name, tuple(models.layer_table(model.autoencoder)),
                      models.count_params(model.autoencoder), models.count_params(model.encoder),
                      models.count_params(model.decoder))


def describe(arch_id: str, code_size: int | None = None) -> str:
    """The architecture in a few lines; a variant says how its code differs from the seed's."""
    spec = models.variant_spec(arch_id, code_size)
    code = "x".join(str(d) for d in spec.code_shape)
    if variants.variant(arch_id, code_size).is_seed:
        return f"{spec.description}\nCode: {code}. Seed tutorial: {spec.seed_loss}."
    return f"{spec.description}\nCode: {code}."


class ModelDock(QObject):
    """The dock's settings and rules; talks to the session, holds no widget."""

    architecture_shown = Signal(str)  # the architecture the combo should show
    code_size_shown = Signal(object)  # CodeSize: what the code-size box should show
    description_changed = Signal(str)
    hyperparameters_changed = Signal(object)  # Hyperparameters
    layer_table_pending = Signal(str)  # no table yet: why
    layer_table_ready = Signal(object)  # LayerTable of the current model
    weights_note_changed = Signal(str)
    hint_changed = Signal(str)  # a line under the buttons; "" hides it
    controls_changed = Signal(object)  # Controls

    def __init__(self, session: Session, parent: QObject | None = None):
        super().__init__(parent)
        self._session = session
        self._hyperparameters = Hyperparameters.preset(session.arch_id)
        self._preset_arch = session.arch_id  # whose settings the boxes hold
        self.continue_training = False  # from the current weights, not fresh ones
        # (n_train, n_test): tests train on a few digits through the real UI.
        self.train_limit: tuple[int, int] | None = None
        self.tensorboard_dir: str | None = None  # set by the window's Model menu
        self._controls = self.controls
        session.backend_ready.connect(self._publish_controls)
        session.model_changed.connect(self._on_model_changed)
        session.busy_changed.connect(self._publish_controls)
        session.training_started.connect(self._publish_controls)
        session.training_ended.connect(self._on_training_ended)
        session.paused_changed.connect(self._publish_controls)
        session.weights_info_changed.connect(self._on_weights_info)

    # ------------------------------------------------------------ read
    @property
    def arch_id(self) -> str:
        return self._session.arch_id

    @property
    def hyperparameters(self) -> Hyperparameters:
        return self._hyperparameters

    @property
    def description(self) -> str:
        return describe(self._session.arch_id, self._session.code_size)

    @property
    def code_size(self) -> CodeSize:
        return code_size_for(self._session.variant)

    @property
    def controls(self) -> Controls:
        s = self._session
        return controls_for(s.is_ready, s.is_training, s.is_busy, s.is_paused)

    @property
    def weights_text(self) -> str:
        return self._weights_text(self._session.weights_note)

    def current_config(self) -> training.TrainConfig:
        """The TrainConfig the Train button starts now."""
        hp = self._hyperparameters
        return training.TrainConfig(
            arch_id=self._session.arch_id, epochs=hp.epochs, batch_size=hp.batch_size,
            optimizer=hp.optimizer, learning_rate=float(hp.learning_rate),
            noise=float(hp.noise), tensorboard_dir=self.tensorboard_dir)

    # --------------------------------------------------------- settings
    def set_continue_training(self, on: bool) -> None:
        """Train on from the current weights (True) or from fresh ones."""
        self.continue_training = bool(on)

    def update_hyperparameters(self, **changes: Any) -> None:
        """Set some of the settings (the boxes' edits); an optimizer alone brings its rate."""
        hp = self._hyperparameters
        if "optimizer" in changes and "learning_rate" not in changes:
            hp = hp.with_optimizer(changes.pop("optimizer"))
        self._set_hyperparameters(replace(hp, **changes))

    def settings_values(self) -> dict:
        """What QSettings remembers between starts."""
        hp = self._hyperparameters
        return {"arch": self._session.arch_id, "epochs": hp.epochs, "batch_size": hp.batch_size,
                "optimizer": hp.optimizer, "learning_rate": float(hp.learning_rate),
                "noise": float(hp.noise)}

    def apply_settings(self, values: dict) -> None:
        """Put remembered settings back, only when they were made for this architecture
        (each has its own defaults). Raises ValueError/TypeError for unreadable values."""
        if values.get("arch") != self._session.arch_id:
            return
        hp = self._hyperparameters
        optimizer = str(values.get("optimizer", "adam"))
        if optimizer in models.OPTIMIZERS:
            hp = hp.with_optimizer(optimizer)  # before the rate, which it would reset
        self._set_hyperparameters(replace(
            hp, epochs=int(values.get("epochs", hp.epochs)),
            batch_size=int(values.get("batch_size", hp.batch_size)),
            learning_rate=float(values.get("learning_rate", hp.learning_rate)),
            noise=float(values.get("noise", hp.noise))))

    # ------------------------------------------------------------ act
    def start(self) -> None:
        """The dock is bound: ask for the layer table, or say why there is none yet."""
        if self._session.is_ready:
            self.request_layer_table()
        else:
            self.layer_table_pending.emit(LOADING_TEXT)

    def choose_architecture(self, arch_id: str | None) -> None:
        s = self._session
        if arch_id is None or arch_id == s.arch_id:
            return
        try:
            s.select_architecture(arch_id)
        except (ValueError, RuntimeError) as exc:
            self.architecture_shown.emit(s.arch_id)
            s.error_raised.emit(str(exc))
            return
        # The new settings show at once; the table follows when the model is built.
        self._preset(arch_id)
        self._announce_variant()
        self.layer_table_pending.emit(f"building the {arch_id} model...")

    def choose_variant(self, arch_id: str, code_size: int | None = None,
                       then: Callable[[], None] | None = None) -> None:
        """Build `arch_id` at `code_size` (None: the seed's) in one build, as the combo
        and the code-size box would in two; `then` runs once it is the model shown.
        Raises ValueError (unknown architecture, bad size) or RuntimeError (a run is
        going on): a lesson step or a scene says so in its own words."""
        s = self._session
        s.select_architecture(arch_id, code_size, then=then)
        self.architecture_shown.emit(s.arch_id)  # the combo shows it while it builds
        self._preset(s.arch_id)
        self._announce_variant()
        self.layer_table_pending.emit(f"building the {s.variant.name} model...")

    def choose_code_size(self, code_size: int) -> None:
        """Build the current architecture with a code of `code_size` (its weights
        for this session are kept, as an architecture's are)."""
        s = self._session
        if int(code_size) == s.code_size:
            return
        try:
            s.select_architecture(s.arch_id, int(code_size))
        except (ValueError, RuntimeError) as exc:
            self.code_size_shown.emit(self.code_size)
            s.error_raised.emit(str(exc))
            return
        self._announce_variant()
        self.layer_table_pending.emit(f"building the {s.variant.name} model...")

    def start_training(self) -> None:
        """Start a run with the dock's settings; errors become messages."""
        try:
            config = self.current_config()
            n_train, n_test = self.train_limit if self.train_limit else (None, None)
            self._session.train(config, fresh=not self.continue_training,
                                n_train=n_train, n_test=n_test)
        except (ValueError, RuntimeError) as exc:
            self._session.error_raised.emit(str(exc))
        self._publish_controls()

    def toggle_pause(self) -> None:
        if self._session.is_paused:
            self._session.resume_training()
        else:
            self._session.pause_training()

    def stop_training(self) -> None:
        self._session.stop_training()
        self.hint_changed.emit(STOPPING_HINT)

    def reset_weights(self) -> None:
        """Fresh weights; asks first when they would replace an unsaved run."""
        if not self._session.guard.allow("Reset to fresh weights"):
            return
        try:
            self._session.reset_weights()
        except (ValueError, RuntimeError) as exc:
            self._session.error_raised.emit(str(exc))

    def load_weights(self, path: str | os.PathLike) -> None:
        """Load a weights file; asks first when it would replace an unsaved run."""
        if self._session.guard.allow(f"Load {Path(path).name}"):
            self._session.load_weights(path)

    def weights_target(self, folder: str | os.PathLike) -> Path:
        """The file Save would write in `folder` (`<variant>.weights.h5`)."""
        return store.weights_path(self._session.variant.name, folder)

    def is_shipped(self, target: Path) -> bool:
        """Whether `target` is one of the pre-trained files the program starts with."""
        return target.parent.resolve() == self._session.save_folder.resolve()

    def save_weights(self, folder: str | os.PathLike) -> None:
        self._session.save_weights(folder, on_saved=self._on_saved)

    def request_layer_table(self) -> None:
        self._session.submit("layer-table", layer_table_job, self.layer_table_arrived)

    def layer_table_arrived(self, table: LayerTable) -> None:
        if table.name != self._session.variant.name:
            return  # an answer for a model that has since been replaced
        self.layer_table_ready.emit(table)

    # ------------------------------------------------------- reactions
    def _on_model_changed(self, arch_id: str) -> None:
        self.architecture_shown.emit(arch_id)
        # A reset rebuilds the same architecture: keep the settings the user made.
        if arch_id != self._preset_arch:
            self._preset(arch_id)
        self._announce_variant()
        self.request_layer_table()
        self._publish_controls()

    def _on_training_ended(self, _result: training.TrainResult) -> None:
        self.hint_changed.emit("")
        self._publish_controls()

    def _on_weights_info(self, note: str) -> None:
        self.weights_note_changed.emit(self._weights_text(note))

    def _on_saved(self, path: Path) -> None:
        self.hint_changed.emit(f"saved {path}")

    def _weights_text(self, note: str) -> str:
        return note if not self._session.is_ready else f"{note}\n\n{RETRAIN_HINT}"

    def _announce_variant(self) -> None:
        self.description_changed.emit(self.description)
        self.code_size_shown.emit(self.code_size)

    def _preset(self, arch_id: str) -> None:
        self._set_hyperparameters(self._hyperparameters.with_arch_preset(arch_id))
        self._preset_arch = arch_id

    def _set_hyperparameters(self, hp: Hyperparameters) -> None:
        hp = hp.normalized()
        if hp != self._hyperparameters:
            self._hyperparameters = hp
            self.hyperparameters_changed.emit(hp)

    def _publish_controls(self, *_news) -> None:
        controls = self.controls
        if controls != self._controls:
            self._controls = controls
            self.controls_changed.emit(controls)
