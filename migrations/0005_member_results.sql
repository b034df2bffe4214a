-- Each mode decides a participant's result before the challenge ends (their target, or their own
-- attempt clock running out): when it was decided, for period leaderboards.
ALTER TABLE participants ADD COLUMN decided_at TEXT;
UPDATE participants SET decided_at = (SELECT c.finished_at FROM challenges c WHERE c.id = participants.challenge_id)
    WHERE result IS NOT NULL;
