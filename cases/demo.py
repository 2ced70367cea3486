"""A living demo (setup_portal --demo): offices in three provinces, staff of each role, applicants,
and cases of each mode at different stages. Never run in production.

Offices are generated and labelled as demo: real office lists are not public data we have.
Cases are driven through the real services; only the demo's clock is moved (due dates set in
the past or near), so the inbox shows overdue and near-due work on the first visit.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from catalogue.models import Department

from . import accounts, reach, registration, roles, selectors, services
from .calendar import Calendar
from .deadlines import local_date
from .models import (
    ApplicantProfile,
    Case,
    CaseEvent,
    HandoffMessage,
    InboxEntry,
    Notification,
    Office,
    StaffProfile,
)
from .serializers import CaseCreateSerializer

DEMO_PASSWORD = "kuasheng-demo-2026"  # noqa: S105 (demo only, printed and in the README)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    display_name: str
    office: str = ""  # code of a DEMO_OFFICES entry, for staff
    is_staff: bool = False


# code, name, kind, region, department line
DEMO_OFFICES = (
    ("demo-gd-nanshan-hall", "深圳市南山区政务服务中心（演示）", "hall", "440305", None),
    ("demo-gd-nanshan-hrss", "深圳市南山区人力资源局（演示）", "department", "440305", "MOHRSS"),
    ("demo-sc-jinjiang-mps", "成都市公安局锦江区分局（演示）", "department", "510104", "MPS"),
    ("demo-sc-jinjiang-hrss", "成都市锦江区人力资源和社会保障局（演示）", "department", "510104", "MOHRSS"),
    ("demo-hn-furong-hrss", "长沙市芙蓉区人力资源和社会保障局（演示）", "department", "430102", "MOHRSS"),
    ("demo-hn-furong-hall", "长沙市芙蓉区政务服务中心（演示）", "hall", "430102", None),
)

DEMO_ACCOUNTS = (
    DemoAccount("demo_applicant", roles.APPLICANT, "张演示"),
    DemoAccount("demo_company", roles.APPLICANT, "演示科技有限公司"),
    DemoAccount("demo_clerk", roles.WINDOW_CLERK, "李窗口", "demo-gd-nanshan-hall"),
    DemoAccount("demo_officer", roles.HANDLING_OFFICER, "王经办", "demo-sc-jinjiang-mps"),
    DemoAccount("demo_officer_sz", roles.HANDLING_OFFICER, "刘受理", "demo-gd-nanshan-hrss"),
    DemoAccount("demo_officer_cs", roles.HANDLING_OFFICER, "周协同", "demo-hn-furong-hrss"),
    DemoAccount("demo_officer_cd", roles.HANDLING_OFFICER, "吴协同", "demo-sc-jinjiang-hrss"),
    DemoAccount("demo_clerk_cs", roles.WINDOW_CLERK, "郑窗口", "demo-hn-furong-hall"),
    DemoAccount("demo_supervisor", roles.SUPERVISOR, "赵监督", "demo-sc-jinjiang-mps"),
    DemoAccount("demo_supervisor_gd", roles.SUPERVISOR, "孙监督", "demo-gd-nanshan-hall"),
    DemoAccount("demo_admin", roles.CATALOGUE_ADMIN, "陈管理", is_staff=True),
)

# The verified identities of the demo applicant accounts (checked like any registration).
PROFILES = {
    "demo_applicant": {
        "kind": "person",
        "name": "张演示",
        "id_type": "resident_id",
        "id_number": "11010519491231002X",
        "phone": "13800138000",
    },
    "demo_company": {
        "kind": "organisation",
        "name": "演示科技有限公司",
        "id_type": "uscc",
        "id_number": "91110000600037341L",
        "phone": "02088886666",
        "contact_name": "张演示",
        "contact_id_type": "resident_id",
        "contact_id_number": "11010519491231002X",
    },
}
HOME = {"address": "广东省深圳市南山区粤海街道演示路1号"}
WALK_IN = {
    "kind": "person",
    "name": "黄来办",
    "id_type": "resident_id",
    "id_number": "510104199001010035",
    "phone": "13900139000",
    "address": "广东省深圳市南山区蛇口演示街8号",
}


@transaction.atomic
def create_demo_accounts() -> list[tuple[DemoAccount, bool]]:
    """Create the demo offices and users that do not exist yet; existing ones are left as they are."""
    groups = roles.ensure_role_groups()
    departments = {d.code: d for d in Department.objects.all()}
    for code, name, kind, region, line in DEMO_OFFICES:
        Office.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "region_id": region,
                "is_demo": True,
                "department": departments.get(line),
            },
        )
    users = get_user_model().objects
    created = []
    for account in DEMO_ACCOUNTS:
        user, was_created = users.get_or_create(
            username=account.username,
            defaults={"first_name": account.display_name, "is_staff": account.is_staff},
        )
        if was_created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            user.groups.add(groups[account.role])
            if account.office:
                StaffProfile.objects.create(
                    user=user, office=Office.objects.get(code=account.office), role=account.role
                )
        if account.username in PROFILES and not ApplicantProfile.objects.filter(user=user).exists():
            fields = accounts.check_identity(PROFILES[account.username])
            ApplicantProfile.objects.create(user=user, verified_at=timezone.now(), **fields)
        created.append((account, was_created))
    return created


@transaction.atomic
def create_demo_cases() -> int:
    """Cases of each mode at different stages; does nothing if the demo cases exist already."""
    users = {u.username: u for u in get_user_model().objects.filter(username__startswith="demo_")}
    if Case.objects.filter(submitted_by__username__in=["demo_applicant", "demo_clerk"]).exists():
        return 0

    def actor(name):
        return selectors.actor_for(users[name])

    def file(user, mode, item, **payload):
        # Demo data goes through the same validation as what people type (CaseCreateSerializer).
        form = CaseCreateSerializer(data={"item": item, "mode": mode, "delivery_method": "online", **payload})
        form.is_valid(raise_exception=True)
        return registration.register_case(actor=actor(user), data=form.validated_data).case

    def run(case, *steps):
        for user, action, data in steps:
            services.perform(number=case.number, action=action, actor=actor(user), data=data)
        return Case.objects.get(pk=case.pk)

    chengdu = "demo-sc-jinjiang-mps"

    def file_proxy():
        return file(
            "demo_clerk",
            "proxy",
            "KS-2-002",
            applicant=WALK_IN,
            handling_office=chengdu,
            delivery_method="window",
        )

    at_window = [("demo_clerk", "pass_formal_review", {}), ("demo_clerk", "check_identity", {})]
    transferred = [*at_window, ("demo_clerk", "transfer", {})]
    in_review = [
        *transferred,
        ("demo_officer", "sign_for", {}),
        ("demo_officer", "accept", {}),
        ("demo_officer", "start_review", {}),
    ]

    # 全程网办, waiting to be accepted in 成都.
    file("demo_applicant", "online", "KS-2-001", contact=HOME, handling_office=chengdu)
    # 全程网办, in review and overdue.
    overdue = file("demo_applicant", "online", "KS-2-001", contact=HOME, handling_office=chengdu)
    overdue = run(overdue, ("demo_officer", "accept", {}), ("demo_officer", "start_review", {}))
    _move_clock(overdue, working_days_ago=22)
    # 异地代收代办: transferred from 深圳 to 成都, to be signed for; the originals are in the post.
    run(
        file_proxy(),
        *transferred,
        ("demo_clerk", "ship_materials", {"carrier": "EMS", "tracking_number": "EMS1000000001CN"}),
    )
    # 异地代收代办: accepted in 成都, in review, near its promised date.
    _move_clock(run(file_proxy(), *in_review), working_days_ago=18)
    # 异地代收代办: concluded, the result picked up at the 深圳 window.
    shipped = {"carrier": "EMS", "tracking_number": "EMS1000000002CN", "ship_to": "window"}
    picked_up = run(
        file_proxy(),
        *in_review,
        ("demo_officer", "approve", {}),
        ("demo_officer", "ship_result", shipped),
        ("demo_clerk", "receive_result", {}),
        ("demo_clerk", "record_pickup", {}),
    )
    _backdate(picked_up, filed_days_ago=33, accepted_working_days_ago=20, closed_working_days_ago=4)
    # 全程网办, concluded: one late, one on time after the clock stopped for 2 working days
    # (the supervisor's charts: received per week, 按时办结率, working days to conclusion).
    decided = [("demo_officer", "accept", {}), ("demo_officer", "start_review", {})]
    delivered = [("demo_officer", "approve", {}), ("demo_officer", "deliver_online", {})]
    late = run(file("demo_applicant", "online", "KS-2-001", contact=HOME, handling_office=chengdu), *decided)
    _backdate(
        run(late, *delivered), filed_days_ago=47, accepted_working_days_ago=30, closed_working_days_ago=6
    )
    paused = run(
        file("demo_applicant", "online", "KS-2-001", contact=HOME, handling_office=chengdu),
        *decided,
        ("demo_officer", "suspend", {"reason": "演示：需向户籍地核实档案（特别程序）"}),
        ("demo_officer", "resume", {}),
        *delivered,
    )
    _backdate(paused, filed_days_ago=19, accepted_working_days_ago=12, closed_working_days_ago=1, paused=2)
    # 多地联办: a pension transfer accepted in 深圳; 长沙 (转出地) first, then 成都.
    joint = file(
        "demo_applicant",
        "joint",
        "KS-1-007",
        contact=HOME,
        receiving_office="demo-gd-nanshan-hrss",
        cooperating=[
            {"office": "demo-hn-furong-hrss"},
            {"office": "demo-sc-jinjiang-hrss", "after": "demo-hn-furong-hrss"},
        ],
    )
    run(joint, ("demo_officer_sz", "accept", {}))
    # 异地代收代办: a transfer whose handoff failed and waits for a supervisor to resend it.
    _fail_next_transfer(run(file_proxy(), *at_window), actor("demo_clerk"))
    return 10


def _move_clock(case: Case, *, working_days_ago: int) -> None:
    """Demo only: pretend the case was accepted `working_days_ago` working days ago."""
    today = local_date(timezone.now())
    calendar = Calendar.load(today - timedelta(days=90), today + timedelta(days=90))
    accepted = today
    while calendar.working_days_between(accepted, today) < working_days_ago:
        accepted -= timedelta(days=1)
    Case.objects.filter(pk=case.pk).update(
        accepted_at=timezone.now() - (today - accepted),
        statutory_due=calendar.add_working_days(accepted, case.statutory_days),
        promised_due=calendar.add_working_days(accepted, case.promised_days),
    )
    case.refresh_from_db()
    reach.follow_clock(case)


def _backdate(
    case: Case, *, filed_days_ago: int, accepted_working_days_ago: int, closed_working_days_ago: int, paused=0
) -> None:
    """Demo only: a concluded case as if filed, accepted and concluded weeks ago (its timeline too)."""
    now, today = timezone.now(), local_date(timezone.now())
    calendar = Calendar.load(today - timedelta(days=120), today + timedelta(days=120))

    def working_days_ago(n: int):
        day = today
        while calendar.working_days_between(day, today) < n:
            day -= timedelta(days=1)
        return now - (today - day)

    filed, accepted = now - timedelta(days=filed_days_ago), working_days_ago(accepted_working_days_ago)
    closed = working_days_ago(closed_working_days_ago)
    accepted_day = local_date(accepted)
    Case.objects.filter(pk=case.pk).update(
        created_at=filed,
        accepted_at=accepted,
        closed_at=closed,
        statutory_due=calendar.add_working_days(accepted_day, case.statutory_days + paused),
        promised_due=calendar.add_working_days(accepted_day, case.promised_days + paused),
    )
    case.suspensions.update(started_at=accepted + timedelta(days=1), ended_at=accepted + timedelta(days=3))
    case.suspensions.update(working_days=paused)
    # The timeline keeps its order: filed → … → accepted, then evenly on to the conclusion.
    events = list(case.events.order_by("id"))
    split = next(i for i, event in enumerate(events) if event.action == "accept")
    before, after = events[: split + 1], events[split + 1 :]
    times = [filed + (accepted - filed) * i / max(len(before) - 1, 1) for i in range(len(before))]
    times += [accepted + (closed - accepted) * (i + 1) / len(after) for i in range(len(after))]
    for event, at in zip(events, times, strict=True):
        CaseEvent.objects.filter(pk=event.pk).update(created_at=at)


def _fail_next_transfer(case: Case, clerk) -> None:
    services.perform(number=case.number, action="transfer", actor=clerk)
    message = HandoffMessage.objects.filter(case=case, kind="transfer").get()
    # As if the delivery had failed: undo its effect, then record the failure.
    InboxEntry.objects.filter(message=message).delete()
    Notification.objects.filter(key=f"msg:{message.pk}").delete()
    HandoffMessage.objects.filter(pk=message.pk).update(
        status=HandoffMessage.Status.FAILED,
        attempts=5,
        delivered_at=None,
        last_error="演示：办理地系统连续5次无法接收（ConnectionError），等待监督人员重发",
    )
