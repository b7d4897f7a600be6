"""Run every benchmark against PostgreSQL and write ``benchmarks/results.json``: a list of
figures, each ``{"name", "value", "unit", "target", "ok"}`` (``make bench``).

Each script runs in a process of its own (so one's memory or settings cannot colour another's) and
prints one JSON object; this collects them. Data is generated on the first run and kept for the
next (``BENCH_KEEPDB=1``). A script that fails is reported as a failed figure, the others still
run; the exit status is non-zero when any figure misses its target.

    make bench                                                   # all, on the local PostgreSQL
    .venv/bin/python benchmarks/run_all.py overview_tabs load_test    # only these
"""

import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ketenportal"


def figure(name: str, value, unit: str, target, ok: bool | None = None) -> dict:
    """One figure; ``ok`` is ``value < target`` unless given."""
    if ok is None:
        ok = value is not None and target is not None and value < target
    return {"name": name, "value": value, "unit": unit, "target": target, "ok": bool(ok)}


def overview_tabs(r: dict) -> list[dict]:
    size = f"{r['own_ketenmachtigingen']:,} own / {r['total_ketenmachtigingen']:,} in total"
    figures = [
        figure(f"overview tab {tab}, p95 ({size})", t["p95_ms"], "ms", r["target_ms"])
        for tab, t in r["tabs"].items()
    ]
    most = max(t["queries"] for t in r["tabs"].values())
    figures.append(figure("overview tab, queries per page (most)", most, "queries", 25, most <= 25))
    return figures


def overview_sort_filter(r: dict) -> list[dict]:
    size = f"{r['own_ketenmachtigingen']:,} own / {r['total_ketenmachtigingen']:,} in total"
    seq = sum(r["seq_scans"].values())
    return [
        figure(
            f"overview sorted and filtered, worst p95 of {len(r['combinations'])} combinations "
            f"({size})",
            r["max_p95_ms"],
            "ms",
            r["target_ms"],
        ),
        figure(
            "overview sorted and filtered (worst) / profile page, p95 ratio, same process and run",
            r["ratio"],
            "x",
            r["max_ratio"],
            r["ratio"] <= r["max_ratio"],
        ),
        figure(
            "overview sorted and filtered, sequential scans of the ketenmachtigingen table",
            seq,
            "scans",
            0,
            seq == 0,
        ),
    ]


def home_page(r: dict) -> list[dict]:
    size = f"20,000 own / {r['total_ketenmachtigingen']:,} in total"
    return [
        figure(f"home page, p95 ({size})", r["p95_ms"], "ms", r["target_ms"]),
        figure(
            "home page, queries at 20,000 (as at 1,000)",
            r["queries_20000"],
            "queries",
            r["queries_1000"],
            r["queries_20000"] == r["queries_1000"],
        ),  # fmt: skip
    ]


def wizard_steps(r: dict) -> list[dict]:
    return [
        figure(f"request wizard {step.replace('_', ' ')}, p95", t["p95_ms"], "ms", r["target_ms"])
        for step, t in r["steps"].items()
    ]


def pdf_render(r: dict) -> list[dict]:
    return [figure("PDF form rendering, p95", r["p95_ms"], "ms", r["target_ms"])]


def picker_search(r: dict) -> list[dict]:
    return [
        figure(
            f"service picker search, p95 ({r['shipped']['diensten']} services)",
            r["shipped"]["worst_p95_ms"],
            "ms",
            r["target_ms"],
        ),
        figure(
            f"service picker search, p95 ({r['large']['diensten']:,} services)",
            r["large"]["worst_p95_ms"],
            "ms",
            r["target_ms"],
        ),
    ]


def import_read(r: dict) -> list[dict]:
    return [
        figure(
            f"import: read a spreadsheet of {r['rows']:,} rows",
            r["seconds"],
            "s",
            r["target_seconds"],
            r["ok"],
        )
    ]


def import_preview(r: dict) -> list[dict]:
    rows = f"{r['rows']:,} rows"
    return [
        figure(
            f"import: upload to preview, {rows}",
            r["upload_to_preview_seconds"],
            "s",
            r["targets"]["seconds"],
            r["ok"],
        ),
        figure(f"import: peak memory, {rows}", r["peak_rss_mb"], "MB", r["targets"]["peak_rss_mb"]),
    ]


def export(r: dict) -> list[dict]:
    t, rows = r["targets"], f"{r['rows']:,} rows"
    return [
        figure(f"export CSV, {rows}", r["csv_seconds"], "s", t["csv_seconds"]),
        figure(
            f"export CSV, first rows, {rows}",
            r["csv_first_rows_seconds"],
            "s",
            t["first_bytes_seconds"],
        ),
        figure(f"export XLSX, {rows}", r["xlsx_seconds"], "s", t["xlsx_seconds"]),
        figure(f"export, peak memory, {rows}", r["peak_memory_mb"], "MB", t["memory_mb"]),
    ]


