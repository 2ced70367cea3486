"""`perform`, the one door for every action on a case (registering one is in `registration.py`).

`perform` locks the case, checks the workflow table and the actor, mutates, appends the
event, writes the outbox messages and commits, all in one transaction. A repeated request
(same Idempotency-Key) returns the first result without a second effect.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import deadlines, handoffs, materials, reach, roles, selectors, workflows
from .models import (
    Case,
    CaseEvent,
    InboxEntry,
    Leg,
    Material,
    Shipment,
)
from .selectors import Actor
from .workflows import HANDLING, LEG, RECEIVING, SAME, InvalidTransition, NotAllowed, Step


class Conflict(Exception):
    """Someone else changed the case first, or a key was reused (HTTP 409).

    Like InvalidTransition it names the case's status now and what the caller may do now, so a
    client can recover without another request (filled in by `perform`).
    """

    def __init__(self, message: str, status: str = "", allowed: list[str] | None = None, leg=None):
        super().__init__(message)
        self.status, self.allowed, self.leg = status, allowed or [], leg


@dataclass
class Outcome:
    case: Case
    replayed: bool = False


# --- The one door ---------------------------------------------------------------------------


def perform(
    *,
    number: str,
    action: str,
    actor: Actor,
    data: dict | None = None,
    idempotency_key: str = "",
    expected_version: int | None = None,
) -> Outcome:
    """Apply one workflow action to a case.

    Raises Case.DoesNotExist (not visible: 404), UnknownAction (404), InvalidTransition (409),
    NotAllowed (403), ValidationError (400) or Conflict (409); nothing is written then.
    """
    try:
        return _perform(number, action, actor, data or {}, idempotency_key, expected_version)
    except OperationalError as error:
        # SQLite answers a simultaneous writer with "database is locked": the same conflict.
        if "locked" not in str(error):
            raise
        conflict = Conflict(_("Someone else acted on this case at the same moment. Reload it and try again."))
        raise _with_state(conflict, number, actor) from error
    except Conflict as conflict:
        if conflict.status:
            raise
        raise _with_state(conflict, number, actor) from None


def _with_state(conflict: Conflict, number: str, actor: Actor) -> Conflict:
    """Name the status the case has now and what the caller may do now (read after the rollback)."""
    case = selectors.cases_visible_to(actor.user, actor).prefetch_related("legs__office").get(number=number)
    conflict.status = case.status
    conflict.allowed = [entry["action"] for entry in selectors.allowed_actions(actor, case)]
    return conflict


@transaction.atomic
def _perform(number, action, actor, data, idempotency_key, expected_version) -> Outcome:
    pk = (
        selectors.cases_visible_to(actor.user, actor)
        .filter(number=number)
        .values_list("pk", flat=True)
        .first()
    )
    if pk is None:
        raise Case.DoesNotExist(number)
    case = Case.objects.select_for_update().select_related("applicant", "item_version").get(pk=pk)
    if idempotency_key:
        # A key is its sender's: another user's request with the same key is a new request.
        earlier = case.events.filter(idempotency_key=idempotency_key, actor=actor.user).first()
        if earlier is not None:
            if earlier.action != action:
                raise Conflict(
                    _("This Idempotency-Key was used for “%(action)s”.") % {"action": earlier.action}
                )
            return Outcome(case, replayed=True)
    if expected_version is not None and expected_version != case.version:
        raise Conflict(
            _("The case changed since you loaded it (version %(now)s, yours %(yours)s). Reload it.")
            % {"now": case.version, "yours": expected_version}
        )

    steps = workflows.steps_for(case.mode, action)
    leg = _leg_for(case, data) if steps[0].on_leg else None
    status = leg.status if leg else case.status
    owner = selectors.is_owner(actor.user, case)
    try:
        step = workflows.step_for(case.mode, action, status)
    except InvalidTransition:
        # On a leg: the leg's status, and what the caller may do on that leg.
        allowed = [
            a["action"] for a in selectors.allowed_actions(actor, case) if not leg or a["leg"] == leg.pk
        ]
        raise InvalidTransition(status, action, allowed, leg=leg) from None
    if not workflows.may_take(
        step, role=actor.role, office_id=actor.office_id, is_owner=owner, case=case, leg=leg
    ):
        raise NotAllowed(_("Your role or office cannot take “%(action)s” on this case.") % {"action": action})
    missing = {
        field: _("This field is required.") for field in step.needs if not str(data.get(field, "")).strip()
    }
    if missing:
        raise ValidationError(missing)

    now = timezone.now()
    before = status
    EFFECTS.get(action, _no_effect)(case, leg, data, actor, now)
    target = before if step.target == SAME else step.target
    if step.clock == "start":
        deadlines.start_clock(case, now)
    elif step.clock == "suspend":
        kind = "correction" if action == "request_correction" else "special"
        reason = data.get("missing") or data.get("reason", "")
        deadlines.suspend_clock(case, kind=kind, reason=reason, resume_status=before, now=now)
    elif step.clock == "resume":
        target = deadlines.resume_clock(case, now)
    elif step.clock == "stop":
        deadlines.stop_clock(case, now)

    if leg:
        leg.status = target
        _save_versioned(leg)
    else:
        case.status = target
    _save_versioned(case)
    note = data.get("reason") or data.get("missing") or data.get("opinion") or data.get("note", "")
    event = record_event(
        case, action, before, target, actor, leg=leg, note=note, idempotency_key=idempotency_key
    )
    send_messages(step, case, actor, leg)
    if not leg and target != before and case.applicant.user_id and not owner:
        # The applicant hears of every change of their case's status (专属空间 messages).
        handoffs.notify_users(
            [case.applicant.user_id], case=case, kind=f"status_{target}", key=f"event:{event.pk}"
        )
    if actor.office_id:  # what arrived for this office about this case has now been dealt with
        InboxEntry.objects.filter(case=case, office_id=actor.office_id, done_at__isnull=True).update(
            done_at=now
        )
    if case.mode == "joint" and leg and target in ("agreed", "disagreed"):
        _progress_joint(case, leg, now)
    return Outcome(case)


def _leg_for(case: Case, data: dict) -> Leg:
    try:
        return case.legs.select_for_update().get(pk=int(data.get("leg") or 0))
    except (Leg.DoesNotExist, ValueError, TypeError):
        raise ValidationError({"leg": _("Name one of this case's regions (leg id).")}) from None


def _save_versioned(obj) -> None:
    """Save with a check that nobody changed the row since it was read (works without row locks too)."""
    model = type(obj)
    fields = {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields if not f.primary_key}
    fields.pop("version")
    if hasattr(obj, "updated_at"):
        fields["updated_at"] = timezone.now()
    updated = model.objects.filter(pk=obj.pk, version=obj.version).update(version=obj.version + 1, **fields)
    if not updated:
        raise Conflict(_("Someone else acted on this case at the same moment. Reload it and try again."))
    obj.version += 1
    if model is Case:
        reach.follow_clock(obj)  # the lists' overdue and due soon read the clock off the reach rows


def record_event(case, action, before, after, actor: Actor | None, *, leg=None, note="", idempotency_key=""):
    office = actor.office if actor else None
    user = actor.user if actor else None
    return CaseEvent.objects.create(
        case=case,
        leg=leg,
        action=action,
        from_status=before,
        to_status=after,
        actor=user,
        actor_name=_display_name(user, actor.role) if user else "",
        actor_role=actor.role if actor else roles.SYSTEM,
        office=office,
        office_name=office.name if office else "",
        region_code=office.region_id if office else "",
        region_name=office.region.name if office else "",
        note=note,
        idempotency_key=idempotency_key,
    )


def _display_name(user, role: str) -> str:
    """An applicant's verified name (their account's identity), else the account's name."""
    # The actor's role says which it is: no query for staff (every action), one for an applicant.
    is_staff = role in roles.STAFF_ROLES or (role != roles.APPLICANT and hasattr(user, "staff"))
    profile = None if is_staff else getattr(user, "applicant_profile", None)
    return (profile.name if profile else "") or user.get_full_name() or user.get_username()


