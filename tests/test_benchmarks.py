"""make bench: every script in benchmarks/ is run and turned into figures of the agreed shape."""

import importlib.util
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
