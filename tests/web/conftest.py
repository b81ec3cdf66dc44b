"""Fixtures of the web tests: an app on a fresh SQLite file, its test client, CSRF tokens, a clinic export."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from regen.web.app import create_app
from regen.web.settings import ServeSettings


@pytest.fixture
def make_client(tmp_path):
    """``make_client(**settings)``: a test client of a new app (local mode on 127.0.0.1 by default)."""
    from fastapi.testclient import TestClient

    clients = []

    def make(base_url: str = "http://127.0.0.1", **settings):
        settings.setdefault("database", str(tmp_path / f"regen-{len(clients)}.db"))
        app = create_app(ServeSettings(**settings))
        client = TestClient(app, base_url=base_url)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)
        client.app.state.store.dispose()


@pytest.fixture
def client(make_client):
    """A local-mode client (no sign-in)."""
    return make_client()


def token(client, path: str = "/treatments/new") -> str:
    """The CSRF token of the client's session, read from a form page."""
    page = client.get(path)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


@pytest.fixture
def csrf():
    """``csrf(client)``: the session's CSRF token."""
    return token


def _due_days() -> int:
    """Days since treatment at which the default patient (SLGN, 64 years) is past its first contact by 30 days."""
    import regen

    return int(regen.predict_patient(regen.load_model(), nerve="SLGN", age=64)["next_contact_day"]) + 30


#: The embedded default model's version, as every page shows it.
DEFAULT_VERSION = __import__("regen").load_model().version

#: How long ago the default treatment of ``new_treatment`` was given: its first contact is 30 days overdue.
DUE_DAYS = _due_days()


def days_ago(n: int) -> str:
    """The ISO date ``n`` days before today."""
    return (date.today() - timedelta(days=n)).isoformat()


@pytest.fixture
def new_treatment(csrf):
    """``new_treatment(client, **fields)``: post the form; return the response (not followed)."""

    def post(client, **fields):
        data = {"csrf_token": csrf(client), "nerve": "SLGN", "treated_on": days_ago(DUE_DAYS), "age": "64", **fields}
        return client.post("/treatments", data=data, follow_redirects=False)

    return post


def shown(page: str, element_id: str) -> str:
    """The text of the element with this id (first match)."""
    found = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', page)
    return found.group(1) if found else ""


@pytest.fixture
def clinic_export(tmp_path):
    """``clinic_export(n=75, bad_rows=())``: a clinic's CSV export treated over the past year; returns its path.

    Columns as a clinic writes them (``patient_id``, ``nerve``, ``indication``,
    ``age``, ``sex``, ``diabetes``, ``smoker``, ``treated_on``), half with
    ``relief_at_day``, the other half with ``relief_lost_day``; ``bad_rows``
    (0-based) get an unknown nerve.
    """
    import numpy as np

    import regen

    def make(n: int = 75, bad_rows=(), name: str = "export.csv"):
        rng = np.random.default_rng(22)
        frame = regen.simulate_cohort(n, seed=22).drop(columns=["relief_last_seen_day", "relief_lost_day", "responded"])
        frame["patient_id"] = [f"C-{i:03d}" for i in range(n)]
        frame["treated_on"] = [days_ago(int(d)) for d in rng.integers(20, 360, n)]
        frame["age"] = frame["age"].round(0)
        frame["relief_at_day"] = ["" if i % 2 else str(d) for i, d in enumerate(rng.integers(10, 19, n))]
        since = [(date.today() - date.fromisoformat(d)).days for d in frame["treated_on"]]
        frame["relief_lost_day"] = [
            str(int(rng.integers(20, s))) if i % 2 and s > 21 else "" for i, s in enumerate(since)
        ]
        frame = frame.astype(str).replace("nan", "")
        for i in bad_rows:
            frame.loc[i, "nerve"] = "kneecap"
        path = tmp_path / name
        frame.to_csv(path, index=False)
        return path

    return make


@pytest.fixture
def helpers():
    """Small helpers: ``helpers.shown(page, id)``, ``helpers.days_ago(n)``, ``helpers.token(client)``."""

    class Helpers:
        pass

    out = Helpers()
    out.shown, out.days_ago, out.token = staticmethod(shown), staticmethod(days_ago), staticmethod(token)
    return out
