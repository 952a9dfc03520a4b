-- migrate:up
-- A hand-off carries a person signed in on the platform's host to one of their sites' hosts,
-- another origin the platform's cookies never reach: a one-time code (only its hash here)
-- made by the platform session `session_id`, for one account on one tenant, redeemed once
-- within a minute on that tenant's host. Tenant data: row-level security hides another
-- tenant's codes from the host that redeems, so a code works on its own site's host only.
CREATE TABLE identity.handoffs (
  tenant_id  uuid NOT NULL REFERENCES identity.tenants (id),
  code_hash  bytea NOT NULL,
  account_id uuid NOT NULL REFERENCES identity.accounts (id),
  session_id uuid NOT NULL REFERENCES identity.sessions (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz,
  PRIMARY KEY (tenant_id, code_hash)
);
SELECT platform.enable_tenant_rls('identity.handoffs');
GRANT SELECT, INSERT, UPDATE, DELETE ON identity.handoffs TO identity_svc;

-- migrate:down
DROP TABLE identity.handoffs;
