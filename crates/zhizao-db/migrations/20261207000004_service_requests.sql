-- Requests to delivery: an enterprise requests a service from a platform; the platform declines
-- or proposes a contract (amount, scope, dates) that the enterprise confirms; the platform
-- delivers with a report and files; the enterprise accepts or disputes, then rates. A
-- shared-factory order is one kind of request: its row here follows the order (the factory
-- writes it in the order's own transactions), so lists and figures cover both.

CREATE TABLE service_requests (
    id BIGINT PRIMARY KEY,
    -- SR2026-0001 for a service request; the order's own number for a factory order.
    number TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('service', 'factory_order')),
    -- The catalogue version requested (service requests).
    offering_id BIGINT REFERENCES service_offerings (id),
    platform_id BIGINT NOT NULL REFERENCES organizations (id),
    client_id BIGINT NOT NULL REFERENCES organizations (id),
    title TEXT NOT NULL,
    need TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('requested', 'quoted', 'contracted', 'delivered', 'disputed', 'accepted', 'rated', 'declined', 'cancelled')),
    -- The contract the platform proposes and the enterprise confirms.
    amount_fen BIGINT,
    scope TEXT NOT NULL DEFAULT '',
    starts_on TEXT,
    due_on TEXT,
    -- Millisecond end of the due day in Shanghai, for on-time figures.
    due_at BIGINT,
    quoted_at BIGINT,
    quoted_by TEXT,
    confirmed_at BIGINT,
    confirmed_by TEXT,
    -- The latest delivery; deliveries counts them (a dispute asks for another).
    delivered_at BIGINT,
    delivered_by TEXT,
    report TEXT NOT NULL DEFAULT '',
    deliveries BIGINT NOT NULL DEFAULT 0,
    accepted_at BIGINT,
    -- Why it was declined, cancelled or disputed (the latest).
    reason TEXT NOT NULL DEFAULT '',
    rating BIGINT CHECK (rating BETWEEN 1 AND 5),
    rating_comment TEXT NOT NULL DEFAULT '',
    rated_at BIGINT,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    row_version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT service_requests_number_key UNIQUE (number)
);

CREATE INDEX service_requests_platform_idx ON service_requests (platform_id, status);
CREATE INDEX service_requests_client_idx ON service_requests (client_id, status);

-- The files a request carries: the enterprise's attachments to its need, the platform's
-- delivery evidence. Stored under the data directory by id; the row is written once the file
-- is durably on disk.
CREATE TABLE service_request_files (
    id BIGINT PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES service_requests (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('need', 'evidence', 'payment')),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL,
    uploaded_by TEXT NOT NULL
);

CREATE INDEX service_request_files_request ON service_request_files (request_id);

-- The factory orders placed before requests existed become requests of their kind.
INSERT INTO service_requests (id, number, kind, platform_id, client_id, title, need, status, amount_fen,
    due_at, quoted_at, confirmed_at, delivered_at, deliveries, accepted_at, rating, rated_at, created_at,
    created_by, updated_at)
SELECT -id, number, 'factory_order', platform_id, client_id, family, '',
    CASE status WHEN 'quoted' THEN 'quoted' WHEN 'confirmed' THEN 'contracted' WHEN 'delivered' THEN 'delivered'
        WHEN 'received' THEN 'rated' ELSE 'cancelled' END,
    COALESCE(final_fen, total_fen), promised_at, created_at,
    CASE WHEN status IN ('confirmed', 'delivered', 'received') THEN created_at END,
    delivered_at, CASE WHEN delivered_at IS NULL THEN 0 ELSE 1 END,
    CASE WHEN status = 'received' THEN updated_at END, rating,
    CASE WHEN status = 'received' THEN updated_at END, created_at, created_by, updated_at
FROM factory_orders;
