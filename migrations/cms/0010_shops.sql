-- migrate:up
-- Whether each tenant's shop can take charges (its Stripe Connect account, kept from billing's
-- billing.shop.changed events): a ProductGrid shows a Buy button only while it can. No row:
-- it cannot (no account yet). Stored renderings name this state in their catalogue stamp.
CREATE TABLE cms.shops (
  tenant_id       uuid PRIMARY KEY,
  charges_enabled boolean NOT NULL,
  synced_at       timestamptz NOT NULL  -- occurred_at of the last event applied: older ones are ignored
);
SELECT platform.enable_tenant_rls('cms.shops');
GRANT SELECT, INSERT, UPDATE, DELETE ON cms.shops TO cms_svc;

-- migrate:down
