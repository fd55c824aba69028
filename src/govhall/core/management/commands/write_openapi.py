import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand


def openapi_text() -> str:
    from govhall.api import api

    return json.dumps(api.get_openapi_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


class Command(BaseCommand):
    help = "Write the API's OpenAPI document to docs/openapi.json (committed; a test checks it)."

    def handle(self, *args, **options):
        path = Path(settings.BASE_DIR) / "docs" / "openapi.json"
        path.parent.mkdir(exist_ok=True)
        path.write_text(openapi_text(), encoding="utf-8")
        self.stdout.write(f"wrote {path}")
