"""Screenshots of the pages of ``regen serve`` in headless Chromium (desktop 1280 px and phone 390 px wide).

Usage::

    python scripts/screenshot_serve.py [OUT_DIR]    # default: docs/serve/screenshots

Starts a server on a free port of 127.0.0.1 with a fresh SQLite database and
fills it as a clinic would, through the pages: the committed synthetic
75-patient export (``tests/reporting/data/clinic_export.csv``: its row errors
shown, the valid rows imported), a knee patient treated 100 days ago and
called today (still relieved), pain back for eight overdue patients, one of
them retreated, a clinic model fitted in the background (slowed down while
the models page is photographed, so the progress shows). A second server with
an account shows the sign-in page. Each page is photographed at its full
height (cut at ``MAX_HEIGHT``) and saved as a 256-colour PNG. Needs Debian's
chromium and chromium-driver.
"""

from __future__ import annotations

import io
import re
import socket
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXPORT = ROOT / "tests" / "reporting" / "data" / "clinic_export.csv"
#: Tallest screenshot, CSS pixels (a page longer than this is cut; the model card is).
MAX_HEIGHT = 2400
WIDTHS = {"desktop": (1280, False), "phone": (390, True)}


def _server(folder: Path, name: str, **settings):
    import uvicorn

    from regen.web.app import create_app
    from regen.web.settings import ServeSettings

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(ServeSettings(database=str(folder / f"{name}.db"), port=port, **settings))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def _browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--force-color-profile=srgb",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    ):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)


def _save(png: bytes, path: Path) -> None:
    """A 256-colour PNG (screens of text and flat colours: small, and still sharp)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)


def _shot(driver, out: Path, name: str, kinds=("desktop",), url: str | None = None, before=None) -> None:
    """Photograph the page at ``url`` (or the current page) at each width in ``kinds``."""
    for kind in kinds:
        width, mobile = WIDTHS[kind]
        metrics = {"width": width, "height": 300, "deviceScaleFactor": 1, "mobile": mobile}  # grows to the page
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        if url:
            driver.get(url)  # else the page on screen (a POST's answer): it reflows at the new width
        if before:
            before(driver)
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {**metrics, "height": min(height, MAX_HEIGHT)})
        time.sleep(0.3)
        _save(driver.get_screenshot_as_png(), out / f"{name}-{kind}.png")
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def _click(driver, selector: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, selector).click()
    WebDriverWait(driver, 60).until(expected_conditions.staleness_of(page))


def _type(driver, values: dict) -> None:
    from selenium.webdriver.common.by import By

    for name, value in values.items():
        element = driver.find_element(By.NAME, name)
        if element.get_attribute("type") == "date":
            driver.execute_script("arguments[0].value = arguments[1]", element, value)
        else:
            element.clear()
            element.send_keys(value)


def _slow_fits():
    """Hold the library's fit until the returned event is set (the real fit then runs)."""
    from regen.web import forecasts

    real, gate = forecasts._library_fit, threading.Event()

    def held():
        fit = real()

        def wait_then_fit(outcomes, output, **kwargs):
            gate.wait(120)
            return fit(outcomes, output, **kwargs)

        return wait_then_fit

    forecasts._library_fit = held
    return gate


def _clinic(driver, base: str, out: Path) -> dict:
    """Fill the demo clinic through the pages, photographing as it goes; return URLs to photograph after."""
    from selenium.webdriver.common.by import By

    today = date.today()
    driver.get(f"{base}/files")
    driver.find_element(By.NAME, "file").send_keys(str(EXPORT))
    _click(driver, "button.primary")
    _shot(driver, out, "import-errors", ("desktop", "phone"))
    _click(driver, "#confirm-import")

    _shot(driver, out, "new-treatment", ("desktop", "phone"), url=f"{base}/treatments/new")
    driver.get(f"{base}/treatments/new")
    _type(driver, {"patient_id": "K-002", "nerve": "kneecap", "age": "abc", "bmi": "5"})
    _click(driver, "button.primary")
    _shot(driver, out, "new-treatment-errors")

    driver.get(f"{base}/treatments/new")
    treated = (today - timedelta(days=100)).isoformat()
    _type(driver, {"patient_id": "KNEE-001", "nerve": "SLGN", "age": "64", "height_cm": "171", "treated_on": treated})
    _click(driver, "button.primary")
    driver.find_element(By.CSS_SELECTOR, "input[name=relieved][value=yes]").click()
    _click(driver, "form.contact button.primary")
    forecast = driver.current_url.split("?")[0]

    driver.get(f"{base}/worklist")
    overdue = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "#overdue-list tbody td:first-child a")]
    booked = []
    for patient in sorted(overdue)[:8]:
        driver.get(f"{base}/worklist")
        driver.find_element(By.LINK_TEXT, patient).click()
        driver.find_element(By.CSS_SELECTOR, "input[name=relieved][value=no]").click()
        _type(driver, {"pain_back_on": (today - timedelta(days=3)).isoformat()})
        _click(driver, "form.contact button.primary")
        booked.append(driver.current_url.split("?")[0])
    driver.get(booked[0])
    _shot(driver, out, "forecast-pain-back")
    _click(driver, "a.button[href^='/treatments/new?previous=']")
    _type(driver, {"treated_on": (today - timedelta(days=1)).isoformat()})
    _click(driver, "button.primary")
    patient = re.search(r'href="(/patients/\d+)"', driver.page_source).group(1)

    gate = _slow_fits()
    driver.get(f"{base}/models")
    _click(driver, "#fit-button")
    job = driver.current_url
    time.sleep(1.0)
    _shot(driver, out, "models-fitting", url=f"{base}/models")
    gate.set()
    for _ in range(200):
        driver.get(job)
        if "Status: done" in driver.page_source or "Status: failed" in driver.page_source:
            break
        time.sleep(0.5)
    return {"forecast": forecast, "patient": base + patient, "job": job}


def _login_page(folder: Path, driver, out: Path) -> None:
    from regen.store import open_store
    from regen.store.accounts import add_user

    store = open_store(str(folder / "accounts.db"))
    with store.write() as conn:
        add_user(conn, "anna", "correct horse battery", "screenshots")
    store.dispose()
    base, server = _server(folder, "accounts", accounts=True, operator="screenshots")
    try:
        _shot(driver, out, "login", ("desktop", "phone"), url=f"{base}/login")
    finally:
        server.should_exit = True


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else ROOT / "docs" / "serve" / "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    folder = Path(tempfile.mkdtemp(prefix="regen-shots-"))
    base, server = _server(folder, "demo", operator="dr.demo")
    driver = _browser()
    try:
        urls = _clinic(driver, base, out)
        _shot(driver, out, "forecast", ("desktop", "phone"), url=urls["forecast"])
        _shot(driver, out, "worklist", ("desktop", "phone"), url=f"{base}/worklist")
        _shot(driver, out, "patient", url=urls["patient"])
        _shot(driver, out, "patients", url=f"{base}/patients")
        _shot(driver, out, "export", url=f"{base}/files")
        _shot(driver, out, "fit-done", url=urls["job"])
        _shot(driver, out, "models", ("desktop", "phone"), url=f"{base}/models")
        _shot(driver, out, "model-card", url=f"{base}/models/1")
        _shot(driver, out, "api", url=f"{base}/api")
        _login_page(folder, driver, out)
    finally:
        driver.quit()
        server.should_exit = True
    for path in sorted(out.glob("*.png")):
        print(f"{path}  {path.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
