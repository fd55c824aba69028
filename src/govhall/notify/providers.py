"""The notify app's providers (``core/registry.py`` imports each app's ``providers``
module before it lists the registries): the SMS gateway adapters."""

from govhall.notify import backends  # noqa: F401  (the sms registry and its adapters)
