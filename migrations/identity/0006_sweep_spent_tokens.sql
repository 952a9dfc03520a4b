-- migrate:up
-- Links that lapsed are swept (services/identity/accounts.py, sweep_spent): an unconfirmed
-- sign-up keeps a password hash, sent mail keeps the links it carried, and neither is worth
-- keeping once its link has said "expired" or "already used" for a week. (Hand-offs are
-- dropped by their own tenant as new ones are made: repo.delete_stale_handoffs.)
GRANT DELETE ON identity.password_resets, identity.refresh_tokens, identity.mail_queue TO identity_svc;
CREATE INDEX password_resets_expiry ON identity.password_resets (expires_at);
CREATE INDEX refresh_tokens_expiry ON identity.refresh_tokens (expires_at);
CREATE INDEX mail_queue_sent ON identity.mail_queue (sent_at) WHERE sent_at IS NOT NULL;

-- migrate:down
DROP INDEX identity.mail_queue_sent;
DROP INDEX identity.refresh_tokens_expiry;
DROP INDEX identity.password_resets_expiry;
REVOKE DELETE ON identity.password_resets, identity.refresh_tokens, identity.mail_queue FROM identity_svc;
