-- Scratch accounts: made by an experiment (the logout matrix) or a lesson, and deleted when they
-- expire. The matrix's live in the `lab:` namespace, which registration refuses (':' is not a
-- username character), so no learner can own one; an account the matrix did not create is never
-- touched by it.
ALTER TABLE users ADD COLUMN scratch TEXT CHECK (scratch IN ('lesson', 'matrix'));
ALTER TABLE users ADD COLUMN expires_at INTEGER;
CREATE INDEX users_expires_at ON users (expires_at) WHERE expires_at IS NOT NULL;

-- Earlier versions kept reusable matrix accounts named `matrix-…` and promoted `matrix-admin`
-- (even one a learner had registered). No account is an administrator by its name any more.
UPDATE users SET role = 'user' WHERE username LIKE 'matrix-%';
