"""The life-cycle trees (全生命周期树): public pages that draw the natural person's and the
legal person's trees (stage → theme → event) as a picture to explore on a phone, each event
leading to a bundle (一件事) or an item, with counts per tree and per stage.

Counts are computed from the published catalogue, never typed in: the items an event reaches
are its item, or every member of its bundle; a tree's or a stage's items are the distinct
codes its events reach, and the shares are of those items: 全程网办 (online_depth
full_online), 最多跑一次 (max_visits ≤ 1) and 就近办 (item.nearby). An event whose bundle or
item is not published is left out, so the tree never links to a missing page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from govhall.catalog.models import (
    STAGES_OF,
    Bundle,
    LifeEvent,
    LifeStage,
    LifeTree,
    OnlineDepth,
    ServiceItem,
)

# short labels of where an event is handled, for the leaf's tag
PLACE_LABELS = {
    LifeEvent.Place.CENTRE: "政务服务中心",
    LifeEvent.Place.NEARBY: "家门口就近办",
    LifeEvent.Place.DEPARTMENT: "部门窗口",
    LifeEvent.Place.ONLINE: "全程网办",
}


@dataclass
class Counts:
    """Counts of a set of events: how many, and the distinct published items they reach."""

    events: int = 0
    items: set[str] = field(default_factory=set)
    online: set[str] = field(default_factory=set)
    one_visit: set[str] = field(default_factory=set)
    nearby: set[str] = field(default_factory=set)

    def add(self, reached: list[ServiceItem]) -> None:
        self.events += 1
        for item in reached:
            self.items.add(item.code)
            if item.online_depth == OnlineDepth.FULL_ONLINE:
                self.online.add(item.code)
            if item.max_visits <= 1:
                self.one_visit.add(item.code)
            if item.nearby:
                self.nearby.add(item.code)

    @staticmethod
    def _percent(part: set[str], whole: set[str]) -> int:
        return round(100 * len(part) / len(whole)) if whole else 0

    @property
    def item_count(self) -> int:
        return len(self.items)

    @property
    def online_percent(self) -> int:
        return self._percent(self.online, self.items)

    @property
    def one_visit_percent(self) -> int:
        return self._percent(self.one_visit, self.items)

    @property
    def nearby_percent(self) -> int:
        return self._percent(self.nearby, self.items)


@dataclass
class Leaf:
    event: LifeEvent
    url: str
    target_name: str
    bundle: Bundle | None
    members: int  # items the event reaches (a bundle's members, or 1)
    place_label: str


@dataclass
class Theme:
    name: str
    leaves: list[Leaf] = field(default_factory=list)


@dataclass
class Stage:
    code: str
    name: str
    themes: list[Theme] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)


@dataclass
class Tree:
    code: str
    name: str
    stages: list[Stage]
    counts: Counts
    # the SVG overview: a trunk with one branch per stage
    height: int = 0
    crown_cy: int = 0
    crown_ry: int = 0
    branches: list[dict] = field(default_factory=list)


def build_tree(tree: str) -> Tree:
    """One life-cycle tree with its published events and counts."""
    # themes in the order they were first given (ids), events in their order within a theme
    events = sorted(LifeEvent.objects.filter(tree=tree).order_by("id"), key=lambda e: e.order)
    first_seen: dict[tuple[str, str], int] = {}
    for e in sorted(events, key=lambda e: e.id):
        first_seen.setdefault((e.stage, e.theme), e.id)
    events.sort(key=lambda e: (first_seen[(e.stage, e.theme)], e.order, e.id))
    bundles = {
        b.code: b
        for b in Bundle.objects.filter(
            status=Bundle.Status.PUBLISHED, code__in={e.bundle_code for e in events if e.bundle_code}
        ).prefetch_related("members")
    }
    codes = {e.item_code for e in events if e.item_code} | {
        m.item_code for b in bundles.values() for m in b.members.all()
    }
    items = {i.code: i for i in ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED, code__in=codes)}

    total = Counts()
    stages = []
    for stage_code in STAGES_OF[LifeTree(tree)]:
        stage = Stage(code=stage_code.value, name=LifeStage(stage_code).label)
        themes: dict[str, Theme] = {}
        for event in (e for e in events if e.stage == stage_code):
            if event.bundle_code:
                bundle = bundles.get(event.bundle_code)
                if bundle is None:
                    continue
                reached = [items[m.item_code] for m in bundle.members.all() if m.item_code in items]
                leaf = Leaf(event, f"/bundles/{bundle.code}/", bundle.name, bundle, len(reached), "")
            else:
                item = items.get(event.item_code)
                if item is None:
                    continue
                reached = [item]
                leaf = Leaf(event, f"/items/{item.code}/", item.name, None, 1, "")
            leaf.place_label = PLACE_LABELS.get(event.place, event.get_place_display())
            themes.setdefault(event.theme, Theme(event.theme)).leaves.append(leaf)
            stage.counts.add(reached)
            total.add(reached)
        stage.themes = list(themes.values())
        stages.append(stage)
    result = Tree(code=tree, name=LifeTree(tree).label, stages=stages, counts=total)
    _layout(result)
    return result


# the overview drawing: a 320-wide picture, the trunk in the middle, stages alternating left
# and right from the root (bottom) to the crown (top), as a tree grows
_WIDTH, _STEP, _TOP = 320, 56, 40


def _layout(tree: Tree) -> None:
    n = len(tree.stages)
    tree.height = _TOP + n * _STEP + 40
    tree.crown_cy = (tree.height - 40) // 2
    tree.crown_ry = (tree.height - 40) // 2 + 6
    for i, stage in enumerate(tree.stages):
        y = tree.height - 60 - i * _STEP
        left = i % 2 == 0
        end_x = 64 if left else 256
        tree.branches.append(
            {
                "stage": stage,
                "y": y,
                "mid_y": y - 18,
                "x": end_x,
                "curve": f"M160 {y + 18} Q {(160 + end_x) // 2} {y + 10} {end_x} {y}",
                "anchor": "middle",
            }
        )


def _trees(codes: list[str]) -> list[Tree]:
    return [build_tree(code) for code in codes]


@require_GET
def life_trees(request):
    """Both trees on one page (个人, then 企业)."""
    return render(request, "catalog/life.html", {"trees": _trees(LifeTree.values), "single": False})


@require_GET
def life_tree(request, tree: str):
    if tree not in LifeTree.values:
        raise Http404("没有这棵生命周期树")
    return render(request, "catalog/life.html", {"trees": _trees([tree]), "single": True})


# added to catalog/urls.py (namespace catalog): /life/ and /life/natural/, /life/legal/
urlpatterns = [
    path("life/", life_trees, name="life"),
    path("life/<str:tree>/", life_tree, name="life_tree"),
]
