//! The Flink image's jar manifest (deploy/flink-image-jars.tsv) and what depends on it: the local
//! stack assembles its Flink from it (scripts/stack/flink.sh), the drift check
//! (scripts/image-jars.sh) fails when the assembled Flink and the manifest differ, and the build
//! context's fetch script (deploy/fetch-jars.sh) refuses a jar whose sha256 is not the manifest's.
//! The recorded build and push sequences are in deploy_sequence.rs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// (placement, group:artifact:version) of every manifest line, in file order.
fn manifest_entries() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(repo().join("deploy/flink-image-jars.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            (c[3].to_owned(), format!("{}:{}:{}", c[0], c[1], c[2]))
        })
        .collect()
}

fn sha256(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    text(&out.stdout)[..64].to_owned()
}

#[test]
fn the_stack_takes_its_lib_and_plugin_jars_from_the_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new("bash")
        .arg("-c")
        .arg(
            ". scripts/stack/common.sh; . scripts/stack/flink.sh; \
             printf 'lib %s\\n' \"${FLINK_EXTRA_LIB_JARS[@]}\"; \
             printf 'plugins/%s\\n' \"${FLINK_EXTRA_PLUGIN_JARS[@]}\"",
        )
        .current_dir(repo())
        .env("FLINK_SQL_CACHE", tmp.path().join("cache"))
        .env("FLINK_SQL_STACK_STATE", tmp.path().join("state"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stack: Vec<String> = text(&out.stdout).lines().map(str::to_owned).collect();
    let expected: Vec<String> = manifest_entries()
        .into_iter()
        .map(|(place, coords)| match place.strip_prefix("plugins/") {
            Some(name) => format!("plugins/{name} {coords}"),
            None => format!("{place} {coords}"),
        })
        .collect();
    let (mut a, mut b) = (stack.clone(), expected.clone());
    a.sort();
    b.sort();
    assert_eq!(a, b);
    assert!(stack.len() >= 29, "{stack:?}");
}

/// A FLINK_HOME as flink.sh lays it out: distribution jars are symlinks into `dist`, the
/// manifest's jars are links to cached files, the distribution's plugin folders are links.
struct Home {
    tmp: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path();
        for d in [
            "dist/lib",
            "dist/plugins/metrics-jmx",
            "jars",
            "home/lib",
            "home/plugins/fs-x",
        ] {
            std::fs::create_dir_all(p.join(d)).unwrap();
        }
        std::fs::write(p.join("dist/lib/flink-dist-2.0.0.jar"), "dist").unwrap();
        std::fs::write(p.join("dist/plugins/metrics-jmx/jmx.jar"), "jmx").unwrap();
        std::fs::write(p.join("jars/a-1.jar"), "a").unwrap();
        std::fs::write(p.join("jars/b-2.jar"), "b").unwrap();
        let link = |from: &str, to: &str| std::os::unix::fs::symlink(p.join(from), p.join(to));
        link(
            "dist/lib/flink-dist-2.0.0.jar",
            "home/lib/flink-dist-2.0.0.jar",
        )
        .unwrap();
        link("dist/plugins/metrics-jmx", "home/plugins/metrics-jmx").unwrap();
        link("jars/a-1.jar", "home/lib/a-1.jar").unwrap();
        link("jars/b-2.jar", "home/plugins/fs-x/b-2.jar").unwrap();
        std::fs::write(
            p.join("home/.manifest"),
            format!("dist={}\norg:a:1\n", p.join("dist").display()),
        )
        .unwrap();
        let manifest = format!(
            "# test\norg\ta\t1\tlib\t{}\norg\tb\t2\tplugins/fs-x\t{}\n",
            sha256(&p.join("jars/a-1.jar")),
            sha256(&p.join("jars/b-2.jar"))
        );
        std::fs::write(p.join("manifest.tsv"), manifest).unwrap();
        Home { tmp }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }

    fn check(&self) -> Output {
        self.check_with(&[])
    }

    fn check_with(&self, extra: &[&str]) -> Output {
        Command::new(repo().join("scripts/image-jars.sh"))
            .arg("check")
            .args(extra)
            .arg(self.path("home"))
            .arg(self.path("manifest.tsv"))
            .output()
            .unwrap()
    }
}

#[test]
fn drift_check_passes_when_the_stack_carries_exactly_the_manifest() {
    let home = Home::new();
    let out = home.check();
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(text(&out.stdout).contains("carries the 2 jars of manifest.tsv"));
}

#[test]
fn drift_check_fails_on_a_changed_jar() {
    let home = Home::new();
    std::fs::write(home.path("jars/a-1.jar"), "a, rebuilt").unwrap();
    let out = home.check();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).starts_with("checksum: lib/a-1.jar is "),
        "{}",
        text(&out.stdout)
    );
    assert!(text(&out.stderr).contains("drifted apart"));
}

