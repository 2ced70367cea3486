"""Registering a case in one call: applicant, item, mode, offices, cooperating regions, materials."""

import hashlib
import uuid

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogue.models import ServiceItem

from . import deadlines, identity, materials, reach, roles, workflows
from .models import (
    MODE_LETTERS,
    Applicant,
    ApplicantProfile,
    Case,
    CaseEvent,
    CaseNumberSequence,
    Leg,
    Material,
    Mode,
)
from .selectors import Actor
from .services import Outcome, record_event, send_messages


def allocate_number(region_code: str, mode: str, today) -> str:
    """The next case number: receiving region, date, mode letter, 5-digit sequence of the region and day.

    e.g. 440305-20261127-P-00001. Printed on receipts; it never changes, and numbers of a region and
    day have no gaps (a rolled-back registration gives its number back).

    One statement creates the day's row or takes the next number. It row-locks the sequence of the
    region and day until the registration commits, so every registration at that region waits for
    it: `register_case` calls this as the last write before the commit, to hold it for the shortest time.
    """
    table = connection.ops.quote_name(CaseNumberSequence._meta.db_table)
    with connection.cursor() as cursor:
        # INSERT … ON CONFLICT … RETURNING: PostgreSQL and SQLite (≥ 3.35) both read it so.
        cursor.execute(
            f"INSERT INTO {table} (region_code, day, last) VALUES (%s, %s, 1) "
            f"ON CONFLICT (region_code, day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [region_code, today],
        )
        (last,) = cursor.fetchone()
    return case_number(region_code, today, mode, last)


def case_number(region_code: str, day, mode: str, sequence: int) -> str:
    """How a case number reads: receiving region, day, mode letter, the region and day's sequence."""
    return f"{region_code}-{day:%Y%m%d}-{MODE_LETTERS[mode]}-{sequence:05d}"


def _serialise_requests_with_key(user_id: int, idempotency_key: str) -> None:
    """Let one request with this account's key run at a time (a retry racing its original).

    Only requests carrying the same key from the same account wait for each other; two different
    registrations of one account run side by side (there used to be a lock on the user row).
    PostgreSQL: a transaction-scoped advisory lock on a 64-bit hash of (account, key), released at
    commit; the check for an earlier case then runs after the first request committed it. SQLite:
    nothing to do, every transaction takes the database's write lock when it begins (settings).
    """
    if connection.vendor != "postgresql":
        return
    digest = hashlib.blake2b(f"register:{user_id}:{idempotency_key}".encode(), digest_size=8).digest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)])


@transaction.atomic
def register_case(*, actor: Actor, data: dict, idempotency_key: str = "") -> Outcome:
    """File a new case in one call: applicant, item, mode, offices, cooperating regions, materials.

    `data` has been parsed by the API or form; this checks what depends on the caller and the
    item, raises ValidationError (field → message) and writes nothing on any error. What the
    materials say about paper and trust is the recorder's to say (`materials.marks_by`).
    """
    user = actor.user
    if idempotency_key:
        _serialise_requests_with_key(user.pk, idempotency_key)
        earlier = (
            CaseEvent.objects.filter(
                actor=user, idempotency_key=idempotency_key, action__in=workflows.INITIAL_ACTIONS
            )
            .values_list("case_id", flat=True)
            .first()
        )
        if earlier:  # a retry: rare, so the case is read only then
            return Outcome(Case.objects.get(pk=earlier), replayed=True)

    item: ServiceItem = data["item"]
    mode = data["mode"]
    errors = {}
    if item.status != ServiceItem.Status.PUBLISHED:
        errors["item"] = _("This item is not open for applications.")
    elif not item.applied_through_portal:
        errors["item"] = _("This item is not applied for through this portal: %(where)s") % {
            "where": item.where_to_go or item.get_channel_display()
        }
    elif mode not in item.modes:
        errors["mode"] = _("This item supports %(modes)s only.") % {
            "modes": "、".join(str(Mode(m).label) for m in item.modes)
        }
    receiving, handling, initial = offices_and_step(actor, mode, data, errors)
    who = applicant_for(actor, data, errors)
    if who and audience_error(item, who["kind"]):
        errors["applicant"] = audience_error(item, who["kind"])
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    applicant = Applicant.objects.create(**who)
    # The item as filed: the answer and the clock read these four of its ~40 columns.
    version = (
        item.history.order_by("-history_date", "-history_id")
        .only("history_id", "history_date", "statutory_days", "promised_days")
        .first()
    )
    case = Case.objects.create(
        number=_unnumbered(),  # numbered last, see allocate_number
        item=item,
        item_version=version,
        mode=mode,
        applicant=applicant,
        submitted_by=user,
        receiving_office=receiving,
        handling_office=handling,
        status=initial.target,
        delivery_method=data["delivery_method"],
        delivery_address=data.get("delivery_address", ""),
    )
    reach.record(case, receiving)
    legs = {}  # office id → leg; a leg waits only for one listed before it (_check_cooperation)
    for position, plan in enumerate(data.get("cooperating", []), start=1):
        legs[plan["office"].pk] = Leg.objects.create(
            case=case,
            office=plan["office"],
            position=position,
            required=plan.get("required", True),
            status="planned",
            depends_on=legs[plan["after"].pk] if plan.get("after") else None,
        )
    filed = [
        Material.objects.create(
            case=case,
            uploaded_by=user,
            name=entry["name"],
            requirement=entry.get("requirement"),
            **materials.marks_by(actor, entry),
        )
        for entry in data.get("materials", [])
    ]
    event = record_event(
        case,
        initial.action,
        "",
        case.status,
        actor,
        note=data.get("note", ""),
        idempotency_key=idempotency_key,
    )
    send_messages(initial, case, actor, leg=None)
    # Last, so the sequence's row lock is held only for this statement, one update and the commit.
    case.number = allocate_number(receiving.region_id, mode, deadlines.local_date(now))
    Case.objects.filter(pk=case.pk).update(number=case.number)
    _as_written(case, legs=list(legs.values()), materials=filed, events=[event], shipments=[], suspensions=[])
    return Outcome(case)


