-- migrate:up
-- The tenant on whose behalf a mail goes (an invitation): a tenant may cause
-- MAILS_PER_TENANT_HOUR mails in any hour, counted from these rows
-- (services/identity/accounts.py, spend_mail_allowance). Sign-up and reset mail has none.
-- Not `tenant_id`: the queue is the platform's, read by the mail worker across tenants
-- (system transactions), not a tenant's data under row-level security.
ALTER TABLE identity.mail_queue ADD COLUMN sent_for_tenant uuid;
CREATE INDEX mail_queue_tenant_recent ON identity.mail_queue (sent_for_tenant, created_at)
    WHERE sent_for_tenant IS NOT NULL;

-- migrate:down
DROP INDEX identity.mail_queue_tenant_recent;
ALTER TABLE identity.mail_queue DROP COLUMN sent_for_tenant;
