-- migrate:up
-- What billing actually charged for a job, from its billing.credits.debited.v1: the job's
-- record then shows the money side closed (and a trace runs from the prompt to the charge).
ALTER TABLE cms.generations ADD COLUMN charged_credits integer, ADD COLUMN charged_at timestamptz;

-- migrate:down
