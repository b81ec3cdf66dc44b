"""What importing regen costs: no heavy library on `import regen` or on the `regen predict` path; every public
name resolves."""

from __future__ import annotations

import subprocess
import sys


def test_import_is_light_and_every_public_name_resolves():
    code = (
        "import sys, regen\n"
        "heavy = {'pandas', 'sklearn', 'lifelines', 'matplotlib', 'scipy'} & set(sys.modules)\n"
        "print(sorted(heavy))\n"
        "missing = [n for n in regen.__all__ if getattr(regen, n, None) is None]\n"
        "print(missing)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["[]", "[]"]


def test_predict_path_keeps_heavy_libraries_out():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from regen.cli import app\n"
        "r = CliRunner().invoke(app, ['predict', '--nerve', 'SLGN', '--format', 'json'])\n"
        "assert r.exit_code == 0, r.output\n"
        "heavy = {'pandas', 'scipy', 'sklearn', 'lifelines', 'matplotlib'} & set(sys.modules)\n"
        "print(sorted(heavy))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "[]"
