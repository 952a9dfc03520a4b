-- migrate:up
-- Cross-tenant jobs (expiring holds, monthly grants, pending descriptions) read through
-- narrow policies. Attached to the service role, a permissive policy is ORed into every
-- ordinary read and spoils its plan (a tenant's btree can no longer answer it). So each
-- sweep switches, for its own transaction only, to a login-less sweeper role that alone
-- carries those policies. Sweepers own nothing and cannot bypass row-level security.
DO $$
DECLARE
  svc text;
BEGIN
  FOREACH svc IN ARRAY ARRAY['assets', 'billing'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = svc || '_sweeper') THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE', svc || '_sweeper');
    END IF;
    EXECUTE format('GRANT %I TO %I', svc || '_sweeper', svc || '_svc');
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', svc, svc || '_sweeper');
    EXECUTE format('GRANT USAGE ON SCHEMA platform TO %I', svc || '_sweeper');
  END LOOP;
END
$$;

-- migrate:down
