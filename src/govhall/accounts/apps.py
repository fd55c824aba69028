from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "govhall.accounts"
    label = "accounts"
    verbose_name = "账户与角色"

    def ready(self) -> None:
        from govhall.accounts import security  # noqa: F401  (staff profile changes to the audit log; a deploy check)
