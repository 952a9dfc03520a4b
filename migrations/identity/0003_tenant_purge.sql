-- migrate:up
-- When the grace period after a deletion ended and the tenant's data was purged. The row
-- stays as a tombstone, so the slug is never handed to someone else.
ALTER TABLE identity.tenants ADD COLUMN purged_at timestamptz;
CREATE INDEX tenants_purge_due ON identity.tenants (purge_after) WHERE purge_after IS NOT NULL AND purged_at IS NULL;
GRANT DELETE ON identity.invitations, identity.api_keys TO identity_svc;

-- migrate:down
