-- migrate:up
-- The tenant whose member caused a mail (an invitation): a tenant may cause
-- MAILS_PER_TENANT_HOUR mails in any hour, counted from these rows
-- (services/identity/accounts.py, spend_mail_allowance). Sign-up and reset mail has none.
ALTER TABLE identity.mail_queue ADD COLUMN tenant_id uuid;
CREATE INDEX mail_queue_tenant_recent ON identity.mail_queue (tenant_id, created_at) WHERE tenant_id IS NOT NULL;

-- migrate:down
DROP INDEX identity.mail_queue_tenant_recent;
ALTER TABLE identity.mail_queue DROP COLUMN tenant_id;
