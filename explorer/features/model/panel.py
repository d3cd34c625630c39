"""The model dock's view: pick an architecture, see its layers, set up and drive a run.

Everything here is meant to be driven live in front of a class: the buttons
are enabled only when pressing them makes sense (the rules are the state's,
`ModelDock` in state.py), and every error comes back as a message. This
module lays out the boxes, mirrors the state in them and asks the user
through dialogs; it decides nothing itself.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from explorer.core import models, training
from explorer.features.model.code_size import CodeSize
from explorer.features.model.code_size_box import CodeSizeRow
from explorer.features.model.layer_table import LayerTableWidget
from explorer.features.model.learning_rate_box import LearningRateSpinBox
from explorer.features.model.settings_box import TrainingSettingsBox
from explorer.features.model.state import (
    LOADING_TEXT,
    RETRAIN_HINT,
    Controls,
    LayerTable,
    ModelDock,
)
from explorer.services.features import DemoAction, FeatureView, PersistedSetting
from explorer.services.session import Session

__all__ = ["LOADING_TEXT", "RETRAIN_HINT", "LearningRateSpinBox", "ModelPanel"]


class ModelPanel(QWidget, FeatureView):
    """The left dock. `start_training()` is what the Train button does."""

    feature_key = "training"  # its settings group: the training settings

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setObjectName("model_panel")
        self.state = ModelDock(session, self)
        self._build()
        self._bind()
        state = self.state
        self._show_architecture(state.arch_id)
        self.description_label.setText(state.description)
        state.start()
        self.weights_info_label.setText(state.weights_text)
        self._show_controls(state.controls)

    # ---------------------------------------------------------------- public
    @property
    def train_limit(self) -> tuple[int, int] | None:
        """(n_train, n_test): tests train on a few digits through the real UI."""
        return self.state.train_limit

    @train_limit.setter
    def train_limit(self, limit: tuple[int, int] | None) -> None:
        self.state.train_limit = limit

    @property
    def tensorboard_dir(self) -> str | None:
        """Where the next run logs for TensorBoard (set by the window's Model menu)."""
        return self.state.tensorboard_dir

    @tensorboard_dir.setter
    def tensorboard_dir(self, folder: str | None) -> None:
        self.state.tensorboard_dir = folder

    def current_config(self) -> training.TrainConfig:
        """The TrainConfig the widgets describe now."""
        return self.state.current_config()

    def start_training(self) -> None:
        """Start a run with the widgets' settings; errors become messages."""
        self.state.start_training()

    def train_from_fresh(self, epochs: int, optimizer: str | None = None,
                         batch_size: int | None = None) -> str | None:
        """A short run from fresh weights with these settings (a lesson's "Train it now"),
        set in the boxes as a user would; returns why it cannot start, or None."""
        if not self.session.is_ready:
            return "the model is still loading; try again in a moment"
        if self.session.is_busy:
            return "the model is busy (a run or a build); wait for it to end"
        changes = {"epochs": int(epochs)}
        if optimizer is not None:
            changes["optimizer"] = optimizer
        if batch_size is not None:
            changes["batch_size"] = int(batch_size)
        self.continue_check.setChecked(False)
        self.state.update_hyperparameters(**changes)
        self.start_training()
        return None if self.session.is_training else "the run did not start (see the message)"

    def load_weights(self) -> None:
        path = self._ask_weights_file()
        if path:
            self.state.load_weights(path)

    def save_weights(self) -> None:
        folder = self._ask_save_folder()
        if not folder:
            return
        target = self.state.weights_target(folder)
        if target.exists() and not self._confirm_overwrite(target):
            return
        self.state.save_weights(folder)

    # ---------------------------------------------------------- declarations
    def demo_actions(self) -> list[DemoAction]:
        return [
            DemoAction("train_action", "&Train", ("Ctrl+T",), self.train_button, "Model"),
            DemoAction("pause_action", "&Pause / resume", ("Ctrl+P",), self.pause_button, "Model"),
            # Not Esc: Esc leaves full screen (and closes pop-ups), as everywhere else.
            DemoAction("stop_action", "&Stop", ("Ctrl+.",), self.stop_button, "Model"),
            *(DemoAction(f"architecture_{arch}_action", f"{models.spec(arch).title}",
                         (f"Alt+{i + 1}",), None, "Model", follows=self.architecture_combo,
                         trigger=lambda a=arch: self.architecture_combo.setCurrentIndex(
                             self.architecture_combo.findData(a)))
              for i, arch in enumerate(models.ARCH_IDS)),
        ]

    def persisted_settings(self) -> list[PersistedSetting]:
        # One group: the settings are put back only when they were made for
        # the architecture the window starts with (each has its own defaults).
        return [PersistedSetting("training", self.state.settings_values,
                                 self.state.apply_settings)]

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
        extra = (" These are the pre-trained weights the program starts with."
                 if self.state.is_shipped(target) else "")
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
        self.setMinimumWidth(280)  # room for the tabs on a 1,024-wide screen

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

        self.code_size_row = CodeSizeRow()
        self.code_size_spin = self.code_size_row.spin
        self.compression_label = self.code_size_row.compression_label
        layout.addWidget(self.code_size_row)

        self.description_label = QLabel()
        self.description_label.setObjectName("architecture_description")
        self.description_label.setWordWrap(True)
        self.description_label.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.description_label)

        self.layer_table = LayerTableWidget()
        layout.addWidget(self.layer_table)

        self.params_label = QLabel()
        self.params_label.setObjectName("params_label")
        self.params_label.setWordWrap(True)
        layout.addWidget(self.params_label)
        return box

    def _build_hyperparameter_box(self) -> QGroupBox:
        box = TrainingSettingsBox()
        self.training_settings_box = box
        # The boxes by their old names: tests and the window's settings use them.
        self.epochs_spin, self.batch_size_spin = box.epochs_spin, box.batch_size_spin
        self.optimizer_combo, self.learning_rate_spin = box.optimizer_combo, box.learning_rate_spin
        self.train_noise_spin, self.continue_check = box.train_noise_spin, box.continue_check
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
        self.stop_button = button("stop_button", "Stop", "Stop the run after this batch",
                                  "Ctrl+.")
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

    # --------------------------------------------------------------- binding
    def _bind(self) -> None:
        state = self.state
        # The widgets' edits go to the state ...
        self.architecture_combo.currentIndexChanged.connect(
            lambda _i: state.choose_architecture(self.architecture_combo.currentData()))
        self.training_settings_box.bind(state)
        self.code_size_row.bind(state)
        self.train_button.clicked.connect(self.start_training)
        self.pause_button.clicked.connect(state.toggle_pause)
        self.stop_button.clicked.connect(state.stop_training)
        self.reset_button.clicked.connect(state.reset_weights)
        self.load_button.clicked.connect(self.load_weights)
        self.save_button.clicked.connect(self.save_weights)
        # ... and what the state says comes back to them.
        state.architecture_shown.connect(self._show_architecture)
        state.code_size_shown.connect(self._title_variant)
        state.description_changed.connect(self.description_label.setText)
        state.layer_table_pending.connect(self._show_layer_placeholder)
        state.layer_table_ready.connect(self._show_layer_table)
        state.weights_note_changed.connect(self.weights_info_label.setText)
        state.hint_changed.connect(self._show_hint)
        state.controls_changed.connect(self._show_controls)

    def _show_architecture(self, arch_id: str) -> None:
        index = self.architecture_combo.findData(arch_id)
        if index >= 0 and index != self.architecture_combo.currentIndex():
            self.architecture_combo.blockSignals(True)
            self.architecture_combo.setCurrentIndex(index)
            self.architecture_combo.blockSignals(False)

    def _title_variant(self, size: CodeSize) -> None:
        """The combo names the current architecture's code as built ("Simple (2-d code)")."""
        combo = self.architecture_combo
        for i in range(combo.count()):
            arch_id = combo.itemData(i)
            code_size = size.value if arch_id == size.arch_id else None
            combo.setItemText(i, models.variant_spec(arch_id, code_size).title)

    def _show_layer_table(self, table: LayerTable) -> None:
        self.layer_table.show_table(table)
        self.params_label.setText(table.params_text)

    def _show_layer_placeholder(self, text: str) -> None:
        self.layer_table.show_nothing()
        self.params_label.setText(text)

    def _show_hint(self, text: str) -> None:
        self.status_hint.setText(text)
        self.status_hint.setVisible(bool(text))

    def _show_controls(self, controls: Controls) -> None:
        self.architecture_combo.setEnabled(controls.architecture)
        self.code_size_spin.setEnabled(controls.architecture)
        self.train_button.setEnabled(controls.train)
        for b in (self.reset_button, self.load_button, self.save_button):
            b.setEnabled(controls.weights)
        self.pause_button.setEnabled(controls.pause)
        self.stop_button.setEnabled(controls.stop)
        self.pause_button.setText(controls.pause_text)
