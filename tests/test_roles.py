"""``manage.py setup_roles``: the groups Researchers and Editors, exactly as the contract says."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command


def codenames(group_name):
    return set(Group.objects.get(name=group_name).permissions.values_list("codename", flat=True))


@pytest.mark.django_db
def test_researchers_curate_and_import_but_never_publish_delete_or_export():
    call_command("setup_roles", verbosity=0)
    perms = codenames("Researchers")
    for model in ("station", "event", "source", "citation"):
        assert {f"add_{model}", f"change_{model}", f"view_{model}", f"import_{model}"} <= perms
        assert f"delete_{model}" not in perms
        assert f"export_{model}" not in perms
        assert f"publish_{model}" not in perms
    assert {"view_country", "view_bureau"} <= perms
    assert "change_bureau" not in perms


@pytest.mark.django_db
def test_editors_also_publish_delete_export_and_keep_bureaus():
    call_command("setup_roles", verbosity=0)
    perms = codenames("Editors")
    assert codenames("Researchers") < perms
    for model in ("station", "event", "source", "citation"):
        assert {f"delete_{model}", f"export_{model}"} <= perms
    assert {"publish_station", "publish_event", "publish_source"} <= perms
    assert {"add_bureau", "change_bureau"} <= perms
    assert "delete_bureau" not in perms
    assert not any(p.endswith("_country") and p != "view_country" for p in perms)


@pytest.mark.django_db
def test_running_twice_changes_nothing_and_resets_hand_edits():
    call_command("setup_roles", verbosity=0)
    before = codenames("Editors")
    researchers = Group.objects.get(name="Researchers")
    researchers.permissions.clear()
    call_command("setup_roles", verbosity=0)
    assert codenames("Editors") == before
    assert "change_station" in codenames("Researchers")
    assert Group.objects.filter(name__in=["Researchers", "Editors"]).count() == 2


@pytest.mark.django_db
def test_add_user_creates_a_staff_member_in_one_role(django_user_model, capsys):
    call_command("setup_roles", add_user="nina", role="researcher")
    nina = django_user_model.objects.get(username="nina")
    assert nina.is_staff and not nina.is_superuser
    assert not nina.has_usable_password()
    assert "changepassword nina" in capsys.readouterr().out
    call_command("setup_roles", add_user="nina", role="editor", verbosity=0)
    assert list(nina.groups.values_list("name", flat=True)) == ["Editors"]
