from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand, CommandError

from cases.workflow_docs import render

TARGET = Path(settings.BASE_DIR) / "docs" / "workflows.md"


class Command(BaseCommand):
    help = (
        "Write docs/workflows.md from the tables in cases/workflows.py (--check: fail if it is out of date)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true")

    def handle(self, *args, **options):
        text = render()
        if options["check"]:
            if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
                raise CommandError("docs/workflows.md is out of date: run `python manage.py workflow_docs`.")
            return
        TARGET.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {TARGET}")
