"""The lockers' delivery channels, one module each (``lockers/providers.py`` imports them):
our own cabinets (``own``) and third-party locker networks (``network``)."""
