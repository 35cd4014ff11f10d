-- Shared factories, seventh part: the client's material as the factory receives it (来料: each
-- receipt's quantity, unit, lots and note, as JSON the domain crate reads), when the first
-- receipt came and whether it came later than the client said (the plan's release date and the
-- fair per-client figures read these two columns).
ALTER TABLE factory_orders ADD COLUMN material TEXT;
ALTER TABLE factory_orders ADD COLUMN material_received_at BIGINT;
ALTER TABLE factory_orders ADD COLUMN material_late BIGINT;
