-- migrate:up
-- A credit pack bought through Stripe Checkout. The row is written before Stripe is
-- called; its id makes the idempotency key, so a retry after a crash creates no second
-- session. Credits are taken from this row when Stripe reports payment, never from
-- anything in the webhook that a sender could have chosen.
CREATE TABLE billing.top_ups (
  tenant_id           uuid NOT NULL REFERENCES billing.accounts (tenant_id),
  id                  uuid NOT NULL,
  credits             integer NOT NULL CHECK (credits > 0),
  amount_minor        integer NOT NULL CHECK (amount_minor > 0),
  currency            text NOT NULL,
  checkout_session_id text UNIQUE,
  status              text NOT NULL DEFAULT 'creating' CHECK (status IN ('creating', 'open', 'paid')),
  created_by          uuid,
  created_at          timestamptz NOT NULL DEFAULT now(),
  paid_at             timestamptz,
  PRIMARY KEY (tenant_id, id)
);
SELECT platform.enable_tenant_rls('billing.top_ups');

-- Every Stripe event, recorded by id before it is processed: a redelivery is a no-op.
-- Not tenant data: Stripe's envelope, whose object names the tenant in its metadata.
CREATE TABLE billing.stripe_events (
  id           text PRIMARY KEY,
  type         text NOT NULL,
  created      timestamptz NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  outcome      text NOT NULL
);

GRANT SELECT, INSERT, UPDATE ON billing.top_ups TO billing_svc;
GRANT SELECT, INSERT, UPDATE (outcome) ON billing.stripe_events TO billing_svc;

-- migrate:down
