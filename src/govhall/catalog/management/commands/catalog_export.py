"""``manage.py catalog_export FILE.xlsx``: the published catalogue as the admin page exports
it; importing the file back (``catalog_import``) changes nothing."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from govhall.catalog import xlsx
from govhall.catalog.selectors import published_items


class Command(BaseCommand):
    help = "把已发布的事项导出为 .xlsx 表格（可修改后用 catalog_import 导入）。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="要写入的文件（.xlsx；已存在的文件将被覆盖）")

    def handle(self, *args, file: str, **options):
        content = xlsx.export_published()
        try:
            Path(file).write_bytes(content)
        except OSError as exc:
            raise CommandError(f"无法写入文件 {file}：{exc.strerror or exc}") from None
        self.stdout.write(self.style.SUCCESS(f"已导出 {published_items().count()} 项事项到 {file}"))
