"""The README's printed example is what regen prints: a rebuilt model cannot leave a stale forecast in it."""

import re
import shlex

from tests.conftest import ROOT


def _example():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## For the clinician", 1)[1]
    command = re.search(r"```bash\n(regen predict [^\n]+)\n```", section).group(1)
    printed = re.search(r"```text\n(.*?)```", section, re.S).group(1)
    return shlex.split(command)[1:], printed


def test_the_readme_prediction_is_what_regen_prints(cli):
    args, printed = _example()
    result = cli(*args)
    assert result.exit_code == 0, result.output
    assert result.output.rstrip("\n") == printed.rstrip("\n")


def test_the_readme_numbers_for_validation_are_the_stored_ones(model):
    """The README quotes the stored leave-one-study-out figures of the default model."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    parts = model.bundle["validation"]["parts"]
    for part, figures in parts.items():
        quoted = f"{figures['inside']} of {figures['numbers']}"
        assert quoted in text, (part, quoted)
