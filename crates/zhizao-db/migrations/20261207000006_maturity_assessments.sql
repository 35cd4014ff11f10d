-- Smart-manufacturing capability maturity self-assessments (GB/T 39116 / 39117). The model is
-- versioned data in the binary (zhizao-assessment/models); an assessment names the revision it
-- follows and the enterprise's industry kind. Answers are per requirement; the platform's
-- suggestions (from devices, projects, shared-factory orders) are kept beside the answer until
-- the enterprise confirms or corrects them. A submitted assessment is never changed: its
-- results are stored with it so that standings among enterprises are plain queries.

CREATE TABLE maturity_assessments (
    id BIGINT PRIMARY KEY,
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    -- code.revision of the model, e.g. gbt39116-2020.1
    model TEXT NOT NULL,
    industry_kind TEXT NOT NULL CHECK (industry_kind IN ('discrete', 'process')),
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted')),
    -- On submission: the level reached (0-5), the maturity score in thousandths (0-5000) and
    -- the whole scorecard as JSON.
    level BIGINT CHECK (level BETWEEN 0 AND 5),
    score BIGINT CHECK (score BETWEEN 0 AND 5000),
    scorecard TEXT,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    submitted_at BIGINT,
    submitted_by TEXT,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX maturity_assessments_enterprise_idx ON maturity_assessments (enterprise_id, status);
CREATE INDEX maturity_assessments_status_idx ON maturity_assessments (status, submitted_at);

CREATE TABLE maturity_answers (
    assessment_id BIGINT NOT NULL REFERENCES maturity_assessments (id) ON DELETE CASCADE,
    requirement TEXT NOT NULL,
    -- NULL while only suggested.
    answer TEXT CHECK (answer IN ('fully', 'mostly', 'partly', 'not_met')),
    note TEXT NOT NULL DEFAULT '',
    evidence_url TEXT NOT NULL DEFAULT '',
    -- What the platform's records suggested, and the evidence (JSON {"zh", "en"}).
    suggested TEXT CHECK (suggested IN ('fully', 'mostly', 'partly', 'not_met')),
    suggestion TEXT,
    answered_at BIGINT,
    answered_by TEXT,
    PRIMARY KEY (assessment_id, requirement)
);

-- Evidence files attached to an answer (PDF, images, office files judged by content), kept
-- under the data directory by id; the row is written once the file is durably on disk.
CREATE TABLE maturity_evidence_files (
    id BIGINT PRIMARY KEY,
    assessment_id BIGINT NOT NULL REFERENCES maturity_assessments (id) ON DELETE CASCADE,
    requirement TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL,
    uploaded_by TEXT NOT NULL
);
CREATE INDEX maturity_evidence_files_assessment_idx ON maturity_evidence_files (assessment_id, requirement);
