"""Delete security events past their retention, keeping the chain verifiable."""

from django.core.management.base import BaseCommand, CommandError

from govhall.audit.services import MIN_RETENTION_DAYS, purge, retention_days


class Command(BaseCommand):
    help = (
        f"删除超过保存期限（GOVHALL_AUDIT_RETENTION_DAYS，至少 {MIN_RETENTION_DAYS} 天）的安全审计记录；"
        "清理记录本身写入哈希链，剩余的链仍可校验"
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, help=f"保存天数（不少于 {MIN_RETENTION_DAYS}；默认取设置）")
        parser.add_argument("--dry-run", action="store_true", help="只统计将删除的记录，不删除")

    def handle(self, *args, **options):
        days = options.get("days") or retention_days()
        if days < MIN_RETENTION_DAYS:
            raise CommandError(
                f"安全审计记录至少保存 {MIN_RETENTION_DAYS} 天（《网络安全法》第二十一条：不少于六个月）"
            )
        result = purge(days=days, dry_run=options["dry_run"])
        if not result.rows:
            self.stdout.write(f"没有超过 {days} 天的安全审计记录")
        elif options["dry_run"]:
            self.stdout.write(f"将删除 {result.rows} 条（第 {result.through_seq} 条及之前）超过 {days} 天的记录")
        else:
            note = f"；清理记录为第 {result.event.seq} 条" if result.event else "（完成上次未完成的清理）"
            self.stdout.write(f"已删除 {result.rows} 条（第 {result.through_seq} 条及之前）超过 {days} 天的记录{note}")
