"""The delivery channels govhall ships with. Imported at app ready (and by
``core.registry.registries()``, which imports every app's ``providers`` module); another
app registers its own channels from its own ``providers`` module the same way."""

from govhall.delivery.contrib import electronic, ems, window  # noqa: F401  (registers them)
