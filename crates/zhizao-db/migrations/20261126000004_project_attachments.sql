-- Files attached to technology-upgrade applications. The content lives under the data directory
-- (attachments/{application id}/{attachment id}.bin); this table is its index. Same portable
-- dialect as the foundation migration.

CREATE TABLE project_attachments (
    id BIGINT PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES project_applications (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL,
    uploaded_by TEXT NOT NULL
);
CREATE INDEX project_attachments_application_idx ON project_attachments (application_id, uploaded_at);
