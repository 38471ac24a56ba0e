"""The README's ``manage.py`` commands work as written in a fresh shell after ``make run``.

A copy of the project gets the database ``make run`` leaves (migrated, seeded);
then each command the README shows runs in ``bash`` with a clean environment
(no DJANGO_* or DATABASE_URL variable) and the virtualenv activated, as a
reader would type it.
"""

# The commands run are the README's own, in a scratch copy of the project.
# ruff: noqa: S603, S607

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Commands that wait for a person (a password prompt) or reach other hosts.
NOT_RUN = ("changepassword", "createsuperuser", "check_sources", "runserver")


def readme_commands() -> list[str]:
    """Every ``python manage.py ...`` line of the README's shell blocks, comments removed."""
    text = (ROOT / "README.md").read_text()
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = line.split("#")[0].strip()
            if line.startswith("python manage.py") and not any(n in line for n in NOT_RUN):
                commands.append(line)
    # Named in the text rather than a block: the first commands a curator runs.
    return [*commands, "python manage.py seed", "python manage.py setup_roles"]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A copy of the project after ``make run``: its virtualenv, a migrated and seeded database."""
    copy = tmp_path_factory.mktemp("fresh") / "tracker"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "db.sqlite3*", ".secret-key", "var", "work", "staticfiles",
            "__pycache__", ".pytest_cache", "test-results",
        ),
    )  # fmt: skip
    (copy / ".venv").symlink_to(Path(sys.prefix))
    env = {**clean_env(), "DJANGO_DEBUG": "1"}  # as `make run` runs these two
    for step in (["migrate", "--noinput", "-v0"], ["seed", "--if-empty", "-v0"]):
        result = subprocess.run(
            [str(copy / ".venv/bin/python"), "manage.py", *step],
            cwd=copy,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
    return copy


def clean_env() -> dict:
    """What a new login shell has: no project variables at all."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp")}


def test_the_readme_shows_commands_to_run():
    commands = readme_commands()
    assert any("export_sheet" in c for c in commands)
    assert any("import_sheet" in c for c in commands)


@pytest.mark.parametrize("command", readme_commands())
def test_a_readme_command_works_in_a_fresh_shell(project, command):
    result = subprocess.run(
        ["bash", "-c", f". .venv/bin/activate && {command}"],
        cwd=project,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr
