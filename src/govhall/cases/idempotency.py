"""``Idempotency-Key`` for POSTs: a retried request gets the first answer back and changes
nothing. The answer is stored in the same transaction as the change, so a key is bound
either to a committed change or to nothing (a failed request may be retried)."""

from __future__ import annotations

import hashlib
import json
from functools import wraps

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from ninja import Status

from govhall.cases.models import IdempotencyRecord
from govhall.core.errors import DomainError

HEADER = "Idempotency-Key"


def _fingerprint(request) -> str:
    """What the request asked for: method, path and body (for uploads: fields and file hashes;
    the raw body of a multipart request is not readable once Django has parsed it)."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    if request.content_type == "multipart/form-data":
        digest.update(json.dumps(sorted(request.POST.lists())).encode())
        for name, upload in sorted(request.FILES.items()):
            digest.update(name.encode())
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
    else:
        digest.update(request.body)
    return digest.hexdigest()


def idempotent(view):
    """Wrap a ninja operation that returns ``(status, body)``; answers ``Status(status, body)``."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        return Status(*_answer(request, args, kwargs))

    def _answer(request, args, kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return view(request, *args, **kwargs)
        if len(key) > 100:
            raise DomainError("Idempotency-Key 过长（最多100个字符）", code="invalid_idempotency_key")
        user = request.auth
        fingerprint = _fingerprint(request)

        def stored():
            record = IdempotencyRecord.objects.filter(user=user, key=key).first()
            if record is None:
                return None
            if record.fingerprint != fingerprint:
                raise DomainError(
                    "该 Idempotency-Key 已用于另一个不同的请求", code="idempotency_key_reused", status=422
                )
            return record.status, record.body

        try:
            with transaction.atomic():
                answer = stored()
                if answer is not None:
                    return answer
                status, body = view(request, *args, **kwargs)
                body = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
                IdempotencyRecord.objects.create(user=user, key=key, fingerprint=fingerprint, status=status, body=body)
                return status, body
        except IntegrityError:
            # A concurrent request with the same key committed first: answer as it did.
            answer = stored()
            if answer is None:
                raise
            return answer

    return wrapper
