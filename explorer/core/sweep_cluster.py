"""Where a sweep's trials run: a local cluster started here, or a running one.

`open_cluster(ClusterSpec(...))` yields a Dask client: on a `LocalCluster` of
worker processes sized to this machine, one thread each (TensorFlow held to
one thread per worker, so trials run side by side instead of fighting over
the cores), or on the cluster of a scheduler's address, reached within a
short timeout or a `SweepError` that says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass

# The probe of a scheduler waits this much past the connect timeout for the
# handshake, so that Dask's own timeout, which names the reason, fires first.
PROBE_MARGIN_S = 0.5
# A TensorFlow worker process with full MNIST loaded takes about a gigabyte;
# a local cluster starts no more workers than fit in this much each.
MEMORY_PER_WORKER = 1.5 * 2**30


class SweepError(RuntimeError):
    """A sweep that cannot start or go on; the message says why and what to do."""


@dataclass(frozen=True)
class ClusterSpec:
    """Where the trials run: a local cluster of `workers` processes, or `scheduler`'s."""

    workers: int | None = None  # None: sized to this machine (and to the trials)
    scheduler: str | None = None  # tcp://HOST:PORT of a running `dask scheduler`
    connect_timeout_s: float = 5.0


def local_worker_count(n_trials: int) -> int:
    """Workers for a local cluster: one per core, no more than trials or memory allow."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cores = os.cpu_count() or 1
    try:
        import psutil

        by_memory = int(psutil.virtual_memory().total // MEMORY_PER_WORKER)
    except ImportError:
        by_memory = cores
    return max(1, min(cores, n_trials, by_memory))


@contextlib.contextmanager
def open_cluster(cluster: ClusterSpec | None = None,
                 n_trials: int | None = None) -> Iterator[tuple[object, str]]:
    """(client, description) for the cluster `cluster` names, closed on leaving.

    A local cluster (no `scheduler`) is started here with `workers`
    processes (None: one per core, no more than `n_trials` or memory
    allows), one thread each; or a client connects to `scheduler` within
    `connect_timeout_s`, raising SweepError if it cannot. Keeping one open
    across sweeps saves the workers' start-up (TensorFlow's import in each).
    """
    from distributed import Client, LocalCluster

    cluster = cluster or ClusterSpec()
    if cluster.scheduler:
        client = _client_for(cluster.scheduler, cluster.connect_timeout_s)
        try:
            _wait_for_a_worker(client, cluster)
            n = len(client.scheduler_info()["workers"])
            yield client, f"the cluster at {cluster.scheduler} ({n} worker{'s' * (n != 1)})"
        finally:
            client.close(timeout=cluster.connect_timeout_s)
        return
    n = cluster.workers or local_worker_count(n_trials or 1_000_000)
    local = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                         dashboard_address=None, memory_limit=0, silence_logs=logging.ERROR,
                         preload=["explorer.core.sweep_trial"])
    try:
        client = Client(local, set_as_default=False)
        try:
            yield client, f"a local cluster of {n} worker{'s' * (n != 1)}, one thread each"
        finally:
            client.close()
    finally:
        local.close()


def _client_for(address: str, timeout_s: float):
    from distributed import Client

    try:
        _probe(address, timeout_s)
        return Client(address, timeout=timeout_s, set_as_default=False)
    except (OSError, TimeoutError, asyncio.TimeoutError, ValueError) as exc:
        reason = _why_unreachable(address, exc)
        raise SweepError(
            f"cannot reach the Dask scheduler at {address} within {timeout_s:g} s ({reason}); "
            f"start one with `dask scheduler`, check the address, or leave out --scheduler "
            f"to run on this machine") from None


def _why_unreachable(address: str, exc: BaseException) -> str:
    """A short reason: Dask's own error says only "timed out" for most of them."""
    import socket

    from distributed.comm.addressing import parse_address, parse_host_port

    if isinstance(exc, ValueError):  # a malformed address: Dask's text says how
        return str(exc).splitlines()[0]
    try:
        scheme, location = parse_address(address)
        host, port = parse_host_port(location, default_port=8786)
    except ValueError as bad:
        return str(bad).splitlines()[0]
    if scheme != "tcp":
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    try:  # only now, as the scheduler did not answer: no noise in a working one's log
        with socket.create_connection((host, port), timeout=1.0):
            return "something listens there but does not answer as a Dask scheduler"
    except ConnectionRefusedError:
        return f"connection refused: nothing listens on port {port} of {host}"
    except socket.gaierror:
        return f"unknown host {host!r}"
    except OSError as err:
        return err.strerror or str(err) or "no answer from the host"


def _probe(address: str, timeout_s: float) -> None:
    """Open and close one connection to the scheduler, all within timeout_s.

    Dask's own connect bounds the TCP connection but not the handshake that
    follows: a port where something accepts and never answers (another
    service, a scheduler hung) kept `Client(address, timeout=2)` waiting
    until the far end closed, 30 s in a test here. This probe bounds both.
    """
    from distributed.comm import connect

    async def probe() -> None:
        # Dask's deadline first (its message says why), then the handshake's.
        comm = await asyncio.wait_for(connect(address, timeout=timeout_s),
                                      timeout_s + PROBE_MARGIN_S)
        await comm.close()

    asyncio.run(probe())


def _wait_for_a_worker(client, cluster: ClusterSpec) -> None:
    try:
        client.wait_for_workers(1, timeout=cluster.connect_timeout_s)
    except (TimeoutError, asyncio.TimeoutError):
        raise SweepError(f"the Dask scheduler at {cluster.scheduler} has no workers; start "
                         f"some with `dask worker {cluster.scheduler} --nthreads 1`") from None


