-- Orders Enrichment: per-customer order totals, kept up to date in an upsert topic.
-- The shape the platform's pipelines have: Aiven Kafka over SASL_SSL with a SCRAM-SHA-512 JAAS
-- line, Avro keys and values in the schema registry (basic auth), topics prefixed by ${KAFKA_ENV}.
--
-- Run: flink-sql exec --env local -f sql/orders-enrichment.sql
-- Needs: KAFKA_ENV, KAFKA_BOOTSTRAP_SERVERS, KAFKA_USERNAME, KAFKA_PASSWORD, TRUSTSTORE_PATH,
--        TRUSTSTORE_PASSWORD, SCHEMA_REGISTRY_URL (see env/example.env).

SET 'pipeline.name' = 'Orders Enrichment';

CREATE TABLE orders (
  order_id    BIGINT,
  customer_id STRING,
  amount      DECIMAL(10, 2),
  placed_at   TIMESTAMP(3)
) WITH (
  'connector' = 'kafka',
  'topic' = '${KAFKA_ENV}.shop.public.orders',
  'properties.bootstrap.servers' = '${KAFKA_BOOTSTRAP_SERVERS}',
  'properties.security.protocol' = 'SASL_SSL',
  'properties.sasl.mechanism' = 'SCRAM-SHA-512',
  'properties.sasl.jaas.config' = 'org.apache.kafka.common.security.scram.ScramLoginModule required username="${KAFKA_USERNAME}" password="${KAFKA_PASSWORD}";',
  'properties.ssl.truststore.location' = '${TRUSTSTORE_PATH}',
  'properties.ssl.truststore.password' = '${TRUSTSTORE_PASSWORD}',
  'properties.ssl.endpoint.identification.algorithm' = 'https',
  'properties.group.id' = '${KAFKA_ENV}.orders-enrichment',
  'scan.startup.mode' = 'earliest-offset',
  'key.format' = 'avro-confluent',
  'key.avro-confluent.url' = '${SCHEMA_REGISTRY_URL}',
  'key.avro-confluent.basic-auth.credentials-source' = 'USER_INFO',
  'key.avro-confluent.basic-auth.user-info' = '${KAFKA_USERNAME}:${KAFKA_PASSWORD}',
  'key.fields' = 'order_id',
  'value.format' = 'avro-confluent',
  'value.avro-confluent.url' = '${SCHEMA_REGISTRY_URL}',
  'value.avro-confluent.basic-auth.credentials-source' = 'USER_INFO',
  'value.avro-confluent.basic-auth.user-info' = '${KAFKA_USERNAME}:${KAFKA_PASSWORD}',
  'value.fields-include' = 'EXCEPT_KEY'
);

CREATE TABLE customer_totals (
  customer_id STRING,
  orders      BIGINT,
  total       DECIMAL(20, 2),
  last_order  TIMESTAMP(3),
  PRIMARY KEY (customer_id) NOT ENFORCED
) WITH (
  'connector' = 'upsert-kafka',
  'topic' = '${KAFKA_ENV}.shop.analytics.customer_totals',
  'properties.bootstrap.servers' = '${KAFKA_BOOTSTRAP_SERVERS}',
  'properties.security.protocol' = 'SASL_SSL',
  'properties.sasl.mechanism' = 'SCRAM-SHA-512',
  'properties.sasl.jaas.config' = 'org.apache.kafka.common.security.scram.ScramLoginModule required username="${KAFKA_USERNAME}" password="${KAFKA_PASSWORD}";',
  'properties.ssl.truststore.location' = '${TRUSTSTORE_PATH}',
  'properties.ssl.truststore.password' = '${TRUSTSTORE_PASSWORD}',
  'properties.ssl.endpoint.identification.algorithm' = 'https',
  'key.format' = 'avro-confluent',
  'key.avro-confluent.url' = '${SCHEMA_REGISTRY_URL}',
  'key.avro-confluent.basic-auth.credentials-source' = 'USER_INFO',
  'key.avro-confluent.basic-auth.user-info' = '${KAFKA_USERNAME}:${KAFKA_PASSWORD}',
  'value.format' = 'avro-confluent',
  'value.avro-confluent.url' = '${SCHEMA_REGISTRY_URL}',
  'value.avro-confluent.basic-auth.credentials-source' = 'USER_INFO',
  'value.avro-confluent.basic-auth.user-info' = '${KAFKA_USERNAME}:${KAFKA_PASSWORD}',
  'value.fields-include' = 'EXCEPT_KEY'
);

CREATE TEMPORARY VIEW order_totals AS
SELECT customer_id,
       COUNT(*)       AS orders,
       CAST(SUM(amount) AS DECIMAL(20, 2)) AS total,
       MAX(placed_at) AS last_order
FROM orders
GROUP BY customer_id;

INSERT INTO customer_totals
SELECT customer_id, orders, total, last_order FROM order_totals;
