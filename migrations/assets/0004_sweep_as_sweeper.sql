-- migrate:up
DROP POLICY sweep_pending_descriptions ON assets.assets;
CREATE POLICY sweep_pending_descriptions ON assets.assets FOR SELECT TO assets_sweeper
  USING (status = 'undescribed' AND describe_after <= now());
GRANT SELECT (tenant_id, id, status, describe_after) ON assets.assets TO assets_sweeper;

-- migrate:down
