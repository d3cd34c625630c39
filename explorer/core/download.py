"""Full MNIST (60,000 training and 10,000 test digits), downloaded on request.

Never at start-up: the program must work offline, and the embedded sample
does. Keras' own downloader (`keras.datasets.mnist.load_data`) fetches and
checks the file into its cache, where `data.load_dataset()` then finds it.
That downloader cannot be interrupted mid-file, so the UI runs this as a
background job and simply ignores the answer of a cancelled one. Before it
starts, a short TCP probe of the server turns "no network" into a clear
message in milliseconds instead of a long urllib stall.
"""

from __future__ import annotations

import socket

from explorer.core.data import Dataset, DatasetError, keras_cache_path, load_dataset
from explorer.core.tasks import TaskState, ensure

__all__ = ["DownloadError", "SERVER", "probe_server", "download_full_mnist", "is_full_mnist"]

# Where keras.datasets.mnist fetches mnist.npz (11 MB) from.
SERVER = ("storage.googleapis.com", 443)
FULL_PREFIX = "full MNIST"  # data.load_dataset's source for a genuine Keras cache


class DownloadError(RuntimeError):
    """The download could not be done; the message says why, for the user."""


def is_full_mnist(dataset: Dataset) -> bool:
    return dataset.source.startswith(FULL_PREFIX)


def probe_server(timeout_s: float = 3.0, server: tuple[str, int] = SERVER) -> None:
    """Raise DownloadError at once when the download server cannot be reached."""
    try:
        socket.create_connection(server, timeout=timeout_s).close()
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise DownloadError(f"could not reach the download server {server[0]}: {reason}") from None


def download_full_mnist(probe_timeout_s: float = 3.0,
                        state: TaskState | None = None) -> Dataset | None:
    """Full MNIST from the Keras cache, downloading it first if it is not there.

    Returns None once `state` is cancelled (Keras' download itself cannot be
    interrupted, so that is checked before and after it).
    Raises DownloadError with a message for the user on any failure.
    """
    state = ensure(state)
    if keras_cache_path().is_file():
        cached = load_dataset()  # a bad cache falls back (and is re-downloaded below)
        if is_full_mnist(cached):
            return cached
    probe_server(probe_timeout_s)
    if state.is_cancelled():
        return None
    from explorer.core import models

    keras = models.import_keras()
    try:
        keras.datasets.mnist.load_data()
    except Exception as exc:  # urllib, hash mismatch, disk full...: Keras wraps them all
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DownloadError(f"the download failed: {reason}") from None
    if state.is_cancelled():
        return None
    try:
        ds = load_dataset()
    except DatasetError as exc:
        raise DownloadError(f"the downloaded file cannot be used: {exc}") from None
    if not is_full_mnist(ds):
        raise DownloadError(f"the downloaded file {keras_cache_path()} was not accepted "
                            f"({ds.source})")
    return ds
