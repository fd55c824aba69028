"""Every demo bundle opens its apply page, and an empty form is refused by field name."""

from __future__ import annotations

import pytest

from govhall.bundles import services
from govhall.cases.tests import factories as f
from govhall.catalog.bundles import published_bundles
from govhall.core.errors import DomainError

pytestmark = pytest.mark.django_db


def test_every_demo_bundle_opens_its_apply_page(client, demo):
    from govhall.catalog.demo import bundles as demo_bundles

    demo_bundles.load()
    bundles = list(published_bundles())
    assert len(bundles) >= 10
    client.force_login(f.user("citizen"))
    for bundle in bundles:
        page = client.get(f"/bundle-cases/new/{bundle.code}/")
        assert page.status_code == 200, bundle.code
        assert bundle.name in page.content.decode()
        # an empty form is refused by field name, never by a crash
        try:
            services.bundle_case_create(
                actor=f.user("citizen"),
                bundle_code=bundle.code,
                applicant=services_applicant(),
                form={},
            )
        except DomainError as exc:
            assert exc.code in ("invalid_form", "applicant_type_mismatch", "online_not_offered", "no_members"), (
                bundle.code,
                exc.code,
            )


def services_applicant():
    from govhall.cases import services as case_services

    return case_services.applicant_for(f.user("citizen"))


VALUES = {"text": "测试", "textarea": "测试", "number": "1", "date": "2026-01-05"}


def test_every_demo_bundle_files_with_its_one_form(demo, settings, tmp_path):
    """The one form's answers, mapped into each member's form, pass every member's own check."""
    from govhall.cases import services as case_services
    from govhall.catalog.demo import bundles as demo_bundles

    settings.MEDIA_ROOT = tmp_path
    demo_bundles.load()
    for bundle in published_bundles():
        username = "company" if bundle.applicant_type == "legal" else "citizen"
        _, _, _, fields = services.plan(bundle.code, {})
        form = {x.name: (x.choices[0] if x.choices else VALUES[x.type]) for x in fields}
        actor = f.user(username)
        try:
            bundle_case = services.bundle_case_create(
                actor=actor, bundle_code=bundle.code, applicant=case_services.applicant_for(actor), form=form
            )
        except DomainError as exc:  # an item the demo offers at a window only is told as such
            assert exc.code in ("online_not_offered", "applicant_type_mismatch"), (bundle.code, exc.code, exc.message)
            continue
        assert bundle_case.members.count() >= 1, bundle.code
