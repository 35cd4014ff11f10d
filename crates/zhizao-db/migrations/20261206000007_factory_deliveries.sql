-- Shared factories, fourth part: an order's delivery note (good and scrap pieces, material
-- returned, the final amount from the actual quantities) and the client's receipt with its
-- rating, as JSON the domain crate reads; the figures later sum the columns.
ALTER TABLE factory_orders ADD COLUMN delivery TEXT;
ALTER TABLE factory_orders ADD COLUMN good_quantity BIGINT;
ALTER TABLE factory_orders ADD COLUMN final_fen BIGINT;
ALTER TABLE factory_orders ADD COLUMN delivered_at BIGINT;
ALTER TABLE factory_orders ADD COLUMN rating BIGINT;
