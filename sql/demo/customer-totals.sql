-- Reads back what Orders Enrichment wrote. Run after sql/orders-enrichment.sql in the same
-- session (it reuses `customer_totals`), with --max-rows: an upsert topic never ends.
SET 'pipeline.name' = 'Customer Totals Preview';
SELECT customer_id, orders, total, last_order FROM customer_totals;
