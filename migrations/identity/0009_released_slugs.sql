-- migrate:up
-- A slug a tenant gave up by renaming itself stays its own for a while (RELEASED_SLUG_HOLD):
-- its old address is on business cards, in search results and in mails already sent, and
-- whoever took it at once would receive all of that (an outside probe signed up under a
-- renamed tenant's old slug the moment it was free). Only the tenant that released it may
-- take it back in that time. Not `tenant_id`: the platform's register of addresses, read
-- across tenants by sign-up, not a tenant's data under row-level security.
CREATE TABLE identity.released_slugs (
  slug        text PRIMARY KEY,
  released_by uuid NOT NULL,
  held_until  timestamptz NOT NULL
);
GRANT SELECT, INSERT, UPDATE, DELETE ON identity.released_slugs TO identity_svc;

-- migrate:down
DROP TABLE identity.released_slugs;
