-- Demo data for sql/orders-enrichment.sql. Run it after the pipeline, in the same session, so it
-- reuses the pipeline's `orders` table:
--   flink-sql exec --env local -f sql/orders-enrichment.sql -f sql/demo/seed-orders.sql
SET 'pipeline.name' = 'Orders Demo Seed';

CREATE TEMPORARY TABLE order_generator (
  order_id    BIGINT,
  customer_no INT,
  amount      DECIMAL(10, 2),
  placed_at   TIMESTAMP(3)
) WITH (
  'connector' = 'datagen',
  'number-of-rows' = '${DEMO_ORDERS:-50}',
  'fields.order_id.kind' = 'sequence',
  'fields.order_id.start' = '1',
  'fields.order_id.end' = '${DEMO_ORDERS:-50}',
  'fields.customer_no.min' = '1',
  'fields.customer_no.max' = '5',
  'fields.amount.min' = '1',
  'fields.amount.max' = '250'
);

INSERT INTO orders
SELECT order_id, CONCAT('customer-', CAST(customer_no AS STRING)), amount, placed_at
FROM order_generator;
