"""The Time-lapse tab's state: which frames are shown, which one, and Play. No widgets.

Where the frames come from:

* at start, and whenever saved weights are loaded, the frames saved beside
  them (`<name>.timelapse.npz`, core.timelapse_store; the shipped weights come
  with the frames of their own training), so the tab works at once;
* during a training run, the run's recorder (services.training_run records
  a frame on the model thread after every epoch, before the epoch is
  announced): after each `epoch_finished` the tab takes a snapshot and moves
  to the newest frame;
* a run's frames stay with its weights while they are unsaved (one run per
  model: at most timelapse.MAX_FRAMES frames of 8 KB each, about 4 MB), and
  are written beside the weights when the user saves them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from explorer.core import store, timelapse_store
from explorer.core.timelapse import MAX_FRAMES, Timelapse

if TYPE_CHECKING:  # pragma: no cover
    from explorer.services.session import Session

SAVED_KEPT = 8  # saved time-lapses kept read, one per file: a lecture switches among a few
PLAY_INTERVAL_MS = 150  # about seven epochs a second: fast enough to see the cloud form
NO_FRAMES = ("These weights have no time-lapse yet: train the model and every epoch is "
             "recorded here.")


def timelapse_file(weights: Path) -> Path:
    """`<name>.timelapse.npz` beside `<name>.weights.h5`."""
    name = weights.name.removesuffix(".weights.h5")
    return weights.with_name(f"{name}.timelapse.npz")


class TimelapseState(QObject):
    """The shown time-lapse (`timelapse`, None: none), the frame `index`, Play."""

    changed = Signal()  # another time-lapse (or a longer one, during a run)
    frame_changed = Signal(int)
    playing_changed = Signal(bool)
    message_changed = Signal(str)

    def __init__(self, session: Session, parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        self.timelapse: Timelapse | None = None
        self.index = 0
        self.message = ""
        self.origin = ""  # "saved" (from a file) or "run" (recorded in this session)
        self._runs: dict[str, Timelapse] = {}  # unsaved runs' frames, by model variant
        # Saved files read before, by (path, mtime, size): reading and aligning
        # a shipped file took 65-135 ms of the GUI thread on every switch back.
        self._saved: dict[tuple[Path, int, int], Timelapse] = {}
        self._timer = QTimer(self)
        self._timer.setInterval(PLAY_INTERVAL_MS)
        self._timer.timeout.connect(self._advance)
        session.weights_changed.connect(self._on_weights_changed)
        session.training_started.connect(lambda _config: self._say("recording: a frame after "
                                                                   "every epoch…"))
        session.epoch_finished.connect(lambda _result: self._take_snapshot())
        session.training_ended.connect(lambda _result: self._take_snapshot())
        session.weights_saved.connect(self.save_beside)

    # ----------------------------------------------------------- frames
    @property
    def is_playing(self) -> bool:
        return self._timer.isActive()

    @property
    def n_frames(self) -> int:
        return len(self.timelapse) if self.timelapse is not None else 0

    @property
    def epoch(self) -> int | None:
        return int(self.timelapse.epochs[self.index]) if self.n_frames else None

    def set_index(self, index: int) -> None:
        if not self.n_frames:
            return
        index = max(0, min(int(index), self.n_frames - 1))
        if index != self.index:
            self.index = index
            self.frame_changed.emit(index)

    def toggle_play(self) -> None:
        if self.is_playing:
            self.stop()
        elif self.n_frames > 1:
            if self.index >= self.n_frames - 1:
                self.set_index(0)  # from the start again
            self._timer.start()
            self.playing_changed.emit(True)

    def stop(self) -> None:
        if self.is_playing:
            self._timer.stop()
            self.playing_changed.emit(False)

    def _advance(self) -> None:
        if self.index >= self.n_frames - 1:
            self.stop()
        else:
            self.set_index(self.index + 1)

    def memory_note(self) -> str:
        """How much the frames hold, and the bound."""
        t = self.timelapse
        if t is None:
            return ""
        held = t.raw.nbytes + t.coords.nbytes
        return (f"{len(t)} frames of {t.labels.shape[0]:,} probe digits, {held / 1e6:.1f} MB "
                f"(a run keeps at most {MAX_FRAMES} frames, thinned evenly past that)")

    # ----------------------------------------------------------- sources
    def show(self, t: Timelapse | None, origin: str, message: str = "",
             at_end: bool = True) -> None:
        self.stop()
        self.timelapse, self.origin = t, origin
        self.index = max(len(t) - 1, 0) if t is not None and at_end else 0
        self.changed.emit()
        self.frame_changed.emit(self.index)
        self._say(message if t is not None or message else NO_FRAMES)

    def load_saved(self) -> None:
        """The frames saved beside the loaded weights (the shipped ones at start)."""
        name = self.session.current.name
        for folder in self._folders():
            path = timelapse_file(store.weights_path(name, folder))
            if not path.exists():
                continue
            try:
                t = self._read(path)
            except store.StoreError as exc:
                self.show(None, "", f"The time-lapse file is unusable: {exc}")
                return
            self.show(t, "saved", f"Recorded while these weights were trained ({path.name}).")
            return
        self.show(None, "")

    def _read(self, path: Path) -> Timelapse:
        """The saved file's frames, read again only if the file changed."""
        try:
            info = path.stat()
        except OSError:
            return timelapse_store.load_timelapse(path)  # says what is wrong
        key = (path.resolve(), info.st_mtime_ns, info.st_size)
        t = self._saved.pop(key, None)
        if t is None:
            t = timelapse_store.load_timelapse(path)
        self._saved[key] = t  # the newest last
        while len(self._saved) > SAVED_KEPT:
            del self._saved[next(iter(self._saved))]
        return t

    def _folders(self) -> list[Path]:
        if self.session.trained_dir is not None:
            return [self.session.trained_dir]
        return [self.session.save_folder, store.TRAINED_DIR]

    def _on_weights_changed(self) -> None:
        s = self.session
        if s.is_training:
            return  # the run's frames come with epoch_finished
        current = s.current
        if current.unsaved and current.name in self._runs:
            if self.origin != "run" or self.timelapse is not self._runs[current.name]:
                self.show(self._runs[current.name], "run", self._run_message())
            return
        if current.metadata is None:
            self.show(None, "")  # fresh weights: nothing was learnt, nothing recorded
            return
        self.load_saved()

    def _take_snapshot(self) -> None:
        recorder = self.session.runner.recorder
        if recorder is None or not recorder.n_frames:
            return
        t = recorder.snapshot(note="recorded in this session")
        self._runs[recorder.arch_id] = t
        self.show(t, "run", self._run_message())

    def _run_message(self) -> str:
        return ("Recorded during this session's training run; saved beside the weights when "
                "you save them.")

    def save_beside(self, weights_path) -> None:
        """The weights were saved: their run's frames go beside them."""
        name = self.session.current.name
        t = self._runs.pop(name, None)
        if t is None:
            return
        path = timelapse_file(Path(weights_path))
        try:
            timelapse_store.save_timelapse(t, path)
        except store.StoreError as exc:
            self.session.error_raised.emit(str(exc))
            return
        if self.timelapse is t:
            self.origin = "saved"
            self._say(f"Recorded during this session's training run; saved as {path.name}.")

    def _say(self, text: str) -> None:
        self.message = text
        self.message_changed.emit(text)
