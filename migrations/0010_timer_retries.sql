-- A timer whose handler failed is retried by itself, with a growing delay: how many times it failed
-- and when it runs next. Its due_at stays the deadline the handler settles.
ALTER TABLE timers ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE timers ADD COLUMN retry_at TEXT;
-- The scheduler sleeps until the earliest pending row: MIN over this expression, read from the index.
CREATE INDEX timers_next ON timers (COALESCE(retry_at, due_at)) WHERE done_at IS NULL;
