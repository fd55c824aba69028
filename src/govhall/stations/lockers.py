"""The lockers app's sites, as the finder and the station pages need them.

The one place this app reads the lockers app (below it in the layers), through its
selectors only: ``public_sites()`` (usable sites, with their position and hours) — a
station names its locker bank by the site's ``code``. Without the lockers app installed the
finder simply has no lockers.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps


@dataclass(frozen=True)
class LockerSite:
    code: str
    name: str
    address: str
    lat: float
    lng: float
    kind_label: str = "自助信包箱"
    hours: str = "24小时"
    phone: str = ""

    @property
    def always_open(self) -> bool:
        """A locker bank's hours are a text of its own; "24小时" is the usual one. Others
        are shown as written, and the finder does not guess whether they are open now."""
        return "24" in self.hours

    @property
    def note(self) -> str:
        return "24小时自助交件、取件" if self.always_open else f"自助交件、取件（{self.hours}）"


def locker_sites() -> list[LockerSite]:
    """Every usable locker site (empty without the lockers app)."""
    if not apps.is_installed("govhall.lockers"):
        return []
    from govhall.lockers import selectors

    return [_site(choice.site) for choice in selectors.public_sites()]


def locker_site(code: str) -> LockerSite | None:
    return next((s for s in locker_sites() if s.code == code), None)


def _site(found) -> LockerSite:
    return LockerSite(
        code=found.code,
        name=found.name,
        address=found.address,
        lat=float(found.latitude),
        lng=float(found.longitude),
        kind_label=found.get_kind_display(),
        hours=found.hours or "24小时",
        phone=found.phone,
    )
