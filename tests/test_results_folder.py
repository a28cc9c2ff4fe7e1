"""A results folder is written as a unit (issue 21): killed, stopped or concurrent runs of
``pvsite run`` never leave a folder that mixes two runs' files, nor temporary folders."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import pvsite
from pvsite.cli import main
from pvsite.output.export import results_folder

SRC = Path(pvsite.__file__).resolve().parents[1]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _temps(parent: Path, name: str = "out") -> list[str]:
    return sorted(p.name for p in parent.glob(f".{name}.*"))


def test_results_folder_replaces_whole_or_not_at_all(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.csv").write_text("old a")
    (out / "b.csv").write_text("old b")
    with pytest.raises(ZeroDivisionError), results_folder(out) as tmp:
        (tmp / "a.csv").write_text("new a")
        raise ZeroDivisionError
    assert _snapshot(out) == {"a.csv": b"old a", "b.csv": b"old b"} and not _temps(tmp_path)
    with results_folder(out) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(f".out.tmp-{os.getpid()}-")
        (tmp / "a.csv").write_text("new a")
        assert _snapshot(out)["a.csv"] == b"old a"  # nothing visible before the end
    assert _snapshot(out) == {"a.csv": b"new a"} and not _temps(tmp_path)


def test_stale_temporary_folders_of_dead_processes_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    pid = int(dead.stdout)  # a process that has ended
    stale = tmp_path / f".out.tmp-{pid}-0000"
    stale.mkdir()
    (stale / "buildings.csv").write_text("half")
    alive = tmp_path / f".out.tmp-{os.getppid()}-0000"  # a running process: kept
    alive.mkdir()
    with results_folder(tmp_path / "out") as tmp:
        (tmp / "x").write_text("x")
    assert not stale.exists() and alive.exists()


def test_a_folder_with_other_files_is_refused_in_one_line(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("precious")
    assert main(["run", "--out", str(out), "--no-maps"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "thesis.docx" in err[0], err
    assert (out / "thesis.docx").read_text() == "precious"


def _start(args: list[str], *, hold_swap: bool = False) -> subprocess.Popen:
    """``pvsite run`` in a child; ``hold_swap``: it waits 60 s before swapping its folder in.

    The wait makes a signal sent once the run has written a file arrive before the swap on
    any machine (without it, a stalled test process let a run finish first: CI, 2026-12-03).
    """
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    hold = ("import time; from pvsite.output import export; swap = export._swap_in; "
            "export._swap_in = lambda *a: (time.sleep(60), swap(*a))[1]; " if hold_swap else "")
    code = f"import sys; {hold}from pvsite.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.Popen([sys.executable, "-c", code, "run", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for_files_in_temp(proc: subprocess.Popen, parent: Path) -> None:
    """Wait until the run has written a file into its temporary folder."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if any(any(t.iterdir()) for t in parent.glob(".out.tmp-*") if t.is_dir()):
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.01)
    raise AssertionError("the run wrote nothing in 120 s")


@pytest.fixture(scope="module")
def small_input(tmp_path_factory):
    path = tmp_path_factory.mktemp("in") / "in.gpkg"
    pvsite.datasets.shanghai_buildings().head(20).to_file(path)
    return path


@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_a_run_killed_while_writing_leaves_the_earlier_results_whole(tmp_path, small_input,
                                                                     capsys, how):
    out = tmp_path / "out"
    assert main(["run", "--footprints", str(small_input), "--no-shading", "--no-maps",
                 "--target-kw", "300", "--out", str(out)]) == 0
    capsys.readouterr()
    before = _snapshot(out)
    # the second run draws maps too and holds its swap: still at work after its first file
    proc = _start(["--footprints", str(small_input), "--no-shading", "--target-kw", "600",
                   "--out", str(out)], hold_swap=True)
    _wait_for_files_in_temp(proc, tmp_path)
    proc.send_signal(getattr(signal, how))
    proc.communicate(timeout=60)
    assert _snapshot(out) == before  # every file of the earlier run, byte for byte
    if how == "SIGTERM":
        assert proc.returncode == 128 + signal.SIGTERM
        assert not _temps(tmp_path)  # the handler's SystemExit let `finally` clean up
    else:
        assert proc.returncode == -signal.SIGKILL
        assert len(_temps(tmp_path)) == 1  # SIGKILL: the dead run's folder stays...
        assert main(["run", "--footprints", str(small_input), "--no-shading", "--no-maps",
                     "--target-kw", "300", "--out", str(out)]) == 0
        assert not _temps(tmp_path)  # ...until the next run removes it
        assert _snapshot(out).keys() == before.keys()


@pytest.mark.slow
def test_two_runs_into_one_folder_leave_one_runs_files(tmp_path, small_input):
    out = tmp_path / "out"
    procs = {kw: _start(["--footprints", str(small_input), "--no-shading", "--no-maps",
                         "--target-kw", str(kw), "--out", str(out)]) for kw in (300, 600)}
    for p in procs.values():
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    assert not _temps(tmp_path)
    # each file names its target: all must name the same one
    report = (out / "report.md").read_text(encoding="utf-8")
    shortfall = pd.read_csv(out / "shortfall.csv")
    plan = pd.read_csv(out / "plan.csv")
    import geopandas as gpd

    plan_geo = gpd.read_file(out / "plan.geojson")
    targets = [kw for kw in procs if f"against the {kw / 1000:,.1f} MW target" in report]
    assert len(targets) == 1
    # each district's share is written to 3 decimals: the sum is off by <= 0.0005 a row
    assert shortfall["target_kw"].sum() == pytest.approx(targets[0], abs=5e-4 * len(shortfall))
    assert len(plan) == len(plan_geo)
    assert plan["cumulative_kwp"].iloc[-1] >= targets[0] > plan["cumulative_kwp"].iloc[-2]
