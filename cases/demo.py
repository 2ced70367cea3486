"""Demo accounts for a new user to log in with (setup_portal --demo). Never run in production."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from . import roles

DEMO_PASSWORD = "kuasheng-demo-2026"  # noqa: S105 (demo only, printed and in the README)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    display_name: str
    is_staff: bool = False


DEMO_ACCOUNTS = (
    DemoAccount("demo_applicant", roles.APPLICANT, "张演示"),
    DemoAccount("demo_company", roles.APPLICANT, "演示科技有限公司"),
    DemoAccount("demo_clerk", roles.WINDOW_CLERK, "李窗口"),
    DemoAccount("demo_officer", roles.HANDLING_OFFICER, "王经办"),
    DemoAccount("demo_supervisor", roles.SUPERVISOR, "赵监督"),
    DemoAccount("demo_admin", roles.CATALOGUE_ADMIN, "陈管理", is_staff=True),
)


@transaction.atomic
def create_demo_accounts() -> list[tuple[DemoAccount, bool]]:
    """Create the demo users that do not exist yet; existing ones are left as they are."""
    groups = roles.ensure_role_groups()
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
        created.append((account, was_created))
    return created
