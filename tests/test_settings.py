"""Configuration hygiene: every environment variable is documented, production is strict."""

import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

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
            "SECRET_KEY": secrets.token_urlsafe(64),
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


@pytest.mark.parametrize(
    "key",
    [
        "change-me-to-a-long-random-string",
        "django-insecure-" + "k3" * 30,
        "too-short-0123456789",
        "a" * 80,
    ],
    ids=["placeholder", "django-insecure", "short", "low-variety"],
)
def test_production_refuses_a_placeholder_or_weak_secret_key(key):
    result = run_check({"SECRET_KEY": key, "ALLOWED_HOSTS": "ketenportal.example.nl"})
    assert result.returncode != 0
    assert "SECRET_KEY must be at least 50 random characters" in result.stderr


def test_deployment_files_ship_no_secrets_and_trust_no_one_by_default():
    """ASVS finding 8: the image holds no secrets, compose has no default passwords, trusts no
    forwarded headers from everyone, publishes the web port on the host's loopback only, and the
    base image is pinned by digest."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    # The build runs production settings too: a fixed build key would be refused (and leak).
    assert not re.search(r"SECRET_KEY=[\w-]+", dockerfile), "a fixed SECRET_KEY in the build"
    assert "private_media" in (ROOT / "docker-compose.yml").read_text()
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".env" in ignored and ".env.*" in ignored and "*.pem" in ignored
    assert re.search(
        r"^FROM python:[\w.-]+@sha256:[0-9a-f]{64}$", (ROOT / "Dockerfile").read_text(), re.M
    )
    text = (ROOT / "docker-compose.yml").read_text()
    for secret in ("SECRET_KEY", "POSTGRES_PASSWORD"):
        assert re.search(rf"\$\{{{secret}:\?", text), f"{secret} must be required"
        assert not re.search(rf"\$\{{{secret}:-", text), f"{secret} must have no default"
    assert "FORWARDED_ALLOW_IPS: ${FORWARDED_ALLOW_IPS:-127.0.0.1}" in text
    published = re.findall(r'^\s+- "([^"]+:\d+)"\s*$', text, re.M)
    assert published, "no published ports found"
    for port in published:
        assert port.startswith(("127.0.0.1:", "${WEB_BIND:-127.0.0.1}:")), port
