-- What experts need to score a major-project proposal: its objectives, technical approach and
-- indicators, its budget lines and planned milestones (JSON lists), and its attachments; the
-- call's review deadline and whether its review hides the applicant. Same portable dialect as
-- the foundation migration.
ALTER TABLE st_applications ADD COLUMN objectives TEXT NOT NULL DEFAULT '';
ALTER TABLE st_applications ADD COLUMN approach TEXT NOT NULL DEFAULT '';
ALTER TABLE st_applications ADD COLUMN indicators TEXT NOT NULL DEFAULT '';
ALTER TABLE st_applications ADD COLUMN budget TEXT NOT NULL DEFAULT '[]';
ALTER TABLE st_applications ADD COLUMN plan TEXT NOT NULL DEFAULT '[]';
ALTER TABLE st_calls ADD COLUMN review_due_on TEXT;
ALTER TABLE st_calls ADD COLUMN blind_review BIGINT NOT NULL DEFAULT 1 CHECK (blind_review IN (0, 1));

-- The content lives under the data directory (attachments/st/{application id}/{id}.bin).
CREATE TABLE st_attachments (
    id BIGINT PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES st_applications (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL,
    uploaded_by TEXT NOT NULL
);
CREATE INDEX st_attachments_application_idx ON st_attachments (application_id, uploaded_at);
