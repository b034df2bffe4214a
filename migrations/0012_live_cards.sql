-- The live challenge card: the public message posted by /challenge create, edited as logs arrive.
-- Found again by channel and message id; when it was deleted the bot posts a new one and records it.
ALTER TABLE challenges ADD COLUMN card_channel_id INTEGER;
ALTER TABLE challenges ADD COLUMN card_message_id INTEGER
    CHECK ((card_message_id IS NULL) = (card_channel_id IS NULL));

-- Exactly once per interaction: a repeated delivery of the same tap, modal or command (Discord's
-- interaction id) never logs or undoes twice. Two real taps are two interactions, two logs.
ALTER TABLE logs ADD COLUMN interaction_id INTEGER;
CREATE UNIQUE INDEX logs_interaction ON logs (interaction_id) WHERE interaction_id IS NOT NULL;

ALTER TABLE log_corrections ADD COLUMN interaction_id INTEGER;
CREATE UNIQUE INDEX log_corrections_interaction ON log_corrections (interaction_id) WHERE interaction_id IS NOT NULL;
