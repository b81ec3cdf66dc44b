"""Models: the embedded default and its card, a clinic fit as a background job, switching, versions kept."""

from __future__ import annotations

import re
import time

import pytest

from tests.web.conftest import DEFAULT_VERSION


def _wait(client, job_path: str, seconds: float = 60) -> str:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        page = client.get(job_path).text
        status = re.search(r"Status: <b>(\w+)</b>", page).group(1)
        if status in ("done", "failed"):
            return page
        time.sleep(0.2)
    raise AssertionError("the fit did not finish")


def test_the_default_model_is_active_with_its_card(client):
    page = client.get("/models").text
    assert DEFAULT_VERSION in page and "<b>active</b>" in page
    card = client.get("/models/1").text
    assert "studies" in card and 'id="card"' in card


def test_a_fit_with_no_outcomes_fails_saying_why(client, helpers):
    started = client.post("/models/fit", data={"csrf_token": helpers.token(client)}, follow_redirects=False)
    assert started.status_code == 303
    page = _wait(client, started.headers["location"])
    assert "failed" in page and "nothing to fit on" in page


def test_fit_switch_and_stored_versions(client, helpers, clinic_export):
    review = client.post(
        "/files/upload",
        data={"csrf_token": helpers.token(client)},
        files={"file": ("e.csv", clinic_export().read_bytes(), "text/csv")},
    ).text
    token = re.search(r'name="token" value="([^"]+)"', review).group(1)
    client.post("/files/import", data={"csrf_token": helpers.token(client), "token": token, "mode": "all"})
    started = client.post("/models/fit", data={"csrf_token": helpers.token(client)}, follow_redirects=False)
    page = _wait(client, started.headers["location"])
    assert "<b>done</b>" in page and "regen-fitted" not in page
    version = re.search(r"model (clinic@[0-9a-f]{8}) is ready", page).group(1)
    model_id = re.search(r'href="/models/(\d+)"', page).group(1)
    assert "Fitted by" in client.get(f"/models/{model_id}").text  # its card
    before = client.get("/treatments/1").text
    assert DEFAULT_VERSION in before
    client.post(f"/models/{model_id}/activate", data={"csrf_token": helpers.token(client)})
    assert version in client.get("/worklist").text  # the footer names the active model
    assert DEFAULT_VERSION in client.get("/treatments/1").text  # stored forecasts keep their version
    body, headers = {"nerve": "GON", "treated_on": "2026-01-05"}, {"x-csrf-token": helpers.token(client)}
    made = client.post("/api/v1/treatments", json=body, headers=headers).json()  # the session cookie: its token
    assert made["forecast"]["model_version"] == version
    worklist = client.get("/api/v1/worklist").json()
    versions = {e["model_version"] for e in worklist["overdue"] + worklist["this_week"]}
    assert DEFAULT_VERSION in versions


def _import_export(client, helpers, clinic_export) -> None:
    review = client.post(
        "/files/upload",
        data={"csrf_token": helpers.token(client)},
        files={"file": ("e.csv", clinic_export().read_bytes(), "text/csv")},
    ).text
    token = re.search(r'name="token" value="([^"]+)"', review).group(1)
    client.post("/files/import", data={"csrf_token": helpers.token(client), "token": token, "mode": "all"})


def _until(condition, seconds: float = 30) -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


def _slow_fit(monkeypatch, with_progress: bool):
    """A library fit that waits for the test's go (and, when it takes ``progress``, reports half way first)."""
    import threading

    from regen.fitting.fit_file import fit_file
    from regen.web import forecasts, jobs

    go, calls = threading.Event(), []
    monkeypatch.setattr(jobs.FitRunner, "progress_interval_s", 0.0)

    def with_reports(outcomes, output, name="regen-fitted", progress=None):
        calls.append(progress)
        progress(0.5, "sampling: chain 1 of 2")
        assert go.wait(30)
        progress(2, 2, "sampling done")
        return fit_file(outcomes, output, name=name)

    def without(outcomes, output, name="regen-fitted"):
        calls.append(None)
        assert go.wait(30)
        return fit_file(outcomes, output, name=name)

    monkeypatch.setattr(forecasts, "_library_fit", lambda: with_reports if with_progress else without)
    return go, calls


