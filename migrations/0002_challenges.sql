-- Challenges, their participants and progress logs (amounts in integer base units).

CREATE TABLE challenges (
    id             INTEGER PRIMARY KEY,
    guild_id       INTEGER NOT NULL,
    no             INTEGER NOT NULL,
    channel_id     INTEGER NOT NULL,
    creator_id     INTEGER NOT NULL,
    activity       TEXT NOT NULL,
    unit           TEXT NOT NULL,
    target         INTEGER CHECK (target IS NULL OR target > 0),
    mode           TEXT NOT NULL CHECK (mode IN ('each', 'total', 'most')),
    starts_at      TEXT NOT NULL,
    ends_at        TEXT NOT NULL,
    attempt_ms     INTEGER CHECK (attempt_ms IS NULL OR attempt_ms > 0),
    latest_start   TEXT,
    status         TEXT NOT NULL CHECK (status IN ('scheduled', 'active', 'finished', 'cancelled')),
    created_at     TEXT NOT NULL,
    finished_at    TEXT,
    cancelled_by   INTEGER,
    UNIQUE (guild_id, no)
);
CREATE INDEX challenges_guild_status ON challenges (guild_id, status);

CREATE TABLE participants (
    challenge_id INTEGER NOT NULL REFERENCES challenges (id),
    user_id      INTEGER NOT NULL,
    joined_at    TEXT NOT NULL,
    left_at      TEXT,
    result       TEXT CHECK (result IN ('succeeded', 'failed')),
    reached_at   TEXT,
    final_total  INTEGER,
    PRIMARY KEY (challenge_id, user_id)
);
CREATE INDEX participants_user ON participants (user_id);

CREATE TABLE logs (
    id             INTEGER PRIMARY KEY,
    challenge_id   INTEGER NOT NULL REFERENCES challenges (id),
    user_id        INTEGER NOT NULL,
    amount         INTEGER NOT NULL CHECK (amount > 0),
    entered_amount TEXT NOT NULL,
    entered_unit   TEXT NOT NULL,
    note           TEXT,
    proof_url      TEXT,
    logged_at      TEXT NOT NULL,
    struck_at      TEXT
);
CREATE INDEX logs_challenge_user ON logs (challenge_id, user_id, logged_at);

-- Every undo, edit or strike of a log; nothing is overwritten silently.
CREATE TABLE log_corrections (
    id         INTEGER PRIMARY KEY,
    log_id     INTEGER NOT NULL REFERENCES logs (id),
    actor_id   INTEGER NOT NULL,
    action     TEXT NOT NULL CHECK (action IN ('undo', 'edit', 'strike')),
    old_amount INTEGER NOT NULL,
    new_amount INTEGER,
    reason     TEXT,
    at         TEXT NOT NULL
);
CREATE INDEX log_corrections_log ON log_corrections (log_id);
