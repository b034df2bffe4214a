-- Server settings, durable timers, the announcement outbox and the admin audit trail.

CREATE TABLE guild_settings (
    guild_id            INTEGER PRIMARY KEY,
    announce_channel_id INTEGER,
    timezone            TEXT,
    admin_role_id       INTEGER,
    penalty_due_days    INTEGER NOT NULL DEFAULT 7 CHECK (penalty_due_days BETWEEN 1 AND 90),
    distance_unit       TEXT NOT NULL DEFAULT 'km' CHECK (distance_unit IN ('km', 'mi')),
    updated_at          TEXT NOT NULL
);

-- Every future event is a row; APScheduler only holds a wake-up call for each pending one.
CREATE TABLE timers (
    id       INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    kind     TEXT NOT NULL,
    ref_id   INTEGER NOT NULL,
    due_at   TEXT NOT NULL,
    done_at  TEXT,
    UNIQUE (kind, ref_id)
);
CREATE INDEX timers_pending ON timers (due_at) WHERE done_at IS NULL;

-- Outbox: written in the same transaction as the state change it announces, posted afterwards.
CREATE TABLE announcements (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    ref_id      INTEGER NOT NULL,
    channel_id  INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    attempted_at TEXT,
    posted_at   TEXT,
    message_id  INTEGER,
    UNIQUE (kind, ref_id)
);
CREATE INDEX announcements_unposted ON announcements (id) WHERE posted_at IS NULL;

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    guild_id  INTEGER NOT NULL,
    actor_id  INTEGER NOT NULL,
    action    TEXT NOT NULL,
    target    TEXT NOT NULL,
    reason    TEXT,
    at        TEXT NOT NULL
);
CREATE INDEX audit_log_guild ON audit_log (guild_id, id);
