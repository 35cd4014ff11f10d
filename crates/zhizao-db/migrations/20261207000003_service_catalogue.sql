-- The service catalogue: each service a platform offers, in versions. A version is a draft its
-- platform edits, submitted for the city's check, returned with a reason or put on public
-- notice for some days, then published; a published version is never edited (a change is the
-- next version, which replaces it once published), and a platform may withdraw its service.

CREATE TABLE service_offerings (
    id BIGINT PRIMARY KEY,
    platform_id BIGINT NOT NULL REFERENCES organizations (id),
    -- The service across its versions, e.g. S-2026-0007.
    number TEXT NOT NULL,
    version BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'returned', 'notice', 'superseded', 'withdrawn')),
    title TEXT NOT NULL,
    sector_code TEXT REFERENCES service_sectors (code),
    description TEXT NOT NULL,
    delivery_mode TEXT NOT NULL CHECK (delivery_mode IN ('on_site', 'online', 'at_platform')),
    price_model TEXT NOT NULL CHECK (price_model IN ('free', 'fixed', 'quote')),
    price_fen BIGINT,
    lead_days BIGINT NOT NULL,
    vouchers BIGINT NOT NULL CHECK (vouchers IN (0, 1)),
    check_note TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    submitted_at BIGINT,
    checked_at BIGINT,
    checked_by TEXT,
    -- On notice from checked_at until notice_ends_at; published from then on.
    notice_ends_at BIGINT,
    updated_at BIGINT NOT NULL,
    row_version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT service_offerings_number_version_key UNIQUE (number, version)
);

CREATE INDEX service_offerings_platform_idx ON service_offerings (platform_id, status);
CREATE INDEX service_offerings_status_idx ON service_offerings (status, notice_ends_at);
