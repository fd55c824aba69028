"""Official documents carry their own CJK font (issue 13, item 9).

A fresh machine has no CJK font, and a PDF that leans on one (the non-embedded CID font
STSong-Light) shows its frame, seal and QR code and not one character in poppler-based
readers. So every document embeds a subset of the bundled Noto Sans SC, and here real
documents are read and rendered by poppler with fontconfig pointed at an empty
configuration, a machine state without a single system font: the text must be found by
``pdftotext`` and be ink on the rendered page, the same ink as where system fonts exist.

poppler-utils is installed in CI (.ci/run); these tests skip only where it is absent and
GOVHALL_REQUIRE_BROWSER (CI's "nothing may skip") is not set.
"""

from __future__ import annotations

import datetime
import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from govhall.cases import documents as d
from govhall.core import checks, pdf
from govhall.licences.identifiers import identifier_new
from govhall.licences.rendering import LicenceSheet, render_licence

CASE_NUMBER = "LH20261124000123"
APPLICANT = "欧阳·买买提明"  # a name with the middle dot (间隔号)
HOLDER = "西安莲湖云帆科技有限公司"
LICENCE_NUMBER = identifier_new(
    type_code="11100000000013338W011", issuer_code="11430000006122244L", serial="20264719382051"
)
POPPLER = ("pdftotext", "pdftoppm", "pdffonts")


@pytest.fixture(autouse=True)
def fresh_font(settings):
    """Every test finds the font anew, and leaves none of its own registered behind."""
    settings.GOVHALL_PDF_FONT = ""
    pdf.reset_font()
    yield
    pdf.reset_font()


@pytest.fixture
def poppler():
    missing = [tool for tool in POPPLER if shutil.which(tool) is None]
    if missing:
        message = f"poppler-utils not installed ({', '.join(missing)} missing): apt-get install poppler-utils"
        if os.environ.get("GOVHALL_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def no_fonts(tmp_path) -> dict[str, str]:
    """The environment of a machine without system fonts, for poppler: fontconfig reads an
    empty configuration (no font directories), so poppler can show only what a PDF embeds."""
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        f'<?xml version="1.0"?>\n<fontconfig><cachedir>{tmp_path / "fc-cache"}</cachedir></fontconfig>\n',
        encoding="utf-8",
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(conf), "FONTCONFIG_PATH": str(tmp_path), "HOME": str(tmp_path)}
    if shutil.which("fc-list"):  # the premise: fontconfig really sees no font at all
        listed = subprocess.run(["fc-list"], env=env, capture_output=True, text=True, check=True).stdout
        assert listed.strip() == "", listed
    return env


# ------------------------------------------------------------------ documents


def case_header() -> d.CaseHeader:
    return d.CaseHeader(
        case_number=CASE_NUMBER,
        applicant_name=APPLICANT,
        applicant_code_masked="610104********1230",
        item_name="食品经营许可（新办）",
        department_name="西安市莲湖区市场监督管理局",
        hall_name="莲湖区政务服务中心",
        issued_on=datetime.date(2026, 11, 24),
        seal_text="西安市莲湖区市场监督管理局",
        query_url=f"https://zwfw.example.gov.cn/cases/{CASE_NUMBER}",
    )


def acceptance_notice() -> bytes:
    return d.render_acceptance_notice(
        d.AcceptanceNotice(
            header=case_header(),
            accepted_on=datetime.date(2026, 11, 24),
            limit_workdays=10,
            due_date=datetime.date(2027, 1, 8),
            due_provisional=True,
            enquiry_phone="029-87654321",
        )
    )


def deferral_notice() -> bytes:  # a numbered list and a boxed commitment
    return d.render_deferral_notice(
        d.DeferralNotice(
            header=case_header(),
            materials=[("从业人员健康证明", "复印件一份")],
            due_date=datetime.date(2026, 12, 8),
            due_workdays=10,
            supply_methods=["网上上传（我的办件）", "邮寄至受理窗口"],
            commitment_text="本人承诺在规定期限内补齐容缺材料。",
            signed_by=APPLICANT,
            signed_at=datetime.date(2026, 11, 24),
        )
    )