def send_messages(step: Step, case: Case, actor: Actor | None, leg: Leg | None) -> None:
    if not step.sends:
        return
    kind, to = step.sends
    if to == LEG:
        targets = [leg] if leg else list(case.legs.filter(status="to_sign"))
        for target_leg in targets:
            handoffs.queue(
                kind=kind,
                case=case,
                leg=target_leg,
                to_office=target_leg.office,
                from_office=case.receiving_office,
            )
        return
    office = {RECEIVING: case.receiving_office, HANDLING: case.handling_office}[to]
    if actor and actor.office_id == office.pk:
        return  # not a handoff: the office acts on its own case
    handoffs.queue(
        kind=kind,
        case=case,
        leg=leg,
        to_office=office,
        from_office=actor.office if actor and actor.office else None,
    )


def _progress_joint(case: Case, leg: Leg, now) -> None:
    """After a leg answered: release the legs waiting for it, and close the round when all answered."""
    legs = list(case.legs.select_for_update().order_by("position"))
    if leg.status == "agreed":
        noted = case.calendar_note  # the case was saved already: save it again if the note changed
        for waiting in [
            other for other in legs if other.depends_on_id == leg.pk and other.status == "waiting"
        ]:
            waiting.status, waiting.sign_due = "to_sign", deadlines.sign_due_from(case, now)
            _save_versioned(waiting)
            record_event(case, "release_leg", "waiting", "to_sign", None, leg=waiting)
            send_messages(workflows.step_for(case.mode, "release_leg", "waiting"), case, None, waiting)
        if case.calendar_note != noted:
            _save_versioned(case)
    required = [other for other in legs if other.required]
    refusals = [other for other in required if other.status == "disagreed"]
    if refusals:
        case.decision = "denied"
        case.decision_note = "；".join(f"{o.office.name}：{o.opinion}" for o in refusals)
        _system_step(case, "leg_disagreed", note=case.decision_note)
    elif all(other.status == "agreed" for other in required):
        _system_step(case, "all_legs_agreed")


