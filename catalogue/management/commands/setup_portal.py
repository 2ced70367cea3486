import time

from django.core.management import BaseCommand, call_command

from cases import demo, roles
from catalogue import demo as catalogue_demo
from catalogue import reference


class Command(BaseCommand):
    help = (
        "Migrate and load the reference data (idempotent); --demo also creates demo offices, accounts and "
        "cases (once)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo", action="store_true", help="also create the demo offices, accounts and cases"
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0)
        for name, report in reference.load_reference_data().items():
            self.stdout.write(f"{name}: {report}")
        roles.ensure_role_groups()
        if options["demo"]:
            self.stdout.write(f"Demo accounts (password {demo.DEMO_PASSWORD}):")
            for account, created in demo.create_demo_accounts():
                state = "created" if created else "exists"
                where = f" @ {account.office}" if account.office else ""
                self.stdout.write(
                    f"  {account.username:20} {account.role:18} {account.display_name}{where} ({state})"
                )
            self.stdout.write(f"Demo cases created: {demo.create_demo_cases()}")
            self.stdout.write(
                f"Demo windows and region guides created: {catalogue_demo.create_demo_guides()}"
            )
        self.stdout.write(self.style.SUCCESS(f"Portal ready in {time.monotonic() - started:.1f}s."))
