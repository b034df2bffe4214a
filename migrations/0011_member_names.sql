-- Members' display names as last seen in a command they used or named (the bot runs without the
-- members intent, so Discord sends no member list): autocomplete labels and the export show names
-- next to ids, also for members who have left since.

CREATE TABLE member_names (
    guild_id INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    name     TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    named_at TEXT    NOT NULL,
    PRIMARY KEY (guild_id, user_id)
) WITHOUT ROWID;
