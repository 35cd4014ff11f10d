-- Major science-and-technology projects (重大科技专项): calls with topics and weighted criteria,
-- applications, expert profiles (affiliation and declared relations, for conflicts of
-- interest), assignments of experts with their blind scores, and milestones of awarded
-- projects. Same portable dialect as the foundation migration.

CREATE TABLE st_calls (
    id BIGINT PRIMARY KEY,
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    year BIGINT NOT NULL,
    topics TEXT NOT NULL,
    criteria TEXT NOT NULL,
    budget_fen BIGINT NOT NULL,
    experts_per_application BIGINT NOT NULL,
    opens_on TEXT NOT NULL,
    closes_on TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'open', 'reviewing', 'decided')),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT st_calls_code_key UNIQUE (code)
);

CREATE TABLE st_applications (
    id BIGINT PRIMARY KEY,
    number TEXT NOT NULL,
    call_id BIGINT NOT NULL REFERENCES st_calls (id),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    topic TEXT NOT NULL,
    title TEXT NOT NULL,
    title_key TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    requested_fen BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('submitted', 'under_review', 'awarded', 'not_awarded', 'withdrawn')),
    score_milli BIGINT,
    rank BIGINT,
    awarded_fen BIGINT,
    decided_at BIGINT,
    decided_by TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT st_applications_number_key UNIQUE (number),
    CONSTRAINT st_applications_call_id_enterprise_id_title_key_key UNIQUE (call_id, enterprise_id, title_key)
);
CREATE INDEX st_applications_call_idx ON st_applications (call_id, status);
CREATE INDEX st_applications_enterprise_idx ON st_applications (enterprise_id);

CREATE TABLE expert_profiles (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    affiliation_credit_code TEXT,
    affiliation_name TEXT NOT NULL DEFAULT '',
    fields TEXT NOT NULL DEFAULT '[]',
    declared_relations TEXT NOT NULL DEFAULT '[]',
    updated_at BIGINT NOT NULL
);

CREATE TABLE st_assignments (
    id BIGINT PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES st_applications (id),
    expert_user_id BIGINT NOT NULL REFERENCES users (id),
    assigned_at BIGINT NOT NULL,
    scores TEXT,
    total_milli BIGINT,
    comment TEXT NOT NULL DEFAULT '',
    submitted_at BIGINT,
    CONSTRAINT st_assignments_application_id_expert_user_id_key UNIQUE (application_id, expert_user_id)
);
CREATE INDEX st_assignments_expert_idx ON st_assignments (expert_user_id);

CREATE TABLE st_milestones (
    id BIGINT PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES st_applications (id),
    position BIGINT NOT NULL,
    title TEXT NOT NULL,
    due_on TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    report TEXT,
    reported_at BIGINT,
    accepted_at BIGINT,
    accepted_by TEXT
);
CREATE INDEX st_milestones_application_idx ON st_milestones (application_id, position);
