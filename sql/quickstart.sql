-- Quick start: no Kafka needed. A bounded datagen source and an aggregate over it.
-- Run: flink-sql exec --env local -f sql/quickstart.sql

-- A SET carries over to every later statement of the session.
SET 'execution.runtime-mode' = 'streaming';

CREATE TEMPORARY TABLE orders (
  order_id BIGINT,
  customer STRING,
  amount   DECIMAL(10, 2),
  placed   TIMESTAMP(3)
) WITH (
  'connector' = 'datagen',
  'number-of-rows' = '20',
  'fields.order_id.kind' = 'sequence',
  'fields.order_id.start' = '1',
  'fields.order_id.end' = '20',
  'fields.customer.length' = '1',
  'fields.amount.min' = '1',
  'fields.amount.max' = '100'
);

-- A changelog: the op column shows updates (-U/+U) as totals grow.
SELECT customer, COUNT(*) AS orders, SUM(amount) AS total
FROM orders
GROUP BY customer;
