-- Talent, innovation teams and intellectual property, each tied to the enterprise it belongs to
-- and, where relevant, to a project (its number and name as the projects domain gave them).

CREATE TABLE talents (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    degree TEXT NOT NULL CHECK (degree IN ('doctorate', 'master', 'bachelor', 'other')),
    field TEXT NOT NULL CHECK (field IN ('advanced_manufacturing', 'information_technology', 'biomedicine', 'new_materials', 'new_energy', 'other')),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    programme TEXT NOT NULL,
    year BIGINT NOT NULL,
    project_number TEXT,
    project_name TEXT,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX talents_enterprise_idx ON talents (enterprise_id);

CREATE TABLE innovation_teams (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    field TEXT NOT NULL CHECK (field IN ('advanced_manufacturing', 'information_technology', 'biomedicine', 'new_materials', 'new_energy', 'other')),
    level TEXT NOT NULL CHECK (level IN ('national', 'provincial', 'city')),
    leader TEXT NOT NULL,
    members BIGINT NOT NULL CHECK (members BETWEEN 2 AND 500),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    year BIGINT NOT NULL,
    project_number TEXT,
    project_name TEXT,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX innovation_teams_enterprise_idx ON innovation_teams (enterprise_id);

CREATE TABLE ip_assets (
    id BIGINT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('invention_patent', 'utility_model', 'design_patent', 'software_copyright', 'trademark')),
    -- A patent's application number as `201710601862.3`.
    number TEXT NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('filed', 'granted', 'lapsed')),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    filed_on TEXT NOT NULL,
    granted_on TEXT,
    project_number TEXT,
    project_name TEXT,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT ip_assets_kind_number_key UNIQUE (kind, number)
);
CREATE INDEX ip_assets_enterprise_idx ON ip_assets (enterprise_id, kind);

-- The talents among an IP's inventors.
CREATE TABLE ip_inventors (
    ip_id BIGINT NOT NULL REFERENCES ip_assets (id),
    talent_id BIGINT NOT NULL REFERENCES talents (id),
    PRIMARY KEY (ip_id, talent_id)
);
CREATE INDEX ip_inventors_talent_idx ON ip_inventors (talent_id);
