-- Technology-upgrade projects and subsidies: versioned subsidy rule sets, intake batches,
-- applications with their investment line items, the review trail, subsidy evaluations and
-- objections raised during public notice. Same portable dialect as the foundation migration.

-- A rule set version never changes once written; editing a rule set writes the next version.
CREATE TABLE subsidy_rule_sets (
    id BIGINT PRIMARY KEY,
    code TEXT NOT NULL,
    version BIGINT NOT NULL,
    name TEXT NOT NULL,
    parameters TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    CONSTRAINT subsidy_rule_sets_code_version_key UNIQUE (code, version)
);

CREATE TABLE project_batches (
    id BIGINT PRIMARY KEY,
    code TEXT NOT NULL,
    programme TEXT NOT NULL CHECK (programme IN ('tech_upgrade', 'provincial_fund', 'city_fund', 'post_completion')),
    year BIGINT NOT NULL,
    title TEXT NOT NULL,
    opens_on TEXT NOT NULL,
    closes_on TEXT NOT NULL,
    eligibility TEXT NOT NULL DEFAULT '',
    required_attachments TEXT NOT NULL DEFAULT '[]',
    rule_set_id BIGINT REFERENCES subsidy_rule_sets (id),
    notice_days BIGINT NOT NULL DEFAULT 7,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'closed')),
    published_at BIGINT,
    next_sequence BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT project_batches_code_key UNIQUE (code)
);
CREATE INDEX project_batches_year_idx ON project_batches (year, programme);

CREATE TABLE project_applications (
    id BIGINT PRIMARY KEY,
    number TEXT NOT NULL,
    batch_id BIGINT NOT NULL REFERENCES project_batches (id),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    project_name TEXT NOT NULL,
    project_key TEXT NOT NULL,
    upgrade_type TEXT NOT NULL,
    starts_on TEXT,
    ends_on TEXT,
    description TEXT NOT NULL DEFAULT '',
    expected_output_value_fen BIGINT,
    expected_efficiency_gain_percent BIGINT,
    expected_energy_saving_tce BIGINT,
    total_investment_fen BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    status_changed_at BIGINT NOT NULL,
    submitted_at BIGINT,
    notice_ends_at BIGINT,
    eligible_investment_fen BIGINT,
    granted_fen BIGINT,
    granted_evaluation_id BIGINT,
    disbursed_fen BIGINT,
    disbursed_at BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT project_applications_number_key UNIQUE (number),
    CONSTRAINT project_applications_batch_id_enterprise_id_project_key_key UNIQUE (batch_id, enterprise_id, project_key)
);
CREATE INDEX project_applications_enterprise_idx ON project_applications (enterprise_id);
CREATE INDEX project_applications_status_idx ON project_applications (status, status_changed_at);
CREATE INDEX project_applications_batch_idx ON project_applications (batch_id, status);

CREATE TABLE project_investment_items (
    id BIGINT PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES project_applications (id) ON DELETE CASCADE,
    batch_id BIGINT NOT NULL REFERENCES project_batches (id),
    position BIGINT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('equipment', 'software', 'installation', 'buildings', 'other')),
    name TEXT NOT NULL,
    model TEXT NOT NULL DEFAULT '',
    quantity BIGINT NOT NULL,
    unit_price_fen BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    supplier TEXT NOT NULL DEFAULT '',
    related_party BIGINT NOT NULL DEFAULT 0 CHECK (related_party IN (0, 1)),
    invoice_number TEXT NOT NULL DEFAULT '',
    invoice_date TEXT
);
CREATE INDEX project_investment_items_application_idx ON project_investment_items (application_id, position);
CREATE INDEX project_investment_items_invoice_idx ON project_investment_items (batch_id, invoice_number);

-- The application's own trail: every transition with who, when and why (also in the audit log).
CREATE TABLE project_application_events (
    id BIGINT PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES project_applications (id) ON DELETE CASCADE,
    occurred_at BIGINT NOT NULL,
    actor_username TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT ''
);
CREATE INDEX project_application_events_application_idx ON project_application_events (application_id, occurred_at);

-- Every computed amount, with the rule set version it used and its explanation.
CREATE TABLE subsidy_evaluations (
    id BIGINT PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES project_applications (id) ON DELETE CASCADE,
    rule_set_id BIGINT NOT NULL REFERENCES subsidy_rule_sets (id),
    evaluated_at BIGINT NOT NULL,
    evaluated_by TEXT NOT NULL,
    eligible_investment_fen BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    explanation TEXT NOT NULL
);
CREATE INDEX subsidy_evaluations_application_idx ON subsidy_evaluations (application_id, evaluated_at);

CREATE TABLE project_objections (
    id BIGINT PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES project_applications (id) ON DELETE CASCADE,
    received_at BIGINT NOT NULL,
    recorded_by TEXT NOT NULL,
    objector TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL,
    resolved_at BIGINT,
    resolved_by TEXT,
    resolution TEXT
);
CREATE INDEX project_objections_application_idx ON project_objections (application_id);
