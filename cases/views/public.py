"""Pages for anyone, logged in or not: 办件查询 (track a case by its number and the ID's last 4 characters).

The page asks `selectors.track` exactly as the API's TrackView does, after the same normalisation,
and shares its throttle (scope "track", the same counter per client address): guessing ID tails
is no easier here than on the API. A wrong number and a wrong tail read the same.
"""

from django import forms
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy
from rest_framework.throttling import SimpleRateThrottle

from cases import identity, selectors, workflows
from cases.models import Case

NUMBER_MESSAGE = gettext_lazy("Enter the case number printed on your receipt.")
TAIL_MESSAGE = gettext_lazy("Enter the last 4 characters of the applicant's ID number.")


class TrackForm(forms.Form):
    number = forms.CharField(
        label=gettext_lazy("Case number (办件编号)"),
        help_text=gettext_lazy("Printed on your receipt, e.g. 440305-20261127-P-00001."),
        error_messages={"required": NUMBER_MESSAGE},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"}
        ),
    )
    id_tail = forms.CharField(
        label=gettext_lazy("Last 4 characters of the applicant's ID number"),
        help_text=gettext_lazy("Of the identity document or credit code the case was filed with, e.g. 002X."),
        error_messages={"required": TAIL_MESSAGE},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "size": "6"}),
    )

    # As cases.api.TrackView.get: full-width characters folded, spaces dropped (the number keeps
    # its dashes), the tail normalised like every identity number.
    def clean_number(self):
        number = identity.normalise_case_number(self.cleaned_data["number"])
        if not number or len(number) > 32:
            raise forms.ValidationError(NUMBER_MESSAGE)
        return number

    def clean_id_tail(self):
        tail = identity.normalise(self.cleaned_data["id_tail"])
        if len(tail) != 4:
            raise forms.ValidationError(TAIL_MESSAGE)
        return tail


class TrackThrottle(SimpleRateThrottle):
    """The API's "track" rate and counter (ScopedRateThrottle's key for an anonymous client)."""

    scope = "track"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def track(request):
    form = TrackForm(request.GET or None)
    context = {"form": form, "case": None, "not_found": False, "throttled": False}
    status = 200
    if form.is_bound:
        throttle = TrackThrottle()
        if not throttle.allow_request(request, None):
            context["throttled"] = True
            response = render(request, "cases/public/track.html", context, status=429)
            wait = throttle.wait()
            if wait is not None:
                response["Retry-After"] = str(max(1, int(wait)))
            return response
        if form.is_valid():
            try:
                case = selectors.track(form.cleaned_data["number"], form.cleaned_data["id_tail"])
            except Case.DoesNotExist:
                context["not_found"] = True
                status = 404
            else:
                context.update(case=case, progress=progress(case))
        else:
            status = 400
    return render(request, "cases/public/track.html", context, status=status)


def progress(case: Case) -> dict:
    """What the public may see, field for field as the API's TrackSerializer: no names, notes or staff."""
    return {
        "status_label": workflows.status_label(case.status),
        "timeline": [
            {
                "label": workflows.action_label(event.action),
                "status_label": workflows.status_label(event.to_status) if event.to_status else "",
                "office": event.office_name,
                "region": event.region_name,
                "at": event.created_at,
            }
            for event in case.events.all()
        ],
    }


urlpatterns = [
    path("track/", track, name="track"),
]
