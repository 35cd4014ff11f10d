-- Shared factories, ninth part: marker making at the cutting centre. A pattern is a set of pieces
-- uploaded by the factory's staff (a garment CAD system's DXF or a problem JSON), stored as the
-- nesting problem it becomes on a fabric; a run nests a marker or plans the lays of a cut order
-- from it in the background, its best result so far kept as it improves, so a crash leaves
-- the run visible as interrupted with what it had found.
CREATE TABLE factory_patterns (
    id BIGINT PRIMARY KEY,
    platform_id BIGINT NOT NULL REFERENCES organizations (id),
    order_id BIGINT REFERENCES factory_orders (id),
    name TEXT NOT NULL,
    file_name TEXT NOT NULL,
    problem TEXT NOT NULL,
    pieces INTEGER NOT NULL,
    copies INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL
);

CREATE INDEX factory_patterns_platform ON factory_patterns (platform_id, id);

CREATE TABLE factory_nesting_runs (
    id BIGINT PRIMARY KEY,
    pattern_id BIGINT NOT NULL REFERENCES factory_patterns (id),
    kind TEXT NOT NULL,
    input TEXT NOT NULL,
    status TEXT NOT NULL,
    progress_per_mille INTEGER NOT NULL,
    length DOUBLE PRECISION,
    density DOUBLE PRECISION,
    result TEXT,
    error TEXT,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT
);

CREATE INDEX factory_nesting_runs_pattern ON factory_nesting_runs (pattern_id, id);
