-- migrate:up
-- Commerce: tenants sell products on their sites through Stripe Connect (destination
-- charges: the platform creates the charge, Stripe transfers the rest to the tenant's
-- connected account, the platform keeps its application fee).

-- The connected account's state, as Stripe's account.updated reports it.
ALTER TABLE billing.accounts
  ADD COLUMN connect_charges_enabled   boolean NOT NULL DEFAULT false,
  ADD COLUMN connect_payouts_enabled   boolean NOT NULL DEFAULT false,
  ADD COLUMN connect_details_submitted boolean NOT NULL DEFAULT false,
  ADD COLUMN connect_requirements      jsonb NOT NULL DEFAULT '[]',
  ADD COLUMN connect_updated_at        timestamptz;
GRANT UPDATE (connect_charges_enabled, connect_payouts_enabled, connect_details_submitted, connect_requirements,
              connect_updated_at) ON billing.accounts TO billing_svc;

-- The seed names Product without defining it: this is it.
CREATE TABLE billing.products (
  tenant_id    uuid NOT NULL,
  id           uuid NOT NULL,
  slug         text NOT NULL,
  name         text NOT NULL,
  description  text NOT NULL DEFAULT '',
  price_amount integer NOT NULL CHECK (price_amount >= 0),  -- minor units (cents)
  currency     text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
  images       uuid[] NOT NULL DEFAULT '{}',                -- asset ids of the tenant's media library
  active       boolean NOT NULL DEFAULT true,
  inventory    integer CHECK (inventory IS NULL OR inventory >= 0),  -- NULL: not counted
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  CONSTRAINT products_slug_per_tenant UNIQUE (tenant_id, slug)
);
SELECT platform.enable_tenant_rls('billing.products');
CREATE INDEX products_recent ON billing.products (tenant_id, created_at DESC, id DESC);
GRANT SELECT, INSERT, UPDATE, DELETE ON billing.products TO billing_svc;

CREATE TABLE billing.orders (
  tenant_id           uuid NOT NULL,
  id                  uuid NOT NULL,
  status              text NOT NULL DEFAULT 'open'
                      CHECK (status IN ('open', 'paid', 'partially_refunded', 'refunded', 'disputed', 'expired')),
  currency            text NOT NULL,
  amount_total        integer NOT NULL,
  application_fee     integer NOT NULL,       -- the platform's fee on this order
  amount_refunded     integer NOT NULL DEFAULT 0,
  items               jsonb NOT NULL,         -- [{product_id, name, unit_amount, quantity}] as charged
  connected_account   text NOT NULL,          -- where the money went: the tenant's account at the time
  checkout_session_id text UNIQUE,
  payment_intent_id   text UNIQUE,
  customer_email      text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  paid_at             timestamptz,
  updated_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
SELECT platform.enable_tenant_rls('billing.orders');
CREATE INDEX orders_recent ON billing.orders (tenant_id, created_at DESC, id DESC);
GRANT SELECT, INSERT, UPDATE ON billing.orders TO billing_svc;

-- migrate:down