def _system_step(case: Case, action: str, note: str = "") -> None:
    step = workflows.step_for(case.mode, action, case.status)
    before, case.status = case.status, step.target
    _save_versioned(case)
    record_event(case, action, before, case.status, None, note=note)


# --- What each action does besides moving the status -------------------------------------------
# Each takes (case, leg, data, actor, now), changes the case or leg in memory (saved by perform)
# or writes its own records, and raises ValidationError for input that does not fit.


def _no_effect(case, leg, data, actor, now):
    pass


def _decide(decision):
    def effect(case, leg, data, actor, now):
        case.decision, case.decision_note = decision, data.get("reason", data.get("note", ""))

    return effect


def _transfer(case, leg, data, actor, now):
    case.sign_due = deadlines.sign_due_from(case, now)


def _signed(case, leg, data, actor, now):
    case.sign_due = None


def _require_mandate(case: Case) -> None:
    """An agent who filed online must have uploaded the mandate (授权委托书) before acceptance."""
    if case.applicant.agent_user_id and not case.materials.filter(kind="mandate").exists():
        raise ValidationError(
            {"mandate": _("The agent has not uploaded the mandate (授权委托书): request it as a correction.")}
        )


def _accept(case, leg, data, actor, now):
    """A joint case: its planned legs become real, those waiting for no other to be signed for.

    Any case filed online by an agent needs the mandate first.
    """
    _require_mandate(case)
    for planned in case.legs.select_for_update().order_by("position"):
        planned.status = "waiting" if planned.depends_on_id else "to_sign"
        planned.sign_due = None if planned.depends_on_id else deadlines.sign_due_from(case, now)
        _save_versioned(planned)


