"""The model dock: pick an architecture, see its layers, set up and drive a run.

Everything here is meant to be driven live in front of a class: the buttons
are enabled only when pressing them makes sense, and every error comes back
as a message (session.error_raised), never as an exception into Qt.
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from explorer.core import models, store, training
from explorer.services.features import DemoAction, FeatureView, PersistedSetting
from explorer.services.session import Session
from explorer.widgets.formatting import format_count, format_learning_rate, format_shape

LOADING_TEXT = "loading TensorFlow..."
RETRAIN_HINT = "Click Train to retrain."
OPTIMIZER_TITLES = {"adam": "Adam", "adadelta": "Adadelta"}


class LearningRateSpinBox(QDoubleSpinBox):
    """A learning-rate box that reads and writes 0.001, 1e-05 and 1e+38.

    The range reaches 1e38 on purpose: a lecturer types an absurd rate to show
    a run diverging (smaller "absurd" rates such as 1e9 only make the loss
    huge, not NaN). Fixed decimals would make the box hundreds of pixels wide
    and hide 1e-5 steps, so the text is %g and the arrows step by a decade.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setDecimals(5)
        self.setRange(1e-5, 1e38)
        self.setKeyboardTracking(False)

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt's name
        return format_learning_rate(value)

    def valueFromText(self, text: str) -> float:  # noqa: N802
        try:
            return float(text.strip())
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):  # noqa: D401 - Qt's override
        stripped = text.strip()
        try:
            value = float(stripped)
        except ValueError:
            # Half-typed numbers ("1e", "0.", "") may still become valid.
            partial = stripped == "" or all(c in "0123456789.eE+-" for c in stripped)
            state = QValidator.State.Intermediate if partial else QValidator.State.Invalid
            return state, text, pos
        if math.isfinite(value) and self.minimum() <= value <= self.maximum():
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Intermediate, text, pos

    def stepBy(self, steps: int) -> None:  # noqa: N802
        self.setValue(self.value() * 10.0 ** steps)


