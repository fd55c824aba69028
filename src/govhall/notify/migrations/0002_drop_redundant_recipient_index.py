# The single-column index Django made for the recipient duplicates the left edge of
# notify_inbox_idx (recipient, channel, -created_at) and cost a write per message. Dropped
# by name, as cases/0003 does, so that SQLite does not rebuild the table.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notify", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "notify_notification_recipient_id_07222ca5"',
                    reverse_sql='CREATE INDEX "notify_notification_recipient_id_07222ca5"'
                    ' ON "notify_notification" ("recipient_id")',
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="notification",
                    name="recipient",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notifications",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="接收人",
                    ),
                )
            ],
        )
    ]
