-- migrate:up
-- Holds: credits set aside for AI work before the model is called, settled once by the
-- outcome (capture the actual cost, return the rest) or released, or expired by a sweeper.
ALTER TABLE billing.accounts
  ADD COLUMN held integer NOT NULL DEFAULT 0 CONSTRAINT held_not_negative CHECK (held >= 0),
  ADD COLUMN low_balance_threshold integer NOT NULL DEFAULT 10,
  ADD COLUMN low_notified boolean NOT NULL DEFAULT false,
  ADD CONSTRAINT held_within_balance CHECK (held <= balance);

ALTER TABLE billing.credit_transactions
  ADD COLUMN created_by text,  -- who, for corrections (ADJUSTMENT): an operator or a system job
  ADD COLUMN hold_id uuid;
CREATE INDEX credit_transactions_recent ON billing.credit_transactions (tenant_id, created_at DESC, id DESC);

CREATE TABLE billing.holds (
  tenant_id       uuid NOT NULL REFERENCES billing.accounts (tenant_id),
  id              uuid NOT NULL,
  reference_id    text NOT NULL,
  amount          integer NOT NULL CHECK (amount > 0),
  ledger_type     text NOT NULL,
  status          text NOT NULL DEFAULT 'held' CHECK (status IN ('held', 'captured', 'released', 'expired')),
  captured_amount integer CHECK (captured_amount >= 0),
  expires_at      timestamptz NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  resolved_at     timestamptz,
  PRIMARY KEY (tenant_id, id),
  CONSTRAINT holds_reference_once UNIQUE (tenant_id, reference_id)
);
SELECT platform.enable_tenant_rls('billing.holds');
CREATE INDEX holds_expiring ON billing.holds (expires_at) WHERE status = 'held';

-- The expiry sweeper works across tenants. This policy lets a transaction that declares
-- the sweep see expired, still-held holds (ids and amounts only) and nothing else; the
-- release itself runs in each tenant's own transaction.
CREATE POLICY sweep_expired_holds ON billing.holds FOR SELECT
  USING (status = 'held' AND expires_at < now() AND current_setting('app.sweep', true) = 'expired_holds');

-- The trigger also re-arms the low-balance notice once the balance is back above it.
CREATE OR REPLACE FUNCTION billing.apply_ledger_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = billing, pg_temp AS $$
BEGIN
  UPDATE billing.accounts
  SET balance = balance + NEW.amount, updated_at = now(),
      low_notified = CASE WHEN balance + NEW.amount >= low_balance_threshold THEN false ELSE low_notified END
  WHERE tenant_id = NEW.tenant_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no billing account for tenant %', NEW.tenant_id USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END
$$;

-- Ledger changes are functions: one round trip while the account row is locked, and the
-- only way the service role can move `held` (it has no UPDATE right on it). SECURITY
-- DEFINER runs them as the owner, which row-level security still binds (FORCE), so each
-- sees only the transaction's tenant. Errors carry SQLSTATEs the service maps to HTTP:
-- BL404 not found, BL409 conflict, BL422 invalid.

-- An entry applied once per (tenant, type, reference): a replay returns the first row,
-- a replay with another amount is refused.
CREATE FUNCTION billing.apply_entry(p_tenant uuid, p_id uuid, p_amount integer, p_type text, p_reference text,
                                    p_note text, p_created_by text)
