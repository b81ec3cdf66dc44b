"""Screenshots of every page of ``regen serve`` at desktop and phone width, in headless Chromium.

Usage::

    python scripts/screenshot_serve.py [OUT_DIR]    # default: docs/serve/screenshots

Starts a server on a free port of 127.0.0.1 with a fresh SQLite database,
fills it as a clinic would (a 75-patient export with one bad row, a knee
patient treated 100 days ago and called today, a pain-back contact, a
retreatment, a clinic model fitted in the background), then saves
``<page>-desktop.png`` (1280 px wide) and ``<page>-phone.png`` (390 px),
each the page's full height. Needs Debian's chromium and chromium-driver.
"""

from __future__ import annotations

import re
import socket
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np


def _export(path: Path, n: int = 75) -> Path:
    import regen

    rng = np.random.default_rng(22)
    frame = regen.simulate_cohort(n, seed=22).drop(columns=["relief_last_seen_day", "relief_lost_day", "responded"])
    frame["patient_id"] = [f"C-{i:03d}" for i in range(n)]
    since = rng.integers(20, 360, n)
    frame["treated_on"] = [(date.today() - timedelta(days=int(d))).isoformat() for d in since]
    frame["age"] = frame["age"].round(0)
    frame["relief_at_day"] = ["" if i % 2 else str(d) for i, d in enumerate(rng.integers(10, 19, n))]
    frame["relief_lost_day"] = [str(int(rng.integers(20, s))) if i % 2 and s > 21 else "" for i, s in enumerate(since)]
    frame = frame.astype(str).replace("nan", "")
    frame.loc[7, "nerve"] = "kneecap"
    frame.to_csv(path, index=False)
    return path


def _server(folder: Path):
    import uvicorn

    from regen.web.app import create_app
    from regen.web.settings import ServeSettings

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(ServeSettings(database=str(folder / "demo.db"), port=port, operator="dr.demo"))
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
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    ):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)


def _shot(driver, url: str, out: Path, name: str, before=None) -> None:
    for label, width, mobile in (("desktop", 1280, False), ("phone", 390, True)):
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": mobile},
        )
        driver.get(url)
        if before:
            before(driver)
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": min(height, 6000), "deviceScaleFactor": 1, "mobile": mobile},
        )
        time.sleep(0.2)
        driver.save_screenshot(str(out / f"{name}-{label}.png"))


def _fill(driver) -> dict:
    """Fill the demo clinic through the pages; return the URLs to photograph."""
    from selenium.webdriver.common.by import By

    base = driver.base
    driver.get(f"{base}/files")
    driver.find_element(By.NAME, "file").send_keys(str(driver.export))
    driver.find_element(By.CSS_SELECTOR, "button.primary").click()
    review = driver.current_url
    upload_page = driver.page_source
    driver.find_element(By.ID, "confirm-import").click()
    driver.get(f"{base}/treatments/new")
    for name, value in (("patient_id", "KNEE-001"), ("nerve", "SLGN"), ("age", "64"), ("height_cm", "171")):
        driver.find_element(By.NAME, name).send_keys(value)
    driver.execute_script(
        "document.querySelector('[name=treated_on]').value = arguments[0]",
        (date.today() - timedelta(days=100)).isoformat(),
    )
    driver.find_element(By.CSS_SELECTOR, "button.primary").click()
    treatment = driver.current_url.split("?")[0]
    driver.find_element(By.CSS_SELECTOR, "input[name=relieved][value=yes]").click()
    driver.find_element(By.CSS_SELECTOR, "form.contact button.primary").click()
    patient = re.search(r'href="(/patients/\d+)"', driver.page_source).group(1)
    driver.get(f"{base}/models")
    driver.find_element(By.CSS_SELECTOR, "form[action='/models/fit'] button").click()
    job = driver.current_url
    for _ in range(100):
        if "done" in driver.page_source or "failed" in driver.page_source:
            break
        time.sleep(0.3)
        driver.get(job)
    return {"treatment": treatment, "patient": base + patient, "job": job, "review": review, "upload_page": upload_page}


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "docs/serve/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="regen-shots-"))
    base, server = _server(folder)
    driver = _browser()
    driver.base, driver.export = base, _export(folder / "clinic-export.csv")
    try:
        urls = _fill(driver)
        pages = {
            "worklist": f"{base}/worklist",
            "new-treatment": f"{base}/treatments/new",
            "forecast": urls["treatment"],
            "patient": urls["patient"],
            "patients": f"{base}/patients",
            "files": f"{base}/files",
            "models": f"{base}/models",
            "model-card": f"{base}/models/1",
            "fit-job": urls["job"],
            "api": f"{base}/api",
        }
        for name, url in pages.items():
            _shot(driver, url, out, name)

        def bad_form(d):
            from selenium.webdriver.common.by import By

            for field, value in (("nerve", "kneecap"), ("age", "abc"), ("patient_id", "K-002")):
                d.find_element(By.NAME, field).clear()
                d.find_element(By.NAME, field).send_keys(value)
            d.find_element(By.CSS_SELECTOR, "button.primary").click()

        _shot(driver, f"{base}/treatments/new", out, "new-treatment-errors", bad_form)

        def upload(d):
            from selenium.webdriver.common.by import By

            d.find_element(By.NAME, "file").send_keys(str(driver.export))
            d.find_element(By.CSS_SELECTOR, "button.primary").click()

        _shot(driver, f"{base}/files", out, "import-check", upload)
    finally:
        driver.quit()
        server.should_exit = True
    print("\n".join(sorted(str(p) for p in out.glob("*.png"))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
