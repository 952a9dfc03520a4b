-- migrate:up
ALTER TABLE assets.assets
  ADD COLUMN filename       text NOT NULL DEFAULT '',
  ADD COLUMN content_type   text NOT NULL DEFAULT 'application/octet-stream',
  ADD COLUMN bytes          integer NOT NULL DEFAULT 0,
  ADD COLUMN width          integer,
  ADD COLUMN height         integer,
  ADD COLUMN sha256         text,
  ADD COLUMN storage_key    text,
  ADD COLUMN alt_text       text NOT NULL DEFAULT '',
  ADD COLUMN tags           text[] NOT NULL DEFAULT '{}',
  ADD COLUMN status         text NOT NULL DEFAULT 'undescribed'
                            CHECK (status IN ('undescribed', 'describing', 'described', 'failed')),
  ADD COLUMN status_reason  text,
  ADD COLUMN embedding_model text,
  ADD COLUMN created_by     uuid,
  ADD COLUMN updated_at     timestamptz NOT NULL DEFAULT now();
-- The same bytes uploaded twice in a tenant are one asset.
CREATE UNIQUE INDEX assets_same_bytes ON assets.assets (tenant_id, sha256) WHERE sha256 IS NOT NULL;
CREATE INDEX assets_recent ON assets.assets (tenant_id, created_at DESC, id DESC);

-- Resized copies for responsive images, made on first request and kept.
CREATE TABLE assets.asset_variants (
  tenant_id   uuid NOT NULL,
  asset_id    uuid NOT NULL,
  width       integer NOT NULL,
  storage_key text NOT NULL,
  bytes       integer NOT NULL,
  PRIMARY KEY (tenant_id, asset_id, width),
  FOREIGN KEY (tenant_id, asset_id) REFERENCES assets.assets (tenant_id, id) ON DELETE CASCADE
);
SELECT platform.enable_tenant_rls('assets.asset_variants');
GRANT SELECT, INSERT, DELETE ON assets.asset_variants TO assets_svc;

-- migrate:down