def _ship_materials(case, leg, data, actor, now):
    Shipment.objects.create(
        case=case,
        kind=Shipment.Kind.MATERIALS,
        carrier=data["carrier"],
        tracking_number=data["tracking_number"],
        from_office=case.receiving_office,
        to_office=case.handling_office,
        shipped_by=actor.user,
    )


def _receive_materials(case, leg, data, actor, now):
    parcel = (
        case.shipments.filter(kind=Shipment.Kind.MATERIALS, received_at__isnull=True).order_by("id").first()
    )
    if parcel is None:
        raise ValidationError({"shipment": _("No parcel of originals is on its way for this case.")})
    Shipment.objects.filter(pk=parcel.pk).update(received_at=now, received_by=actor.user)


def _ship_result(case, leg, data, actor, now):
    ship_to = data.get("ship_to")
    if ship_to not in ("applicant", "window"):
        raise ValidationError({"ship_to": _("Send the result to the applicant or to the receiving window.")})
    if ship_to == "applicant" and not case.delivery_address:
        raise ValidationError({"ship_to": _("The case has no postal address; send it to the window.")})
    kind = Shipment.Kind.RESULT_TO_WINDOW if ship_to == "window" else Shipment.Kind.RESULT_TO_APPLICANT
    Shipment.objects.create(
        case=case,
        kind=kind,
        carrier=data["carrier"],
        tracking_number=data["tracking_number"],
        from_office=actor.office,
        to_office=case.receiving_office if ship_to == "window" else None,
        shipped_by=actor.user,
    )


def _latest_result(case, kind):
    parcel = case.shipments.filter(kind__startswith="result").order_by("-id").first()
    if parcel is None or parcel.kind != kind:
        raise ValidationError({"shipment": _("The result was not sent that way.")})
    return parcel


def _receive_result(case, leg, data, actor, now):
    parcel = _latest_result(case, Shipment.Kind.RESULT_TO_WINDOW)
    Shipment.objects.filter(pk=parcel.pk).update(received_at=now, received_by=actor.user)


def _record_pickup(case, leg, data, actor, now):
    if case.mode == "joint":
        _latest_result(case, Shipment.Kind.RESULT_TO_WINDOW)


def _confirm_delivery(case, leg, data, actor, now):
    parcel = _latest_result(case, Shipment.Kind.RESULT_TO_APPLICANT)
    Shipment.objects.filter(pk=parcel.pk).update(received_at=now)


def _sign_leg(case, leg, data, actor, now):
    leg.signed_at, leg.sign_due = now, None


def _resend_leg(case, leg, data, actor, now):
    leg.sign_due = deadlines.sign_due_from(case, now)


def _answer_leg(case, leg, data, actor, now):
    leg.opinion, leg.answered_at = data["opinion"], now


def _add_material(case, leg, data, actor, now):
    materials.attach(case=case, actor=actor, data=data)


def _attach_result(case, leg, data, actor, now):
    if data.get("file") is None:
        raise ValidationError({"file": _("Choose the result document to attach.")})
    materials.attach(case=case, actor=actor, data={**data, "kind": Material.Kind.RESULT, "requirement": None})


EFFECTS = {
    "accept": _accept,
    "refuse": _decide("refused"),
    "approve": _decide("approved"),
    "deny": _decide("denied"),
    "transfer": _transfer,
    "sign_for": _signed,
    "return": _signed,
    "ship_materials": _ship_materials,
    "receive_materials": _receive_materials,
    "ship_result": _ship_result,
    "receive_result": _receive_result,
    "record_pickup": _record_pickup,
    "confirm_delivery": _confirm_delivery,
    "sign_leg": _sign_leg,
    "resend_leg": _resend_leg,
    "agree_leg": _answer_leg,
    "disagree_leg": _answer_leg,
    "add_material": _add_material,
    "attach_result": _attach_result,
}

# Re-exported: callers catch these from the service they call.
__all__ = ["Conflict", "InvalidTransition", "NotAllowed", "Outcome", "perform"]