def _as_written(case: Case, **rows: list) -> None:
    """Give the new case its related rows as just written, as `prefetch_related` would have read them.

    The answer to a registration (`selectors.view_of`) is then built without reading the case back:
    that re-read was over half of a registration's time. The outbox messages are not among them:
    publishing changes them after the commit, so they are read when shown (to staff only).
    tests/cases/test_registration_answer.py checks the answer equals the case read back.
    """
    cache = case.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, found in rows.items():
        manager = getattr(case, name)
        queryset = manager.get_queryset()
        queryset._result_cache, queryset._prefetch_done = found, True
        cache[manager.field.remote_field.cache_name] = queryset


def _unnumbered() -> str:
    """A unique stand-in for the number until it is allocated; never committed, never seen by others."""
    return f"~{uuid.uuid4().hex[:31]}"


def applicant_for(actor: Actor, data: dict, errors: dict) -> dict | None:
    """Who the case is for, as Applicant fields; the rule of trust in identity.

    Window staff enter the applicant as checked at the window. An applicant account files in its
    own verified name (its ApplicantProfile): an organisation with its own credit code and the
    person acting for it; or, with `as_agent`, as the agent (代办人) of the principal it names,
    whose mandate must be uploaded before acceptance.
    """
    given = data.get("applicant")
    if actor.role != roles.APPLICANT:
        if not given:
            errors["applicant"] = _("Enter the applicant as checked at the window.")
            return None
        return {**given, "user": None}
    # Through the user, so the event's actor name (services._display_name) reads it without a query.
    profile = getattr(actor.user, "applicant_profile", None)
    if profile is None:
        errors["applicant"] = _("Complete your account's identity (real name and ID number) before applying.")
        return None
    contact = {"phone": profile.phone, "address": "", **data.get("contact", {})}
    if data.get("as_agent"):
        if profile.kind != ApplicantProfile.Kind.PERSON:
            errors["as_agent"] = _("An organisation's account files in the organisation's own name.")
        elif not given:
            errors["applicant"] = _("Give the details of the person or organisation you act for.")
        elif given.get("agent_name"):
            errors["applicant"] = _("You are the agent: your own name and ID come from your account.")
        elif identity.normalise(given["id_number"]) == profile.id_number:
            errors["as_agent"] = _("This is your own ID number: file in your own name, not as an agent.")
        if "as_agent" in errors or "applicant" in errors:
            return None
        return {
            **given,
            "user": None,
            "agent_user": actor.user,
            "agent_name": profile.name,
            "agent_id_type": profile.id_type,
            "agent_id_number": profile.id_number,
        }
    own = {
        "kind": profile.kind,
        "name": profile.name,
        "id_type": profile.id_type,
        "id_number": profile.id_number,
    }
    if given and any(given.get(field) != value for field, value in own.items()):
        errors["applicant"] = _(
            "You file in your own verified name (%(name)s). To file for someone else, file as their agent."
        ) % {"name": profile.name}
        return None
    contact.update({k: v for k, v in (given or {}).items() if k in ("phone", "address") and v})
    return {
        **own,
        **contact,
        "user": actor.user,
        # An organisation acts through the person named on its account (经办人).
        "agent_name": profile.contact_name,
        "agent_id_type": profile.contact_id_type,
        "agent_id_number": profile.contact_id_number,
    }


