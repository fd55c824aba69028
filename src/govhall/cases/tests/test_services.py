from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pypdf import PdfReader

from govhall.cases import actions, selectors, services
from govhall.cases.models import Commitment, Deferral, Document, State, TimelineEvent
from govhall.cases.tests import factories as f
from govhall.catalog import selectors as catalog_selectors
from govhall.core.errors import Conflict, DomainError, Forbidden, NotFound

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def pdf_text(document: Document) -> str:
    with document.file.open("rb") as fh:
        return "".join(page.extract_text() for page in PdfReader(io.BytesIO(fh.read())).pages)


def test_create_checks_applicant_type(demo):
    with pytest.raises(DomainError) as err:
        f.draft(f.COMPANY, "citizen")
    assert err.value.code == "applicant_type_mismatch"


def test_create_rejects_answers_of_another_item(demo):
    with pytest.raises(DomainError) as err:
        f.draft(answers={"999999": 1})
    assert err.value.code == "invalid_situation_answer"


def test_submit_needs_every_required_material(demo):
    case = f.draft()
    with pytest.raises(DomainError) as err:
        f.act(case, "citizen", "submit")
    assert err.value.code == "materials_missing"
    assert err.value.detail["requirement_ids"]
    case.refresh_from_db()
    assert case.state == State.DRAFT


def test_online_case_goes_to_the_hall_and_is_accepted_with_a_due_date(demo):
    case = f.submitted()
    assert case.state == State.SUBMITTED
    assert case.hall.name == "莲湖区政务服务中心"
    case = f.act(case, "clerk", "accept")
    assert case.state == State.ACCEPTED
    assert case.accepted_on == datetime.date.today() or case.accepted_on is not None
    assert case.due_date > case.accepted_on
    notice = case.documents.get(kind=Document.Kind.ACCEPTANCE_NOTICE)
    assert case.number in pdf_text(notice)
    recorded = case.events.get(action="document_created")
    assert recorded.data == {"kind": "acceptance_notice", "sha256": notice.sha256}
    assert recorded.seq == case.events.get(action="accept").seq + 1


def test_deferral_full_path(demo):
    case = f.accepted_with_deferral()
    assert case.state == State.ACCEPTED
    deferrals = list(case.deferrals.all())
    assert deferrals and all(d.status == Deferral.Status.PENDING for d in deferrals)
    commitment = case.commitments.get(kind=Commitment.Kind.DEFERRAL)
    assert commitment.signed_by == "张明"
    notice = case.documents.get(kind=Document.Kind.DEFERRAL_NOTICE)
    text = pdf_text(notice)
    assert case.number in text
    assert deferrals[0].requirement.name[:6] in text

    case = f.act(case, "approver", "approve")
    with pytest.raises(Conflict) as err:
        f.act(case, "clerk", "issue")
    assert err.value.code == "deferred_materials_outstanding"

    for d in deferrals:
        services.material_upload(
            case=case, actor=f.user("citizen"), requirement_id=d.requirement_id, upload=f.pdf_upload()
        )
    assert {d.status for d in case.deferrals.all()} == {Deferral.Status.RECEIVED}
    with pytest.raises(Conflict):
        f.act(case, "clerk", "issue")  # received is not yet checked
    case = f.act(case, "reviewer", "confirm_deferred")
    case = f.act(case, "clerk", "issue")
    assert case.state == State.ISSUED and case.licence_number
    case = f.act(case, "clerk", "deliver", delivery_mode="window")
    assert case.state == State.DELIVERED
    # 统一窗口出件: the window that handed the result over is on the case and in its timeline
    clerk_window = f.user("clerk").staff_profile.window
    assert case.issue_window == clerk_window
    assert case.events.get(action="deliver").data["window"] == clerk_window.pk
    detail = selectors.detail_queryset().get(pk=case.pk)
    assert detail.issue_window.hall.name  # loaded with the detail


def test_main_materials_cannot_be_deferred(demo):
    case = f.draft()
    main = next(m for m in selectors.required_materials(case) if m.is_main)
    f.upload_all(case, skip={main.id})
    with pytest.raises(DomainError):
        f.act(case, "citizen", "submit")
    # a clerk may not defer it either
    case = f.draft()
    f.upload_all(case)
    f.act(case, "citizen", "submit")
    with pytest.raises(Conflict) as err:
        f.act(case, "clerk", "accept_with_deferral", deferred=[main.id], commitment="承诺")
    assert err.value.code in {"not_deferrable", "already_supplied"}


