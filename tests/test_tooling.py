"""The code passes the project's own linters: ruff on everything, mypy on src/."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(*args):
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True)


def test_ruff_is_clean():
    pytest.importorskip("ruff", reason="ruff is in the test extra")
    done = run("ruff", "check", "src", "tests", "benchmarks", "scripts")
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_runs_of_more_than_two_blank_lines():
    # pycodestyle's E303, which ruff checks only in preview
    pytest.importorskip("ruff", reason="ruff is in the test extra")
    done = run("ruff", "check", "--preview", "--select", "E303", "src", "tests", "benchmarks",
               "scripts")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_mypy_is_clean():
    pytest.importorskip("mypy", reason="mypy is in the test extra")
    done = run("mypy", "src")
    assert done.returncode == 0, done.stdout + done.stderr