def audience_error(item: ServiceItem, kind: str) -> str:
    """Why an applicant of `kind` (person / organisation) cannot apply for `item`; empty if they can."""
    if item.audience in (ServiceItem.Audience.BOTH, kind):
        return ""
    if item.audience == ServiceItem.Audience.PERSON:
        return _("This item is for persons only; an organisation cannot apply for it.")
    return _(
        "This item is for organisations only (companies and other legal persons); a person cannot apply."
    )


def offices_and_step(actor: Actor, mode: str, data: dict, errors: dict):
    receiving, handling = data.get("receiving_office"), data.get("handling_office")
    is_staff = actor.role in (roles.WINDOW_CLERK, roles.HANDLING_OFFICER)
    action = "register" if is_staff else "submit"
    steps = [step for step in workflows.TABLES[mode] if step.action == action]
    if not steps or actor.role not in steps[0].roles:
        errors["mode"] = _("You cannot file a case in this mode: %(who)s.") % {
            "who": _("online cases are filed by applicants, proxy cases by window clerks")
        }
        return receiving, handling, None
    step = steps[0]
    if is_staff:
        if receiving and receiving.pk != actor.office_id:
            errors["receiving_office"] = _("Staff register cases at their own office.")
        receiving = actor.office
    if mode == "online":
        receiving = handling
    if mode == "joint":
        handling = receiving
        _check_cooperation(receiving, data.get("cooperating", []), errors)
    elif data.get("cooperating"):
        errors["cooperating"] = _("Only joint cases (多地联办) have cooperating regions.")
    for field, office in (("receiving_office", receiving), ("handling_office", handling)):
        if office is None:
            errors.setdefault(field, _("Choose an office."))
    if mode == "proxy" and receiving and handling:
        if receiving.kind != "hall":
            errors["receiving_office"] = _("Paper is received at a service hall's window.")
        if handling.kind != "department":
            errors["handling_office"] = _(
                "Choose the handling department in the region where the records are."
            )
        if receiving.region_id == handling.region_id:
            errors["handling_office"] = _("Proxy receipt is for a handling office in another region.")
    if mode == "online" and handling and handling.kind != "department":
        errors["handling_office"] = _("Choose the handling department in the region where the records are.")
    deciding = receiving if mode == "joint" else handling
    field = "receiving_office" if mode == "joint" else "handling_office"
    if deciding and deciding.department_id and field not in errors:
        lines = {
            data["item"].lead_department_id,
            *data["item"].cooperations.values_list("department_id", flat=True),
        }
        if deciding.department_id not in lines:
            errors[field] = _("This office does not handle this item (its department line is %(line)s).") % {
                "line": deciding.department.name
            }
    if mode == "joint" and receiving and receiving.kind != "department":
        errors["receiving_office"] = _(
            "A joint case is received by a handling department of the accepting region."
        )
    if data["delivery_method"] == "post" and not data.get("delivery_address"):
        errors["delivery_address"] = _("Give the address the result is posted to.")
    if data["delivery_method"] == "window" and mode == "online":
        errors["delivery_method"] = _("An online case is delivered online or by post.")
    return receiving, handling, step


def _check_cooperation(receiving, plans: list[dict], errors: dict) -> None:
    offices = [plan["office"] for plan in plans]
    if not plans:
        errors["cooperating"] = _("Name at least one cooperating region's office.")
    elif len({o.pk for o in offices}) != len(offices) or (
        receiving and receiving.pk in {o.pk for o in offices}
    ):
        errors["cooperating"] = _("Each cooperating office once, and not the receiving office itself.")
    elif any(o.kind != "department" for o in offices):
        errors["cooperating"] = _("Cooperating offices are handling departments.")
    else:
        earlier = set()
        for plan in plans:
            if plan.get("after") and plan["after"].pk not in earlier:
                errors["cooperating"] = _("A region can only wait for a region listed before it.")
                break
            earlier.add(plan["office"].pk)
