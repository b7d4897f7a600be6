"""Configuration hygiene: every environment variable is documented, production is strict."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def env_variables_read() -> set[str]:
    names = set()
    for path in (ROOT / "ketenportal" / "settings").glob("*.py"):
        names |= set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_][A-Z0-9_]*)"', path.read_text()))
    return names


def test_every_variable_is_in_env_example():
    documented = set(re.findall(r"^([A-Z_][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M))
    assert env_variables_read(), "the pattern found no env reads"
    assert env_variables_read() <= documented


def test_only_base_reads_the_environment():
    for path in (ROOT / "ketenportal" / "settings").glob("*.py"):
        if path.name != "base.py":
            assert not re.search(
                r"\benv\.|environ\.Env|os\.environ(?!\.setdefault)", path.read_text()
            ), path


def run_check(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "ketenportal.settings.production",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_has_no_default_secret_key():
    result = run_check({"ALLOWED_HOSTS": "ketenportal.example.nl"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_passes_the_deploy_check():
    result = run_check(
        {
            "SECRET_KEY": "x" * 60 + "-not-a-real-secret-but-long-and-random-enough-AbC123",
            "ALLOWED_HOSTS": "ketenportal.example.nl",
        }
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_readme_documents_every_environment_variable():
    """README "Configuration" lists every variable the settings and gunicorn read."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    read = set(
        re.findall(
            r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', (root / "ketenportal/settings/base.py").read_text()
        )
    )
    read |= set(re.findall(r'environ\.get\("([A-Z_]+)"', (root / "gunicorn.conf.py").read_text()))
    readme = (root / "README.md").read_text()
    undocumented = sorted(name for name in read if f"`{name}" not in readme)
    assert read and not undocumented
