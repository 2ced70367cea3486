"""Generate a realistic volume of cases for load tests and benchmarks (never in production).

    python manage.py generate_cases                 # 1,000,000 cases into PostgreSQL
    python manage.py generate_cases --cases 300 --seed 7

What it writes, in chunks of `--chunk` cases, each chunk one transaction:
- offices: in every one of the 34 provinces, three county-level regions, each with a service hall
  and a handling department of every department line the items name (code `gen-…`, labelled as
  demo, as the demo offices are); one staff account per office (clerk at a hall, handling officer
  at a department) and one supervisor per province. The demo offices of `setup_portal --demo` are
  used too, weighted so that their staff see the volume of a busy office;
- cases across the published items and their modes: the receiving side weighted towards the
  provinces people move to, the handling side towards those they come from; filed evenly over
  the last two years in id order (as a live system numbers them), nearly all concluded but the
  recent ones (OPEN_BY_AGE: about 2–3 % open), the open ones at every stage of their workflow,
  some suspended or waiting for a correction; due dates run from acceptance, so the open cases
  past their promised limit are overdue and those near it due soon;
- with every case its applicant (a fake but well-formed name and ID number: GB 11643 check digit,
  or a GB 32100 credit code for organisations), its timeline (CaseEvent), the handoff messages
  its steps send (a proxy case's transfer, a joint case's legs and their answers) with the inbox
  entries their delivery made, its legs, suspensions and shipments of originals;
- the case-number sequences, so numbers registered afterwards never collide.

Visibility follows from the handoffs exactly as for registered cases: an office sees the cases
it received and those a message was sent to it about.

PostgreSQL: rows go in with COPY; foreign-key triggers are off while a chunk loads when the role
may do that (superuser), since every key is made here. SQLite: plain inserts, for tests with a
few hundred cases (at most SQLITE_LIMIT).
"""

import io
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from stdnum.cn import uscc
from stdnum.iso7064 import mod_11_2

from cases import reach, roles, workflows
from cases.handoffs import INBOX_KINDS
from cases.models import (
    Applicant,
    ApplicantProfile,
    Case,
    CaseEvent,
    CaseNumberSequence,
    CaseReach,
    HandoffMessage,
    InboxEntry,
    Leg,
    Office,
    Shipment,
    StaffProfile,
    Suspension,
)
from cases.registration import case_number
from catalogue.models import Department, Region, ServiceItem

SQLITE_LIMIT = 5_000
COUNTIES_PER_PROVINCE = 3
BEIJING = timedelta(hours=8)  # case numbers and due dates are Beijing dates
DEMO_OFFICE_WEIGHT = 3.0  # a demo office against 1.0 for each generated office of its kind and province

# Rough population (millions) of the 34 provinces, and who moves where: people apply where they
# live now (receiving side) for records kept where they came from (handling side).
POPULATION = {
    "11": 22, "12": 14, "13": 74, "14": 35, "15": 24, "21": 42, "22": 24, "23": 31, "31": 25,
    "32": 85, "33": 66, "34": 61, "35": 42, "36": 45, "37": 101, "41": 99, "42": 58, "43": 66,
    "44": 127, "45": 50, "46": 10, "50": 32, "51": 84, "52": 39, "53": 47, "54": 4, "61": 40,
    "62": 25, "63": 6, "64": 7, "65": 26, "71": 1, "81": 2, "82": 1,
}  # fmt: skip
MOVE_TO = {"44": 2.5, "33": 2.0, "32": 1.6, "31": 2.5, "11": 2.5, "12": 1.3, "35": 1.3}
MOVE_FROM = {"51": 2.0, "41": 2.0, "43": 1.8, "34": 1.8, "36": 1.6, "45": 1.6, "52": 1.5, "50": 1.5}
MODE_WEIGHTS = {"online": 0.55, "proxy": 0.30, "joint": 0.15}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华建国志红玉梅晨浩宇欣怡子轩梓涵雨泽嘉一诺思远"
ORG_WORDS = ("瑞丰", "恒信", "华泰", "锦程", "远航", "安和", "晨光", "鼎盛", "博远", "宏达", "新元", "星河")
ORG_KINDS = ("科技有限公司", "商贸有限公司", "建筑工程有限公司", "物流有限公司", "餐饮管理有限公司")
ROADS = ("人民路", "解放路", "建设路", "中山路", "和平路", "新华路", "文化路", "胜利路")
AGREED = "同意。（生成数据）"
CARRIERS = ("中国邮政EMS", "顺丰速运", "京东物流")

CLERK, OFFICER, APPLICANT, SYSTEM = roles.WINDOW_CLERK, roles.HANDLING_OFFICER, roles.APPLICANT, roles.SYSTEM

