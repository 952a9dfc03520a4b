-- migrate:up
-- AI work on pages: a generation writes a whole page, an edit proposes a patch to one node.
-- Each row is the job's state (streamed to the editor as it moves) and, once done, the
-- provenance of what it wrote: prompt, model, tokens, credits and the assets it used.
CREATE TABLE cms.generations (
  tenant_id     uuid NOT NULL,
  id            uuid NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('page', 'edit')),
  page_id       uuid,
  status        text NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'reserved', 'generating', 'validating', 'saved', 'proposed', 'failed')),
  request       jsonb NOT NULL,
  hold_id       uuid,
  max_credits   integer NOT NULL,
  credits       integer,
  model         text,
  input_tokens  integer NOT NULL DEFAULT 0,
  output_tokens integer NOT NULL DEFAULT 0,
  repaired      boolean NOT NULL DEFAULT false,
  assets_used   uuid[] NOT NULL DEFAULT '{}',
  proposal      jsonb,          -- an edit's JSON Patch (RFC 6902) against the draft
  base_revision integer,        -- the draft revision an edit's patch applies to
  accepted      integer[],      -- which operations of the patch the editor took
  reason        text,
  history       jsonb NOT NULL DEFAULT '[]',  -- every status with its time, streamed in order
  created_by    uuid,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
SELECT platform.enable_tenant_rls('cms.generations');
CREATE INDEX generations_of_page ON cms.generations (tenant_id, page_id, created_at DESC);
CREATE INDEX generations_recent ON cms.generations (tenant_id, created_at DESC, id DESC);
GRANT SELECT, INSERT, UPDATE, DELETE ON cms.generations TO cms_svc;

-- Which nodes came from AI: node id -> generation id, kept with the draft while the node is
-- unchanged by people, and frozen into each published version.
ALTER TABLE cms.pages ADD COLUMN ai_nodes jsonb NOT NULL DEFAULT '{}';
ALTER TABLE cms.page_versions ADD COLUMN ai_nodes jsonb NOT NULL DEFAULT '{}';

-- migrate:down
