"""Outputs that need a regular file refuse devices; nothing is ever created in /dev, /proc or /sys (F25)."""

from __future__ import annotations

import os

import pytest


def test_fit_refuses_a_device_as_its_model_file(cli, outcomes_csv, tmp_path):
    res = cli("fit", outcomes_csv, "-o", "/dev/stdout")
    assert res.exit_code == 2, res.output
    assert "/dev/stdout is not a regular file" in res.output or "a folder of devices" in res.output  # pytest's stdout
    assert not os.path.exists("/dev/stdout.md")


@pytest.mark.parametrize("target", ["/dev/regen-test.json", "/proc/regen-test.json"])
def test_fit_refuses_a_new_file_among_devices(cli, outcomes_csv, target):
    res = cli("fit", outcomes_csv, "-o", target)
    assert res.exit_code == 2 and "a folder of devices or system files" in res.output
    assert not os.path.exists(target)


@pytest.mark.parametrize("folder", ["/dev", "/dev/shm/..", "/sys/kernel"])
def test_evaluate_refuses_a_plot_folder_of_devices(cli, outcomes_csv, folder):
    res = cli("evaluate", "default", outcomes_csv, "--plot-dir", folder)
    assert res.exit_code == 2 and "a folder of devices or system files" in res.output, res.output
    assert not any(name.startswith("calibration") for name in os.listdir("/dev"))


def test_score_writes_through_an_existing_device_but_creates_nothing_in_dev(cli, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("nerve\nSLGN\n")
    assert cli("score", src, "-o", "/dev/null").exit_code == 0
    res = cli("score", src, "-o", "/dev/regen-test.csv")
    assert res.exit_code == 2 and "would be a new file in /dev" in res.output
    assert not os.path.exists("/dev/regen-test.csv")
