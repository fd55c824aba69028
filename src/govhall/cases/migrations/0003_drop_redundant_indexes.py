# The single-column indexes Django makes for these foreign keys duplicate the left edge of
# a composite index (Case.Meta.indexes; the (case, seq) unique constraint of timeline
# events): they served no query and cost a write on every filing. Dropped by name, so
# that neither database rebuilds the table (SQLite would copy cases_case once per field;
# PostgreSQL would re-validate each foreign key).

import django.db.models.deletion
from django.db import migrations, models

DROPPED = {
    "cases_case_applicant_id_756c921c": ("cases_case", "applicant_id"),
    "cases_case_department_id_c5b7309d": ("cases_case", "department_id"),
    "cases_case_hall_id_5d58c57b": ("cases_case", "hall_id"),
    "cases_timelineevent_case_id_1bfb12ab": ("cases_timelineevent", "case_id"),
}


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_hall_staffprofile_hall_window_staffprofile_window_and_more"),
        ("cases", "0002_case_issue_window"),
        ("catalog", "0002_serviceitem_form_fields"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
                )
                for name, (table, column) in DROPPED.items()
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="applicant",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cases",
                        to="accounts.applicant",
                        verbose_name="申请人",
                    ),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="department",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cases",
                        to="catalog.department",
                        verbose_name="审批部门",
                    ),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="hall",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cases",
                        to="accounts.hall",
                        verbose_name="受理大厅",
                    ),
                ),
                migrations.AlterField(
                    model_name="timelineevent",
                    name="case",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="events",
                        to="cases.case",
                    ),
                ),
            ],
        ),
    ]
