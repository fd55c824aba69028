"""Catalogue search latency through the API, next to a bare JSON endpoint, same server, same run.

    .venv/bin/python bench/catalog_search.py [--items 10000] [--requests 400]
    DATABASE_URL=postgres://... .venv/bin/python bench/catalog_search.py   # on PostgreSQL
    .venv/bin/python bench/catalog_search.py --distinct   # also queries never repeated

Generates a catalogue of --items published items (variants of the demo items, so names,
materials and pinyin collide the way a real multi-region catalogue does), serves it with
gunicorn on 127.0.0.1, and times sequential requests to /api/v1/ping (baseline) and to
/api/v1/catalog/items?q=... with a mix of Chinese, pinyin, initials and typo queries,
interleaved, in --runs runs on the same server. Prints p50/p95 of each and the ratio per run
and their medians; with --distinct also for queries that are never repeated (there is no
results cache, so they should look the same). Target: search p95 within 5x of the bare p95.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time
import urllib.parse
import urllib.request

from _server import serve, setup_django

QUERIES = [
    "营业执照",
    "yyzz",
    "公积金提取",
    "jiehun",
    "食品经营许可",
    "社会保障卡",
    "不动产登记",
    "营业职照",
    "医保 报销",
    "出生医学证明",
    "shigong",
    "户口",
    "完税证明",
    "环评",
    "养老保险",
    "yibao",
    "准生证",
    "档案托管",
    "结婚登记",
    "施工许可",
]
VARIANTS = ["", "（分中心）", "（自贸区）", "（高新区）", "（经开区）", "（曲江）", "（浐灞）", "（港务区）"]


def generate(n: int) -> None:
    from django.core.management import call_command

    from govhall.catalog import demo
    from govhall.catalog.demo import data
    from govhall.catalog.models import ServiceItem
    from govhall.catalog.services import catalog_import

    call_command("migrate", verbosity=0)
    demo.load()
    have = ServiceItem.objects.filter(status="published").count()
    if have >= n:
        print(f"catalogue: {have} published items already present")
        return
    started = time.perf_counter()
    batch = []
    for i in range(have, n):
        template = copy.deepcopy(data.ITEMS[i % len(data.ITEMS)])
        variant = i // len(data.ITEMS)
        template["code"] = f"BENCH-{i:06d}"
        template["name"] = (
            template["name"]
            + VARIANTS[variant % len(VARIANTS)]
            + (f"{variant // len(VARIANTS)}" if variant >= len(VARIANTS) else "")
        )
        batch.append(template)
        if len(batch) == 500:
            catalog_import(batch)
            batch = []
    if batch:
        catalog_import(batch)
    total = ServiceItem.objects.filter(status="published").count()
    print(f"catalogue: generated up to {total} items in {time.perf_counter() - started:.0f}s")


def timed(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:
        response.read()
        assert response.status == 200
    return (time.perf_counter() - started) * 1000


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def distinct_queries(n: int) -> list[str]:
    """n different queries, none repeated and none of them in QUERIES: names and aliases of the
    demo items, their first characters, pinyin, initials and one-character typos, a material
    name, two words together. With no results cache in the server, every one is computed."""
    import random

    from pypinyin import Style, lazy_pinyin

    from govhall.catalog.demo import data

    rng = random.Random(20261124)
    texts = sorted(
        {t for item in data.ITEMS for t in (item["name"], *item["aliases"].split("、")) if t}
        | {m["name"] for item in data.ITEMS for m in item["materials"]}
    )
    chars = sorted({c for t in texts for c in t if "\u4e00" <= c <= "\u9fff"})
    makers = [
        lambda t: t,
        lambda t: t[: rng.randint(2, max(2, len(t) - 1))],
        lambda t: t[rng.randint(0, max(0, len(t) - 3)) :][:4],
        lambda t: "".join(lazy_pinyin(t)),
        lambda t: "".join(lazy_pinyin(t))[: rng.randint(4, 10)],
        lambda t: "".join(lazy_pinyin(t, style=Style.FIRST_LETTER)),
        lambda t: (lambda i: t[:i] + rng.choice(chars) + t[i + 1 :])(rng.randrange(len(t))),
        lambda t: t[:4] + " " + rng.choice(texts)[:4],
    ]
    out: dict[str, None] = {}
    seen = set(QUERIES)
    while len(out) < n:
        query = rng.choice(makers)(rng.choice(texts)).strip()
        if query and query not in seen:
            seen.add(query)
            out[query] = None
    return list(out)


def measure(base: str, urls: list[str], n: int) -> tuple[list[float], list[tuple[float, str]]]:
    """n interleaved requests each to /ping and to urls (cycled), so both see the same machine noise."""
    bare, found = [], []
    for i in range(n):
        bare.append(timed(base + "/ping"))
        url = urls[i % len(urls)]
        found.append((timed(url), url))
    return bare, found


def figures(bare: list[float], found: list[float]) -> dict[str, float]:
    b50, b95 = percentile(bare, 50), percentile(bare, 95)
    s50, s95 = percentile(found, 50), percentile(found, 95)
    return {"b50": b50, "b95": b95, "s50": s50, "s95": s95, "r50": s50 / b50, "r95": s95 / b95}


def report(label: str, runs: list[dict[str, float]]) -> None:
    line = (
        "{:<22} bare p50 {b50:5.2f} p95 {b95:5.2f} ms | search p50 {s50:5.2f} p95 {s95:5.2f} ms"
        " | ratio p50 {r50:5.2f}x p95 {r95:5.2f}x"
    )
    for i, run in enumerate(runs, 1):
        print(line.format(f"{label} run {i}", **run))
    if len(runs) > 1:
        median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        print(line.format(f"{label} median", **median))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=400, help="requests each to ping and to search, per run")
    parser.add_argument("--runs", type=int, default=3, help="measurement runs on the same server; medians reported")
    parser.add_argument(
        "--distinct",
        action="store_true",
        help="also time queries that are never repeated (cache-cold), reported separately",
    )
    parser.add_argument("--slowest", type=int, default=5, help="list the N slowest queries of the mix (median ms)")
    args = parser.parse_args()
    setup_django("bench")
    from django.db import connection

    generate(args.items)
    mix_runs, cold_runs, by_url = [], [], {}
    with serve(env={"DEBUG": "1"}) as server:
        base = server.base
        url_of = {f"{base}/catalog/items?" + urllib.parse.urlencode({"q": q}): q for q in QUERIES}
        search_urls = list(url_of)
        for url in search_urls:  # warm up: index build, jieba dictionary
            timed(url)
        for _ in range(50):
            timed(base + "/ping")
        cold = distinct_queries(args.requests * args.runs) if args.distinct else []
        for run in range(args.runs):
            bare, found = measure(base, search_urls, args.requests)
            mix_runs.append(figures(bare, [ms for ms, _ in found]))
            for ms, url in found:
                by_url.setdefault(url, []).append(ms)
            if cold:
                chunk = cold[run * args.requests : (run + 1) * args.requests]
                urls = [f"{base}/catalog/items?" + urllib.parse.urlencode({"q": q}) for q in chunk]
                bare, found = measure(base, urls, len(urls))
                cold_runs.append(figures(bare, [ms for ms, _ in found]))
    print(
        f"database: {connection.vendor}, items: {args.items}, {args.requests} requests each to ping and search per run"
    )
    report(f"{len(QUERIES)}-query mix", mix_runs)
    if cold_runs:
        report("distinct queries", cold_runs)
    slowest = sorted(((statistics.median(ms), url_of[url]) for url, ms in by_url.items()), reverse=True)
    if args.slowest:
        print("slowest of the mix (median ms): " + ", ".join(f"{q} {ms:.2f}" for ms, q in slowest[: args.slowest]))
    print("target: search p95 within 5x of the bare p95")


if __name__ == "__main__":
    main()
