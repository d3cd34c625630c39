"""The model dock's "Training settings" box: epochs, batch size, optimizer, rate, noise."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QSpinBox,
    QWidget,
)

from explorer.core import models
from explorer.features.model.hyperparameters import (
    BATCH_SIZE_RANGE,
    EPOCHS_RANGE,
    NOISE_DECIMALS,
    NOISE_RANGE,
    Hyperparameters,
)
from explorer.features.model.learning_rate_box import LearningRateSpinBox
from explorer.features.model.state import ModelDock

OPTIMIZER_TITLES = {"adam": "Adam", "adadelta": "Adadelta"}
NOISE_STEP = 0.05


class TrainingSettingsBox(QGroupBox):
    """The boxes of the next run's settings, bound both ways to a `ModelDock`."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Training settings", parent)
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        self.epochs_spin = QSpinBox()
        self.epochs_spin.setObjectName("epochs_spin")
        self.epochs_spin.setRange(*EPOCHS_RANGE)
        self.epochs_spin.setToolTip("Passes over the training digits.")
        form.addRow("Epochs", self.epochs_spin)

        self.batch_size_spin = QSpinBox()
        self.batch_size_spin.setObjectName("batch_size_spin")
        self.batch_size_spin.setRange(*BATCH_SIZE_RANGE)
        self.batch_size_spin.setToolTip("Digits per gradient step.")
        form.addRow("Batch size", self.batch_size_spin)

        self.optimizer_combo = QComboBox()
        self.optimizer_combo.setObjectName("optimizer_combo")
        for name in models.OPTIMIZERS:
            self.optimizer_combo.addItem(OPTIMIZER_TITLES.get(name, name), name)
        self.optimizer_combo.setToolTip("Adam trains fast; Adadelta at learning rate 1.0 "
                                        "is what the seed tutorial used.")
        form.addRow("Optimizer", self.optimizer_combo)

        self.learning_rate_spin = LearningRateSpinBox()
        self.learning_rate_spin.setObjectName("learning_rate_spin")
        self.learning_rate_spin.setToolTip(
            "Arrows step by a factor of 10. Type a huge value (1e38) to watch a run diverge.")
        form.addRow("Learning rate", self.learning_rate_spin)

        self.train_noise_spin = QDoubleSpinBox()
        self.train_noise_spin.setObjectName("train_noise_spin")
        self.train_noise_spin.setRange(*NOISE_RANGE)
        self.train_noise_spin.setSingleStep(NOISE_STEP)
        self.train_noise_spin.setDecimals(NOISE_DECIMALS)
        self.train_noise_spin.setToolTip("Gaussian noise added to the training inputs "
                                         "(the denoising model learns to remove it).")
        form.addRow("Noise factor", self.train_noise_spin)

        self.continue_check = QCheckBox("Continue from the current weights")
        self.continue_check.setObjectName("continue_check")
        self.continue_check.setToolTip("Unchecked: start from fresh, untrained weights.")
        form.addRow(self.continue_check)

        for spin in (self.epochs_spin, self.batch_size_spin, self.train_noise_spin):
            spin.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.UpDownArrows)

    def bind(self, state: ModelDock) -> None:
        """The boxes' edits go to `state`; its settings come back to the boxes."""
        update = state.update_hyperparameters
        self.optimizer_combo.currentIndexChanged.connect(
            lambda _i: self._on_optimizer_chosen(state))
        self.epochs_spin.valueChanged.connect(lambda v: update(epochs=v))
        self.batch_size_spin.valueChanged.connect(lambda v: update(batch_size=v))
        self.learning_rate_spin.valueChanged.connect(lambda v: update(learning_rate=v))
        self.train_noise_spin.valueChanged.connect(lambda v: update(noise=v))
        self.continue_check.toggled.connect(state.set_continue_training)
        state.hyperparameters_changed.connect(self.show_hyperparameters)
        self.show_hyperparameters(state.hyperparameters)
        self.continue_check.setChecked(state.continue_training)

    def show_hyperparameters(self, hp: Hyperparameters) -> None:
        # Only the boxes that differ: one being typed into already shows its
        # value, and rewriting its text would move the cursor. A box that
        # changes echoes its value back to the state, which has it already.
        if self.optimizer_combo.currentData() != hp.optimizer:
            self.optimizer_combo.setCurrentIndex(self.optimizer_combo.findData(hp.optimizer))
        for spin, value in ((self.epochs_spin, hp.epochs),
                            (self.batch_size_spin, hp.batch_size),
                            (self.learning_rate_spin, hp.learning_rate),
                            (self.train_noise_spin, hp.noise)):
            if spin.value() != value:
                spin.setValue(value)

    def _on_optimizer_chosen(self, state: ModelDock) -> None:
        name = self.optimizer_combo.currentData()
        if name is not None:
            state.update_hyperparameters(optimizer=name)
