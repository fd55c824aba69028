"""govhall's mixed load for Locust: applicants, the public, staff and supervisors at once.

Run by bench/load/run.py, which prepares the accounts, tokens, sessions and samples and
passes them in the JSON file named by ``GOVHALL_LOAD_CONFIG``; by hand:

    GOVHALL_LOAD_CONFIG=var/load/config.json .venv/bin/locust -f bench/load/locustfile.py \
        --headless -u 16 -r 16 -t 60s --host http://127.0.0.1:8000 --csv var/load/out

Against 127.0.0.1 only (the host is refused otherwise). Every request is named by its kind
(``name=``), so Locust's statistics are per kind, not per URL. Each simulated user sends its
own X-Forwarded-For address (the server runs with GOVHALL_PROXIES=1, as behind a load
balancer), so the per-address limits of public endpoints count per simulated person.

Kinds and their share of users (weights):

* Browser (5): a guide page (/items/<code>/), the guide through the API, a search through the
  API (/api/v1/catalog/items?q=) and the search page (/items/?q=).
* Applicant (3): files a case (create, one upload per required material, submit), lists their
  cases (/api/v1/cases) and opens one. The accounts are the loader's bench applicants, who
  hold ~500 cases each on the 1M database and ~5 on the 10k one.
* Public (2): the progress query (/api/v1/progress?number=&phone_last4=) for a case that exists.
* Staff (2): a clerk, a reviewer or a chief approver lists the cases waiting for them through
  the API (/api/v1/cases?state=...), opens the workbench page of a queue (session), and takes
  the action on one of the cases the applicants filed during the run (accept, review, approve).
* Supervisor (1): the board's counts (/api/v1/supervision/counts), the board page
  (/supervision/) and the statistics page over the last week (/stats/?start=...).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import urllib.parse

from locust import HttpUser, between, events, task

CONFIG = json.loads(open(os.environ["GOVHALL_LOAD_CONFIG"], encoding="utf-8").read())
_addresses = itertools.count(1)
_applicants = itertools.count()


@events.test_start.add_listener
def _loopback_only(environment, **_kwargs) -> None:
    host = urllib.parse.urlsplit(environment.host or "").hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"the load runs against 127.0.0.1 only, not {host!r}")


class _Base(HttpUser):
    abstract = True
    wait_time = between(0.5, 1.5)  # a person's think time between two requests

    def on_start(self) -> None:
        n = next(_addresses)
        self.client.headers["X-Forwarded-For"] = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"

    def bearer(self, token: str) -> None:
        self.client.headers["Authorization"] = f"Bearer {token}"

    def session(self, key: str) -> None:
        # a header, not the cookie jar: the server's Set-Cookie is Secure (production settings)
        # and the jar would stop sending it over plain HTTP on loopback
        self.client.headers["Cookie"] = f"sessionid={key}"

    def get(self, url: str, name: str, **kwargs):
        return self.client.get(url, name=name, **kwargs)

    def page(self, url: str, name: str) -> None:
        """A signed-in page: anything but 200 (a redirect to the sign-in page) is a failure."""
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code} {r.headers.get('Location', '')}")


class Browser(_Base):
    weight = 5

    @task(3)
    def guide_page(self) -> None:
        self.get(f"/items/{random.choice(CONFIG['items'])}/", "guide page")

    @task(2)
    def guide_api(self) -> None:
        self.get(f"/api/v1/catalog/items/{random.choice(CONFIG['items'])}", "guide api")

    @task(3)
    def search_api(self) -> None:
        q = urllib.parse.quote(random.choice(CONFIG["queries"]))
        self.get(f"/api/v1/catalog/items?q={q}", "search api")

    @task(1)
    def search_page(self) -> None:
        q = urllib.parse.quote(random.choice(CONFIG["queries"]))
        self.get(f"/items/?q={q}", "search page")


class Applicant(_Base):
    weight = 3

    def on_start(self) -> None:
        super().on_start()
        tokens = CONFIG["applicants"]
        self.bearer(tokens[next(_applicants) % len(tokens)])
        self.mine: list[str] = []

    @task(1)
    def file_case(self) -> None:
        body = {"item_code": CONFIG["filing_item"], "form": CONFIG["filing_form"]}
        with self.client.post("/api/v1/cases", json=body, name="file: create", catch_response=True) as r:
            if r.status_code != 201 and r.status_code != 200:
                r.failure(f"{r.status_code} {r.text[:200]}")
                return
            created = r.json()
        number = created["number"]
        for entry in created["checklist"]:
            if entry["required"] and not entry["supplied"]:
                self.client.post(
                    f"/api/v1/cases/{number}/materials",
                    data={"requirement_id": str(entry["requirement_id"])},
                    files={"file": ("material.pdf", PDF, "application/pdf")},
                    name="file: upload",
                )
        self.client.post(f"/api/v1/cases/{number}/submit", name="file: submit")
        self.mine.append(number)

    @task(3)
    def list_mine(self) -> None:
        r = self.get("/api/v1/cases?page_size=20", "mine: list")
        if r.ok:
            self.mine.extend(c["number"] for c in r.json()["results"][:5])
            del self.mine[:-50]

    @task(3)
    def detail(self) -> None:
        if self.mine:
            self.get(f"/api/v1/cases/{random.choice(self.mine)}", "mine: detail")


class Public(_Base):
    weight = 2
    # a person checks a case now and then: under the endpoint's 30 look-ups a minute per address
    wait_time = between(2, 4)

    @task
    def progress(self) -> None:
        number, last4 = random.choice(CONFIG["progress"])
        self.get(f"/api/v1/progress?number={number}&phone_last4={last4}", "progress")


# role -> (the state its queue lists, the workbench queue, the action, the action's body)
STAFF = {
    "clerk": ("submitted", "prereview", {"action": "accept"}),
    "reviewer": (
        "accepted",
        "review",
        {"action": "review", "recommendation": "approve", "comment": "材料齐全，符合条件"},
    ),
    "approver": ("accepted", "decision", {"action": "approve"}),
}
_staff = itertools.count()


class Staff(_Base):
    weight = 2

    def on_start(self) -> None:
        super().on_start()
        self.role = list(STAFF)[next(_staff) % len(STAFF)]
        account = random.choice(CONFIG["staff"][self.role])
        self.bearer(account["token"])
        self.session(account["session"])

    @task(3)
    def work_queue(self) -> None:
        state, _, body = STAFF[self.role]
        r = self.get(f"/api/v1/cases?state={state}&page_size=20", f"queue: {self.role} list")
        if not r.ok:
            return
        # act on a case the load's applicants filed (the loader's cases have no real files)
        mine = [c["number"] for c in r.json()["results"] if not c["number"].startswith("BM")]
        if not mine:
            return
        number = random.choice(mine)
        with self.client.post(
            f"/api/v1/cases/{number}/transitions", json=body, name=f"act: {body['action']}", catch_response=True
        ) as r:
            if r.status_code in (409, 422) or (r.status_code == 400 and "state" in r.text):
                r.success()  # another user took it first, or it moved on: a normal race, not an error

    @task(1)
    def workbench(self) -> None:
        queue = STAFF[self.role][1]
        self.page(f"/workbench/?queue={queue}", "workbench page")


class Supervisor(_Base):
    weight = 1

    def on_start(self) -> None:
        super().on_start()
        self.bearer(CONFIG["supervisor"]["token"])
        self.session(CONFIG["supervisor"]["session"])

    @task(3)
    def counts(self) -> None:
        self.get("/api/v1/supervision/counts", "supervision counts")

    @task(1)
    def board(self) -> None:
        self.page("/supervision/", "supervision page")

    @task(1)
    def stats(self) -> None:
        self.page(f"/stats/?start={CONFIG['stats_start']}", "stats page")


PDF = bytes.fromhex(CONFIG["pdf_hex"])