RETURNS TABLE (entry_id uuid, amount integer, balance integer, replayed boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = billing, pg_temp AS $$
DECLARE
  existing record;
BEGIN
  INSERT INTO billing.credit_transactions AS t (tenant_id, id, amount, type, reference_id, note, created_by)
  VALUES (p_tenant, p_id, p_amount, p_type, p_reference, p_note, p_created_by)
  ON CONFLICT ON CONSTRAINT credit_transactions_applied_once DO NOTHING;
  IF FOUND THEN
    RETURN QUERY SELECT p_id, p_amount, a.balance, false FROM billing.accounts a;
    RETURN;
  END IF;
  SELECT t.id, t.amount INTO existing FROM billing.credit_transactions t
  WHERE t.type = p_type AND t.reference_id = p_reference;
  IF existing.amount <> p_amount THEN
    RAISE EXCEPTION '% % was already applied with amount %, not %', p_type, p_reference, existing.amount, p_amount
      USING ERRCODE = 'BL409';
  END IF;
  RETURN QUERY SELECT existing.id, existing.amount, a.balance, true FROM billing.accounts a;
END
$$;

-- Reserve `p_amount` if the available balance (balance - held) covers it. Idempotent by
-- reference: a repeated reserve returns the first hold (and refuses another amount).
CREATE FUNCTION billing.reserve(p_tenant uuid, p_hold uuid, p_reference text, p_amount integer, p_ttl integer,
                                p_type text)
RETURNS TABLE (hold_id uuid, status text, amount integer, available integer, created boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = billing, pg_temp AS $$
DECLARE
  existing record;
  left_over integer;
BEGIN
  IF p_amount <= 0 THEN
    RAISE EXCEPTION 'a hold needs a positive amount, not %', p_amount USING ERRCODE = 'BL422';
  END IF;
  SELECT h.id, h.status, h.amount INTO existing FROM billing.holds h WHERE h.reference_id = p_reference;
  IF FOUND THEN
    IF existing.amount <> p_amount THEN
      RAISE EXCEPTION 'reference % already holds %, not %', p_reference, existing.amount, p_amount
        USING ERRCODE = 'BL409';
    END IF;
    RETURN QUERY SELECT existing.id, existing.status, existing.amount, a.balance - a.held, false FROM billing.accounts a;
    RETURN;
  END IF;
  UPDATE billing.accounts a SET held = a.held + p_amount, updated_at = now()
  WHERE a.balance - a.held >= p_amount
  RETURNING a.balance - a.held INTO left_over;
  IF NOT FOUND THEN
    RETURN QUERY SELECT NULL::uuid, 'refused'::text, p_amount, a.balance - a.held, false FROM billing.accounts a;
    RETURN;
  END IF;
  INSERT INTO billing.holds (tenant_id, id, reference_id, amount, ledger_type, expires_at)
  VALUES (p_tenant, p_hold, p_reference, p_amount, p_type, now() + make_interval(secs => p_ttl))
  ON CONFLICT ON CONSTRAINT holds_reference_once DO NOTHING;
  IF NOT FOUND THEN  -- a concurrent reserve of the same reference won: give the credits back, answer as it did
    UPDATE billing.accounts a SET held = a.held - p_amount;
    RETURN QUERY SELECT h.id, h.status, h.amount, a.balance - a.held, false
      FROM billing.holds h, billing.accounts a WHERE h.reference_id = p_reference;
    RETURN;
  END IF;
  RETURN QUERY SELECT p_hold, 'held'::text, p_amount, left_over, true;
END
$$;

-- Settle a hold once: capture `p_amount` (at most what was held; the rest returns) or,
-- with p_amount NULL, release it (p_final 'released' or 'expired'). Settling again the same
-- way answers as the first time; settling another way is a conflict.
CREATE FUNCTION billing.settle(p_hold uuid, p_amount integer, p_final text)
RETURNS TABLE (status text, captured integer, balance integer, available integer, crossed_low boolean,
               reference_id text, ledger_type text, settled_now boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = billing, pg_temp AS $$
DECLARE
  h record;
  target text := CASE WHEN p_amount IS NULL THEN p_final ELSE 'captured' END;
BEGIN
  SELECT * INTO h FROM billing.holds WHERE id = p_hold FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no hold %', p_hold USING ERRCODE = 'BL404';
  END IF;
  IF h.status <> 'held' THEN
    IF h.status = target AND (p_amount IS NULL OR h.captured_amount = p_amount)
       OR (h.status IN ('released', 'expired') AND target IN ('released', 'expired')) THEN
      RETURN QUERY SELECT h.status, h.captured_amount, a.balance, a.balance - a.held, false, h.reference_id,
                          h.ledger_type, false FROM billing.accounts a;
      RETURN;
    END IF;
    RAISE EXCEPTION 'hold % is already %', p_hold, h.status USING ERRCODE = 'BL409';
  END IF;
  IF p_amount IS NOT NULL AND (p_amount < 0 OR p_amount > h.amount) THEN
    RAISE EXCEPTION 'cannot capture % from a hold of %', p_amount, h.amount USING ERRCODE = 'BL422';
  END IF;
  UPDATE billing.holds SET status = target, captured_amount = p_amount, resolved_at = now() WHERE id = p_hold;
  UPDATE billing.accounts SET held = held - h.amount, updated_at = now();
  IF coalesce(p_amount, 0) > 0 THEN
    INSERT INTO billing.credit_transactions (tenant_id, id, amount, type, reference_id, hold_id, created_by)
    VALUES (h.tenant_id, gen_random_uuid(), -p_amount, h.ledger_type, h.reference_id, h.id, 'hold');
  END IF;
  -- Crossing below the threshold is announced once, until a credit lifts the balance again.
  UPDATE billing.accounts a SET low_notified = true
  WHERE NOT a.low_notified AND a.balance < a.low_balance_threshold;
  RETURN QUERY SELECT target, p_amount, a.balance, a.balance - a.held, FOUND,
                      h.reference_id, h.ledger_type, true FROM billing.accounts a;
END
$$;

REVOKE ALL ON FUNCTION billing.apply_entry(uuid, uuid, integer, text, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION billing.reserve(uuid, uuid, text, integer, integer, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION billing.settle(uuid, integer, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION billing.apply_entry(uuid, uuid, integer, text, text, text, text),
  billing.reserve(uuid, uuid, text, integer, integer, text), billing.settle(uuid, integer, text) TO billing_svc;
GRANT SELECT ON billing.holds TO billing_svc;
-- Ledger rows now enter through apply_entry and settle only.
REVOKE INSERT ON billing.credit_transactions FROM billing_svc;

-- migrate:down
