-- migrate:up
-- Vectors of different embedding models never compare, so a model change re-embeds each
-- tenant's library in the background; a job records how far it got.
CREATE TABLE assets.reembed_jobs (
  tenant_id    uuid NOT NULL,
  id           uuid NOT NULL,
  model        text NOT NULL,
  status       text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
  total        integer NOT NULL DEFAULT 0,
  done         integer NOT NULL DEFAULT 0,
  error        text,
  lease_until  timestamptz,
  requested_by uuid,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz,
  PRIMARY KEY (tenant_id, id)
);
-- One open job per tenant: asking again returns the one already under way.
CREATE UNIQUE INDEX reembed_jobs_one_open ON assets.reembed_jobs (tenant_id) WHERE status IN ('queued', 'running');
SELECT platform.enable_tenant_rls('assets.reembed_jobs');
GRANT SELECT, INSERT, UPDATE, DELETE ON assets.reembed_jobs TO assets_svc;
-- Stale vectors are found by the model they were made with.
CREATE INDEX assets_embedding_model ON assets.assets (embedding_model) WHERE status = 'described';

-- The re-embedder works across tenants as the sweeper: it sees open jobs, and which tenants
-- hold vectors of another model (tenant ids and model names only).
CREATE POLICY sweep_open_reembeds ON assets.reembed_jobs FOR SELECT TO assets_sweeper
  USING (status IN ('queued', 'running') AND (lease_until IS NULL OR lease_until < now()));
GRANT SELECT (tenant_id, id, status, lease_until, created_at) ON assets.reembed_jobs TO assets_sweeper;
CREATE POLICY sweep_stale_embeddings ON assets.assets FOR SELECT TO assets_sweeper USING (status = 'described');
GRANT SELECT (embedding_model) ON assets.assets TO assets_sweeper;

-- migrate:down
