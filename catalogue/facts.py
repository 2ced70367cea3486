"""The reviewed facts of each item: how it is done, its modes, limits, legal basis, materials.

The national list gives each item's name, scenario and departments only. What a guide says
beyond that comes from two reviewed files, one row per item (all 140) and one per material:

- fixtures/item_facts.csv: audience, channel (applied for through the portal, in person at an
  office, or settled where the service is given), modes, in person, where to go, delivery,
  statutory and promised limits in working days (0 = on the spot, 即办), a limit in the law's own
  words, fees, result, the 四级四同 elements (legal basis, item type, handling level), conditions,
  and why. A cell is left empty where neither the list nor a law known with certainty says it:
  the guide then says 以办理地公布为准.
- fixtures/item_materials.csv: the materials of the few items whose list is set by a law or
  regulation, each note citing its article.

docs/catalogue.md shows the same table and the laws used. `correct_item` brings an existing item
in line: a group of fields still as the first loader guessed it (`catalogue.defaults`) is set to
the facts; a group an admin changed is left alone.
"""

import csv
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from .models import MaterialRequirement, ServiceItem

ITEM_FACTS_CSV = Path(settings.BASE_DIR) / "fixtures" / "item_facts.csv"
ITEM_MATERIALS_CSV = Path(settings.BASE_DIR) / "fixtures" / "item_materials.csv"
LIST_SEPARATOR = "|"
MODES = ("online", "proxy", "joint")
DELIVERY = ("window", "post", "online")

# Fields that are corrected together or not at all (a channel and its modes must agree).
GROUPS: dict[str, tuple[str, ...]] = {
    "audience": ("audience",),
    "handling": (
        "channel",
        "supports_online",
        "supports_proxy",
        "supports_joint",
        "in_person",
        "where_to_go",
    ),
    "delivery": ("delivery_window", "delivery_post", "delivery_online"),
    "time limits": ("statutory_days", "promised_days", "time_limit_note"),
    "fees": ("fees",),
    "result": ("result_name",),
    "conditions": ("conditions",),
    "legal basis": ("legal_basis",),
    "item type": ("item_type",),
    "handling level": ("handling_level",),
}
MATERIALS_GROUP = "materials"


@dataclass(frozen=True)
class MaterialFact:
    name: str
    form: str
    original_required: bool
    copies: int
    required: bool
    source: str
    note: str

    def row(self) -> tuple:
        return (
            self.name,
            self.form,
            self.original_required,
            self.copies,
            self.required,
            self.source,
            self.note,
        )


@dataclass(frozen=True)
class ItemFacts:
    code: str
    name: str
    values: dict
    materials: tuple[MaterialFact, ...]
    why: str

    @property
    def modes(self) -> list[str]:
        return [mode for mode in MODES if self.values[f"supports_{mode}"]]

    @property
    def delivery(self) -> list[str]:
        return [option for option in DELIVERY if self.values[f"delivery_{option}"]]


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _days(text: str) -> int | None:
    return int(text) if text.strip() else None


def _values(row: dict[str, str]) -> dict:
    modes = set(filter(None, row["modes"].split(LIST_SEPARATOR)))
    delivery = set(filter(None, row["delivery"].split(LIST_SEPARATOR)))
    return {
        "audience": row["audience"],
        "channel": row["channel"],
        "supports_online": "online" in modes,
        "supports_proxy": "proxy" in modes,
        "supports_joint": "joint" in modes,
        "in_person": row["in_person"] == "yes",
        "where_to_go": row["where_to_go"],
        "delivery_window": "window" in delivery,
        "delivery_post": "post" in delivery,
        "delivery_online": "online" in delivery,
        "statutory_days": _days(row["statutory_days"]),
        "promised_days": _days(row["promised_days"]),
        "time_limit_note": row["time_limit_note"],
        "fees": row["fees"],
        "result_name": row["result_name"],
        "conditions": row["conditions"],
        "legal_basis": row["legal_basis"],
        "item_type": row["item_type"],
        "handling_level": row["handling_level"],
    }


