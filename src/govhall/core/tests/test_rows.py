"""``core.rows`` must read and write exactly what the ORM does (run on SQLite and PostgreSQL)."""

import datetime as dt

import pytest
from django.db.models import signals
from django.utils import timezone

from govhall.accounts.models import User
from govhall.cases.models import Case, SubmittedMaterial, TimelineEvent
from govhall.cases.tests import factories as f
from govhall.core import rows

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def values(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


def test_shape_loads_what_the_orm_loads(demo):
    case = f.accepted_with_deferral()  # dates, datetimes, JSON, booleans and nulls
    shape = rows.Shape(Case, User, extra=[("created", Case._meta.get_field("created_at")), ("raw", None)])
    sql = (
        f"SELECT {shape.columns('c', 'u')}, c.created_at, 7 FROM {rows.quote('cases_case')} c"  # noqa: S608
        f" LEFT JOIN {rows.quote('accounts_user')} u ON u.id = -c.id WHERE c.id = %s"
    )
    ((loaded, nobody, extra),) = shape.fetch(sql, [case.pk])
    expected = Case.objects.get(pk=case.pk)
    assert values(loaded) == values(expected)
    assert isinstance(loaded.form, dict) and timezone.is_aware(loaded.accepted_at)
    assert nobody is None  # an outer join's miss
    assert extra == {"created": expected.created_at, "raw": 7}
    assert not loaded._state.adding and loaded._state.db == "default"


def test_insert_writes_what_save_writes(demo):
    case = f.draft()
    now = timezone.now()

    def event(seq: int) -> TimelineEvent:
        return TimelineEvent(
            case=case,
            seq=seq,
            action="material_uploaded",
            actor=f.user("citizen"),
            actor_name="张明",
            actor_role="applicant",
            comment="营业执照",
            data={"requirement_id": 3, "nested": {"中文": [1, 2]}},
            created_at=now,
            prev_hash="a" * 64,
            hash="b" * 64,
        )

    by_orm, by_rows = event(100), event(101)
    by_orm.save()
    rows.insert(by_rows)
    assert by_rows.pk and not by_rows._state.adding
    stored = {e.seq: values(e) for e in TimelineEvent.objects.filter(seq__in=[100, 101])}
    assert {k: v for k, v in stored[101].items() if k not in ("id", "seq")} == {
        k: v for k, v in stored[100].items() if k not in ("id", "seq")
    }
    material = SubmittedMaterial(case=case, requirement=case.item.materials.first(), uploaded_by=f.user("citizen"))
    rows.insert(material)  # auto_now_add filled in, as save() does
    assert SubmittedMaterial.objects.get(pk=material.pk).uploaded_at == material.uploaded_at
    assert material.uploaded_at is not None


@pytest.mark.parametrize("multi_row", [True, False], ids=["one statement", "one by one"])
def test_insert_many_writes_what_bulk_create_writes(demo, monkeypatch, django_assert_num_queries, multi_row):
    from django.db import connection

    # One by one: SQLite before 3.35 cannot return the ids of a multi-row insert.
    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", multi_row)
    case, now = f.draft(), timezone.now()

    def events(first: int) -> list[TimelineEvent]:
        return [
            TimelineEvent(case=case, seq=seq, action="note", actor_name="张明", data={"n": seq}, created_at=now)
            for seq in range(first, first + 3)
        ]

    by_orm = TimelineEvent.objects.bulk_create(events(200))
    with django_assert_num_queries(1 if multi_row else 3):
        by_rows = rows.insert_many(events(300))
    # Each instance has the id of its own row, in order.
    assert [TimelineEvent.objects.get(pk=e.pk).seq for e in by_rows] == [300, 301, 302]
    assert all(not e._state.adding for e in by_rows)
    stored = {e.seq: values(e) for e in TimelineEvent.objects.filter(case=case, seq__gte=200)}
    for a, b in zip(by_orm, by_rows, strict=True):
        assert {k: v for k, v in stored[b.seq].items() if k not in ("id", "seq", "data")} == {
            k: v for k, v in stored[a.seq].items() if k not in ("id", "seq", "data")
        }
        assert stored[b.seq]["data"] == {"n": b.seq}
    with pytest.raises(TypeError):
        rows.insert_many([*events(400)[:1], SubmittedMaterial(case=case)])


def test_update_writes_only_the_named_fields(demo):
    case = f.draft()
    before = Case.objects.get(pk=case.pk)
    case.event_count, case.tracking_number = 99, "not written"
    rows.update(case, ["event_count", "updated_at"])
    after = Case.objects.get(pk=case.pk)
    assert after.event_count == 99 and after.tracking_number == before.tracking_number
    assert after.updated_at > before.updated_at  # auto_now, as save(update_fields=...) does
    case.accepted_on, case.hall = dt.date(2026, 12, 31), None
    rows.update(case, ["accepted_on", "hall"])
    after = Case.objects.get(pk=case.pk)
    assert after.accepted_on == dt.date(2026, 12, 31) and after.hall_id is None


def test_models_with_save_receivers_are_refused(demo):
    def receiver(**kwargs):
        pass

    signals.post_save.connect(receiver, sender=TimelineEvent)
    try:
        with pytest.raises(RuntimeError, match="receivers"):
            rows.insert(TimelineEvent(case=f.draft(), seq=1, created_at=timezone.now()))
    finally:
        signals.post_save.disconnect(receiver, sender=TimelineEvent)
