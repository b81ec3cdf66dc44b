"""The Dask engine is the local engine, distributed: the same options, the same bytes; scheduler addresses checked.

Both engines run on the same messy file with several option sets; the outputs,
the --errors files and the summaries must be equal byte for byte. The cluster
is a local `distributed` cluster started here (threads, in this process),
reached by its address as an existing cluster would be.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys

import pandas as pd
import pytest

from regen import score_frame

pytest.importorskip("distributed")

MESSY = (
    "\ufeffpatient_id,Note,nerve,age,treated_on,extra\n"
    'p1,"has, comma",SLGN,64,2026-03-14,x\n'
    "\n"
    'p2,"two\nlines",GON,45,2026-03-15,\n'
    'p1,"quote ""q""",kneecap,50,,y\n'
    "p3,,GON,abc,2026-02-30,z\n"
    + "".join(
        f"q{i % 7},n{i},{'GON' if i % 3 else 'SLGN'},{20 + i % 70},2026-01-{1 + i % 28:02d},\n" for i in range(60)
    )
)


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as local:
        yield local.scheduler_address


def _run(cli, tmp_path, tag, target, *options, engine=()):
    out = "-" if target == "-" else tmp_path / f"{tag}-{target}"
    errors = ["--errors", tmp_path / f"{tag}-errors.csv"] if "--errors" in options else []
    options = [o for o in options if o != "--errors"]
    res = cli("score", tmp_path / "messy.csv", "-o", out, *errors, *options, *engine)
    data = res.stdout_bytes if target == "-" else out.read_bytes()
    errs = (tmp_path / f"{tag}-errors.csv").read_bytes() if errors else b""
    summary = re.sub(r"in [0-9.]+ s", "in - s", res.stderr)
    return res.exit_code, data, errs, summary


@pytest.mark.parametrize(
    ("target", "options"),
    [
        ("out.csv", ()),
        ("out.csv.gz", ("--chunksize", "7", "--errors")),
        ("out.parquet", ("--chunksize", "10", "--book-at-risk", "0.3")),
        ("-", ("--chunksize", "1", "--errors")),
    ],
)
def test_both_engines_write_the_same_bytes(tmp_path, cli, cluster, target, options):
    (tmp_path / "messy.csv").write_text(MESSY, encoding="utf-8")
    local = _run(cli, tmp_path, "local", target, *options)
    dask = _run(cli, tmp_path, "dask", target, *options, engine=("--engine", "dask", "--scheduler", cluster))
    assert local[0] == 3, local[3]
    assert "64 rows: 62 scored, 2 not scored" in local[3] and "rows repeat a patient_id" in local[3]
    assert local == dask


def test_dask_reads_the_scheduler_address_dask_reads(tmp_path, cli, cluster, monkeypatch):
    (tmp_path / "messy.csv").write_text(MESSY, encoding="utf-8")
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", cluster)
    from regen.batch.dask import scheduler_address

    assert scheduler_address() == cluster
    assert _run(cli, tmp_path, "env", "o.csv", engine=("--engine", "dask")) == _run(cli, tmp_path, "loc", "o.csv")


def test_options_dask_cannot_use_are_refused(tmp_path, cli):
    (tmp_path / "messy.csv").write_text(MESSY, encoding="utf-8")
    res = cli("score", tmp_path / "messy.csv", "-o", tmp_path / "o.csv", "--scheduler", "tcp://127.0.0.1:1")
    assert res.exit_code == 2 and "--scheduler needs --engine dask" in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["messy.csv"]


def test_dask_refuses_what_local_refuses(tmp_path, cli, cluster):
    src = tmp_path / "messy.csv"
    src.write_text("patient_id,nerve,age\nP1,SLGN,64,x\n")
    for engine in ((), ("--engine", "dask", "--scheduler", cluster)):
        res = cli("score", src, "-o", tmp_path / "o.csv", *engine)
        assert res.exit_code == 1 and "data record 1 has 4 fields" in res.stderr
        res = cli("score", src, "-o", src, *engine)
        assert res.exit_code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["messy.csv"]


def test_a_glob_is_read_in_name_order_by_both_engines(tmp_path, cli, cluster):
    for i in range(3):
        (tmp_path / f"part-{i}.csv").write_text(f"patient_id,nerve\np{i},GON\nq{i},SLGN\n")
    outs = []
    for engine in ((), ("--engine", "dask", "--scheduler", cluster)):
        out = tmp_path / f"o{len(outs)}.csv"
        assert cli("score", str(tmp_path / "part-*.csv"), "-o", out, *engine).exit_code == 0
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert [line.split(b",")[0] for line in outs[0].splitlines()[1:]] == [b"p0", b"q0", b"p1", b"q1", b"p2", b"q2"]


