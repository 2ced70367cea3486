"""Forms of the account pages: applicant registration.

The identity rules are `cases.accounts`' (the same as the API's): the form only gathers what was
typed, hands it to `check_identity` / `create_applicant_account`, and puts each error they raise
beside the field it names. Full-width digits, spaces and a lower-case x are normalised there.
"""

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases import accounts
from cases.models import ApplicantProfile, IdType

PERSON = ApplicantProfile.Kind.PERSON
ORGANISATION = ApplicantProfile.Kind.ORGANISATION
PERSON_ID_TYPES = [(value, label) for value, label in IdType.choices if value != IdType.USCC]
ID_NUMBER_HELP = _(
    "18 characters, as on the document. Full-width digits, spaces and a lower-case x are fine."
)

# Where each profile field of `accounts.check_identity` is typed, for a person and an organisation.
PERSON_FIELDS = {"name": "name", "id_type": "id_type", "id_number": "id_number", "phone": "phone"}
ORGANISATION_FIELDS = {
    "name": "org_name",
    "id_type": "kind",
    "id_number": "credit_code",
    "phone": "phone",
    "contact_name": "contact_name",
    "contact_id_type": "contact_id_type",
    "contact_id_number": "contact_id_number",
}
ACCOUNT_FIELDS = {"username": "username", "password": "password1"}


def required_if_chosen(field: forms.Field) -> forms.Field:
    """Required for one kind of applicant only: marked as required, checked by `check_identity`."""
    field.marked_required = True  # read by templates/cases/parts/form.html
    return field


class RegistrationForm(forms.Form):
    """An applicant account: a login and a verified identity (a person, or an organisation)."""

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("You log in with it: letters, digits and @ . + - _ only."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_("At least 8 characters; not only digits, not a common password, not like your username."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    kind = forms.ChoiceField(
        label=_("You register as"),
        choices=[
            (PERSON, _("A person")),
            (ORGANISATION, _("An organisation (company, 个体工商户, co-operative)")),
        ],
        initial=PERSON,
        widget=forms.RadioSelect,
    )
    name = required_if_chosen(
        forms.CharField(
            label=_("Real name"),
            max_length=100,
            required=False,
            help_text=_("As on your identity document."),
            widget=forms.TextInput(attrs={"autocomplete": "name"}),
        )
    )
    id_type = required_if_chosen(
        forms.ChoiceField(
            label=_("Identity document"), choices=PERSON_ID_TYPES, initial=IdType.RESIDENT_ID, required=False
        )
    )
    id_number = required_if_chosen(
        forms.CharField(
            label=_("ID number"),
            max_length=40,
            required=False,
            help_text=ID_NUMBER_HELP,
            widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        )
    )
    org_name = required_if_chosen(
        forms.CharField(
            label=_("Organisation name"),
            max_length=100,
            required=False,
            help_text=_("As on the business licence."),
            widget=forms.TextInput(attrs={"autocomplete": "organization"}),
        )
    )
    credit_code = required_if_chosen(
        forms.CharField(
            label=_("Unified social credit code (统一社会信用代码)"),
            max_length=40,
            required=False,
            help_text=_("18 characters, on the business licence."),
            widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        )
    )
    contact_name = required_if_chosen(
        forms.CharField(
            label=_("Name of the person acting for it (经办人)"),
            max_length=100,
            required=False,
            widget=forms.TextInput(attrs={"autocomplete": "name"}),
        )
    )
    contact_id_type = required_if_chosen(
        forms.ChoiceField(
            label=_("Their identity document"),
            choices=PERSON_ID_TYPES,
            initial=IdType.RESIDENT_ID,
            required=False,
        )
    )
    contact_id_number = required_if_chosen(
        forms.CharField(
            label=_("Their ID number"),
            max_length=40,
            required=False,
            help_text=ID_NUMBER_HELP,
            widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        )
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=40,
        help_text=_("For messages about your cases, e.g. 138 1234 5678."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_username(self):
        username = self.cleaned_data["username"]
        try:  # the user model's own uniqueness rule, so a taken name is told with the other errors
            get_user_model()(username=username).validate_unique()
        except ValidationError as error:
            raise ValidationError(error.message_dict["username"]) from None
        return username

    @property
    def fieldsets(self) -> list[dict]:
        """Groups for templates/cases/parts/form.html; the CSS shows the group of the chosen kind."""
        groups = [
            (_("Your account"), ["username", "password1", "password2"], "account-fields"),
            ("", ["kind"], "kind"),
            (_("If you register as a person"), ["name", "id_type", "id_number"], "person-fields"),
            (
                _("If you register as an organisation"),
                ["org_name", "credit_code", "contact_name", "contact_id_type", "contact_id_number"],
                "organisation-fields",
            ),
            (_("Contact"), ["phone"], "contact"),
        ]
        return [
            {"legend": legend, "fields": [self[n] for n in names], "class": css}
            for legend, names, css in groups
        ]

    def profile(self) -> dict:
        """What was typed, as the profile `accounts.check_identity` takes."""
        data = self.cleaned_data
        if data.get("kind") == ORGANISATION:
            return {
                "kind": ORGANISATION,
                "name": data.get("org_name", ""),
                "id_type": IdType.USCC,
                "id_number": data.get("credit_code", ""),
                "phone": data.get("phone", ""),
                "contact_name": data.get("contact_name", ""),
                "contact_id_type": data.get("contact_id_type", ""),
                "contact_id_number": data.get("contact_id_number", ""),
            }
        return {
            "kind": PERSON,
            "name": data.get("name", ""),
            "id_type": data.get("id_type", ""),
            "id_number": data.get("id_number", ""),
            "phone": data.get("phone", ""),
        }

    def clean(self):
        data = super().clean()
        password = data.get("password1")
        if password and data.get("password2") and password != data["password2"]:
            self.add_error("password2", _("The two passwords differ: type the same password twice."))
        if password:
            # Django's own password validators, as UserCreationForm runs them, so every error shows
            # at once; create_applicant_account runs them again when it creates the account.
            try:
                password_validation.validate_password(
                    password, get_user_model()(username=data.get("username", ""))
                )
            except ValidationError as error:
                self.add_error("password1", error)
        if data.get("kind") == PERSON and not data.get("id_type"):
            self.add_error("id_type", self.fields["id_type"].error_messages["required"])
        if "kind" in data:
            try:
                accounts.check_identity(self.profile())
            except ValidationError as error:
                self.add_service_errors(error)
        return data

    def save(self):
        """Create the account through `accounts.create_applicant_account`; None if it refused."""
        try:
            return accounts.create_applicant_account(
                username=self.cleaned_data["username"],
                password=self.cleaned_data["password1"],
                profile=self.profile(),
            )
        except ValidationError as error:
            self.add_service_errors(error)
            return None

    def add_service_errors(self, error: ValidationError) -> None:
        """Each error beside the field where its value was typed; the rest at the top."""
        typed_in = {
            **ACCOUNT_FIELDS,
            **(ORGANISATION_FIELDS if self.cleaned_data.get("kind") == ORGANISATION else PERSON_FIELDS),
        }
        found = error.message_dict.items() if hasattr(error, "error_dict") else [(None, error.messages)]
        for key, messages in found:
            field = typed_in.get(key)
            for message in messages:
                if field and field in self.fields and message not in self.errors.get(field, []):
                    self.add_error(field, message)
                elif not field:
                    self.add_error(None, message)
