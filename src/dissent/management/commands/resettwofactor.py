from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dissent.org import two_factor
from dissent.org.models import Person, Role


class Command(BaseCommand):
    help = (
        "Remove a person's authenticator and recovery codes (they lost both): they pair a new "
        "authenticator at their next sign-in. Recorded as an event."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--by", required=True, help="The user name of the administrator doing it.")

    def handle(self, *args: Any, **options: Any) -> None:
        person = Person.objects.filter(username=options["username"]).first()
        if person is None:
            raise CommandError(f"There is no person with the user name {options['username']!r}.")
        admin = Person.objects.filter(username=options["by"], is_active=True).first()
        if admin is None or not (admin.has_role(Role.ADMIN) or admin.is_superuser):
            raise CommandError(f"{options['by']!r} is not an active administrator.")
        two_factor.reset(person, by=admin)
        self.stdout.write(
            f"Two-step verification of {person.username} is reset; they set it up again at sign-in."
        )
