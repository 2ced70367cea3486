"""Applicant accounts: a login with a verified identity (real name and ID number, or a credit code).

Used by the registration page, the demo and tests alike, so every account's identity goes through
the same checks as a case's applicant (`identity.validate_id`, `identity.validate_phone`).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import identity, roles
from .models import ApplicantProfile, IdType


def check_identity(data: dict) -> dict:
    """The profile fields, normalised; raises ValidationError naming each field at fault."""
    errors, clean = {}, dict(data)
    organisation = data.get("kind") == ApplicantProfile.Kind.ORGANISATION
    if organisation != (data.get("id_type") == IdType.USCC):
        errors["id_type"] = _(
            "Organisations use the unified social credit code; persons an identity document."
        )
    else:
        try:
            clean["id_number"] = identity.validate_id(data.get("id_number", ""), data["id_type"])
        except ValidationError as error:
            errors["id_number"] = error.messages
    if not (data.get("name") or "").strip():
        errors["name"] = _("Enter the real name as on the identity document or business licence.")
    clean["name"] = (data.get("name") or "").strip()
    try:
        clean["phone"] = identity.validate_phone(data.get("phone", ""))
    except ValidationError as error:
        errors["phone"] = error.messages
    if organisation:
        if not (data.get("contact_name") or "").strip():
            errors["contact_name"] = _("Name the person acting for the organisation (经办人).")
        if data.get("contact_id_type") in ("", None, IdType.USCC):
            errors["contact_id_type"] = _(
                "The person acting for it is identified by their own identity document."
            )
        else:
            try:
                clean["contact_id_number"] = identity.validate_id(
                    data.get("contact_id_number", ""), data["contact_id_type"]
                )
            except ValidationError as error:
                errors["contact_id_number"] = error.messages
    else:
        clean.update(contact_name="", contact_id_type="", contact_id_number="")
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def create_applicant_account(*, username: str, password: str, profile: dict):
    """Create a login and its verified identity in one transaction; raises ValidationError on bad input."""
    user_model = get_user_model()
    fields = check_identity(profile)
    user = user_model(username=username)
    errors = {}
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        validate_password(password, user)
    except ValidationError as error:
        errors["password"] = error.messages
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.first_name = fields["name"][:150]
    user.save()
    user.groups.add(roles.ensure_role_groups()[roles.APPLICANT])
    ApplicantProfile.objects.create(user=user, verified_at=timezone.now(), **_profile_fields(fields))
    return user


def _profile_fields(fields: dict) -> dict:
    names = [f.name for f in ApplicantProfile._meta.concrete_fields]
    return {key: value for key, value in fields.items() if key in names and key not in ("id", "user")}
