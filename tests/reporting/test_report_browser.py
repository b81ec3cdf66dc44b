"""The report renders in headless Chromium at phone width and makes no network request.

Needs Debian's ``chromium`` (``apt-get install chromium``; ``.ci/run`` installs
it). Skipped, saying so, only when the binary is absent.

One browser run loads a small harness page that shows the report in a 375 px
wide iframe (a phone; headless Chromium's own window cannot be narrower than
500 px), reads the rendered report's DOM from a script and writes what it
found into the harness page, which ``--dump-dom`` prints. The browser's network
log (``--log-net-log``) lists every request; a probe image in the harness, at a
``.invalid`` address, shows that a request would be seen. Name resolution is
closed (``--host-resolver-rules``), so nothing leaves the machine either way.
"""

import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from regen import score_frame
from regen.reporting.report import build_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium); no browser to render in"
)

PROBE = "http://regen-probe.invalid/probe.png"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--allow-file-access-from-files",
    "--window-size=500,900",
    "--virtual-time-budget=3000",
]
HARNESS = """<!DOCTYPE html><html><body><img src="{probe}" alt="">
<iframe id="r" src="{report}" style="border:0;width:375px;height:800px"></iframe><pre id="out"></pre>
<script>
window.addEventListener("load", () => {{
  const d = document.getElementById("r").contentDocument;
  const rows = id => {{ const t = d.getElementById(id); return t ? t.rows.length - 1 : -1; }};
  const boxes = [...d.querySelectorAll(".scroll")];
  document.getElementById("out").textContent = JSON.stringify({{
    sections: [...d.querySelectorAll("h2[id]")].map(h => h.id),
    weeks: rows("week-table"), months: rows("month-table"), overdue_rows: rows("lateness"),
    overdue_text: (d.getElementById("overdue").nextElementSibling || {{}}).textContent || "",
    page_width: d.documentElement.scrollWidth, visible_width: d.documentElement.clientWidth,
    viewport: d.defaultView.innerWidth,
    widest_box: Math.max(...boxes.map(b => b.getBoundingClientRect().width)),
    scrolling_boxes: boxes.filter(b => b.scrollWidth > b.clientWidth).length,
    images: [...d.images].map(i => i.complete && i.naturalWidth > 0),
  }});
}});
</script></body></html>"""


def _clinic() -> pd.DataFrame:
    rng = np.random.default_rng(13)
    nerves = [
        "SLGN",
        "SMGN",
        "IMGN",
        "IPBSN",
        "GON",
        "LON",
        "intercostal",
        "lumbar_medial_branch",
        "ilioinguinal",
        "superior_cluneal",
    ]
    start = np.datetime64("2025-11-25")
    return pd.DataFrame(
        {
            "patient_id": [f"P{i % 34:03d}" for i in range(40)],
            "nerve": [nerves[i % len(nerves)] for i in range(40)],
            "age": rng.integers(30, 90, 40).astype(str),
            "treated_on": [str(start + int(d)) for d in rng.integers(0, 365, 40)],
        }
    )


def _page_requests(netlog: Path) -> list[str]:
    """URLs of the requests made by pages (not by the browser itself) in a Chromium net log."""
    log = json.loads(netlog.read_text())
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    begun = [e["params"] for e in log["events"] if e["type"] == start and "url" in e.get("params", {})]
    return [
        p["url"] for p in begun if p.get("initiator") != "not an origin" and not p["url"].startswith(("file:", "data:"))
    ]


def test_report_renders_at_phone_width_without_requests(tmp_path):
    report = tmp_path / "report.html"
    report.write_text(build_report(score_frame(_clinic()), today="2026-11-25"), encoding="utf-8")
    harness = tmp_path / "harness.html"
    harness.write_text(HARNESS.format(probe=PROBE, report=report.as_uri()), encoding="utf-8")
    netlog = tmp_path / "net.json"
    began = time.perf_counter()
    res = subprocess.run(
        [
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--log-net-log={netlog}",
            "--dump-dom",
            harness.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    seconds = time.perf_counter() - began
    found = re.search(r'<pre id="out">(.*?)</pre>', res.stdout, re.S)
    assert found and found.group(1), f"no result from the page; stderr: {res.stderr[-2000:]}"
    page = json.loads(found.group(1).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))
    assert page["sections"][:5] == ["this-week", "overdue", "check", "weeks", "months"]
    assert page["weeks"] == 12 and page["months"] == 24 and page["overdue_rows"] == 6
    assert "overdue" in page["overdue_text"]
    assert page["viewport"] == 375
    assert page["page_width"] <= page["visible_width"] <= 375  # no sideways scrolling of the page
    assert page["widest_box"] <= page["visible_width"] and page["scrolling_boxes"] >= 1  # wide tables scroll
    assert len(page["images"]) == 2 and all(page["images"])
    requests = _page_requests(netlog)
    assert PROBE in requests  # the log does show a page's request
    assert [u for u in requests if u != PROBE] == []  # and the report made none
    assert seconds < 20, f"Chromium took {seconds:.1f} s"