def test_the_models_page_shows_the_fits_progress_from_the_library(client, helpers, clinic_export, monkeypatch):
    _import_export(client, helpers, clinic_export)
    go, calls = _slow_fit(monkeypatch, with_progress=True)
    started = client.post("/models/fit", data={"csrf_token": helpers.token(client)}, follow_redirects=False)
    _until(lambda: "sampling: chain 1 of 2" in client.get("/models").text)
    page = client.get("/models").text
    assert helpers.shown(page, "running-status") == "running"
    assert helpers.shown(page, "running-progress") == "60%"  # half of the fitting stage (30 % to 90 %)
    assert '<meta http-equiv="refresh" content="2">' in page and 'id="fit-button" disabled' in page
    assert callable(calls[0])
    go.set()
    done = _wait(client, started.headers["location"])
    assert "<b>done</b>" in done and re.search(r"model (clinic@[0-9a-f]{8}) is ready", done)
    after = client.get("/models").text
    assert 'id="running-fit"' not in after and "http-equiv" not in after and "disabled" not in after


def test_a_library_fit_without_progress_gets_stage_progress(client, helpers, clinic_export, monkeypatch):
    _import_export(client, helpers, clinic_export)
    go, calls = _slow_fit(monkeypatch, with_progress=False)
    started = client.post("/models/fit", data={"csrf_token": helpers.token(client)}, follow_redirects=False)
    _until(lambda: "(regen fit)" in client.get("/models").text)
    page = client.get("/models").text
    assert helpers.shown(page, "running-progress") == "30%"
    assert re.fullmatch(r"fitting on \d+ treatments \(regen fit\)", helpers.shown(page, "running-message"))
    go.set()
    assert "<b>done</b>" in _wait(client, started.headers["location"]) and calls == [None]


def test_the_shipped_fit_is_inspected_for_progress():
    from regen.web import forecasts

    fit = forecasts._library_fit()
    assert forecasts.reports_progress(fit) == ("progress" in __import__("inspect").signature(fit).parameters)
    assert forecasts.reports_progress(lambda outcomes, output, progress=None: None)
    assert not forecasts.reports_progress(lambda outcomes, output, **kwargs: None)


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        ((0.25,), {}, (0.25, None)),
        ((0.5, "chain 1"), {}, (0.5, "chain 1")),
        ((3, 4), {}, (0.75, None)),
        ((1, 4, "refit 1 of 4"), {}, (0.25, "refit 1 of 4")),
        (("relief LOSO 2/9 study: 12 s",), {}, (None, "relief LOSO 2/9 study: 12 s")),
        ((), {"done": 1, "total": 2, "message": "x"}, (0.5, "x")),
        ((), {"fraction": 7.0}, (1.0, None)),
        ((float("nan"),), {}, (None, None)),
        ((True,), {}, (None, None)),
    ],
)
def test_library_reports_of_several_shapes(args, kwargs, expected):
    from regen.web.jobs import read_report

    assert read_report(*args, **kwargs) == expected


def test_reports_are_throttled_and_never_go_back():
    from regen.web.jobs import FIT_STAGE, Reporter

    saved = []
    reporter = Reporter(lambda **v: saved.append(v), interval_s=60)
    reporter(0.5, "first")
    for k in range(100):
        reporter(k / 200, f"step {k}")
    assert saved == [{"progress": FIT_STAGE[0] + 0.5 * (FIT_STAGE[1] - FIT_STAGE[0]), "message": "first"}]
    reporter.flush()
    assert saved[-1]["message"] == "step 99" and saved[-1]["progress"] == saved[0]["progress"]  # not backwards
    broken = Reporter(lambda **v: 1 / 0, interval_s=0)
    broken(0.1)  # a failing store does not break the fit
