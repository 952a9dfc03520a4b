-- migrate:up
-- What cms needs of each tenant to render its site, kept from identity's events:
-- name, theme tokens and the canonical host (a verified custom domain, else the slug host).
CREATE TABLE cms.sites (
  tenant_id     uuid PRIMARY KEY,
  slug          text NOT NULL,
  name          text NOT NULL,
  theme         jsonb NOT NULL DEFAULT '{}',
  custom_domain text,
  synced_at     timestamptz NOT NULL  -- occurred_at of the last event applied: older ones are ignored
);
SELECT platform.enable_tenant_rls('cms.sites');
GRANT SELECT, INSERT, UPDATE, DELETE ON cms.sites TO cms_svc;

-- migrate:down
