"""The window clerk's form to receive a paper submission (收件, 异地代收) for an office in another region.

The rules are the API's: `clean()` turns what was typed into the request body of
`POST /api/v1/cases/` (mode `proxy`) and runs `CaseCreateSerializer` on it, so the applicant's
identity (ApplicantInputSerializer: 全角 digits folded, check characters) is refused with the same
message as through the API; registration's own checks (the hall, the other region, the department
line, the delivery) run too and their messages are put beside the fields. Filing is
`registration.register_case`, with the hidden uuid as idempotency key.
"""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalogue.models import ServiceItem

from .. import registration
from ..models import Applicant, Case, IdType, Mode, Office
from ..selectors import Actor
from ..serializers import CaseCreateSerializer
from .apply import _grouped_choices

DELIVERY = (Case.Delivery.WINDOW, Case.Delivery.POST)
APPLICANT_FIELDS = ("kind", "name", "id_type", "id_number", "phone", "address")
AGENT_FIELDS = ("agent_name", "agent_id_type", "agent_id_number", "mandate")


def proxy_items() -> list[ServiceItem]:
    """Published items that support 异地代收 (proxy receipt at a hall)."""
    return list(
        ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED, supports_proxy=True).order_by("code")
    )


def handling_offices(actor: Actor, item: ServiceItem | None) -> list[Office]:
    """Handling departments in another region; on the item's department line when it is known."""
    offices = Office.objects.filter(kind=Office.Kind.DEPARTMENT).select_related("region")
    if actor.office is not None:
        offices = offices.exclude(region_id=actor.office.region_id)
    if item is not None:
        lines = {item.lead_department_id, *item.cooperations.values_list("department_id", flat=True)}
        offices = offices.filter(Q(department_id__in=lines))
    return list(offices.order_by("region_id", "name"))


