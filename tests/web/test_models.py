"""Models: the embedded default and its card, a clinic fit as a background job, switching, versions kept.

The background fit is ``regen fit``'s, from the published evidence: each real fit here is one short MCMC run
(:data:`FAST`, given as ``ServeSettings.fit_mcmc``).
"""

from __future__ import annotations

import json
import re
import time

import pytest

from tests.web.conftest import DEFAULT_VERSION

#: A short MCMC run for the fits of these tests (``regen fit --chains 1 --warmup 60 --draws 60 --seed 3``).
FAST = {"chains": 1, "warmup": 60, "draws": 60, "seed": 3}


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


def test_fit_switch_and_stored_versions(make_client, helpers, clinic_export):
    client = make_client(fit_mcmc=FAST)
    review = client.post(
        "/files/upload",
        data={"csrf_token": helpers.token(client)},
        files={"file": ("e.csv", clinic_export().read_bytes(), "text/csv")},
    ).text
    token = re.search(r'name="token" value="([^"]+)"', review).group(1)
    client.post("/files/import", data={"csrf_token": helpers.token(client), "token": token, "mode": "all"})
    started = client.post("/models/fit", data={"csrf_token": helpers.token(client)}, follow_redirects=False)
    page = _wait(client, started.headers["location"], seconds=180)
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


def _import_export(client, helpers, clinic_export, n: int = 75) -> None:
    review = client.post(
        "/files/upload",
        data={"csrf_token": helpers.token(client)},
        files={"file": ("e.csv", clinic_export(n).read_bytes(), "text/csv")},
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

    def with_reports(outcomes, output, name="regen-fitted", progress=None, **kwargs):
        calls.append(progress)
        progress(0.5, "sampling: chain 1 of 2")
        assert go.wait(30)
        progress(2, 2, "sampling done")
        return fit_file(outcomes, output, name=name)  # data only: these tests are about the job's progress

    def without(outcomes, output, name="regen-fitted", **kwargs):
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
    assert re.fullmatch(
        r"fitting on \d+ treatments from the evidence \(regen fit\)", helpers.shown(page, "running-message")
    )
    go.set()
    assert "<b>done</b>" in _wait(client, started.headers["location"]) and calls == [None]


@pytest.mark.slow
def test_the_web_fit_starts_from_the_evidence_as_regen_fit_does(make_client, helpers, clinic_export, cli, tmp_path):
    """Issue 19: the background fit on a young clinic (a handful of relief ends) starts from the published
    evidence, with regen fit's defaults: the same model numbers as `regen fit` with no --prior or
    --robust-weight given, and its pages say what it started from."""
    import pandas as pd

    from regen.fitting.clinic.defaults import ROBUST_WEIGHT
    from regen.store import registry

    client = make_client(fit_mcmc=FAST)
    _import_export(client, helpers, clinic_export, n=16)
    outcomes = tmp_path / "outcomes.csv"
    outcomes.write_bytes(client.get("/files/export/outcomes.csv").content)
    table = pd.read_csv(outcomes, dtype=str, keep_default_na=False)
    assert 5 <= (table["relief_lost_day"] != "").sum() <= 10  # a handful of relief ends
    started = client.post("/models/fit", data={"csrf_token": helpers.token(client)}, follow_redirects=False)
    page = _wait(client, started.headers["location"], seconds=180)
    assert "<b>done</b>" in page, page
    model_id = int(re.search(r'href="/models/(\d+)"', page).group(1))
    with client.app.state.store.read() as conn:
        web = json.loads(registry.get_model(conn, model_id)["bundle_json"])
    assert web["prior"]["source"] == DEFAULT_VERSION and web["prior"]["robust_weight"] == ROBUST_WEIGHT
    assert web["fit"]["settings"] == {k: FAST[k] for k in ("chains", "warmup", "draws", "seed")}

    # its pages: the source, and the library's words on how many patients the evidence counts as, the conflict
    started_from = f'Started from: the published evidence, <span class="mono">{DEFAULT_VERSION}</span>'
    card = client.get(f"/models/{model_id}").text
    for shown in (page, card):
        assert started_from in shown and f"(weight of its vague component {ROBUST_WEIGHT:g})" in shown
        assert "the published evidence counts as about N of your patients" in shown
        assert re.search(r"about [0-9.e-]+ of your patients", shown) and "Conflict with the evidence" in shown

    # regen fit on the same outcome file, its defaults but the MCMC's: the same numbers
    short = ("--chains", FAST["chains"], "--warmup", FAST["warmup"], "--draws", FAST["draws"], "--seed", FAST["seed"])
    result = cli("fit", outcomes, "-o", tmp_path / "cli.json", "--name", "clinic", *short)
    assert result.exit_code == 0, result.output
    fitted = json.loads((tmp_path / "cli.json").read_text(encoding="utf-8"))
    for key in ("relief", "parameters", "prior", "posterior_approx", "training"):
        assert web[key] == fitted[key], key
    assert web["fit"]["slope"] == fitted["fit"]["slope"] and web["fit"]["coef"] == fitted["fit"]["coef"]


def test_without_the_bayes_extra_the_web_fit_refuses_saying_what_to_install(
    client, helpers, clinic_export, monkeypatch
):
    """No silent data-only fit: the job fails with regen fit's one line, and no model is added."""
    import sys

    _import_export(client, helpers, clinic_export)
    monkeypatch.setitem(sys.modules, "numpyro", None)  # import numpyro raises ImportError
    started = client.post("/models/fit", data={"csrf_token": helpers.token(client)}, follow_redirects=False)
    page = _wait(client, started.headers["location"])
    assert "<b>failed</b>" in page
    assert (
        "fitting a clinic model from the published evidence needs the bayes extra: pip install "
        "&#39;regen-cryo[bayes]&#39;"
    ) in page
    assert 'href="/models/2"' not in page and client.get("/models/2").status_code == 404


def test_regen_fit_says_the_same_without_the_bayes_extra(cli, tmp_path, monkeypatch):
    import sys

    import regen

    regen.simulate_cohort(20, seed=1).to_csv(tmp_path / "o.csv", index=False)
    monkeypatch.setitem(sys.modules, "numpyro", None)
    result = cli("fit", tmp_path / "o.csv", "-o", tmp_path / "m.json")
    assert result.exit_code == 1 and not (tmp_path / "m.json").exists()
    assert (
        "Error: regen fit with a prior needs the bayes extra: pip install 'regen-cryo[bayes]' (or --prior none "
        "for the data-only fit)"
    ) in result.output


def test_a_model_fitted_on_the_data_only_says_so(client, helpers, tmp_path):
    """A model an earlier regen serve fitted without the evidence (no prior section) is marked on its page."""
    import regen
    from regen.fitting.fit_file import fit_file
    from regen.store import registry

    regen.simulate_cohort(60, seed=1).to_csv(tmp_path / "o.csv", index=False)
    fit_file(tmp_path / "o.csv", tmp_path / "old.json", name="old")  # prior="none": fit_file's own default
    version = regen.load_model(tmp_path / "old.json").version
    with client.app.state.store.write() as conn:
        model_id = registry.add_model(
            conn, version, "fitted", "test", bundle_json=(tmp_path / "old.json").read_text(encoding="utf-8")
        )
    page = client.get(f"/models/{model_id}").text
    assert "Started from: the clinic's data only" in page
    assert 'id="started-from"' not in client.get("/models/1").text  # the embedded default is the evidence


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
