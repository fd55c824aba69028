"""The accounts app's providers (``core/registry.py`` imports each app's ``providers``
module before it lists the registries): real-name and enterprise verification."""

from govhall.accounts import enterprise, identity  # noqa: F401  (their registries and providers)
