-- migrate:up
DROP POLICY sweep_expired_holds ON billing.holds;
CREATE POLICY sweep_expired_holds ON billing.holds FOR SELECT TO billing_sweeper
  USING (status = 'held' AND expires_at < now());
GRANT SELECT (tenant_id, id, status, expires_at) ON billing.holds TO billing_sweeper;

DROP POLICY sweep_monthly_grants ON billing.accounts;
CREATE POLICY sweep_monthly_grants ON billing.accounts FOR SELECT TO billing_sweeper USING (true);
GRANT SELECT (tenant_id, plan, subscription_status, stripe_subscription_id) ON billing.accounts TO billing_sweeper;

-- migrate:down
