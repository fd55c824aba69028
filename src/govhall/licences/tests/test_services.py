import datetime

import pytest
from django.utils import timezone

from govhall.core.errors import DomainError
from govhall.licences import identifiers, selectors
from govhall.licences.models import Licence
from govhall.licences.services import licence_number_new, licence_revoke
from govhall.licences.tests import factories as f

pytestmark = pytest.mark.django_db


def test_issue_stores_a_pdf_with_number_holder_and_hash(demo):
    licence = f.issue()
    assert licence.status == Licence.Status.VALID
    # a GB/T 36904 identifier: the item's licence type code, the issuing agency's credit code
    # (from the item's national implementation code), the year and 10 random digits, version 001
    parts = identifiers.identifier_parse(licence.number)
    assert parts is not None, licence.number
    assert parts.type_code == licence.item.licence_type_code
    assert parts.issuer_code == licence.item.code_parts.agency_code
    assert parts.serial.startswith(str(timezone.localdate().year)) and len(parts.serial) == 4 + 10
    assert parts.version == "001"
    assert licence.holder_code == f.company().uscc  # a company's USCC is printed in full
    assert licence.content_hash == licence.compute_hash()
    assert licence.issued_by == f.user("approver")
    with licence.file.open("rb") as fh:
        text = f.compact(f.pdf_text(fh.read()))
    for expected in [
        licence.number,
        "食品经营许可证",
        "西安莲湖云帆科技有限公司",
        f.company().uscc,
        "西安市莲湖区北院门100号",
        "西安市莲湖区市场监督管理局",
        licence.content_hash[:32],
        "电子证照专用章",
    ]:
        assert expected in text, expected


def test_a_natural_persons_id_is_masked_on_the_licence(demo):
    holder = f.citizen()
    licence = f.issue(holder, data={"经营者": "张明", "身份证": holder.id_number, "电话": "13800138000"})
    assert licence.holder_code == holder.masked_code and "*" in licence.holder_code
    assert holder.id_number not in str(licence.data) and "13800138000" not in str(licence.data)
    with licence.file.open("rb") as fh:
        text = f.compact(f.pdf_text(fh.read()))
    assert holder.id_number not in text
    assert holder.masked_code in text


def test_the_hash_covers_the_printed_content(demo):
    licence = f.issue()
    original = licence.content_hash
    licence.data = {**licence.data, "经营场所": "别处"}
    assert licence.compute_hash() != original
    licence.refresh_from_db()
    licence.valid_until = datetime.date(2099, 1, 1)
    assert licence.compute_hash() != original


def test_numbers_are_unique_and_not_sequential(demo):
    from govhall.catalog.models import Department

    department = Department.objects.get(code="lh-scjg")
    numbers = {licence_number_new(department=department, year=2026) for _ in range(50)}
    assert len(numbers) > 45
    item = f.issue().item
    numbers = {licence_number_new(department=department, item=item, year=2026) for _ in range(50)}
    assert len(numbers) == 50
    assert len({f.issue().number for _ in range(3)}) == 3


def test_number_collision_is_retried(demo, monkeypatch):
    from govhall.licences import services

    first = f.issue()
    numbers = iter([first.number, first.number, "610104SCJG202600000001"])
    monkeypatch.setattr(services, "licence_number_new", lambda **kw: next(numbers))
    second = f.issue()
    assert second.number == "610104SCJG202600000001"


def test_revoke_needs_a_reason_and_is_idempotent(demo):
    licence = f.issue()
    with pytest.raises(DomainError) as err:
        licence_revoke(licence=licence, actor=f.user("approver"), reason="  ")
    assert err.value.code == "missing_field"
    licence_revoke(licence=licence, actor=f.user("approver"), reason="告知承诺核查不实")
    assert licence.status == Licence.Status.REVOKED and licence.revoked_at
    first_time = licence.revoked_at
    again = licence_revoke(licence=licence, actor=f.user("reviewer"), reason="另一个理由")
    assert again.revoked_at == first_time and again.revoke_reason == "告知承诺核查不实"
    assert again.revoked_by == f.user("approver")


def test_licences_of_lists_valid_ones_newest_first(demo):
    holder = f.company()
    old = f.issue(holder)
    new = f.issue(holder)
    other_type = f.issue(holder, licence_type="营业执照")
    revoked = f.issue(holder)
    licence_revoke(licence=revoked, actor=None, reason="注销")
    expired = f.issue(holder)
    Licence.objects.filter(pk=expired.pk).update(valid_until=timezone.localdate() - datetime.timedelta(days=1))
    assert list(selectors.licences_of(holder, "食品经营许可证")) == [new, old]
    assert other_type in selectors.licences_of(holder)
    assert not selectors.licences_of(f.citizen()).exists()
    # the plain-SQL form 免证办 uses picks the same one, with the same fields
    kinds = ("食品经营许可证", "营业执照", "无此证照")
    usable = selectors.usable_licences(holder, kinds)  # one statement for all the types
    for kind in kinds:
        expected = selectors.licences_of(holder, kind).first()
        found = usable.get(kind)
        fields = [field.attname for field in Licence._meta.concrete_fields]
        assert (found and [getattr(found, n) for n in fields]) == (expected and [getattr(expected, n) for n in fields])
    assert selectors.usable_licences(f.citizen(), ["食品经营许可证"]) == {}
    assert selectors.usable_licences(holder, []) == {}


def test_licence_get(demo):
    licence = f.issue()
    assert selectors.licence_get(licence.number) == licence
    with pytest.raises(DomainError) as err:
        selectors.licence_get("NO-SUCH")
    assert err.value.code == "licence_not_found" and err.value.status == 404


def test_verify_statuses(demo):
    licence = f.issue()
    assert selectors.licence_verify(licence.number).status == "valid"
    assert selectors.licence_verify(licence.number, licence.content_hash).status == "valid"
    assert selectors.licence_verify(licence.number, licence.content_hash.upper()).status == "valid"
    altered = ("0" if licence.content_hash[0] != "0" else "1") + licence.content_hash[1:]
    assert selectors.licence_verify(licence.number, altered).status == "mismatch"
    assert selectors.licence_verify(licence.number, "not-a-hash").status == "mismatch"
    assert selectors.licence_verify("610104SCJG202699999999").status == "unknown"
    assert selectors.licence_verify("").status == "unknown"
    Licence.objects.filter(pk=licence.pk).update(valid_until=timezone.localdate() - datetime.timedelta(days=1))
    assert selectors.licence_verify(licence.number).status == "expired"
    licence_revoke(licence=licence, actor=None, reason="撤销")
    answer = selectors.licence_verify(licence.number, licence.content_hash)
    assert answer.status == "revoked" and answer.revoked_on == timezone.localdate()


def test_verification_masks_the_holder(demo):
    person = selectors.licence_verify(f.issue(f.citizen()).number)
    assert person.holder_name == "张*"
    company = selectors.licence_verify(f.issue().number)
    assert company.holder_name == "西安莲湖云帆…公司"
    assert company.department == "西安市莲湖区市场监督管理局"
    assert company.licence_type == "食品经营许可证"


def test_valid_until_before_issue_is_refused(demo):
    with pytest.raises(DomainError):
        f.issue(valid_until=timezone.localdate() - datetime.timedelta(days=1))
