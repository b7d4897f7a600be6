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


def test_api_cursor_figures():
    module = run_all()
    page = {
        "p50_ms": 30.1,
        "p95_ms": 42.0,
        "max_ms": 80.0,
        "cpu_p50_ms": 20.0,
        "cpu_p95_ms": 25.0,
        "pages": 200,
        "rows": 20000,
    }
    result = {
        "name": "api_cursor",
        "own_ketenmachtigingen": 20000,
        "total_ketenmachtigingen": 200000,
        "page_size": 100,
        "lists": {
            "all": {**page, "queries_per_page": {"min": 7, "max": 7}},
            "tab actief": {**page, "p95_ms": 120.0, "queries_per_page": {"min": 7, "max": 7}},
        },
        "ratio_to_html_overview_p95": 0.6,
        "max_ratio": 2.0,
        "target_ms": 100.0,
    }
    figures = module.figures_of("api_cursor", result)
    assert all(set(f) == {"name", "value", "unit", "target", "ok"} for f in figures)
    by_name = {f["name"]: f for f in figures}
    assert by_name["API list all, cursor page of 100, p95 (20,000 of 200,000)"]["ok"] is True
    assert (
        by_name["API list tab actief, cursor page of 100, p95 (20,000 of 200,000)"]["ok"] is False
    )
    assert by_name["API list, queries per page (the same on every page)"]["ok"] is True
    cpu = "API list all, cursor page of 100, CPU time of the server process, p95"
    assert by_name[cpu]["value"] == 25.0 and by_name[cpu]["ok"] is True
    grown = {**result["lists"]["all"], "queries_per_page": {"min": 7, "max": 9}}
    figures = module.figures_of("api_cursor", {**result, "lists": {"all": grown}})
    assert not {f["name"]: f for f in figures}[
        "API list, queries per page (the same on every page)"
    ]["ok"]


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


def test_home_page_figures():
    """The home page at 20,000 of 200,000: its p95, and the same queries at 1,000 and 20,000."""
    module = run_all()
    result = {
        "name": "home_page",
        "total_ketenmachtigingen": 200_000,
        "p95_ms": 80.5,
        "queries_1000": 14,
        "queries_20000": 14,
        "target_ms": 150.0,
    }
    figures = module.figures_of("home_page", result)
    assert all(set(f) == {"name", "value", "unit", "target", "ok"} for f in figures)
    by_name = {f["name"]: f for f in figures}
    assert by_name["home page, p95 (20,000 own / 200,000 in total)"]["ok"] is True
    assert by_name["home page, queries at 20,000 (as at 1,000)"]["ok"] is True
    grew = module.figures_of("home_page", {**result, "queries_20000": 15, "p95_ms": 151})
    assert not any(f["ok"] for f in grew)
