-- PostgreSQL's spelling of 0004_log_totals.sql: the same table and the same three triggers, as one
-- trigger function (PostgreSQL triggers call a function).

CREATE TABLE log_totals (
    challenge_id BIGINT NOT NULL,
    user_id      BIGINT NOT NULL,
    total        BIGINT NOT NULL,
    PRIMARY KEY (challenge_id, user_id)
);

INSERT INTO log_totals (challenge_id, user_id, total)
SELECT challenge_id, user_id, SUM(amount) FROM logs WHERE struck_at IS NULL GROUP BY challenge_id, user_id;

CREATE FUNCTION log_totals_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.struck_at IS NULL THEN
        UPDATE log_totals SET total = total - OLD.amount
        WHERE challenge_id = OLD.challenge_id AND user_id = OLD.user_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.struck_at IS NULL THEN
        INSERT INTO log_totals (challenge_id, user_id, total) VALUES (NEW.challenge_id, NEW.user_id, NEW.amount)
        ON CONFLICT (challenge_id, user_id) DO UPDATE SET total = log_totals.total + EXCLUDED.total;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER log_totals_insert AFTER INSERT ON logs FOR EACH ROW EXECUTE FUNCTION log_totals_keep();
CREATE TRIGGER log_totals_update AFTER UPDATE OF challenge_id, user_id, amount, struck_at ON logs
    FOR EACH ROW EXECUTE FUNCTION log_totals_keep();
CREATE TRIGGER log_totals_delete AFTER DELETE ON logs FOR EACH ROW EXECUTE FUNCTION log_totals_keep();
