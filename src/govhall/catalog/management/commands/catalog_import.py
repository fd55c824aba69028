"""``manage.py catalog_import FILE.xlsx [--dry-run]``: the admin page's spreadsheet import
for scripts. All or nothing: on any error every problem is printed, one per line with its
sheet, row and column, nothing is written and the command exits with status 1."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from govhall.catalog import xlsx


class Command(BaseCommand):
    help = "从 .xlsx 表格导入事项（与后台“从表格导入事项”相同：有任何错误则整份不导入）。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="事项表格（.xlsx，含“事项”“材料”“情形”三个工作表）")
        parser.add_argument("--dry-run", action="store_true", help="只检查并列出将新增、修订的事项，不写入")

    def handle(self, *args, file: str, dry_run: bool, **options):
        try:
            content = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 {file}：{exc.strerror or exc}") from None
        try:
            result = xlsx.import_workbook(content, dry_run=dry_run)
        except xlsx.XlsxImportError as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(f"文件未导入：共 {len(exc.errors)} 处问题", returncode=1) from None
        verb = ("将新增", "将修订") if dry_run else ("新增", "修订")
        for label, codes in zip(verb, (result.created, result.revised), strict=True):
            for code in codes:
                self.stdout.write(f"{label} {code}")
        summary = f"新增 {len(result.created)} 项，修订 {len(result.revised)} 项，未变化 {len(result.unchanged)} 项"
        if dry_run:
            self.stdout.write(f"检查通过，未写入（--dry-run）：{summary}")
        else:
            self.stdout.write(self.style.SUCCESS(f"导入完成：{summary}"))
