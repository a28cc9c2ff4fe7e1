"""The code passes the project's own linters: ruff on everything, mypy on src/."""

import json
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


def test_ruff_config_checks_runs_of_more_than_two_blank_lines():
    # pycodestyle's E303 is a ruff preview rule, selected alone in pyproject.toml, so that
    # test_ruff_is_clean (and a developer's own ``ruff check``) holds the code to it
    pytest.importorskip("ruff", reason="ruff is in the test extra")
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--output-format",
                           "json", "--stdin-filename", "tests/_probe.py", "-"],
                          cwd=ROOT, input='"""Probe."""\n\nx = 1\n\n\n\ny = 2\n',
                          capture_output=True, text=True)
    assert [v["code"] for v in json.loads(done.stdout)] == ["E303"], done.stdout + done.stderr


@pytest.mark.slow
def test_mypy_is_clean():
    pytest.importorskip("mypy", reason="mypy is in the test extra")
    done = run("mypy", "src")
    assert done.returncode == 0, done.stdout + done.stderr
