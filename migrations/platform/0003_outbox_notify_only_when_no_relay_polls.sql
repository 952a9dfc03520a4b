-- The outbox's NOTIFY only when no relay is already polling that outbox.
--
-- A transaction that notifies holds a database-wide lock from just before its commit until
-- the commit is on disk, so notifying transactions commit one at a time: with one NOTIFY per
-- event, concurrent writers commit at about half the rate they reach without it. While a
-- relay drains a burst it holds the session lock `outbox relay polling` of its channel and
-- claims without waiting to be told, so writers skip the NOTIFY. Every writer holds
-- `outbox writer in flight` (shared) until its transaction ends; a relay stops polling only
-- after it could take that lock itself, i.e. once every writer that may have skipped the
-- NOTIFY has committed or rolled back, and then drains once more (OutboxRelay in
-- shared/messaging.py). A relay that never polls (or is gone: its session's locks go with
-- it) leaves every writer notifying, as before.
-- migrate:up
CREATE OR REPLACE FUNCTION platform.notify_outbox() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  channel constant text := TG_TABLE_SCHEMA || '_outbox';
BEGIN
  IF pg_try_advisory_xact_lock_shared(hashtext('outbox writer in flight'), hashtext(channel)) THEN
    IF NOT pg_try_advisory_lock_shared(hashtext('outbox relay polling'), hashtext(channel)) THEN
      RETURN NULL;  -- a relay is polling and looks again before it stops
    END IF;
    PERFORM pg_advisory_unlock_shared(hashtext('outbox relay polling'), hashtext(channel));
  END IF;
  PERFORM pg_notify(channel, '');
  RETURN NULL;
END
$$;

-- migrate:down
CREATE OR REPLACE FUNCTION platform.notify_outbox() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify(TG_TABLE_SCHEMA || '_outbox', '');
  RETURN NULL;
END
$$;
