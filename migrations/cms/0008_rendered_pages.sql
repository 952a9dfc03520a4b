-- migrate:up
-- Each live page as the public site serves it (HTML, and JSON for headless frontends),
-- rendered once after whatever it is made of changed, so a page the gateway has not cached
-- costs cms one SELECT instead of a render. A row says what it was rendered from: the page's
-- version and address, the site projection's synced_at (name, theme, domain) and a stamp of
-- the catalogue projection (its product grids); cms renders again when any of them moved.
-- Derived data: no export, and it goes with its page (or tenant) when that is deleted.
CREATE TABLE cms.rendered_pages (
  tenant_id      uuid NOT NULL,
  page_id        uuid NOT NULL,
  format         text NOT NULL CHECK (format IN ('html', 'json')),
  version        integer NOT NULL,
  slug           text NOT NULL,
  site_synced_at timestamptz NOT NULL,
  catalogue      text NOT NULL,
  body           bytea NOT NULL,
  etag           text NOT NULL,
  rendered_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, page_id, format),
  FOREIGN KEY (tenant_id, page_id) REFERENCES cms.pages (tenant_id, id) ON DELETE CASCADE
);
SELECT platform.enable_tenant_rls('cms.rendered_pages');
GRANT SELECT, INSERT, UPDATE, DELETE ON cms.rendered_pages TO cms_svc;

-- migrate:down
