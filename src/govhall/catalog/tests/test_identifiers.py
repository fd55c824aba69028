"""National codes: the parts of an implementation code and what is checked (no database)."""

import pytest
from django.core.exceptions import ValidationError

from govhall.catalog import checkdigits, identifiers
from govhall.catalog.identifiers import ItemCodeParts

# As the provincial platforms publish them: an administrative item and a public service.
LICENSING = "511A0138000000-511602000000-000-115113010833722043-1-00"
PUBLIC_SERVICE = "G-000007-001-511602000000-000-115113010833722043-1-00"


def test_a_published_implementation_code_has_its_parts():
    assert len(LICENSING) == 55
    assert identifiers.item_code_errors(LICENSING) == []
    assert identifiers.item_code_parts(LICENSING) == ItemCodeParts(
        basic_code="511A0138000000",
        region_code="511602000000",
        agency_code="115113010833722043",
        handling_item="1",
        version="00",
    )


def test_a_public_service_code_keeps_the_hyphens_of_its_basic_code():
    parts = identifiers.item_code_parts(PUBLIC_SERVICE)
    assert parts is not None and parts.basic_code == "G-000007-001"
    assert parts.region_code == "511602000000" and parts.agency_code == "115113010833722043"


def test_local_codes_stay_accepted_and_have_no_parts():
    for code in ("TEST-XK-001", "S-A", "LH.ZJ_01", "610104-SCJG-XK-005"):
        assert identifiers.item_code_errors(code) == [], code
        assert identifiers.item_code_parts(code) is None
    assert identifiers.item_code_errors("事项一") and identifiers.item_code_errors("A/B")
    assert identifiers.item_code_errors("-A")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # a region code of 9 digits
        ("511A0138000000-511602000-000-115113010833722043-1-00", "行政区划代码“511602000”应为12位数字"),
        # the agency's credit code with a wrong check character (3)
        ("511A0138000000-511602000000-000-115113010833722044-1-00", "校验位不正确（GB 32100：末位应为“3”）"),
        # a credit code of 17 characters
        ("511A0138000000-511602000000-000-11511301083372204-1-00", "应为18位统一社会信用代码"),
        ("511A0138000000-511602000000-00-115113010833722043-1-00", "应为3位数字（如000）"),
        ("511a0138000000-511602000000-000-115113010833722043-1-00", "基本编码“511a0138000000”应由大写字母和数字组成"),
        ("511A0138000000-511602000000-000-115113010833722043-1-X", "版本“X”应为1至3位数字"),
        # a hyphen lost: too long for a local code, too few parts for a national one
        ("511A0138000000-511602000000-000-115113010833722043-100", "现有5段"),
        ("511A0138000000-511602000000-000-115113010833722043-1-00" + "-0" * 5, "不能超过64个字符"),
    ],
)
def test_malformed_national_codes_are_explained(code, expected):
    errors = identifiers.item_code_errors(code)
    assert any(expected in e for e in errors), errors
    assert identifiers.item_code_parts(code) is None
    with pytest.raises(ValidationError):
        identifiers.validate_item_code(code)


def test_six_parts_make_a_national_code_even_when_short():
    assert identifiers.looks_national("A-B-C-D-E-F") and identifiers.item_code_errors("A-B-C-D-E-F")
    assert not identifiers.looks_national("610104-SCJG-XK-005")
    assert identifiers.looks_national("X" * 41)


def test_region_codes_have_twelve_digits():
    assert identifiers.region_code_errors("610104000000") == []
    for bad in ("610104", "610104001", "61010400000A", "6101040000000"):
        assert identifiers.region_code_errors(bad), bad


def test_licence_type_codes():
    assert identifiers.licence_type_code_errors("11100000000013338W011") == []
    assert identifiers.licence_type_code_errors("") == []
    assert "应为21位" in identifiers.licence_type_code_errors("11100000000013338W01")[0]
    assert "校验位" in identifiers.licence_type_code_errors("11100000000013338X011")[0]


def test_lookup_keys_of_a_national_code():
    assert identifiers.lookup_keys(LICENSING, "511A0138000000") == {
        LICENSING,
        "511A0138000000",
        "511602000000",
        "115113010833722043",
    }
    assert identifiers.lookup_keys("test-xk-001", "000105001000") == {"TEST-XK-001", "000105001000"}


def test_the_gb32100_check_character():
    """One rule for every credit code (accounts takes it from here): the agency code of a
    published implementation code verifies, and any changed character is caught."""
    published = "115113010833722043"  # from 511A0138000000-511602000000-000-115113010833722043-1-00
    assert checkdigits.is_valid_uscc(published)
    for position in range(17):
        for char in checkdigits.USCC_ALPHABET:
            changed = published[:position] + char + published[position + 1 :]
            assert checkdigits.is_valid_uscc(changed) == (changed == published), changed
    assert not checkdigits.is_valid_uscc("115113010833722044")
    assert not checkdigits.is_valid_uscc("11511301083372204I")  # I is not in the alphabet
    assert not checkdigits.is_valid_uscc("11511301083372204")  # 17 characters


def test_iso7064_mod37_36():
    # samples from an independent implementation's tests (the cdigit package)
    for text, check in [("9", "J"), ("TBR", "1"), ("B3739U6CR", "K"), ("EFWW032G2TI", "U"), ("NAOAEL05T8BN3", "5")]:
        assert checkdigits.mod37_36(text) == check, text
    with pytest.raises(ValueError):
        checkdigits.mod37_36("a")
