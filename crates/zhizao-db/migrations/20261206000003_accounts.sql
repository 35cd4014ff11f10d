-- Accounts people manage themselves: an organisation's administrator who manages its own users,
-- one-time links for forgotten passwords, the notification outbox that carries them (e-mail or
-- SMS, delivered by the platform's notifier), and enterprises signing up on their own, verified
-- by the city or their town before the account works. Same portable dialect as the foundation
-- migration.
ALTER TABLE users ADD COLUMN org_admin BIGINT NOT NULL DEFAULT 0 CHECK (org_admin IN (0, 1));

-- Only a hash of each link's token is kept; a link works once, until it expires.
CREATE TABLE password_resets (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    ip TEXT NOT NULL DEFAULT '',
    CONSTRAINT password_resets_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id, created_at);

CREATE TABLE notifications (
    id BIGINT PRIMARY KEY,
    channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notifications_pending_idx ON notifications (sent_at, id);

CREATE TABLE signup_requests (
    id BIGINT PRIMARY KEY,
    credit_code TEXT NOT NULL,
    enterprise_name TEXT NOT NULL,
    town_code TEXT NOT NULL,
    industry_code TEXT NOT NULL,
    legal_representative TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    phone TEXT NOT NULL,
    email TEXT NOT NULL,
    username TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    reason TEXT NOT NULL DEFAULT '',
    decided_by TEXT,
    decided_at BIGINT,
    created_at BIGINT NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX signup_requests_status_idx ON signup_requests (status, town_code, created_at);
