"""Uploaded files on S3-compatible object storage (``GOVHALL_STORAGE=s3``), private.

Every object is written with the ``private`` ACL and the bucket is never asked for a URL:
:meth:`PrivateS3Storage.url` answers the application's own ``MEDIA_URL`` path, as the disk
storage does, so the catalogue's blank forms keep their ``/media/catalog/…`` address (served
by ``catalog.views.attachment``) and every applicant's material, document and licence is
still streamed by the view that checks who asks (``FileField.open`` reads through this
storage). No signed URL leaves the application: one would be a bearer ticket to personal
data that a forwarded link or a proxy log could leak (docs/deployment.md, "Files").
"""

from __future__ import annotations

from urllib.parse import urljoin

from django.conf import settings
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage


class PrivateS3Storage(S3Storage):
    default_acl = "private"
    querystring_auth = True  # never an unsigned public URL, should anything ask boto3 for one
    file_overwrite = False  # a second upload of the same name gets a new name, as on disk

    def __init__(self, **settings_overrides):
        if settings_overrides.get("endpoint_url"):
            # S3-compatible servers (MinIO, Ceph, moto) answer at host/bucket, not bucket.host
            settings_overrides.setdefault("addressing_style", "path")
            settings_overrides.setdefault("signature_version", "s3v4")
        super().__init__(**settings_overrides)

    def url(self, name, parameters=None, expire=None, http_method=None):
        return urljoin(settings.MEDIA_URL, filepath_to_uri(name))
