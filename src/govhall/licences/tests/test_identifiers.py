"""E-licence numbers in the GB/T 36904 structure: published identifiers verify, ours are built
the same way, and a licence issued with one verifies publicly (page, API, selector)."""

import pytest

from govhall.licences import identifiers, selectors
from govhall.licences.identifiers import LicenceIdentifier
from govhall.licences.services import licence_number_new
from govhall.licences.tests import factories as f

# Identifiers published by provincial platforms (an interface document's format sample, and a
# file name on Zhejiang's investment project site): their check characters are what the rule
# in identifiers.py computes.
PUBLISHED = [
    "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
    "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0",
]


@pytest.mark.parametrize("number", PUBLISHED)
def test_published_identifiers_verify(number):
    assert identifiers.identifier_errors(number) == []
    parts = identifiers.identifier_parse(number)
    assert parts is not None and str(parts) == number
    assert parts.type_code.startswith("11100000000013338W") and len(parts.type_code) == 21


def test_the_parts_of_an_identifier():
    assert identifiers.identifier_parse(PUBLISHED[0]) == LicenceIdentifier(
        type_code="11100000000013338W011",
        issuer_code="11430000006122244L",
        serial="20230000403",
        version="001",
        check="U",
    )


@pytest.mark.parametrize(
    ("number", "message"),
    [
        (PUBLISHED[0][:-1] + "V", "校验位“V”不正确（ISO/IEC 7064 MOD 37,36，应为“U”）"),
        (PUBLISHED[0].replace("20230000403", "20230000404"), "校验位“U”不正确"),  # one digit of the serial
        (PUBLISHED[0].replace("11430000006122244L", "11430000006122244K"), "颁发机构代码“11430000006122244K”的校验位"),
        (PUBLISHED[0].replace(".001.", ".1."), "版本号“1”应为3位数字"),
        (PUBLISHED[0].replace("W011", "W01"), "证照类型代码“11100000000013338W01”应为21位"),
        ("2.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U", "根代码"),
        ("1.2.156.3005.2.11100000000013338W011.11430000006122244L.001.U", "以“.”分隔"),
        ("610104SCJG202604719382", "根代码"),  # a number in govhall's local form is no GB/T 36904 identifier
    ],
)
def test_malformed_identifiers_are_explained(number, message):
    errors = identifiers.identifier_errors(number)
    assert any(message in e for e in errors), errors
    assert identifiers.identifier_parse(number) is None


def test_identifier_new_computes_the_check_character():
    number = identifiers.identifier_new(
        type_code="11100000000013338W009", issuer_code="11330105002500287C", serial="2025052201", version="002"
    )
    assert number == PUBLISHED[1]
    with pytest.raises(ValueError):
        identifiers.identifier_new(type_code="11100000000013338W009", issuer_code="1133", serial="1")


@pytest.mark.django_db
def test_a_licence_issued_with_a_gb36904_number_verifies(client, demo):
    licence = f.issue()
    number = licence.number
    assert number.startswith("1.2.156.3005.2.") and identifiers.identifier_errors(number) == []
    assert len(number) == 76
    assert selectors.licence_verify(number, licence.content_hash).status == "valid"
    body = client.get(f"/api/v1/licences/{number}/verify", {"hash": licence.content_hash}).json()
    assert body["status"] == "valid" and body["number"] == number
    page = client.get(f"/licences/{number}/verify", {"h": licence.content_hash})
    assert page.status_code == 200 and 'class="verdict valid"' in page.content.decode()
    assert licence.file.name.endswith(f"{number}.pdf")


@pytest.mark.django_db
def test_items_without_the_codes_keep_the_local_form(demo):
    item = f.issue().item
    department = item.department
    item.licence_type_code = ""  # an in-memory copy: no licence type code, no GB/T 36904 number
    local = licence_number_new(department=department, item=item, year=2026)
    assert local.startswith(f"{department.region.code}SCJG2026") and len(local) == 12 + 4 + 4 + 8
    assert identifiers.identifier_parse(local) is None
