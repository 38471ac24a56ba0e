"""Hostile uploads through the admin: the import page answers with the message, quickly.

A worker that built what such a file describes answered 500 after 30 s
(gunicorn's timeout); the import page must instead show the one-line refusal.
"""

import json
import sys
import time
from pathlib import Path

import pytest

from tests.test_import_admin import upload

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import hostile_sheets  # noqa: E402 (bench/hostile_sheets.py, not a package)

UPLOADS = [
    "repeated-rows.ods",
    "packed-rows.ods",
    "covered-cells.ods",
    "lying-size.ods",
    "undeclared-strings.xlsx",
    "styles.xlsx",
    "column-gap.xlsx",
    "row-number.xlsx",
]


@pytest.mark.django_db
@pytest.mark.parametrize("name", UPLOADS)
def test_a_hostile_upload_answers_the_import_page_with_its_message(researcher_client, name):
    _, build, message = hostile_sheets.HOSTILE[name]
    content = build()

    started = time.perf_counter()
    response = upload(researcher_client, name, content)
    seconds = time.perf_counter() - started

    print(json.dumps({"upload": name, "bytes": len(content), "seconds": round(seconds, 2)}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert seconds < 10  # a ceiling that catches a hang, not a benchmark
