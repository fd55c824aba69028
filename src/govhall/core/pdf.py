"""The shared PDF toolkit: A4 official documents (公文式文书) and certificates with an
embedded CJK font, a drawn official seal (圆形公章) and vector QR codes.

Used by the case documents (``cases/documents.py``) and the e-licences
(``licences/rendering.py``). Everything here is pure: text in, PDF bytes out.

* Font (docs/pdf.md): the project brings its own, Noto Sans SC (SIL Open Font License
  1.1) from the PyPI package ``justmytype-intl-cjk``, and every document embeds a subset
  of it, so it looks the same in every reader on every machine, with or without system
  CJK fonts. That file is a variable TrueType font whose default instance is Thin, and
  reportlab draws only the default instance, so its Regular (400) and Bold (700)
  instances are made once with fontTools (``python -m govhall.core.pdf``, which
  ``make setup`` runs; about 20 s) and kept in ``<venv>/share/govhall/fonts`` (or
  ``VAR_DIR/fonts`` where the environment is read-only). ``settings.GOVHALL_PDF_FONT``
  (a TrueType file) replaces it; titles then get a faux bold. There is no fallback: with
  no embeddable font, rendering raises :class:`PdfFontError` rather than produce a PDF
  whose text some readers cannot show (the non-embedded CID font STSong-Light shows no
  text at all in poppler). :func:`font_problems` says so before the first document does.
* Output is deterministic: reportlab's ``invariant`` mode fixes the creation date and
  document id, so the same input gives the same bytes.
"""

from __future__ import annotations

import contextlib
import datetime
import importlib.metadata
import importlib.resources
import io
import logging
import math
import os
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import segno
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    ListFlowable,
    ListItem,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

logger = logging.getLogger(__name__)

# The bundled font: the Google Fonts build of Noto Sans SC (TrueType outlines, which reportlab
# can embed; Noto Sans CJK and the other CJK fonts on PyPI have CFF outlines, which it cannot).
BUNDLED_DISTRIBUTION = "justmytype-intl-cjk"
BUNDLED_PACKAGE = "justmytype_intl_cjk"
BUNDLED_FONT = ("fonts", "ofl", "notosanssc", "NotoSansSC[wght].ttf")
BUNDLED_LICENSE = ("fonts", "ofl", "notosanssc", "OFL.txt")
BUNDLED_FAMILY = "NotoSansSC"
WEIGHTS = {"Regular": 400, "Bold": 700}  # the instances made from the variable font
FONT_NAME = "GovhallCJK"
BOLD_FONT_NAME = "GovhallCJK-Bold"
PREPARE_COMMAND = "python -m govhall.core.pdf"

SEAL_RED = colors.Color(0.86, 0.08, 0.08)
INK = colors.Color(0.1, 0.1, 0.1)
RULE_RED = colors.Color(0.8, 0.1, 0.1)

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_LEFT = MARGIN_RIGHT = 25 * mm
MARGIN_TOP = 30 * mm
MARGIN_BOTTOM = 25 * mm
FRAME_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT


# ------------------------------------------------------------------ font


class PdfFontError(RuntimeError):
    """No embeddable CJK font: documents are not rendered rather than rendered without text."""


@dataclass(frozen=True)
class FontInfo:
    name: str  # the reportlab font name of the regular face
    bold: str  # the bold face's name; == name when the font has one weight (titles get a faux bold)
    path: str  # the file embedded (a subset of it)
    bold_path: str | None
    source: str  # "bundled" or "configured" (settings.GOVHALL_PDF_FONT)

    @property
    def has_bold(self) -> bool:
        return self.bold != self.name


_font: FontInfo | None = None
_font_lock = threading.Lock()


def _setting(name: str, default=None):
    try:
        from django.conf import settings

        if settings.configured:
            return getattr(settings, name, default)
    except ImportError:  # pragma: no cover - Django is always installed here
        pass
    return default


def configured_font() -> str:
    """``settings.GOVHALL_PDF_FONT``: a font file to embed instead of the bundled one ("" for none)."""
    return str(_setting("GOVHALL_PDF_FONT", "") or "")


def bundled_source() -> Path | None:
    """The variable Noto Sans SC file in the installed package, or None."""
    try:
        root = importlib.resources.files(BUNDLED_PACKAGE)
    except ModuleNotFoundError:
        return None
    path = Path(str(root.joinpath(*BUNDLED_FONT)))
    return path if path.is_file() else None


