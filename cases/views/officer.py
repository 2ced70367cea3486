"""Pages: the inbox of a handling officer or window clerk — what waits for their office.

Built from `selectors.inbox_queries`, as the API's inbox is; which case is due soon or overdue comes
from its lists, not from rules of our own. One tab is shown at a time (?tab=…), a page of PAGE
rows at a time (&page=N), so it works without JavaScript: every tab's count is read (each
bounded), the rows of the page shown only. The number of queries does not grow with the number
of cases.
"""

from datetime import date

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from .. import roles, selectors, workflows
from ..deadlines import local_date
from ..models import InboxEntry, Leg
from .case_page import MESSAGE_LABELS, case_hrefs, page_number

PAGE = 20  # rows a page of a tab
COUNTED = 50  # each tab's count is read up to this many ("50+")
# slug, label, the lists of selectors.inbox_queries shown in the tab
TABS = (
    ("to_sign", _("To sign for"), ("to_sign", "legs_to_sign")),
    ("to_accept", _("To accept"), ("to_accept",)),
    ("to_decide", _("In progress"), ("to_decide",)),
    ("legs_open", _("Regions' tasks"), ("legs_open",)),
    ("due_soon", _("Due soon"), ("due_soon",)),
    ("overdue", _("Overdue"), ("overdue",)),
    ("arrivals", _("New arrivals"), ("arrivals",)),
)


# What a row of each kind shows, read as values: no model is built for a row (a page of 20 cases
# with their items and offices cost 2–4 ms more as models). A case's row here says how it is due; a
# region's task and an arrival read what the API's inbox reads (selectors.INBOX_VALUES).
CASE_VALUES = (
    *("number", "item__name", "status", "receiving_office__name", "sign_due", "promised_due"),
    *("is_overdue", "is_due_soon"),
)


def _case_row(case: dict, today) -> dict:
    # Overdue or due soon by the rules of the inbox's own lists (selectors.inbox_queries).
    signing = case["status"] == "transferred"
    due = case["sign_due"] if signing else case["promised_due"]
    if case["is_overdue"] or (signing and due and due < today):
        state = "overdue"
    elif case["is_due_soon"] or (signing and due == today):
        state = "due_soon"
    else:
        state = ""
    return {
        "number": case["number"],
        "item": case["item__name"],
        "what": workflows.status_label(case["status"]),
        "office": case["receiving_office__name"],
        "due": due,
        "due_what": _("sign for by") if signing else _("promised"),
        "state": state,
    }


def _leg_row(leg: dict, today) -> dict:
    due = leg["sign_due"] if leg["status"] == "to_sign" else None
    return {
        "number": leg["case__number"],
        "item": leg["case__item__name"],
        "what": workflows.leg_status_label(leg["status"]),
        "office": leg["case__receiving_office__name"],
        "due": due,
        "due_what": _("sign for by"),
        "state": "overdue" if due and due < today else "due_soon" if due == today else "",
    }


def _arrival_row(entry: dict, today=None) -> dict:  # (today: as the other rows take it)
    # The message's kind says what arrived; the entry's own kind is the inbox list it belongs to.
    kind, sender = entry["message__kind"], entry["message__from_office__name"]
    return {
        "number": entry["case__number"],
        "item": entry["case__item__name"],
        "what": MESSAGE_LABELS.get(kind, kind),
        # No sending office: the applicant filed or resubmitted online.
        "office": sender if sender is not None else str(roles.ROLE_LABELS[roles.APPLICANT]),
        "due": None,
        "arrived": entry["created_at"],
        "state": "",
    }


def _by_due_date(rows: list[dict]) -> list[dict]:
    """Earliest due first; rows without a due date keep their order after them."""
    return sorted(rows, key=lambda row: row["due"] or date.max)


@never_cache
@login_required
def inbox(request):
    actor = selectors.actor_for(request.user)
    if actor.role not in (roles.HANDLING_OFFICER, roles.WINDOW_CLERK) or actor.office is None:
        message = _("The inbox is for handling officers and window clerks of an office.")
        return render(request, "cases/case/forbidden.html", {"message": message}, status=403)
    # Every tab's count (bounded by COUNTED), and one page of the tab shown only.
    today = local_date(timezone.now())
    counts = selectors.inbox_listed(actor, 0, counted=COUNTED, today=today)[1]
    tabs = []
    for slug, label, lists in TABS:
        found = sum(counts[name] for name in lists)
        full = any(counts[name] >= COUNTED for name in lists)
        tabs.append(
            {"slug": slug, "label": label, "lists": lists, "count": f"{found}+" if full else str(found)}
        )
    chosen = request.GET.get("tab")
    current = next((tab for tab in tabs if tab["slug"] == chosen), None)
    current = current or next((tab for tab in tabs if tab["count"] != "0"), tabs[0])
    queries = selectors.inbox_queries(actor, today)
    page = page_number(request.GET.get("page"))
    start = (page - 1) * PAGE
    # One list: its page, in the list's own order. Two (to sign for: transfers and regions' tasks):
    # the first pages of each, merged by due date, then the page. One row more tells if there is a
    # next page. The lists are one office's open work, so the offset stays small.
    merged = len(current["lists"]) > 1
    rows = []
    for name in current["lists"]:
        if name == "arrivals":
            listed, row = queries[name].values(*selectors.INBOX_VALUES[InboxEntry]), _arrival_row
        elif name.startswith("legs_"):
            listed, row = queries[name].values(*selectors.INBOX_VALUES[Leg]), _leg_row
        else:
            listed, row = queries[name].values(*CASE_VALUES), _case_row
        found = listed[: start + PAGE + 1] if merged else listed[start : start + PAGE + 1]
        rows += [row(found_row, today) for found_row in found]
    if current["slug"] != "arrivals":
        rows = _by_due_date(rows)
    if merged:
        rows = rows[start:]
    href = case_hrefs("cases:detail")
    for row in rows[:PAGE]:
        row["href"] = href(row["number"])
    current.update(rows=rows[:PAGE], page=page, has_next=len(rows) > PAGE)
    context = {"office": actor.office, "tabs": tabs, "current": current, "today": today}
    return render(request, "cases/officer/inbox.html", context)


urlpatterns = [path("officer/", inbox, name="officer_inbox")]
