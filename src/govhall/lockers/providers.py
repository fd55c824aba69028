"""The lockers' delivery channels, registered in the ``delivery`` registry (imported at app
ready and by ``core.registry.registries()``): ``locker`` (our cabinets),
``locker_network`` (a third-party network over HTTP/JSON) and ``locker_network_local`` (its
stand-in)."""

from govhall.lockers.contrib import network, own  # noqa: F401  (registers them)
