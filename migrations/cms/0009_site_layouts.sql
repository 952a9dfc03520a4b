-- migrate:up
-- The header and footer every page of a site shares, edited once: a draft (what editors
-- change) and the live copy (what visitors see, set when it is published). A page with a
-- Navbar or Footer of its own keeps it. `profile` keeps what a site generation learnt of
-- the business (its brief and the plan's facts), so later AI work is written for it too.
CREATE TABLE cms.site_layouts (
  tenant_id     uuid PRIMARY KEY,
  header        jsonb,
  footer        jsonb,
  revision      integer NOT NULL DEFAULT 1,
  live_header   jsonb,
  live_footer   jsonb,
  live_revision integer,          -- the draft revision that is live; NULL: never published
  profile       jsonb NOT NULL DEFAULT '{}',
  updated_by    uuid,
  updated_at    timestamptz NOT NULL DEFAULT now()
);
SELECT platform.enable_tenant_rls('cms.site_layouts');
GRANT SELECT, INSERT, UPDATE, DELETE ON cms.site_layouts TO cms_svc;

-- A stored rendering says which live layout it was rendered with (0: none).
ALTER TABLE cms.rendered_pages ADD COLUMN layout integer NOT NULL DEFAULT 0;

-- Whole sites: a site job writes several pages from one plan within one hold; each page's
-- outcome and usage is kept beside the job, with the cached share of its input tokens.
ALTER TABLE cms.generations DROP CONSTRAINT generations_kind_check;
ALTER TABLE cms.generations ADD CONSTRAINT generations_kind_check CHECK (kind IN ('page', 'edit', 'site', 'plan'));
ALTER TABLE cms.generations DROP CONSTRAINT generations_status_check;
ALTER TABLE cms.generations ADD CONSTRAINT generations_status_check
  CHECK (status IN ('queued', 'reserved', 'planning', 'generating', 'validating', 'saved', 'proposed', 'failed'));
ALTER TABLE cms.generations ADD COLUMN cached_input_tokens integer NOT NULL DEFAULT 0,
                            ADD COLUMN plan jsonb,
                            ADD COLUMN pages jsonb NOT NULL DEFAULT '[]';

-- migrate:down
