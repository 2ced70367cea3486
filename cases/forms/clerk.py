"""The window clerk's 收件 (异地代收): a paper submission received for an office in another region.

Two steps that need no script: `ItemChoiceForm` chooses the item (`/clerk/receive/`, a GET form
to `?item=CODE`); `ReceiveForm` is that item's own form, so the handling offices are already those
on its department line and the materials checklist is built from its `MaterialRequirement`s: per
material 已收取 (present), 已核验原件 (original seen), 留存复印件 (copy kept), 原件寄递 (the original
goes on paper to the handling office) and an optional scan, plus the materials not on the list.

The rules are the API's: `clean()` turns what was typed into the request body of
`POST /api/v1/cases/` (mode `proxy`; every row ticked present is an entry of `materials`) and runs
`CaseCreateSerializer` on it, so the applicant's identity, the offices and the materials are
refused with the same messages as through the API; registration's own checks run too. The
checklist's rules: a tick of original seen / copy kept / original mailed, or a chosen scan, means
the material is present; a required material not present is refused with every missing one named
at once (`materials.missing_required`, the serializer's rule). Scans go through the uploads'
checks (`check_file`) and are filed by `file_application` with the case, in one transaction, as
materials of trust level C uploaded by the clerk.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalogue.models import MaterialRequirement, ServiceItem

from .. import materials, registration
from ..models import Applicant, Case, IdType, Material, Mode, Office
from ..selectors import Actor
from ..serializers import CaseCreateSerializer
from .actions import KeyedForm
from .apply import ACCEPT, _grouped_choices, check_file, offices_for
from .errors import ApiErrorsMixin

DELIVERY = (Case.Delivery.WINDOW, Case.Delivery.POST)
APPLICANT_FIELDS = ("kind", "name", "id_type", "id_number", "phone", "address")
AGENT_FIELDS = ("agent_name", "agent_id_type", "agent_id_number", "mandate")
# The checklist's ticks, in column order: each is a list of requirement ids (the API's entry fields).
CHECKS = {
    "present": gettext_lazy("Handed in (已收取)"),
    "original_seen": gettext_lazy("Original seen (已核验原件)"),
    "copy_kept": gettext_lazy("Copy kept (留存复印件)"),
    "original_on_paper": gettext_lazy("Original mailed (原件寄递)"),
}
MARKS = ("original_seen", "copy_kept", "original_on_paper")  # each means the material is present


def proxy_items(search: str = "") -> list[ServiceItem]:
    """Published items that support 异地代收 (proxy receipt at a hall), optionally by code or name."""
    items = ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED, supports_proxy=True)
    if search:
        items = items.filter(Q(code__icontains=search) | Q(name__icontains=search))
    return list(items.order_by("code"))


def handling_offices(actor: Actor, item: ServiceItem) -> list[Office]:
    """Handling departments on the item's department line, in another region than the clerk's."""
    offices = offices_for(item)
    if actor.office is None:
        return offices
    return [office for office in offices if office.region_id != actor.office.region_id]


class ItemChoiceForm(forms.Form):
    """Step 1 of 收件: which item (a GET form; the code travels to step 2 in the address)."""

    item = forms.ChoiceField(
        label=gettext_lazy("Item (事项)"),
        error_messages={
            "required": gettext_lazy("Choose the item the applicant applies for."),
            "invalid_choice": gettext_lazy(
                "This item is not open for proxy receipt (异地代收) at the window: choose one from the list."
            ),
        },
    )

    def __init__(self, *args, items: list[ServiceItem], **kwargs):
        super().__init__(*args, **kwargs)
        self.items = {item.code: item for item in items}
        self.fields["item"].choices = [("", _("— choose an item —"))] + [
            (item.code, f"{item.code} {item.name}") for item in items
        ]

    @property
    def chosen(self) -> ServiceItem:
        return self.items[self.cleaned_data["item"]]


class ReceiveForm(ApiErrorsMixin, KeyedForm):
    """Step 2 of 收件: the applicant, the handling office, the materials checklist and the delivery."""

    item = forms.CharField(widget=forms.HiddenInput)
    handling_office = forms.ChoiceField(
        label=gettext_lazy("Handling office (in the region where the records are)"),
        help_text=gettext_lazy("A department of another region, on the item's department line."),
    )
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
    other_materials = forms.CharField(
        label=gettext_lazy("Other materials received"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Not on the item's list: one per line, as written on the receipt."),
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

    # Where the API's field names go on this form (ApiErrorsMixin).
    FIELD_FOR = {"applicant": "kind", "contact": "phone", "materials": "present"}

    def __init__(self, data=None, files=None, *, actor: Actor, item: ServiceItem, **kwargs):
        self.requirements: list[MaterialRequirement] = list(item.materials.all())
        if data is not None:
            data = self._implied(data, files or {})
        kwargs.setdefault("initial", {})["item"] = item.code
        super().__init__(data, files, **kwargs)
        self.actor, self.item = actor, item
        offices = handling_offices(actor, item)
        self.fields["handling_office"].choices = _grouped_choices(offices)
        if len(offices) == 1:
            self.fields["handling_office"].initial = offices[0].code
        choices = [(str(r.pk), r.name) for r in self.requirements]
        for name, label in CHECKS.items():
            self.fields[name] = forms.MultipleChoiceField(
                label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
            )
        for requirement in self.requirements:
            self.fields[f"scan_{requirement.pk}"] = forms.FileField(
                label=f"{requirement.name} {_('Scan (扫描件)')}",
                required=False,
                widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
            )
        self.order_fields(
            ["handling_office", *APPLICANT_FIELDS, *CHECKS, *(f"scan_{r.pk}" for r in self.requirements)]
        )
        self.fields["delivery_address"].marked_required = True
        for name in AGENT_FIELDS[1:]:
            self.fields[name].marked_required = True

    def _implied(self, data, files):
        """What was typed, with 已收取 ticked where a mark or a scan says the material is present."""
        data = data.copy()
        get = data.getlist if hasattr(data, "getlist") else lambda name: list(data.get(name) or [])
        present = list(get("present"))
        for requirement in self.requirements:
            pk = str(requirement.pk)
            marked = any(pk in get(name) for name in MARKS) or files.get(f"scan_{requirement.pk}")
            if marked and pk not in present:
                present.append(pk)
        if hasattr(data, "setlist"):
            data.setlist("present", present)
        else:
            data["present"] = present
        return data

    # --- What the template shows -------------------------------------------------------------

    @property
    def fieldsets(self) -> list[dict]:
        def group(legend, names, css, **extra):
            return {"legend": legend, "fields": [self[n] for n in names], "class": css, **extra}

        return [
            group(_("Where it goes"), ("handling_office",), "what"),
            group(_("The applicant (identity checked at the window)"), APPLICANT_FIELDS, "who"),
            group(_("Materials"), ("other_materials",), "materials", checklist=True),
            group(_("Delivery"), ("delivery_method", "delivery_address"), "contact"),
            group(_("Agent (代办), if someone acts for the applicant"), AGENT_FIELDS, "agent-details"),
            group("", ("note",), "note"),
        ]

    @property
    def checklist(self) -> list[dict]:
        """One row per material of the item: its ticks (in CHECKS order) and its scan."""
        widgets = {name: self[name].subwidgets for name in CHECKS}
        failed = self.is_bound and bool(self.errors)
        rows = []
        for index, requirement in enumerate(self.requirements):
            scan = self[f"scan_{requirement.pk}"]
            rows.append(
                {
                    "requirement": requirement,
                    "ticks": [
                        {"label": label, "widget": widgets[name][index]} for name, label in CHECKS.items()
                    ],
                    "scan": scan,
                    # A browser cannot keep a chosen file after an error: say so beside the field.
                    "choose_again": failed and bool(self.files.get(scan.html_name)),
                }
            )
        return rows

    @property
    def checklist_fields(self) -> list:
        return [self[name] for name in CHECKS]

    # --- Checking -------------------------------------------------------------------------------

    def clean(self):
        cleaned = super().clean()
        for requirement in self.requirements:
            name = f"scan_{requirement.pk}"
            if cleaned.get(name):
                for message in check_file(cleaned[name], requirement=requirement):
                    self.add_error(name, message)
        # Told here as well as by the serializer: its own rules stop at the first field in error.
        missing = materials.missing_required(self.item, cleaned.get("present") or [])
        if missing:
            self.add_error("present", missing)
        rules = CaseCreateSerializer(data=self._request_body(cleaned))
        if rules.is_valid():
            self.validated = self._without_scanned(rules.validated_data)
            errors: dict = {}
            registration.offices_and_step(self.actor, Mode.PROXY, self.validated, errors)
            registration.applicant_for(self.actor, self.validated, errors)
            audience = registration.audience_error(self.item, self.validated["applicant"]["kind"])
            if audience:
                errors["applicant"] = audience
            if errors:
                self.add_errors(ValidationError(errors))
        else:
            self.serializer_errors(rules.errors)
        return cleaned

    def _ticked(self, cleaned: dict, name: str) -> set[int]:
        return {int(pk) for pk in cleaned.get(name) or []}

    def _entries(self, cleaned: dict) -> list[dict]:
        """The checklist rows present, as the API's `materials` entries."""
        present = self._ticked(cleaned, "present")
        marks = {name: self._ticked(cleaned, name) for name in MARKS}
        return [
            {"name": r.name, "requirement": r.pk, **{name: r.pk in marks[name] for name in MARKS}}
            for r in self.requirements
            if r.pk in present
        ]

    def _request_body(self, cleaned: dict) -> dict:
        """What the API would be sent for this filing (codes, not objects)."""
        raw = {name: cleaned.get(name, self.data.get(name, "")) or "" for name in self.base_fields}
        applicant = {name: raw[name] for name in APPLICANT_FIELDS}
        if raw["agent_name"]:
            applicant.update({name: raw[name] for name in AGENT_FIELDS})
        self._checklist_size = len(entries := self._entries(cleaned))
        others = [line.strip() for line in str(raw["other_materials"]).splitlines() if line.strip()]
        return {
            "item": self.item.code,
            "mode": Mode.PROXY,
            "applicant": applicant,
            "handling_office": raw["handling_office"] or None,
            "delivery_method": raw["delivery_method"],
            "delivery_address": raw["delivery_address"],
            "materials": [*entries, *({"name": line} for line in others)],
            "note": raw["note"],
        }

    def _without_scanned(self, validated: dict) -> dict:
        """Registration's data: the rows with a scan are filed by their upload (`uploads`) instead."""
        scanned = {r.pk for r in self.requirements if self.cleaned_data.get(f"scan_{r.pk}")}

        def is_scanned(entry) -> bool:
            return bool(entry.get("requirement")) and entry["requirement"].pk in scanned

        self._scanned = {e["requirement"].pk: e for e in validated["materials"] if is_scanned(e)}
        return {**validated, "materials": [e for e in validated["materials"] if not is_scanned(e)]}

    def entry_field(self, key: str, position: int) -> str:
        if key == "materials":
            return "present" if position <= self._checklist_size else "other_materials"
        return key

    # --- Filing (forms.apply.file_application) ----------------------------------------------------

    def uploads(self):
        """(field name, `add_material` data) of every scan: the row's material, as the clerk recorded it."""
        for requirement in self.requirements:
            upload = self.cleaned_data.get(f"scan_{requirement.pk}")
            if upload:
                entry = self._scanned[requirement.pk]
                yield (
                    f"scan_{requirement.pk}",
                    {
                        "file": upload,
                        "kind": Material.Kind.MATERIAL,
                        "name": requirement.name,
                        "requirement": requirement,
                        "trust_level": Material.Trust.C,
                        **{name: entry[name] for name in MARKS},
                    },
                )
