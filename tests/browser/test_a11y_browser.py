"""What assistive technology makes of every page (WCAG 2.1 AA, 适老化), in real Chromium.

For the anonymous visitor and each demo role, the site is crawled breadth-first from "/"
along same-site ``<a href>`` links (GET only: no form is ever submitted, nothing under
/admin/, /api/, /static/, /media/, no logout, no file download — the Content-Type is
asked for before a page is parsed). URLs are de-duplicated by their Django URL pattern
(resolved in the test process): at most a few per pattern, every pattern once before any
twice, and a cap of pages per role, so the crawl stays bounded. On each HTML page, with
every ``<details>`` opened (the staff action forms live in them), a script in the page
checks:

1. ``<html lang="zh-CN">`` and a non-empty ``<title>``;
2. exactly one ``<h1>``;
3. every rendered input (not hidden), select and textarea has an accessible name: a
   ``<label>`` with text, ``aria-label``, ``aria-labelledby`` naming existing non-empty
   elements, or ``title`` (a placeholder is not a name);
4. every rendered button and link (and ``<summary>``) has a non-empty accessible name: its
   text, ``aria-label``/``aria-labelledby``, an image inside with alt/aria-label/title, or
   ``title``;
5. every ``<img>`` has an ``alt`` attribute, and every inline ``<svg>`` image (not
   ``aria-hidden``, not inside a button or link) has ``role="img"`` and a name, on itself
   or on a wrapper — an image without a text alternative either way;
6. no ``id`` occurs twice;
7. ``aria-labelledby``, ``aria-describedby`` and ``label[for]`` name existing ids;
8. every control, and every link laid out as a block (tabs, chips, button-like links), is
   at least 24 × 24 CSS px (WCAG 2.2, 2.5.8): a checkbox or radio counts with its label, a
   link inside a sentence is exempt.

The crawl runs on a phone's viewport (375 × 740): phone first, as applicants use it.

A link that answers with an HTTP error is reported as well. "Rendered" means the element
has a box (``getClientRects``) and is not ``visibility: hidden``: a control clipped to one
pixel by ``.visually-hidden`` or made transparent over a styled button (the file pickers)
still counts, and must still have a name. Every violation of a role's crawl is listed in
one assertion (page, rule, element); the crawl must also have reached a minimum number of
distinct URL patterns, so a crawl that breaks (a failed sign-in, no links) cannot pass.
``test_error_pages`` puts the 404 and 403 pages through the same checks, and
``test_checker_reports_each_rule`` proves the script finds each kind of fault."""

from __future__ import annotations

from collections import Counter, deque
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.browser.a11y import check, format_violation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_PAGES = 60  # per role
PER_PATTERN = 3  # URLs per Django URL pattern (query strings included)
# The case page shows other forms in every state (and to every role): it gets more samples.
LIMITS = {"/cases/<str:number>/": 8}
SKIP_PREFIXES = ("/admin/", "/api/", "/static/", "/media/")
SKIP_SUFFIXES = (".pdf", ".svg", ".png", ".jpg", ".jpeg", ".xlsx", ".zip", ".csv")

# The least number of distinct URL patterns each crawl must reach (what the demo data
# offers each role, with a little slack for links that may come and go).
ROLES = {
    None: 9,  # the anonymous visitor
    "citizen": 13,
    "company": 11,
    "clerk": 14,
    "reviewer": 12,
    "approver": 12,
    "manager": 12,
    "supervisor": 12,
    "assistant": 11,
    "admin": 12,
    "citizen2": 12,  # an operator of a company, with no case of their own (the empty states)
}

# An SVG <a> (the life-cycle trees) has an SVGAnimatedString for href: resolve its text.
LINKS = """() => [...document.querySelectorAll("a[href]")]
  .filter((a) => !a.hasAttribute("download"))
  .map((a) => typeof a.href === "string" ? a.href : new URL(a.getAttribute("href"), location.href).href)"""


def _pattern(url: str, base: str) -> str | None:
    """The URL's Django route ("/cases/<str:number>/"), or None when the crawl must not go
    there (another site, admin, API, static and media files, logout, a file by its name)."""
    from django.urls import Resolver404, resolve

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or f"{parts.scheme}://{parts.netloc}" != base:
        return None
    path = parts.path
    if path.startswith(SKIP_PREFIXES) or "logout" in path or path.lower().endswith(SKIP_SUFFIXES):
        return None
    try:
        return "/" + resolve(path).route
    except Resolver404:
        return "unresolved " + path  # still visited: a broken link shows as an HTTP error