class ReceiveForm(forms.Form):
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    item = forms.ChoiceField(label=gettext_lazy("Item (事项)"))
    kind = forms.ChoiceField(
        label=gettext_lazy("The applicant is"),
        choices=Applicant.Kind.choices,
        initial=Applicant.Kind.PERSON,
        widget=forms.RadioSelect,
    )
    name = forms.CharField(label=gettext_lazy("Name (as on the document)"), max_length=100)
    id_type = forms.ChoiceField(label=gettext_lazy("Identity document"), choices=IdType.choices)
    id_number = forms.CharField(
        label=gettext_lazy("ID number or credit code"),
        max_length=30,
        help_text=gettext_lazy("As on the document checked at the window; full-width digits are accepted."),
    )
    phone = forms.CharField(
        label=gettext_lazy("Contact phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    address = forms.CharField(label=gettext_lazy("Contact address"), max_length=200, required=False)
    handling_office = forms.ChoiceField(
        label=gettext_lazy("Handling office (in the region where the records are)"),
        help_text=gettext_lazy("A department of another region, on the item's department line."),
    )
    materials_received = forms.CharField(
        label=gettext_lazy("Materials received on paper"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("One per line, as written on the receipt."),
    )
    delivery_method = forms.ChoiceField(
        label=gettext_lazy("Delivery of the result"),
        choices=[(m, Case.Delivery(m).label) for m in DELIVERY],
        initial=Case.Delivery.WINDOW,
        widget=forms.RadioSelect,
    )
    delivery_address = forms.CharField(
        label=gettext_lazy("Postal address for the result"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Needed when the result is sent by post."),
    )
    agent_name = forms.CharField(label=gettext_lazy("Agent's name (代办人)"), max_length=100, required=False)
    agent_id_type = forms.ChoiceField(
        label=gettext_lazy("Agent's identity document"),
        choices=[("", "—"), *[(v, label) for v, label in IdType.choices if v != IdType.USCC]],
        required=False,
    )
    agent_id_number = forms.CharField(label=gettext_lazy("Agent's ID number"), max_length=30, required=False)
    mandate = forms.CharField(
        label=gettext_lazy("Mandate (授权委托书)"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("What the signed mandate says the agent may do."),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    FIELD_FOR = {"contact": "phone", "materials": "materials_received"}

    def __init__(self, *args, actor: Actor, item: ServiceItem | None = None, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.items = proxy_items()
        self.fields["item"].choices = [("", _("— choose an item —"))] + [
            (i.code, f"{i.code} {i.name}") for i in self.items
        ]
        if item is None and self.is_bound:
            item = next((i for i in self.items if i.code == self.data.get("item")), None)
        if item is not None:
            self.fields["item"].initial = item.code
        self.fields["handling_office"].choices = _grouped_choices(handling_offices(actor, item))
        self.fields["delivery_address"].marked_required = True
        for name in AGENT_FIELDS[1:]:
            self.fields[name].marked_required = True

    @property
    def fieldsets(self) -> list[dict]:
        def group(legend, names, css):
            return {"legend": legend, "fields": [self[n] for n in names], "class": css}

        return [
            group(_("What is applied for"), ("item", "handling_office"), "what"),
            group(_("The applicant (identity checked at the window)"), APPLICANT_FIELDS, "who"),
            group(_("Materials"), ("materials_received",), "materials"),
            group(_("Delivery"), ("delivery_method", "delivery_address"), "contact"),
            group(_("Agent (代办), if someone acts for the applicant"), AGENT_FIELDS, "agent-details"),
            group("", ("note",), "note"),
        ]

    def clean(self):
        cleaned = super().clean()
        # The API's rules run on what was typed even when a field failed, so every mistake is told at once.
        rules = CaseCreateSerializer(data=self._request_body(cleaned))
        if rules.is_valid():
            self.validated = rules.validated_data
            errors: dict = {}
            registration.offices_and_step(self.actor, Mode.PROXY, self.validated, errors)
            registration.applicant_for(self.actor, self.validated, errors)
            item = self.validated["item"]
            if registration.audience_error(item, self.validated["applicant"]["kind"]):
                errors["applicant"] = registration.audience_error(item, self.validated["applicant"]["kind"])
            if errors:
                self.add_errors(ValidationError(errors))
        else:
            self._serializer_errors(rules.errors)
        return cleaned

    def _request_body(self, cleaned: dict) -> dict:
        raw = {name: cleaned.get(name, self.data.get(name, "")) or "" for name in self.fields}
        applicant = {name: raw[name] for name in APPLICANT_FIELDS}
        if raw["agent_name"]:
            applicant.update({name: raw[name] for name in AGENT_FIELDS})
        lines = [line.strip() for line in str(raw["materials_received"]).splitlines() if line.strip()]
        return {
            "item": raw["item"] or None,
            "mode": Mode.PROXY,
            "applicant": applicant,
            "handling_office": raw["handling_office"] or None,
            "delivery_method": raw["delivery_method"],
            "delivery_address": raw["delivery_address"],
            "materials": [{"name": line[:200], "original_on_paper": True} for line in lines],
            "note": raw["note"],
        }

    def _serializer_errors(self, errors: dict) -> None:
        for key, value in errors.items():
            if key == "applicant" and isinstance(value, dict):
                for field, messages in value.items():
                    self._put(field, messages)
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                for entry in value:
                    for messages in entry.values():
                        self._put(key, messages)
            else:
                self._put(key, value)

    def add_errors(self, error: ValidationError) -> None:
        """Put registration's messages (field → message) beside the fields they are about."""
        for key, messages in getattr(error, "message_dict", {"": error.messages}).items():
            self._put(key, messages)

    def _put(self, key: str, messages) -> None:
        if isinstance(messages, (str, dict)):
            messages = [messages]
        field = self.FIELD_FOR.get(key, key)
        if field not in self.fields or field == "idempotency_key":
            field = None
        if field is not None and field in self.errors:
            return  # the field's own message says it already
        for message in messages:
            self.add_error(field, str(message))

    @property
    def key(self) -> str:
        return str(self.cleaned_data["idempotency_key"])
