"""The applicant's form to file a case online (全程网办 or 多地联办) for one item.

The rules are the API's: `clean()` turns what was typed into the request body of
`POST /api/v1/cases/` and runs `CaseCreateSerializer` on it, so a page and the API accept and
refuse the same input with the same message (identity numbers, phones, offices); each chosen
file goes through `MaterialUploadSerializer` and the checks of `materials` (type by content,
size) before anything is written. What depends on the caller and the item (the audience, the
offices' department line, the delivery) is checked by `registration.register_case`, whose
messages `add_errors` puts beside the fields. `file_application` is the one transaction.
"""

from collections.abc import Iterator
from typing import Protocol

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalogue.models import Region, ServiceItem

from .. import materials, registration, roles, services, workflows
from ..models import ApplicantProfile, IdType, Material, Mode, Office
from ..selectors import Actor
from ..serializers import CaseCreateSerializer, MaterialUploadSerializer
from .actions import KeyedForm
from .errors import ApiErrorsMixin

MODE_HELP = {
    Mode.ONLINE: gettext_lazy(
        "Everything online: the handling office where your records are accepts, decides and delivers; "
        "nobody may require you to go there."
    ),
    Mode.JOINT: gettext_lazy(
        "One office accepts; the other regions' offices cooperate internally and share the materials, "
        "so you deal with one place only."
    ),
}
DELIVERY_LABELS = {
    "online": gettext_lazy("Online (electronic licence or document)"),
    "post": gettext_lazy("By post to your address"),
}
COOPERATING_SLOTS = 3
ACCEPT = ".pdf,.jpg,.jpeg,.png,.ofd"


def applicant_modes(item: ServiceItem) -> list[str]:
    """The item's modes an applicant files in themselves (a `submit` step of the applicant's)."""
    return [
        mode
        for mode in item.modes
        if any(step.action == "submit" and roles.APPLICANT in step.roles for step in workflows.TABLES[mode])
    ]


def offices_for(item: ServiceItem) -> list[Office]:
    """Handling departments on the item's lead or cooperating department line (registration's rule)."""
    lines = {item.lead_department_id, *item.cooperations.values_list("department_id", flat=True)}
    return list(
        Office.objects.filter(kind=Office.Kind.DEPARTMENT, department_id__in=lines)
        .select_related("region")
        .order_by("region_id", "name")
    )


def _grouped_choices(offices: list[Office]) -> list:
    """Offices grouped by province (or region) name, for a <select> with <optgroup>s."""
    names = dict(
        Region.objects.filter(code__in={o.province_code for o in offices}).values_list("code", "name")
    )
    groups: dict[str, list] = {}
    for office in offices:
        groups.setdefault(names.get(office.province_code, office.province_code), []).append(
            (office.code, office.name)
        )
    return [("", _("— choose an office —")), *groups.items()]


def max_upload_mb() -> int:
    return settings.MATERIAL_MAX_BYTES // (1024 * 1024)


def max_body_mb() -> int:
    """The largest request the edge accepts with files (kuasheng/middleware.py): all files together."""
    return (settings.MATERIAL_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE) // (1024 * 1024)


def check_file(upload, *, requirement=None, kind=Material.Kind.MATERIAL) -> list[str]:
    """What is wrong with one chosen file, by the API's rules (empty list: nothing)."""
    data = {"file": upload, "kind": kind}
    if requirement is not None:
        data["requirement"] = requirement.pk
    rules = MaterialUploadSerializer(data=data)
    if not rules.is_valid():
        return [str(m) for messages in rules.errors.values() for m in messages]
    if upload.size > settings.MATERIAL_MAX_BYTES:
        return [_("The file is larger than %(mb)d MB.") % {"mb": max_upload_mb()}]
    try:
        materials.sniff(upload)
    except ValidationError as error:
        return error.messages
    return []


def _choice(label, help_text="") -> str:
    """A radio choice's label: its name, and one line on what it means."""
    return format_html(
        '<span class="choice-text"><span class="choice-name">{}</span>{}</span>',
        label,
        format_html('<span class="choice-help">{}</span>', help_text) if help_text else "",
    )


