-- migrate:up
ALTER TABLE identity.tenants ADD COLUMN purge_after timestamptz;

-- A session is one log-in: a family of rotating refresh tokens. Sessions belong to an
-- account, not a tenant, so an agency owner switches between client tenants freely.
CREATE TABLE identity.sessions (
  id         uuid PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES identity.accounts (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  revoked_reason text
);
CREATE INDEX sessions_account ON identity.sessions (account_id);

-- An account may read its own memberships in every tenant ("list my tenants"), once the
-- service has authenticated it and set app.account_id for the transaction.
CREATE POLICY own_memberships ON identity.memberships FOR SELECT
  USING (account_id = nullif(current_setting('app.account_id', true), '')::uuid);

-- Only hashes are kept. A token that was already used (rotated) and comes back is a
-- stolen copy: its whole session is revoked.
CREATE TABLE identity.refresh_tokens (
  token_hash bytea PRIMARY KEY,
  session_id uuid NOT NULL REFERENCES identity.sessions (id),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_session ON identity.refresh_tokens (session_id);

CREATE TABLE identity.invitations (
  tenant_id   uuid NOT NULL REFERENCES identity.tenants (id),
  id          uuid NOT NULL,
  email       text NOT NULL,
  role        text NOT NULL CHECK (role IN ('OWNER', 'EDITOR', 'VIEWER')),
  token_hash  bytea NOT NULL UNIQUE,
  invited_by  uuid NOT NULL,
  expires_at  timestamptz NOT NULL,
  accepted_at timestamptz,
  revoked_at  timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
SELECT platform.enable_tenant_rls('identity.invitations');

CREATE TABLE identity.api_keys (
  tenant_id    uuid NOT NULL REFERENCES identity.tenants (id),
  id           uuid NOT NULL,
  name         text NOT NULL,
  prefix       text NOT NULL,
  key_hash     bytea NOT NULL UNIQUE,
  role         text NOT NULL CHECK (role IN ('OWNER', 'EDITOR', 'VIEWER')),
  created_by   uuid NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz,
  PRIMARY KEY (tenant_id, id)
);
SELECT platform.enable_tenant_rls('identity.api_keys');

-- One custom domain per tenant, as in the seed. It resolves only once verified, through
-- identity.tenants.custom_domain (unique across tenants).
CREATE TABLE identity.domains (
  tenant_id       uuid NOT NULL REFERENCES identity.tenants (id),
  domain          text NOT NULL,
  token           text NOT NULL,
  verified_at     timestamptz,
  last_checked_at timestamptz,
  flagged_at      timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id)
);
SELECT platform.enable_tenant_rls('identity.domains');

CREATE TABLE identity.audit_log (
  tenant_id        uuid NOT NULL,
  id               uuid NOT NULL,
  at               timestamptz NOT NULL DEFAULT now(),
  actor_account_id uuid,
  action           text NOT NULL,
  detail           jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (tenant_id, id)
);
SELECT platform.enable_tenant_rls('identity.audit_log');
CREATE INDEX audit_log_recent ON identity.audit_log (tenant_id, at DESC);

CREATE TABLE identity.password_resets (
  token_hash bytea PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES identity.accounts (id),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);

-- Failed log-ins per e-mail and per client address, shared by every replica.
CREATE TABLE identity.login_throttle (
  key          text PRIMARY KEY,
  failures     integer NOT NULL DEFAULT 0,
  last_failure timestamptz NOT NULL DEFAULT now(),
  locked_until timestamptz
);

-- Mail is queued in the transaction that decides to send it and delivered by a worker.
CREATE TABLE identity.mail_queue (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  to_address text NOT NULL,
  subject    text NOT NULL,
  body       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at    timestamptz,
  attempts   integer NOT NULL DEFAULT 0,
  last_error text
);
CREATE INDEX mail_queue_pending ON identity.mail_queue (id) WHERE sent_at IS NULL;

GRANT SELECT, INSERT, UPDATE ON identity.sessions, identity.refresh_tokens, identity.invitations, identity.api_keys,
  identity.domains, identity.password_resets, identity.login_throttle, identity.mail_queue TO identity_svc;
GRANT DELETE ON identity.domains, identity.login_throttle TO identity_svc;
GRANT SELECT, INSERT ON identity.audit_log TO identity_svc;

-- migrate:down
