"""Admin login throttling: a guessed password locks that username on that address."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def curator():
    return get_user_model().objects.create_user(
        "curator", password=PASSWORD, is_staff=True, is_superuser=True
    )


@pytest.fixture
def colleague():
    return get_user_model().objects.create_user(
        "colleague", password=PASSWORD, is_staff=True, is_superuser=True
    )


def log_in(client, username, password, address="203.0.113.7"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
    )


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_a_right_password_after_five_wrong_ones_is_refused(client, curator):
    for _ in range(5):
        response = log_in(client, "curator", "wrong guess")
        assert not is_logged_in(client)

    response = log_in(client, "curator", PASSWORD)

    assert response.status_code in (403, 429)
    assert b"Traceback" not in response.content
    assert b"locked" in response.content.lower()
    assert not is_logged_in(client)
    assert client.get(reverse("admin:index")).status_code == 302


def test_four_wrong_passwords_do_not_lock_the_account(client, curator):
    for _ in range(4):
        log_in(client, "curator", "wrong guess")

    response = log_in(client, "curator", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert is_logged_in(client)


def test_a_locked_username_does_not_lock_other_users_on_the_same_address(
    client, curator, colleague
):
    for _ in range(5):
        log_in(client, "curator", "wrong guess")

    response = log_in(client, "colleague", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert is_logged_in(client)


def test_a_guesser_elsewhere_cannot_lock_the_curator_out(client, curator):
    for _ in range(5):
        log_in(client, "curator", "wrong guess", address="198.51.100.9")

    response = log_in(client, "curator", PASSWORD, address="203.0.113.7")

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert is_logged_in(client)


def test_a_successful_login_starts_the_count_again(client, curator):
    for _ in range(4):
        log_in(client, "curator", "wrong guess")
    log_in(client, "curator", PASSWORD)
    client.logout()
    for _ in range(4):
        log_in(client, "curator", "wrong guess")

    response = log_in(client, "curator", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert is_logged_in(client)
