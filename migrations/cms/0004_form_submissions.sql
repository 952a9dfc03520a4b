-- migrate:up
CREATE TABLE cms.form_submissions (
  tenant_id  uuid NOT NULL,
  id         uuid NOT NULL,
  page_id    uuid NOT NULL,
  form_id    text NOT NULL,  -- the ContactForm node's id
  fields     jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
SELECT platform.enable_tenant_rls('cms.form_submissions');
CREATE INDEX form_submissions_recent ON cms.form_submissions (tenant_id, created_at DESC, id DESC);
GRANT SELECT, INSERT, DELETE ON cms.form_submissions TO cms_svc;

-- Submissions per client address and site, shared by every replica. The key is a hash:
-- no address is stored.
CREATE TABLE cms.form_throttle (
  key          text PRIMARY KEY,
  hits         integer NOT NULL,
  window_start timestamptz NOT NULL
);
GRANT SELECT, INSERT, UPDATE ON cms.form_throttle TO cms_svc;

-- migrate:down
