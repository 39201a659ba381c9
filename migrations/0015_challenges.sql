-- The challenges (issue 37). What the server recorded at decision time for each learner, kept until
-- the learner or a teacher resets it, never summarised or dropped by the audit log's allowances.

-- Who created a scratch account (a lesson's, an attack card's, the compare page's): its events count
-- for that learner. Set by the server when it creates the account, never from a request.
CREATE TABLE challenge_owners (
    account_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    learner_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE
);

-- The events, as JSON (challenges::event::Event), newest last. A learner's oldest beyond the cap
-- (challenges::recorder::EVENTS_KEPT) are pruned as new ones arrive: a bounded write per learner.
CREATE TABLE challenge_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    learner_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    at_ms      INTEGER NOT NULL,
    body       TEXT NOT NULL
);
CREATE INDEX challenge_events_by_learner ON challenge_events (learner_id, id);

-- Each learner's standing on each challenge they touched: solved when, hints revealed.
CREATE TABLE challenge_progress (
    learner_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    challenge    TEXT NOT NULL,
    solved_at_ms INTEGER,
    hints_used   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (learner_id, challenge)
);

-- A learner's last reset: events before it are ignored.
CREATE TABLE challenge_resets (
    learner_id  INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    reset_at_ms INTEGER NOT NULL
);
