-- The public technology service platform system's directory: the sectors (板块) platforms
-- serve in, and each service platform's public profile (its sector, operator, recognitions,
-- contacts and staff, and whether it is one of the city-level public technology service units).

CREATE TABLE service_sectors (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    position BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE service_platform_profiles (
    organization_id BIGINT PRIMARY KEY REFERENCES organizations (id),
    sector_code TEXT REFERENCES service_sectors (code),
    city_unit BIGINT NOT NULL DEFAULT 0 CHECK (city_unit IN (0, 1)),
    operator TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    -- JSON list of {"level": "national|provincial|city", "title": "...", "year": 2019}
    recognitions TEXT NOT NULL DEFAULT '[]',
    contact_name TEXT NOT NULL DEFAULT '',
    contact_phone TEXT NOT NULL DEFAULT '',
    contact_email TEXT NOT NULL DEFAULT '',
    website TEXT NOT NULL DEFAULT '',
    staff BIGINT,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);

CREATE INDEX service_platform_profiles_sector_idx ON service_platform_profiles (sector_code);
