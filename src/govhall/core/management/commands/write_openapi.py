import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import URLResolver, get_resolver
from ninja import NinjaAPI


def site_api() -> NinjaAPI:
    """The NinjaAPI the site serves, found through its URLconf (``ROOT_URLCONF``) the way
    Django finds views and ninja's own ``export_openapi_schema`` finds its API (by the
    ``api-root`` view every NinjaAPI mounts): core, the ground, does not import the project's
    ``govhall.api``, which stands above every app."""
    found: list[NinjaAPI] = []

    def walk(patterns) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            elif pattern.name == "api-root":
                api = getattr(pattern.callback, "keywords", {}).get("api")
                if isinstance(api, NinjaAPI) and api not in found:
                    found.append(api)

    walk(get_resolver().url_patterns)
    if len(found) != 1:
        raise CommandError(f"expected the URLconf to mount one NinjaAPI, found {len(found)}")
    return found[0]


def openapi_text() -> str:
    return json.dumps(site_api().get_openapi_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


class Command(BaseCommand):
    help = "Write the API's OpenAPI document to docs/openapi.json (committed; a test checks it)."

    def handle(self, *args, **options):
        path = Path(settings.BASE_DIR) / "docs" / "openapi.json"
        path.parent.mkdir(exist_ok=True)
        path.write_text(openapi_text(), encoding="utf-8")
        self.stdout.write(f"wrote {path}")
