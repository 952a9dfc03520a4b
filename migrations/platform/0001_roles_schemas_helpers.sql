-- Applied by the platform administrator (a superuser or a role with CREATEROLE and
-- CREATEDB rights). Roles are cluster-wide, so every statement tolerates a re-run.
-- migrate:up
DO $$
DECLARE
  svc text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'platform_owner') THEN
    CREATE ROLE platform_owner LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE;
  END IF;
  FOREACH svc IN ARRAY ARRAY['identity', 'cms', 'assets', 'billing'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = svc || '_svc') THEN
      EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOINHERIT', svc || '_svc');
    END IF;
    EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION platform_owner', svc);
    EXECUTE format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', svc);
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', svc, svc || '_svc');
    -- Shared messaging SQL is unqualified: each role finds its own outbox and inbox.
    EXECUTE format('ALTER ROLE %I SET search_path = %I, public', svc || '_svc', svc);
  END LOOP;
END
$$;

CREATE EXTENSION IF NOT EXISTS vector;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE SCHEMA IF NOT EXISTS platform AUTHORIZATION platform_owner;
GRANT USAGE ON SCHEMA platform TO identity_svc, cms_svc, assets_svc, billing_svc;

-- The tenant of the current transaction, or NULL (which matches no row) when unset.
CREATE OR REPLACE FUNCTION platform.current_tenant_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT nullif(current_setting('app.tenant_id', true), '')::uuid $$;

-- Row-level security for a table with a tenant_id column: enabled, FORCED (so the owner
-- obeys it too), one policy for reads and writes alike.
CREATE OR REPLACE FUNCTION platform.enable_tenant_rls(tbl regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
  EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %s', tbl);
  EXECUTE format('CREATE POLICY tenant_isolation ON %s USING (tenant_id = platform.current_tenant_id()) '
                 'WITH CHECK (tenant_id = platform.current_tenant_id())', tbl);
END
$$;

-- NOTIFY is transactional: the relay wakes only once the writing transaction commits.
CREATE OR REPLACE FUNCTION platform.notify_outbox() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify(TG_TABLE_SCHEMA || '_outbox', '');
  RETURN NULL;
END
$$;

-- The outbox and inbox every service schema carries; see shared/messaging.py.
CREATE OR REPLACE FUNCTION platform.install_messaging(schema_name text, service_role text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format($f$
    CREATE TABLE IF NOT EXISTS %1$I.outbox (
      id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      event_id   uuid NOT NULL UNIQUE,
      subject    text NOT NULL,
      payload    bytea NOT NULL,
      headers    jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE IF NOT EXISTS %1$I.inbox (
      consumer   text NOT NULL,
      event_id   uuid NOT NULL,
      handled_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (consumer, event_id)
    );
    CREATE OR REPLACE TRIGGER outbox_notify AFTER INSERT ON %1$I.outbox
      FOR EACH STATEMENT EXECUTE FUNCTION platform.notify_outbox();
    -- UPDATE only because the relay claims rows with SELECT ... FOR UPDATE.
    GRANT SELECT, INSERT, UPDATE, DELETE ON %1$I.outbox TO %2$I;
    GRANT SELECT, INSERT, DELETE ON %1$I.inbox TO %2$I;
  $f$, schema_name, service_role);
END
$$;

-- migrate:down
