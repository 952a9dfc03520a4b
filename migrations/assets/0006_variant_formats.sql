-- migrate:up
-- A resized copy may now be in another format than its original (`?fm=webp`, `?fm=avif`):
-- the format joins the key. '' is the original's own format, as every copy made before was.
ALTER TABLE assets.asset_variants ADD COLUMN format text NOT NULL DEFAULT '';
ALTER TABLE assets.asset_variants DROP CONSTRAINT asset_variants_pkey,
  ADD PRIMARY KEY (tenant_id, asset_id, width, format);

-- migrate:down
