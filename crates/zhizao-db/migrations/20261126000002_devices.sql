-- Connected equipment and smart products: device profiles (product models) and devices with
-- their access tokens. Same portable dialect as the foundation migration.

CREATE TABLE device_profiles (
    id BIGINT PRIMARY KEY,
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    table_name TEXT NOT NULL,
    telemetry TEXT NOT NULL DEFAULT '[]',
    attributes TEXT NOT NULL DEFAULT '[]',
    commands TEXT NOT NULL DEFAULT '[]',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT device_profiles_organization_id_name_key UNIQUE (organization_id, name)
);

CREATE TABLE devices (
    id BIGINT PRIMARY KEY,
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    profile_id BIGINT NOT NULL REFERENCES device_profiles (id),
    name TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    serial_number TEXT NOT NULL DEFAULT '',
    database_name TEXT NOT NULL DEFAULT 'default',
    token_prefix TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    disabled BIGINT NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    last_seen_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT devices_organization_id_name_key UNIQUE (organization_id, name),
    CONSTRAINT devices_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX devices_profile_idx ON devices (profile_id);

-- Attributes: client-side (reported by the device), server-side (kept by the platform) and
-- shared (set by the platform, sent to the device). Values are JSON.
CREATE TABLE device_attributes (
    device_id BIGINT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    scope TEXT NOT NULL CHECK (scope IN ('client', 'server', 'shared')),
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (device_id, scope, name)
);
