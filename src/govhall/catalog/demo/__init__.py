"""Demo catalogue: the 莲湖区 service centre's regions, departments, topics and items."""

from __future__ import annotations

from django.db import transaction

from govhall.catalog import services
from govhall.catalog.services import ImportResult
from govhall.core.demo import demo_loader


@demo_loader(
    order=10,
    summary=lambda r: f"事项库：新增 {len(r.created)} 项，修订 {len(r.revised)} 项，未变化 {len(r.unchanged)} 项",
)
@transaction.atomic
def load() -> ImportResult:
    from govhall.catalog.demo import data

    for region in data.REGIONS:
        services.region_upsert(
            code=region["code"], name=region["name"], level=region["level"], parent_code=region["parent"]
        )
    for d in data.DEPARTMENTS:
        services.department_upsert(
            code=d["code"],
            name=d["name"],
            region_code=d["region"],
            short_name=d.get("short_name", ""),
            phone=d.get("phone", ""),
            order=d.get("order", 0),
        )
    for t in data.TOPICS:
        services.topic_upsert(code=t["code"], name=t["name"], audience=t["audience"], order=t.get("order", 0))
    return services.catalog_import(data.ITEMS)


# the bundles (一件事) and life-cycle trees, loaded after the items they name (order 12)
from govhall.catalog.demo import bundles as _bundles  # noqa: E402, F401
