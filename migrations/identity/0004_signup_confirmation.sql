-- migrate:up
-- A sign-up waits here until its e-mail is confirmed: the answer to `POST /signup` is the
-- same whether or not the address already has an account, so nothing is created before the
-- mailbox's owner opens the link. For an existing account the stored hash is never used.
CREATE TABLE identity.signups (
  token_hash    bytea PRIMARY KEY,
  email         text NOT NULL,
  slug          text NOT NULL,
  name          text NOT NULL,
  password_hash text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  used_at       timestamptz
);
CREATE INDEX signups_expiry ON identity.signups (expires_at) WHERE used_at IS NULL;
GRANT SELECT, INSERT, UPDATE, DELETE ON identity.signups TO identity_svc;

-- migrate:down
DROP TABLE identity.signups;