def crawl(context, base: str, seeds: list[str]) -> tuple[list[str], set[str], int]:
    """Breadth-first from the seeds, across patterns first: the next page is always one of
    the pattern visited least so far (in the order the patterns were found), so the page
    cap never starves a pattern. Returns the violations (formatted), the routes of the
    pages checked, and how many HTML pages were checked."""
    page = context.new_page()
    page.set_default_timeout(15000)
    pending: dict[str, deque[str]] = {}  # pattern -> URLs found, in order; dicts keep insertion order
    visits: Counter[str] = Counter()
    seen: set[str] = set()
    routes: set[str] = set()
    violations: list[str] = []
    checked = 0

    def found(url: str) -> None:
        url = urlunsplit(urlsplit(url)._replace(fragment=""))
        key = _pattern(url, base)
        if key is not None and url not in seen:
            seen.add(url)
            pending.setdefault(key, deque()).append(url)

    for seed in seeds:
        found(base + seed)
    while checked < MAX_PAGES:
        open_keys = [k for k, urls in pending.items() if urls and visits[k] < LIMITS.get(k, PER_PATTERN)]
        if not open_keys:
            break
        key = min(open_keys, key=lambda k: visits[k])  # the first found among the least visited
        url = pending[key].popleft()
        visits[key] += 1
        response = context.request.get(url)  # with the context's cookies; redirects followed
        if response.status >= 400:
            violations.append(f"{url}  [http-status] a link leads to an HTTP {response.status}")
            continue
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue  # a download: not parsed
        final = response.url
        if final != url:
            if final in seen or _pattern(final, base) is None:
                continue
            seen.add(final)
        page.goto(final, wait_until="load")
        checked += 1
        routes.add(_pattern(page.url, base))
        violations += [format_violation(page.url, v) for v in check(page)]
        for link in page.evaluate(LINKS):
            found(link)
    page.close()
    return violations, routes, checked


@pytest.fixture
def site(transactional_db, settings, tmp_path):
    """The demo catalogue, accounts and cases, and cases in every other state the pages
    show differently (a draft, a correction, a special procedure, an instant item waiting
    for the window, a commitment waiting for its check, another department's, a rejection);
    the citizen is also the legal representative of two companies registered online, one
    with citizen2 as its operator (经办人管理 shows a form per company)."""
    from conftest import _load_demo

    from govhall.accounts import services as accounts
    from govhall.accounts.demo import DEMO_COMPANY_USCC
    from govhall.accounts.validators import uscc_check_char
    from govhall.cases import demo as cases_demo
    from govhall.cases.tests import factories as f

    settings.MEDIA_ROOT = tmp_path / "media"
    _load_demo()
    cases_demo.load()
    f.draft()
    f.STATE_BUILDERS["correction_requested"]()
    f.STATE_BUILDERS["suspended"]()
    f.submitted(f.INSTANT, "company")
    f.submitted(f.EIA, "company")
    f.act(f.accepted(), "approver", "approve", commitment="本人承诺具备与经营项目相适应的经营场所和设备。")
    f.act(
        f.submitted(),
        "clerk",
        "reject",
        reason="申请事项不属于本部门职权范围",
        legal_basis="《中华人民共和国行政许可法》第三十二条",
    )
    submitted = f.submitted()
    citizen = f.user("citizen")
    for body, name in (
        ("91610104MA6TM3579", "西安莲湖丝路文创有限公司"),
        ("91610104MA6TM2468", "西安莲湖长安茶社有限公司"),
    ):
        company, _ = accounts.legal_person_register(actor=citizen, name=name, uscc=body + uscc_check_char(body))
    accounts.operator_authorise(actor=citizen, applicant=company, phone="13700137000", name="李娜")
    return {"number": submitted.number, "uscc": DEMO_COMPANY_USCC}


def _seeds(role: str | None, site: dict) -> list[str]:
    """The home page, and (as if a link led there) the results of a few GET forms that no
    link reaches: a progress query, the window's item search and its operator look-up."""
    seeds = ["/"]
    if role is None:
        seeds.append(f"/progress/?number={site['number']}&phone_last4=8000")
    if role == "clerk":
        seeds += ["/workbench/intake/?q=%E9%A3%9F%E5%93%81", f"/accounts/operators/?uscc={site['uscc']}"]  # 食品
    return seeds


@pytest.mark.parametrize("role", list(ROLES), ids=[r or "anonymous" for r in ROLES])
def test_every_page_is_understood_by_assistive_technology(browser, live_server, site, role):
    from django.conf import settings

    settings.SITE_URL = live_server.url
    base = live_server.url
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN", timezone_id="Asia/Shanghai")
    try:
        if role:
            page = context.new_page()
            page.goto(base + "/accounts/login/")
            page.fill("#id_username", role)
            page.fill("#id_password", settings.GOVHALL_DEMO_PASSWORD)
            page.get_by_role("button", name="登录").click()
            page.wait_for_url(lambda url: "/accounts/login/" not in url)
            page.close()
        violations, routes, checked = crawl(context, base, _seeds(role, site))
    finally:
        context.close()
    who = role or "anonymous"
    print(f"\n{who}: {checked} pages, {len(routes)} URL patterns: {sorted(routes)}")
    assert not violations, f"{who}: {len(violations)} accessibility violations:\n" + "\n".join(violations)
    assert len(routes) >= ROLES[role], f"{who}: the crawl reached only {len(routes)} URL patterns: {sorted(routes)}"


