# One-time codes (SMS verification codes) leave the message text: the text keeps them
# masked and the code waits in its own column only until delivery no longer needs it.
# Both columns are nullable, so SQLite adds them with ALTER TABLE instead of rebuilding
# the table. Rows written before this get their codes masked by 0004.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notify", "0002_drop_redundant_recipient_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="secret",
            field=models.CharField(blank=True, editable=False, max_length=32, null=True, verbose_name="一次性内容"),
        ),
        migrations.AddField(
            model_name="notification",
            name="secret_expires_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="有效期至"),
        ),
    ]