def test_deferrable_materials_may_be_missing_at_submission_but_not_at_plain_acceptance(demo):
    case = f.draft()
    deferred = f.deferrable_ids(case)
    case = f.act(f.upload_all(case, skip=set(deferred)), "citizen", "submit")
    assert case.state == State.SUBMITTED
    with pytest.raises(DomainError) as err:
        f.act(case, "clerk", "accept")
    assert err.value.code == "materials_missing"
    assert set(err.value.detail["requirement_ids"]) == set(deferred)


def test_deferral_refused_on_items_that_do_not_allow_it(demo):
    case = f.submitted(f.EIA, "company")
    with pytest.raises(Conflict) as err:
        f.act(case, "clerk", "accept_with_deferral", deferred=[1], commitment="承诺")
    assert err.value.code == "deferral_not_allowed"


def test_deferral_requires_a_written_commitment(demo):
    case = f.draft()
    deferred = f.deferrable_ids(case)
    f.act(f.upload_all(case, skip=set(deferred)), "citizen", "submit")
    with pytest.raises(DomainError) as err:
        f.act(case, "clerk", "accept_with_deferral", deferred=deferred)
    assert err.value.code == "missing_field"


def test_overdue_deferral_shows_to_supervisor_and_allows_revocation(demo):
    case = f.accepted_with_deferral()
    with pytest.raises(Conflict) as err:
        f.act(case, "approver", "revoke", reason="逾期未补齐")
    assert err.value.code == "revoke_not_justified"
    # the due date passes
    Deferral.objects.filter(case=case).update(due_date=datetime.date.today() - datetime.timedelta(days=1))
    assert case in selectors.cases_with_overdue_deferrals(f.user("supervisor"))
    assert case not in selectors.cases_with_overdue_deferrals(f.user("citizen2"))
    case = f.act(case, "approver", "revoke", reason="容缺材料逾期未补齐")
    assert case.state == State.REVOKED


def test_notify_and_commit_failed_verification_revokes_licence(demo):
    from govhall.licences.selectors import licence_get

    case = f.accepted()
    case = f.act(case, "approver", "approve", commitment="本人承诺已具备与经营项目相适应的场所和设备。")
    assert case.approval_basis == "commitment"
    commitment = case.commitments.get(kind=Commitment.Kind.NOTIFY_COMMIT)
    assert commitment.verification == Commitment.Verification.PENDING
    assert commitment.verification_due > datetime.date.today()
    case = f.act(case, "clerk", "issue")
    licence = licence_get(case.licence_number)
    assert licence.status == "valid"
    services.commitment_verify(case=case, actor=f.user("approver"), passed=False, comment="现场核查：场所与承诺不符")
    case.refresh_from_db()
    assert case.state == State.REVOKED
    licence.refresh_from_db()
    assert licence.status == "revoked"


def test_notify_and_commit_only_where_allowed(demo):
    case = f.accepted(f.INSTANT, "citizen")
    with pytest.raises(Conflict) as err:
        f.act(case, "approver", "approve", commitment="承诺")
    assert err.value.code == "commitment_not_allowed"


def test_correction_in_prereview_and_resubmission(demo):
    case = f.submitted()
    requirement = selectors.required_materials(case)[0]
    case = f.act(
        case,
        "clerk",
        "request_correction",
        items=[{"requirement_id": requirement.id, "problem": "未签字盖章"}, {"problem": "申请表经营场所地址不完整"}],
    )
    assert case.state == State.CORRECTION_REQUESTED
    notice = case.documents.get(kind=Document.Kind.CORRECTION_NOTICE)
    assert "未签字盖章" in pdf_text(notice)
    services.material_upload(case=case, actor=f.user("citizen"), requirement_id=requirement.id, upload=f.pdf_upload())
    case = f.act(case, "citizen", "submit")
    assert case.state == State.SUBMITTED
    assert case.corrections.get().resolved_at is not None


def test_correction_during_review_stops_the_clock(demo):
    case = f.accepted()
    due = case.due_date
    case = f.act(case, "reviewer", "request_correction", items=[{"problem": "设备清单与现场不符"}])
    assert case.clock_paused and case.due_date is None
    view = selectors.case_deadline(selectors.detail_queryset().get(pk=case.pk))
    assert view.paused and view.remaining_workdays is not None
    case = f.act(case, "citizen", "submit")
    assert case.state == State.ACCEPTED
    assert not case.clock_paused
    assert case.due_date >= due  # the stopped day(s) are added back


