-- Why a provider cancelled an offline session, told to everyone registered and shown on the
-- session.
ALTER TABLE training_sessions ADD COLUMN cancel_reason TEXT NOT NULL DEFAULT '';
