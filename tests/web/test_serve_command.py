"""``regen serve`` starts in one line, prints its address and database, and answers on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request


def test_serve_prints_the_address_and_the_database_and_answers(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    db = tmp_path / "clinic.db"
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from regen.cli import main; main()",
            "serve",
            "--port",
            str(port),
            "--db",
            str(db),
            "--user",
            "anna",
        ],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        first = server.stderr.readline()
        assert f"http://127.0.0.1:{port}/" in first and str(db) in first and "acting as anna" in first
        end, page = time.monotonic() + 30, ""
        while time.monotonic() < end and not page:
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/worklist", timeout=5).read().decode()
            except OSError:
                time.sleep(0.2)
        assert "not a medical device" in page and "anna" in page
    finally:
        server.terminate()
        server.wait(timeout=30)
        server.stderr.close()