# Each mode's road through its workflow (cases.workflows), as (action, from, to, who, where, sends):
# who acts (role), at which office (receiving / handling / owner / system), and the message the
# step sends (kind, to "receiving" / "handling"). Joint legs are added around "accept".
ONLINE = (
    ("submit", "", "submitted", APPLICANT, "owner", ("submitted", "handling")),
    ("accept", "submitted", "accepted", OFFICER, "handling", None),
    ("start_review", "accepted", "in_review", OFFICER, "handling", None),
    ("approve", "in_review", "approved", OFFICER, "handling", None),
    ("deliver_online", "approved", "delivered", OFFICER, "handling", None),
    ("conclude", "delivered", "concluded", OFFICER, "handling", None),
)
PROXY = (
    ("register", "", "received", CLERK, "receiving", None),
    ("pass_formal_review", "received", "reviewed", CLERK, "receiving", None),
    ("check_identity", "reviewed", "identity_checked", CLERK, "receiving", None),
    ("transfer", "identity_checked", "transferred", CLERK, "receiving", ("transfer", "handling")),
    ("ship_materials", "transferred", "transferred", CLERK, "receiving", ("materials_shipped", "handling")),
    ("sign_for", "transferred", "signed", OFFICER, "handling", ("signed", "receiving")),
    ("accept", "signed", "accepted", OFFICER, "handling", ("accepted", "receiving")),
    ("start_review", "accepted", "in_review", OFFICER, "handling", None),
    ("approve", "in_review", "approved", OFFICER, "handling", None),
    ("ship_result", "approved", "result_shipped", OFFICER, "handling", ("result_shipped", "receiving")),
    ("receive_result", "result_shipped", "ready_for_pickup", CLERK, "receiving", None),
    ("record_pickup", "ready_for_pickup", "concluded", CLERK, "receiving", None),
)
JOINT = (
    ("submit", "", "submitted", APPLICANT, "owner", ("submitted", "receiving")),
    ("accept", "submitted", "coordinating", OFFICER, "receiving", None),
    ("all_legs_agreed", "coordinating", "legs_agreed", SYSTEM, "system", None),
    ("approve", "legs_agreed", "approved", OFFICER, "receiving", None),
    ("deliver_online", "approved", "delivered", OFFICER, "receiving", None),
    ("conclude", "delivered", "concluded", OFFICER, "receiving", None),
)
FLOWS = {"online": ONLINE, "proxy": PROXY, "joint": JOINT}
# Side roads: (after the step reaching this status) action, target, who, where, sends.
CORRECTION = {
    "online": ("submitted", "request_correction", OFFICER, "handling"),
    "proxy": ("received", "request_correction", CLERK, "receiving"),
    "joint": ("submitted", "request_correction", OFFICER, "receiving"),
}
SUSPEND_FROM = {"online": "in_review", "proxy": "in_review", "joint": "legs_agreed"}
REFUSE_FROM = {"online": "submitted", "proxy": "received", "joint": "submitted"}
# Where open cases stand (weights), besides those suspended or waiting for a correction.
OPEN_STAGES = {
    "online": {"submitted": 3, "accepted": 3, "in_review": 5, "approved": 1, "delivered": 1},
    "proxy": {
        "received": 1,
        "reviewed": 1,
        "identity_checked": 1,
        "transferred": 3,
        "signed": 1,
        "accepted": 2,
        "in_review": 4,
        "approved": 1,
        "result_shipped": 1,
        "ready_for_pickup": 1,
        "returned": 0.3,
    },  # fmt: skip
    "joint": {"submitted": 2, "coordinating": 6, "legs_agreed": 2, "approved": 1, "delivered": 0.5},
}
CLOCK_RUNNING = frozenset({"accepted", "coordinating", "legs_agreed", "in_review"})
HISTORY_DAYS = 730  # cases filed over the last two years, evenly, the newest last (ids follow filing time)
# The chance a case filed `age` days ago is still open: nearly all recent ones, a few stragglers
# after the promised limit (overdue), almost none from last year. About 2–3 % open overall.
OPEN_BY_AGE = ((3, 0.9), (15, 0.6), (30, 0.3), (60, 0.05), (365, 0.002), (HISTORY_DAYS + 1, 0.0005))


@dataclass
class World:
    """Offices, staff and items the cases are spread over."""

    provinces: list[str]
    halls: dict[str, tuple[list, list]]  # province → (offices, weights)
    departments: dict[tuple[str, int], tuple[list, list]]  # (province, department id) → ...
    staff: dict[int, tuple[int, str]]  # office id → (user id, display name)
    items: list
    item_weights: list
    item_lines: dict[int, list[int]]  # item id → department lines that may decide it
    versions: dict[int, int]  # item id → latest history id
    regions: dict[str, str]  # code → name
    counties: dict[str, list[str]]  # province → the county codes offices and ID numbers are drawn from
    accounts: list = field(default_factory=list)  # applicant accounts: (user id, identity dict)


