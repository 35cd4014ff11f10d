-- Foundation schema: identity, tenancy, audit and the enterprise registry.
--
-- This one file runs on SQLite and PostgreSQL alike, so it keeps to their common dialect:
-- BIGINT ids allocated by the application (see zhizao-db's id_sequences), instants as BIGINT
-- milliseconds since the Unix epoch in UTC, money as BIGINT fen, dates as ISO TEXT, flags as
-- BIGINT 0/1 (sqlx's Any driver cannot read SQLite booleans). Unique constraints use PostgreSQL's default names ({table}_{column}_key) so that a
-- violation maps to the same name on both backends.

CREATE TABLE id_sequences (
    name TEXT PRIMARY KEY,
    next_value BIGINT NOT NULL
);

CREATE TABLE towns (
    code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('subdistrict', 'town')),
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    successor_code TEXT REFERENCES towns (code),
    sort_order BIGINT NOT NULL
);

CREATE TABLE industries (
    code TEXT PRIMARY KEY,
    level TEXT NOT NULL CHECK (level IN ('section', 'division', 'group', 'class')),
    parent_code TEXT REFERENCES industries (code),
    name_zh TEXT NOT NULL,
    name_en TEXT,
    sort_order BIGINT NOT NULL
);

CREATE TABLE organizations (
    id BIGINT PRIMARY KEY,
    code TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('city', 'town', 'platform', 'enterprise', 'expert_panel')),
    name TEXT NOT NULL,
    town_code TEXT REFERENCES towns (code),
    sector TEXT,
    description TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT organizations_code_key UNIQUE (code)
);
CREATE INDEX organizations_kind_idx ON organizations (kind, name);

CREATE TABLE users (
    id BIGINT PRIMARY KEY,
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('city_admin', 'city_staff', 'town_staff', 'platform_staff', 'enterprise_user', 'expert')),
    password_hash TEXT NOT NULL,
    language TEXT NOT NULL DEFAULT 'zh-CN',
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    disabled BIGINT NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    failed_login_count BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    last_login_at BIGINT,
    password_changed_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT users_username_key UNIQUE (username)
);
CREATE INDEX users_organization_idx ON users (organization_id);

CREATE TABLE sessions (
    id BIGINT PRIMARY KEY,
    token_hash TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    revoked_at BIGINT,
    CONSTRAINT sessions_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE api_tokens (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_prefix TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    last_used_at BIGINT,
    last_used_ip TEXT,
    revoked_at BIGINT,
    CONSTRAINT api_tokens_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

CREATE TABLE audit_log (
    id BIGINT PRIMARY KEY,
    occurred_at BIGINT NOT NULL,
    actor_user_id BIGINT,
    actor_username TEXT NOT NULL,
    actor_org_id BIGINT,
    channel TEXT NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    subject_org_id BIGINT,
    changes TEXT NOT NULL DEFAULT '{}',
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_key, occurred_at);
CREATE INDEX audit_log_occurred_idx ON audit_log (occurred_at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_user_id, occurred_at);

CREATE TABLE enterprises (
    id BIGINT PRIMARY KEY REFERENCES organizations (id),
    credit_code TEXT NOT NULL,
    name TEXT NOT NULL,
    legal_representative TEXT NOT NULL,
    town_code TEXT NOT NULL REFERENCES towns (code),
    industry_code TEXT NOT NULL REFERENCES industries (code),
    above_designated_size BIGINT NOT NULL CHECK (above_designated_size IN (0, 1)),
    employees BIGINT,
    annual_revenue_fen BIGINT,
    address TEXT NOT NULL DEFAULT '',
    contact_name TEXT NOT NULL DEFAULT '',
    contact_phone TEXT NOT NULL DEFAULT '',
    contact_email TEXT NOT NULL DEFAULT '',
    established_on TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT enterprises_credit_code_key UNIQUE (credit_code)
);
CREATE INDEX enterprises_town_idx ON enterprises (town_code);
CREATE INDEX enterprises_industry_idx ON enterprises (industry_code);
CREATE INDEX enterprises_name_idx ON enterprises (name);

CREATE TABLE recognitions (
    id BIGINT PRIMARY KEY,
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('demonstration_project', 'technology_center', 'design_center', 'laboratory')),
    level TEXT NOT NULL CHECK (level IN ('national', 'provincial', 'city')),
    year BIGINT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    CONSTRAINT recognitions_enterprise_kind_level_year_key UNIQUE (enterprise_id, kind, level, year)
);
CREATE INDEX recognitions_kind_idx ON recognitions (kind, level);

-- Which enterprises brought work to which service platform: the scope of platform staff.
CREATE TABLE platform_clients (
    platform_id BIGINT NOT NULL REFERENCES organizations (id),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id) ON DELETE CASCADE,
    since BIGINT NOT NULL,
    PRIMARY KEY (platform_id, enterprise_id)
);
CREATE INDEX platform_clients_enterprise_idx ON platform_clients (enterprise_id);
