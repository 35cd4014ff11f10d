-- The smart-manufacturing solution library: solutions a provider (a service platform) offers,
-- each with the maturity sub-domains and levels it raises (JSON [{"subdomain", "level"}]), the
-- industries it is made for (JSON array of GB/T 4754 division codes; empty: any), typical
-- investment and payback, and references. Adoptions follow one solution at one enterprise from
-- proposal to verified, the verification citing a completed upgrade project or before-and-after
-- figures.

CREATE TABLE solutions (
    id BIGINT PRIMARY KEY,
    provider_id BIGINT NOT NULL REFERENCES organizations (id),
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    targets TEXT NOT NULL,
    industries TEXT NOT NULL,
    investment_min_fen BIGINT NOT NULL CHECK (investment_min_fen >= 0),
    investment_max_fen BIGINT NOT NULL CHECK (investment_max_fen >= investment_min_fen),
    payback_months BIGINT CHECK (payback_months BETWEEN 1 AND 240),
    case_references TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'withdrawn')),
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX solutions_provider_idx ON solutions (provider_id, status);
CREATE INDEX solutions_status_idx ON solutions (status);

CREATE TABLE solution_adoptions (
    id BIGINT PRIMARY KEY,
    solution_id BIGINT NOT NULL REFERENCES solutions (id),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    status TEXT NOT NULL CHECK (status IN ('proposed', 'accepted', 'declined', 'implemented', 'verified')),
    -- Who proposed: the provider (to a client) or the enterprise (asking for it); the other
    -- side accepts or declines.
    proposed_side TEXT NOT NULL CHECK (proposed_side IN ('provider', 'enterprise')),
    note TEXT NOT NULL DEFAULT '',
    proposed_at BIGINT NOT NULL,
    proposed_by TEXT NOT NULL,
    accepted_at BIGINT,
    implemented_at BIGINT,
    verified_at BIGINT,
    -- What the verification cites: a completed project's number, or figures (JSON).
    verified_project TEXT,
    verified_figures TEXT,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT solution_adoptions_solution_id_enterprise_id_key UNIQUE (solution_id, enterprise_id)
);
CREATE INDEX solution_adoptions_enterprise_idx ON solution_adoptions (enterprise_id, status);
