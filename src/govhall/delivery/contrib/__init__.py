"""The delivery channels govhall ships with, one module each (``providers.py`` imports them)."""
