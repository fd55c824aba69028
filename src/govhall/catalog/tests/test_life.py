"""The life-cycle tree pages: public, drawn (an SVG and the trunk's markup, not a list), every
event linking to its bundle or item, and counts that agree with a direct computation."""

from __future__ import annotations

import re

import pytest

from govhall.catalog.demo import bundles as demo_bundles
from govhall.catalog.models import STAGES_OF, Bundle, LifeEvent, LifeStage, LifeTree, ServiceItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def trees(demo):
    demo_bundles.load()


def _expected(tree: str, stage: str | None = None) -> dict[str, int]:
    """The counts computed straight from the tables, without the page's code."""
    published = {i.code: i for i in ServiceItem.objects.filter(status="published")}
    members = {x.code: [m.item_code for m in x.members.all()] for x in Bundle.objects.filter(status="published")}
    events = LifeEvent.objects.filter(tree=tree, **({"stage": stage} if stage else {}))
    n, codes = 0, set()
    for e in events:
        if e.bundle_code and e.bundle_code in members:
            n += 1
            codes |= {c for c in members[e.bundle_code] if c in published}
        elif e.item_code and e.item_code in published:
            n += 1
            codes.add(e.item_code)
    items = [published[c] for c in codes]

    def share(pred) -> int:
        return round(100 * sum(1 for i in items if pred(i)) / len(items)) if items else 0

    return {
        "events": n,
        "items": len(items),
        "online": share(lambda i: i.online_depth == "full_online"),
        "one_visit": share(lambda i: i.max_visits <= 1),
        "nearby": share(lambda i: i.nearby),
    }


def _page_counts(html: str, tree: str) -> dict[str, int]:
    block = html[html.index(f'data-tree="{tree}"') :]
    block = block[: block.index("</dl>")]
    return {k: int(v) for k, v in re.findall(r'data-count="(\w+)">(\d+)%?<', block)}


@pytest.mark.parametrize("url", ["/life/", "/life/natural/", "/life/legal/"])
def test_anonymous_visitors_see_a_drawn_tree(client, trees, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and 'class="trunk"' in html and '<details class="branch' in html
    # no list-only fallback: the stages are branches, the events leaves
    assert "<ul" not in html.split("<main", 1)[1].split("</main>", 1)[0]


def test_unknown_tree_is_404(client, trees):
    assert client.get("/life/company/").status_code == 404


@pytest.mark.parametrize("tree", LifeTree.values)
def test_tree_counts_agree_with_a_direct_computation(client, trees, tree):
    html = client.get(f"/life/{tree}/").content.decode()
    expected = _expected(tree)
    assert expected["events"] >= 20 and expected["items"] >= 20
    assert _page_counts(html, tree) == expected
    both = client.get("/life/").content.decode()
    assert _page_counts(both, tree) == expected
    for stage in STAGES_OF[LifeTree(tree)]:
        e = _expected(tree, stage)
        assert (
            f'data-stage="{stage.value}">{e["events"]}件事 · {e["items"]}个事项 · 网办{e["online"]}% · '
            f"跑一次{e['one_visit']}% · 就近{e['nearby']}%"
        ) in html, stage
        assert f'id="stage-{tree}-{stage.value}"' in html and LifeStage(stage).label in html


def test_every_event_links_to_its_bundle_or_item_and_says_where(client, trees):
    html = client.get("/life/").content.decode()
    for event in LifeEvent.objects.all():
        target = f"/bundles/{event.bundle_code}/" if event.bundle_code else f"/items/{event.item_code}/"
        assert f'href="{target}"' in html, event.name
        assert event.name in html
    assert "在哪办：家门口就近办" in html and "在哪办：全程网办" in html
    assert html.count('class="leaf fruit"') == LifeEvent.objects.exclude(bundle_code="").count()


def test_an_event_whose_target_is_not_published_is_left_out(client, trees):
    LifeEvent.objects.create(tree="legal", stage="closing", theme="企业注销", name="已停用的事项", item_code="NOPE-1")
    html = client.get("/life/legal/").content.decode()
    assert "已停用的事项" not in html and "/items/NOPE-1/" not in html
    assert _page_counts(html, "legal") == _expected("legal")


def test_elder_mode_draws_the_same_tree(client, trees):
    html = client.get("/life/natural/?mode=elder").content.decode()
    assert 'class="elder"' in html and "<svg" in html and "新生儿出生一件事" in html
