"""SMS codes sent before 0003 sit in clear in their rows' text: mask them as 0003 does for
new ones. The codes expired minutes after they were sent, but a copy of the table (a
backup, an export) should not carry them either."""

import re

from django.db import migrations

CODE = re.compile(r"验证码为(\d{4,8})")


def mask_codes(apps, schema_editor):
    Notification = apps.get_model("notify", "Notification")
    rows = Notification.objects.filter(event__startswith="account.code.", text__regex=r"验证码为[0-9]{4,8}")
    for row in rows.only("id", "text").iterator():
        Notification.objects.filter(pk=row.pk).update(text=CODE.sub("验证码为******", row.text))


class Migration(migrations.Migration):
    dependencies = [("notify", "0003_notification_secret")]

    operations = [migrations.RunPython(mask_codes, migrations.RunPython.noop)]
