"""Make ``scripts.evidence`` importable (the package lives in the checkout, not in the wheel)."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

pytest.importorskip("numpyro", reason="the evidence build needs the 'bayes' extra: pip install -e '.[bayes]'")