class Command(BaseCommand):
    help = "Generate a realistic volume of cases (default 1,000,000) with their events and handoffs."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=1_000_000, help="how many cases (default 1,000,000)")
        parser.add_argument("--seed", type=int, default=9, help="random seed (default 9)")
        parser.add_argument("--chunk", type=int, default=20_000, help="cases per transaction")
        parser.add_argument(
            "--force",
            action="store_true",
            help="run with DEBUG off too (a benchmark database served with production settings)",
        )

    def handle(self, *args, cases: int, seed: int, chunk: int, force: bool = False, **options):
        if not settings.DEBUG and not force:
            # Made-up people and a million cases have no place in a production database.
            raise CommandError(
                "DEBUG is off: this looks like production. generate_cases writes made-up cases; "
                "run it on a benchmark database, with --force if that database runs with DEBUG=0."
            )
        if connection.vendor not in ("postgresql", "sqlite"):
            raise CommandError(
                f"generate_cases supports PostgreSQL (and SQLite for tests), not {connection.vendor}."
            )
        if connection.vendor == "sqlite" and cases > SQLITE_LIMIT:
            raise CommandError(
                f"SQLite is for tests only (at most {SQLITE_LIMIT} cases); generate a volume into "
                "PostgreSQL: DATABASE_URL=postgres://… python manage.py generate_cases"
            )
        if not ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED).exists():
            raise CommandError("No published items: run `python manage.py setup_portal` first.")
        started = time.monotonic()
        rng = random.Random(seed)
        with transaction.atomic():
            world = build_world(rng, accounts=max(50, min(20_000, cases // 50)))
        offices = [*world.halls.values(), *world.departments.values()]
        self.stdout.write(
            f"{sum(len(found) for found, _weights in offices)} offices, {len(world.staff)} staff, "
            f"{len(world.accounts)} applicant accounts ({time.monotonic() - started:.1f}s)"
        )
        generator = Generator(world, rng, now=timezone.now(), total=cases)
        writer = CopyWriter() if connection.vendor == "postgresql" else InsertWriter()
        done = 0
        while done < cases:
            size = min(chunk, cases - done)
            with transaction.atomic():
                writer.begin()
                tables = generator.chunk(size)
                for model, rows in tables.items():
                    writer.write(model, rows)
            done += size
            elapsed = time.monotonic() - started
            self.stdout.write(f"{done:>10,} cases  {elapsed:7.1f}s  ({done / elapsed:,.0f}/s)")
        with transaction.atomic():
            save_sequences(generator.sequences)
            writer.finish()
        writer.tidy(self.stdout)
        counts = ", ".join(f"{model.__name__} {count:,}" for model, count in generator.counts.items())
        self.stdout.write(self.style.SUCCESS(f"Generated {counts} in {time.monotonic() - started:.1f}s."))


# --- The offices, staff and items ----------------------------------------------------------------


def build_world(rng: random.Random, *, accounts: int) -> World:
    regions = dict(Region.objects.values_list("code", "name"))
    provinces = sorted(code[:2] for code in regions if code.endswith("0000"))
    items = list(
        ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED)
        .exclude(supports_online=False, supports_proxy=False, supports_joint=False)
        .prefetch_related("cooperations")
        .order_by("id")
    )
    item_lines = {
        item.pk: [item.lead_department_id, *(c.department_id for c in item.cooperations.all())]
        for item in items
    }
    lines = sorted({line for found in item_lines.values() for line in found})
    _ensure_offices(regions, provinces, lines)
    offices = list(Office.objects.order_by("id"))
    halls: dict[str, tuple[list, list]] = {}
    departments: dict[tuple[str, int], tuple[list, list]] = {}
    for office in offices:
        if not (office.code.startswith("gen-") or office.is_demo):
            continue  # offices an admin created are left alone
        weight = DEMO_OFFICE_WEIGHT if office.is_demo and not office.code.startswith("gen-") else 1.0
        key = office.region_id[:2]
        if office.kind == Office.Kind.HALL:
            target = halls.setdefault(key, ([], []))
        elif office.department_id:
            target = departments.setdefault((key, office.department_id), ([], []))
        else:
            continue
        target[0].append(office)
        target[1].append(weight)
    staff = _ensure_staff(offices, provinces, halls)
    versions = {}
    for history_id, item_id in ServiceItem.history.order_by("history_date", "history_id").values_list(
        "history_id", "id"
    ):
        versions[item_id] = history_id
    # Popular items: a few take most of the cases (social insurance, household registration…).
    item_weights = [1.0 / (rank + 3) for rank in range(len(items))]
    rng.shuffle(item_weights)
    world = World(
        provinces=provinces,
        halls=halls,
        departments=departments,
        staff=staff,
        items=items,
        item_weights=item_weights,
        item_lines=item_lines,
        versions=versions,
        regions=regions,
        counties={province: _counties(regions, province) for province in provinces},
    )
    world.accounts = _ensure_applicant_accounts(rng, world, accounts)
    return world


def _counties(regions: dict[str, str], province: str) -> list[str]:
    found = sorted(code for code in regions if code.startswith(province) and not code.endswith("00"))
    return found[:COUNTIES_PER_PROVINCE] or [province + "0000"]


def _ensure_offices(regions: dict[str, str], provinces: list[str], lines: list[int]) -> None:
    have = set(Office.objects.filter(code__startswith="gen-").values_list("code", flat=True))
    names = dict(Department.objects.filter(pk__in=lines).values_list("pk", "name"))
    codes = dict(Department.objects.filter(pk__in=lines).values_list("pk", "code"))
    new = []
    for province in provinces:
        province_name = regions[province + "0000"]
        for county in _counties(regions, province):
            place = province_name if county.endswith("0000") else province_name + regions[county]
            wanted = [(f"gen-{county}-hall", f"{place}政务服务中心（生成）", Office.Kind.HALL, None)]
            wanted += [
                (
                    f"gen-{county}-{codes[line].lower()}",
                    f"{place}{names[line]}（生成）",
                    Office.Kind.DEPARTMENT,
                    line,
                )
                for line in lines
            ]
            for code, name, kind, line in wanted:
                if code not in have:
                    new.append(
                        Office(
                            code=code,
                            name=name,
                            kind=kind,
                            region_id=county,
                            department_id=line,
                            is_demo=True,
                        )
                    )
    Office.objects.bulk_create(new, batch_size=1000)


def _ensure_staff(offices: list, provinces: list[str], halls: dict) -> dict[int, tuple[int, str]]:
    """One member of staff per generated office and a supervisor per province; the demo staff as they are."""
    users = get_user_model().objects
    profiles = {p.office_id: p for p in StaffProfile.objects.exclude(role=roles.SUPERVISOR)}
    groups = roles.ensure_role_groups()
    wanted = []
    for office in offices:
        if office.code.startswith("gen-") and office.pk not in profiles:
            role = CLERK if office.kind == Office.Kind.HALL else OFFICER
            wanted.append((f"gen_{office.code[4:].replace('-', '_')}", role, office))
    supervised = set(
        StaffProfile.objects.filter(role=roles.SUPERVISOR, user__username__startswith="gen_").values_list(
            "office__region_id", flat=True
        )
    )
    for province in provinces:
        generated = [o for o in halls.get(province, ([], []))[0] if o.code.startswith("gen-")]
        if generated and generated[0].region_id not in supervised:
            wanted.append((f"gen_supervisor_{province}", roles.SUPERVISOR, generated[0]))
    if wanted:
        password = "!generated"  # an unusable password: log in as them with force_login in benchmarks
        users.bulk_create(
            [
                get_user_model()(
                    username=name, password=password, first_name=_person_name(random.Random(name))
                )
                for name, _role, _office in wanted
            ],
            batch_size=1000,
        )
        by_name = dict(users.filter(username__in=[w[0] for w in wanted]).values_list("username", "pk"))
        StaffProfile.objects.bulk_create(
            [StaffProfile(user_id=by_name[name], office=office, role=role) for name, role, office in wanted],
            batch_size=1000,
        )
        through = get_user_model().groups.through
        through.objects.bulk_create(
            [through(user_id=by_name[name], group_id=groups[role].pk) for name, role, _o in wanted],
            batch_size=1000,
            ignore_conflicts=True,
        )
    staff = {}
    for office_id, user_id, first, username in StaffProfile.objects.exclude(
        role=roles.SUPERVISOR
    ).values_list("office_id", "user_id", "user__first_name", "user__username"):
        staff.setdefault(office_id, (user_id, first or username))
    return staff


def _ensure_applicant_accounts(rng: random.Random, world: World, count: int) -> list:
    """Applicant accounts that file online, each with its verified identity (ApplicantProfile)."""
    users = get_user_model().objects
    have = list(
        ApplicantProfile.objects.filter(user__username__startswith="gen_applicant_")
        .order_by("user_id")
        .values_list("user_id", "kind", "name", "id_type", "id_number", "phone")
    )
    if len(have) < count:
        start = len(have)
        identities = [_identity(rng, world, "both") for _ in range(count - start)]
        names = [f"gen_applicant_{start + i:06d}" for i in range(len(identities))]
        users.bulk_create(
            [get_user_model()(username=name, password="!generated") for name in names], batch_size=2000
        )
        by_name = dict(users.filter(username__in=names).values_list("username", "pk"))
        now = timezone.now()
        ApplicantProfile.objects.bulk_create(
            [
                ApplicantProfile(
                    user_id=by_name[name],
                    kind=who["kind"],
                    name=who["name"],
                    id_type=who["id_type"],
                    id_number=who["id_number"],
                    phone=who["phone"],
                    contact_name=who.get("contact_name", ""),
                    contact_id_type="resident_id" if who["kind"] == "organisation" else "",
                    contact_id_number=who.get("contact_id_number", ""),
                    verified_at=now,
                )
                for name, who in zip(names, identities, strict=True)
            ],
            batch_size=2000,
        )
        have += [
            (by_name[name], who["kind"], who["name"], who["id_type"], who["id_number"], who["phone"])
            for name, who in zip(names, identities, strict=True)
        ]
    return [
        (user_id, {"kind": kind, "name": name, "id_type": id_type, "id_number": number, "phone": phone})
        for user_id, kind, name, id_type, number, phone in have
    ]


# --- Fake people ---------------------------------------------------------------------------------


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _person_id(rng: random.Random, world: World) -> str:
    """A well-formed 居民身份证 number (GB 11643): a real county code, a birth date, the check digit."""
    county = rng.choice(world.counties[rng.choice(world.provinces[:31])])
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 55))
    body = f"{county}{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return body + mod_11_2.calc_check_digit(body)


