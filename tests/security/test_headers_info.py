"""ASVS (info): security.txt, Permissions-Policy, __Host- cookies and an HttpOnly, Secure
language cookie in production, no server version in any header."""

import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_security_txt_is_public_and_says_where_to_report(settings):
    settings.SECURITY_CONTACT = "mailto:security@portaal.example.nl"
    settings.SITE_URL = "https://portaal.example.nl"
    response = Client().get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert "Contact: mailto:security@portaal.example.nl" in body
    assert re.search(r"^Expires: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", body, re.M)
    assert "Canonical: https://portaal.example.nl/.well-known/security.txt" in body
    assert "camera=()" in response["Permissions-Policy"]


def test_static_files_carry_the_permissions_policy_too():
    response = Client().get("/static/css/ketenportal.css")
    assert response.status_code == 200
    assert "camera=()" in response["Permissions-Policy"]


def test_gunicorn_names_no_version(tmp_path):
    """The production server (gunicorn, with our config) says no version in its headers."""
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "ketenportal.wsgi:application"],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "ketenportal.settings.test",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": "1",
            "GUNICORN_ACCESS_LOG": "/dev/null",
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        headers = None
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/?worker=0") as r:
                    headers = r.headers
                break
            except OSError:
                time.sleep(0.1)
        assert headers is not None, "gunicorn did not answer"
        assert not re.search(r"\d", headers.get("Server", "")), headers.get("Server")
        assert "X-Powered-By" not in headers
        assert "camera=()" in headers.get("Permissions-Policy", "")
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_language_cookie_is_http_only():
    response = Client().post(reverse("accounts:taal"), {"language": "en", "next": "/"})
    cookie = response.cookies["django_language"]
    assert cookie["httponly"] and cookie.value == "en"


def test_production_uses_host_prefixed_secure_cookies():
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE,"
        " s.CSRF_COOKIE_SECURE, s.LANGUAGE_COOKIE_SECURE, s.LANGUAGE_COOKIE_HTTPONLY)"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "ketenportal.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "ketenportal.example.nl",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "True",
        "True",
        "True",
        "True",
    ]
