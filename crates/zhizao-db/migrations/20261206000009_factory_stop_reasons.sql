-- Shared factories, sixth part: the reason an operator chose on the floor screen for a
-- resource's stop (one of the set-up's alarm codes), which OEE's losses use when the machine
-- reported none.
CREATE TABLE factory_stop_reasons (
    id BIGINT PRIMARY KEY,
    platform_id BIGINT NOT NULL REFERENCES organizations (id),
    resource TEXT NOT NULL,
    code BIGINT NOT NULL,
    at BIGINT NOT NULL,
    recorded_by TEXT NOT NULL
);

CREATE INDEX factory_stop_reasons_platform_at ON factory_stop_reasons (platform_id, at);
