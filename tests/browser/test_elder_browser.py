"""长辈模式 (适老化) in real Chromium on a 375 px phone: switched on from the header, then
measured in the page on the home page, the catalogue, a guide, the login page and a
signed-in citizen's 我的办件 and case page (and a power list). Every visible text is at least 18 px and has a
contrast of at least 4.5:1 on the background it is drawn on (standard mode too), nothing
scrolls sideways, and the touch targets are at least 48 px. Then the idle warning."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}

FIELD = "input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file])"
DESCRIBE = """(el) => el.tagName.toLowerCase() + (typeof el.className === "string" && el.className.trim()
  ? "." + el.className.trim().split(/\\s+/).join(".") : "")"""

# In the page: every visible element with its own text (and every text field), its
# computed font size, and the WCAG contrast of its colour on the colour behind it (the
# element's and its ancestors' backgrounds, composed over the white canvas).
MEASURE = """() => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
  const background = (el) => {
    const layers = [];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const bg = parse(getComputedStyle(node).backgroundColor);
      if (bg && bg[3] > 0) { layers.push(bg); if (bg[3] >= 1) break; }
    }
    return layers.reverse().reduce((below, layer) => over(layer, below), [255, 255, 255, 1]);
  };
  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const isField = (el) => el.matches("select, textarea, FIELD");
  const describe = DESCRIBE;
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "svg"].includes(el.tagName) || el.closest("svg")) continue;
    const ownText = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join("").trim();
    if (!ownText && !isField(el)) continue;
    const style = getComputedStyle(el);
    if (style.visibility !== "visible" || el.getClientRects().length === 0) continue;
    const bg = background(el);
    const fg = over(parse(style.color), bg);
    out.push({
      what: describe(el),
      text: (ownText || el.value || el.placeholder || "").slice(0, 24),
      size: parseFloat(style.fontSize),
      lineHeight: style.lineHeight === "normal" ? null : parseFloat(style.lineHeight) / parseFloat(style.fontSize),
      contrast: Math.round(ratio(fg, bg) * 100) / 100,
      color: style.color,
      background: "rgb(" + bg.slice(0, 3).map(Math.round).join(", ") + ")",
    });
  }
  return out;
}""".replace("FIELD", FIELD).replace("DESCRIBE", DESCRIBE)

# Touch targets: the header's links and buttons, buttons, navigation chips and tabs, fields.
TARGETS = """() => [...document.querySelectorAll(
    ".site-header a, .site-header button, main .btn, main button, .search button, .chips a, .tabs a, .pager a, " +
    "main FIELD, main select, main textarea, #idle-warning .btn")]
  .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility === "visible")
  .map((el) => { const r = el.getBoundingClientRect(), describe = DESCRIBE;
    return {what: describe(el), text: (el.innerText || el.value || el.name || "").trim().slice(0, 16),
            height: r.height, width: r.width}; })""".replace("FIELD", FIELD).replace("DESCRIBE", DESCRIBE)


def texts(page) -> list[dict]:
    found = page.evaluate(MEASURE)
    assert len(found) > 10, found  # the measurement sees the page
    return found


def low_contrast(found: list[dict]) -> list[dict]:
    return [t for t in found if t["contrast"] < 4.5]


def check_elder(page, name: str) -> None:
    """The elder-mode rules on the page as it is now; offenders are named in the message."""
    assert page.evaluate("document.documentElement.classList.contains('elder')"), name
    screenshot(page, f"elder-{name}")
    found = texts(page)
    small = [t for t in found if t["size"] < 18]
    assert not small, f"{name}: text under 18px: {small}"
    tight = [t for t in found if t["lineHeight"] is not None and t["lineHeight"] < 1.6 - 1e-3]
    assert not tight, f"{name}: line height under 1.6: {tight}"
    faint = low_contrast(found)
    assert not faint, f"{name}: contrast under 4.5:1: {faint}"
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{name}: the page scrolls sideways: scrollWidth {widths[0]} > {widths[1]}"
    targets = page.evaluate(TARGETS)
    assert targets, name
    tiny = [t for t in targets if t["height"] < 48 - 0.5 or t["width"] < 48 - 0.5]
    assert not tiny, f"{name}: touch targets under 48px: {tiny}"
    pressed = page.get_by_role("button", name="长辈模式", exact=True).get_attribute("aria-pressed")
    assert pressed == "true", name


def check_standard(page, name: str) -> None:
    assert not page.evaluate("document.documentElement.classList.contains('elder')"), name
    screenshot(page, f"standard-{name}")
    faint = low_contrast(texts(page))
    assert not faint, f"{name} (standard mode): contrast under 4.5:1: {faint}"
    assert page.get_by_role("button", name="标准模式").get_attribute("aria-pressed") == "true", name


@pytest.fixture
def site(transactional_db, settings, tmp_path):
    """The demo catalogue and accounts, and cases of the citizen in several states."""
    from conftest import _load_demo

    settings.MEDIA_ROOT = tmp_path / "media"
    _load_demo()
    from govhall.cases.tests import factories as f

    f.draft()
    f.accepted_with_deferral()
    f.approved()
    return {"case": f.STATE_BUILDERS["correction_requested"]()}


@pytest.fixture
def phone(browser, live_server):
    from django.conf import settings

    settings.SITE_URL = live_server.url
    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def sign_in(page, base: str, username: str = "citizen") -> None:
    from django.conf import settings

    page.goto(base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", settings.GOVHALL_DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(base + "/")


def pages_in_order(page, base: str, case_number: str, check) -> None:
    """Home, the catalogue, a guide reached from it, a department's power list (a wide
    table), the login page with an error, then signed in: 我的办件 and a case waiting for
    a correction."""
    page.goto(base + "/")
    check(page, "home")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="个人办事").click()
    page.wait_for_selector("a.name")
    check(page, "items")
    page.locator("a.name", has_text="食品经营许可").first.click()
    page.wait_for_selector("table.materials")
    check(page, "guide")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="部门").click()
    page.get_by_role("link", name="查看权责清单").first.click()
    page.wait_for_selector("table")
    check(page, "power-list")
    # On a phone each item is a card: its legal basis runs the card's width, not a column's.
    basis = page.locator("td[data-label=设定依据]").first.bounding_box()["width"]
    assert basis > 0.7 * page.viewport_size["width"], basis

    page.goto(base + "/accounts/login/")
    page.fill("#id_username", "citizen")
    page.fill("#id_password", "not-the-password")
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector(".errorlist")
    check(page, "login")

    sign_in(page, base)
    page.get_by_role("link", name="我的办件").click()
    page.wait_for_selector(".caselist")
    assert page.locator(".caselist li[data-case]").count() >= 4
    check(page, "mine")
    page.locator(f"a.number:has-text('{case_number}')").click()
    page.wait_for_selector(".case-page")
    check(page, "case")


def test_elder_mode_on_a_phone(phone, live_server, site):
    page, base = phone, live_server.url
    page.goto(base + "/items/?applicant_type=natural")
    switch = page.get_by_role("group", name="显示模式")
    assert switch.get_by_role("button", name="长辈模式", exact=True).get_attribute("aria-pressed") == "false"
    switch.get_by_role("button", name="长辈模式", exact=True).click()
    page.wait_for_url(base + "/items/?applicant_type=natural")  # back where it was
    assert page.evaluate("document.documentElement.className") == "elder"
    assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") >= 20
    assert switch.get_by_role("button", name="标准模式").get_attribute("aria-pressed") == "false"

    pages_in_order(page, base, site["case"].number, check_elder)

    # The material table is a list of cards on a phone, each line labelled.
    page.goto(base + "/items/000101005000-610104000000-000-11610104LH0000001G-1-00/")
    labels = page.locator("table.materials tbody tr").first.evaluate(
        "tr => [...tr.cells].map((td) => getComputedStyle(td, '::before').content)"
    )
    assert labels == ['"材料 "', "none", '"要求："', '"原件/复印件："', '"形式："', '"来源："'], labels
    assert page.locator("table.materials tbody tr").first.evaluate("tr => getComputedStyle(tr).display") == "block"

    # Back to the standard mode from the header; the cookie holds without JavaScript.
    page.get_by_role("button", name="标准模式").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.evaluate("document.documentElement.className") == ""


def test_standard_mode_contrast(phone, live_server, site):
    pages_in_order(phone, live_server.url, site["case"].number, check_standard)


def test_elder_mode_from_a_posters_link(phone, live_server, site):
    """A hall poster's QR code opens a guide with ``?mode=elder``: the page is in the mode
    (measured like the others, the offer included), and 一直使用长辈模式 keeps it."""
    page, base = phone, live_server.url
    page.goto(base + "/items/000101005000-610104000000-000-11610104LH0000001G-1-00/?mode=elder")
    assert page.evaluate("document.documentElement.className") == "elder"
    offer = page.get_by_role("status").filter(has_text="本页已按长辈模式显示")
    assert offer.is_visible()
    check_elder(page, "from-link")
    page.goto(base + "/")  # nothing kept yet
    assert page.evaluate("document.documentElement.className") == ""
    page.go_back()
    page.get_by_role("button", name="一直使用长辈模式").click()
    page.wait_for_url(base + "/items/000101005000-610104000000-000-11610104LH0000001G-1-00/")
    assert page.get_by_role("status").filter(has_text="本页已按长辈模式显示").count() == 0
    page.goto(base + "/")
    assert page.evaluate("document.documentElement.className") == "elder"


def test_elder_mode_without_javascript(browser, live_server, site):
    """The switch is a plain form and the class comes from the server: no script needed,
    and no flash of the standard page on the next page load."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/departments/")
        page.get_by_role("button", name="长辈模式", exact=True).click()
        page.wait_for_url(live_server.url + "/departments/")
        assert page.locator("html.elder").count() == 1
        assert page.get_by_role("button", name="长辈模式", exact=True).get_attribute("aria-pressed") == "true"
        page.goto(live_server.url + "/")
        assert page.locator("html.elder").count() == 1
    finally:
        context.close()


