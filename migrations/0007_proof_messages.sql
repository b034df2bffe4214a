-- Proof photos are kept as a file on a message the bot posted: Discord's attachment links are signed
-- and expire, a message does not. A proof is found again by that message (channel and message id,
-- shown as a jump link) and the file's name on it. proof_url / sub_proof_url stay for rows written
-- before, which held the member's own link.

ALTER TABLE logs ADD COLUMN proof_channel_id INTEGER;
ALTER TABLE logs ADD COLUMN proof_message_id INTEGER;
ALTER TABLE logs ADD COLUMN proof_filename TEXT
    CHECK ((proof_filename IS NULL) = (proof_message_id IS NULL)
           AND (proof_message_id IS NULL) = (proof_channel_id IS NULL));

ALTER TABLE penalties ADD COLUMN sub_proof_channel_id INTEGER;
ALTER TABLE penalties ADD COLUMN sub_proof_message_id INTEGER;
ALTER TABLE penalties ADD COLUMN sub_proof_filename TEXT
    CHECK ((sub_proof_filename IS NULL) = (sub_proof_message_id IS NULL)
           AND (sub_proof_message_id IS NULL) = (sub_proof_channel_id IS NULL));

ALTER TABLE penalty_events ADD COLUMN proof_channel_id INTEGER;
ALTER TABLE penalty_events ADD COLUMN proof_message_id INTEGER;
ALTER TABLE penalty_events ADD COLUMN proof_filename TEXT
    CHECK ((proof_filename IS NULL) = (proof_message_id IS NULL)
           AND (proof_message_id IS NULL) = (proof_channel_id IS NULL));

-- /challenge status shows a challenge's latest proofs without reading all of its logs.
CREATE INDEX logs_proof ON logs (challenge_id, logged_at) WHERE proof_filename IS NOT NULL;