class ApplyForm(ApiErrorsMixin, KeyedForm):
    mode = forms.ChoiceField(label=gettext_lazy("How to apply"), widget=forms.RadioSelect)
    handling_office = forms.ChoiceField(
        label=gettext_lazy("Handling office (where your records are)"),
        required=False,
        help_text=gettext_lazy("The department of the region that keeps your records decides the case."),
    )
    receiving_office = forms.ChoiceField(
        label=gettext_lazy("Accepting office"),
        required=False,
        help_text=gettext_lazy("The department that accepts the case and decides it with the others."),
    )
    in_order = forms.BooleanField(
        label=gettext_lazy("The cooperating offices act in the order listed (e.g. 转出地 before 转入地)"),
        required=False,
    )
    delivery_method = forms.ChoiceField(
        label=gettext_lazy("Delivery of the result"), widget=forms.RadioSelect
    )
    delivery_address = forms.CharField(
        label=gettext_lazy("Postal address for the result"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Needed when the result is sent by post."),
    )
    phone = forms.CharField(
        label=gettext_lazy("Contact phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    address = forms.CharField(
        label=gettext_lazy("Contact address"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    as_agent = forms.BooleanField(
        label=gettext_lazy("I am applying for someone else (代办), under their written mandate (授权委托书)"),
        required=False,
    )
    principal_kind = forms.ChoiceField(
        label=gettext_lazy("They are"),
        choices=ApplicantProfile.Kind.choices,
        required=False,
        initial=ApplicantProfile.Kind.PERSON,
        widget=forms.RadioSelect,
    )
    principal_name = forms.CharField(
        label=gettext_lazy("Their name (as on the document)"), max_length=100, required=False
    )
    principal_id_type = forms.ChoiceField(
        label=gettext_lazy("Their document"), choices=IdType.choices, required=False
    )
    principal_id_number = forms.CharField(
        label=gettext_lazy("Their ID number or credit code"), max_length=30, required=False
    )
    principal_phone = forms.CharField(
        label=gettext_lazy("Their phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    principal_address = forms.CharField(label=gettext_lazy("Their address"), max_length=200, required=False)
    mandate = forms.FileField(
        label=gettext_lazy("Mandate (授权委托书)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=gettext_lazy("Signed by the person or organisation you act for."),
    )
    note = forms.CharField(
        label=gettext_lazy("Note to the office (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    # Where registration's and the serializer's field names go on this form.
    FIELD_FOR = {
        "applicant": "principal_name",
        "kind": "principal_kind",
        "name": "principal_name",
        "id_type": "principal_id_type",
        "id_number": "principal_id_number",
        "cooperating": "cooperating_1",
        "contact": "phone",
    }

    def __init__(self, *args, item: ServiceItem, profile: ApplicantProfile, actor: Actor, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("phone", profile.phone)
        super().__init__(*args, **kwargs)
        self.item, self.profile, self.actor = item, profile, actor
        modes = applicant_modes(item)
        self.fields["mode"].choices = [(m, _choice(Mode(m).label, MODE_HELP.get(m, ""))) for m in modes]
        self.fields["mode"].initial = modes[0] if modes else None
        choices = _grouped_choices(offices_for(item))
        self.fields["handling_office"].choices = choices
        self.fields["receiving_office"].choices = choices
        for n in range(1, COOPERATING_SLOTS + 1):
            self.fields[f"cooperating_{n}"] = forms.ChoiceField(
                label=_("Cooperating office %(n)d") % {"n": n}, choices=choices, required=False
            )
        delivery = [m for m in ("online", "post") if m in item.delivery_options] or ["online", "post"]
        self.fields["delivery_method"].choices = [(m, _choice(DELIVERY_LABELS[m])) for m in delivery]
        self.fields["delivery_method"].initial = delivery[0]
        self.requirements = list(item.materials.all())
        for requirement in self.requirements:
            self.fields[f"material_{requirement.pk}"] = forms.FileField(
                label=requirement.name,
                required=requirement.required,
                widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
                help_text=" ".join(
                    str(text)
                    for text in (
                        "" if requirement.required else _("If it applies to you."),
                        requirement.note,
                    )
                    if text
                ),
            )
        # Required for one choice only (checked by registration or clean()): marked, not enforced.
        for name in ("handling_office", "receiving_office", "cooperating_1", "delivery_address", "mandate"):
            self.fields[name].marked_required = True
        for name in ("principal_kind", "principal_name", "principal_id_type", "principal_id_number"):
            self.fields[name].marked_required = True
        if profile.kind != ApplicantProfile.Kind.PERSON:
            # An organisation files in its own name (registration.applicant_for).
            for name in [n for n in self.fields if n == "as_agent" or n.startswith("principal_")] + [
                "mandate"
            ]:
                del self.fields[name]

    # --- What the template shows -------------------------------------------------------------

    @property
    def offers(self) -> set[str]:
        return {value for value, _label in self.fields["mode"].choices}

    @property
    def fieldsets(self) -> list[dict]:
        """The groups cases/parts/form.html renders; `only-*` groups show for their mode (applicant.css)."""
        groups = [{"legend": "", "fields": [self["mode"]], "class": "modes"}]
        if Mode.ONLINE in self.offers:
            groups.append(
                {
                    "legend": _("Where your records are"),
                    "fields": [self["handling_office"]],
                    "class": "only-online",
                }
            )
        if Mode.JOINT in self.offers:
            cooperating = [self[f"cooperating_{n}"] for n in range(1, COOPERATING_SLOTS + 1)]
            groups.append(
                {
                    "legend": _("Offices of the joint case"),
                    "fields": [self["receiving_office"], *cooperating, self["in_order"]],
                    "class": "only-joint",
                }
            )
        if self.requirements:  # an item whose guide lists none has no empty heading
            groups.append(
                {
                    "legend": _("Materials"),
                    "fields": [self[f"material_{r.pk}"] for r in self.requirements],
                    "class": "materials",
                }
            )
        if "as_agent" in self.fields:
            principal = [self[name] for name in self.fields if name.startswith("principal_")]
            groups.append({"legend": "", "fields": [self["as_agent"]], "class": "agent"})
            groups.append(
                {
                    "legend": _("The person or organisation you act for"),
                    "fields": [*principal, self["mandate"]],
                    "class": "agent-details",
                }
            )
        groups.append(
            {
                "legend": _("Delivery and contact"),
                "fields": [
                    self[n] for n in ("delivery_method", "delivery_address", "phone", "address", "note")
                ],
                "class": "contact",
            }
        )
        return groups

    # --- Checking -------------------------------------------------------------------------------

    def clean(self):
        cleaned = super().clean()
        for name, requirement, kind in self._file_slots():
            upload = cleaned.get(name)
            if upload and (kind == Material.Kind.MATERIAL or cleaned.get("as_agent")):
                for message in check_file(upload, requirement=requirement, kind=kind):
                    self.add_error(name, message)
        if cleaned.get("as_agent") and not cleaned.get("mandate") and "mandate" not in self.errors:
            self.add_error(
                "mandate", _("Upload the mandate (授权委托书) of the person or organisation you act for.")
            )
        if not cleaned.get("mode"):
            return cleaned
        rules = CaseCreateSerializer(data=self._request_body(cleaned))
        if rules.is_valid():
            self.validated = rules.validated_data
            # Registration's own checks of the offices, delivery and applicant (they read, never
            # write), so every mistake is told at once; register_case runs them again when filing.
            errors: dict = {}
            registration.offices_and_step(self.actor, self.validated["mode"], self.validated, errors)
            registration.applicant_for(self.actor, self.validated, errors)
            if errors:
                self.add_errors(ValidationError(errors))
        else:
            self.serializer_errors(rules.errors)
        return cleaned

    def _request_body(self, cleaned: dict) -> dict:
        """What the API would be sent for this filing (codes, not objects)."""
        body = {
            "item": self.item.code,
            "mode": cleaned["mode"],
            "delivery_method": cleaned.get("delivery_method") or "",
            "delivery_address": cleaned.get("delivery_address", ""),
            "contact": {"phone": cleaned.get("phone", ""), "address": cleaned.get("address", "")},
            "note": cleaned.get("note", ""),
        }
        if cleaned["mode"] == Mode.JOINT:
            body["receiving_office"] = cleaned.get("receiving_office") or None
            chosen = [cleaned.get(f"cooperating_{n}") for n in range(1, COOPERATING_SLOTS + 1)]
            chosen = [code for code in chosen if code]
            body["cooperating"] = [
                {"office": code, "after": chosen[i - 1] if cleaned.get("in_order") and i else None}
                for i, code in enumerate(chosen)
            ]
        else:
            body["handling_office"] = cleaned.get("handling_office") or None
        if cleaned.get("as_agent"):
            body["as_agent"] = True
            body["applicant"] = {
                "kind": cleaned.get("principal_kind") or "",
                "name": cleaned.get("principal_name", ""),
                "id_type": cleaned.get("principal_id_type") or "",
                "id_number": cleaned.get("principal_id_number", ""),
                "phone": cleaned.get("principal_phone", ""),
                "address": cleaned.get("principal_address", ""),
            }
        return body

    # --- Where the API's messages go (ApiErrorsMixin) -----------------------------------------

    def nested_field(self, key: str, field: str) -> str:
        if key == "applicant":
            return f"principal_{field}" if f"principal_{field}" in self.fields else "principal_name"
        return field

    def entry_field(self, key: str, position: int) -> str:
        return f"cooperating_{min(position, COOPERATING_SLOTS)}" if key == "cooperating" else key

    def field_for(self, key: str) -> str | None:
        field = super().field_for(key)
        # Online, the receiving office is the handling office; joint, the other way round.
        mode = self.cleaned_data.get("mode")
        if (mode, field) in ((Mode.ONLINE, "receiving_office"), (Mode.JOINT, "handling_office")):
            field = "handling_office" if mode == Mode.ONLINE else "receiving_office"
        if field == "principal_name" and not self.cleaned_data.get("as_agent"):
            return None  # about the account's own identity or the item's audience: the top of the form
        return field

    # --- Files ----------------------------------------------------------------------------------

    def _file_slots(self):
        for requirement in self.requirements:
            yield f"material_{requirement.pk}", requirement, Material.Kind.MATERIAL
        if "mandate" in self.fields:
            yield "mandate", None, Material.Kind.MANDATE

    def uploads(self):
        """(field name, what the upload records) of every chosen file, the mandate last."""
        for name, requirement, kind in self._file_slots():
            upload = self.cleaned_data.get(name)
            if upload and (kind == Material.Kind.MATERIAL or self.cleaned_data.get("as_agent")):
                yield name, {"file": upload, "requirement": requirement, "kind": kind}


class UploadRefused(Exception):
    def __init__(self, field: str, error: ValidationError):
        super().__init__(field)
        self.field, self.error = field, error


class FilingForm(Protocol):
    """What `file_application` needs of a form: ApplyForm here, ReceiveForm (forms/clerk.py)."""

    validated: dict  # CaseCreateSerializer's validated data: what `register_case` files
    key: str  # the idempotency key

    def uploads(self) -> Iterator[tuple[str, dict]]:
        """(field name, `add_material` data with the file) of every chosen file."""


def file_application(*, actor: Actor, form: FilingForm) -> services.Outcome:
    """File the case and attach every chosen file, all in one transaction.

    `registration.register_case` files it; each file goes through `services.perform(add_material)`,
    the API's upload. If any file is refused the whole filing is rolled back (no case, no
    material) and UploadRefused names the field; files already written to storage are removed.
    A repeated form (same key) returns the case filed the first time and attaches nothing again.
    Used by the applicant's form and the window's 收件 form (its scans).
    """
    stored: list[str] = []
    case = None
    try:
        with transaction.atomic():
            outcome = registration.register_case(actor=actor, data=form.validated, idempotency_key=form.key)
            if outcome.replayed:
                return outcome
            case = outcome.case
            for name, data in form.uploads():
                try:
                    services.perform(
                        number=outcome.case.number,
                        action="add_material",
                        actor=actor,
                        data=data,
                        idempotency_key=f"{form.key}:{name}",
                    )
                except ValidationError as error:
                    raise UploadRefused(name, error) from None
                stored += [m.file.name for m in Material.objects.filter(case=case) if m.file]
            if stored:
                case.refresh_from_db()  # the registration's rows as written are not the case's now
    except BaseException:
        # Rolled back, whatever failed (a refused file, a conflict, the database): no file stays behind.
        storage = Material._meta.get_field("file").storage
        for name in set(stored):
            storage.delete(name)
        raise
    return outcome
