"""Write the reach rows (CaseReach) that are missing: safe to run again at any time.

Migration 0005 runs it once. Run it again after a deploy that added the reach while the old code
still served requests (a registration or message committed by the old code has no rows yet):
it adds exactly those, and nothing twice.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from cases import reach


class Command(BaseCommand):
    help = "Write the missing rows of who each case has reached (CaseReach), from the cases and the outbox."

    def handle(self, *args, **options):
        with transaction.atomic():
            added = reach.backfill()
        self.stdout.write(f"Reach rows added: {added}")
