-- migrate:up
-- cms's projection of each tenant's catalogue, from billing.product.* events: what a
-- ProductGrid shows and what generation and the publish gates may reference.
CREATE TABLE cms.products (
  tenant_id    uuid NOT NULL,
  product_id   uuid NOT NULL,
  slug         text NOT NULL,
  name         text NOT NULL,
  description  text NOT NULL DEFAULT '',
  price_amount integer NOT NULL,
  currency     text NOT NULL,
  images       uuid[] NOT NULL DEFAULT '{}',
  active       boolean NOT NULL,
  in_stock     boolean NOT NULL,
  synced_at    timestamptz NOT NULL,  -- occurred_at of the last event applied: older ones are ignored
  PRIMARY KEY (tenant_id, product_id)
);
SELECT platform.enable_tenant_rls('cms.products');
GRANT SELECT, INSERT, UPDATE, DELETE ON cms.products TO cms_svc;

-- migrate:down
