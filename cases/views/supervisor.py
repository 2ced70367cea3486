"""Pages: the supervisor's region dashboard (监督看板), and resending a failed handoff from it.

The figures and their definitions are `cases.dashboard` (the API's dashboard shows the same);
this module only lays them out: the open cases as a mode × status table, and the data of the
three charts, whose labels are translated here so the chart script has no words of its own.
Each chart is drawn by static/js/dashboard.js from a `json_script` block and has a table with
the same numbers beneath it; without the script the tables are the page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from catalogue.models import Region

from .. import dashboard, handoffs, selectors
from ..models import Mode
from .case_page import MESSAGE_LABELS


def _forbidden(request):
    message = _("The dashboard is for supervisors and admins.")
    return render(request, "cases/case/forbidden.html", {"message": message}, status=403)


def _open_table(rows: list[dict]) -> dict:
    """The open cases as a table: one row per status, one column per mode, with totals."""
    modes = dashboard.MODES
    by_status: dict[str, dict] = {}
    for row in rows:
        line = by_status.setdefault(
            row["status"], {"label": row["status_label"], "counts": dict.fromkeys(modes, 0)}
        )
        line["counts"][row["mode"]] += row["count"]
    lines = [
        {
            "label": line["label"],
            "counts": [line["counts"][m] for m in modes],
            "total": sum(line["counts"].values()),
        }
        for line in by_status.values()
    ]
    totals = [sum(row["count"] for row in rows if row["mode"] == mode) for mode in modes]
    return {
        "modes": [Mode(mode).label for mode in modes],
        "rows": lines,
        "totals": totals,
        "total": sum(totals),
    }


def _charts(figures: dashboard.Dashboard) -> dict:
    """What dashboard.js draws: the same numbers as the tables, with translated labels."""
    weeks = figures.received_per_week
    return {
        "weekly": {
            "categories": [f"{week['week_start']:%m-%d}" for week in weeks],
            "series": [
                {"key": mode, "name": str(Mode(mode).label), "data": [week[mode] for week in weeks]}
                for mode in dashboard.MODES
            ],
        },
        "on_time": {
            "categories": [row["office"] for row in figures.on_time],
            "series": [
                {"name": _("On-time completion rate"), "data": [row["rate"] for row in figures.on_time]}
            ],
            "percent": True,
        },
        "working_days": {
            "categories": [row["office"] for row in figures.working_days],
            "series": [
                {"name": _("Average working days"), "data": [row["average"] for row in figures.working_days]}
            ],
        },
    }


@never_cache
@login_required
def home(request):
    actor = selectors.actor_for(request.user)
    if not dashboard.may_see_dashboard(actor):
        return _forbidden(request)
    figures = dashboard.figures(actor)
    province = Region.objects.filter(code=figures.province).first() if figures.province else None
    failed = [
        {**row, "kind_label": MESSAGE_LABELS.get(row["kind"], row["kind"])} for row in figures.failed_handoffs
    ]
    context = {
        "figures": figures,
        "province": province,
        "open_table": _open_table(figures.open_cases),
        "failed_handoffs": failed,
        "charts": _charts(figures),
        "weeks": dashboard.WEEKS,
        "limit": dashboard.LIMIT,
    }
    return render(request, "cases/supervisor/home.html", context)


@require_POST
@login_required
def resend_handoff(request, message_id):
    """Put a failed message back in the queue: the service the API's resend calls."""
    actor = selectors.actor_for(request.user)
    if not dashboard.may_see_dashboard(actor):
        return _forbidden(request)
    message = get_object_or_404(selectors.handoffs_visible_to(actor), pk=message_id)
    names = {"number": message.case.number, "office": message.to_office.name}
    try:
        with transaction.atomic():
            handoffs.resend(message.pk, actor=request.user)
    except ValueError:
        names["status"] = message.get_status_display()  # as read before the service refused
        messages.error(
            request,
            _("Not sent again: the message about case %(number)s to %(office)s is %(status)s, not failed.")
            % names,
        )
    else:
        messages.success(request, _("Sent again: the message about case %(number)s to %(office)s.") % names)
    return redirect("cases:supervisor_home")  # the message shows at the top of the page


urlpatterns = [
    path("supervisor/", home, name="supervisor_home"),
    path("supervisor/handoffs/<uuid:message_id>/resend/", resend_handoff, name="supervisor_resend"),
]
