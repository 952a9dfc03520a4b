-- migrate:up
-- What keyword search ranks on: description, tags, alt text and file name, kept by the service.
ALTER TABLE assets.assets
  ADD COLUMN search_text text NOT NULL DEFAULT '',
  ADD COLUMN describe_after timestamptz NOT NULL DEFAULT now();
UPDATE assets.assets SET search_text = lower(filename || ' ' || alt_text || ' ' || coalesce(ai_description, ''));
CREATE INDEX assets_search_text ON assets.assets USING gin (search_text gin_trgm_ops);
-- Small and medium tenants are searched exactly through this btree (see the README).
CREATE INDEX assets_described ON assets.assets (tenant_id) WHERE status = 'described';

-- The describer works across tenants: a transaction that declares this sweep sees which
-- assets wait for a description (ids only matter), nothing else.
CREATE POLICY sweep_pending_descriptions ON assets.assets FOR SELECT
  USING (status = 'undescribed' AND describe_after <= now()
         AND current_setting('app.sweep', true) = 'pending_descriptions');

-- migrate:down
