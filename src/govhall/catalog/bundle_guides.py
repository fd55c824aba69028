"""Reads of bundles (一件事) for pages and the API: the search's bundle suggestions and
everything a bundle's guide shows. Apart from ``selectors`` because ``bundles`` stands on
``selectors`` (materials for answers) and these stand on ``bundles``."""

from __future__ import annotations

from govhall.catalog import bundles, search
from govhall.catalog.bundles import published_bundles

# What a person types around the thing itself: "我要开餐馆", "生孩子了", "怎么办退休".
_BUNDLE_FILLERS = (
    "我想要",
    "我要",
    "我想",
    "想要",
    "怎么办理",
    "怎么办",
    "如何办理",
    "办理",
    "一件事",
    "了",
    "啊",
    "呢",
)


def _bundle_query_terms(q: str) -> set[str]:
    text = search.normalize(q)
    for filler in _BUNDLE_FILLERS:
        text = text.replace(filler, " ")
    return {t for t in search.text_terms(text) | search.pinyin_terms(text) if t.strip()}


def _bundle_terms(bundle) -> set[str]:
    terms: set[str] = set()
    for text in [bundle.name.replace("一件事", ""), *bundle.aliases.replace("，", "、").replace(",", "、").split("、")]:
        text = text.strip()
        if text:
            terms |= search.text_terms(text) | search.pinyin_terms(text)
    return terms


_bundle_terms_cache: dict[str, object] = {"revision": None, "rows": []}


def bundle_search(q: str, limit: int = 3, *, revision: int | None = None) -> list:
    """Published bundles whose name or aliases match ``q`` (the item search's tokenizer:
    words, bigrams, pinyin), best first: offered above the items, since a person who types
    "生孩子了" means the whole thing, not one item of it. The bundles' terms are kept until
    the catalogue revision changes (publishing a bundle bumps it)."""
    wanted = _bundle_query_terms(q or "")
    plain = {t for t in wanted if not t.startswith(("py:", "in:"))}
    if not plain:
        return []
    # a search that has just read the revision passes it: one query per request, not two
    revision = search.current_revision() if revision is None else revision
    if _bundle_terms_cache["revision"] != revision:
        _bundle_terms_cache["rows"] = [(b, _bundle_terms(b)) for b in published_bundles().order_by("code")]
        _bundle_terms_cache["revision"] = revision
    scored = []
    for bundle, terms in _bundle_terms_cache["rows"]:
        share = len(plain & terms) / len(plain)
        whole = any(t in terms for t in wanted if t.startswith("py:"))
        if share >= 0.5 or whole:
            scored.append((share + (1 if whole else 0), bundle.code, bundle))
    scored.sort(key=lambda s: (-s[0], s[1]))
    return [bundle for _, _, bundle in scored[:limit]]


def bundle_guide(bundle, answers: dict[int, int] | None = None) -> dict:
    """Everything a bundle's guide shows (page and API): the members that apply to the
    answers (all required ones without answers), with their items; the one form; the one
    set of materials; the reductions and the limit."""
    answers = answers or {}
    items = bundles.member_items(bundle)
    applying = [m for m in bundles.members_for_answers(bundle, answers) if m.item_code in items]
    applying_items = [items[m.item_code] for m in applying]
    applying_codes = {m.item_code for m in applying}
    return {
        "bundle": bundle,
        "answers": answers,
        "items": items,
        "members": [(m, items.get(m.item_code), m.item_code in applying_codes) for m in bundle.members.all()],
        "applying": [(m, items[m.item_code]) for m in applying],
        "missing": bundles.missing_members(bundle, items),
        "form": bundles.unified_form(bundle, applying_items),
        "materials": bundles.unified_materials(bundle, applying_items),
        "reductions": bundles.reductions(bundle, items),
        "limit": bundles.bundle_limit(applying_items),
        "full_limit": bundles.bundle_limit(list(items.values())),
    }