def test_suspension_pauses_and_resumes(demo):
    case = f.accepted()
    case = f.act(case, "reviewer", "suspend", reason="专家评审")
    assert case.state == State.SUSPENDED and case.clock_paused
    case = f.act(case, "reviewer", "resume")
    assert case.state == State.ACCEPTED and not case.clock_paused and case.due_date


def test_review_puts_the_case_to_the_chief_approver_until_a_correction(demo):
    case = f.accepted()
    queue = lambda name: set(selectors.queue(f.user("approver"), name).values_list("pk", flat=True))  # noqa: E731
    assert case.pk in queue("review") and case.pk not in queue("decision")
    for params, comment, field in [
        ({}, "符合条件", "recommendation"),
        ({"recommendation": "maybe"}, "x", "recommendation"),
        ({"recommendation": "approve"}, "  ", "comment"),
    ]:
        with pytest.raises(DomainError) as err:
            f.act(case, "reviewer", "review", comment=comment, **params)
        assert (err.value.code, err.value.detail["field"]) == ("missing_field", field)
    with pytest.raises(Forbidden):
        f.act(case, "approver", "review", comment="自审", recommendation="approve")  # the chief decides
    # 审查要点: approval needs every point of the item ticked; a denial names what failed
    points = case.item.review_points
    assert len(points) >= 3
    with pytest.raises(DomainError) as err:
        f.act(case, "reviewer", "review", comment="符合", recommendation="approve", points=[0, 1])
    assert err.value.code == "review_points_unmet" and err.value.detail["unmet"] == points[2:]
    with pytest.raises(DomainError) as err:
        f.act(case, "reviewer", "review", comment="符合", recommendation="approve", points=[0, 99])
    assert err.value.code == "invalid_points"
    case = f.act(case, "reviewer", "review", comment="场所面积不足", recommendation="deny", points=[0, 2, 3, 4])
    assert case.events.filter(action="review").last().data == {"recommendation": "deny", "unmet_points": [points[1]]}
    case = f.act(
        case,
        "reviewer",
        "review",
        comment="材料齐全，符合许可条件",
        recommendation="approve",
        points=f.all_points(case),
    )
    assert case.state == State.ACCEPTED and case.reviewed_at is not None
    assert case.pk in queue("decision") and case.pk not in queue("review")
    review = selectors.current_review(selectors.detail_queryset().get(pk=case.pk))
    assert (review.comment, review.data, review.actor_role) == (
        "材料齐全，符合许可条件",
        {"recommendation": "approve", "unmet_points": []},
        "reviewer",
    )
    # a correction clears it: what comes back is reviewed afresh
    case = f.act(case, "reviewer", "request_correction", items=[{"problem": "平面图不清晰"}])
    assert case.reviewed_at is None
    case = f.act(f.upload_all(case), "citizen", "submit")
    assert case.state == State.ACCEPTED and case.pk in queue("review")
    assert selectors.current_review(selectors.detail_queryset().get(pk=case.pk)) is None


def test_extension_adds_working_days_once_and_tells_the_applicant_why(demo, django_capture_on_commit_callbacks):
    from govhall.notify.models import Notification
    from govhall.workdays.selectors import get_calendar

    case = f.accepted()
    limit, due = case.limit_workdays, case.due_date
    assert "extend" in actions.offered(case, {"chief_approver"})
    with django_capture_on_commit_callbacks(execute=True):  # the notice follows the commit
        case = f.act(case, "approver", "extend", days="3", reason="需组织专家论证经营场所布局")
    assert case.state == State.ACCEPTED  # the state stays; the limit grows
    assert (case.limit_workdays, case.extended_workdays) == (limit + 3, 3)
    assert case.due_date == get_calendar().due_date(case.accepted_on, limit + 3).due_date > due
    event = case.events.get(action="extend")
    assert event.data == {"days": 3, "due_date": str(case.due_date)}
    assert event.comment == "需组织专家论证经营场所布局"
    text = pdf_text(case.documents.get(kind=Document.Kind.EXTENSION_NOTICE))
    assert case.number in text and "需组织专家论证经营场所布局" in text
    notice = Notification.objects.filter(event="case.extended", case_number=case.number).first()
    assert notice and "3个工作日" in notice.text and f"{case.due_date:%Y年%m月%d日}" in notice.text
    assert selectors.case_deadline(selectors.detail_queryset().get(pk=case.pk)).extended_workdays == 3
    # once per case
    assert "extend" not in actions.offered(case, {"chief_approver"})
    with pytest.raises(Conflict) as err:
        f.act(case, "approver", "extend", days=1, reason="再次延长")
    assert err.value.code == "already_extended"


