-- Shared factories, second part: each platform's set-up (sites, resources, calendar, routings,
-- change-overs), versioned like its tariff, and the orders clients place, each with its quote
-- (the price line by line and the date promised from the plan). The order's request and quote
-- are JSON the domain crate reads; the columns a list filters or sums on are columns.
CREATE TABLE factory_setups (
    id BIGINT PRIMARY KEY,
    platform_id BIGINT NOT NULL REFERENCES organizations (id),
    version BIGINT NOT NULL,
    parameters TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    CONSTRAINT factory_setups_platform_id_version_key UNIQUE (platform_id, version)
);

CREATE TABLE factory_orders (
    id BIGINT PRIMARY KEY,
    number TEXT NOT NULL,
    platform_id BIGINT NOT NULL REFERENCES organizations (id),
    client_id BIGINT NOT NULL REFERENCES organizations (id),
    process TEXT NOT NULL,
    family TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    need_by BIGINT NOT NULL,
    request TEXT NOT NULL,
    status TEXT NOT NULL,
    quote TEXT NOT NULL,
    total_fen BIGINT NOT NULL,
    promised_at BIGINT NOT NULL,
    quote_valid_until BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    row_version BIGINT NOT NULL,
    CONSTRAINT factory_orders_number_key UNIQUE (number)
);

CREATE INDEX factory_orders_platform_status ON factory_orders (platform_id, status);
CREATE INDEX factory_orders_client ON factory_orders (client_id);
