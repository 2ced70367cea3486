"""Small builders for test data: items, and cases driven through the real services."""

from django.test import TestCase

from cases import registration, selectors, services
from cases.models import Case
from catalogue.models import ServiceItem

PERSON = {
    "kind": "person",
    "name": "张三丰",
    "id_type": "resident_id",
    "id_number": "11010519491231002X",
    "phone": "13812345678",
    "address": "四川省成都市锦江区红星路二段1号",
}
ONLINE_ITEM, PROXY_ITEM, JOINT_ITEM = (
    "KS-2-001",
    "KS-2-002",
    "KS-1-007",
)  # 无犯罪记录证明, 户籍类证明, 养老保险转移


def set_status(code: str, status: str) -> ServiceItem:
    item = ServiceItem.objects.get(code=code)
    item.status = status
    item.save()
    return item


def set_modes(code: str, *modes: str) -> ServiceItem:
    item = ServiceItem.objects.get(code=code)
    item.supports_online, item.supports_proxy, item.supports_joint = (
        "online" in modes,
        "proxy" in modes,
        "joint" in modes,
    )
    item.save()
    return item


def case_payload(mode: str, offices: dict, **extra) -> dict:
    if mode == "online":
        base = {
            "item": ONLINE_ITEM,
            "mode": "online",
            "handling_office": offices["dept_b"].code,
            "delivery_method": "online",
        }
    elif mode == "proxy":
        base = {
            "item": PROXY_ITEM,
            "mode": "proxy",
            "handling_office": offices["dept_b"].code,
            "delivery_method": "window",
        }
    else:
        base = {
            "item": JOINT_ITEM,
            "mode": "joint",
            "receiving_office": offices["dept_a"].code,
            "cooperating": [{"office": offices["dept_c"].code}],
            "delivery_method": "online",
        }
    return {**base, "applicant": dict(PERSON), **extra}


def register(actor_user, mode: str, offices: dict, **extra) -> Case:
    """File a case through the service, as the API does."""
    from cases.serializers import CaseCreateSerializer

    form = CaseCreateSerializer(data=case_payload(mode, offices, **extra))
    form.is_valid(raise_exception=True)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return registration.register_case(
            actor=selectors.actor_for(actor_user), data=form.validated_data
        ).case


def act(user, case: Case, action: str, **data) -> Case:
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.perform(number=case.number, action=action, actor=selectors.actor_for(user), data=data)
    return Case.objects.get(pk=case.pk)


def transferred(clerk, offices: dict, **extra) -> Case:
    """A proxy case filed at the window, reviewed, its applicant's identity checked, and transferred
    to the handling office (waiting there to be signed for)."""
    case = register(clerk, "proxy", offices, **extra)
    for action in ("pass_formal_review", "check_identity", "transfer"):
        case = act(clerk, case, action)
    return case
