-- Innovation vouchers (科技创新券). The city opens a programme (year, budget, the share of a
-- contract a voucher may pay, a cap per enterprise, eligible sectors and platforms); enterprises
-- apply for a quota or are granted one; an enterprise pays part of a contract with its quota
-- (reserved); after delivery the platform claims redemption with evidence; the city reviews
-- and reimburses. Money moves only by double entries in voucher_ledger; the balance columns
-- of programmes and quotas are kept in the same transactions and changed only by conditional
-- updates that never take them below zero, so two concurrent uses cannot spend one quota twice.

CREATE TABLE voucher_programmes (
    id BIGINT PRIMARY KEY,
    code TEXT NOT NULL,
    year BIGINT NOT NULL,
    title TEXT NOT NULL,
    budget_fen BIGINT NOT NULL CHECK (budget_fen > 0),
    -- Basis points of a contract a voucher may pay (5000 = 50 %).
    share_bp BIGINT NOT NULL CHECK (share_bp BETWEEN 1 AND 10000),
    cap_per_enterprise_fen BIGINT NOT NULL CHECK (cap_per_enterprise_fen > 0),
    -- JSON arrays of sector codes and platform organisation codes; empty: all.
    sectors TEXT NOT NULL,
    platforms TEXT NOT NULL,
    -- Quotas are used until the end of this day (Shanghai); then they expire.
    ends_on TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    -- The budget not yet granted.
    unallocated_fen BIGINT NOT NULL CHECK (unallocated_fen >= 0),
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    CONSTRAINT voucher_programmes_code_key UNIQUE (code)
);

CREATE TABLE voucher_quotas (
    id BIGINT PRIMARY KEY,
    programme_id BIGINT NOT NULL REFERENCES voucher_programmes (id),
    enterprise_id BIGINT NOT NULL REFERENCES organizations (id),
    status TEXT NOT NULL CHECK (status IN ('applied', 'granted', 'refused')),
    requested_fen BIGINT NOT NULL,
    purpose TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    applied_at BIGINT NOT NULL,
    applied_by TEXT NOT NULL,
    decided_at BIGINT,
    decided_by TEXT,
    -- Balances, each never below zero: granted in all, free to use, reserved on contracts,
    -- claimed by platforms, redeemed (approved), reimbursed (paid), expired.
    granted_fen BIGINT NOT NULL DEFAULT 0,
    available_fen BIGINT NOT NULL DEFAULT 0 CHECK (available_fen >= 0),
    reserved_fen BIGINT NOT NULL DEFAULT 0 CHECK (reserved_fen >= 0),
    claimed_fen BIGINT NOT NULL DEFAULT 0 CHECK (claimed_fen >= 0),
    redeemed_fen BIGINT NOT NULL DEFAULT 0 CHECK (redeemed_fen >= 0),
    reimbursed_fen BIGINT NOT NULL DEFAULT 0 CHECK (reimbursed_fen >= 0),
    expired_fen BIGINT NOT NULL DEFAULT 0 CHECK (expired_fen >= 0),
    row_version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT voucher_quotas_one_per_enterprise UNIQUE (programme_id, enterprise_id)
);

-- A voucher paying part of one request's contract.
CREATE TABLE voucher_uses (
    id BIGINT PRIMARY KEY,
    quota_id BIGINT NOT NULL REFERENCES voucher_quotas (id),
    request_id BIGINT NOT NULL REFERENCES service_requests (id),
    platform_id BIGINT NOT NULL REFERENCES organizations (id),
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    status TEXT NOT NULL CHECK (status IN ('reserved', 'claimed', 'redeemed', 'reimbursed', 'released')),
    note TEXT NOT NULL DEFAULT '',
    reserved_at BIGINT NOT NULL,
    reserved_by TEXT NOT NULL,
    claimed_at BIGINT,
    claimed_by TEXT,
    reviewed_at BIGINT,
    reviewed_by TEXT,
    reimbursed_at BIGINT,
    reimbursed_by TEXT,
    payment_reference TEXT NOT NULL DEFAULT '',
    row_version BIGINT NOT NULL DEFAULT 1
);

-- One live voucher per contract: a request is never paid by two.
CREATE UNIQUE INDEX voucher_uses_one_per_request ON voucher_uses (request_id) WHERE status <> 'released';

CREATE TABLE voucher_ledger (
    id BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    programme_id BIGINT NOT NULL REFERENCES voucher_programmes (id),
    quota_id BIGINT REFERENCES voucher_quotas (id),
    use_id BIGINT REFERENCES voucher_uses (id),
    -- budget, available, reserved, claimed, redeemed, reimbursed, expired; and appropriation,
    -- the city's money the budget comes from.
    debit TEXT NOT NULL,
    credit TEXT NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    memo TEXT NOT NULL,
    actor TEXT NOT NULL
);

CREATE INDEX voucher_ledger_programme ON voucher_ledger (programme_id, id);
CREATE INDEX voucher_ledger_quota ON voucher_ledger (quota_id);