#[test]
fn drift_check_fails_on_a_missing_plugin_jar() {
    let home = Home::new();
    std::fs::remove_file(home.path("home/plugins/fs-x/b-2.jar")).unwrap();
    let out = home.check();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stdout).lines().next().unwrap(),
        format!(
            "missing: org:b:2 is not in plugins/fs-x/ of {}",
            home.path("home").display()
        )
    );
}

#[test]
fn drift_check_fails_on_a_jar_the_manifest_does_not_name() {
    let home = Home::new();
    std::fs::write(home.path("jars/extra-9.jar"), "x").unwrap();
    std::os::unix::fs::symlink(
        home.path("jars/extra-9.jar"),
        home.path("home/lib/extra-9.jar"),
    )
    .unwrap();
    let out = home.check();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stdout).trim_end(),
        "extra: lib/extra-9.jar is in the stack's Flink but not in the manifest"
    );
}

/// Serves `www/` over HTTP on a free loopback port, as a JobManager's REST API would answer
/// `GET /jobmanager/environment`: a cluster started before its FLINK_HOME was reassembled cannot
/// be produced on the shared stack without restarting it.
struct Served {
    child: std::process::Child,
    url: String,
}

impl Served {
    fn new(www: &Path) -> Served {
        use std::io::BufRead;
        let mut child = Command::new("python3")
            .args([
                "-u",
                "-m",
                "http.server",
                "0",
                "--bind",
                "127.0.0.1",
                "--directory",
            ])
            .arg(www)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut first = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
        let port = first
            .split(" port ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap();
        Served {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn drift_check_with_rest_compares_the_running_jobmanagers_classpath() {
    let home = Home::new();
    let www = home.path("www");
    std::fs::create_dir_all(www.join("jobmanager")).unwrap();
    let environment = |jars: &[&str]| {
        let classpath: Vec<String> = jars.iter().map(|j| format!("/opt/x/lib/{j}")).collect();
        let body = serde_json::json!({"jvm": {}, "classpath": classpath});
        std::fs::write(www.join("jobmanager/environment"), body.to_string()).unwrap();
    };
    let served = Served::new(&www);

    // Started before a-1.jar joined the manifest, and with a jar it no longer names.
    environment(&["flink-dist-2.0.0.jar", "old-0.jar"]);
    let out = home.check_with(&["--rest", &served.url]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stdout).trim_end(),
        "not running: lib/a-1.jar is not on the running JobManager's classpath (restart the stack)\n\
         running extra: old-0.jar is on the running JobManager's classpath but not in the manifest"
    );

    environment(&["flink-dist-2.0.0.jar", "a-1.jar"]);
    let out = home.check_with(&["--rest", &served.url]);
    assert!(out.status.success(), "{}", text(&out.stdout));
}

/// fetch-jars.sh (run inside the image build) against Maven, with one small jar of the manifest.
fn fetch(manifest_line: &str) -> (Output, tempfile::TempDir) {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = tmp.path().join("m.tsv");
    std::fs::write(&manifest, format!("# one jar\n{manifest_line}\n")).unwrap();
    let out = Command::new("bash")
        .arg(repo().join("deploy/fetch-jars.sh"))
        .arg(&manifest)
        .arg(tmp.path().join("out"))
        .output()
        .unwrap();
    (out, tmp)
}

fn jsr305_line() -> String {
    let text = std::fs::read_to_string(repo().join("deploy/flink-image-jars.tsv")).unwrap();
    text.lines()
        .find(|l| l.starts_with("com.google.code.findbugs\tjsr305\t"))
        .expect("the manifest lists jsr305")
        .to_owned()
}

#[test]
fn fetch_script_places_a_jar_whose_checksum_matches() {
    let (out, tmp) = fetch(&jsr305_line());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let jar = tmp.path().join("out/lib/jsr305-3.0.2.jar");
    assert_eq!(sha256(&jar), jsr305_line().rsplit('\t').next().unwrap());
    assert!(text(&out.stdout).contains("1 jars checked"));
}

#[test]
fn fetch_script_refuses_a_jar_whose_checksum_differs_and_places_nothing() {
    let line = jsr305_line();
    let (head, _) = line.rsplit_once('\t').unwrap();
    let (out, tmp) = fetch(&format!("{head}\t{}", "0".repeat(64)));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains(
        "fetch-jars: com.google.code.findbugs:jsr305:3.0.2 has sha256 766ad2a0783f2687962c8ad74ceecc38a28b9f72a2d085ee438b7813e928d0c7, but the manifest says 0000"
    ));
    assert!(!tmp.path().join("out").exists());
}