def test_idle_warning_before_the_sign_out(phone, live_server, site):
    """WCAG 2.2.1: a few minutes before the idle limit an alert offers 继续使用, which renews
    the session; if nobody answers, the page says it has been signed out."""
    from django.conf import settings

    page, base = phone, live_server.url
    limit = settings.SESSION_COOKIE_AGE
    page.clock.install()
    sign_in(page, base)
    page.get_by_role("button", name="长辈模式", exact=True).click()
    page.goto(base + "/cases/mine/")
    alert = page.locator("#idle-warning")
    assert alert.get_attribute("role") == "alert"
    assert alert.inner_text() == ""

    page.clock.fast_forward((limit - 60 - 300 - 30) * 1000)  # not yet
    assert alert.inner_text() == ""
    page.clock.fast_forward(40 * 1000)
    page.get_by_role("button", name="继续使用").wait_for()
    assert "自动退出登录" in alert.inner_text()
    check_elder(page, "idle-warning")

    with page.expect_response("**/api/v1/auth/me") as ping:
        page.get_by_role("button", name="继续使用").click()
    assert ping.value.status == 200
    assert "已为您延长登录时间" in alert.inner_text()
    assert page.evaluate("document.activeElement.id") == "idle-warning"  # focus is not lost

    page.clock.fast_forward((limit + 10) * 1000)  # nobody answers this time
    page.get_by_role("link", name="重新登录").wait_for()
    assert "已退出登录" in alert.inner_text()
    assert page.get_by_role("link", name="重新登录").get_attribute("href") == "/accounts/login/?next=%2Fcases%2Fmine%2F"
