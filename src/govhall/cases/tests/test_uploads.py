"""Uploads (issue 13, item 8): access is checked before anything is written, a file must
really be the PDF or image its first bytes claim, and files left by a request that died
before its commit are swept."""

from __future__ import annotations

import io
import os
import time

import pytest
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from govhall.cases import selectors, services
from govhall.cases.models import SubmittedMaterial
from govhall.cases.tests import factories as f
from govhall.core import files
from govhall.core.errors import DomainError, NotFound

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def writes(monkeypatch):
    """Every file the storage writes."""
    written: list[str] = []
    real = FileSystemStorage._save

    def save(self, name, content):
        written.append(name)
        return real(self, name, content)

    monkeypatch.setattr(FileSystemStorage, "_save", save)
    return written


def _upload(case, username, data: bytes, name: str = "材料.pdf"):
    requirement = selectors.required_materials(case)[0]
    return services.material_upload(
        case=case.number, actor=f.user(username), requirement_id=requirement.id, upload=SimpleUploadedFile(name, data)
    )


def test_an_outsider_makes_the_server_write_nothing(client, bearer, demo, writes):
    case, accepted = f.draft(), f.accepted()
    requirement = selectors.required_materials(case)[0]
    headers = {"citizen2": bearer("citizen2"), "reviewer": bearer("reviewer")}
    writes.clear()
    r = client.post(
        f"/api/v1/cases/{case.number}/materials",
        {"requirement_id": requirement.id, "file": f.pdf_upload()},
        headers=headers["citizen2"],
    )
    assert r.status_code == 404
    r = client.post(
        "/api/v1/cases/61010400000020260101000000/materials",
        {"requirement_id": requirement.id, "file": f.pdf_upload()},
        headers=headers["citizen2"],
    )
    assert r.status_code == 404
    # and a staff member who may see the case but not upload in its state
    r = client.post(
        f"/api/v1/cases/{accepted.number}/materials",
        {"requirement_id": requirement.id, "file": f.pdf_upload()},
        headers=headers["reviewer"],
    )
    assert r.status_code == 409
    assert writes == []


def test_a_pdf_header_in_front_of_html_is_not_a_pdf(demo, writes):
    case = f.draft()
    with pytest.raises(DomainError) as err:
        _upload(case, "citizen", b"%PDF-1.7\n<html><script>alert(1)</script></html>")
    assert err.value.code == "unreadable_file" and "PDF" in err.value.message
    assert writes == [] and not case.materials.exists()


def test_an_encrypted_pdf_is_refused(demo):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(DomainError) as err:
        _upload(f.draft(), "citizen", buffer.getvalue())
    assert err.value.code == "unreadable_file" and "加密" in err.value.message


def _image(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(buffer, fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(("fmt", "name"), [("PNG", "扫描件.png"), ("JPEG", "照片.jpg")])
def test_a_truncated_image_is_refused_and_a_whole_one_taken(demo, fmt, name):
    data = _image(fmt)
    case = f.draft()
    with pytest.raises(DomainError) as err:
        _upload(case, "citizen", data[: len(data) // 2], name)
    assert err.value.code == "unreadable_file"
    material = _upload(case, "citizen", data, name)
    assert material.content_type == {"PNG": "image/png", "JPEG": "image/jpeg"}[fmt]


def test_not_found_is_still_not_found(demo):
    with pytest.raises(NotFound):
        services.material_upload(case="nope", actor=f.user("citizen"), requirement_id=1, upload=f.pdf_upload())


def test_the_sweep_removes_files_no_row_refers_to(demo, media):
    case = f.draft()
    kept = _upload(case, "citizen", f.pdf_bytes())
    folder = media / "cases" / "2026" / "12"
    folder.mkdir(parents=True, exist_ok=True)
    stray, young = folder / "stray.pdf", folder / "in-flight.pdf"
    stray.write_bytes(b"%PDF-1.4 left by a request that died")
    young.write_bytes(b"%PDF-1.4 being uploaded now")
    hour_ago = time.time() - 2 * 3600
    os.utime(stray, (hour_ago, hour_ago))
    os.utime(media / kept.file.name, (hour_ago, hour_ago))
    assert files.orphans() == ["cases/2026/12/stray.pdf"]
    assert files.sweep() == ["cases/2026/12/stray.pdf"]
    assert not stray.exists() and young.exists() and default_storage.exists(kept.file.name)
    assert SubmittedMaterial.objects.filter(pk=kept.pk).exists()
