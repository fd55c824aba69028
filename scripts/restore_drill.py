"""The restore drill (issue 18), on a small database: back up, drop, restore into a fresh
database and a fresh bucket, and check what came back.

1. a scratch PostgreSQL database next to DATABASE_URL's and a bucket on moto's S3 server:
   migrate, the demo (with its cases), and one more case filed through the API by citizen
   with its materials (their sha256 as the server acknowledged them) and submitted;
2. ``scripts/backup.py backup`` (pg_dump custom format, every object, manifest of sha256);
3. the database is dropped and the bucket emptied and deleted;
4. ``scripts/backup.py restore`` into a new database and a new bucket;
5. ``manage.py verify_audit`` (every case's hash chain) and ``verify_security_audit`` pass;
   the case filed before the backup is complete through the API of a server on the restored
   site: its state and timeline as before, and each material downloads with the same sha256.

    DATABASE_URL=postgres://govhall:govhall@127.0.0.1:5432/govhall .venv/bin/python scripts/restore_drill.py

Prints PASS/FAIL per step; exit 1 on any FAIL. Every process it starts is stopped at the end.
"""

# ruff: noqa: S603

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import traceback
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import PYTHON, ROOT, Gunicorn, Site, call, multipart, token_for
from multinode import FORM, ITEM, Processes, get_raw, json_body, pdf, start_moto

RESULTS: list[tuple[str, bool, str]] = []


def say(text: str) -> None:
    print(text, flush=True)


def step(name: str, ok: bool, detail: str) -> None:
    RESULTS.append((name, ok, detail))
    say(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}")


def new_database(admin_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(admin_url)._replace(path="/" + name))


def drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def file_case(server: Gunicorn, token: str) -> dict:
    created = call(
        server.base,
        "POST",
        "/cases",
        token=token,
        body=json_body({"item_code": ITEM, "form": FORM}),
        content_type="application/json",
    )[1]
    number = created["number"]
    materials = {}
    for entry in created["checklist"]:
        if entry["required"] and not entry["supplied"]:
            content = pdf(f"restore drill {number} {entry['requirement_id']}")
            body, content_type = multipart(
                {"requirement_id": str(entry["requirement_id"])}, "m.pdf", content, "application/pdf"
            )
            material = call(
                server.base, "POST", f"/cases/{number}/materials", token=token, body=body, content_type=content_type
            )[1]
            assert material["sha256"] == hashlib.sha256(content).hexdigest()
            materials[str(material["id"])] = material["sha256"]
    call(server.base, "POST", f"/cases/{number}/submit", token=token, body=b"", content_type="application/json")
    case = call(server.base, "GET", f"/cases/{number}", token=token)[1]
    return {"number": number, "materials": materials, "state": case["state"], "timeline": len(case["timeline"])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        say("the restore drill needs a PostgreSQL DATABASE_URL (its role needs CREATEDB)")
        return 2
    processes = Processes()
    folder = Path(tempfile.mkdtemp(prefix="govhall-restore-"))
    base_name = (urllib.parse.urlsplit(args.database_url).path.lstrip("/") or "govhall") + f"_restore_{os.getpid()}"
    databases = [base_name + "_before", base_name + "_after"]
    server = None
    try:
        endpoint, s3 = start_moto(processes, "drill")

        def site_for(database_url: str, bucket: str, name: str) -> Site:
            s3.create_bucket(Bucket=bucket)
            site = Site(
                folder / name,
                database_url,
                {
                    "SECRET_KEY": "restore-drill-secret-key-" + "x" * 30,  # the same key before and after
                    "GOVHALL_STORAGE": "s3",
                    "GOVHALL_S3_BUCKET": bucket,
                    "GOVHALL_S3_ENDPOINT_URL": endpoint,
                    "GOVHALL_S3_REGION": "us-east-1",
                    "GOVHALL_S3_ACCESS_KEY": "drill",
                    "GOVHALL_S3_SECRET_KEY": "drill",
                    "GOVHALL_CACHE": "",
                },
            )
            return site

        before = site_for(new_database(args.database_url, databases[0]), "drill-before", "before")
        say("== migrate and the demo with its cases (one process)")
        prepared = before.run_django(str(ROOT / "scripts" / "multinode.py"), "_prepare_demo", timeout=900)
        server = Gunicorn(before, workers=2)
        server.start()
        password = prepared["password"]
        token = token_for(server.base, "citizen", password)
        filed = file_case(server, token)
        server.stop()
        server = None
        step(
            "file",
            True,
            f"case {filed['number']} ({filed['state']}, {filed['timeline']} events, "
            f"{len(filed['materials'])} materials) filed through the API before the backup",
        )

        out = folder / "backup"
        done = subprocess.run(
            [PYTHON, "scripts/backup.py", "backup", "--out", str(out)],
            cwd=ROOT,
            env=before.env(),
            capture_output=True,
            text=True,
            timeout=900,
        )
        ok = done.returncode == 0
        step("backup", ok, done.stdout.strip().splitlines()[-1] if ok else done.stderr[-2000:])
        if not ok:
            return 1
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))

        drop_database(args.database_url, databases[0])
        objects = s3.list_objects_v2(Bucket="drill-before").get("Contents", [])
        for entry in objects:
            s3.delete_object(Bucket="drill-before", Key=entry["Key"])
        s3.delete_bucket(Bucket="drill-before")
        step("drop", True, f"database {databases[0]} dropped, bucket drill-before ({len(objects)} objects) deleted")

        after = site_for(new_database(args.database_url, databases[1]), "drill-after", "after")
        done = subprocess.run(
            [PYTHON, "scripts/backup.py", "restore", "--from", str(out)],
            cwd=ROOT,
            env=after.env(),
            capture_output=True,
            text=True,
            timeout=900,
        )
        ok = done.returncode == 0
        step("restore", ok, (done.stdout.strip().splitlines() or [""])[-1] if ok else done.stderr[-2000:])
        if not ok:
            return 1
        restored = s3.list_objects_v2(Bucket="drill-after").get("KeyCount", 0)  # a small drill: < 1000
        step(
            "objects",
            restored == len(manifest["files"]),
            f"{restored} objects in the new bucket, {len(manifest['files'])} in the manifest",
        )

        for command in ("verify_audit", "verify_security_audit"):
            done = after.manage(command)
            step(command, done.returncode == 0, (done.stdout + done.stderr).strip().splitlines()[-1][:300])

        server = Gunicorn(after, workers=2)
        after.manage("collectstatic", "--noinput")
        server.start()
        token = token_for(server.base, "citizen", password)
        case = call(server.base, "GET", f"/cases/{filed['number']}", token=token)[1]
        same = case["state"] == filed["state"] and len(case["timeline"]) == filed["timeline"]
        step("case", same, f"{filed['number']}: {case['state']}, {len(case['timeline'])} events after the restore")
        wrong = []
        for material_id, sha256 in filed["materials"].items():
            status, data, _ = get_raw(
                f"{server.base}/cases/{filed['number']}/materials/{material_id}/file", token=token
            )
            if status != 200 or hashlib.sha256(data).hexdigest() != sha256:
                wrong.append((material_id, status))
        step(
            "materials",
            not wrong and bool(filed["materials"]),
            f"{len(filed['materials'])} materials download with the sha256 acknowledged before the backup"
            if not wrong
            else f"differ: {wrong}",
        )
    except Exception as exc:
        traceback.print_exc()
        step("drill", False, f"{type(exc).__name__}: {exc}")
    finally:
        if server is not None:
            server.stop()
        processes.stop_all()
        for name in databases:
            try:
                drop_database(args.database_url, name)
            except Exception:
                traceback.print_exc()
        shutil.rmtree(folder, ignore_errors=True)
    failed = [name for name, ok, _ in RESULTS if not ok]
    say(f"== restore drill: {len(RESULTS) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
