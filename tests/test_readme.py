"""The README's commands are the ones CI runs, and its numbers come from the code."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

import pvsite

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def bash_blocks(text):
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def test_ci_runs_exactly_the_two_readme_commands():
    install, test = bash_blocks(README)[:2]
    ci = [ln for ln in (ROOT / ".ci" / "run").read_text().splitlines()
          if ln and not ln.startswith(("#", "echo", "set ", "cd ", "rm ", "export ", "apt-get ",
                                       "  ||"))]
    assert ci == [install, test]


def test_readme_lists_every_output_column():
    for col in pvsite.OUTPUT_COLUMNS:
        assert f"`{col}`" in README, col


@pytest.mark.slow
def test_readme_results_are_up_to_date():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "update_readme.py"),
                           "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
