"""The menu bar: File, View, one menu per group of demo keys, Help.

The menus are where a lecturer finds everything, with its key. File has the
dataset actions and Export; View the tabs and presentation mode; the demo
menus ("Model", "K-means", ...) are made from the features' declared
`DemoAction`s, in the order the features come.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox

from explorer.ui.keys import bind_demo_action


class WindowMenus:
    """The main window's menus, as a mixin of MainWindow (which has the parts they use:
    session, tabs, features, model_dock, settings_store, show_error, ...)."""

    def _build_menus(self) -> None:
        from explorer.ui.dataset_actions import DatasetActions
        from explorer.ui.exporting import Exporter
        from explorer.ui.presentation import AUTO, SCALES, PresentationMode

        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.dataset_actions = DatasetActions(self, self.session, self.settings_store, self.show_error)
        file_menu.addActions(self.dataset_actions.actions)
        file_menu.addSeparator()
        self.open_sweep_action = QAction("Open s&weep…", self)
        self.open_sweep_action.setObjectName("open_sweep_action")
        self.open_sweep_action.setToolTip("A folder written by `main.py sweep ... --out DIR`: "
                                          "its trials' losses, the loss against code size, "
                                          "their reconstructions; load any trial's weights")
        self.open_sweep_action.setStatusTip(self.open_sweep_action.toolTip())
        self.open_sweep_action.triggered.connect(lambda _checked=False: self.open_sweep())
        file_menu.addAction(self.open_sweep_action)
        self.toggle_lesson_action, self.open_lesson_action = self.lesson_dock.menu_actions()
        file_menu.addAction(self.open_lesson_action)
        file_menu.addSeparator()
        from explorer.ui.scene_actions import SceneActions

        self.scene_actions = SceneActions(self)
        file_menu.addActions(self.scene_actions.actions)
        file_menu.addSeparator()
        self.exporter = Exporter(self, self.tabs, self.session, self.settings_store,
                                 self.features, self.show_error)
        file_menu.addMenu(self.exporter.menu)
        file_menu.addSeparator()
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self.close)
        file_menu.addAction(self.quit_action)
        self.file_menu = file_menu

        view_menu = bar.addMenu("&View")
        self.next_tab_action = self.menu_action(view_menu, "next_tab_action", "Next tab",
                                        ("Ctrl+Tab", "Ctrl+PgDown"), lambda: self.step_tab(1))
        self.previous_tab_action = self.menu_action(view_menu, "previous_tab_action", "Previous tab",
                                            ("Ctrl+Shift+Tab", "Ctrl+PgUp"), lambda: self.step_tab(-1))
        self.toggle_dock_action = self.model_dock.toggleViewAction()
        self.toggle_dock_action.setObjectName("toggle_dock_action")
        self.toggle_dock_action.setText("&Model panel")
        self.toggle_dock_action.setShortcut(QKeySequence("F9"))
        self.toggle_dock_action.setToolTip("Show or hide the model panel (F9); presentation "
                                           "mode hides it to give the tabs the width")
        view_menu.addAction(self.toggle_dock_action)
        self.addAction(self.toggle_dock_action)  # works in full screen too
        view_menu.addAction(self.toggle_lesson_action)
        view_menu.addSeparator()
        self.presentation = PresentationMode(self, self.settings_store.presentation_scale(),
                                             docks=(self.model_dock,))
        self.presentation_action = self.menu_action(view_menu, "presentation_action",
                                            "&Presentation mode", ("F11",), None)
        self.presentation_action.setCheckable(True)
        self.presentation_action.setToolTip("Full screen, large type and high contrast, "
                                         "for a projector (F11)")
        self.presentation_action.toggled.connect(self.presentation.set_active)
        self.presentation.toggled.connect(self.presentation_action.setChecked)
        # Esc leaves full screen, as everywhere else; it never stops a training run.
        self.leave_presentation_action = self.menu_action(
            view_menu, "leave_presentation_action", "&Leave presentation mode", ("Esc",),
            lambda: self.presentation_action.setChecked(False))
        self.leave_presentation_action.setEnabled(False)
        self.presentation.toggled.connect(self.leave_presentation_action.setEnabled)
        self.presentation.toggled.connect(self.tabs.set_presenting)
        scale_menu = view_menu.addMenu("Presentation &scale")
        self.scale_actions = QActionGroup(self)
        for scale in (AUTO, *SCALES):
            action = scale_menu.addAction("Fit the screen" if scale == AUTO else f"{scale:g}×")
            action.setCheckable(True)
            action.setChecked(scale == self.presentation.scale_setting)
            action.setData(scale)
            self.scale_actions.addAction(action)
        self.scale_actions.triggered.connect(lambda a: self.set_presentation_scale(a.data()))
        from explorer.ui.blank_screen import BlankScreen

        self.blank_screen = BlankScreen(self)
        self.blank_screen_action = self.menu_action(view_menu, "blank_screen_action",
                                                    "&Blank the screen", ("B",),
                                                    self.blank_screen.blank)
        self.blank_screen_action.setToolTip("The window goes black, so the class looks at you; "
                                            "any key or click brings it back (B)")
        view_menu.addSeparator()
        self.about_note_action = self.menu_action(view_menu, "about_note_action",
                                                  "&What am I looking at?", ("F1",),
                                                  self.tabs.toggle_note)
        self.about_note_action.setToolTip("Open or close the current tab's note in plain words")
        self.view_menu = view_menu

        self.demo_menus = self._demo_menus()
        self.model_menu = self.demo_menus["Model"]
        self.model_actions = list(self.model_menu.actions())
        self.revert_action = QAction("Re&vert to the shipped weights", self)
        self.revert_action.setObjectName("revert_weights_action")
        self.revert_action.setToolTip("Load the pre-trained weights again, dropping what this "
                                      "session made for this architecture")
        self.revert_action.triggered.connect(lambda _checked=False: self.revert_to_shipped())
        self.model_menu.addAction(self.revert_action)
        self.model_menu.aboutToShow.connect(lambda: self.revert_action.setEnabled(
            self.session.is_ready and not self.session.is_busy))
        self.model_menu.addSeparator()
        self.tensorboard_action = QAction("Log runs to &TensorBoard…", self)
        self.tensorboard_action.setObjectName("tensorboard_action")
        self.tensorboard_action.setCheckable(True)
        self.tensorboard_action.setToolTip("Also write every training run's losses as "
                                        "TensorBoard event files into a folder")
        self.tensorboard_action.toggled.connect(self.on_tensorboard_toggled)
        self.model_menu.addAction(self.tensorboard_action)
        self.kmeans_menu = self.demo_menus.get("K-means")
        self.kmeans_actions = list(self.kmeans_menu.actions()) if self.kmeans_menu else []

        help_menu = bar.addMenu("&Help")
        self.menu_action(help_menu, "shortcuts_action", "&Keyboard shortcuts", (),
                    self.show_shortcuts)
        self.menu_action(help_menu, "about_action", "&About Autoencoder Explorer", (),
                    self.show_about)
        self.help_menu = help_menu

    def _demo_menus(self) -> dict[str, QMenu]:
        """One menu per `DemoAction.menu`, holding the features' demo keys."""
        menus: dict[str, QMenu] = {}
        for feature in self.features:
            for demo in feature.demo_actions():
                menu = menus.get(demo.menu)
                if menu is None:
                    menu = menus[demo.menu] = self.menuBar().addMenu(f"&{demo.menu}")
                before = (lambda f=feature: self.show_feature(f)) if demo.show_first else None
                menu.addAction(bind_demo_action(self, demo, before))
        return menus

    def menu_action(self, menu: QMenu, name: str, text: str, shortcuts, slot) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.setShortcuts([QKeySequence(s) for s in shortcuts])
        if slot is not None:
            action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        self.addAction(action)  # keys work in full screen with the menu bar hidden too
        return action

    def show_shortcuts(self) -> None:
        rows = []
        for menu in (self.view_menu, *self.demo_menus.values(), self.file_menu, self.exporter.menu):
            for action in menu.actions():
                keys = " or ".join(k.toString(QKeySequence.SequenceFormat.NativeText)
                                   for k in action.shortcuts())
                if keys:
                    rows.append(f"<tr><td><b>{keys}</b></td><td>&nbsp;&nbsp;"
                                f"{action.text().replace('&', '').rstrip('…')}</td></tr>")
        box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard shortcuts",
                          "<table>" + "".join(rows) + "</table>",
                          QMessageBox.StandardButton.Close, self)
        box.setObjectName("shortcuts_box")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # not exec(): the window stays live behind it

    def show_about(self) -> None:
        from explorer import __version__

        QMessageBox.about(
            self, "About Autoencoder Explorer",
            f"<h3>Autoencoder Explorer {__version__}</h3>"
            "<p>Train the Keras MNIST autoencoders live, look at their reconstructions "
            "and codes, and step K-means on the latent space.</p>"
            "<p><b>Data:</b> the MNIST database of handwritten digits by Yann LeCun, "
            "Corinna Cortes and Christopher J.C. Burges, distributed under the "
            "Creative Commons Attribution-Share Alike 3.0 licence (CC BY-SA 3.0). "
            "The program ships its 10,000-digit test split.</p>")
