from pathlib import Path

from django.core.management import BaseCommand, CommandError

from catalogue import reference


class Command(BaseCommand):
    help = (
        "Refresh the regions from a GB/T 2260 CSV (code,name,level,parent_code) and its .meta.json "
        "(source, data_date). Adds new codes, updates changed ones, marks vanished codes valid_until today."
    )

    def add_arguments(self, parser):
        parser.add_argument("csv", nargs="?", default=str(reference.REGIONS_CSV))
        parser.add_argument("--meta", help="metadata JSON (default: the CSV's name with .meta.json)")

    def handle(self, *args, **options):
        path = Path(options["csv"])
        meta = Path(options["meta"]) if options["meta"] else path.with_suffix(".meta.json")
        if not path.exists() or not meta.exists():
            raise CommandError(f"Need both {path} and {meta}.")
        try:
            report = reference.refresh_regions(path, meta)
        except (ValueError, KeyError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"regions: {report}"))
