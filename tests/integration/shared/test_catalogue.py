"""Checks over the database catalogue, so a table added tomorrow cannot escape them."""



from shared.migrate import SERVICES_WITH_SCHEMA

SERVICE_ROLES = [f"{service}_svc" for service in SERVICES_WITH_SCHEMA] + ["assets_sweeper", "billing_sweeper"]

TENANT_TABLES = """
SELECT c.oid::regclass::text AS name, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid
          AND p.polqual IS NOT NULL AND p.polwithcheck IS NOT NULL AND p.polcmd = '*') AS full_policies,
       (SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
          WHERE i.indrelid = c.oid AND i.indisprimary) AS pk_first_column
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute ta ON ta.attrelid = c.oid AND ta.attname = 'tenant_id' AND NOT ta.attisdropped
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1
"""

FOREIGN_KEYS_TO_TENANT_TABLES = """
SELECT con.conname, con.conrelid::regclass::text AS source,
       (SELECT a.attname FROM pg_attribute a
          WHERE a.attrelid = con.conrelid AND a.attnum = con.conkey[1]) AS first_column
FROM pg_constraint con
WHERE con.contype = 'f'
  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = con.confrelid AND a.attname = 'tenant_id')
"""

TABLES_OWNED_BY = """
SELECT c.oid::regclass::text FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
WHERE r.rolname = ANY($1::text[]) AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
"""


async def test_every_tenant_table_has_forced_row_security_and_a_tenant_leading_key(admin) -> None:  # type: ignore[no-untyped-def]
    tables = await admin.fetch(TENANT_TABLES)
    names = {row["name"] for row in tables}
    # The query must find the tables we know of, or a broken query would pass vacuously.
    assert {"cms.pages", "billing.accounts", "billing.credit_transactions", "assets.assets",
            "identity.memberships"} <= names
    for row in tables:
        assert row["enabled"] and row["forced"], f"{row['name']} lacks forced row-level security"
        assert row["full_policies"] >= 1, f"{row['name']} has no policy with USING and WITH CHECK"
        assert row["pk_first_column"] == "tenant_id", f"{row['name']}'s primary key does not lead with tenant_id"


async def test_foreign_keys_into_tenant_tables_lead_with_tenant_id(admin) -> None:  # type: ignore[no-untyped-def]
    keys = await admin.fetch(FOREIGN_KEYS_TO_TENANT_TABLES)
    assert keys, "expected at least the ledger's key to its account"
    for key in keys:
        assert key["first_column"] == "tenant_id", f"{key['source']}.{key['conname']} does not lead with tenant_id"


async def test_service_roles_own_nothing_and_cannot_bypass_security(admin) -> None:  # type: ignore[no-untyped-def]
    assert await admin.fetch(TABLES_OWNED_BY, SERVICE_ROLES) == []
    assert await admin.fetch(TABLES_OWNED_BY, ["platform_owner"])  # the twin: the owner does own them
    roles = await admin.fetch("SELECT rolname, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb "
                              "FROM pg_roles WHERE rolname = ANY($1::text[])", [*SERVICE_ROLES, "platform_owner"])
    assert len(roles) == len(SERVICE_ROLES) + 1
    for role in roles:
        assert not (role["rolsuper"] or role["rolbypassrls"] or role["rolcreaterole"] or role["rolcreatedb"]), role


async def test_each_service_role_reaches_only_its_own_schema(admin) -> None:  # type: ignore[no-untyped-def]
    for service in SERVICES_WITH_SCHEMA:
        for schema in SERVICES_WITH_SCHEMA:
            usable = await admin.fetchval("SELECT has_schema_privilege($1, $2, 'USAGE')", f"{service}_svc", schema)
            assert usable == (service == schema), (service, schema)
