"""Models: the embedded default and its card, a clinic fit as a background job, switching, versions kept."""

from __future__ import annotations

import re
import time

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
    made = client.post("/api/v1/treatments", json={"nerve": "GON", "treated_on": "2026-01-05"}).json()
    assert made["forecast"]["model_version"] == version
    worklist = client.get("/api/v1/worklist").json()
    versions = {e["model_version"] for e in worklist["overdue"] + worklist["this_week"]}
    assert DEFAULT_VERSION in versions
