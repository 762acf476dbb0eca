//! Split + substitute throughput (SPEC §12: over 100 MB/s), for bench/run.sh.
//!
//! Generates a large script of realistic statements (Kafka DDL with a JAAS line and
//! placeholders inside strings, SET, views, INSERTs with hints and `;` inside strings, comments),
//! then times `flink_sql::script::prepare` on it: best and median of several passes, by wall
//! clock and by this thread's CPU time (Linux; robust to other processes' load on a shared box).
//!
//! Usage: throughput [MEGABYTES] [PASSES]   (defaults 64 and 5)
//! Prints one line on stdout:
//! `bytes=N statements=N best_mb_s=X median_mb_s=X cpu_best_mb_s=X cpu_median_mb_s=X`.

use std::sync::Arc;
use std::time::Instant;

use flink_sql::profile::merge;
use flink_sql::script::{prepare, Source};

/// One block of statements; `{i}` makes names differ from block to block.
fn block(i: usize) -> String {
    format!(
        r#"-- Orders enrichment, part {i}
SET 'pipeline.name' = '${{KAFKA_ENV}}-orders-{i}';
CREATE TABLE orders_{i} (
  id BIGINT,
  customer_id BIGINT,
  payload STRING,
  amount DECIMAL(12, 2),
  ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = '${{KAFKA_ENV}}.shop.public.orders',
  'properties.bootstrap.servers' = '${{KAFKA_BOOTSTRAP_SERVERS}}',
  'properties.security.protocol' = 'SASL_SSL',
  'properties.sasl.mechanism' = 'SCRAM-SHA-512',
  'properties.sasl.jaas.config' = 'org.apache.kafka.common.security.scram.ScramLoginModule required username="${{KAFKA_USERNAME}}" password="${{KAFKA_PASSWORD}}";',
  'properties.ssl.truststore.location' = '${{TRUSTSTORE_PATH}}',
  'scan.startup.mode' = 'earliest-offset',
  'value.format' = 'avro-confluent',
  'value.avro-confluent.url' = '${{SCHEMA_REGISTRY_URL:-http://localhost:8081}}'
);
/* Customers as a view: a block comment with ; and 'quotes' inside */
CREATE TEMPORARY VIEW big_orders_{i} AS
SELECT id, customer_id, amount FROM orders_{i} WHERE amount > 100.00 AND payload <> 'a;b';
INSERT INTO sink_{i} /*+ OPTIONS('sink.parallelism'='2') */
SELECT id, CASE WHEN JSON_VALUE(payload, '$.kind') = 'x;--y' THEN 1 ELSE 0 END, `amount`
FROM orders_{i} -- trailing comment; with a semicolon
WHERE customer_id IN (SELECT customer_id FROM big_orders_{i});
"#
    )
}

fn main() {
    let mut args = std::env::args().skip(1);
    let megabytes: usize = args.next().map_or(64, |a| a.parse().expect("MEGABYTES"));
    let passes: usize = args.next().map_or(5, |a| a.parse().expect("PASSES"));
    let target = megabytes * 1_000_000;
    let mut text = String::with_capacity(target + 4096);
    let mut blocks = 0;
    while text.len() < target {
        text.push_str(&block(blocks));
        blocks += 1;
    }
    let vars = merge(
        vec![
            ("KAFKA_ENV".into(), "uat".into()),
            (
                "KAFKA_BOOTSTRAP_SERVERS".into(),
                "broker-1:9093,broker-2:9093".into(),
            ),
            ("KAFKA_USERNAME".into(), "svc-orders".into()),
            ("KAFKA_PASSWORD".into(), r#"Tr1ck'y"pa;ss--w\rd"#.into()),
            ("TRUSTSTORE_PATH".into(), "/etc/kafka/truststore.jks".into()),
        ],
        Vec::new(),
        &[],
    );
    let sources = [Source {
        name: Arc::from("big.sql"),
        text,
    }];
    let bytes = sources[0].text.len();
    let mut secs = Vec::with_capacity(passes);
    let mut cpu = Vec::with_capacity(passes);
    let mut count = 0;
    for _ in 0..passes {
        let (started, cpu_started) = (Instant::now(), cpu_seconds());
        let statements = prepare(&sources, &vars, false).expect("the generated script prepares");
        secs.push(started.elapsed().as_secs_f64());
        cpu.push(
            cpu_seconds()
                .zip(cpu_started)
                .map_or(f64::NAN, |(b, a)| b - a),
        );
        count = statements.len();
        assert_eq!(count, blocks * 4, "4 statements per block");
        drop(statements);
    }
    secs.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    let mb = bytes as f64 / 1e6;
    println!(
        "bytes={bytes} statements={count} best_mb_s={:.1} median_mb_s={:.1} cpu_best_mb_s={:.1} cpu_median_mb_s={:.1}",
        mb / secs[0],
        mb / secs[secs.len() / 2],
        mb / cpu[0],
        mb / cpu[cpu.len() / 2]
    );
}

/// This thread's CPU time in seconds (first field of /proc/thread-self/schedstat, in ns).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: f64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(nanos / 1e9)
}
