-- Shared factories, eighth part: the files an order carries (drawings, photos, pattern pieces,
-- the factory's reports), stored under the data directory by id; the row is written only once
-- the file is durably on disk, so a half-written file is never listed.
CREATE TABLE factory_order_files (
    id BIGINT PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES factory_orders (id),
    purpose TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL,
    uploaded_by TEXT NOT NULL
);

CREATE INDEX factory_order_files_order ON factory_order_files (order_id);
