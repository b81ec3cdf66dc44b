"""The Dask engine: the local engine with its chunks scored on a Dask cluster.

``regen score IN -o OUT --engine dask`` reads the input with the one reader
(:mod:`regen.files.read`), sends each chunk to a Dask worker, which validates,
predicts and encodes it with the same pure function as the local engine
(:func:`regen.batch.score.score_chunk`), and writes the results in input order through
the same writer. So every option (``--errors``, ``--chunksize``,
``--book-at-risk``, ``-o -``, ``.csv.gz``, ``.parquet``) means the same thing
and the outputs, the errors file and the summary are the same, byte for byte.

Which cluster:

- ``--scheduler tcp://host:8786`` (or ``scheduler=`` here): an existing
  cluster (started with ``dask scheduler`` / ``dask worker``, dask-jobqueue,
  Kubernetes, ...); its workers need ``regen`` installed (the same version);
- otherwise the address Dask itself reads: the environment variable
  ``DASK_SCHEDULER_ADDRESS`` (Dask's config key ``scheduler-address``);
- otherwise a local cluster in this process (threads; ``pip install
  'regen-cryo[dask]'``).

The recipe for a Dask DataFrame pipeline of your own::

    import dask.dataframe as dd, regen
    frame = dd.read_csv("cohort-*.csv", dtype=str, keep_default_na=False)
    scored = frame.map_partitions(regen.score_frame, meta=regen.score_frame(frame._meta))
"""

from __future__ import annotations

import os

__all__ = ["CONNECT_TIMEOUT", "DaskEngine", "check_scheduler_address", "scheduler_address", "score_files_dask"]

#: How long to try to reach an existing scheduler before giving up.
CONNECT_TIMEOUT = "10s"
#: Address schemes whose location is ``host:port``.
_HOST_PORT = ("tcp", "tls", "ws", "wss")


def scheduler_address(scheduler: str | None = None) -> str | None:
    """The scheduler to use: the one given, else Dask's ``scheduler-address`` (DASK_SCHEDULER_ADDRESS), else None."""
    if scheduler:
        return scheduler
    try:
        import dask
    except ImportError:
        return os.environ.get("DASK_SCHEDULER_ADDRESS") or None
    return dask.config.get("scheduler-address", None) or os.environ.get("DASK_SCHEDULER_ADDRESS") or None


def check_scheduler_address(address: str, source: str = "") -> str:
    """``address`` if Dask can connect to it as written (``tcp://host:port``, ``host:port``, ...).

    Checked before a client is made: Dask's own error for a malformed address
    is a traceback, and its half-made client then hangs while closing.
    ``source`` says where the address came from, for the message ('' = given by the caller).

    Raises
    ------
    RegenError
        Naming the address and what is expected.

    Examples
    --------
    >>> check_scheduler_address("tcp://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    """
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import backends, get_backend

    from regen.errors import RegenError

    expected = "expected e.g. tcp://10.0.0.5:8786"
    text = str(address)
    shown = f"{text!r} (from {source})" if source else repr(text)
    try:
        scheme, location = parse_address(text, strict=False)
        get_backend(scheme)
    except ValueError:
        known = ", ".join(sorted(backends))
        raise RegenError(f"Dask scheduler address {shown} has no known scheme ({known}); {expected}") from None
    if scheme in _HOST_PORT:
        try:
            host, port = parse_host_port(location)
        except (TypeError, ValueError):
            host, port = "", -1
        if not host or not 0 < int(port) < 65536:
            raise RegenError(f"Dask scheduler address {shown} is not host:port; {expected}")
    return text


def _client(address: str | None, source: str = ""):
    try:
        from distributed import Client
    except ImportError:
        from regen.errors import RegenError

        raise RegenError("the dask engine needs Dask's distributed scheduler: pip install 'regen-cryo[dask]'") from None
    if address:
        address = check_scheduler_address(address, source)
        try:
            return Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            from regen.errors import RegenError

            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise RegenError(f"cannot reach the Dask scheduler at {address}: {reason}") from None
    return Client(
        processes=False,
        n_workers=1,
        threads_per_worker=os.cpu_count() or 1,
        dashboard_address=":0",
        set_as_default=False,
    )


class DaskEngine:
    """Chunks scored on a Dask cluster: the engine :func:`regen.batch.score.score_file` takes.

    Parameters
    ----------
    scheduler : str, optional
        Address of an existing scheduler (see the module notes); default: Dask's
        ``scheduler-address`` setting, else a local cluster in this process.
    client : distributed.Client, optional
        A client to use instead (not closed here).

    The client is made when the run starts (after its checks) and closed when
    it ends; the run's :class:`regen.model.prediction.Scoring` is sent to every
    worker once.
    """

    def __init__(self, scheduler: str | None = None, client=None) -> None:
        self.scheduler, self.client, self.own = scheduler, client, client is None

    def __enter__(self) -> DaskEngine:
        if self.own:
            origin = "" if self.scheduler else "DASK_SCHEDULER_ADDRESS or Dask's scheduler-address setting"
            self.client = _client(scheduler_address(self.scheduler), origin)
        return self

    def runner(self, scoring, kind: str):
        """``(submit, window)``: a function sending one chunk to a worker (a future), and how many may be in flight."""
        from regen.batch.score import score_chunk

        workers = max(sum(self.client.nthreads().values()), 1)
        shared = self.client.scatter(scoring, broadcast=True)  # unpickled once per worker (the model validated once)

        def submit(chunk):
            return self.client.submit(score_chunk, chunk, shared, kind, pure=False)

        return submit, 2 * workers

    def __exit__(self, *exc) -> None:
        if self.own and self.client is not None:
            self.client.close()
            self.client = None


def score_files_dask(
    source: str,
    target: str,
    model=None,
    errors_path: str | None = None,
    chunksize: int | None = None,
    progress=None,
    book_at_risk: float | None = None,
    scheduler: str | None = None,
    client=None,
    allow_any_nerve: bool = False,
) -> dict:
    """Score a file (or a glob of files) on a Dask cluster: :func:`regen.batch.score.score_file` with a
    :class:`DaskEngine`.

    Raises
    ------
    RegenError
        If the scheduler address is malformed or cannot be reached within
        :data:`CONNECT_TIMEOUT` (one line naming the address; nothing written).
    """
    from regen.batch.score import score_file

    return score_file(
        source,
        target,
        model,
        errors_path,
        chunksize,
        progress,
        book_at_risk,
        engine=DaskEngine(scheduler, client),
        allow_any_nerve=allow_any_nerve,
    )
