"""Loading the reference data in fixtures/: departments, regions and the national list.

Each loader is idempotent: run twice, the second run writes nothing. An item already in the
database keeps its admins' edits: only the fields still holding what the first loader guessed
(`catalogue.defaults`) are corrected from the reviewed facts (`catalogue.facts`); regions are
refreshed from their file (new codes added, changed names updated, vanished codes marked
with `valid_until`, never deleted).
"""

import csv
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_noop

from . import cache as catalogue_cache
from . import facts as item_facts
from .defaults import legacy_materials, legacy_values, scope_note_for
from .models import (
    Department,
    ItemCooperation,
    MaterialRequirement,
    Region,
    RegionDataset,
    ServiceItem,
    item_code,
)

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
DEPARTMENTS_CSV = FIXTURES_DIR / "departments.csv"
REGIONS_CSV = FIXTURES_DIR / "regions.csv"
REGIONS_META = FIXTURES_DIR / "regions.meta.json"
NATIONAL_LIST_CSV = FIXTURES_DIR / "national_list.csv"
COOPERATING_SEPARATOR = "、"

# Reasons stored in the history, in English like every message; the admin's history page shows
# them translated (gettext_noop: makemessages finds them, nothing is translated when saving).
LOADED_REASON = gettext_noop("loaded from fixtures/national_list.csv and fixtures/item_facts.csv")
CORRECTED_REASON = gettext_noop("old generated defaults corrected from fixtures/item_facts.csv")


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    retired: int = 0
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        counts = (self.created, self.updated, self.retired, self.unchanged)
        return "{} created, {} updated, {} retired, {} unchanged".format(*counts)


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@transaction.atomic
def load_departments(path: Path = DEPARTMENTS_CSV) -> LoadReport:
    """Create or update the departments of the file; their order in the file is their sort order."""
    report = LoadReport()
    existing = {d.code: d for d in Department.objects.all()}
    for position, row in enumerate(read_csv(path), start=1):
        values = {
            "name": row["name"],
            "full_name": row["full_name"],
            "name_en": row["name_en"],
            "sort_order": position,
        }
        department = existing.get(row["code"])
        if department is None:
            Department.objects.create(code=row["code"], **values)
            report.created += 1
        elif any(getattr(department, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(department, key, value)
            department.save()
            report.updated += 1
        else:
            report.unchanged += 1
    return report


@transaction.atomic
def refresh_regions(path: Path = REGIONS_CSV, meta_path: Path = REGIONS_META) -> LoadReport:
    """Bring the regions table in line with a GB/T 2260 file (columns code,name,level,parent_code).

    The file's source and date (from the .meta.json beside it) are recorded on every row it
    adds or changes. A code the file no longer has is kept, marked `valid_until` today: cases
    and ID numbers may still name it.
    """
    meta = json.loads(Path(meta_path).read_text(encoding="utf-8"))
    rows = sorted(read_csv(path), key=lambda row: row["code"])
    codes = {row["code"] for row in rows}
    levels = {choice.value for choice in Region.Level}
    problems = [
        f"{row['code']}: " + ("bad level" if row["level"] not in levels else "unknown parent")
        for row in rows
        if row["level"] not in levels or (row["parent_code"] and row["parent_code"] not in codes)
    ]
    if problems:
        raise ValueError("Region file rejected, nothing written: " + "; ".join(problems[:20]))

    report = LoadReport()
    existing = {region.code: region for region in Region.objects.all()}
    new, changed = [], []
    for row in rows:
        values = {
            "name": row["name"],
            "level": row["level"],
            "parent_id": row["parent_code"] or None,
            "valid_until": None,
        }
        region = existing.get(row["code"])
        if region is None:
            new.append(Region(code=row["code"], **values))
        elif any(getattr(region, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(region, key, value)
            changed.append(region)
        else:
            report.unchanged += 1
    if new or changed:
        dataset = RegionDataset.objects.create(
            source=meta["source"],
            source_url=meta.get("source_url", ""),
            data_date=meta["data_date"],
            licence=meta.get("licence", ""),
            retrieved=meta.get("retrieved") or None,
        )
        for region in new + changed:
            region.dataset = dataset
    # Parents before children: a parent's code is always the smaller one.
    Region.objects.bulk_create(new, batch_size=500)
    Region.objects.bulk_update(changed, ["name", "level", "parent", "valid_until", "dataset"], batch_size=500)
    report.created, report.updated = len(new), len(changed)
    report.retired = (
        Region.objects.exclude(code__in=codes)
        .filter(valid_until__isnull=True)
        .update(valid_until=date.today())
    )
    if report.created or report.updated or report.retired:
        catalogue_cache.bump()  # bulk writes send no signal: retire the stored catalogue answers
    return report


@transaction.atomic
def load_national_list(
    path: Path = NATIONAL_LIST_CSV,
    facts_path: Path = item_facts.ITEM_FACTS_CSV,
    materials_path: Path = item_facts.ITEM_MATERIALS_CSV,
) -> LoadReport:
    """Create the items of the national list the database does not have, and correct the others.

    A new item takes the list's columns verbatim and everything else from the reviewed facts
    (fixtures/item_facts.csv, item_materials.csv). An existing item is corrected group by group
    where it still holds the first loader's guess; a group an admin changed is kept and named
    in the report's notes.
    """
    report = LoadReport()
    facts = item_facts.read_item_facts(facts_path, materials_path)
    rows = read_csv(path)
    missing = [item_code(int(r["batch"]), int(r["seq"])) for r in rows]
    missing = [code for code in missing if code not in facts]
    if missing:
        raise ValueError("No reviewed facts for " + ", ".join(missing))
    departments = {department.name: department for department in Department.objects.all()}
    existing = {
        item.code: item
        for item in ServiceItem.objects.prefetch_related(
            Prefetch("materials", queryset=MaterialRequirement.objects.order_by("position", "id"))
        )
    }
    for row in rows:
        batch, seq = int(row["batch"]), int(row["seq"])
        code = item_code(batch, seq)
        item = existing.get(code)
        if item is None:
            _create_item(row, code, facts[code], departments)
            report.created += 1
            continue
        legacy = legacy_values(row["name"], row["scenario"])
        corrected, kept = item_facts.correct_item(
            item, facts[code], legacy, legacy_materials(legacy["audience"])
        )
        if kept:
            report.notes.append(
                f"{code}: kept an admin's {', '.join(kept)} (fixtures/item_facts.csv differs)"
            )
        if not corrected:
            report.unchanged += 1
            continue
        item.full_clean()
        # The reason is a message the history page translates; the fields corrected are in its diff.
        item._change_reason = CORRECTED_REASON
        item.save()
        if item_facts.MATERIALS_GROUP in corrected:
            item.materials.all().delete()
            item_facts.create_materials(item, facts[code])
        report.updated += 1
    return report


def _create_item(row: dict[str, str], code: str, facts: item_facts.ItemFacts, departments: dict) -> None:
    item = ServiceItem(
        code=code,
        batch=int(row["batch"]),
        seq=int(row["seq"]),
        name=row["name"],
        scenario=row["scenario"],
        lead_department=departments[row["lead_department"]],
        lead_department_note=row["lead_note"],
        deadline=row["deadline"],
        scope_note=scope_note_for(row["name"]),
        status=ServiceItem.Status.PUBLISHED,
        **facts.values,
    )
    item.full_clean()
    item._change_reason = LOADED_REASON
    item.save()
    cooperating = [name for name in row["cooperating_departments"].split(COOPERATING_SEPARATOR) if name]
    for position, name in enumerate(cooperating, start=1):
        ItemCooperation.objects.create(item=item, department=departments[name], position=position)
    item_facts.create_materials(item, facts)


def load_search_synonyms() -> LoadReport:
    from .synonyms import load_synonyms  # it imports this module

    return load_synonyms()


def load_reference_data() -> dict[str, LoadReport]:
    """All reference data, in dependency order."""
    started = timezone.now()
    reports = {
        "departments": load_departments(),
        "regions": refresh_regions(),
        "items": load_national_list(),
        "synonyms": load_search_synonyms(),
    }
    reports["items"].notes.append(f"took {(timezone.now() - started).total_seconds():.1f}s")
    return reports
