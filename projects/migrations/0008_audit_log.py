# The audit log (projects/audit): its two tables, their indexes, and the triggers that keep them
# append-only. Hand-written: the models are `managed = False` (Django's flush must not meet the
# triggers), so the tables are created here by the schema editor, per database vendor.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.utils import NotSupportedError

TABLES = ("projects_auditrecord", "projects_auditcheckpoint")

# PostgreSQL: one trigger function refuses UPDATE, DELETE and TRUNCATE on both tables. The one
# exception is `manage.py prune_audit`, which sets `perfeval.audit_prune` to the retention in
# days for its own transaction (SET LOCAL): a DELETE of an audit record then passes, only for a
# record older than that retention, which may not be under 180 days.
POSTGRESQL_FUNCTION = """
CREATE OR REPLACE FUNCTION projects_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    retention text;
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'projects_auditrecord' THEN
        retention := current_setting('perfeval.audit_prune', true);
        IF retention ~ '^[0-9]{1,6}$' AND retention::integer >= 180
           AND OLD.created_at < now() - make_interval(days => retention::integer) THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION 'perfeval: % on % refused: the audit log is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
"""
POSTGRESQL_TRIGGERS = """
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION projects_audit_append_only();
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION projects_audit_append_only();
"""

# SQLite has no session settings a trigger could read: both tables refuse every UPDATE and
# DELETE; `prune_audit` drops the record table's DELETE trigger, deletes and creates it again in
# one transaction (SQLite's DDL is transactional). SQLite has no TRUNCATE.
SQLITE_NO_UPDATE = """
CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, 'perfeval: the audit log is append-only'); END;
"""
SQLITE_NO_DELETE = """
CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
BEGIN SELECT RAISE(ABORT, 'perfeval: the audit log is append-only'); END;
"""


def create_tables(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name in ("AuditRecord", "AuditCheckpoint"):
        model = apps.get_model("projects", name)
        schema_editor.create_model(model)
        # The schema editor adds no index to an unmanaged model by itself.
        for index in model._meta.indexes:
            schema_editor.add_index(model, index)
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_FUNCTION, params=None)
        for table in TABLES:
            schema_editor.execute(POSTGRESQL_TRIGGERS.format(table=table), params=None)
    elif vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(SQLITE_NO_UPDATE.format(table=table))
            schema_editor.execute(SQLITE_NO_DELETE.format(table=table))
    else:
        # The append-only guarantee is the triggers: refuse a database without them.
        raise NotSupportedError(
            f"the audit log's triggers are written for PostgreSQL and SQLite, not {vendor}"
        )


def drop_tables(apps, schema_editor):
    # Dropping a table drops its triggers.
    for name in ("AuditCheckpoint", "AuditRecord"):
        schema_editor.delete_model(apps.get_model("projects", name))
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS projects_audit_append_only()")


class Migration(migrations.Migration):

    dependencies = [
        ("projects", "0007_frozen_and_accounts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditRecord",
            fields=[
                ("id", models.BigIntegerField(primary_key=True, serialize=False, verbose_name="序号")),
                ("created_at", models.DateTimeField(verbose_name="时间")),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="用户",
                    ),
                ),
                ("username", models.CharField(blank=True, max_length=150, verbose_name="用户名")),
                ("ip", models.GenericIPAddressField(blank=True, null=True, verbose_name="来源地址")),
                ("action", models.CharField(max_length=40, verbose_name="事件")),
                ("result", models.CharField(max_length=10, verbose_name="结果")),
                ("object_type", models.CharField(blank=True, max_length=60, verbose_name="对象类型")),
                ("object_id", models.CharField(blank=True, max_length=64, verbose_name="对象编号")),
                ("object_label", models.CharField(blank=True, max_length=300, verbose_name="对象")),
                ("params", models.JSONField(blank=True, default=dict, verbose_name="参数")),
                ("prev_hash", models.CharField(blank=True, max_length=64, verbose_name="前一条的哈希")),
                ("hash", models.CharField(max_length=64, unique=True, verbose_name="哈希")),
            ],
            options={
                "verbose_name": "审计记录",
                "verbose_name_plural": "审计记录",
                "db_table": "projects_auditrecord",
                "ordering": ["-id"],
                "managed": False,
                "indexes": [
                    models.Index(fields=["created_at"], name="audit_created_at"),
                    models.Index(fields=["user"], name="audit_user"),
                    models.Index(fields=["username"], name="audit_username"),
                    models.Index(fields=["action", "created_at"], name="audit_action"),
                    models.Index(fields=["object_type", "object_id"], name="audit_object"),
                    models.Index(fields=["ip"], name="audit_ip"),
                ],
            },
        ),
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(verbose_name="时间")),
                ("reason", models.CharField(max_length=10, verbose_name="原因")),
                ("record_id", models.BigIntegerField(verbose_name="最新记录序号")),
                ("record_hash", models.CharField(max_length=64, verbose_name="最新记录哈希")),
                ("record_count", models.BigIntegerField(verbose_name="记录数")),
                ("first_id", models.BigIntegerField(verbose_name="首条记录序号")),
                ("first_prev_hash", models.CharField(blank=True, max_length=64, verbose_name="首条记录的前一哈希")),
            ],
            options={
                "verbose_name": "审计检查点",
                "verbose_name_plural": "审计检查点",
                "db_table": "projects_auditcheckpoint",
                "ordering": ["-id"],
                "managed": False,
            },
        ),
        migrations.RunPython(create_tables, drop_tables),
    ]
