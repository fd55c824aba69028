"""What the guide's 预约办理 lookup costs as halls that take appointments are added.

    .venv/bin/python bench/guide.py [--halls 1,20,100] [--rounds 5]
    DATABASE_URL=postgres://... .venv/bin/python bench/guide.py   # on PostgreSQL

On its own database (var/bench_guide on SQLite, or DATABASE_URL) with the demo catalogue and
hall, adds halls in other districts (each with four window groups, a schedule on each, the
general windows' one included) until each count in --halls is reached, and times, in one
process with Django's test client, the guide page of 20 published items and
``appointments.selectors.booking_halls`` for the same items, interleaved, --rounds rounds.
Prints the medians and the lookup's share of the guide at each count: the ratio is what
matters, both measured in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import time

from _server import setup_django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--halls", default="1,20,100")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    setup_django("bench_guide")

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    from django.test import Client
    from django.urls import reverse

    from govhall.accounts import demo as accounts_demo
    from govhall.accounts.models import Hall, WindowGroup
    from govhall.appointments import selectors
    from govhall.appointments.models import Schedule
    from govhall.catalog import demo as catalog_demo
    from govhall.catalog.models import Region, ServiceItem

    catalog_demo.load()
    accounts_demo.load()
    # start from the demo hall alone: the halls an earlier run added go
    Schedule.objects.filter(hall__name__startswith="测试").delete()
    Hall.objects.filter(name__startswith="测试").delete()
    Region.objects.filter(code__startswith="6199").delete()
    city = Region.objects.get(code="610100000000")
    items = list(ServiceItem.objects.filter(status="published").select_related("department")[:20])
    client = Client(HTTP_HOST="127.0.0.1")
    urls = [reverse("catalog:guide", args=[i.code]) for i in items]

    def add_hall(n: int) -> None:
        region, _ = Region.objects.get_or_create(
            code=f"6199{n:04d}00000", defaults={"name": f"测试{n}区", "level": "district", "parent": city}
        )
        hall = Hall.objects.create(region=region, name=f"测试{n}区政务服务中心")
        for order, letter in enumerate("ABCD"):
            group = WindowGroup.objects.create(hall=hall, letter=letter, name=f"{letter}区", order=order)
            Schedule.objects.create(hall=hall, window_group=group, capacity=4, online_capacity=3)

    if not Schedule.objects.filter(hall__name=accounts_demo.DEMO_HALL).exists():
        group = WindowGroup.objects.get(hall__name=accounts_demo.DEMO_HALL, letter="A")
        Schedule.objects.create(hall=group.hall, window_group=group, capacity=4, online_capacity=3)
    print(f"{'halls':>6} {'guide p50 ms':>13} {'lookup p50 ms':>14} {'share':>6}")
    for target in (int(x) for x in args.halls.split(",")):
        while Hall.objects.filter(window_groups__appointment_schedules__active=True).distinct().count() < target:
            add_hall(Hall.objects.count() + 1)
        for url in urls[:3]:
            client.get(url)  # warm
        guide, lookup = [], []
        for _ in range(args.rounds):
            for url, item in zip(urls, items, strict=True):
                start = time.perf_counter()
                status = client.get(url).status_code
                guide.append(time.perf_counter() - start)
                assert status == 200, status
                start = time.perf_counter()
                selectors.booking_halls(item)
                lookup.append(time.perf_counter() - start)
        g, lk = statistics.median(guide) * 1000, statistics.median(lookup) * 1000
        print(f"{target:>6} {g:>13.2f} {lk:>14.2f} {lk / g:>6.1%}")


if __name__ == "__main__":
    main()
