-- Classroom mode (issue 38). A teacher opens a class; learners join it with its code; the teacher
-- watches their progress. The role 'teacher' was admitted by the accounts rebuild
-- (src/db/sqlite/users_rebuild.sql), so no second rebuild of `users` is needed here.

CREATE TABLE classes (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    teacher_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name            TEXT    NOT NULL,
    -- Eight Crockford base-32 characters (40 bits), drawn from the OS's CSPRNG.
    join_code       TEXT    NOT NULL UNIQUE,
    created_at      INTEGER NOT NULL, -- unix seconds
    ends_at         INTEGER NOT NULL, -- unix seconds: joining stops then
    closed_at       INTEGER,          -- set when the class closed (by hand or at its end)
    hints           INTEGER NOT NULL CHECK (hints IN (0, 1)),
    solutions       INTEGER NOT NULL CHECK (solutions IN (0, 1)),
    scale_lab       INTEGER NOT NULL CHECK (scale_lab IN (0, 1)),
    -- The class demos' access-token lifetime; NULL: the server's default.
    access_ttl_secs INTEGER,
    -- Whether the members' accounts expire when the class closes.
    expire_accounts INTEGER NOT NULL CHECK (expire_accounts IN (0, 1))
) STRICT;
CREATE INDEX classes_by_teacher ON classes (teacher_id);

-- A learner is in at most one class: the learner is the key.
CREATE TABLE class_members (
    learner_id   INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    class_id     INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    joined_at_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX class_members_by_class ON class_members (class_id);
