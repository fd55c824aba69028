"""Check the security audit log's hash chain; report its first broken link."""

from django.core.management.base import BaseCommand, CommandError

from govhall.audit.chain import verify


def _anchor(value: str) -> tuple[int, str]:
    seq, sep, digest = value.partition(":")
    if not sep or not seq.isdigit() or len(digest) != 64:
        raise CommandError("--anchor 的格式是 序号:哈希（verify_security_audit 输出的链头）")
    return int(seq), digest.lower()


class Command(BaseCommand):
    help = "校验安全审计记录的哈希链：报告第一个被篡改、缺失或删除的环节，并输出链头供外部留存"

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchor",
            help="此前输出并另行保存的链头（序号:哈希）：它必须仍在链中，可发现整条链被一致改写",
        )

    def handle(self, *args, **options):
        anchor = _anchor(options["anchor"]) if options.get("anchor") else None
        result = verify(anchor=anchor)
        if result.broken:
            self.stderr.write(result.broken.describe())
            raise CommandError(f"安全审计记录的哈希链已断开（此前已校验 {result.checked} 条）")
        if result.anchor_purged:
            self.stderr.write("注意：给出的外部链头在已清理的范围内，未能核对；请使用更近的链头")
        self.stdout.write(f"OK：{result.checked} 条安全审计记录的哈希链完整")
        self.stdout.write(f"链头 {result.head_seq}:{result.head_hash}")
