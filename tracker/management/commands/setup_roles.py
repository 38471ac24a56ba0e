"""Create or update the editorial groups ``Researchers`` and ``Editors``."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

#: Records researchers curate; editors also delete, publish and export them.
CURATED = ("station", "event", "source", "citation")
#: Models with an editorial state (citations follow their station or event).
PUBLISHABLE = ("station", "event", "source")

RESEARCHERS = (
    [f"{action}_{model}" for model in CURATED for action in ("add", "change", "view")]
    + ["view_country", "view_bureau", "view_proposal", "view_correction"]
    + [f"import_{model}" for model in CURATED]
    # Readers' tips: read and triage; the contact a reader gave is for Editors only.
    + ["view_tip", "change_tip"]
)
EDITORS = (
    RESEARCHERS
    + [f"delete_{model}" for model in CURATED]
    + [f"publish_{model}" for model in PUBLISHABLE]
    + [f"export_{model}" for model in CURATED]
    + ["add_bureau", "change_bureau"]
    + ["delete_tip", "view_tip_contact"]
)
ROLES = {"researcher": "Researchers", "editor": "Editors"}


class Command(BaseCommand):
    help = (
        "Create or update the groups Researchers (add, change and view tracker records, "
        "import, triage readers' tips; no publishing, deleting or exporting) and Editors "
        "(all of that plus publish, delete, export, bureaus and tip contacts). Running it "
        "again resets the groups to exactly these permissions. With --add-user, also put a "
        "staff user in a group."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--add-user",
            metavar="USERNAME",
            help="Create this staff user if missing (without a password) and give it --role.",
        )
        parser.add_argument(
            "--role",
            choices=sorted(ROLES),
            default="researcher",
            help="The role given by --add-user (default: researcher).",
        )

    @transaction.atomic
    def handle(self, *args, **options):
        for name, codenames in (("Researchers", RESEARCHERS), ("Editors", EDITORS)):
            group, created = Group.objects.get_or_create(name=name)
            permissions = Permission.objects.filter(
                content_type__app_label="tracker", codename__in=codenames
            )
            missing = set(codenames) - {p.codename for p in permissions}
            if missing:
                # The permissions come from migrations: a missing one means an unmigrated DB.
                raise CommandError(
                    f"Permissions missing: {', '.join(sorted(missing))}. Run `migrate` first."
                )
            group.permissions.set(permissions)
            verb = "created" if created else "updated"
            self.stdout.write(f"Group {name} {verb}: {len(codenames)} permissions.")
        if options["add_user"]:
            self.add_user(options["add_user"], ROLES[options["role"]])

    def add_user(self, username: str, group_name: str) -> None:
        user_model = get_user_model()
        user, created = user_model._default_manager.get_or_create(
            **{user_model.USERNAME_FIELD: username}, defaults={"is_staff": True}
        )
        if created:
            user.set_unusable_password()
        user.is_staff = True  # the admin only lets staff users in
        user.save()
        # One role per person: moving someone to Editors takes them out of Researchers.
        user.groups.remove(*Group.objects.filter(name__in=ROLES.values()))
        user.groups.add(Group.objects.get(name=group_name))
        self.stdout.write(f"User {username} is now in {group_name}.")
        if created or not user.has_usable_password():
            self.stdout.write(
                f"Set their password with: python manage.py changepassword {username}"
            )
