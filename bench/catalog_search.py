"""Catalogue search latency through the API, next to a bare JSON endpoint, same server, same run.

    .venv/bin/python bench/catalog_search.py [--items 10000] [--requests 400]
    DATABASE_URL=postgres://... .venv/bin/python bench/catalog_search.py   # on PostgreSQL

Generates a catalogue of --items published items (variants of the demo items, so names,
materials and pinyin collide the way a real multi-region catalogue does), serves it with
gunicorn on 127.0.0.1, and times sequential requests to /api/v1/ping (baseline) and to
/api/v1/catalog/items?q=... with a mix of Chinese, pinyin, initials and typo queries.
Prints p50/p95 of each and the ratio. Target: search p95 within 5x of the bare p95.
"""

from __future__ import annotations

import argparse
import copy
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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


def setup_django() -> None:
    if not os.environ.get("DATABASE_URL"):
        os.environ["GOVHALL_VAR_DIR"] = str(ROOT / "var" / "bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govhall.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server did not answer at {url}")


def timed(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:
        response.read()
        assert response.status == 200
    return (time.perf_counter() - started) * 1000


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    generate(args.items)
    port = free_port()
    env = {**os.environ, "DEBUG": "1", "PYTHONPATH": str(ROOT / "src")}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "govhall.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "1",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        wait_for(base + "/ping")
        search_urls = [f"{base}/catalog/items?" + urllib.parse.urlencode({"q": q}) for q in QUERIES]
        for url in search_urls:  # warm up: index build, jieba dictionary
            timed(url)
        for _ in range(50):
            timed(base + "/ping")
        bare, found = [], []
        # interleave so both see the same machine noise
        for i in range(args.requests):
            bare.append(timed(base + "/ping"))
            found.append(timed(search_urls[i % len(search_urls)]))
    finally:
        server.terminate()
        server.wait(10)
    b50, b95 = percentile(bare, 50), percentile(bare, 95)
    s50, s95 = percentile(found, 50), percentile(found, 95)
    print(f"database: {connection.vendor}, items: {args.items}, requests: {args.requests} each")
    print(f"bare  /api/v1/ping          p50 {b50:6.2f} ms  p95 {b95:6.2f} ms  mean {statistics.mean(bare):6.2f} ms")
    print(f"search /api/v1/catalog/items p50 {s50:6.2f} ms  p95 {s95:6.2f} ms  mean {statistics.mean(found):6.2f} ms")
    print(f"ratio search/bare: p50 {s50 / b50:.2f}x  p95 {s95 / b95:.2f}x  (target p95 <= 5x)")


if __name__ == "__main__":
    main()