def bulk_renewal(r: dict) -> list[dict]:
    return [
        figure(
            f"bulk renewal of {r['selected']:,} ketenmachtigingen",
            r["seconds"],
            "s",
            r["target_seconds"],
            r["ok"],
        ),
        figure(f"bulk renewal of {r['selected']:,}, queries", r["queries"], "queries", 100),
    ]


def daily_sweep(r: dict) -> list[dict]:
    return [
        figure(
            f"daily sweep over {r['ketenmachtigingen']:,} ketenmachtigingen ({r['due']:,} due)",
            r["seconds"],
            "s",
            r["target_seconds"],
            r["ok"],
        ),
        figure(
            "daily sweep, notices created (exactly the due ones)",
            r["notices"],
            "notices",
            r["due"],
            r["notices"] == r["due"],
        ),  # fmt: skip
    ]


def page_scaling(r: dict) -> list[dict]:
    small, large = (str(s) for s in r["sizes"])
    figures = [
        figure(
            "overview (20,000) / trivial page (profile), p95 ratio, same process and run",
            r["ratio"],
            "x",
            r["max_ratio"],
        )
    ]
    for page, q in r["queries"].items():
        figures.append(
            figure(
                f"queries: {page} at 1,000",
                q[small],
                "queries",
                r["max_queries"],
                q[small] <= r["max_queries"],
            )  # fmt: skip
        )
        figures.append(
            figure(
                f"queries: {page} at 20,000 (as at 1,000)",
                q[large],
                "queries",
                q[small],
                q[large] == q[small],
            )  # fmt: skip
        )
    return figures


def api_cursor(r: dict) -> list[dict]:
    size = f"{r['own_ketenmachtigingen']:,} of {r['total_ketenmachtigingen']:,}"
    figures = [
        figure(
            f"API list {name}, cursor page of {r['page_size']}, p95 ({size})",
            t["p95_ms"],
            "ms",
            r["target_ms"],
        )
        for name, t in r["lists"].items()
    ]
    figures.append(
        figure(
            f"API list all, cursor page of {r['page_size']}, CPU time of the server process, p95",
            r["lists"]["all"]["cpu_p95_ms"],
            "ms",
            r["target_ms"],
        )
    )
    figures.append(
        figure(
            "API list page (100) / HTML overview page (50), p95 ratio, same run",
            r["ratio_to_html_overview_p95"],
            "x",
            r["max_ratio"],
        )
    )
    queries = [t["queries_per_page"] for t in r["lists"].values()]
    most, least = max(q["max"] for q in queries), min(q["min"] for q in queries)
    figures.append(
        figure(
            "API list, queries per page (the same on every page)",
            most,
            "queries",
            least,
            most == least,
        )  # fmt: skip
    )
    return figures


def load_test(r: dict) -> list[dict]:
    users = f"{r['users']} beheerders, {r['seconds']} s"
    b = r["browse"]
    return [
        figure(f"load: browsing p95 ({users})", b["p95_ms"], "ms", r["target_p95_ms"]),
        figure(
            f"load: errors ({users})",
            r["failures"] + r["server_errors_logged"],
            "errors",
            0,
            r["failures"] + r["server_errors_logged"] == 0,
        ),  # fmt: skip
        figure(
            f"load: requests per second ({users})",
            r["requests_per_second"],
            "req/s",
            None,
            r["requests_per_second"] > 0,
        ),  # fmt: skip
        figure(
            f"load: log in (password + TOTP), p95 ({r['users']} at once)",
            r["login"]["p95_ms"],
            "ms",
            None,
            r["login"]["failures"] == 0,
        ),  # fmt: skip
        # The capacity ramp: the highest rate a step held (p95 within the target, no errors).
        # The 60 req/s is an aim on this 2-core machine, where locust, gunicorn,
        # PostgreSQL and Redis share the cores.
        figure(
            f"load: capacity, peak requests per second held ({r.get('peak_users', 0)} beheerders)",
            r.get("peak_requests_per_second", 0),
            "req/s",
            r.get("aim_requests_per_second"),
            r.get("peak_requests_per_second", 0) >= (r.get("aim_requests_per_second") or 0),
        ),
    ]


# In order: the quick ones first; the two that generate the most data last.
SCRIPTS: dict[str, Callable[[dict], list[dict]]] = {
    "picker_search": picker_search,
    "wizard_steps": wizard_steps,
    "pdf_render": pdf_render,
    "import_read": import_read,
    "import_preview": import_preview,
    "bulk_renewal": bulk_renewal,
    "page_scaling": page_scaling,
    "overview_tabs": overview_tabs,
    "api_cursor": api_cursor,
    "overview_sort_filter": overview_sort_filter,
    "home_page": home_page,
    "export": export,
    "daily_sweep": daily_sweep,
    "load_test": load_test,
}


def run(script: str, env: dict) -> tuple[dict | None, float, str]:
    start = time.perf_counter()
    process = subprocess.run(
        [sys.executable, str(HERE / f"{script}.py")],
        cwd=HERE.parent,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        timeout=3600,
    )
    seconds = time.perf_counter() - start
    lines = [line for line in process.stdout.splitlines() if line.startswith("{")]
    if process.returncode != 0 or not lines:
        return None, seconds, f"exit status {process.returncode}"
    return json.loads(lines[-1]), seconds, ""


