"""The PostgreSQL triggers that make the audit tables append-only.

They always raise: there is no session variable or role check that lets a caller through. Only
a superuser disabling the trigger (or `session_replication_role = replica`) gets past them, and
the hash chain reports what such a person changed.
"""

TABLES = ("audit_auditentry", "audit_auditseal", "audit_auditcheckpoint")

FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
"""


def row_trigger(table: str) -> str:
    return (
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();"
    )


def truncate_trigger(table: str) -> str:
    return (
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();"
    )


def install(schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return  # the embedded SQLite mode relies on the chain alone
    schema_editor.execute(FUNCTION, None)
    for table in TABLES:
        schema_editor.execute(row_trigger(table))
        schema_editor.execute(truncate_trigger(table))


def uninstall(schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS audit_refuse_change();")


# The sealer trusts `txid` to order entries by transaction; a writer must not choose it (an entry
# inserted with an old txid would fall behind the sealer's cursor, never sealed).
STAMP_TXID = """
CREATE OR REPLACE FUNCTION audit_stamp_txid() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.txid := pg_current_xact_id()::text::bigint;
    RETURN NEW;
END
$$;
CREATE TRIGGER audit_auditentry_stamp_txid BEFORE INSERT ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_stamp_txid();
"""


def install_txid_stamp(schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(STAMP_TXID, None)


def uninstall_txid_stamp(schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS audit_auditentry_stamp_txid ON audit_auditentry;"
            "DROP FUNCTION IF EXISTS audit_stamp_txid();",
            None,
        )


def app_role_grants(role: str) -> list[str]:
    """SQL that lets the application's own database role use every table but only append to
    the audit tables, so even a bug or an injected statement in the application cannot change
    them (the triggers above are the second line; migrations run as the tables' owner)."""
    quoted = '"' + role.replace('"', '""') + '"'
    return [
        f"GRANT USAGE ON SCHEMA public TO {quoted};",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted};",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted};",
        *(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {quoted};" for table in TABLES),
    ]