def _credit_code(rng: random.Random, world: World) -> str:
    """A well-formed 统一社会信用代码 (GB 32100): authority 9 (market regulation), type 1, check character."""
    county = rng.choice(world.counties[rng.choice(world.provinces[:31])])
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = f"91{county}" + "".join(rng.choice(alphabet) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def _identity(rng: random.Random, world: World, audience: str) -> dict:
    kind = (
        audience
        if audience in ("person", "organisation")
        else ("person" if rng.random() < 0.8 else "organisation")
    )
    phone = f"1{rng.choice('3578')}{rng.randrange(0, 10**9):09d}"
    if kind == "person":
        return {
            "kind": kind,
            "name": _person_name(rng),
            "id_type": "resident_id",
            "id_number": _person_id(rng, world),
            "phone": phone,
        }
    return {
        "kind": kind,
        "name": rng.choice(ORG_WORDS) + rng.choice(ORG_WORDS) + rng.choice(ORG_KINDS),
        "id_type": "uscc",
        "id_number": _credit_code(rng, world),
        "phone": phone,
        "contact_name": _person_name(rng),
        "contact_id_number": _person_id(rng, world),
    }


# --- The cases -----------------------------------------------------------------------------------


class Ids:
    """The next primary key of each table (rows are written with their keys, to link them in one pass)."""

    def __init__(self, models):
        self.next = {}
        for model in models:
            last = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            self.next[model] = last + 1

    def take(self, model) -> int:
        value = self.next[model]
        self.next[model] = value + 1
        return value


class Generator:
    def __init__(self, world: World, rng: random.Random, now: datetime, total: int):
        self.world, self.rng, self.now = world, rng, now
        self.total, self.index = total, 0
        self.today = (now + BEIJING).date()
        self.ids = Ids([Applicant, Case, Leg, CaseEvent, InboxEntry, Suspension, Shipment, CaseReach])
        self.sequences: dict[tuple[str, date], int] = {
            (row.region_code, row.day): row.last for row in CaseNumberSequence.objects.all()
        }
        self.counts: dict = {}
        self.receiving_weights = [POPULATION[p] * MOVE_TO.get(p, 1.0) for p in world.provinces]
        self.handling_weights = [POPULATION[p] * MOVE_FROM.get(p, 1.0) for p in world.provinces]

    # The rows of one chunk, per model, as tuples in the order of COLUMNS.
    def chunk(self, size: int) -> dict:
        self.rows = {model: [] for model in COLUMNS}
        for _ in range(size):
            self.case()
        for model, rows in self.rows.items():
            self.counts[model] = self.counts.get(model, 0) + len(rows)
        return self.rows

    def province(self, weights, unlike: str = "") -> str:
        while True:
            found = self.rng.choices(self.world.provinces, weights)[0]
            if found != unlike:
                return found

    def pick(self, choices: tuple[list, list]):
        return self.rng.choices(choices[0], choices[1])[0]

    def department(self, province: str, lines: list[int]):
        line = lines[0] if len(lines) == 1 or self.rng.random() < 0.8 else self.rng.choice(lines)
        return self.pick(self.world.departments[(province, line)])

    def case(self) -> None:
        rng, world = self.rng, self.world
        item = rng.choices(world.items, world.item_weights)[0]
        modes = item.modes
        mode = rng.choices(modes, [MODE_WEIGHTS[m] for m in modes])[0]
        lines = world.item_lines[item.pk]
        legs = []
        if mode == "online":
            receiving = handling = self.department(self.province(self.handling_weights), lines)
        elif mode == "proxy":
            home = self.province(self.receiving_weights)
            receiving = self.pick(world.halls[home])
            handling = self.department(self.province(self.handling_weights, unlike=home), lines)
        else:
            home = self.province(self.receiving_weights)
            receiving = handling = self.department(home, lines)
            taken = {home}
            for _ in range(rng.choice((1, 1, 2))):
                other = self.province(self.handling_weights, unlike=home)
                if other not in taken:
                    taken.add(other)
                    legs.append(self.department(other, lines))
        # Filed in order over HISTORY_DAYS, as a live system numbers them: the newest cases have the
        # highest ids, and the open ones are among them.
        age = HISTORY_DAYS * (1 - (self.index + rng.random()) / self.total)
        self.index += 1
        plan = self.plan(mode, age)
        plan["created"] = max(self.now - timedelta(days=age), self.now - timedelta(days=HISTORY_DAYS))
        self.write_case(item, mode, receiving, handling, legs, plan)

    def plan(self, mode: str, age: float) -> dict:
        """Where a case filed `age` days ago stands: its final or open status."""
        rng = self.rng
        flow = FLOWS[mode]
        still_open = next(share for days, share in OPEN_BY_AGE if age < days)
        if rng.random() >= still_open:
            roll = rng.random()
            if roll < 0.035:
                return {"end": "refused", "final": True}
            if roll < 0.06 and mode == "online":
                return {"end": "withdrawn", "final": True}
            return {"end": flow[-1][2], "final": True}
        roll = rng.random()
        if roll < 0.04:
            return {"end": "correction_requested", "final": False}
        if roll < 0.08:
            return {"end": "suspended", "final": False}
        stages = OPEN_STAGES[mode]
        return {"end": rng.choices(list(stages), list(stages.values()))[0], "final": False}

    def steps(self, mode: str, end: str) -> list[tuple]:
        flow = FLOWS[mode]
        if end == "refused":
            source = REFUSE_FROM[mode]
            who, where = (CLERK, "receiving") if mode == "proxy" else (OFFICER, FLOWS[mode][1][4])
            return [*self._until(flow, source), ("refuse", source, "refused", who, where, None)]
        if end == "withdrawn":
            return [
                *self._until(flow, "submitted"),
                ("withdraw", "submitted", "withdrawn", APPLICANT, "owner", None),
            ]
        if end == "correction_requested":
            source, action, who, where = CORRECTION[mode]
            return [*self._until(flow, source), (action, source, end, who, where, None)]
        if end == "suspended":
            source = SUSPEND_FROM[mode]
            where = "receiving" if mode == "joint" else "handling"
            return [*self._until(flow, source), ("suspend", source, "suspended", OFFICER, where, None)]
        if end == "returned":
            done = self._until(flow, "transferred")
            return [
                *done,
                ("return", "transferred", "returned", OFFICER, "handling", ("returned", "receiving")),
            ]
        return self._until(flow, end)

    @staticmethod
    def _until(flow, status: str) -> list[tuple]:
        steps = []
        for step in flow:
            steps.append(step)
            if step[2] == status and not (status == "transferred" and step[0] == "transfer"):
                break
        return steps

    def write_case(self, item, mode, receiving, handling, leg_offices, plan) -> None:
        rng, ids, rows, now = self.rng, self.ids, self.rows, self.now
        world = self.world
        steps = self.steps(mode, plan["end"])
        if mode == "joint":
            leg_offices = leg_offices or []
        status = steps[-1][2]
        reached = {step[2] for step in steps}
        accepted = "accepted" in reached or "coordinating" in reached
        statutory = item.statutory_days if item.statutory_days is not None else 20
        promised = item.promised_days if item.promised_days is not None else statutory

        # The clock: the steps spread from filing to the last one; due dates from acceptance, so a case
        # still open past its promised limit is overdue, as it would be.
        created = plan["created"]
        if plan["final"]:
            span = timedelta(days=rng.uniform(0.2, max(1.0, promised * 1.3 + rng.uniform(-3, 6))))
            last = min(created + span, now - timedelta(minutes=rng.uniform(1, 60)))
        else:
            last = created + (now - created) * rng.uniform(0.3, 1.0)
        last = max(last, created)
        moments = _spread(created, last, len(steps))
        accepted_index = next((i for i, s in enumerate(steps) if s[0] == "accept"), None)
        accepted_at = moments[accepted_index] if accepted_index is not None else None
        if accepted_at:
            promised_due = (accepted_at + BEIJING).date() + timedelta(days=round(promised * 7 / 5))
        else:
            promised_due = None
        statutory_due = (
            promised_due + timedelta(days=round((statutory - promised) * 7 / 5)) if promised_due else None
        )

        # Applicant: an account's own identity when filed online; a walk-in otherwise.
        case_id, applicant_id = ids.take(Case), ids.take(Applicant)
        filer = steps[0][3]
        user_id = None
        if filer == APPLICANT:
            user_id, who = rng.choice(world.accounts)
            if item.audience not in ("both", who["kind"]):
                user_id, who = None, _identity(rng, world, item.audience)
        else:
            who = _identity(rng, world, item.audience)
        home_region = receiving.region_id
        place = world.regions[home_region[:2] + "0000"] + world.regions.get(home_region, "")
        address = f"{place}{rng.choice(ROADS)}{rng.randint(1, 300)}号（生成数据）"
        rows[Applicant].append(
            (
                applicant_id,
                who["kind"],
                who["name"],
                who["id_type"],
                who["id_number"],
                who["phone"],
                address,
                "",
                "",
                "",
                "",
                user_id,
                None,
            )
        )

        offices = {"receiving": receiving, "handling": handling}
        actor_of = {
            "receiving": world.staff.get(receiving.pk, (None, "")),
            "handling": world.staff.get(handling.pk, (None, "")),
            "owner": (user_id, who["name"]),
            "system": (None, ""),
        }
        submitted_by = actor_of["owner"][0] if filer == APPLICANT else actor_of[steps[0][4]][0]

        # Legs of a joint case: planned until acceptance, then each somewhere on its road.
        leg_rows = []
        for position, office in enumerate(leg_offices, start=1):
            if not accepted:
                leg_status = "planned"
            elif status == "coordinating":
                leg_status = rng.choices(("to_sign", "signed", "working", "agreed"), (3, 1, 3, 2))[0]
            else:
                leg_status = "agreed"
            leg_rows.append((ids.take(Leg), position, office, leg_status))

        events = []  # (moment, action, from, to, who, where, leg_id, office)
        messages = []  # (moment, kind, to office, from office, leg_id)
        for index, (action, source, target, who_role, where, sends) in enumerate(steps):
            moment = moments[index]
            office = offices.get(where)
            events.append((moment, action, source, target, who_role, where, None, office))
            if sends:
                kind, to = sends
                to_office = offices[to]
                from_office = office if where in offices else None
                if from_office is None or from_office.pk != to_office.pk:
                    messages.append((moment, kind, to_office, from_office, None))
            if action == "accept" and mode == "joint":
                next_moment = moments[index + 1] if index + 1 < len(moments) else now
                for leg_id, _position, leg_office, leg_status in leg_rows:
                    messages.append((moment, "leg_created", leg_office, receiving, leg_id))
                    road = ("sign_leg", "start_leg", "agree_leg")
                    reached_leg = {"to_sign": 0, "signed": 1, "working": 2, "agreed": 3}[leg_status]
                    leg_moments = _spread(moment, next_moment, 4)[1:]
                    for step_index in range(reached_leg):
                        leg_action = road[step_index]
                        at = leg_moments[step_index]
                        before, after = (
                            ("to_sign", "signed", "working")[step_index],
                            ("signed", "working", "agreed")[step_index],
                        )
                        events.append((at, leg_action, before, after, OFFICER, "leg", leg_id, leg_office))
                        if leg_action != "start_leg":
                            kind = "leg_signed" if leg_action == "sign_leg" else "leg_answered"
                            messages.append((at, kind, receiving, leg_office, leg_id))
        events.sort(key=lambda e: e[0])
        messages.sort(key=lambda m: m[0])
        updated = max(e[0] for e in events)

        sign_due = None
        if status == "transferred":
            transfer_at = next(e[0] for e in events if e[1] == "transfer")
            sign_due = (transfer_at + BEIJING).date() + timedelta(days=1 if rng.random() < 0.8 else 3)
        suspended_since = moments[-1] if status in ("suspended", "correction_requested") else None
        closed_at = next((e[0] for e in events if e[1] in ("deliver_online", "ship_result")), None)
        if status in ("refused", "withdrawn"):
            closed_at = None
        decision = "approved" if "approved" in reached else ""
        number = self.number(receiving.region_id, mode, created)
        delivery = "window" if mode == "proxy" else "online"
        rows[Case].append(
            (
                case_id, number, mode, status, len(events), delivery, "", decision, "",
                statutory if accepted else None, promised if accepted else None, accepted_at,
                statutory_due if accepted else None, promised_due if accepted else None, sign_due,
                suspended_since, closed_at, "", created, updated, applicant_id, item.pk,
                world.versions[item.pk], submitted_by, handling.pk, receiving.pk,
            )
        )  # fmt: skip
        for leg_id, position, office, leg_status in leg_rows:
            signed = leg_status in ("signed", "working", "agreed")
            leg_sign_due = None
            if leg_status == "to_sign":
                leg_sign_due = self.today + timedelta(days=rng.choice((-3, -1, 0, 1, 1, 2)))
            rows[Leg].append(
                (
                    leg_id, position, True, leg_status, 1, AGREED if leg_status == "agreed" else "",
                    leg_sign_due, updated if signed else None, updated if leg_status == "agreed" else None,
                    case_id, None, office.pk,
                )
            )  # fmt: skip
        for moment, action, source, target, who_role, where, leg_id, office in events:
            if where == "leg":
                actor_id, actor_name = world.staff.get(office.pk, (None, ""))
            else:
                actor_id, actor_name = actor_of[where]
            region = office.region_id if office else ""
            rows[CaseEvent].append(
                (
                    ids.take(CaseEvent), action, source, target, actor_name,
                    who_role, office.name if office else "", region, world.regions.get(region, ""), "", "",
                    moment, actor_id, case_id, leg_id, office.pk if office else None,
                )
            )  # fmt: skip
        for moment, kind, to_office, from_office, leg_id in messages:
            message_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            failed = rng.random() < 0.0005
            delivered_at = None if failed else moment + timedelta(seconds=rng.uniform(0.05, 3))
            rows[HandoffMessage].append(
                (
                    message_id, kind, "failed" if failed else "delivered", 5 if failed else 0, moment,
                    "ConnectionError: broker unreachable（生成数据）" if failed else "", moment,
                    None if failed else moment, delivered_at, case_id, leg_id,
                    from_office.pk if from_office else None, to_office.pk,
                )
            )  # fmt: skip
            if failed:
                continue
            # Dealt with once a later step happened at the office; the newest waits while the case is open.
            later = [e[0] for e in events if e[0] > moment and e[7] is not None and e[7].pk == to_office.pk]
            done_at = later[0] if later else (None if not plan["final"] else updated)
            rows[InboxEntry].append(
                (
                    ids.take(InboxEntry),
                    INBOX_KINDS.get(kind, "update"),
                    delivered_at,
                    done_at,
                    case_id,
                    message_id,
                    leg_id,
                    to_office.pk,
                )
            )
        if suspended_since:
            kind = "correction" if status == "correction_requested" else "special"
            reason = (
                "材料不齐，请补正。（生成数据）" if kind == "correction" else "需要现场核查。（生成数据）"
            )
            rows[Suspension].append(
                (ids.take(Suspension), kind, reason, steps[-1][1], suspended_since, None, None, case_id)
            )
        for moment, action, *_rest in events:
            if action == "ship_materials":
                rows[Shipment].append(
                    (
                        ids.take(Shipment), "materials", rng.choice(CARRIERS),
                        f"SF{rng.randrange(10**11, 10**12)}",
                        moment, None, case_id, receiving.pk, None, actor_of["receiving"][0], handling.pk,
                    )
                )  # fmt: skip
        # Who it reached: the receiving office and every office a message went to (cases/reach.py).
        offices = {receiving.pk: receiving, **{message[2].pk: message[2] for message in messages}}
        scopes = {reach.office_scope(pk) for pk in offices}
        scopes |= {reach.province_scope(office.region_id) for office in offices.values()}
        # The clock's due date on each row while it runs (reach.clock_due): the lists' overdue and due soon.
        running = accepted and status in workflows.CLOCK_RUNNING and not suspended_since
        clock_due = promised_due if running else None
        for scope in sorted(scopes):
            rows[CaseReach].append((ids.take(CaseReach), scope, mode, case_id, clock_due))

    def number(self, region_code: str, mode: str, created: datetime) -> str:
        day = (created + BEIJING).date()
        key = (region_code, day)
        sequence = self.sequences.get(key, 0) + 1
        self.sequences[key] = sequence
        return case_number(region_code, day, mode, sequence)


def _spread(first: datetime, last: datetime, count: int) -> list[datetime]:
    if count <= 1:
        return [last]
    gap = (last - first) / (count - 1)
    return [first + gap * index for index in range(count)]


def save_sequences(sequences: dict[tuple[str, date], int]) -> None:
    """Raise each region's day sequence to the highest number generated, so new cases never collide."""
    have = {(row.region_code, row.day): row for row in CaseNumberSequence.objects.all()}
    new, changed = [], []
    for (region, day), last in sequences.items():
        row = have.get((region, day))
        if row is None:
            new.append(CaseNumberSequence(region_code=region, day=day, last=last))
        elif row.last < last:
            row.last = last
            changed.append(row)
    CaseNumberSequence.objects.bulk_create(new, batch_size=5000)
    CaseNumberSequence.objects.bulk_update(changed, ["last"], batch_size=5000)


# --- Writing -------------------------------------------------------------------------------------

COLUMNS = {
    Applicant: """id kind name id_type id_number phone address agent_name agent_id_type agent_id_number
        mandate user_id agent_user_id""",
    Case: """id number mode status version delivery_method delivery_address decision decision_note
        statutory_days promised_days accepted_at statutory_due promised_due sign_due suspended_since
        closed_at calendar_note created_at updated_at applicant_id item_id item_version_id submitted_by_id
        handling_office_id receiving_office_id""",
    Leg: """id position required status version opinion sign_due signed_at answered_at case_id
        depends_on_id office_id""",
    CaseEvent: """id action from_status to_status actor_name actor_role office_name region_code region_name
        note idempotency_key created_at actor_id case_id leg_id office_id""",
    HandoffMessage: """id kind status attempts available_at last_error created_at sent_at delivered_at case_id
        leg_id from_office_id to_office_id""",
    InboxEntry: "id kind created_at done_at case_id message_id leg_id office_id",
    Suspension: "id kind reason resume_status started_at ended_at working_days case_id",
    Shipment: """id kind carrier tracking_number shipped_at received_at case_id from_office_id received_by_id
        shipped_by_id to_office_id""",
    CaseReach: "id scope mode case_id clock_due",
}


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value  # generated text: no tabs, newlines or backslashes
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


class CopyWriter:
    """PostgreSQL: COPY FROM STDIN, one stream per table and chunk."""

    def __init__(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('is_superuser')")
            self.replica = cursor.fetchone()[0] == "on"

    def begin(self):
        if self.replica:
            # Every key is made here and points at rows written in the same chunk or before it:
            # checking each one again with a trigger per row would double the load time.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")

    def write(self, model, rows):
        if not rows:
            return
        buffer = io.StringIO()
        for row in rows:
            buffer.write("\t".join(map(_copy_text, row)))
            buffer.write("\n")
        buffer.seek(0)
        columns = ", ".join(COLUMNS[model].split())
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(f"COPY {model._meta.db_table} ({columns}) FROM STDIN", buffer)

    def finish(self):
        with connection.cursor() as cursor:
            for model in COLUMNS:
                if model is HandoffMessage:
                    continue  # UUID keys, no sequence
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )

    def tidy(self, out):
        """VACUUM (ANALYZE) the tables written: fresh statistics for the planner, and a visibility map,
        without which PostgreSQL's index-only scans (the outbox's (office, case) index) read the table."""
        if connection.in_atomic_block:
            return  # inside a test's transaction: VACUUM cannot run there
        started = time.monotonic()
        with connection.cursor() as cursor:
            for model in (*COLUMNS, Office, CaseNumberSequence):
                cursor.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")
            cursor.execute("ANALYZE")  # the rest too: the items and regions just loaded have no statistics
        out.write(f"VACUUM (ANALYZE) in {time.monotonic() - started:.1f}s")


class InsertWriter:
    """SQLite (tests): plain INSERTs of the same rows."""

    def tidy(self, out):
        pass

    def begin(self):
        pass

    def write(self, model, rows):
        if not rows:
            return
        names = COLUMNS[model].split()
        marks = ", ".join(["%s"] * len(names))
        sql = f"INSERT INTO {model._meta.db_table} ({', '.join(names)}) VALUES ({marks})"
        with connection.cursor() as cursor:
            cursor.executemany(sql, [tuple(map(_sqlite_value, row)) for row in rows])

    def finish(self):
        pass


def _sqlite_value(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return value.hex
    return value
