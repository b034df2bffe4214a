-- Participants get an id column of their own. Timers and announcements about one member name them
-- by number (ref_id); that number was SQLite's hidden rowid, which PostgreSQL does not have. The
-- table is rebuilt with `id` as its key (SQLite cannot add one in place) and every rowid kept as
-- the id, so the numbers already in timers and announcements still point at the same member.

CREATE TABLE participants_new (
    id           INTEGER PRIMARY KEY,
    challenge_id INTEGER NOT NULL REFERENCES challenges (id),
    user_id      INTEGER NOT NULL,
    joined_at    TEXT NOT NULL,
    left_at      TEXT,
    result       TEXT CHECK (result IN ('succeeded', 'failed')),
    reached_at   TEXT,
    final_total  INTEGER,
    decided_at   TEXT,
    UNIQUE (challenge_id, user_id)
);
INSERT INTO participants_new (id, challenge_id, user_id, joined_at, left_at, result, reached_at, final_total, decided_at)
SELECT rowid, challenge_id, user_id, joined_at, left_at, result, reached_at, final_total, decided_at FROM participants;
DROP TABLE participants;
ALTER TABLE participants_new RENAME TO participants;
CREATE INDEX participants_user ON participants (user_id);
