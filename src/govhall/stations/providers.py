"""The stations app's providers (``core/registry.py`` imports each app's ``providers`` module
before it lists the registries): the finder's geocoder and map."""

from govhall.stations import geocoding, maps  # noqa: F401  (their registries and providers)
