"""ID numbers and unified social credit codes: valid forms accepted, every invalid one explained."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from cases.identity import mask_id, mask_name, mask_phone, validate_id


@pytest.mark.parametrize(
    ("number", "id_type"),
    [
        ("11010519491231002X", "resident_id"),
        ("11010519491231002x", "resident_id"),  # lower-case x is normalised
        ("110105 19491231 002X", "resident_id"),  # spaces as people type them
        ("810000199001010019", "residence_permit"),  # 港澳居民居住证
        ("830000199001010020", "residence_permit"),  # 台湾居民居住证
        ("931156199001010014", "permanent_residence"),  # 2023 外国人永久居留身份证
        ("429004190001010019", "resident_id"),  # born before 仙桃's county code existed: still valid
        ("91110000600037341L", "uscc"),
        ("N1110000MA00000017", "uscc"),  # registered by an authority stdnum rejects
        ("Y1110000MA0000001Y", "uscc"),
        ("A1110000MA0000001K", "uscc"),
    ],
)
def test_valid_numbers_are_accepted(number, id_type):
    assert validate_id(number, id_type) == number.replace(" ", "").upper()


@pytest.mark.parametrize(
    ("number", "id_type", "message"),
    [
        ("110105194912310021", "resident_id", "last character"),
        ("11010519491231002", "resident_id", "18 characters"),
        ("1101051949123100XX", "resident_id", "18 characters"),
        ("990105194912310024", "resident_id", "province code"),
        ("110105194913310027", "resident_id", "date of birth"),
        ("110105299901010012", "resident_id", "not plausible"),
        ("11010519491231002X", "residence_permit", "810000"),
        ("11010519491231002X", "permanent_residence", "starts with 9"),
        ("91110000600037341M", "uscc", "last character"),
        ("B1110000600037341L", "uscc", "registering authority"),
        ("9111000060003734IL", "uscc", "except I"),
        ("91110000600037341", "uscc", "18 characters"),
        ("91XX0000600037341L", "uscc", "region code"),
    ],
)
def test_invalid_numbers_say_what_is_wrong(number, id_type, message):
    with translation.override("en"), pytest.raises(ValidationError) as error:
        validate_id(number, id_type)
    assert message in " ".join(error.value.messages)


def test_masks_hide_the_birth_date_and_most_of_the_name_and_phone():
    assert mask_id("11010519491231002X") == "110105********002X"
    assert mask_name("张三丰") == "张**" and mask_name("李") == "*"
    assert mask_phone("13812345678") == "138****5678"
