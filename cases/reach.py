"""Who a case has reached (CaseReach): the rows behind every staff list, and how they are named.

A case reaches its receiving office when it is registered, and each office a message about it is
sent to (an online submission, a proxy transfer, a released joint-case leg), when that message is
written. The province of each of those offices is reached with it, for its supervisors. Rows are
only ever added, in the transaction of the change, and adding one twice does nothing.
"""

from .models import Case, CaseReach, Office


def office_scope(office_id: int) -> str:
    return f"office:{office_id}"


def province_scope(region_code: str) -> str:
    """Supervisors see their province: the first two digits of a region code (44 for 广东)."""
    return f"province:{region_code[:2]}"


def record(case: Case, *offices: Office) -> None:
    """The case has reached these offices (and their provinces); nothing happens for a known one."""
    scopes = {
        scope for office in offices for scope in (office_scope(office.pk), province_scope(office.region_id))
    }
    # Scopes this case object recorded already (an online case reaches its office twice: registered
    # there, then its submission sent there) are not written again.
    known = case.__dict__.setdefault("_reach_recorded", set())
    new = sorted(scopes - known)
    if new:
        CaseReach.objects.bulk_create(
            [CaseReach(case=case, scope=scope, mode=case.mode) for scope in new], ignore_conflicts=True
        )
        known.update(new)