def font_dirs() -> list[Path]:
    """Where the prepared instances are looked for, and made in the first writable one: the
    virtualenv's ``share/govhall/fonts`` (``make setup`` fills it), then ``VAR_DIR/fonts``."""
    dirs = [Path(sys.prefix) / "share" / "govhall" / "fonts"]
    var_dir = _setting("VAR_DIR")
    if var_dir:
        dirs.append(Path(var_dir) / "fonts")
    return dirs


def _instance_names() -> dict[str, str]:
    try:
        version = importlib.metadata.version(BUNDLED_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        version = "0"
    return {style: f"{BUNDLED_FAMILY}-{style}-{version}.ttf" for style in WEIGHTS}


def prepared_fonts() -> dict[str, Path] | None:
    """The prepared Regular and Bold instances ({"Regular": path, "Bold": path}), or None."""
    names = _instance_names()
    for directory in font_dirs():
        paths = {style: directory / name for style, name in names.items()}
        if all(path.is_file() for path in paths.values()):
            return paths
    return None


def _make_instance(source: str, weight: int, target: str) -> str:
    """Write the static instance of the variable font at ``weight`` to ``target`` (atomically)."""
    from fontTools.ttLib import TTFont as FontToolsFont
    from fontTools.varLib.instancer import instantiateVariableFont

    font = FontToolsFont(source, recalcTimestamp=False)  # the source's dates: the same bytes on every machine
    instantiateVariableFont(font, {"wght": weight}, inplace=True, updateFontNames=True)
    partial = f"{target}.{os.getpid()}.part"
    try:
        font.save(partial)
        os.replace(partial, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)
    return target


@contextlib.contextmanager
def _dir_lock(directory: Path) -> Iterator[None]:
    """One process at a time makes the instances (another waits, then finds them made)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on Linux
        yield
        return
    with open(directory / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _writable(directory: Path) -> bool:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(directory, os.W_OK | os.X_OK)


def prepare_fonts(*, parallel: bool = False) -> dict[str, Path]:
    """Make the Regular and Bold instances of the bundled font if they are not there yet
    (about 20 s and 230 MB of memory for each; ``parallel`` makes both at once in two
    processes) and return their paths. Raises :class:`PdfFontError` when it cannot."""
    if (found := prepared_fonts()) is not None:
        return found
    source = bundled_source()
    if source is None:
        raise PdfFontError(
            f"The bundled CJK font is missing: the package {BUNDLED_DISTRIBUTION} is not installed "
            "(run `make setup`), and GOVHALL_PDF_FONT names no font. PDFs are not rendered without an "
            "embedded CJK font."
        )
    names = _instance_names()
    directory = next((d for d in font_dirs() if _writable(d)), None)
    if directory is None:
        raise PdfFontError(
            f"The bundled CJK font is not prepared and none of {[str(d) for d in font_dirs()]} is writable: "
            f"run `{PREPARE_COMMAND}` (make setup does) as the user who installed the virtualenv."
        )
    with _dir_lock(directory):
        targets = {style: directory / name for style, name in names.items()}
        missing = [style for style, path in targets.items() if not path.is_file()]
        if missing:
            started = time.monotonic()
            logger.warning("Preparing the bundled CJK font (%s) in %s, once", ", ".join(missing), directory)
            jobs = [(str(source), WEIGHTS[style], str(targets[style])) for style in missing]
            if parallel and len(jobs) > 1:
                from concurrent.futures import ProcessPoolExecutor

                with ProcessPoolExecutor(max_workers=len(jobs)) as pool:
                    list(pool.map(_make_instance, *zip(*jobs, strict=True)))
            else:
                for job in jobs:
                    _make_instance(*job)
            logger.warning("Bundled CJK font prepared in %.0f s", time.monotonic() - started)
        for stale in directory.glob(f"{BUNDLED_FAMILY}-*.ttf"):  # instances of an older package version
            if stale.name not in names.values():
                with contextlib.suppress(OSError):
                    stale.unlink()
    return targets


def _load(name: str, path: str) -> None:
    try:
        pdfmetrics.registerFont(TTFont(name, path))
    except Exception as exc:  # CFF outlines, a font that forbids embedding, a corrupt file
        raise PdfFontError(f"The CJK font {path} cannot be embedded in PDFs: {exc}") from exc


def cjk_font() -> FontInfo:
    """Register the CJK font once per process and say which one it is."""
    global _font
    if _font is not None:
        return _font
    with _font_lock:
        if _font is not None:
            return _font
        configured = configured_font()
        if configured:
            if not Path(configured).is_file():
                raise PdfFontError(f"GOVHALL_PDF_FONT={configured!r}: no such font file")
            _load(FONT_NAME, configured)
            info = FontInfo(FONT_NAME, FONT_NAME, configured, None, "configured")
        else:
            paths = prepare_fonts()
            _load(FONT_NAME, str(paths["Regular"]))
            _load(BOLD_FONT_NAME, str(paths["Bold"]))
            info = FontInfo(FONT_NAME, BOLD_FONT_NAME, str(paths["Regular"]), str(paths["Bold"]), "bundled")
        # <b> in a paragraph takes the bold face (the regular one where there is none)
        pdfmetrics.registerFontFamily(
            FONT_NAME, normal=FONT_NAME, bold=info.bold, italic=FONT_NAME, boldItalic=info.bold
        )
        _font = info
        return info


def reset_font() -> None:
    """Forget the registered font, so the next document looks again (tests; a changed setting)."""
    global _font
    with _font_lock:
        _font = None


def font_name() -> str:
    return cjk_font().name


def bold_font_name() -> str:
    return cjk_font().bold


def font_problems() -> list[str]:
    """What keeps documents from being rendered promptly with an embedded CJK font ([] when
    nothing does), without making anything: for a start-up or deploy check. Unprepared
    instances are a problem too: the first document would wait about 40 s for them."""
    configured = configured_font()
    if configured:
        if not Path(configured).is_file():
            return [f"GOVHALL_PDF_FONT={configured!r}: no such font file."]
        try:
            TTFont("GovhallFontCheck", configured)
        except Exception as exc:
            return [f"GOVHALL_PDF_FONT={configured!r} cannot be embedded in PDFs: {exc}"]
        return []
    if bundled_source() is None:
        return [
            f"The bundled CJK font is missing: install the package {BUNDLED_DISTRIBUTION} (`make setup`) "
            "or set GOVHALL_PDF_FONT to a TrueType CJK font."
        ]
    if prepared_fonts() is None:
        return [
            f"The bundled CJK font is not prepared: run `{PREPARE_COMMAND}` (make setup does), or the first "
            "document waits about 40 s while it is made."
        ]
    return []


# ------------------------------------------------------------------ text helpers


def chinese_date(value: datetime.date | None) -> str:
    """2026年11月24日 (Arabic numerals, as GB/T 9704-2012 allows)."""
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


def chinese_datetime(value: datetime.datetime | None) -> str:
    if value is None:
        return ""
    return f"{chinese_date(value.date())} {value:%H:%M}"


def markup(text: str) -> str:
    """Plain text to paragraph markup: escaped, line breaks kept."""
    return escape(str(text)).replace("\r\n", "\n").replace("\n", "<br/>").replace("  ", "&nbsp;&nbsp;")


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "body",
        fontName=font,
        fontSize=12,
        leading=20,
        wordWrap="CJK",
        textColor=INK,
        alignment=TA_JUSTIFY,
    )
    return {
        "body": ParagraphStyle("body-indent", parent=base, firstLineIndent=24),
        "plain": base,
        "left": ParagraphStyle("left", parent=base, alignment=TA_LEFT),
        # a heading never ends a page: it goes over with what it heads
        "heading": ParagraphStyle(
            "heading", parent=base, fontSize=13, leading=22, spaceBefore=6, spaceAfter=2, keepWithNext=1
        ),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=11, leading=16, alignment=TA_CENTER),
        "cell": ParagraphStyle("cell", parent=base, fontSize=10.5, leading=15, alignment=TA_LEFT),
        "cell-key": ParagraphStyle("cell-key", parent=base, fontSize=10.5, leading=15, alignment=TA_CENTER),
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=13, alignment=TA_LEFT),
        "box": ParagraphStyle("box", parent=base, fontSize=11, leading=18, firstLineIndent=22),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
    }


# ------------------------------------------------------------------ drawing: seal and QR


def _star_points(cx: float, cy: float, outer: float, inner: float) -> list[tuple[float, float]]:
    points = []
    for i in range(10):
        r = outer if i % 2 == 0 else inner
        angle = math.radians(90 + i * 36)
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    return points


def draw_seal(
    canvas: Canvas,
    cx: float,
    cy: float,
    *,
    text: str,
    purpose: str = "",
    radius: float = 21 * mm,
    color: colors.Color = SEAL_RED,
) -> None:
    """A round official seal (圆形公章) centred at (cx, cy): a red ring, a five-pointed
    star, ``text`` (the department) along the upper arc and ``purpose`` (e.g.
    "行政审批专用章") straight underneath the star. Drawn slightly translucent so the
    text it covers stays legible, as a real stamp does.
    """
    font = bold_font_name()  # a seal's characters are heavy, like its ring
    canvas.saveState()
    try:
        canvas.setFillAlpha(0.85)
        canvas.setStrokeAlpha(0.85)
    except AttributeError:  # pragma: no cover - every reportlab canvas has alpha
        pass
    canvas.setStrokeColor(color)
    canvas.setFillColor(color)
    canvas.setLineWidth(radius * 0.055)
    canvas.circle(cx, cy, radius - radius * 0.03, stroke=1, fill=0)

    # the star
    star = _star_points(cx, cy, radius * 0.27, radius * 0.27 * 0.382)
    path = canvas.beginPath()
    path.moveTo(*star[0])
    for point in star[1:]:
        path.lineTo(*point)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)

    # the department along the upper arc, each character upright towards the rim
    chars = [c for c in str(text) if not c.isspace()]
    if chars:
        ring = radius * 0.93 - radius * 0.055  # inside edge of the ring
        max_span = math.radians(min(220, 60 + 14 * len(chars)))  # short names do not spread round the rim
        size = radius * 0.24
        for _ in range(20):  # shrink until the name fits the span
            text_radius = ring - size * 0.62
            step = size * 1.1 / text_radius
            if step * (len(chars) - 1) <= max_span or size <= radius * 0.13:
                break
            size *= 0.95
        step = min(step, max_span / max(len(chars) - 1, 1))
        span = step * (len(chars) - 1)
        start = math.pi / 2 + span / 2
        canvas.setFont(font, size)
        for i, char in enumerate(chars):
            angle = start - i * step
            canvas.saveState()
            canvas.translate(cx + text_radius * math.cos(angle), cy + text_radius * math.sin(angle))
            canvas.rotate(math.degrees(angle) - 90)
            canvas.drawCentredString(0, -size * 0.38, char)
            canvas.restoreState()

    # the purpose, straight, below the star
    if purpose:
        size = radius * 0.16
        width = pdfmetrics.stringWidth(purpose, font, size)
        limit = radius * 1.25
        if width > limit:
            size *= limit / width
        canvas.setFont(font, size)
        canvas.drawCentredString(cx, cy - radius * 0.56, purpose)
    canvas.restoreState()


def draw_qr(canvas: Canvas, x: float, y: float, size: float, data: str, *, border: int = 2) -> None:
    """A QR code for ``data`` as vector rectangles, its lower-left corner at (x, y),
    ``size`` points wide including a quiet zone of ``border`` modules."""
    qr = segno.make(data, error="m", micro=False)
    matrix = qr.matrix
    count = len(matrix)
    module = size / (count + 2 * border)
    canvas.saveState()
    canvas.setFillColor(colors.white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(colors.black)
    for row_index, row in enumerate(matrix):
        top = y + size - (border + row_index + 1) * module
        col = 0
        while col < count:
            if row[col] & 1:
                start = col
                while col < count and row[col] & 1:
                    col += 1
                # a hair wider than the run, so readers see no seams between modules
                canvas.rect(x + (border + start) * module, top, (col - start) * module + 0.01, module + 0.01, 0, 1)
            else:
                col += 1
    canvas.restoreState()


class QrCode(Flowable):
    """A QR code with a caption underneath."""

    def __init__(self, data: str, *, size: float = 30 * mm, caption: str = "", align: str = "CENTER"):
        super().__init__()
        self.data, self.size, self.caption, self.hAlign = data, size, caption, align
        self.width = max(size, pdfmetrics.stringWidth(caption, font_name(), 8) if caption else 0)
        self.height = size + (12 if caption else 0)

    def draw(self) -> None:
        offset = (self.width - self.size) / 2
        draw_qr(self.canv, offset, self.height - self.size, self.size, self.data)
        if self.caption:
            self.canv.setFont(font_name(), 8)
            self.canv.setFillColor(INK)
            self.canv.drawCentredString(self.width / 2, 2, self.caption)


class Title(Flowable):
    """A centred document title in the bold face (a faux bold, stroked, where the font has
    one weight), shrunk to fit the line."""

    def __init__(self, text: str, *, size: float = 22, color: colors.Color = INK, space_after: float = 8):
        super().__init__()
        self.text, self.size, self.color, self.space_after = text, size, color, space_after

    def wrap(self, available_width, available_height):
        self.width = available_width
        width = pdfmetrics.stringWidth(self.text, bold_font_name(), self.size)
        if width > available_width:
            self.size = self.size * available_width / width
        self.height = self.size * 1.3 + self.space_after
        return self.width, self.height

    def draw(self) -> None:
        canvas, font = self.canv, cjk_font()
        canvas.saveState()
        canvas.setFillColor(self.color)
        canvas.setStrokeColor(self.color)
        canvas.setLineWidth(self.size * 0.03)
        text = canvas.beginText()
        if not font.has_bold:
            text.setTextRenderMode(2)  # fill and stroke: a bolder stroke from a regular face
        text.setFont(font.bold, self.size)
        text.setTextOrigin(
            (self.width - pdfmetrics.stringWidth(self.text, font.bold, self.size)) / 2, self.space_after + 2
        )
        text.textOut(self.text)
        canvas.drawText(text)
        canvas.restoreState()


class SignatureBlock(Flowable):
    """The issuer's signature: department and date on the right with the seal over them
    (the seal covers the department name and the date, 骑年盖月), and an optional QR
    code on the left."""

    def __init__(
        self,
        *,
        department: str,
        issued_on: datetime.date | None,
        seal_text: str | None = None,
        seal_purpose: str = "",
        qr_url: str | None = None,
        qr_caption: str = "",
        seal_radius: float = 21 * mm,
    ):
        super().__init__()
        self.department, self.issued_on = department, issued_on
        self.seal_text = department if seal_text is None else seal_text
        self.seal_purpose, self.qr_url, self.qr_caption = seal_purpose, qr_url, qr_caption
        self.seal_radius = seal_radius
        self.height = max(2 * seal_radius + 2 * mm, 36 * mm if qr_url else 0)

    def wrap(self, available_width, available_height):
        self.width = available_width
        return self.width, self.height

    def draw(self) -> None:
        canvas, font = self.canv, font_name()
        size = 13
        date_text = chinese_date(self.issued_on)
        right = self.width - 8 * mm
        dept_width = pdfmetrics.stringWidth(self.department, font, size)
        date_width = pdfmetrics.stringWidth(date_text, font, size)
        block = max(dept_width, date_width)
        centre_x = right - block / 2
        mid_y = self.height / 2
        canvas.saveState()
        canvas.setFillColor(INK)
        canvas.setFont(font, size)
        canvas.drawCentredString(centre_x, mid_y + 4, self.department)
        canvas.drawCentredString(centre_x, mid_y - size - 4, date_text)
        canvas.restoreState()
        if self.seal_text:
            seal_x = min(centre_x, self.width - self.seal_radius)
            draw_seal(canvas, seal_x, mid_y, text=self.seal_text, purpose=self.seal_purpose, radius=self.seal_radius)
        if self.qr_url:
            qr_size = 28 * mm
            draw_qr(canvas, 0, self.height - qr_size, qr_size, self.qr_url)
            if self.qr_caption:
                canvas.setFont(font, 8)
                canvas.setFillColor(INK)
                canvas.drawCentredString(qr_size / 2, self.height - qr_size - 9, self.qr_caption)


class Boxed(Flowable):
    """Paragraphs in a thin frame (e.g. an applicant's written commitment)."""

    def __init__(self, content: Sequence[Flowable], *, padding: float = 4 * mm):
        super().__init__()
        self.content, self.padding = list(content), padding

    def wrap(self, available_width, available_height):
        self.width = available_width
        inner = available_width - 2 * self.padding
        self._sizes = [f.wrap(inner, available_height) for f in self.content]
        self.height = sum(h for _, h in self._sizes) + 2 * self.padding
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        canvas.setStrokeColor(colors.Color(0.45, 0.45, 0.45))
        canvas.setLineWidth(0.6)
        canvas.rect(0, 0, self.width, self.height, stroke=1, fill=0)
        canvas.restoreState()
        y = self.height - self.padding
        for flowable, (_, h) in zip(self.content, self._sizes, strict=True):
            y -= h
            flowable.drawOn(canvas, self.padding, y)


# ------------------------------------------------------------------ the document builder


class OfficialDocument:
    """Build an A4 official document step by step, then ``render()`` it to bytes.

    ``header_left`` / ``header_right`` are printed at the top of every page (e.g. the
    issuing hall and the case number), with a red rule under them; every page is
    numbered "— N —" at the bottom. ``border=True`` draws a certificate frame instead
    of the rule.
    """

    def __init__(
        self,
        *,
        title: str,
        header_left: str = "",
        header_right: str = "",
        author: str = "",
        subject: str = "",
        border: bool = False,
    ):
        self.font = font_name()
        self.styles = _styles(self.font)
        self.title_text = title
        self.header_left, self.header_right = header_left, header_right
        self.author, self.subject, self.border = author, subject, border
        self.story: list[Flowable] = []

    # --- content
    def title(self, text: str | None = None, *, size: float = 22, subtitle: str = "") -> OfficialDocument:
        self.story.append(Title(text or self.title_text, size=size, space_after=4 if subtitle else 10))
        if subtitle:
            self.story.append(Paragraph(markup(subtitle), self.styles["subtitle"]))
            self.story.append(Spacer(1, 4 * mm))
        return self

    def heading(self, text: str) -> OfficialDocument:
        self.story.append(Paragraph(markup(text), self.styles["heading"]))
        return self

    def paragraph(self, text: str, *, indent: bool = True, style: str | None = None) -> OfficialDocument:
        self.story.append(Paragraph(markup(text), self.styles[style or ("body" if indent else "plain")]))
        return self

    def rich(self, html: str, *, indent: bool = True) -> OfficialDocument:
        """A paragraph in reportlab markup (the caller escapes what it interpolates)."""
        self.story.append(Paragraph(html, self.styles["body" if indent else "plain"]))
        return self

    def spacer(self, height: float = 4 * mm) -> OfficialDocument:
        self.story.append(Spacer(1, height))
        return self

    def key_values(self, rows: Iterable[tuple[str, str]], *, key_width: float = 32 * mm) -> OfficialDocument:
        """A two-column table of labelled facts."""
        cell, key = self.styles["cell"], self.styles["cell-key"]
        data = [[Paragraph(markup(k), key), Paragraph(markup(v), cell)] for k, v in rows]
        if data:
            self.story.append(self._table(data, [key_width, FRAME_WIDTH - key_width], header=False))
            self.story.append(Spacer(1, 3 * mm))
        return self

    def table(
        self, header: Sequence[str], rows: Iterable[Sequence[str]], *, widths: Sequence[float] | None = None
    ) -> OfficialDocument:
        """A table with a header row; ``widths`` are fractions of the line (default equal)."""
        cell, key = self.styles["cell"], self.styles["cell-key"]
        data = [[Paragraph(markup(h), key) for h in header]]
        data += [[Paragraph(markup(v), cell) for v in row] for row in rows]
        fractions = list(widths or [1 / len(header)] * len(header))
        self.story.append(self._table(data, [f * FRAME_WIDTH for f in fractions], header=True))
        self.story.append(Spacer(1, 3 * mm))
        return self

    def numbered(self, items: Iterable[str]) -> OfficialDocument:
        """A numbered list: 1. 2. 3."""
        flowables = [ListItem(Paragraph(markup(t), self.styles["left"]), leftIndent=18) for t in items]
        if flowables:
            self.story.append(
                ListFlowable(
                    flowables, bulletType="1", bulletFontName=self.font, bulletFontSize=11, leftIndent=18, start="1"
                )
            )
            self.story.append(Spacer(1, 2 * mm))
        return self

    def boxed(self, paragraphs: Iterable[str], *, footer: str = "") -> OfficialDocument:
        content: list[Flowable] = [Paragraph(markup(p), self.styles["box"]) for p in paragraphs]
        if footer:
            content.append(Spacer(1, 2 * mm))
            content.append(Paragraph(markup(footer), self.styles["right"]))
        self.story.append(Boxed(content))
        self.story.append(Spacer(1, 3 * mm))
        return self

    def small(self, text: str) -> OfficialDocument:
        self.story.append(Paragraph(markup(text), self.styles["small"]))
        return self

    def qr(self, url: str, *, caption: str = "", size: float = 30 * mm) -> OfficialDocument:
        self.story.append(QrCode(url, size=size, caption=caption))
        return self

    def signature(
        self,
        *,
        department: str,
        issued_on: datetime.date | None,
        seal_text: str | None = None,
        seal_purpose: str = "行政审批专用章",
        qr_url: str | None = None,
        qr_caption: str = "",
        keep_with_previous: int = 1,
    ) -> OfficialDocument:
        """The closing block: department, date, the seal over them, an optional QR code.
        The last ``keep_with_previous`` flowables move to the next page with it, so a
        seal never sits alone on a page."""
        block = SignatureBlock(
            department=department,
            issued_on=issued_on,
            seal_text=seal_text,
            seal_purpose=seal_purpose,
            qr_url=qr_url,
            qr_caption=qr_caption,
        )
        tail = self.story[-keep_with_previous:] if keep_with_previous else []
        if tail:
            del self.story[-keep_with_previous:]
        self.story.append(KeepTogether([*tail, Spacer(1, 3 * mm), block]))
        return self

    def append(self, flowable: Flowable) -> OfficialDocument:
        self.story.append(flowable)
        return self

    # --- output
    def render(self) -> bytes:
        buffer = io.BytesIO()
        doc = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN_LEFT,
            rightMargin=MARGIN_RIGHT,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            title=self.title_text,
            author=self.author,
            subject=self.subject,
            creator="govhall",
            invariant=1,
            initialFontName=self.font,  # not Helvetica: every font the PDF names is embedded
        )
        doc.build(list(self.story), onFirstPage=self._decorate, onLaterPages=self._decorate)
        return buffer.getvalue()

    # --- internals
    def _table(self, data: list[list[Flowable]], widths: list[float], *, header: bool) -> Table:
        table = Table(data, colWidths=widths, repeatRows=1 if header else 0)
        style = [
            ("FONT", (0, 0), (-1, -1), self.font, 10.5),  # not Helvetica, which no PDF of ours embeds
            ("GRID", (0, 0), (-1, -1), 0.6, colors.Color(0.35, 0.35, 0.35)),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 4),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.93, 0.94, 0.96)))
        else:
            style.append(("BACKGROUND", (0, 0), (0, -1), colors.Color(0.96, 0.96, 0.97)))
        table.setStyle(TableStyle(style))
        return table

    def _decorate(self, canvas: Canvas, doc) -> None:
        canvas.saveState()
        font = self.font
        top = PAGE_HEIGHT - (21 if self.border else 16) * mm  # inside the frame on certificates
        canvas.setFillColor(INK)
        canvas.setFont(font, 9)
        if self.header_left:
            canvas.drawString(MARGIN_LEFT, top, self.header_left)
        if self.header_right:
            canvas.drawRightString(PAGE_WIDTH - MARGIN_RIGHT, top, self.header_right)
        if self.border:
            canvas.setStrokeColor(RULE_RED)
            canvas.setLineWidth(2.2)
            canvas.rect(12 * mm, 12 * mm, PAGE_WIDTH - 24 * mm, PAGE_HEIGHT - 24 * mm)
            canvas.setLineWidth(0.6)
            canvas.rect(14.5 * mm, 14.5 * mm, PAGE_WIDTH - 29 * mm, PAGE_HEIGHT - 29 * mm)
        else:
            canvas.setStrokeColor(RULE_RED)
            canvas.setLineWidth(1.2)
            canvas.line(MARGIN_LEFT, top - 3 * mm, PAGE_WIDTH - MARGIN_RIGHT, top - 3 * mm)
        canvas.setFont(font, 10)
        canvas.drawCentredString(PAGE_WIDTH / 2, 19 * mm if self.border else 15 * mm, f"— {doc.page} —")
        canvas.restoreState()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m govhall.core.pdf``: prepare the bundled font (``make setup`` runs it)."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    try:
        paths = prepare_fonts(parallel=True)
    except PdfFontError as exc:
        print(exc, file=sys.stderr)
        return 1
    for style, path in paths.items():
        print(f"{style}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