def test_a_cluster_of_worker_processes_gives_the_same_bytes(tmp_path, cli):
    from distributed import LocalCluster

    (tmp_path / "messy.csv").write_text(MESSY, encoding="utf-8")
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0") as remote:
        dask = _run(
            cli,
            tmp_path,
            "d",
            "o.csv",
            "--chunksize",
            "9",
            "--errors",
            engine=("--engine", "dask", "--scheduler", remote.scheduler_address),
        )
    assert dask == _run(cli, tmp_path, "l", "o.csv", "--chunksize", "9", "--errors")


def test_dask_engine_equals_single_process(tmp_path, patients_csv, cli):
    pytest.importorskip("dask.dataframe")  # the test extra installs dask; see pyproject
    src = patients_csv
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    cli("score", str(src), "-o", str(a))
    res = cli("score", str(src), "-o", str(b), "--engine", "dask")
    assert res.exit_code == 3, res.output
    assert a.read_bytes() == b.read_bytes()


def test_dask_recipe_map_partitions(patients):
    import dask.dataframe as dd

    ddf = dd.from_pandas(patients, npartitions=4)
    scored = ddf.map_partitions(score_frame, meta=score_frame(ddf._meta)).compute(scheduler="sync")
    expected = score_frame(patients)
    pd.testing.assert_frame_equal(scored.astype(object), expected.astype(object), check_dtype=False)


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("garbage://x", "'garbage://x' has no known scheme (inproc, tcp, tls, ucx, ws, wss)"),
        ("tcp://a:b", "'tcp://a:b' is not host:port"),
        ("tcp://", "'tcp://' is not host:port"),
        ("tcp://host:0", "'tcp://host:0' is not host:port"),
    ],
)
def test_a_malformed_scheduler_is_one_line(cli, two_patients_csv, address, message):
    res = cli(
        "score", two_patients_csv, "-o", two_patients_csv.parent / "d.csv", "--engine", "dask", "--scheduler", address
    )
    assert res.exit_code == 1, res.output
    assert res.stderr == f"Error: Dask scheduler address {message}; expected e.g. tcp://10.0.0.5:8786\n"
    assert sorted(p.name for p in two_patients_csv.parent.iterdir()) == ["c.csv"]


def test_an_unreachable_scheduler_is_one_line(cli, two_patients_csv, monkeypatch):
    monkeypatch.setattr("regen.batch.dask.CONNECT_TIMEOUT", "0.5s")
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    res = cli(
        "score",
        two_patients_csv,
        "-o",
        two_patients_csv.parent / "d.csv",
        "--engine",
        "dask",
        "--scheduler",
        f"tcp://127.0.0.1:{port}",
    )
    assert res.exit_code == 1 and res.stderr.count("\n") == 1, res.output
    assert res.stderr.startswith(f"Error: cannot reach the Dask scheduler at tcp://127.0.0.1:{port}: ")
    assert sorted(p.name for p in two_patients_csv.parent.iterdir()) == ["c.csv"]


def test_a_bad_scheduler_in_the_environment_is_one_line_without_traceback(two_patients_csv):
    env = {**os.environ, "DASK_SCHEDULER_ADDRESS": "nonsense"}
    res = subprocess.run(
        [sys.executable, "-m", "regen", "score", str(two_patients_csv), "-o", "d.csv", "--engine", "dask"],
        capture_output=True,
        text=True,
        env=env,
        cwd=two_patients_csv.parent,
        timeout=60,
    )
    assert res.returncode == 1
    assert res.stderr == (
        "Error: Dask scheduler address 'nonsense' (from DASK_SCHEDULER_ADDRESS or Dask's "
        "scheduler-address setting) is not host:port; expected e.g. tcp://10.0.0.5:8786\n"
    )
    assert sorted(p.name for p in two_patients_csv.parent.iterdir()) == ["c.csv"]


@pytest.mark.parametrize(
    "address",
    ["tcp://10.0.0.5:8786", "10.0.0.5:8786", "tls://h:1", "tcp://[::1]:8786", "inproc://x/1/2", "ws://host:80"],
)
def test_well_formed_scheduler_addresses_pass(address):
    pytest.importorskip("distributed")
    from regen.batch.dask import check_scheduler_address

    assert check_scheduler_address(address) == address
