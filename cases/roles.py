"""The roles of DOMAIN.md as permission groups; offices and staff profiles come with the cases."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext_lazy as _

APPLICANT = "applicant"
WINDOW_CLERK = "window_clerk"
HANDLING_OFFICER = "handling_officer"
SUPERVISOR = "supervisor"
CATALOGUE_ADMIN = "catalogue_admin"

STAFF_ROLES = (WINDOW_CLERK, HANDLING_OFFICER, SUPERVISOR)
SYSTEM = "system"  # actions the engine takes itself, e.g. closing a joint case when a region disagrees

ROLE_LABELS = {
    APPLICANT: _("Applicant"),
    WINDOW_CLERK: _("Window clerk"),
    HANDLING_OFFICER: _("Handling officer"),
    SUPERVISOR: _("Supervisor"),
    CATALOGUE_ADMIN: _("Catalogue admin"),
}

# Admins maintain the item list and the reference data (DOMAIN.md, "People who use it").
CATALOGUE_ADMIN_PERMISSIONS = [
    ("catalogue", "serviceitem", ("view", "add", "change")),
    ("catalogue", "itemcooperation", ("view", "add", "change", "delete")),
    ("catalogue", "materialrequirement", ("view", "add", "change", "delete")),
    ("catalogue", "department", ("view", "change")),
    ("catalogue", "region", ("view", "add", "change")),
    # The search synonyms citizens type (社保 → 社会保障), edited as data.
    ("catalogue", "searchsynonym", ("view", "add", "change", "delete")),
    # Region guides (实施清单) are retired, not deleted; their materials and the windows are data.
    ("catalogue", "regionguide", ("view", "add", "change")),
    ("catalogue", "regionmaterial", ("view", "add", "change", "delete")),
    ("catalogue", "servicewindow", ("view", "add", "change", "delete")),
    # The official holiday schedule (调休) of each year, entered from the State Council notice.
    ("cases", "holiday", ("view", "add", "change", "delete")),
    ("cases", "holidayyear", ("view", "add", "change")),
]


@transaction.atomic
def ensure_role_groups() -> dict[str, Group]:
    """Create the role groups and give the catalogue admins their permissions (idempotent)."""
    groups = {role: Group.objects.get_or_create(name=role)[0] for role in ROLE_LABELS}
    wanted = []
    for app_label, model, actions in CATALOGUE_ADMIN_PERMISSIONS:
        for action in actions:
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=f"{action}_{model}")
            )
    groups[CATALOGUE_ADMIN].permissions.add(*wanted)
    return groups
