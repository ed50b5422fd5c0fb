import json
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from dissent.demo import DemoAccount, seed
from dissent.log.sequencer import integrate_pending
from dissent.org.models import Person
from dissent.worker import run_forever


class Command(BaseCommand):
    help = "Migrate, seed a demo organisation (once), print its accounts, and serve it on 127.0.0.1:8000."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="Only migrate and seed.")
        parser.add_argument("--json", action="store_true", help="Print the accounts as JSON.")
        parser.add_argument(
            "--addr", default="127.0.0.1:8000", help="Where to serve (default 127.0.0.1:8000)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", verbosity=0, interactive=False)
        accounts_file = Path(settings.VAR_DIR) / "demo-accounts.json"
        if Person.objects.exists() and accounts_file.exists():
            accounts = [DemoAccount(**a) for a in json.loads(accounts_file.read_text())]
        elif Person.objects.exists():
            self.stderr.write("The database already has people but no demo accounts file; not seeding.")
            accounts = []
        else:
            accounts = seed()
            accounts_file.touch(mode=0o600)
            accounts_file.write_text(json.dumps([vars(a) for a in accounts], indent=2))
        if options["json"]:
            self.stdout.write(json.dumps([vars(a) for a in accounts]))
        else:
            self._print_accounts(accounts, options["addr"])
        while integrate_pending() is not None:
            pass  # the demo starts with every event in a signed tree head
        if not options["no_serve"]:
            # The embedded default: the worker runs inside the demo process.
            threading.Thread(target=run_forever, name="worker", daemon=True).start()
            call_command("runserver", options["addr"], use_reloader=False)

    def _print_accounts(self, accounts: list[DemoAccount], addr: str) -> None:
        self.stdout.write(
            self.style.SUCCESS(f"Dissent Channel demo: open http://{addr}/ and sign in as any of:")
        )
        width = max((len(a.username) for a in accounts), default=8)
        for account in accounts:
            self.stdout.write(
                f"  {account.username:<{width}}  {account.password:<14}  {account.role:<10}  {account.unit}"
            )
        roles = ", ".join(settings.TWO_FACTOR_REQUIRED_ROLES)
        if roles:
            self.stdout.write(
                f"Accounts with the roles {roles} pair an authenticator app (any TOTP app, or"
                " `oathtool --totp -b KEY`) at their first sign-in."
            )
