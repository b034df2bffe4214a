-- Running totals of counted (not struck) logs per participant, kept by triggers, so the all-time
-- leaderboard and /stats sum one row per participant instead of every log (docs/benchmarks.md:
-- 1,000,000 logs took the all-time leaderboard from ~20 ms to several hundred ms).

CREATE TABLE log_totals (
    challenge_id INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    total        INTEGER NOT NULL,
    PRIMARY KEY (challenge_id, user_id)
) WITHOUT ROWID;

INSERT INTO log_totals (challenge_id, user_id, total)
SELECT challenge_id, user_id, SUM(amount) FROM logs WHERE struck_at IS NULL GROUP BY challenge_id, user_id;

CREATE TRIGGER log_totals_insert AFTER INSERT ON logs WHEN NEW.struck_at IS NULL
BEGIN
    INSERT INTO log_totals (challenge_id, user_id, total) VALUES (NEW.challenge_id, NEW.user_id, NEW.amount)
    ON CONFLICT (challenge_id, user_id) DO UPDATE SET total = total + excluded.total;
END;

CREATE TRIGGER log_totals_update AFTER UPDATE OF challenge_id, user_id, amount, struck_at ON logs
BEGIN
    UPDATE log_totals SET total = total - OLD.amount
    WHERE OLD.struck_at IS NULL AND challenge_id = OLD.challenge_id AND user_id = OLD.user_id;
    INSERT INTO log_totals (challenge_id, user_id, total)
    SELECT NEW.challenge_id, NEW.user_id, NEW.amount WHERE NEW.struck_at IS NULL
    ON CONFLICT (challenge_id, user_id) DO UPDATE SET total = total + excluded.total;
END;

CREATE TRIGGER log_totals_delete AFTER DELETE ON logs WHEN OLD.struck_at IS NULL
BEGIN
    UPDATE log_totals SET total = total - OLD.amount WHERE challenge_id = OLD.challenge_id AND user_id = OLD.user_id;
END;
