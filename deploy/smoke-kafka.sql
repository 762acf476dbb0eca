-- `flink-sql deploy smoke`: Kafka connectivity with the deployed Secret, in the SQL the pipelines write.
-- The values come from the Secret in the cluster (username, password, truststore-password; the truststore is
-- mounted at TRUSTSTORE_PATH) and the profile (KAFKA_BOOTSTRAP_SERVERS). No topic is needed, none is read or
-- created: the source's enumerator, on the JobManager, lists the cluster's topics to match the pattern. Wrong
-- credentials or truststore fail that at once; an unreachable broker fails it after default.api.timeout.ms
-- (10 s). A query still running with no error after SMOKE_KAFKA_WAIT (longer than that) has listed the topics:
-- Kafka answered to these credentials from inside the cluster. The query is then cancelled.
SET 'restart-strategy.type' = 'none';
SET 'pipeline.name' = 'flink-sql deploy smoke: Kafka connectivity';
CREATE TEMPORARY TABLE flink_sql_smoke_kafka (
  v BYTES
) WITH (
  'connector' = 'kafka',
  'topic-pattern' = 'flink-sql-smoke\.no-topic-matches-this',
  'properties.bootstrap.servers' = '${KAFKA_BOOTSTRAP_SERVERS}',
  'properties.security.protocol' = 'SASL_SSL',
  'properties.sasl.mechanism' = 'SCRAM-SHA-512',
  'properties.sasl.jaas.config' = 'org.apache.kafka.common.security.scram.ScramLoginModule required username="${KAFKA_USERNAME}" password="${KAFKA_PASSWORD}";',
  'properties.ssl.truststore.location' = '${TRUSTSTORE_PATH}',
  'properties.ssl.truststore.password' = '${TRUSTSTORE_PASSWORD}',
  'properties.ssl.endpoint.identification.algorithm' = 'https',
  'properties.request.timeout.ms' = '5000',
  'properties.default.api.timeout.ms' = '10000',
  'properties.group.id' = 'flink-sql-smoke',
  'scan.startup.mode' = 'earliest-offset',
  'scan.bounded.mode' = 'latest-offset',
  'format' = 'raw'
);
SELECT * FROM flink_sql_smoke_kafka;
