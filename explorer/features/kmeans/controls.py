"""The K-means lab's side controls: K, seed, start, points, space; the six step
buttons; the animation speed. Widgets only: the panel binds them to the lab."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from explorer.features.kmeans.animation import DEFAULT_SPEED
from explorer.features.kmeans.lab import DEFAULT_K, INITS, KMeansLab
from explorer.features.kmeans.layout import combo, named, spin
from explorer.features.kmeans.plot_items import MAX_K
from explorer.features.kmeans.points_feed import DEFAULT_POINTS, SOURCES

SPACES = ("2-D projection", "full latent space")


class LabControls(QWidget):
    """The controls column above the J plot; each button calls the lab directly."""

    def __init__(self, lab: KMeansLab, parent: QWidget | None = None):
        super().__init__(parent)
        self.k_spin = spin("kmeans_k_spin", 1, MAX_K, DEFAULT_K, "Number of clusters K")
        self.seed_spin = spin("kmeans_seed_spin", 0, 9999, 0, "Seed of the random start")
        self.points_spin = spin("kmeans_points_spin", 1, 10_000, DEFAULT_POINTS,
                                "How many test digits to cluster (the first n)")
        self.points_spin.setSingleStep(500)
        self.points_spin.setGroupSeparatorShown(True)
        self.init_combo = combo("kmeans_init_combo", INITS,
                                "Where the centroids start: k-means++ spreads them out, "
                                "random picks K points, or click on the plot")
        self.source_combo = combo("kmeans_source_combo", [t for t, _ in SOURCES],
                                  "Cluster the encoder's codes or the raw 784 pixels")
        self.space_combo = combo("kmeans_space_combo", SPACES,
                                 "2-D: cluster exactly what you see. Full: cluster the codes "
                                 "themselves; centroids are shown projected")

        buttons = QGridLayout()
        self.buttons: dict[str, QPushButton] = {}
        for i, (name, text, tip, slot) in enumerate((
                ("assign", "Assign", "r-step: every point to its nearest centroid",
                 lambda: lab.half_step("assign")),
                ("update", "Update", "μ-step: every centroid to the mean of its points",
                 lambda: lab.half_step("update")),
                ("step", "Step", "Both: assign, then update", lab.step),
                ("back", "Back", "Undo the last half step", lab.back),
                ("reset", "Reset", "New starting centroids from the initialisation and "
                                   "seed; every point back to grey", lab.reset),
                ("run", "Run", "Animate half steps until convergence (click to stop)",
                 lab.toggle_run))):
            button = named(QPushButton(text), f"kmeans_{name}_button", tip)
            button.clicked.connect(lambda _=False, slot=slot: slot())
            self.buttons[name] = button
            buttons.addWidget(button, i // 3, i % 3)
        self.speed_slider = named(QSlider(Qt.Orientation.Horizontal), "kmeans_speed_slider",
                                  "Animation speed, in half steps per second")
        self.speed_slider.setRange(1, 20)
        self.speed_slider.setValue(DEFAULT_SPEED)
        self.speed_label = QLabel()
        self.show_speed(DEFAULT_SPEED)

        form = QGridLayout()
        form.setVerticalSpacing(4)
        for row, (a, wa, b, wb) in enumerate((("K", self.k_spin, "seed", self.seed_spin),
                                              ("start", self.init_combo, None, None),
                                              ("points", self.source_combo, "n", self.points_spin),
                                              ("space", self.space_combo, None, None))):
            form.addWidget(QLabel(a), row, 0)
            form.addWidget(wa, row, 1, 1, 1 if wb else 3)
            if wb:
                form.addWidget(QLabel(b), row, 2)
                form.addWidget(wb, row, 3)
        form.setColumnStretch(1, 1)
        speed = QHBoxLayout()
        for widget, stretch in ((QLabel("speed"), 0), (self.speed_slider, 1),
                                (self.speed_label, 0)):
            speed.addWidget(widget, stretch)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for part in (form, buttons, speed):
            layout.addLayout(part)

    def show_speed(self, value: int) -> None:
        self.speed_label.setText(f"{value} half steps/s")