def test_error_pages(browser, live_server, site):
    """The pages a visitor reaches by a wrong or stale link, or a role without the right:
    the site's own, in Chinese, passing the same checks (Django's defaults are English with
    lang="en", and its 403 page drops the reason)."""
    from django.conf import settings

    base = live_server.url
    context = browser.new_context(locale="zh-CN")
    try:
        page = context.new_page()
        response = page.goto(base + "/no-such-page/")
        assert response.status == 404
        assert page.locator("h1").inner_text() == "页面不存在"
        assert not check(page), [format_violation(page.url, v) for v in check(page)]

        page.goto(base + "/accounts/login/")
        page.fill("#id_username", "citizen")
        page.fill("#id_password", settings.GOVHALL_DEMO_PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        for path, status, heading in [
            ("/cases/00000000000000000000/", 404, "页面不存在"),
            ("/workbench/", 403, "无权访问"),
        ]:
            response = page.goto(base + path)
            assert response.status == status, path
            assert page.locator("h1").inner_text() == heading, path
            assert not check(page), [format_violation(page.url, v) for v in check(page)]
        assert "工作台仅供工作人员使用" in page.locator("main").inner_text()  # the reason, not "403 Forbidden"
    finally:
        context.close()


FAULTY = """<!doctype html><html lang="en"><head><title> </title></head><body>
<h1>One</h1><h1>Two</h1>
<input id="bare" name="bare" placeholder="a placeholder is not a name">
<label for="blank"> </label><input id="blank">
<input aria-labelledby="nowhere" id="lost">
<select id="s1"><option>只有选项</option></select>
<a href="/x" id="empty-link"><span aria-hidden="true">→</span></a>
<button id="icon"><svg width="10" height="10"></svg></button>
<div id="qr"><svg id="bare-svg" width="10" height="10"></svg></div>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<p id="twice">a</p><p id="twice">b</p>
<p aria-describedby="missing">c</p><label for="ghost">幽灵</label>
<button id="tiny" style="min-width:0; min-height:0; width:16px; height:16px; padding:0">关</button>
<input type="checkbox" id="tick" aria-label="同意" style="min-width:0; min-height:0">
<!-- no violation below: each is named or not shown -->
<style>.visually-hidden { position:absolute; width:1px; height:1px; overflow:hidden; clip:rect(0 0 0 0); }
:where(input, select, textarea, button, summary, a) { display:inline-block; min-width:30px; min-height:30px; }</style>
<p>正文中的<a href="/q" style="display:inline">链接</a>不算目标尺寸。</p>
<label style="display:inline-block; min-height:30px">
<input type="checkbox" name="ok" style="min-width:0; min-height:0"> 同意（连同标签）</label>
<label class="visually-hidden" for="clipped">事由</label>
<select id="clipped"><option>a</option></select>
<label>意见<textarea name="t"></textarea></label>
<input type="file" aria-label="选择文件" style="opacity:0">
<input type="hidden" name="h"><div hidden><input name="gone"></div>
<a href="/y" title="我的信息"></a><button aria-label="关闭">×</button>
<a href="/z"><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="首页"></a>
<details><summary>展开</summary><input name="inside" aria-label="里面"></details>
<div role="img" aria-label="二维码"><svg width="10" height="10"><rect width="5" height="5"/></svg></div>
<svg aria-hidden="true" width="10" height="10"></svg><svg role="img" width="10" height="10"><title>图</title></svg>
</body></html>"""


def test_checker_reports_each_rule(browser):
    """The in-page checker on a page built to break every rule once (and to pass where a
    control is named in a way that is easy to miss): it must not be silently lenient."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content(FAULTY)
        found = sorted((v["rule"], (v["element"] or {}).get("id", "")) for v in check(page))
    finally:
        context.close()
    assert found == sorted(
        [
            ("html-lang", ""),
            ("title", ""),
            ("one-h1", ""),
            ("control-name", "bare"),
            ("control-name", "blank"),
            ("control-name", "lost"),
            ("control-name", "s1"),
            ("link-name", "empty-link"),
            ("button-name", "icon"),
            ("img-alt", ""),
            ("img-alt", "bare-svg"),
            ("duplicate-id", "twice"),
            ("broken-reference", "lost"),
            ("broken-reference", ""),
            ("broken-reference", ""),
            ("target-size", "tiny"),
            ("target-size", "tick"),
        ]
    ), found
