"""Shared cast for the tests: the seed dataset, users per role, a browser."""

import os
import shutil

import pytest
from django.core.management import call_command

# pytest-django's live_server runs the database set-up from an event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the seed dataset once; each test runs in a transaction rolled back after it."""
    with django_db_blocker.unblock():
        call_command("seed", verbosity=0)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Drive Debian's Chromium; never a downloaded browser."""
    if not shutil.which(CHROMIUM):
        message = f"{CHROMIUM} is missing: apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def roles(db):
    """The groups Researchers and Editors, as ``setup_roles`` makes them."""
    call_command("setup_roles", verbosity=0)


def _staff_user(django_user_model, username, group):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(username, password="pass", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def researcher(roles, django_user_model):
    return _staff_user(django_user_model, "rita", "Researchers")


@pytest.fixture
def editor(roles, django_user_model):
    return _staff_user(django_user_model, "eddie", "Editors")


@pytest.fixture
def researcher_client(researcher, client):
    client.force_login(researcher)
    return client


@pytest.fixture
def editor_client(editor, client):
    client.force_login(editor)
    return client


@pytest.fixture
def change_form_data():
    """The POST data a browser would send back for an admin change page, unchanged.

    Reads the form and inline formsets from the page's context, so a test edits
    only the fields it is about and carries the version the page showed.
    """

    def _values(form):
        data = {}
        for name in form.fields:
            value = form[name].value()
            if value is None:
                continue
            if isinstance(value, list | tuple):
                data[form.add_prefix(name)] = [str(v) for v in value]
            elif isinstance(value, bool):
                if value:
                    data[form.add_prefix(name)] = "on"
            else:
                data[form.add_prefix(name)] = str(value)
        return data

    def build(response):
        form = response.context["adminform"].form
        data = _values(form)
        if "public_note" in form.fields:
            # An editor's change to a published record needs a public note.
            data["public_note"] = "Checked against the sources."
        for inline in response.context.get("inline_admin_formsets", []):
            formset = inline.formset
            management = formset.management_form
            for name in management.fields:
                data[management.add_prefix(name)] = str(management[name].value())
            for form in formset.initial_forms:
                data.update(_values(form))
        return data

    return build


@pytest.fixture(autouse=True)
def _plain_http(settings):
    """The test client and live_server speak plain HTTP; production settings redirect to HTTPS."""
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture(autouse=True)
def _static_without_manifest(settings):
    """Serve static files from the app folders: tests run with DEBUG off but no collectstatic.

    Production uses whitenoise's manifest storage, which needs ``collectstatic``
    to have run; pages that link their stylesheet would otherwise fail here.
    """
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _own_download_dir(settings, tmp_path):
    """Prepared downloads go to the test's own folder, never the project's."""
    settings.TRACKER_DOWNLOAD_DIR = tmp_path / "downloads"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with no cached facet counts.

    A test's rolled-back writes can leave the data stamp as it was, so counts
    cached during one test must not be served in the next.
    """
    from django.core.cache import cache

    cache.clear()
