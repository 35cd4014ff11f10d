-- Shared factories, third part: plan versions of each factory's confirmed orders (operations,
-- pins, each order's outcome and the figures as JSON the domain crate reads), one published.
CREATE TABLE factory_plans (
    id BIGINT PRIMARY KEY,
    platform_id BIGINT NOT NULL REFERENCES organizations (id),
    version BIGINT NOT NULL,
    status TEXT NOT NULL,
    setup_version BIGINT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    published_at BIGINT,
    published_by TEXT,
    CONSTRAINT factory_plans_platform_id_version_key UNIQUE (platform_id, version)
);

CREATE INDEX factory_plans_platform_status ON factory_plans (platform_id, status);
