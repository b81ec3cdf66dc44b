"""Background fits: export the recorded outcomes, fit with the library, store the model; progress in the database.

The fit is ``regen fit``'s, from the published evidence (:func:`regen.web.forecasts.fit_clinic_model`);
without the bayes extra the job fails with the one line saying what to install.

One fit at a time runs in a worker thread of the server process; its state
(queued, running, done, failed), a progress fraction and a message are rows of
``fit_jobs``, so any page (or another server process) can show them.

Progress moves at each stage (outcomes exported 10 %, fitting 30 %, model
stored 90 %, done 100 %). When the library's fit takes a ``progress`` callable
(:func:`regen.web.forecasts.reports_progress`), it gets a :class:`Reporter`
and its reports move the fraction inside the fitting stage (30-90 %), with
its message; writes to the database are throttled.
"""

from __future__ import annotations

import logging
import numbers
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from regen.store import registry
from regen.web import exports
from regen.web import forecasts as lib

__all__ = ["FIT_STAGE", "FitRunner", "Reporter", "read_report"]

_log = logging.getLogger("regen.web.jobs")

#: The share of the progress bar the library's own fit reports move through (from, to).
FIT_STAGE = (0.3, 0.9)


def read_report(*args, **kwargs) -> tuple[float | None, str | None]:
    """A library progress report as (fraction 0-1 or None, message or None).

    Accepted shapes: ``(fraction)``, ``(fraction, message)``, ``(done, total)``,
    ``(done, total, message)``, ``(message)`` (a line of text), and the keywords
    ``fraction``, ``done``/``total``, ``message``. Anything else is ignored.
    """
    fraction, message = kwargs.get("fraction"), kwargs.get("message")
    numbers_given = [a for a in args if isinstance(a, numbers.Real) and not isinstance(a, bool)]
    texts = [a for a in args if isinstance(a, str)]
    if "done" in kwargs and kwargs.get("total"):
        numbers_given = [kwargs["done"], kwargs["total"]]
    if len(numbers_given) >= 2 and numbers_given[1]:
        fraction = float(numbers_given[0]) / float(numbers_given[1])
    elif len(numbers_given) == 1:
        fraction = float(numbers_given[0])
    if texts:
        message = texts[0]
    if fraction is not None:
        fraction = min(max(float(fraction), 0.0), 1.0) if fraction == fraction else None
    return fraction, (str(message)[:500] if message is not None else None)


class Reporter:
    """The ``progress`` callable handed to the library's fit: its reports become the job's progress.

    Parameters
    ----------
    save : callable
        ``save(progress=..., message=...)`` stores the job's state.
    interval_s : float
        Least seconds between two stored reports (the last one is stored by :meth:`flush`).
    """

    def __init__(self, save, interval_s: float = 0.5) -> None:
        self.save, self.interval_s = save, interval_s
        self._lock = threading.Lock()
        self._state = {"progress": FIT_STAGE[0], "message": None}
        self._saved_at = float("-inf")
        self._dirty = False

    def __call__(self, *args, **kwargs) -> None:
        fraction, message = read_report(*args, **kwargs)
        with self._lock:
            if fraction is not None:
                low, high = FIT_STAGE
                self._state["progress"] = max(self._state["progress"], low + (high - low) * fraction)
            if message:
                self._state["message"] = message
            self._dirty = True
            if time.monotonic() - self._saved_at < self.interval_s:
                return
            self._store()

    def _store(self) -> None:
        values = {k: v for k, v in self._state.items() if v is not None}
        self._saved_at, self._dirty = time.monotonic(), False
        try:
            self.save(**values)
        except Exception as exc:  # a report must never break the fit
            _log.error("fit progress not stored: %s", type(exc).__name__)

    def flush(self) -> None:
        """Store the last report if it was held back."""
        with self._lock:
            if self._dirty:
                self._store()


class FitRunner:
    """Runs clinic fits one at a time in a background thread, from the evidence (``regen fit``'s defaults).

    Parameters
    ----------
    store : Store
        The database.
    mcmc : dict, optional
        MCMC settings of the fit (:attr:`regen.web.settings.ServeSettings.fit_mcmc`).
    """

    #: Least seconds between two stored progress reports of the library's fit.
    progress_interval_s = 0.5

    def __init__(self, store, mcmc: dict | None = None) -> None:
        self.store = store
        self.mcmc = dict(mcmc or {})  # ServeSettings.fit_mcmc: empty, regen fit's defaults
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="regen-fit")

    def submit(self, actor: str) -> int:
        """Queue a fit; return the job id."""
        with self.store.write() as conn:
            job_id = registry.create_job(conn, actor)
        self._pool.submit(self._run, job_id, actor)
        return job_id

    def _set(self, job_id: int, **values) -> None:
        with self.store.write() as conn:
            registry.update_job(conn, job_id, **values)

    def _fit(self, job_id: int) -> dict:
        frame = exports.outcome_table(self.store)
        if not len(frame):
            raise lib.InputError("no treatment has a date and a recorded contact: nothing to fit on")
        with tempfile.TemporaryDirectory() as folder:
            outcomes = Path(folder) / "outcomes.csv"
            frame.to_csv(outcomes, index=False)
            low = FIT_STAGE[0]
            self._set(job_id, progress=low, message=f"fitting on {len(frame)} treatments from the evidence (regen fit)")
            reporter = Reporter(lambda **v: self._set(job_id, **v), self.progress_interval_s)
            try:
                return lib.fit_clinic_model(outcomes, folder, progress=reporter, mcmc=self.mcmc)
            finally:
                reporter.flush()

    def _run(self, job_id: int, actor: str) -> None:
        try:
            self._set(job_id, status="running", progress=0.1, message="exporting the recorded outcomes")
            fitted = self._fit(job_id)
            self._set(job_id, progress=FIT_STAGE[1], message="storing the model")
            with self.store.write() as conn:
                found = registry.model_by_version(conn, fitted["version"])
                model_id = (
                    found["id"]
                    if found
                    else registry.add_model(
                        conn,
                        fitted["version"],
                        "fitted",
                        actor,
                        bundle_json=fitted["bundle_json"],
                        card_md=fitted["card_md"],
                    )
                )
                log = "\n".join([fitted["summary"], *("warning: " + w for w in fitted["warnings"])])
                registry.update_job(
                    conn,
                    job_id,
                    status="done",
                    progress=1.0,
                    model_id=model_id,
                    log=log,
                    message=f"model {fitted['version']} is ready; switch to it on the Models page",
                )
        except lib.RegenError as exc:
            self._set(job_id, status="failed", progress=1.0, message=str(exc))
        except Exception as exc:  # a crash must still end the job; its text may hold data values: not logged
            _log.error("fit job %d failed: %s", job_id, type(exc).__name__)
            self._set(job_id, status="failed", progress=1.0, message=f"the fit failed ({type(exc).__name__})")

    def shutdown(self) -> None:
        """Stop accepting jobs; wait for the running one."""
        self._pool.shutdown(wait=True, cancel_futures=True)
