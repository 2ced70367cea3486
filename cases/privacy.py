"""Revealing personal data in full (查看完整信息): an audited action of staff.

Staff of an office a case reached see the applicant masked, like everyone but the applicant.
Revealing the data, or opening an uploaded document, is a deliberate action: it is allowed
to the staff of an office the case reached (`selectors.may_reveal_personal_data`) and writes
a `RevealRecord` (who, office, region, what, when) that supervisors and admins can list.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from . import selectors, workflows
from .models import Material, RevealRecord
from .selectors import Actor

APPLICANT = "applicant"  # the applicant block, the agent and applicants' names in the timeline


def material(item: Material) -> str:
    """What a record names when a document is opened (never the file's content or path)."""
    return f"material:{item.pk} {item.name}"[:240]


@transaction.atomic
def reveal_personal_data(*, actor: Actor, number: str, what: str) -> RevealRecord:
    """Record that `actor` revealed `what` of case `number`; raises NotAllowed (403) if they may not.

    Raises Case.DoesNotExist (404) for a case out of the caller's scope, as every case endpoint does.
    """
    case = selectors.cases_visible_to(actor.user, actor).get(number=number)
    if not selectors.may_reveal_personal_data(actor, case):
        raise workflows.NotAllowed(
            _("Only staff of an office this case was sent to may see its personal data.")
        )
    office = actor.office
    return RevealRecord.objects.create(
        case=case,
        case_number=case.number,
        user=actor.user,
        username=actor.user.get_username(),
        role=actor.role,
        office=office,
        office_name=office.name,
        region_code=office.region_id,
        what=what,
    )