def test_extension_is_bounded_by_law_and_needs_a_reason(demo):
    case = f.accepted()
    ceiling = case.item.statutory_days + case.item.extension_days - case.limit_workdays
    assert selectors.extension_ceiling(case) == ceiling > 0
    version = case.version
    for days in (None, "", "x", 0, -1, ceiling + 1):
        with pytest.raises(DomainError) as err:
            f.act(case, "approver", "extend", days=days, reason="理由")
        assert (err.value.code, err.value.detail["max"]) == ("invalid_days", ceiling), days
    with pytest.raises(DomainError) as err:
        f.act(case, "approver", "extend", days=ceiling)
    assert err.value.code == "missing_field"
    with pytest.raises(Forbidden):
        f.act(case, "reviewer", "extend", days=1, reason="理由")  # the head of the department approves
    case.refresh_from_db()
    assert (case.extended_workdays, case.version, case.documents.count()) == (0, version, 1)  # nothing written
    f.act(case, "approver", "extend", days=ceiling, reason="理由")  # the whole ceiling at once is allowed


def test_no_extension_for_instant_items_or_after_the_due_date(demo, monkeypatch):
    from govhall.cases import effects

    instant = f.accepted(f.INSTANT, "citizen")
    with pytest.raises(Conflict) as err:
        f.act(instant, "approver", "extend", days=1, reason="理由")
    assert err.value.code == "extension_not_allowed"
    case = f.accepted()
    late = case.due_date + datetime.timedelta(days=1)
    monkeypatch.setattr(effects, "_today", lambda: late)
    with pytest.raises(Conflict) as err:
        f.act(case, "approver", "extend", days=1, reason="理由")
    assert err.value.code == "deadline_passed"
    # while the clock stands still (特别程序), the due date has not passed
    suspended = f.act(f.accepted(), "reviewer", "suspend", reason="专家评审")
    suspended = f.act(suspended, "approver", "extend", days=2, reason="专家评审需要更多时间")
    assert suspended.state == State.SUSPENDED and suspended.extended_workdays == 2
    assert "恢复计时后顺延" in pdf_text(suspended.documents.get(kind=Document.Kind.EXTENSION_NOTICE))
    resumed = f.act(suspended, "reviewer", "resume")
    assert resumed.due_date is not None and resumed.limit_workdays == resumed.item.promised_days + 2

    # an item whose own law allows no extension (法律、法规另有规定的, 依照其规定): the promise
    # may still grow up to the statutory limit, and no further
    case = f.accepted()
    item = catalog_selectors.item_version(case.item_id, case.item.published_at)  # the process's shared copy
    monkeypatch.setattr(item, "extension_days", 0)
    case.item = item
    assert selectors.extension_ceiling(case) == item.statutory_days - case.limit_workdays
    monkeypatch.setattr(item, "statutory_days", case.limit_workdays)
    assert "extend" not in actions.offered(case, {"chief_approver"})
    with pytest.raises(Conflict) as err:
        f.act(case, "approver", "extend", days=1, reason="理由")
    assert err.value.code == "extension_not_allowed"


def test_withdraw_only_by_the_applicant_before_decision(demo):
    case = f.accepted()
    with pytest.raises(Forbidden):
        f.act(case, "approver", "withdraw")
    case = f.act(case, "citizen", "withdraw")
    assert case.state == State.WITHDRAWN
    approved = f.approved()
    with pytest.raises(Conflict) as err:
        f.act(approved, "citizen", "withdraw")
    assert err.value.code == "action_not_allowed"


def test_reject_and_deny_need_reason_and_legal_basis(demo):
    case = f.submitted()
    with pytest.raises(DomainError) as err:
        f.act(case, "clerk", "reject", reason="不属于本机关职权范围")
    assert err.value.code == "missing_field"
    case = f.act(
        case, "clerk", "reject", reason="不属于本机关职权范围", legal_basis="《中华人民共和国行政许可法》第三十二条"
    )
    assert case.state == State.REJECTED
    case = f.accepted()
    case = f.act(case, "approver", "deny", reason="经营场所不符合要求", legal_basis="《食品经营许可和备案管理办法》")
    denial = case.documents.get(kind=Document.Kind.DENIAL)
    text = pdf_text(denial)
    assert case.number in text and "行政复议" in text


