"""The in-page accessibility checker the browser tests share: eight rules (see
test_a11y_browser's docstring), run by a script in the page, each violation with the element
that breaks it."""

from __future__ import annotations

# In the page: every violation of the eight rules, each with the element that breaks it.
CHECK = """() => {
  const out = [];
  const describe = (el) => ({
    tag: el.tagName.toLowerCase(),
    id: el.id || "",
    cls: typeof el.className === "string" ? el.className.trim() : "",
    name: el.getAttribute("name") || "",
    type: el.getAttribute("type") || "",
    text: (el.textContent || el.value || el.getAttribute("placeholder") || el.getAttribute("href") || "")
      .replace(/\\s+/g, " ").trim().slice(0, 40),
  });
  const report = (rule, el, detail) => out.push({rule, detail: detail || "", element: el ? describe(el) : null});
  const rendered = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  // The text a screen reader would take from inside an element: its text without the
  // parts hidden from assistive technology and without the text of form controls in it.
  const textOf = (el) => {
    const copy = el.cloneNode(true);
    copy.querySelectorAll("[aria-hidden=true], [hidden], script, style, template, input, select, textarea")
      .forEach((n) => n.remove());
    return copy.textContent.replace(/\\s+/g, " ").trim();
  };
  const ids = (el, attr) => (el.getAttribute(attr) || "").split(/\\s+/).filter(Boolean);
  const labelledBy = (el) => ids(el, "aria-labelledby")
    .map((id) => document.getElementById(id)).filter(Boolean).map(textOf).join(" ").trim();
  const imageName = (el) => {
    for (const img of el.querySelectorAll("img, svg, [role=img]")) {
      if (img.closest("[aria-hidden=true]")) continue;
      const title = img.querySelector && img.querySelector("title");
      const name = (img.getAttribute("alt") || img.getAttribute("aria-label") || img.getAttribute("title")
        || (title ? title.textContent : "") || "").trim();
      if (name) return name;
    }
    return "";
  };

  // 1. language and title
  const lang = document.documentElement.getAttribute("lang");
  if (lang !== "zh-CN") report("html-lang", document.documentElement, "lang=" + JSON.stringify(lang));
  if (!document.title.trim()) report("title", null, "empty or missing <title>");

  // 2. one h1
  const h1 = document.querySelectorAll("h1");
  if (h1.length !== 1) report("one-h1", h1[1] || null, h1.length + " <h1> elements");

  // 3. form controls have a name
  for (const el of document.querySelectorAll("input, select, textarea")) {
    const type = (el.getAttribute("type") || "text").toLowerCase();
    if (type === "hidden" || ["submit", "button", "reset", "image"].includes(type) || !rendered(el)) continue;
    const byLabel = [...(el.labels || [])].map(textOf).join(" ").trim();
    const name = byLabel || (el.getAttribute("aria-label") || "").trim() || labelledBy(el)
      || (el.getAttribute("title") || "").trim();
    if (!name) report("control-name", el, "no label, aria-label, aria-labelledby or title");
  }

  // 4. buttons and links have a name
  const clickable = "a[href], button, summary, [role=button], [role=link], "
    + "input[type=submit], input[type=button], input[type=reset], input[type=image]";
  for (const el of document.querySelectorAll(clickable)) {
    if (!rendered(el)) continue;
    const name = labelledBy(el) || (el.getAttribute("aria-label") || "").trim() || textOf(el) || imageName(el)
      || (el.tagName === "INPUT" ? (el.value || el.getAttribute("alt") || "").trim() : "")
      || (el.getAttribute("title") || "").trim();
    if (!name) report(el.matches("a, [role=link]") ? "link-name" : "button-name", el, "no accessible name");
  }

  // 5. images have alt
  for (const img of document.querySelectorAll("img")) if (!img.hasAttribute("alt")) report("img-alt", img, img.src);
  // ... and so does an inline <svg> (a QR code): role=img with a name on it or on a wrapper,
  // unless it is decorative (aria-hidden) or inside a control that rule 4 names.
  const svgName = (el) => (el.getAttribute("aria-label") || "").trim() || labelledBy(el)
    || ((el.querySelector(":scope > title") || {}).textContent || "").trim();
  for (const svg of document.querySelectorAll("svg")) {
    if (svg.parentElement.closest("svg") || svg.closest("[aria-hidden=true]") || svg.closest(clickable)) continue;
    const holder = svg.closest("[role=img]");
    if (!holder || !svgName(holder)) report("img-alt", svg, "inline <svg> without role=img and a name, or aria-hidden");
  }

  // 6. ids are unique
  const seen = new Map();
  for (const el of document.querySelectorAll("[id]")) seen.set(el.id, (seen.get(el.id) || []).concat([el]));
  for (const [id, els] of seen)
    if (els.length > 1) report("duplicate-id", els[1], els.length + " elements with id=" + id);

  // 7. references name existing ids
  for (const attr of ["aria-labelledby", "aria-describedby"])
    for (const el of document.querySelectorAll("[" + attr + "]"))
      for (const id of ids(el, attr))
        if (!document.getElementById(id)) report("broken-reference", el, attr + "=" + id);
  for (const label of document.querySelectorAll("label[for]"))
    if (!document.getElementById(label.htmlFor)) report("broken-reference", label, "for=" + label.htmlFor);

  // 8. targets are at least 24 x 24 CSS px (WCAG 2.2, 2.5.8): controls, and links laid out
  // as blocks (tabs, chips, buttons); a link inside a sentence is exempt. A checkbox or radio
  // counts with the label around it (clicking the label ticks it); a control shrunk to a
  // pixel by .visually-hidden or laid transparently over a button is not itself the target.
  const targets = "button, select, textarea, summary, input, a[href]";
  for (const el of document.querySelectorAll(targets)) {
    if (!rendered(el)) continue;
    const type = (el.getAttribute("type") || "").toLowerCase();
    if (el.tagName === "INPUT" && type === "hidden") continue;
    if (el.tagName === "A" && getComputedStyle(el).display === "inline") continue;
    if (getComputedStyle(el).opacity === "0") continue;
    let box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;
    if (el.tagName === "INPUT" && ["checkbox", "radio"].includes(type) && el.closest("label"))
      box = el.closest("label").getBoundingClientRect();
    if (box.width < 24 || box.height < 24)
      report("target-size", el, Math.round(box.width) + "x" + Math.round(box.height) + " px");
  }
  return out;
}"""


def check(page) -> list[dict]:
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    return page.evaluate(CHECK)


def format_violation(url: str, v: dict) -> str:
    el = v["element"]
    if el is None:
        return f"{url}  [{v['rule']}] {v['detail']}"
    what = el["tag"] + (f"#{el['id']}" if el["id"] else "") + "".join(f".{c}" for c in el["cls"].split())
    attrs = "".join(f" {k}={el[k]!r}" for k in ("name", "type") if el[k])
    return f"{url}  [{v['rule']}] <{what}{attrs}> “{el['text']}” — {v['detail']}"
