"""Background fits: export the recorded outcomes, fit with the library, store the model; progress in the database.

One fit at a time runs in a worker thread of the server process; its state
(queued, running, done, failed), a progress fraction and a message are rows of
``fit_jobs``, so any page (or another server process) can show them.
The library's fit reports no progress of its own: the fraction moves at each
stage (outcomes exported, fitting, model stored).
"""

from __future__ import annotations

import logging
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from regen.store import registry
from regen.web import exports
from regen.web import forecasts as lib

__all__ = ["FitRunner"]

_log = logging.getLogger("regen.web.jobs")


class FitRunner:
    """Runs clinic fits one at a time in a background thread."""

    def __init__(self, store) -> None:
        self.store = store
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="regen-fit")
        self._lock = threading.Lock()

    def submit(self, actor: str) -> int:
        """Queue a fit; return the job id."""
        with self.store.write() as conn:
            job_id = registry.create_job(conn, actor)
        self._pool.submit(self._run, job_id, actor)
        return job_id

    def _set(self, job_id: int, **values) -> None:
        with self.store.write() as conn:
            registry.update_job(conn, job_id, **values)

    def _run(self, job_id: int, actor: str) -> None:
        try:
            self._set(job_id, status="running", progress=0.1, message="exporting the recorded outcomes")
            frame = exports.outcome_table(self.store)
            if not len(frame):
                raise lib.InputError("no treatment has a date and a recorded contact: nothing to fit on")
            with tempfile.TemporaryDirectory() as folder:
                outcomes = Path(folder) / "outcomes.csv"
                frame.to_csv(outcomes, index=False)
                self._set(job_id, progress=0.3, message=f"fitting on {len(frame)} treatments (regen fit)")
                fitted = lib.fit_clinic_model(outcomes, folder)
            self._set(job_id, progress=0.9, message="storing the model")
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