def test_instant_item_in_one_sitting_due_the_same_day(demo):
    case = f.submitted(f.INSTANT)
    case = services.case_handle_instant(case=case, actor=f.user("clerk"))
    assert case.state == State.ISSUED
    assert case.due_date == case.accepted_on
    assert case.approval_basis == "instant"


def test_clerk_cannot_decide_committed_items(demo):
    case = f.accepted()
    with pytest.raises(Forbidden):
        f.act(case, "clerk", "approve")


def test_others_cannot_see_or_touch_a_case(demo):
    case = f.submitted()
    with pytest.raises(NotFound):
        f.act(case, "citizen2", "withdraw")
    with pytest.raises(NotFound):
        selectors.case_for_actor(case.number, f.user("citizen2"))
    with pytest.raises(NotFound):
        services.material_upload(
            case=case,
            actor=f.user("citizen2"),
            requirement_id=selectors.required_materials(case)[0].id,
            upload=f.pdf_upload(),
        )


def test_bad_uploads_rejected_with_clear_errors(demo, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = f.draft()
    rid = selectors.required_materials(case)[0].id
    citizen = f.user("citizen")
    cases = [
        (SimpleUploadedFile("a.pdf", b"MZ\x90\x00 not a pdf at all"), "unsupported_file_type"),
        (SimpleUploadedFile("a.pdf", b""), "empty_file"),
    ]
    for upload, code in cases:
        with pytest.raises(DomainError) as err:
            services.material_upload(case=case, actor=citizen, requirement_id=rid, upload=upload)
        assert err.value.code == code
    settings.GOVHALL_UPLOAD_MAX_MB = 0
    with pytest.raises(DomainError) as err:
        services.material_upload(case=case, actor=citizen, requirement_id=rid, upload=f.pdf_upload())
    assert err.value.code == "file_too_large"
    with pytest.raises(DomainError) as err:
        services.material_upload(case=case, actor=citizen, requirement_id=999999, upload=f.pdf_upload())
    assert err.value.code == "unknown_requirement"
    assert not case.materials.exists()


def test_licence_reused_in_a_later_application(demo):
    """免证办: the business licence issued by company registration fills the 营业执照
    material of the same company's food business application."""
    first = f.act(f.approved(f.COMPANY, "company"), "clerk", "issue")
    assert first.licence_number
    case = f.draft(f.FOOD, "company")
    reused = case.materials.get(requirement__name="营业执照")
    assert reused.source == "licence" and reused.licence_number == first.licence_number
    assert case.events.filter(action="licence_reused").exists()
    # another applicant's licences are never used
    assert not f.draft(f.FOOD, "citizen").materials.filter(requirement__name="营业执照").exists()


def test_timeline_is_hash_chained_and_verify_audit_finds_edits(demo, capsys):
    case = f.approved()
    events = list(case.events.order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert all(e.prev_hash == (events[i - 1].hash if i else "") for i, e in enumerate(events))
    call_command("verify_audit", case=case.number)
    TimelineEvent.objects.filter(pk=events[2].pk).update(comment="篡改")
    with pytest.raises(CommandError):
        call_command("verify_audit", case=case.number)
    assert f"第 {events[2].seq} 条" in capsys.readouterr().err


def test_deleting_the_newest_event_is_detected(demo):
    from govhall.cases.audit import verify_chains

    case = f.accepted()
    case.events.order_by("-seq").first().delete()
    problems, _ = verify_chains(number=case.number)
    assert problems and "删除" in problems[0].describe()


def test_personal_data_view_is_recorded(demo):
    case = f.submitted()
    applicant = services.personal_data_view(case=case, actor=f.user("clerk"), purpose="窗口核验身份")
    assert len(applicant.id_number) == 18
    assert case.events.filter(action="personal_data_viewed").exists()
    # and in the security audit log, where a supervisor reviews such reads across cases
    from govhall.audit.models import SecurityEvent

    (audited,) = SecurityEvent.objects.filter(kind="personal_data_viewed")
    assert audited.actor == f.user("clerk") and audited.data["case"] == case.number
    with pytest.raises(NotFound):
        services.personal_data_view(case=case, actor=f.user("citizen2"), purpose="x")
    assert SecurityEvent.objects.filter(kind="personal_data_viewed").count() == 1  # a refusal reads nothing


def test_due_dates_recomputed_when_an_arrangement_is_entered(demo, django_capture_on_commit_callbacks):
    from govhall.cases.models import Case
    from govhall.workdays import services as workdays

    case = f.accepted()
    # accepted on the last working day of 2026: a 3-day limit runs into 2027
    Case.objects.filter(pk=case.pk).update(accepted_on=datetime.date(2026, 12, 31), due_date=None)
    services.deadlines_recompute(case_ids=[case.pk])
    case.refresh_from_db()
    assert case.due_provisional  # 2027 is not in chinesecalendar's data
    before = case.due_date
    with django_capture_on_commit_callbacks(execute=True):
        workdays.arrangement_enter(year=2027, holidays=[(before, "测试假日")], workdays=[])
    case.refresh_from_db()
    assert not case.due_provisional
    assert case.due_date > before
    assert case.events.filter(action="deadline_recomputed").exists()


def test_online_application_only_for_items_offered_online(demo):
    # 结婚登记: both parties must appear in person, so it is offered at the window only
    with pytest.raises(DomainError) as err:
        f.draft("001107001000-610104000000-000-11610104LH0000011H-1-00")
    assert err.value.code == "online_not_offered"
    assert "窗口办理" in err.value.message


def test_window_intake_records_hall_window_and_scans(demo):
    from govhall.cases.models import Channel

    clerk = f.user("clerk")
    applicant = services.applicant_for(f.user("citizen"))
    case = services.case_create(
        actor=clerk,
        item_code=f.FOOD,
        applicant=applicant,
        form=f.FORMS[f.FOOD],
        channel=Channel.WINDOW,
        hall=clerk.staff_profile.hall,
    )
    f.upload_all(case, "clerk")
    assert set(case.materials.exclude(file="").values_list("source", flat=True)) == {"scan"}
    case = f.act(case, "clerk", "submit")
    case = f.act(case, "clerk", "accept")
    assert case.state == State.ACCEPTED
    assert case.hall == clerk.staff_profile.hall and case.intake_window == clerk.staff_profile.window
    assert not selectors.can_see(f.user("citizen2"), case)
    assert selectors.can_see(f.user("citizen"), case)


def test_a_refused_action_leaves_no_document_file(demo, settings, monkeypatch):
    """accept_with_deferral renders the acceptance notice before the deferral notice: when
    the second fails, the first file is removed with the rolled-back rows."""
    from pathlib import Path

    from govhall.cases import documents

    case = f.draft()
    deferred = f.deferrable_ids(case)
    f.act(f.upload_all(case, skip=set(deferred)), "citizen", "submit")

    def broken(doc):
        raise RuntimeError("renderer failed")

    monkeypatch.setattr(documents, "render_deferral_notice", broken)
    with pytest.raises(RuntimeError):
        f.act(case, "clerk", "accept_with_deferral", deferred=deferred, commitment="承诺按期补齐")
    assert not Document.objects.filter(case=case).exists()
    assert not list(Path(settings.MEDIA_ROOT).rglob("*acceptance_notice*.pdf"))


def _numbers_drawn(monkeypatch, draws: list[int]) -> None:
    """Make the random part of case numbers come from ``draws`` (then from the real source)."""
    import secrets

    real = secrets.randbelow
    pending = list(draws)
    monkeypatch.setattr(services.secrets, "randbelow", lambda n: pending.pop(0) if pending else real(n))


def test_a_taken_number_is_drawn_again_inside_a_callers_transaction(demo, monkeypatch):
    _numbers_drawn(monkeypatch, [123456, 123456, 654321])
    first = f.draft()
    second = f.draft()  # the first draw is taken: the insert fails, a savepoint is rolled back
    assert first.number.endswith("123456") and second.number.endswith("654321")
    assert [e.action for e in second.events.all()] == ["create"]
    assert second.events.get().hash == second.last_event_hash


@pytest.mark.django_db(transaction=True)
def test_a_taken_number_is_drawn_again_as_the_outermost_transaction(demo, monkeypatch):
    _numbers_drawn(monkeypatch, [111111, 111111, 111111, 222222])
    first = f.draft()
    second = f.draft()  # the whole transaction is rolled back and tried again
    assert first.number.endswith("111111") and second.number.endswith("222222")
    assert TimelineEvent.objects.filter(case=second).count() == 1


def test_numbers_exhausted_is_a_clear_error(demo, monkeypatch):
    _numbers_drawn(monkeypatch, [5] * 9)
    f.draft()
    with pytest.raises(DomainError) as err:
        f.draft()
    assert err.value.code == "number_exhausted"