def _problems(code: str, row: dict[str, str], values: dict) -> list[str]:
    problems = []
    modes = set(filter(None, row["modes"].split(LIST_SEPARATOR)))
    delivery = set(filter(None, row["delivery"].split(LIST_SEPARATOR)))
    if values["channel"] not in ServiceItem.Channel.values:
        problems.append(f"{code}: unknown channel {values['channel']!r}")
    if values["audience"] not in ServiceItem.Audience.values:
        problems.append(f"{code}: unknown audience {values['audience']!r}")
    if values["item_type"] not in ServiceItem.ItemType.values:
        problems.append(f"{code}: unknown item type {values['item_type']!r}")
    if modes - set(MODES) or delivery - set(DELIVERY) or row["in_person"] not in ("", "yes"):
        problems.append(f"{code}: unknown mode, delivery or in_person value")
    if (values["channel"] == ServiceItem.Channel.PORTAL) != bool(modes):
        problems.append(f"{code}: an item applied for through the portal has modes, any other has none")
    statutory, promised = values["statutory_days"], values["promised_days"]
    if statutory is not None and promised is not None and promised > statutory:
        problems.append(f"{code}: promised limit above the statutory one")
    return problems


def read_item_facts(
    path: Path = ITEM_FACTS_CSV, materials_path: Path = ITEM_MATERIALS_CSV
) -> dict[str, ItemFacts]:
    """The facts of every item by code; raises ValueError naming every bad row (nothing is loaded)."""
    materials: dict[str, list[tuple[int, MaterialFact]]] = {}
    for row in _read(materials_path):
        materials.setdefault(row["code"], []).append(
            (
                int(row["position"]),
                MaterialFact(
                    name=row["name"],
                    form=row["form"],
                    original_required=row["original_required"] == "yes",
                    copies=int(row["copies"]),
                    required=row["required"] == "yes",
                    source=row["source"],
                    note=row["note"],
                ),
            )
        )
    facts, problems = {}, []
    for row in _read(path):
        code = row["code"]
        values = _values(row)
        problems += _problems(code, row, values)
        if code in facts:
            problems.append(f"{code}: twice")
        entries = tuple(fact for _position, fact in sorted(materials.pop(code, []), key=lambda pair: pair[0]))
        problems += [
            f"{code}: material {m.name!r} has form {m.form!r}"
            for m in entries
            if m.form not in MaterialRequirement.Form.values
        ]
        facts[code] = ItemFacts(code=code, name=row["name"], values=values, materials=entries, why=row["why"])
    problems += [f"{code}: materials for an item the facts do not have" for code in materials]
    if problems:
        raise ValueError("Item facts rejected, nothing written: " + "; ".join(problems[:20]))
    return facts


def material_rows(requirements) -> list[tuple]:
    return [
        (m.name, m.form, m.original_required, m.copies, m.required, m.source, m.note) for m in requirements
    ]


def create_materials(item: ServiceItem, facts: ItemFacts) -> None:
    for position, fact in enumerate(facts.materials, start=1):
        MaterialRequirement.objects.create(
            item=item,
            position=position,
            name=fact.name,
            form=fact.form,
            original_required=fact.original_required,
            copies=fact.copies,
            required=fact.required,
            source=fact.source,
            note=fact.note,
        )


def correct_item(
    item: ServiceItem, facts: ItemFacts, legacy: dict, legacy_materials: list[tuple]
) -> tuple[list[str], list[str]]:
    """Set every group of `item` that still holds the first loader's guess (`legacy`) to the facts.

    Returns (groups corrected, groups left as an admin changed them although the facts differ).
    Writes nothing itself: the caller saves the item, and replaces its materials when
    "materials" is among the corrected groups.
    """
    corrected, kept = [], []
    for group, fields in GROUPS.items():
        if all(getattr(item, name) == facts.values[name] for name in fields):
            continue
        if all(getattr(item, name) == legacy[name] for name in fields):
            for name in fields:
                setattr(item, name, facts.values[name])
            corrected.append(group)
        else:
            kept.append(group)
    current = material_rows(item.materials.all())
    if current != [fact.row() for fact in facts.materials]:
        (corrected if current == legacy_materials else kept).append(MATERIALS_GROUP)
    return corrected, kept
