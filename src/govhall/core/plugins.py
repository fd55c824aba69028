"""Adapters (plugins) named in settings by dotted path: the SMS gateway, real-name
verification. A deployment writes its own subclass and names it; nothing else changes."""

from __future__ import annotations

from typing import TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

T = TypeVar("T")


def configured(setting: str, base: type[T]) -> T:
    """A new instance of the ``base`` subclass that ``settings.<setting>`` names."""
    path = getattr(settings, setting)
    try:
        adapter = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"{setting}: cannot import {path!r}: {exc}") from exc
    if not (isinstance(adapter, type) and issubclass(adapter, base)):
        raise ImproperlyConfigured(f"{setting}: {path!r} is not a {base.__name__} subclass")
    return adapter()
