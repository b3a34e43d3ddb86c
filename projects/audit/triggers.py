"""The SQLite trigger that `prune_audit` lifts for its own transaction (the migration
`projects/0008_audit_log` created it; PostgreSQL's trigger reads a setting instead)."""

SQLITE_NO_DELETE = "projects_auditrecord_no_delete"
SQLITE_NO_DELETE_SQL = """
CREATE TRIGGER projects_auditrecord_no_delete BEFORE DELETE ON projects_auditrecord
BEGIN SELECT RAISE(ABORT, 'perfeval: the audit log is append-only'); END;
"""
# PostgreSQL: the transaction-local setting that lets the trigger pass a DELETE of records
# older than the retention it names, in days (never under 180).
PRUNE_SETTING = "perfeval.audit_prune"
