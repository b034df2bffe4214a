-- Bets between members, their opponents and votes; penalties the losers owe and their history.

CREATE TABLE bets (
    id                  INTEGER PRIMARY KEY,
    guild_id            INTEGER NOT NULL,
    no                  INTEGER NOT NULL,
    channel_id          INTEGER NOT NULL,
    proposer_id         INTEGER NOT NULL,
    proposer_side       TEXT NOT NULL CHECK (proposer_side IN ('for', 'against')),
    -- A challenge bet names the challenge and the participant whose result decides it;
    -- a manual bet has a description and a decision time instead.
    challenge_id        INTEGER REFERENCES challenges (id),
    subject_id          INTEGER,
    description         TEXT,
    decide_at           TEXT,
    open_bet            INTEGER NOT NULL DEFAULT 0 CHECK (open_bet IN (0, 1)),
    -- What each member of the FOR side owes if AGAINST wins, and the other way round.
    for_text            TEXT NOT NULL,
    for_amount          INTEGER NOT NULL CHECK (for_amount > 0),
    for_unit            TEXT NOT NULL,
    for_due_ms          INTEGER NOT NULL CHECK (for_due_ms > 0),
    against_text        TEXT NOT NULL,
    against_amount      INTEGER NOT NULL CHECK (against_amount > 0),
    against_unit        TEXT NOT NULL,
    against_due_ms      INTEGER NOT NULL CHECK (against_due_ms > 0),
    status              TEXT NOT NULL DEFAULT 'open'
                        CHECK (status IN ('open', 'locked', 'settled', 'expired', 'voided')),
    winning_side        TEXT CHECK (winning_side IN ('for', 'against')),
    message_channel_id  INTEGER,
    message_id          INTEGER,
    locked_at           TEXT,
    settled_at          TEXT,
    settled_by          INTEGER,  -- NULL: settled by the challenge's result
    settled_how         TEXT CHECK (settled_how IN ('challenge', 'agreement', 'admin')),
    voided_at           TEXT,
    voided_by           INTEGER,  -- NULL: voided by the bot (challenge cancelled, subject left)
    void_reason         TEXT,
    status_before_void  TEXT,
    created_at          TEXT NOT NULL,
    UNIQUE (guild_id, no),
    CHECK ((challenge_id IS NOT NULL AND subject_id IS NOT NULL AND description IS NULL AND decide_at IS NULL)
        OR (challenge_id IS NULL AND subject_id IS NULL AND description IS NOT NULL AND decide_at IS NOT NULL))
);
CREATE INDEX bets_guild_status ON bets (guild_id, status);
CREATE INDEX bets_challenge ON bets (challenge_id) WHERE challenge_id IS NOT NULL;

-- Named opponents (named = 1) and anyone who answered an open bet (named = 0).
CREATE TABLE bet_opponents (
    bet_id        INTEGER NOT NULL REFERENCES bets (id),
    user_id       INTEGER NOT NULL,
    named         INTEGER NOT NULL CHECK (named IN (0, 1)),
    response      TEXT CHECK (response IN ('accepted', 'declined')),
    responded_at  TEXT,
    PRIMARY KEY (bet_id, user_id)
);
CREATE INDEX bet_opponents_user ON bet_opponents (user_id);

-- How each member of a manual bet says it ended; both sides agreeing settles it.
CREATE TABLE bet_votes (
    bet_id   INTEGER NOT NULL REFERENCES bets (id),
    user_id  INTEGER NOT NULL,
    side     TEXT NOT NULL CHECK (side IN ('for', 'against')),
    at       TEXT NOT NULL,
    PRIMARY KEY (bet_id, user_id)
);

CREATE TABLE penalties (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    no              INTEGER NOT NULL,
    bet_id          INTEGER NOT NULL REFERENCES bets (id),
    debtor_id       INTEGER NOT NULL,
    creditors       TEXT NOT NULL,  -- JSON list of the winners' user ids
    text            TEXT NOT NULL,
    amount          INTEGER NOT NULL CHECK (amount > 0),
    unit            TEXT NOT NULL,
    due_at          TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'owed'
                    CHECK (status IN ('owed', 'submitted', 'verified', 'waived', 'cancelled')),
    assigned_at     TEXT NOT NULL,
    sub_amount      INTEGER CHECK (sub_amount IS NULL OR sub_amount > 0),
    sub_elapsed_ms  INTEGER CHECK (sub_elapsed_ms IS NULL OR sub_elapsed_ms > 0),
    sub_proof_url   TEXT,
    submitted_at    TEXT,
    verified_by     INTEGER,
    verified_at     TEXT,
    closed_at       TEXT,
    UNIQUE (guild_id, no),
    UNIQUE (bet_id, debtor_id)
);
CREATE INDEX penalties_guild_status ON penalties (guild_id, status);
CREATE INDEX penalties_debtor ON penalties (guild_id, debtor_id);

-- The record: every assignment, submission, verification, rejection, waiver and cancellation.
CREATE TABLE penalty_events (
    id          INTEGER PRIMARY KEY,
    penalty_id  INTEGER NOT NULL REFERENCES penalties (id),
    actor_id    INTEGER,  -- NULL: the bot
    action      TEXT NOT NULL CHECK (action IN ('assign', 'submit', 'verify', 'reject', 'waive', 'cancel')),
    at          TEXT NOT NULL,
    amount      INTEGER,
    elapsed_ms  INTEGER,
    proof_url   TEXT,
    detail      TEXT
);
CREATE INDEX penalty_events_penalty ON penalty_events (penalty_id, id);
