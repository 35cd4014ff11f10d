-- Shared factories, first tables: each platform's published tariff, versioned like the subsidy
-- rule sets (a version is never edited: saving writes the next one, checked against the version
-- the editor saw). Same portable dialect as the foundation migration.
CREATE TABLE factory_tariffs (
    id BIGINT PRIMARY KEY,
    platform_id BIGINT NOT NULL REFERENCES organizations (id),
    version BIGINT NOT NULL,
    parameters TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    CONSTRAINT factory_tariffs_platform_id_version_key UNIQUE (platform_id, version)
);