def licence() -> bytes:
    return render_licence(
        LicenceSheet(
            number=LICENCE_NUMBER,
            title="食品经营许可证",
            holder_name=HOLDER,
            holder_code_label="统一社会信用代码",
            holder_code="91610104MA6TG7K432",
            fields=[
                ("住所", "西安市莲湖区北院门100号—2·3室"),
                ("经营项目", "热食类食品制售；自制饮品制售（不含自酿酒）"),
            ],
            department_name="西安市莲湖区市场监督管理局",
            issued_on=datetime.date(2026, 11, 24),
            valid_until=datetime.date(2031, 11, 23),
            content_hash="3f5a9c1e0b7d2468ace13579bdf02468ace13579bdf02468ace13579bdf02468",
            verify_url=f"https://zwfw.example.gov.cn/licences/{LICENCE_NUMBER}/verify",
            case_number=CASE_NUMBER,
        )
    )


DOCUMENTS = {
    "acceptance notice": (acceptance_notice, ["受理通知书", CASE_NUMBER, APPLICANT, "2027年1月8日（暂定）"]),
    "deferral notice": (deferral_notice, ["容缺受理补正材料通知书", CASE_NUMBER, APPLICANT, "邮寄至受理窗口"]),
    "licence": (licence, ["食品经营许可证", HOLDER, LICENCE_NUMBER, "电子证照专用章", "—2·3室"]),
}


# ------------------------------------------------------------------ poppler


def run(args: list[str], env: dict[str, str] | None = None) -> str:
    return subprocess.run(args, env=env, capture_output=True, text=True, check=True, timeout=60).stdout


def fonts_of(path: Path, env: dict[str, str]) -> list[dict[str, str]]:
    """pdffonts' table: name, type, embedded, subset, ToUnicode for each font of the PDF."""
    rows = []
    for line in run(["pdffonts", str(path)], env).splitlines()[2:]:
        match = re.match(r"(\S+)\s+(.+?)\s+(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$", line)
        assert match, line
        rows.append(dict(zip(["name", "type", "encoding", "emb", "sub", "uni"], match.groups(), strict=True)))
    return rows


def words_of(path: Path, env: dict[str, str]) -> list[tuple[str, tuple[float, float, float, float]]]:
    """pdftotext -bbox: each word of page 1 and its box in points from the top left."""
    html = run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"], env)
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
    return [(m[4], (float(m[0]), float(m[1]), float(m[2]), float(m[3]))) for m in re.findall(pattern, html)]


