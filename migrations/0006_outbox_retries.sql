-- The outbox retries on a schedule instead of after every command, gives up visibly, and adds a
-- result's chart by editing the message once it is drawn (docs/design.md, "Announcements").

-- Failed tries so far, and when the next may run (NULL: at once).
ALTER TABLE announcements ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE announcements ADD COLUMN next_attempt_at TEXT;
-- Given up (no channel takes it, or every try failed): never posted, shown to admins in /admin audit.
ALTER TABLE announcements ADD COLUMN undeliverable_at TEXT;
ALTER TABLE announcements ADD COLUMN last_error TEXT;
-- Posted without its image (the chart was not drawn yet): the message is edited to add it.
ALTER TABLE announcements ADD COLUMN image_pending INTEGER NOT NULL DEFAULT 0 CHECK (image_pending IN (0, 1));
-- Where the message went: the queued channel, or the fallback channel when that one refused it.
ALTER TABLE announcements ADD COLUMN message_channel_id INTEGER;

-- Announcements undeliverable before this migration were recorded as posted without a message.
DROP INDEX announcements_unposted;
CREATE INDEX announcements_pending ON announcements (channel_id, id)
    WHERE posted_at IS NULL AND undeliverable_at IS NULL;
CREATE INDEX announcements_image_pending ON announcements (channel_id, id) WHERE image_pending = 1;
CREATE INDEX announcements_undeliverable ON announcements (guild_id, undeliverable_at)
    WHERE undeliverable_at IS NOT NULL;
