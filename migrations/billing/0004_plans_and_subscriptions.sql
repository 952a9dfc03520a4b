-- migrate:up
ALTER TABLE billing.accounts
  ADD COLUMN plan text NOT NULL DEFAULT 'free',
  ADD COLUMN stripe_customer_id text,
  ADD COLUMN stripe_subscription_id text UNIQUE;
GRANT UPDATE (plan, stripe_customer_id, stripe_subscription_id) ON billing.accounts TO billing_svc;

-- The monthly-grant scheduler works across tenants: a transaction that declares this
-- sweep may read which accounts exist and their plan, nothing else is widened; each
-- grant is then applied in the tenant's own transaction.
CREATE POLICY sweep_monthly_grants ON billing.accounts FOR SELECT
  USING (current_setting('app.sweep', true) = 'monthly_grants');

-- migrate:down
