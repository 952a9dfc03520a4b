-- migrate:up
-- Which renderer made a stored page (delivery.RENDERER, a digest of its sources): a deploy
-- that changes how pages render makes every stored page out of date, rendered again at its
-- next request (and the live replica anew, at cms's start). Rows made before: '' (out of date).
ALTER TABLE cms.rendered_pages ADD COLUMN renderer text NOT NULL DEFAULT '';

-- migrate:down
ALTER TABLE cms.rendered_pages DROP COLUMN renderer;
