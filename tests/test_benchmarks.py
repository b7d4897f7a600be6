"""make bench: every script in benchmarks/ is run and turned into figures of the agreed shape."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
NOT_SCRIPTS = {"__init__", "_django", "run_all", "locustfile"}


def run_all():
    spec = importlib.util.spec_from_file_location("run_all", BENCHMARKS / "run_all.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_script_is_run_by_make_bench():
    scripts = {p.stem for p in BENCHMARKS.glob("*.py")} - NOT_SCRIPTS
    assert scripts == set(run_all().SCRIPTS)


def test_figures_have_the_agreed_shape():
    module = run_all()
    result = {
        "name": "page_scaling",
        "sizes": [1000, 20000],
        "queries": {
            "overview actief": {"1000": 15, "20000": 15},
            "detail": {"1000": 12, "20000": 13},
        },
        "max_queries": 25,
        "ratio": 7.1,
        "max_ratio": 15.0,
    }
    figures = module.figures_of("page_scaling", result)
    assert all(set(f) == {"name", "value", "unit", "target", "ok"} for f in figures)
    by_name = {f["name"]: f for f in figures}
    assert by_name["queries: overview actief at 20,000 (as at 1,000)"]["ok"] is True
    assert by_name["queries: detail at 20,000 (as at 1,000)"]["ok"] is False  # grew with the data
    assert by_name["overview (20,000) / trivial page (profile), p95 ratio, same process and run"][
        "ok"
    ]


def test_a_script_that_fails_is_a_missed_figure():
    figures = run_all().figures_of("export", {"error": "exit status 1"})
    assert figures == [
        {
            "name": "export: did not finish (exit status 1)",
            "value": None,
            "unit": "",
            "target": None,
            "ok": False,
        }
    ]


def test_overview_sort_filter_figures():
    result = {
        "name": "overview_sort_filter",
        "own_ketenmachtigingen": 20000,
        "total_ketenmachtigingen": 200000,
        "combinations": {"actief": {"p95_ms": 60.0}, "actief sort=-kvk": {"p95_ms": 90.0}},
        "max_p95_ms": 90.0,
        "ratio": 3.5,
        "max_ratio": 4.0,
        "seq_scans": {"actief bron": 1},
        "target_ms": 150.0,
    }
    figures = run_all().figures_of("overview_sort_filter", result)
    assert [f["ok"] for f in figures] == [True, True, False]  # a sequential scan is a miss


def test_overview_sort_filter_runs_at_a_small_size(tmp_path):
    """The script itself, on SQLite at a tiny size: every combination answers 200 with every
    parameter valid, and it prints one JSON object."""
    env = {
        **os.environ,
        "BENCH_OWN": "40",
        "BENCH_TOTAL": "80",
        "BENCH_REPEAT": "1",
        "BENCH_KEEPDB": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}",
    }
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "overview_sort_filter.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["own_ketenmachtigingen"] >= 40
    assert len(result["combinations"]) > 30
    assert result["seq_scans"] == {}  # not checked on SQLite
