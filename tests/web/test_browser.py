"""The clinic's loop in real headless Chromium (Debian's chromium + chromium-driver, driven by Selenium).

One live server (uvicorn on 127.0.0.1, a fresh SQLite file) and one browser
for the module. The walk of issue 22's "done when": enter a knee patient
treated 100 days ago (a bad value first), see the forecast (table, picture,
plan, evidence, model version), record "still relieved" today and see the plan
move past today; import the committed 75-patient export (its row errors shown,
the valid rows imported) and see the worklist the library makes of that file;
record "pain back" for eight overdue patients and see them to be booked; export
the outcome file and fit it with ``regen fit``, and as a background job on the
Models page (from the published evidence, one short MCMC run: ``fit_mcmc``), then switch to it. Every number
asserted is the
library's for the same inputs. Every page at phone width without sideways
scrolling; no console error; no request leaves the server's origin.
Skipped, saying why, without chromium; under ``CI=true`` that fails instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.web.conftest import DEFAULT_VERSION

#: The synthetic 75-patient export of the plans tests (a clinic's spellings; scripts/make_clinic_export.py).
EXPORT = Path(__file__).resolve().parents[1] / "reporting" / "data" / "clinic_export.csv"

#: The background fit's MCMC: one short run (regen fit --chains 1 --warmup 60 --draws 60).
FIT_MCMC = {"chains": 1, "warmup": 60, "draws": 60}

CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")


def _missing() -> str:
    if CHROMIUM is None or DRIVER is None:
        return "Debian's chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install '.[test]')"
    return ""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A live server on 127.0.0.1 (a free port) with a fresh database: its base URL."""
    import uvicorn

    from regen.web.app import create_app
    from regen.web.settings import ServeSettings

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = tmp_path_factory.mktemp("live")
    settings = ServeSettings(database=str(folder / "regen.db"), port=port, operator="browser-test", fit_mcmc=FIT_MCMC)
    app = create_app(settings)
    live = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False))
    thread = threading.Thread(target=live.run, daemon=True)
    thread.start()
    end = time.monotonic() + 20
    while not live.started and time.monotonic() < end:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    live.should_exit = True
    thread.join(timeout=10)
    app.state.store.dispose()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Headless Chromium with its console and network logs."""
    reason = _missing()
    if reason:
        if CI:
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        "--window-size=1280,1000",
    ):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(tmp_path_factory.mktemp("dl"))})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _requests(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def _check_clean(driver, origin: str) -> None:
    """No console error, and every request went to the server (or was inline data)."""
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    outside = [u for u in _requests(driver) if not (u.startswith(origin) or u.startswith("data:"))]
    assert outside == []


def _fill(driver, values: dict) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    for name, value in values.items():
        element = driver.find_element(By.NAME, name)
        if element.tag_name == "select":
            Select(element).select_by_value(value)
        elif element.get_attribute("type") == "date":
            driver.execute_script("arguments[0].value = arguments[1]", element, value)
        else:
            element.clear()
            element.send_keys(value)


def _text(driver, element_id: str) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, element_id).text


def _submit(driver, selector: str) -> None:
    """Click a submit button and wait for the next page."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, selector).click()
    WebDriverWait(driver, 30).until(expected_conditions.staleness_of(page))


def _listed(driver, table_id: str) -> dict[str, str]:
    """A worklist table's rows: patient (the link's text) -> action."""
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.ID, table_id)
    if not found:
        return {}
    rows = found[0].find_elements(By.CSS_SELECTOR, "tbody tr")
    return {r.find_element(By.CSS_SELECTOR, "td a").text: r.find_elements(By.TAG_NAME, "td")[1].text for r in rows}


def _week_end(today: date) -> str:
    return (today + timedelta(days=7)).isoformat()


def _due_in_worklist(due: str, today: date) -> str:
    """Where the worklist page puts a plan date: overdue-list, week-list or '' (later)."""
    return "overdue-list" if due < today.isoformat() else "week-list" if due < _week_end(today) else ""


