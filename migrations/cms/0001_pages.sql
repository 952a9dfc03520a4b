-- migrate:up
CREATE TABLE cms.pages (
  tenant_id    uuid NOT NULL,
  id           uuid NOT NULL,
  slug         text NOT NULL,
  structure    jsonb NOT NULL,
  is_published boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  CONSTRAINT pages_slug_per_tenant UNIQUE (tenant_id, slug)
);
SELECT platform.enable_tenant_rls('cms.pages');

GRANT SELECT, INSERT, UPDATE, DELETE ON cms.pages TO cms_svc;
SELECT platform.install_messaging('cms', 'cms_svc');

-- migrate:down
