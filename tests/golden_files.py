"""Golden files: the expected text of a PDF or an e-mail, kept under ``tests/golden/``.

A test renders something, normalises it (``normalise``) and compares it with its golden file. After
an intended change of a text, regenerate the files and review the diff like any other change:

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/ketenmachtigingen/test_pdf_golden.py \\
        tests/test_email_golden.py -p no:randomly

Dates are frozen in these tests and references fixed, so a file changes only with the text.
"""

import os
import re
from pathlib import Path

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def normalise(text: str) -> str:
    """Trailing spaces and form feeds out, one newline at the end: what a reviewer cares about."""
    text = text.replace("\f", "\n")
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def assert_golden(name: str, text: str) -> None:
    """Compare ``text`` with ``tests/golden/<name>``; with ``UPDATE_GOLDEN=1`` write it instead."""
    path = GOLDEN_DIR / name
    text = normalise(text)
    if UPDATE or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if not UPDATE:
            raise AssertionError(f"{path} did not exist and was written: review and commit it")
        return
    expected = path.read_text(encoding="utf-8")
    assert text == expected, (
        f"{name} differs from its golden file; if the change is intended, regenerate it with "
        "UPDATE_GOLDEN=1 (see tests/golden_files.py)\n--- expected\n"
        + expected
        + "--- got\n"
        + text
    )
