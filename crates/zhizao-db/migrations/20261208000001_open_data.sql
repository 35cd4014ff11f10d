-- The open data API: keys the city issues to other systems (stored hashed, revocable, each with
-- its rate limit) and their use per Asia/Shanghai day.

CREATE TABLE open_data_keys (
    id BIGINT PRIMARY KEY,
    holder TEXT NOT NULL,
    contact TEXT NOT NULL,
    purpose TEXT NOT NULL,
    key_prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    per_minute BIGINT NOT NULL CHECK (per_minute BETWEEN 1 AND 6000),
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    revoked_at BIGINT,
    revoked_by TEXT,
    last_used_at BIGINT
);

CREATE TABLE open_data_usage (
    key_id BIGINT NOT NULL REFERENCES open_data_keys (id),
    day TEXT NOT NULL,
    answered BIGINT NOT NULL DEFAULT 0,
    refused BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (key_id, day)
);