def main(argv: list[str]) -> int:
    chosen = argv or list(SCRIPTS)
    unknown = [s for s in chosen if s not in SCRIPTS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(SCRIPTS)}")
        return 2
    env = {**os.environ, "BENCH_KEEPDB": os.environ.get("BENCH_KEEPDB", "1")}
    env.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    if not env["DATABASE_URL"].startswith("postgres"):
        print("make bench measures on PostgreSQL: set DATABASE_URL=postgres://...")
        return 2

    cpu_before = cpu_ms()
    raw_path = HERE / "results-raw.json"
    raw = json.loads(raw_path.read_text()) if raw_path.exists() else {}
    scripts = raw.get("scripts", {})
    for script in chosen:
        print(f"==> {script}", file=sys.stderr, flush=True)
        result, seconds, error = run(script, env)
        scripts[script] = result or {"error": error}
        for f in figures_of(script, scripts[script]):
            mark = "ok  " if f["ok"] else "MISS"
            print(f"    {mark} {f['name']}: {f['value']} {f['unit']} (target {f['target']})",
                  file=sys.stderr)  # fmt: skip
        print(f"    ({seconds:.0f} s)", file=sys.stderr)

    # results.json always holds every script's latest figures, also after a partial run.
    figures = [
        f for script in SCRIPTS if script in scripts for f in figures_of(script, scripts[script])
    ]
    RESULTS.write_text(json.dumps(figures, indent=1) + "\n")
    raw = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            **machine(env["DATABASE_URL"]),
            "cpu_check_ms": {"before": cpu_before, "after": cpu_ms()},
        },
        "scripts": scripts,
    }
    raw_path.write_text(json.dumps(raw, indent=1) + "\n")
    write_report(figures, raw)
    missed = [f["name"] for f in figures if not f["ok"]]
    print(f"\n{len(figures) - len(missed)} of {len(figures)} figures meet their target; "
          f"written to {RESULTS.relative_to(HERE.parent)}", file=sys.stderr)  # fmt: skip
    for name in missed:
        print(f"  missed: {name}", file=sys.stderr)
    return 1 if missed else 0


REPORT = HERE.parent / "BENCHMARKS.md"
REPORT_START, REPORT_END = "<!-- results:start -->", "<!-- results:end -->"


def write_report(figures: list[dict], raw: dict) -> None:
    """Put the figures, as a table, between the markers in BENCHMARKS.md."""
    if not REPORT.exists():
        return
    text = REPORT.read_text()
    if REPORT_START not in text or REPORT_END not in text:
        return
    m = raw["machine"]
    lines = [
        REPORT_START,
        f"Measured {raw['measured_at']} on {m['cpus']} CPUs ({m['cpu']}), {m['memory_gb']} GB, "
        f"PostgreSQL {m['postgresql']}, Python {m['python']}. CPU check (a fixed piece of "
        f"Python, lower is faster): {m['cpu_check_ms']['before']} ms before the run, "
        f"{m['cpu_check_ms']['after']} ms after.",
        "",
        "| Figure | Value | Target | |",
        "|---|---:|---:|---|",
    ]
    for f in figures:
        value = "—" if f["value"] is None else f"{f['value']:,}"
        target = "—" if f["target"] is None else f"{f['target']:,}"
        unit = f" {f['unit']}" if f["unit"] else ""
        lines.append(
            f"| {f['name']} | {value}{unit} | {target}{unit if f['target'] is not None else ''} "
            f"| {'ok' if f['ok'] else '**missed**'} |"
        )
    lines.append(REPORT_END)
    before, rest = text.split(REPORT_START, 1)
    after = rest.split(REPORT_END, 1)[1]
    REPORT.write_text(before + "\n".join(lines) + after)


def figures_of(script: str, result: dict) -> list[dict]:
    if "error" in result and "name" not in result:
        return [figure(f"{script}: did not finish ({result['error']})", None, "", None, False)]
    try:
        return SCRIPTS[script](result)
    except (KeyError, TypeError) as exc:
        return [figure(f"{script}: unexpected output ({exc!r})", None, "", None, False)]


def cpu_ms() -> float:
    """A fixed piece of pure Python, best of three, in ms: how fast the machine was at the time
    (on a shared virtual machine this varies by a third from hour to hour)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        sum(i * i for i in range(2_000_000))
        best = min(best, time.perf_counter() - start)
    return round(best * 1000, 1)


def machine(database_url: str) -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    # The server's own database: the one in DATABASE_URL need not exist (the scripts use theirs).
    server = urlunsplit(urlsplit(database_url)._replace(path="/postgres"))
    postgres = subprocess.run(
        ["psql", server, "-Atc", "SHOW server_version"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "postgresql": postgres,
        "cpu": cpu,
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30),
        "python": platform.python_version(),
        "system": platform.platform(),
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
