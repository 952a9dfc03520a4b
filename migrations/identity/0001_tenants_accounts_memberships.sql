-- migrate:up
-- The tenant registry is not tenant-scoped data: identity reads it across tenants to
-- keep slugs and domains unique and to resolve hosts. It is public (slug, name, theme).
CREATE TABLE identity.tenants (
  id            uuid PRIMARY KEY,
  slug          text NOT NULL,
  name          text NOT NULL,
  custom_domain text,
  theme_config  jsonb NOT NULL DEFAULT '{}',
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  deleted_at    timestamptz,
  CONSTRAINT tenants_slug_is_dns_label CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{1,61})[a-z0-9]$')
);
CREATE UNIQUE INDEX tenants_slug_key ON identity.tenants (slug);
CREATE UNIQUE INDEX tenants_custom_domain_key ON identity.tenants (custom_domain) WHERE custom_domain IS NOT NULL;

-- Credentials are kept once per e-mail address; one person can belong to many tenants.
CREATE TABLE identity.accounts (
  id            uuid PRIMARY KEY,
  email         text NOT NULL,
  password_hash text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX accounts_email_key ON identity.accounts (lower(email));

CREATE TABLE identity.memberships (
  tenant_id  uuid NOT NULL REFERENCES identity.tenants (id),
  account_id uuid NOT NULL REFERENCES identity.accounts (id),
  role       text NOT NULL CHECK (role IN ('OWNER', 'EDITOR', 'VIEWER')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, account_id)
);
SELECT platform.enable_tenant_rls('identity.memberships');

GRANT SELECT, INSERT, UPDATE ON identity.tenants, identity.accounts TO identity_svc;
GRANT SELECT, INSERT, UPDATE, DELETE ON identity.memberships TO identity_svc;
SELECT platform.install_messaging('identity', 'identity_svc');

-- migrate:down