class ModelPanel(QWidget, FeatureView):
    """The left dock. `start_training()` is what the Train button does."""

    feature_key = "training"  # its settings group: the training settings

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setObjectName("model_panel")
        # (n_train, n_test): tests train on a few digits through the real UI.
        self.train_limit: tuple[int, int] | None = None
        self.tensorboard_dir: str | None = None  # set by the window's Model menu
        self._preset_arch: str | None = None
        self._build()
        self._connect()
        self._select_in_combo(session.arch_id)
        self._preset_hyperparameters(session.arch_id)
        self._show_description(session.arch_id)
        if session.is_ready:
            self._request_layer_table()
        else:
            self._show_layer_placeholder(LOADING_TEXT)
        self._show_weights_note(session.weights_note)
        self._update_enabled()

    # ---------------------------------------------------------------- public
    def current_config(self) -> training.TrainConfig:
        """The TrainConfig the widgets describe now."""
        return training.TrainConfig(
            arch_id=self.session.arch_id,
            epochs=self.epochs_spin.value(),
            batch_size=self.batch_size_spin.value(),
            optimizer=self.optimizer_combo.currentData(),
            learning_rate=float(self.learning_rate_spin.value()),
            noise=float(self.train_noise_spin.value()),
            tensorboard_dir=self.tensorboard_dir,
        )

    # ---------------------------------------------------------- declarations
    def demo_actions(self) -> list[DemoAction]:
        return [
            DemoAction("train_action", "&Train", ("Ctrl+T",), self.train_button, "Model"),
            DemoAction("pause_action", "&Pause / resume", ("Ctrl+P",), self.pause_button, "Model"),
            DemoAction("stop_action", "&Stop", ("Esc", "Ctrl+."), self.stop_button, "Model"),
        ]

    def persisted_settings(self) -> list[PersistedSetting]:
        # One group: the settings are put back only when they were made for
        # the architecture the window starts with (each has its own defaults).
        return [PersistedSetting("training", self._settings_values, self._apply_settings)]

    def _settings_values(self) -> dict:
        return {"arch": self.session.arch_id, "epochs": self.epochs_spin.value(),
                "batch_size": self.batch_size_spin.value(),
                "optimizer": self.optimizer_combo.currentData(),
                "learning_rate": float(self.learning_rate_spin.value()),
                "noise": float(self.train_noise_spin.value())}

    def _apply_settings(self, values: dict) -> None:
        if values.get("arch") != self.session.arch_id:
            return
        index = self.optimizer_combo.findData(str(values.get("optimizer", "adam")))
        if index >= 0:
            # Before the learning rate: choosing an optimizer resets the rate.
            self.optimizer_combo.setCurrentIndex(index)
        self.epochs_spin.setValue(int(values.get("epochs", self.epochs_spin.value())))
        self.batch_size_spin.setValue(int(values.get("batch_size",
                                                     self.batch_size_spin.value())))
        self.learning_rate_spin.setValue(float(values.get("learning_rate",
                                                          self.learning_rate_spin.value())))
        self.train_noise_spin.setValue(float(values.get("noise", self.train_noise_spin.value())))

    def start_training(self) -> None:
        """Start a run with the widgets' settings; errors become messages."""
        try:
            config = self.current_config()
            n_train, n_test = self.train_limit if self.train_limit else (None, None)
            self.session.train(config, fresh=not self.continue_check.isChecked(),
                               n_train=n_train, n_test=n_test)
        except (ValueError, RuntimeError) as exc:
            self.session.error_raised.emit(str(exc))
        self._update_enabled()

    def toggle_pause(self) -> None:
        if self.session.is_paused:
            self.session.resume_training()
        else:
            self.session.pause_training()

    def stop_training(self) -> None:
        self.session.stop_training()
        self._set_hint("stopping after this batch...")

    def reset_weights(self) -> None:
        try:
            self.session.reset_weights()
        except (ValueError, RuntimeError) as exc:
            self.session.error_raised.emit(str(exc))

    def load_weights(self) -> None:
        path = self._ask_weights_file()
        if path:
            self.session.load_weights(path)

    def save_weights(self) -> None:
        folder = self._ask_save_folder()
        if not folder:
            return
        target = store.weights_path(self.session.arch_id, folder)
        if target.exists() and not self._confirm_overwrite(target):
            return
        self.session.save_weights(folder, on_saved=self._on_saved)

    # ------------------------------------------------ dialogs (tests patch these)
    def _ask_weights_file(self) -> str:
        path, _ = QFileDialog.getOpenFileName(
            self, "Load weights", str(self.session.save_folder),
            "Keras weights (*.weights.h5);;All files (*)")
        return path

    def _ask_save_folder(self) -> str:
        return QFileDialog.getExistingDirectory(
            self, "Save weights into folder", str(self.session.save_folder))

    def _confirm_overwrite(self, target: Path) -> bool:
        shipped = target.parent.resolve() == self.session.save_folder.resolve()
        extra = (" These are the pre-trained weights the program starts with."
                 if shipped else "")
        answer = QMessageBox.question(
            self, "Replace weights?",
            f"{target.name} already exists in {target.parent}.{extra}\n\nReplace it?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

    # -------------------------------------------------------------- building
    def _build(self) -> None:
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(6, 6, 6, 6)
        column.addWidget(self._build_architecture_box())
        column.addWidget(self._build_hyperparameter_box())
        column.addWidget(self._build_buttons_box())
        column.addWidget(self._build_weights_box())
        column.addStretch(1)

        # A scroll area so the dock still works on a 1280x800 screen.
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.setMinimumWidth(320)

    def _build_architecture_box(self) -> QGroupBox:
        box = QGroupBox("Architecture")
        layout = QVBoxLayout(box)
        combo = QComboBox()
        combo.setObjectName("architecture_combo")
        combo.setToolTip("Which of the five autoencoders to use; its pre-trained "
                         "weights are loaded when there are any.")
        for arch_id in models.ARCH_IDS:
            combo.addItem(models.ARCHITECTURES[arch_id].title, arch_id)
        self.architecture_combo = combo
        layout.addWidget(combo)

        self.description_label = QLabel()
        self.description_label.setObjectName("architecture_description")
        self.description_label.setWordWrap(True)
        self.description_label.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.description_label)

        table = QTableWidget(0, 4)
        table.setObjectName("layer_table")
        table.setHorizontalHeaderLabels(["Layer", "Type", "Output", "Params"])
        table.horizontalHeaderItem(2).setToolTip("Output shape of one image "
                                                 "(Keras adds the batch dimension)")
        table.verticalHeader().setVisible(False)
        font = table.font()
        font.setPointSizeF(font.pointSizeF() * 0.92)
        table.setFont(font)
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        header = table.horizontalHeader()
        # Long names ("max_pooling2d_1") elide rather than push Params out of sight.
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 5)
        table.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.layer_table = table
        self._fit_table_height(3)
        layout.addWidget(table)

        self.params_label = QLabel()
        self.params_label.setObjectName("params_label")
        self.params_label.setWordWrap(True)
        layout.addWidget(self.params_label)
        return box

    def _build_hyperparameter_box(self) -> QGroupBox:
        box = QGroupBox("Training settings")
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        self.epochs_spin = QSpinBox()
        self.epochs_spin.setObjectName("epochs_spin")
        self.epochs_spin.setRange(1, 1000)
        self.epochs_spin.setToolTip("Passes over the training digits.")
        form.addRow("Epochs", self.epochs_spin)

        self.batch_size_spin = QSpinBox()
        self.batch_size_spin.setObjectName("batch_size_spin")
        self.batch_size_spin.setRange(1, 8192)
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
        self.train_noise_spin.setRange(0.0, 1.0)
        self.train_noise_spin.setSingleStep(0.05)
        self.train_noise_spin.setDecimals(2)
        self.train_noise_spin.setToolTip("Gaussian noise added to the training inputs "
                                         "(the denoising model learns to remove it).")
        form.addRow("Noise factor", self.train_noise_spin)

        self.continue_check = QCheckBox("Continue from the current weights")
        self.continue_check.setObjectName("continue_check")
        self.continue_check.setToolTip("Unchecked: start from fresh, untrained weights.")
        form.addRow(self.continue_check)

        self.optimizer_combo.setCurrentIndex(self.optimizer_combo.findData("adam"))
        self.learning_rate_spin.setValue(models.DEFAULT_LEARNING_RATE["adam"])
        for spin in (self.epochs_spin, self.batch_size_spin, self.train_noise_spin):
            spin.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.UpDownArrows)
        return box

    def _build_buttons_box(self) -> QGroupBox:
        box = QGroupBox("Run")
        grid = QGridLayout(box)

        def button(name: str, text: str, tip: str, shortcut: str | None = None) -> QPushButton:
            b = QPushButton(text)
            b.setObjectName(name)
            if shortcut:
                b.setShortcut(QKeySequence(shortcut))
                tip = f"{tip} ({shortcut})"
            b.setToolTip(tip)
            return b

        self.train_button = button("train_button", "Train", "Train", "Ctrl+T")
        self.pause_button = button("pause_button", "Pause", "Pause or resume the run", "Ctrl+P")
        self.stop_button = button("stop_button", "Stop", "Stop the run after this batch", "Esc")
        self.reset_button = button("reset_button", "Reset weights",
                                   "Fresh, untrained weights for this architecture")
        self.load_button = button("load_button", "Load weights…",
                                  "Load a .weights.h5 file for this architecture")
        self.save_button = button("save_button", "Save weights…",
                                  "Save the current weights and their description")
        self.train_button.setDefault(True)
        grid.addWidget(self.train_button, 0, 0)
        grid.addWidget(self.pause_button, 0, 1)
        grid.addWidget(self.stop_button, 1, 0)
        grid.addWidget(self.reset_button, 1, 1)
        grid.addWidget(self.load_button, 2, 0)
        grid.addWidget(self.save_button, 2, 1)
        self.status_hint = QLabel()
        self.status_hint.setObjectName("run_hint_label")
        self.status_hint.setWordWrap(True)
        self.status_hint.setVisible(False)
        grid.addWidget(self.status_hint, 3, 0, 1, 2)
        return box

    def _build_weights_box(self) -> QGroupBox:
        box = QGroupBox("Current weights")
        layout = QVBoxLayout(box)
        self.weights_info_label = QLabel()
        self.weights_info_label.setObjectName("weights_info_label")
        self.weights_info_label.setWordWrap(True)
        self.weights_info_label.setTextFormat(Qt.TextFormat.PlainText)
        self.weights_info_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.weights_info_label)
        return box

    def _connect(self) -> None:
        s = self.session
        self.architecture_combo.currentIndexChanged.connect(self._on_combo_changed)
        self.optimizer_combo.currentIndexChanged.connect(self._on_optimizer_changed)
        self.train_button.clicked.connect(self.start_training)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button.clicked.connect(self.stop_training)
        self.reset_button.clicked.connect(self.reset_weights)
        self.load_button.clicked.connect(self.load_weights)
        self.save_button.clicked.connect(self.save_weights)
        s.backend_ready.connect(self._update_enabled)
        s.model_changed.connect(self._on_model_changed)
        s.busy_changed.connect(lambda _busy: self._update_enabled())
        s.training_started.connect(lambda _config: self._update_enabled())
        s.training_ended.connect(self._on_training_ended)
        s.paused_changed.connect(self._on_paused_changed)
        s.weights_info_changed.connect(self._show_weights_note)

    # ------------------------------------------------------------- reactions
    def _on_combo_changed(self, _index: int) -> None:
        arch_id = self.architecture_combo.currentData()
        if arch_id is None or arch_id == self.session.arch_id:
            return
        try:
            self.session.select_architecture(arch_id)
        except (ValueError, RuntimeError) as exc:
            self._select_in_combo(self.session.arch_id)
            self.session.error_raised.emit(str(exc))
            return
        # The new settings show at once; the table follows when the model is built.
        self._preset_hyperparameters(arch_id)
        self._show_description(arch_id)
        self._show_layer_placeholder(f"building the {arch_id} model...")

    def _on_model_changed(self, arch_id: str) -> None:
        self._select_in_combo(arch_id)
        # A reset rebuilds the same architecture: keep the settings the user made.
        if arch_id != self._preset_arch:
            self._preset_hyperparameters(arch_id)
        self._show_description(arch_id)
        self._request_layer_table()
        self._update_enabled()

    def _on_optimizer_changed(self, _index: int) -> None:
        name = self.optimizer_combo.currentData()
        if name in models.DEFAULT_LEARNING_RATE:
            self.learning_rate_spin.setValue(models.DEFAULT_LEARNING_RATE[name])

    def _on_training_ended(self, result: training.TrainResult) -> None:
        self._set_hint("")
        self._update_enabled()

    def _on_paused_changed(self, paused: bool) -> None:
        self.pause_button.setText("Resume" if paused else "Pause")
        self._update_enabled()

    def _on_saved(self, path: Path) -> None:
        self._set_hint(f"saved {path}")

    def _set_hint(self, text: str) -> None:
        self.status_hint.setText(text)
        self.status_hint.setVisible(bool(text))

    def _request_layer_table(self) -> None:
        def job(state, model: models.Autoencoder, dataset):
            return (model.arch_id, models.layer_table(model.autoencoder),
                    models.count_params(model.autoencoder), models.count_params(model.encoder),
                    models.count_params(model.decoder))

        self.session.submit("layer-table", job, self._show_layer_table)

    def _show_layer_table(self, result) -> None:
        arch_id, rows, total, encoder, decoder = result
        if arch_id != self.session.arch_id:
            return  # an answer for a model that has since been replaced
        table = self.layer_table
        table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            cells = (row.name, row.kind, format_shape(row.output_shape),
                     format_count(row.params))
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(f"{row.name} ({row.kind}): output {row.output_shape}, "
                                f"{format_count(row.params)} parameters")
                if c == 3:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                table.setItem(r, c, item)
        table.setEnabled(True)
        self._fit_table_height(len(rows))
        self.params_label.setText(
            f"Parameters: {format_count(total)} "
            f"(encoder {format_count(encoder)}, decoder {format_count(decoder)})")

    def _fit_table_height(self, n_rows: int) -> None:
        """As tall as its rows, up to ten: the simple model's three rows
        should not leave a hole that pushes the Train button off screen."""
        table = self.layer_table
        rows = max(3, min(n_rows, 10))
        height = (table.horizontalHeader().sizeHint().height()
                  + rows * table.verticalHeader().defaultSectionSize()
                  + 2 * table.frameWidth())
        table.setMinimumHeight(height)
        table.setMaximumHeight(height)

    def _show_layer_placeholder(self, text: str) -> None:
        self.layer_table.setRowCount(0)
        self.layer_table.setEnabled(False)
        self.params_label.setText(text)

    def _show_description(self, arch_id: str) -> None:
        spec = models.spec(arch_id)
        code = "x".join(str(d) for d in spec.code_shape)
        self.description_label.setText(
            f"{spec.description}\nCode: {code}. Seed tutorial: {spec.seed_loss}.")

    def _show_weights_note(self, note: str) -> None:
        text = note if not self.session.is_ready else f"{note}\n\n{RETRAIN_HINT}"
        self.weights_info_label.setText(text)

    def _preset_hyperparameters(self, arch_id: str) -> None:
        spec = models.spec(arch_id)
        self.epochs_spin.setValue(spec.epochs)
        self.batch_size_spin.setValue(spec.batch_size)
        self.train_noise_spin.setValue(spec.noise)
        self._preset_arch = arch_id

    def _select_in_combo(self, arch_id: str) -> None:
        index = self.architecture_combo.findData(arch_id)
        if index >= 0 and index != self.architecture_combo.currentIndex():
            self.architecture_combo.blockSignals(True)
            self.architecture_combo.setCurrentIndex(index)
            self.architecture_combo.blockSignals(False)

    def _update_enabled(self) -> None:
        s = self.session
        ready, training_now = s.is_ready, s.is_training
        idle = ready and not s.is_busy
        self.architecture_combo.setEnabled(ready and not training_now)
        self.train_button.setEnabled(idle)
        for b in (self.reset_button, self.load_button, self.save_button):
            b.setEnabled(idle)
        self.pause_button.setEnabled(training_now)
        self.stop_button.setEnabled(training_now)
        if not training_now:
            self.pause_button.setText("Pause")
