//! Live smoke test of the local stack, without our CLI: the SQL Gateway REST API driven directly.
//! Proves Flink 2.0, the gateway, Kafka over SASL_SSL/SCRAM-SHA-512 and the schema registry work
//! together the way the users' pipelines need. Needs `scripts/stack.sh up`; fails otherwise.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

struct Gateway {
    http: reqwest::Client,
    base: String,
    session: String,
}

fn local_env() -> HashMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("env/local.env");
    let iter = dotenvy::from_path_iter(&path).unwrap_or_else(|e| {
        panic!(
            "{} unreadable ({e}): run scripts/stack.sh up first",
            path.display()
        )
    });
    iter.map(|kv| kv.expect("valid local.env line")).collect()
}

impl Gateway {
    async fn open(base: &str) -> Gateway {
        let http = reqwest::Client::new();
        let info = http.get(format!("{base}/v1/info")).send().await;
        let info: Value = info
            .unwrap_or_else(|e| {
                panic!("gateway at {base} unreachable ({e}): run scripts/stack.sh up")
            })
            .json()
            .await
            .unwrap();
        assert!(
            info["version"].as_str().unwrap().starts_with("2.0"),
            "not Flink 2.0: {info}"
        );
        let body = json!({"sessionName": "live-smoke"});
        let resp: Value = http
            .post(format!("{base}/v2/sessions"))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = resp["sessionHandle"]
            .as_str()
            .expect("session handle")
            .to_owned();
        Gateway {
            http,
            base: base.to_owned(),
            session,
        }
    }

    /// Runs one statement to its end of stream; returns (rows, job id).
    async fn run(&self, sql: &str) -> (Vec<Value>, Option<String>) {
        let url = format!("{}/v2/sessions/{}/statements", self.base, self.session);
        let resp: Value = self
            .http
            .post(url)
            .json(&json!({"statement": sql}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let op = resp["operationHandle"]
            .as_str()
            .unwrap_or_else(|| panic!("no operation: {resp}"))
            .to_owned();
        let mut next = format!(
            "/v2/sessions/{}/operations/{op}/result/0?rowFormat=JSON",
            self.session
        );
        let (mut rows, mut job) = (Vec::new(), None);
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            assert!(Instant::now() < deadline, "statement did not finish: {sql}");
            let page = self
                .http
                .get(format!("{}{next}", self.base))
                .send()
                .await
                .unwrap();
            let status = page.status();
            let page: Value = page.json().await.unwrap();
            assert!(status.is_success(), "statement failed: {sql}\n{page}");
            if let Some(id) = page["jobID"].as_str() {
                job = Some(id.to_owned());
            }
            rows.extend(
                page["results"]["data"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default(),
            );
            match (page["resultType"].as_str(), page["nextResultUri"].as_str()) {
                (Some("EOS"), _) | (_, None) => break,
                (Some("NOT_READY"), Some(uri)) | (Some("PAYLOAD"), Some(uri)) => {
                    if page["resultType"] == "NOT_READY" {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    next = uri.to_owned();
                }
                other => panic!("unexpected page {other:?}: {page}"),
            }
        }
        (rows, job)
    }

    async fn close(self) {
        let url = format!("{}/v2/sessions/{}", self.base, self.session);
        let resp = self.http.delete(url).send().await.unwrap();
        assert!(
            resp.status().is_success(),
            "session close: {}",
            resp.status()
        );
    }
}

async fn wait_finished(rest: &str, job: &str) {
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let info: Value = http
            .get(format!("{rest}/jobs/{job}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        match info["state"].as_str() {
            Some("FINISHED") => return,
            Some("FAILED") | Some("CANCELED") => panic!("job {job} ended {}", info["state"]),
            _ => assert!(
                Instant::now() < deadline,
                "job {job} did not finish: {}",
                info["state"]
            ),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn kafka_table(env: &HashMap<String, String>, name: &str, topic: &str) -> String {
    let user = &env["KAFKA_USERNAME"];
    let pass = &env["KAFKA_PASSWORD"];
    let registry = |side: &str| {
        format!(
            "'{side}.format' = 'avro-confluent',
             '{side}.avro-confluent.url' = '{url}',
             '{side}.avro-confluent.basic-auth.credentials-source' = 'USER_INFO',
             '{side}.avro-confluent.basic-auth.user-info' = '{user}:{pass}'",
            url = env["SCHEMA_REGISTRY_URL"]
        )
    };
    format!(
        "CREATE TABLE {name} (id BIGINT, customer STRING, amount DECIMAL(10, 2)) WITH (
           'connector' = 'kafka',
           'topic' = '{topic}',
           'properties.bootstrap.servers' = '{bootstrap}',
           'properties.security.protocol' = 'SASL_SSL',
           'properties.sasl.mechanism' = 'SCRAM-SHA-512',
           'properties.sasl.jaas.config' = 'org.apache.kafka.common.security.scram.ScramLoginModule required username=\"{user}\" password=\"{pass}\";',
           'properties.ssl.truststore.location' = '{truststore}',
           'properties.ssl.truststore.password' = '{trustpass}',
           'properties.ssl.endpoint.identification.algorithm' = 'https',
           'properties.group.id' = 'live-smoke',
           'scan.startup.mode' = 'earliest-offset',
           'scan.bounded.mode' = 'latest-offset',
           'key.fields' = 'id',
           'value.fields-include' = 'EXCEPT_KEY',
           {key},
           {value}
         )",
        bootstrap = env["KAFKA_BOOTSTRAP_SERVERS"],
        truststore = env["TRUSTSTORE_PATH"],
        trustpass = env["TRUSTSTORE_PASSWORD"],
        key = registry("key"),
        value = registry("value"),
    )
}

#[tokio::test]
async fn stack_runs_select_and_a_sasl_ssl_avro_kafka_round_trip() {
    let env = local_env();
    let gw = Gateway::open(&env["SQL_GATEWAY_URL"]).await;

    let (rows, _) = gw.run("SELECT 1 AS x").await;
    assert_eq!(rows, vec![json!({"kind": "INSERT", "fields": [1]})]);

    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let topic = format!("{}.smoke.public.orders_{stamp}", env["KAFKA_ENV"]);
    gw.run(&kafka_table(&env, "orders", &topic)).await;

    let insert = "INSERT INTO orders VALUES (1, 'ada', 12.30), (2, 'grace', 0.05), (3, '', 100.00)";
    let (_, job) = gw.run(insert).await;
    let job = job.expect("INSERT returns a job id");
    wait_finished(&env["FLINK_REST_URL"], &job).await;

    let (rows, _) = gw.run("SELECT id, customer, amount FROM orders").await;
    // The JSON row format drops DECIMAL scale (100.00 arrives as 1E+2): compare amounts as numbers.
    let fields = |r: Value| json!([r["fields"][0], r["fields"][1], r["fields"][2].as_f64()]);
    let mut got: Vec<Value> = rows.into_iter().map(fields).collect();
    got.sort_by_key(|f| f[0].as_i64());
    assert_eq!(
        got,
        vec![
            json!([1, "ada", 12.30]),
            json!([2, "grace", 0.05]),
            json!([3, "", 100.00])
        ]
    );

    gw.close().await;
}
