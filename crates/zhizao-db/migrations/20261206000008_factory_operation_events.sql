-- Shared factories, fifth part: what operators record on the floor screen (an operation of the
-- published plan started or finished on its resource), from which, with the machines' counts,
-- orders show live progress.
CREATE TABLE factory_operation_events (
    id BIGINT PRIMARY KEY,
    platform_id BIGINT NOT NULL REFERENCES organizations (id),
    order_number TEXT NOT NULL,
    lot BIGINT NOT NULL,
    step BIGINT NOT NULL,
    resource TEXT NOT NULL,
    action TEXT NOT NULL,
    at BIGINT NOT NULL,
    recorded_by TEXT NOT NULL
);

CREATE INDEX factory_operation_events_platform_at ON factory_operation_events (platform_id, at);
