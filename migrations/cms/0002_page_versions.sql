-- migrate:up
-- `structure` is the draft; publishing snapshots it as an immutable version that goes live.
-- `revision` counts writes to the page: clients send it back (If-Match) so that two
-- editors never silently overwrite each other.
ALTER TABLE cms.pages
  ADD COLUMN revision integer NOT NULL DEFAULT 1,
  ADD COLUMN registry_version integer NOT NULL DEFAULT 1,
  ADD COLUMN live_version integer,
  ADD COLUMN updated_by uuid;
CREATE INDEX pages_recent ON cms.pages (tenant_id, updated_at DESC, id DESC);

CREATE TABLE cms.page_versions (
  tenant_id        uuid NOT NULL,
  page_id          uuid NOT NULL,
  version          integer NOT NULL,
  slug             text NOT NULL,
  structure        jsonb NOT NULL,
  registry_version integer NOT NULL,
  created_by       uuid,
  created_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, page_id, version),
  FOREIGN KEY (tenant_id, page_id) REFERENCES cms.pages (tenant_id, id) ON DELETE CASCADE
);
SELECT platform.enable_tenant_rls('cms.page_versions');
-- Versions are immutable: the service may add and read them, never change them.
GRANT SELECT, INSERT ON cms.page_versions TO cms_svc;

-- migrate:down