def test_the_clinic_loop(server, browser, cli, tmp_path):
    """Issue 22's "done when", in the browser; every number is the library's for the same inputs."""
    import urllib.request

    import pandas as pd
    from selenium.webdriver.common.by import By

    import regen
    from regen.files.read import read_table
    from regen.reporting.worklist import worklist
    from regen.schema.columns import whole_day

    model, today = regen.load_model(), date.today()
    treated = (today - timedelta(days=100)).isoformat()  # a knee patient treated 100 days ago

    # 1. the new-treatment form: a bad value keeps everything typed, then the forecast
    browser.get(f"{server}/treatments/new")
    _fill(browser, {"patient_id": "KNEE-1", "nerve": "SLGN", "age": "abc", "treated_on": treated})
    _submit(browser, "button.primary")
    assert _text(browser, "err-age") == "abc is not a number"
    assert browser.find_element(By.NAME, "patient_id").get_attribute("value") == "KNEE-1"
    refused = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert len(refused) == 1 and "/treatments - Failed to load resource" in refused[0] and "400" in refused[0]
    _fill(browser, {"age": "64"})
    _submit(browser, "button.primary")
    assert "/treatments/" in browser.current_url and "KNEE-1" not in browser.current_url
    treatment = browser.current_url.split("?")[0]
    first = regen.predict_patient(model, nerve="SLGN", age=64, treated_on=treated)
    median, p10, p90 = (whole_day(first[f"relief_end_{k}_day"]) for k in ("median", "p10", "p90"))
    assert _text(browser, "relief-median") == f"{median:,}" and _text(browser, "relief-interval") == f"{p10:,}–{p90:,}"
    assert len(browser.find_elements(By.CSS_SELECTOR, "#forecast-table tbody tr")) >= 3  # onset, sensation, relief
    assert _text(browser, "model-version") == DEFAULT_VERSION == first["model_version"]
    assert _text(browser, "evidence") == f"Rests on: {first['evidence']}"
    assert browser.execute_script("return document.querySelector('img.timeline').naturalWidth") == 1100
    assert _text(browser, "next-action") == first["next_action"] == "call"
    assert _text(browser, "next-date") == first["next_contact_date"]

    # 2. the worklist lists it where the library's first contact puts it
    browser.get(f"{server}/worklist")
    where = _due_in_worklist(first["next_contact_date"], today)
    assert ("KNEE-1" in _listed(browser, where)) if where else ("KNEE-1" not in browser.page_source)

    # 3. "still relieved" today: the plan moves past today, off the worklist
    browser.get(treatment)
    _fill(browser, {"contacted_on": today.isoformat()})
    browser.find_element(By.CSS_SELECTOR, "input[name=relieved][value=yes]").click()
    _submit(browser, "form.contact button.primary")
    follow = {"last_contact_on": today.isoformat(), "relieved_at_last_contact": "yes"}
    called = regen.predict_patient(model, nerve="SLGN", age=64, treated_on=treated, **follow)
    assert _text(browser, "next-date") == called["next_contact_date"] > today.isoformat()
    assert _text(browser, "next-action") == "call" and "still relieved on day 100" in browser.page_source
    browser.get(f"{server}/worklist")
    assert "KNEE-1" not in _listed(browser, "overdue-list")
    _check_clean(browser, server)

    # 4. the committed 75-patient export: its row errors, then the valid rows only
    frame = read_table(EXPORT)
    errors = regen.score_frame(frame, model)["error"]
    browser.get(f"{server}/files")
    browser.find_element(By.NAME, "file").send_keys(str(EXPORT))
    _submit(browser, "button.primary")
    assert _text(browser, "error-count") == str((errors != "").sum())
    assert _text(browser, "valid-count") == str((errors == "").sum())
    groups = browser.find_elements(By.CSS_SELECTOR, "#error-groups tbody tr")  # one row per message
    messages = errors[errors != ""].value_counts()
    assert len(groups) == len(messages) and groups[0].text.startswith(f"{messages.iloc[0]} {messages.index[0][:40]}")
    first_bad = int(errors.ne("").to_numpy().argmax())
    assert f"{first_bad + 1} ({frame['Patient ID'][first_bad]})" in groups[0].text
    _submit(browser, "#confirm-import")
    assert f"{(errors == '').sum()} treatments imported" in _text(browser, "import-result")

    # 5. the worklist: the imported patients where the library's worklist of the same file puts them
    plan = worklist(frame, model, today=today.isoformat())
    plan = plan[(plan["error"] == "") & (plan["due_date"] != "")]
    browser.get(f"{server}/worklist")
    overdue, week = _listed(browser, "overdue-list"), _listed(browser, "week-list")
    for table, rows in (("overdue-list", overdue), ("week-list", week)):
        expected = {
            r.patient_id: r.next_action for r in plan.itertuples() if _due_in_worklist(r.due_date, today) == table
        }
        assert {k: v for k, v in rows.items() if k.startswith("P")} == expected, table
    assert "KNEE-1" not in overdue and len(overdue) >= 8

    # 6. call eight overdue patients: pain came back three days ago -> book a retreatment
    back = (today - timedelta(days=3)).isoformat()
    for patient in sorted(k for k in overdue if k.startswith("P"))[:8]:
        browser.get(f"{server}/worklist")
        browser.find_element(By.LINK_TEXT, patient).click()
        browser.find_element(By.CSS_SELECTOR, "input[name=relieved][value=no]").click()
        _fill(browser, {"pain_back_on": back})
        _submit(browser, "form.contact button.primary")
        assert _text(browser, "next-action") == "book retreatment" and _text(browser, "book-date") == back, patient
        browser.get(f"{server}/worklist")
        assert _listed(browser, "overdue-list")[patient] == "book retreatment"
    _check_clean(browser, server)

    # 7. the outcome file: regen fit accepts it
    outcomes = tmp_path / "outcomes.csv"
    outcomes.write_bytes(urllib.request.urlopen(f"{server}/files/export/outcomes.csv").read())
    table = pd.read_csv(outcomes, dtype=str, keep_default_na=False)
    assert "KNEE-1" in set(table["patient_id"]) and (table["relief_lost_day"] != "").sum() == 8
    result = cli("fit", outcomes, "-o", tmp_path / "clinic.json", "--prior", "none")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "clinic.json").is_file()

    # 8. a fit from the evidence as a background job on the Models page (its progress, then what it started
    # from); switching keeps the stored forecasts' version
    browser.get(f"{server}/models")
    _submit(browser, "#fit-button")
    assert browser.find_elements(By.TAG_NAME, "progress")
    end = time.monotonic() + 180
    while "Status: done" not in _text(browser, "job-status"):
        assert "failed" not in _text(browser, "job-status") and time.monotonic() < end
        time.sleep(0.5)
        browser.refresh()
    version = re.search(r"model (clinic@\w+) is ready", _text(browser, "job-status")).group(1)
    assert _text(browser, "started-from").startswith(f"Started from: the published evidence, {DEFAULT_VERSION}")
    assert "the published evidence counts as about N of your patients" in _text(browser, "fit-summary")
    browser.get(f"{server}/models")
    _submit(browser, "button[type=submit]:not(.primary)")  # "Use this model": the only other model
    assert version in browser.find_element(By.TAG_NAME, "footer").text
    browser.get(treatment)
    assert _text(browser, "model-version") == DEFAULT_VERSION  # a stored forecast keeps the version that made it
    _check_clean(browser, server)


@pytest.mark.parametrize(
    "path",
    [
        "/worklist",
        "/treatments/new",
        "/treatments/1",
        "/patients/1",
        "/files",
        "/models",
        "/models/1",
        "/jobs/1",
        "/api",
    ],
)
def test_pages_fit_a_phone(server, browser, path):
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}
    )
    try:
        browser.get(server + path)
        width = browser.execute_script("return document.documentElement.scrollWidth")
        viewport = browser.execute_script("return window.innerWidth")
        assert width <= viewport, f"{path}: {width}px wide in a {viewport}px viewport"
        assert "not a medical device" in browser.find_element("css selector", ".disclaimer").text
        _check_clean(browser, server)
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