def page_image(path: Path, env: dict[str, str]) -> Image.Image:
    """Page 1 rendered by poppler in grey at 72 dpi (one pixel per point)."""
    data = subprocess.run(
        ["pdftoppm", "-f", "1", "-l", "1", "-r", "72", "-gray", str(path)],
        env=env,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    return Image.open(io.BytesIO(data)).convert("L")


def ink(image: Image.Image, box: tuple[float, float, float, float]) -> float:
    """The share of dark pixels in ``box``."""
    x0, y0, x1, y1 = (round(v) for v in box)
    crop = image.crop((x0, y0, max(x1, x0 + 1), max(y1, y0 + 1)))
    dark = crop.point(lambda p: 255 if p < 128 else 0).histogram()[255]
    return dark / (crop.width * crop.height)


# ------------------------------------------------------------------ the tests


@pytest.mark.parametrize("kind", DOCUMENTS)
def test_documents_show_their_text_on_a_machine_without_fonts(kind, poppler, no_fonts, tmp_path):
    render, expected = DOCUMENTS[kind]
    path = tmp_path / "document.pdf"
    path.write_bytes(render())
    font = pdf.cjk_font()
    assert font.source == "bundled" and Path(font.path).parent in pdf.font_dirs()

    fonts = fonts_of(path, no_fonts)
    assert fonts, "the document names its fonts"
    for row in fonts:  # every font embedded (a subset): none left to the reader's machine
        assert (row["emb"], row["sub"], row["uni"]) == ("yes", "yes", "yes"), row
        assert re.fullmatch(r"[A-Z]{6}\+NotoSansSC-(Regular|Bold)", row["name"]), row
    assert {row["name"].split("+")[1] for row in fonts} == {"NotoSansSC-Regular", "NotoSansSC-Bold"}

    text = "".join(run(["pdftotext", str(path), "-"], no_fonts).split())
    for phrase in expected:
        assert phrase in text, phrase

    # the words are ink on the page, exactly as where the machine has fonts
    image = page_image(path, no_fonts)
    assert image.tobytes() == page_image(path, None).tobytes(), "the same page with and without system fonts"
    words = words_of(path, no_fonts)
    for phrase in expected[:2]:
        boxes = [box for word, box in words if phrase in word]
        assert boxes, (phrase, [word for word, _ in words])
        assert ink(image, boxes[0]) > 0.04, f"{phrase!r} is not drawn"


def test_the_check_sees_text_that_is_not_drawn(poppler, no_fonts, tmp_path):
    """The control: the same line in the non-embedded CID font (what a fresh machine got
    before) is text in the file and no ink on poppler's page; in the bundled font, ink."""
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    line, size, x, baseline = f"受理通知书 {APPLICANT}", 28, 72, 700
    drawn = {}
    for font in ["STSong-Light", pdf.font_name()]:
        path = tmp_path / f"{font}.pdf"
        canvas = Canvas(str(path), initialFontName=font)  # A4: 842 points high
        canvas.setFont(font, size)
        canvas.drawString(x, baseline, line)
        canvas.save()
        assert APPLICANT in "".join(PdfReader(path).pages[0].extract_text().split())
        width = pdfmetrics.stringWidth(line, font, size)
        box = (x, 842 - baseline - 0.9 * size, x + width, 842 - baseline + 0.1 * size)
        drawn[font] = ink(page_image(path, no_fonts), box)
    assert drawn["STSong-Light"] < 0.005 < 0.04 < drawn[pdf.font_name()], drawn
    assert [row["emb"] for row in fonts_of(tmp_path / f"{pdf.font_name()}.pdf", no_fonts)] == ["yes"]


def test_a_document_uses_the_bundled_font_by_default(settings):
    font = pdf.cjk_font()
    assert font.source == "bundled" and font.has_bold
    assert Path(font.path).name.startswith("NotoSansSC-Regular-")
    assert Path(font.bold_path).name.startswith("NotoSansSC-Bold-")
    assert pdf.font_problems() == []
    source = pdf.bundled_source()
    assert source is not None and (source.parent / "OFL.txt").read_text(encoding="utf-8").count(
        "SIL Open Font License, Version 1.1"
    )


def test_the_prepared_instances_are_static_regular_and_bold():
    from fontTools.ttLib import TTFont

    paths = pdf.prepare_fonts()
    regular, bold = TTFont(paths["Regular"], lazy=True), TTFont(paths["Bold"], lazy=True)
    for font, weight, name in [(regular, 400, "NotoSansSC-Regular"), (bold, 700, "NotoSansSC-Bold")]:
        assert "fvar" not in font and "gvar" not in font and "glyf" in font  # static TrueType outlines
        assert font["OS/2"].usWeightClass == weight and font["OS/2"].fsType == 0  # installable: may be embedded
        assert font["name"].getDebugName(6) == name
    cmap = regular.getBestCmap()
    for char in "（）—·：；“”《》0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.-张明欧阳买提镕堃喆":
        assert ord(char) in cmap, char


def small_variable_font(tmp_path: Path) -> Path:
    """A few glyphs of the bundled variable font, its axes and outlines kept: instancing it
    takes a moment, where the whole font takes about 20 s."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(pdf.bundled_source())
    options = subset.Options()
    options.layout_features = []
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="受理通知书张明")
    subsetter.subset(font)
    path = tmp_path / "NotoSansSC[wght].ttf"
    font.save(path)
    return path


def test_preparing_makes_both_instances_once(tmp_path, monkeypatch, settings):
    from fontTools.ttLib import TTFont

    source = small_variable_font(tmp_path)
    fonts = tmp_path / "fonts"
    monkeypatch.setattr(pdf, "bundled_source", lambda: source)
    monkeypatch.setattr(pdf, "font_dirs", lambda: [fonts])
    fonts_stale = fonts / "NotoSansSC-Regular-0.0.1.ttf"
    assert pdf.prepared_fonts() is None
    assert pdf.font_problems() and "not prepared" in pdf.font_problems()[0]

    paths = pdf.prepare_fonts()
    assert set(paths) == {"Regular", "Bold"} and all(p.parent == fonts for p in paths.values())
    assert pdf.prepared_fonts() == paths and pdf.font_problems() == []
    assert sorted(p.name for p in fonts.glob("*.ttf")) == sorted(p.name for p in paths.values())
    weights = {style: TTFont(p)["OS/2"].usWeightClass for style, p in paths.items()}
    dates = {TTFont(p)["head"].modified for p in paths.values()}
    assert dates == {TTFont(source)["head"].modified}, "the source's date: the same bytes on every machine"
    assert weights == {"Regular": 400, "Bold": 700}
    glyph = {style: TTFont(p)["glyf"][TTFont(p).getBestCmap()[ord("明")]] for style, p in paths.items()}
    assert glyph["Regular"].coordinates != glyph["Bold"].coordinates, "two weights, not one outline twice"

    # a newer package version: its instances replace the old ones, which are removed
    fonts_stale.write_bytes(b"old")
    stamp = {path: path.stat().st_mtime_ns for path in paths.values()}
    assert pdf.prepare_fonts() == paths and {p: p.stat().st_mtime_ns for p in paths.values()} == stamp
    monkeypatch.setattr(pdf, "_instance_names", lambda: {s: f"NotoSansSC-{s}-9.9.ttf" for s in pdf.WEIGHTS})
    newer = pdf.prepare_fonts()
    assert sorted(p.name for p in fonts.glob("*.ttf")) == ["NotoSansSC-Bold-9.9.ttf", "NotoSansSC-Regular-9.9.ttf"]
    assert all(p.is_file() for p in newer.values()) and not fonts_stale.exists()


def test_without_a_font_nothing_is_rendered(tmp_path, monkeypatch):
    """No silent fallback to a font the PDF does not carry: an error that says what to do."""
    monkeypatch.setattr(pdf, "bundled_source", lambda: None)
    monkeypatch.setattr(pdf, "font_dirs", lambda: [tmp_path])
    problems = pdf.font_problems()
    assert len(problems) == 1 and "justmytype-intl-cjk" in problems[0] and "make setup" in problems[0]
    with pytest.raises(pdf.PdfFontError, match="justmytype-intl-cjk"):
        acceptance_notice()
    # and manage.py check says so at start (govhall.W007), before the first notice fails
    (warning,) = checks.pdf_font_ready(None)
    assert warning.id == "govhall.W007" and "justmytype-intl-cjk" in warning.msg


def test_nowhere_to_prepare_the_font_is_an_error(tmp_path, monkeypatch):
    (tmp_path / "a-file").write_text("")
    monkeypatch.setattr(pdf, "font_dirs", lambda: [tmp_path / "a-file" / "fonts"])
    assert "not prepared" in pdf.font_problems()[0]
    with pytest.raises(pdf.PdfFontError, match="writable"):
        licence()


def test_a_configured_font_replaces_the_bundled_one(settings, poppler, no_fonts, tmp_path):
    """GOVHALL_PDF_FONT: an operator's TrueType font, embedded the same way; with one weight,
    titles are drawn in a faux bold."""
    settings.GOVHALL_PDF_FONT = str(pdf.prepare_fonts()["Regular"])
    pdf.reset_font()
    path = tmp_path / "document.pdf"
    path.write_bytes(acceptance_notice())
    font = pdf.cjk_font()
    assert font.source == "configured" and not font.has_bold and font.path == settings.GOVHALL_PDF_FONT
    assert {row["name"].split("+")[1] for row in fonts_of(path, no_fonts)} == {"NotoSansSC-Regular"}
    assert all(row["emb"] == "yes" for row in fonts_of(path, no_fonts))
    assert CASE_NUMBER in run(["pdftotext", str(path), "-"], no_fonts)


@pytest.mark.parametrize(("content", "message"), [(None, "no such font file"), (b"not a font", "cannot be embedded")])
def test_a_configured_font_that_cannot_be_embedded_is_an_error(settings, tmp_path, content, message):
    path = tmp_path / "font.ttf"
    if content is not None:
        path.write_bytes(content)
    settings.GOVHALL_PDF_FONT = str(path)
    pdf.reset_font()
    assert any(message in problem for problem in pdf.font_problems())
    with pytest.raises(pdf.PdfFontError, match=message):
        licence()
