-- migrate:up
CREATE TABLE billing.accounts (
  tenant_id           uuid PRIMARY KEY,
  balance             integer NOT NULL DEFAULT 0 CONSTRAINT balance_never_negative CHECK (balance >= 0),
  subscription_status text NOT NULL DEFAULT 'none',
  stripe_connect_id   text UNIQUE,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);
SELECT platform.enable_tenant_rls('billing.accounts');

-- Append-only: the service role may insert and read, never update or delete.
CREATE TABLE billing.credit_transactions (
  tenant_id    uuid NOT NULL REFERENCES billing.accounts (tenant_id),
  id           uuid NOT NULL,
  amount       integer NOT NULL CHECK (amount <> 0),
  type         text NOT NULL CHECK (type IN ('SIGNUP_GRANT', 'MONTHLY_GRANT', 'TOP_UP', 'AI_GENERATION',
                                             'AI_PAGE_GENERATION', 'AI_ASSET_DESCRIPTION', 'AI_EMBEDDING',
                                             'ADJUSTMENT', 'REFUND')),
  reference_id text NOT NULL,
  note         text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  CONSTRAINT credit_transactions_applied_once UNIQUE (tenant_id, type, reference_id)
);
SELECT platform.enable_tenant_rls('billing.credit_transactions');

-- The balance is the running sum of the ledger, kept by the database itself: the
-- service role cannot write `balance`, only insert ledger rows. A row that would take
-- the balance below zero fails the CHECK and its whole transaction rolls back.
CREATE FUNCTION billing.apply_ledger_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = billing, pg_temp AS $$
BEGIN
  UPDATE billing.accounts SET balance = balance + NEW.amount, updated_at = now()
  WHERE tenant_id = NEW.tenant_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no billing account for tenant %', NEW.tenant_id USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION billing.apply_ledger_row() FROM PUBLIC;
CREATE TRIGGER credit_transactions_apply AFTER INSERT ON billing.credit_transactions
  FOR EACH ROW EXECUTE FUNCTION billing.apply_ledger_row();

GRANT SELECT, INSERT ON billing.accounts, billing.credit_transactions TO billing_svc;
GRANT UPDATE (subscription_status, stripe_connect_id, updated_at) ON billing.accounts TO billing_svc;
SELECT platform.install_messaging('billing', 'billing_svc');

-- migrate:down
