"""Forms of the case page: one action's input, and a material upload.

The rules are the API's: each form checks what was typed with the serializer the API uses
(ActionInputSerializer, MaterialUploadSerializer), so a page and the API reject the same input
with the same message. Which fields an action needs comes from its workflow step (Step.needs).
"""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from catalogue.models import MaterialRequirement

from ..models import Material
from ..serializers import ActionInputSerializer, MaterialUploadSerializer

LABELS = {
    "reason": _("Reason"),
    "missing": _("Missing materials, one per line (all at once)"),
    "opinion": _("Opinion"),
    "carrier": _("Carrier"),
    "tracking_number": _("Tracking number"),
    "ship_to": _("Send the result to"),
    "note": _("Note (optional)"),
}
HELP = {
    "missing": _("The applicant is told every missing material at once (一次性告知); the clock stops."),
    "tracking_number": _("6 to 40 letters, digits or dashes, e.g. EMS1000000001CN."),
}
SHIP_TO = [("applicant", _("the applicant (postal address)")), ("window", _("the receiving window"))]
LONG_TEXT = ("reason", "missing", "opinion")


def _max_length(name: str) -> int | None:
    return getattr(ActionInputSerializer().fields[name], "max_length", None)


def _serializer_errors(form: forms.Form, errors: dict) -> None:
    """Put a serializer's messages beside the form's fields (the others at the top)."""
    for field, messages in errors.items():
        form.add_error(field if field in form.fields else None, [str(m) for m in messages])


class KeyedForm(forms.Form):
    """A form rendered with a fresh idempotency key: a double-click submits one key twice."""

    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4())
        super().__init__(*args, **kwargs)

    @property
    def key(self) -> str:
        return str(self.cleaned_data["idempotency_key"])


class ActionForm(KeyedForm):
    """The input of one action on a case: the fields its step needs, an optional note, the version shown."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(
        self, *args, action: str, needs, leg: int | None = None, version: int | None = None, **kwargs
    ):
        self.action, self.needs, self.leg = action, tuple(needs), leg
        kwargs.setdefault("auto_id", f"id_{action}_{leg or 'case'}_%s")
        kwargs.setdefault("initial", {})["version"] = version
        super().__init__(*args, **kwargs)
        if leg is not None:
            self.fields["leg"] = forms.IntegerField(widget=forms.HiddenInput, initial=leg)
        for name in (*self.needs, "note"):
            self.fields[name] = self._field(name, required=name in self.needs)

    @staticmethod
    def _field(name: str, *, required: bool) -> forms.Field:
        if name == "ship_to":
            return forms.ChoiceField(label=LABELS[name], choices=SHIP_TO, widget=forms.RadioSelect)
        attrs = {"maxlength": _max_length(name)} if _max_length(name) else {}
        if name in LONG_TEXT:
            widget = forms.Textarea(attrs={**attrs, "rows": 4 if name == "missing" else 2})
        else:
            widget = forms.TextInput(attrs=attrs)
        # Lengths and patterns are checked by the serializer in clean(), with the API's messages.
        return forms.CharField(
            label=LABELS[name], required=required, strip=True, widget=widget, help_text=HELP.get(name, "")
        )

    @property
    def needed_fields(self) -> list:
        return [self[name] for name in self.needs]

    @property
    def note_fields(self) -> list:
        return [self["note"]]

    def clean(self):
        cleaned = super().clean()
        given = {
            name: value
            for name, value in cleaned.items()
            if name in ActionInputSerializer().fields and value not in ("", None)
        }
        rules = ActionInputSerializer(data=given)
        if rules.is_valid():
            self.validated = dict(rules.validated_data)
        else:
            _serializer_errors(self, rules.errors)
        return cleaned


class UploadForm(KeyedForm):
    """A material for the case (PDF, JPEG, PNG or OFD), as the API's upload takes it."""

    file = forms.FileField(
        label=_("File"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.ofd"}),
        help_text=_("PDF, JPEG, PNG or OFD, up to 20 MB."),
    )
    name = forms.CharField(label=_("Name (default: the file's)"), required=False, max_length=200)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(kind.value, kind.label) for kind in (Material.Kind.MATERIAL, Material.Kind.MANDATE)],
    )
    requirement = forms.ModelChoiceField(
        label=_("For the required material"),
        queryset=MaterialRequirement.objects.none(),
        required=False,
        empty_label=_("— none of the list —"),
    )

    def __init__(self, *args, item, result=False, **kwargs):
        kwargs.setdefault("auto_id", "id_result_%s" if result else "id_upload_%s")
        super().__init__(*args, **kwargs)
        self.result = result
        if result:
            # The deciding office's electronic result: a file, its name; nothing else applies.
            del self.fields["kind"], self.fields["requirement"]
            self.fields["file"].required = True
            self.fields["file"].label = _("Result document (证照、决定书等)")
            return
        self.fields["requirement"].queryset = MaterialRequirement.objects.filter(item=item)

    def clean(self):
        cleaned = super().clean()
        given = {name: cleaned.get(name) for name in ("file", "name", "kind") if cleaned.get(name)}
        if self.result:
            given["kind"] = Material.Kind.RESULT
        if cleaned.get("requirement"):
            given["requirement"] = cleaned["requirement"].pk
        rules = MaterialUploadSerializer(data=given)
        if rules.is_valid():
            self.validated = dict(rules.validated_data)
        else:
            _serializer_errors(self, rules.errors)
        return cleaned
