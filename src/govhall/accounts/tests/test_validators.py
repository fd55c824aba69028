import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from govhall.accounts.validators import (
    USCC_ALPHABET,
    id_number_check_char,
    is_valid_id_number,
    is_valid_uscc,
    uscc_check_char,
    validate_id_number,
    validate_mobile,
    validate_uscc,
)

# Published examples: GB 11643 annex example and a real, public company code (Huawei).
KNOWN_ID = "11010519491231002X"
KNOWN_USCC = "914403001922038216"


def test_known_codes_are_valid():
    assert is_valid_id_number(KNOWN_ID)
    assert is_valid_id_number(KNOWN_ID.lower())
    assert is_valid_uscc(KNOWN_USCC)


@pytest.mark.parametrize(
    "value", ["110105194912310021", "11010519491231002", "1101051949123100XX", "110105194913310028", ""]
)
def test_bad_id_numbers(value):
    assert not is_valid_id_number(value)
    with pytest.raises(ValidationError, match="GB 11643"):
        validate_id_number(value)


@pytest.mark.parametrize("value", ["914403001922038217", "91440300192203821", "91440300I922038216", ""])
def test_bad_uscc(value):
    assert not is_valid_uscc(value)
    with pytest.raises(ValidationError, match="GB 32100"):
        validate_uscc(value)


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_any_single_digit_change_breaks_an_id_number(first17):
    first17 = "110105" + "19900101" + first17[14:]
    valid = first17 + id_number_check_char(first17)
    assert is_valid_id_number(valid)
    for i in range(17):
        changed = valid[:i] + str((int(valid[i]) + 1) % 10) + valid[i + 1 :]
        assert not is_valid_id_number(changed)


@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17), st.integers(0, 16), st.integers(1, 30))
def test_any_single_character_change_breaks_a_uscc(first17, position, shift):
    valid = first17 + uscc_check_char(first17)
    assert is_valid_uscc(valid)
    replaced = USCC_ALPHABET[(USCC_ALPHABET.index(valid[position]) + shift) % 31]
    assert not is_valid_uscc(valid[:position] + replaced + valid[position + 1 :])


def test_mobile():
    validate_mobile("13800138000")
    for bad in ["1380013800", "23800138000", "12800138000", "138001380001"]:
        with pytest.raises(ValidationError):
            validate_mobile(bad)
