"""Identity numbers: 居民身份证 and 居住证/永居证 (GB 11643 form), 统一社会信用代码 (GB 32100).

Checksums come from python-stdnum (ISO 7064 MOD 11-2, and GB 32100's mod 31), where it is
right; the structure is checked here, because stdnum's `cn.ric` rejects valid 居住证 and
永居证 numbers and people born before their county code existed, and its `cn.uscc` rejects
codes registered by authorities A, N and Y. County codes are not checked against today's
list: a number stays valid after its county is abolished.
"""

import re
import unicodedata
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import uscc
from stdnum.iso7064 import mod_11_2

# Two-digit province codes of GB/T 2260, plus 83 (台湾居民居住证).
PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 "
    "71 81 82 83".split()
)
RESIDENCE_PERMIT_PREFIXES = ("810000", "820000", "830000")
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_AUTHORITIES = "123456789ANY"


def normalise(number: str) -> str:
    """As people type it: full-width digits and letters (１１０１…, ｘ) folded by NFKC, spaces and
    dashes dropped, letters upper-cased. Every identity number, credit code and phone goes through it.
    """
    return re.sub(r"[\s\-]+", "", unicodedata.normalize("NFKC", number or "")).upper()


def normalise_case_number(number: str) -> str:
    """A case number as people type it: full-width folded, spaces dropped, upper case (dashes kept)."""
    return unicodedata.normalize("NFKC", number or "").replace(" ", "").upper()


def validate_phone(phone: str) -> str:
    """A phone as typed (全角 digits, spaces, dashes) to its digits, with a leading + for a country code."""
    phone = normalise(phone)
    if phone and not re.fullmatch(r"\+?[0-9]{7,15}", phone):
        raise ValidationError(_("A phone number has 7 to 15 digits, e.g. 13812345678 or 02887654321."))
    return phone


def validate_person_id(number: str, id_type: str) -> str:
    """Return the normalised number, or raise ValidationError saying what is wrong."""
    number = normalise(number)
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise ValidationError(_("An ID number has 18 characters: 17 digits and a final digit or X."))
    if id_type == "permanent_residence":
        if number[0] != "9":
            raise ValidationError(_("A permanent residence ID number (2023 form) starts with 9."))
    elif number[:2] not in PROVINCES:
        raise ValidationError(
            _("The first two digits (%(code)s) are not a province code.") % {"code": number[:2]}
        )
    if id_type == "residence_permit" and not number.startswith(RESIDENCE_PERMIT_PREFIXES):
        raise ValidationError(_("A residence permit number starts with 810000, 820000 or 830000."))
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("Characters 7–14 are not a valid date of birth.")) from None
    if born.year < 1880 or born > date.today():
        raise ValidationError(_("The date of birth %(date)s is not plausible.") % {"date": born.isoformat()})
    if mod_11_2.calc_check_digit(number[:17]) != number[17]:
        raise ValidationError(_("The last character does not match: check the number for a typing error."))
    return number


def validate_uscc(code: str) -> str:
    code = normalise(code)
    if len(code) != 18:
        raise ValidationError(_("A unified social credit code has 18 characters."))
    if any(char not in USCC_ALPHABET for char in code):
        raise ValidationError(
            _("A unified social credit code uses digits and capital letters except I, O, S, V, Z.")
        )
    if code[0] not in USCC_AUTHORITIES:
        raise ValidationError(_("The first character must be a registering authority code (1–9, A, N or Y)."))
    if not code[2:8].isdigit() or code[2:4] not in PROVINCES:
        raise ValidationError(_("Characters 3–8 must be a region code."))
    if uscc.calc_check_digit(code[:17]) != code[17]:
        raise ValidationError(_("The last character does not match: check the code for a typing error."))
    return code


def validate_id(number: str, id_type: str) -> str:
    if id_type == "uscc":
        return validate_uscc(number)
    return validate_person_id(number, id_type)


def present_person(person, *, reveal: bool) -> dict:
    """The one masking rule: how a person (an Applicant, or anything with the same fields) is shown.

    Full only when `reveal` (the applicant themselves, or staff who revealed it through the audited
    查看完整信息 action); otherwise the name, ID number, phone, address and the agent are masked.
    An organisation's name is public (it is on its business licence); its credit code is masked too.
    """
    fields = ("name", "id_number", "phone", "address", "agent_name", "agent_id_number")
    data = {field: getattr(person, field, "") or "" for field in fields}
    if reveal:
        return data
    is_person = getattr(person, "kind", "person") == "person"
    return {
        "name": mask_name(data["name"]) if is_person else data["name"],
        "id_number": mask_id(data["id_number"]) if data["id_number"] else "",
        "phone": mask_phone(data["phone"]),
        "address": mask_address(data["address"]),
        "agent_name": mask_name(data["agent_name"]),
        "agent_id_number": mask_id(data["agent_id_number"]) if data["agent_id_number"] else "",
    }


def present_address(address: str, *, reveal: bool) -> str:
    """A postal address of the case (where the result goes) by the same rule as the applicant's."""
    return address if reveal else mask_address(address)


def present_name(name: str, *, reveal: bool, kind: str = "person") -> str:
    """A person's name alone (a list row, a timeline line), by the same rule as `present_person`."""
    return present_person(_Named(name, kind), reveal=reveal)["name"]


def present_actor(name: str, role: str, *, reveal: bool, staff_view: bool) -> str:
    """Who acted, in a timeline line: the applicant (or their agent) by the rule of `present_person`;
    staff by name to staff, masked to applicants."""
    if role == "applicant":
        return present_name(name, reveal=reveal)
    return name if staff_view else mask_name(name)


class _Named:
    def __init__(self, name: str, kind: str):
        self.name, self.kind = name, kind


def mask_id(number: str) -> str:
    """110105********002X: the birth date (and the rest but the region and the tail) hidden."""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_name(name: str) -> str:
    if not name:
        return ""
    return name[0] + "*" * min(len(name) - 1, 3) if len(name) > 1 else "*"


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 11 else "*" * len(phone)


def mask_address(address: str) -> str:
    return address[:6] + "****" if address else ""
