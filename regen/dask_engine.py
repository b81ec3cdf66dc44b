"""The Dask engine: the local engine with its chunks scored on a Dask cluster.

``regen score IN -o OUT --engine dask`` reads the input with the one reader
(:mod:`regen.tables`), sends each chunk to a Dask worker, which validates,
predicts and encodes it with the same pure function as the local engine
(:func:`regen.io.score_chunk`), and writes the results in input order through
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

__all__ = ["scheduler_address", "score_files_dask"]


def scheduler_address(scheduler: str | None = None) -> str | None:
    """The scheduler to use: the one given, else Dask's ``scheduler-address`` (DASK_SCHEDULER_ADDRESS), else None."""
    if scheduler:
        return scheduler
    try:
        import dask
    except ImportError:
        return os.environ.get("DASK_SCHEDULER_ADDRESS") or None
    return dask.config.get("scheduler-address", None) or os.environ.get("DASK_SCHEDULER_ADDRESS") or None


def _client(address: str | None):
    try:
        from distributed import Client
    except ImportError:
        from regen.errors import RegenError

        raise RegenError("the dask engine needs Dask's distributed scheduler: "
                         "pip install 'regen-cryo[dask]'") from None
    if address:
        try:
            return Client(address, timeout="10s", set_as_default=False)
        except (OSError, TimeoutError) as exc:
            from regen.errors import RegenError

            raise RegenError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    return Client(processes=False, n_workers=1, threads_per_worker=os.cpu_count() or 1, dashboard_address=":0",
                  set_as_default=False)


_MODELS: dict = {}


def _score_on_worker(chunk, bundle: dict, **options) -> dict:
    """:func:`regen.io.score_chunk` on a worker, the model rebuilt once per worker from its bundle."""
    import hashlib
    import json

    from regen.io import score_chunk
    from regen.model import Model

    key = hashlib.sha256(json.dumps(bundle, sort_keys=True).encode()).hexdigest()  # the content, not an id
    if key not in _MODELS:
        _MODELS.clear()
        _MODELS[key] = Model(bundle)
    return score_chunk(chunk, _MODELS[key], **options)


def score_files_dask(source: str, target: str, model=None, errors_path: str | None = None,
                     chunksize: int | None = None, progress=None, book_at_risk: float | None = None,
                     scheduler: str | None = None, client=None, allow_any_nerve: bool = False) -> dict:
    """Score a file (or a glob of files) on a Dask cluster: the arguments and result of :func:`regen.io.score_file`.

    Parameters
    ----------
    scheduler : str, optional
        Address of an existing scheduler (see the module notes).
    client : distributed.Client, optional
        A client to use instead (not closed here).
    """
    from regen.files import check_paths
    from regen.io import score_file
    from regen.scoring import resolve_model

    check_paths({"--output": target, "--errors": errors_path}, (source,), stdout_ok=True)
    model = resolve_model(model)
    own = client is None
    client = _client(scheduler_address(scheduler)) if own else client
    try:
        from regen.model import thaw

        workers = max(sum(client.nthreads().values()), 1)
        shared = client.scatter(thaw(model.bundle), broadcast=True)  # plain data: any worker can unpickle it

        def submit(func, chunk):
            options = {k: v for k, v in func.keywords.items() if k != "model"}
            return client.submit(_score_on_worker, chunk, shared, pure=False, **options)

        return score_file(source, target, model, errors_path, chunksize, progress, book_at_risk,
                          submit=submit, window=2 * workers, allow_any_nerve=allow_any_nerve)
    finally:
        if own:
            client.close()
