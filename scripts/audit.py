"""Known vulnerabilities in the locked dependencies: pip-audit over uv.lock.

    .venv/bin/python scripts/audit.py            # CI: says so when it could not check
    .venv/bin/python scripts/audit.py --require  # make audit: could not check = failure

Exports every locked package (run time and development groups, with their hashes) with
``uv export --frozen`` and asks pip-audit about exactly those versions (``--require-hashes
--disable-pip``: nothing is resolved or installed), first from PyPI's vulnerability data,
then, if that answered for none of them, from OSV.

Exits 1 when a locked version has a known vulnerability. When neither service answered for
any package (a machine that reaches the package index but not its vulnerability data: PyPI's
JSON API answers 404 for every version there, and OSV's host does not resolve), it says that
nothing could be checked and exits 0, or 2 with ``--require``. pip-audit itself would
print "No known vulnerabilities found" in that case: read the counts below, not that line.
"""

# ruff: noqa: S603

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def export(path: Path) -> None:
    subprocess.run(
        [
            str(BIN / "uv"),
            "export",
            "--frozen",
            "--format",
            "requirements-txt",
            "--all-groups",
            "--no-emit-project",
            "--quiet",
            "-o",
            str(path),
        ],
        cwd=ROOT,
        check=True,
    )


def audit(requirements: Path, service: str, out: Path) -> tuple[dict | None, str]:
    """pip-audit's JSON report, or None and why not."""
    try:
        done = subprocess.run(
            [
                str(BIN / "pip-audit"),
                "-r",
                str(requirements),
                "--require-hashes",
                "--disable-pip",
                "--vulnerability-service",
                service,
                "--format",
                "json",
                "--progress-spinner",
                "off",
                "--timeout",
                "30",
                "--output",
                str(out),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
    except subprocess.TimeoutExpired:
        return None, f"{service}: no answer within 10 minutes"
    if not out.exists() or not out.read_text().strip():
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        return None, f"{service}: pip-audit exited {done.returncode}: {last[:300]}"
    return json.loads(out.read_text()), ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--require", action="store_true", help="fail (exit 2) when nothing could be checked")
    parser.add_argument("--out", help="keep the reports in this folder")
    args = parser.parse_args()
    folder = Path(args.out or tempfile.mkdtemp(prefix="govhall-audit-"))
    folder.mkdir(parents=True, exist_ok=True)
    requirements = folder / "requirements.txt"
    export(requirements)
    locked = sum(1 for line in requirements.read_text().splitlines() if "==" in line and not line.startswith("#"))
    print(f"== audit: {locked} locked packages (uv.lock, every group)")
    report, why = None, []
    for service in ("pypi", "osv"):
        found, reason = audit(requirements, service, folder / f"pip-audit-{service}.json")
        if found is None:
            why.append(reason)
            continue
        dependencies = found.get("dependencies", [])
        audited = [d for d in dependencies if "skip_reason" not in d]
        if not audited:
            sample = dependencies[0]["skip_reason"] if dependencies else "no dependency listed"
            why.append(f"{service}: answered for none of {len(dependencies)} packages ({sample})")
            continue
        report = (service, dependencies)
        break
    if report is None:
        print("== audit: COULD NOT CHECK: no vulnerability service answered for any locked package")
        for reason in why:
            print(f"   {reason}")
        print("   Run `make audit` where PyPI's JSON API or OSV is reachable.")
        return 2 if args.require else 0
    service, dependencies = report
    skipped = [d for d in dependencies if "skip_reason" in d]
    vulnerable = [d for d in dependencies if d.get("vulns")]
    checked = len(dependencies) - len(skipped)
    print(f"== audit: {checked} packages checked against {service}, {len(skipped)} not checked")
    for dependency in skipped:
        print(f"   not checked: {dependency['skip_reason']}")
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version"
            aliases = ", ".join(vuln.get("aliases") or [])
            name = f"{dependency['name']} {dependency['version']}"
            print(f"   VULNERABLE {name}: {vuln['id']} ({aliases}) fixed in {fixes}")
            print(f"      {(vuln.get('description') or '').strip()[:300]}")
    if vulnerable:
        count = sum(len(d["vulns"]) for d in vulnerable)
        print(f"== audit: {count} known vulnerabilities in {len(vulnerable)} packages")
        return 1
    print("== audit: no known vulnerabilities in the packages checked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
