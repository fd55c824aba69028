"""The personal checklist of a bundle (《xx一件事》个人办事清单, issue 15's guided answers):
one A4 page narrowed by the answers, with the bundled font embedded, public, and never a
500 for answers that are not the bundle's."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from pypdf import PdfReader

from govhall.catalog import bundle_checklist, bundle_guides, bundles
from govhall.catalog.demo import bundles as demo_bundles
from govhall.catalog.models import Bundle

pytestmark = pytest.mark.django_db


def text_of(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    # the extracted text keeps line breaks inside table cells: read it as one run
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def _newborn():
    bundle = Bundle.objects.get(status=Bundle.Status.PUBLISHED, name="新生儿出生一件事")
    return bundles.bundle_get(bundle.code)


def _answer(bundle, question_start: str, label_start: str) -> tuple[int, int]:
    situation = next(s for s in bundle.situations.all() if s.question.startswith(question_start))
    option = next(o for o in situation.options.all() if o.label.startswith(label_start))
    return situation.id, option.id


@pytest.fixture
def loaded(demo):
    """The demo bundles (idempotent: a no-op where the demo already holds them)."""
    demo_bundles.load()


@pytest.fixture
def newborn(loaded):
    return _newborn()


def test_the_checklist_lists_the_applying_members_and_not_the_excluded(newborn):
    hukou_q, hukou_yes = _answer(newborn, "父母一方的户籍", "是")
    insured_q, insured_no = _answer(newborn, "母亲是否参加", "否")
    answers = {hukou_q: hukou_yes, insured_q: insured_no}
    guide = bundle_guides.bundle_guide(newborn, answers)
    applying = [item for _, item in guide["applying"]]
    excluded = [item for _, item, applies in guide["members"] if item and not applies]
    assert applying and excluded

    data = bundle_checklist.render_checklist(newborn, answers, printed_on=datetime.date(2026, 12, 4))
    text = text_of(data)
    assert "《新生儿出生一件事》个人办事清单" in text
    assert "2026年12月4日" in text
    for item in applying:
        assert item.name.replace(" ", "") in text
        assert item.department.name in text
    for item in excluded:
        assert item.name not in text
    # the answers chosen
    assert "随父或随母在本市落户" in text
    # the one set of materials, and the limit (the longest member, not the sum)
    asked = [m for m in guide["materials"] if m.asked]
    assert asked
    for material in asked:
        assert material.name.replace(" ", "") in text
    assert f"{guide['limit']}个工作日办结" in text
    assert guide["limit"] == max(item.promised_days for item in applying)


def test_the_other_answer_brings_the_member_in(newborn):
    insured_q, insured_yes = _answer(newborn, "母亲是否参加", "是")
    hukou_q, hukou_no = _answer(newborn, "父母一方的户籍", "否")
    answers = {insured_q: insured_yes, hukou_q: hukou_no}
    guide = bundle_guides.bundle_guide(newborn, answers)
    text = text_of(bundle_checklist.render_checklist(newborn, answers))
    for _, item, applies in guide["members"]:
        if item is not None:
            assert (item.name in text) == applies, item.name


def test_originals_copies_and_free_materials(newborn):
    facts = bundle_checklist.checklist_facts(newborn, {})
    guide = bundle_guides.bundle_guide(newborn, {})
    assert [m["name"] for m in facts["materials"]] == [m.name for m in guide["materials"] if m.asked]
    assert [m["name"] for m in facts["exempt"]] == [m.name for m in guide["materials"] if not m.asked]
    requirements = {r.id: r for item in guide["items"].values() for r in item.materials.all()}
    for row, material in zip(facts["materials"], [m for m in guide["materials"] if m.asked], strict=True):
        found = [requirements[rid] for rid in material.targets.values()]
        assert row["originals"] == max(r.originals for r in found)
        assert row["copies"] == max(r.copies for r in found)
    text = text_of(bundle_checklist.render_checklist(newborn, {}))
    if facts["exempt"]:
        assert "免证办" in text
        for row in facts["exempt"]:
            assert row["name"].replace(" ", "") in text


def test_every_published_demo_bundle_fits_one_page(loaded):
    published = list(bundles.published_bundles())
    assert len(published) >= 10
    for bundle in published:
        bundle = bundles.bundle_get(bundle.code)
        # every answer that brings members in: the longest checklist a person can get
        answers = {}
        for situation in bundle.situations.all():
            options = sorted(situation.options.all(), key=lambda o: -len(o.includes.all()))
            answers[situation.id] = options[0].id
        for chosen in ({}, answers):
            data = bundle_checklist.render_checklist(bundle, chosen)
            assert bundle_checklist.page_count(data) == 1, bundle.name
            assert bundle.name in text_of(data)


def test_the_bundled_font_is_embedded_as_a_subset(newborn):
    reader = PdfReader(io.BytesIO(bundle_checklist.render_checklist(newborn, {})))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"])] = any(k in descriptor for k in ("/FontFile2", "/FontFile", "/FontFile3"))
    assert fonts
    for name, embedded in fonts.items():
        assert embedded, name
        assert re.match(r"^/[A-Z]{6}\+NotoSansSC-(Regular|Bold)", name), name


def test_the_view_is_public_inline_and_narrowed(client, newborn):
    hukou_q, hukou_no = _answer(newborn, "父母一方的户籍", "否")
    response = client.get(f"/bundles/{newborn.code}/checklist.pdf?b{hukou_q}={hukou_no}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert f'filename="{newborn.code}-checklist.pdf"' in response["Content-Disposition"]
    guide = bundle_guides.bundle_guide(newborn, {hukou_q: hukou_no})
    text = text_of(response.content)
    for _, item, applies in guide["members"]:
        if item is not None:
            assert (item.name in text) == applies, item.name


def test_an_unknown_bundle_is_404(client, loaded):
    assert client.get("/bundles/no-such-bundle/checklist.pdf").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "b999999=1",
        "bx=y",
        "b{q}=999999",
        "b{q}=abc",
        "b{q}=-1",
        "b{q}=1.5&b{q}=",
        "b{q}=%E4%B8%80",
        "b{q}=%C2%B2",
        "b=&=&&",
    ],
)
def test_bad_answers_are_ignored(client, newborn, query):
    situation = newborn.situations.all()[0]
    response = client.get(f"/bundles/{newborn.code}/checklist.pdf?" + query.format(q=situation.id))
    assert response.status_code == 200
    assert bundle_checklist.page_count(response.content) == 1
    assert text_of(response.content) == text_of(bundle_checklist.render_checklist(newborn, {}))


def test_the_guide_links_to_the_checklist_with_its_answers(client, newborn):
    hukou_q, hukou_yes = _answer(newborn, "父母一方的户籍", "是")
    page = client.get(f"/bundles/{newborn.code}/?b{hukou_q}={hukou_yes}").content.decode()
    assert "打印个人办事清单（PDF）" in page
    assert f"/bundles/{newborn.code}/checklist.pdf?b{hukou_q}={hukou_yes}" in page
