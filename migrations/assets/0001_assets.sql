-- migrate:up
CREATE TABLE assets.assets (
  tenant_id      uuid NOT NULL,
  id             uuid NOT NULL,
  url            text NOT NULL,
  ai_description text,
  embedding      vector(1536),
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
SELECT platform.enable_tenant_rls('assets.assets');
-- Semantic search filters by tenant through RLS; HNSW serves the nearest-neighbour scan.
CREATE INDEX assets_embedding_hnsw ON assets.assets USING hnsw (embedding vector_cosine_ops);

GRANT SELECT, INSERT, UPDATE, DELETE ON assets.assets TO assets_svc;
SELECT platform.install_messaging('assets', 'assets_svc');

-- migrate:down
