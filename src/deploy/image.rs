//! `deploy image`: the Flink image. The jar manifest (`deploy/flink-image-jars.tsv`, embedded) →
//! a build context (Dockerfile on the official Flink 2.0 image, the manifest, a fetch script that
//! checks every sha256) → built and pushed with the container tool found on PATH, or the exact
//! commands printed when there is none. The local stack assembles its Flink from the same manifest.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::{CliError, Exit};

/// The manifest as shipped in the repository.
pub const MANIFEST_FILE: &str = "flink-image-jars.tsv";
pub const MANIFEST_TEXT: &str = include_str!("../../deploy/flink-image-jars.tsv");

/// The official image the build starts from. Pinned by tag; the profile's FLINK_BASE_IMAGE_DIGEST
/// (or `--base` with `@sha256:…`) pins it byte for byte (`base_image`).
pub const DEFAULT_BASE: &str = "flink:2.0.0-scala_2.12-java17";
/// The stage that fetches the jars (Maven on the same Java as the Flink image).
pub const FETCH_BASE: &str = "maven:3.9.9-eclipse-temurin-17";

const FETCH_SCRIPT: &str = include_str!("../../deploy/fetch-jars.sh");

/// One jar of the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jar {
    pub group: String,
    pub artifact: String,
    pub version: String,
    /// `lib` or `plugins/NAME`: the folder under /opt/flink.
    pub placement: String,
    pub sha256: String,
}

impl Jar {
    /// The file name Maven gives the jar, as it lands in the image.
    pub fn file_name(&self) -> String {
        format!("{}-{}.jar", self.artifact, self.version)
    }

    /// Where the jar lands, relative to /opt/flink.
    pub fn path(&self) -> String {
        format!("{}/{}", self.placement, self.file_name())
    }
}

/// Parses a manifest: tab-separated group, artifact, version, placement, sha256; `#` comments.
pub fn parse(file: &str, text: &str) -> Result<Vec<Jar>, CliError> {
    let mut jars = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |why: &str| CliError::input(format!("{file}:{}:1: {why}", i + 1));
        let cols: Vec<&str> = line.split('\t').collect();
        let [group, artifact, version, placement, sha256] = cols[..] else {
            return Err(bad("expected 5 tab-separated columns"));
        };
        let plugin_ok = placement
            .strip_prefix("plugins/")
            .is_some_and(|n| !n.is_empty() && !n.contains('/'));
        if placement != "lib" && !plugin_ok {
            return Err(bad("placement must be lib or plugins/NAME"));
        }
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad("sha256 must be 64 hex digits"));
        }
        jars.push(Jar {
            group: group.to_owned(),
            artifact: artifact.to_owned(),
            version: version.to_owned(),
            placement: placement.to_owned(),
            sha256: sha256.to_owned(),
        });
    }
    Ok(jars)
}

/// The embedded manifest (checked by a unit test, so this cannot fail at run time).
pub fn manifest() -> Vec<Jar> {
    parse(MANIFEST_FILE, MANIFEST_TEXT).expect("deploy/flink-image-jars.tsv parses")
}

/// The Flink 2.2 stack's jars (`deploy/flink-image-jars-2.2.tsv`): not a complete image manifest.
pub const MANIFEST_2_2_FILE: &str = "flink-image-jars-2.2.tsv";
pub const MANIFEST_2_2_TEXT: &str = include_str!("../../deploy/flink-image-jars-2.2.tsv");

/// The jars a pod of the profile's FLINK_VERSION carries on top of the base image.
pub fn manifest_for(version: &str) -> Vec<Jar> {
    match version {
        "2.2" => parse(MANIFEST_2_2_FILE, MANIFEST_2_2_TEXT).expect("the 2.2 manifest parses"),
        _ => manifest(),
    }
}

/// `deploy image` builds the profile's FLINK_VERSION only when every jar of the image is served.
pub fn check_buildable(version: &str) -> Result<(), CliError> {
    if version == "2.0" {
        return Ok(());
    }
    Err(CliError::input(format!(
        "deploy image builds Flink 2.0 images only, and the profile says FLINK_VERSION={version}"
    ))
    .with_hint(
        "Maven Central serves no Flink 2.2 release of flink-sql-avro-confluent-registry, \
         flink-gs-fs-hadoop or flink-azure-fs-hadoop (deploy/flink-image-jars-2.2.tsv): build \
         the image yourself, name it in FLINK_IMAGE, and `deploy up` runs it with flinkVersion v2_2",
    ))
}

/// The base image: `--base` when given, else the default; the profile's digest is appended when
/// the image names none. The warning says when the result is pinned by tag only.
pub fn base_image(base: Option<&str>, digest: Option<&str>) -> (String, Option<String>) {
    let base = base.unwrap_or(DEFAULT_BASE);
    let digest = digest.filter(|d| !d.is_empty());
    let pinned = match digest {
        Some(d) if !base.contains('@') => format!("{base}@{d}"),
        _ => base.to_owned(),
    };
    let warning = (!pinned.contains("@sha256:")).then(|| {
        format!(
            "warning: the base image {pinned} is pinned by tag only, so a rebuild may start from \
             different bytes; set FLINK_BASE_IMAGE_DIGEST=sha256:… in the profile (the digest \
             `docker buildx imagetools inspect {pinned}` prints) for a reproducible image"
        )
    });
    (pinned, warning)
}

/// The Dockerfile: fetch and check the jars in a Maven stage, copy them onto the Flink image.
pub fn dockerfile(base: &str) -> String {
    format!(
        "# Generated by `flink-sql deploy image`: the official Flink 2.0 image plus the jars of\n\
         # {MANIFEST_FILE}, each fetched with Maven and checked against its sha256 (fetch-jars.sh).\n\
         # Rebuild with: docker build -t IMAGE .   (or podman build / buildah bud)\n\
         FROM {FETCH_BASE} AS jars\n\
         COPY {MANIFEST_FILE} fetch-jars.sh /build/\n\
         RUN bash /build/fetch-jars.sh /build/{MANIFEST_FILE} /out\n\
         \n\
         FROM {base}\n\
         # The base image's own jars, listed before ours: `deploy smoke` tells extra jars from them.\n\
         RUN cd /opt/flink && find lib plugins -name '*.jar' | sort > base-jars.txt\n\
         COPY --from=jars --chown=flink:flink /out/lib/ /opt/flink/lib/\n\
         COPY --from=jars --chown=flink:flink /out/plugins/ /opt/flink/plugins/\n\
         # `deploy smoke` compares a running pod's jars with this list.\n\
         COPY {MANIFEST_FILE} /opt/flink/{MANIFEST_FILE}\n"
    )
}

/// Writes the build context into `dir` (created when missing); returns the files written.
pub fn write_context(dir: &Path, base: &str) -> Result<Vec<PathBuf>, CliError> {
    let io_err = |path: &Path, e: std::io::Error| {
        CliError::input(format!("cannot write {}: {e}", path.display()))
    };
    std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    let files = [
        ("Dockerfile", dockerfile(base)),
        (MANIFEST_FILE, MANIFEST_TEXT.to_owned()),
        ("fetch-jars.sh", FETCH_SCRIPT.to_owned()),
    ];
    let mut written = Vec::new();
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| io_err(&path, e))?;
        written.push(path);
    }
    Ok(written)
}

/// A container tool that can build and push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Docker,
    Podman,
    Buildah,
}

impl Engine {
    const ALL: [Engine; 3] = [Engine::Docker, Engine::Podman, Engine::Buildah];

    pub fn program(self) -> &'static str {
        match self {
            Engine::Docker => "docker",
            Engine::Podman => "podman",
            Engine::Buildah => "buildah",
        }
    }

    /// The build and push commands, as argv.
    pub fn commands(self, image: &str, dir: &str, push: bool) -> Vec<Vec<String>> {
        let build = match self {
            Engine::Buildah => "bud",
            _ => "build",
        };
        let mut cmds = vec![vec![
            self.program().to_owned(),
            build.to_owned(),
            "-t".to_owned(),
            image.to_owned(),
            dir.to_owned(),
        ]];
        if push {
            cmds.push(vec![
                self.program().to_owned(),
                "push".to_owned(),
                image.to_owned(),
            ]);
        }
        cmds
    }

    /// Docker's client is often installed without a reachable daemon: ask the daemon first.
    /// Podman and buildah need none.
    fn usable(self) -> Result<(), String> {
        if self != Engine::Docker {
            return Ok(());
        }
        let answered = Command::new("docker")
            .args(["info", "--format", "{{.ServerVersion}}"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if answered {
            Ok(())
        } else {
            Err("docker is installed, but its daemon does not answer (docker info)".to_owned())
        }
    }
}

/// Docker, podman and buildah as found on PATH, in that order.
pub fn find_engines() -> Vec<Engine> {
    let Some(path) = std::env::var_os("PATH") else {
        return Vec::new();
    };
    Engine::ALL
        .into_iter()
        .filter(|e| std::env::split_paths(&path).any(|d| is_executable(&d.join(e.program()))))
        .collect()
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// What `deploy image` was asked for.
#[derive(Debug, Clone)]
pub struct ImageRequest {
    pub image: String,
    pub dir: PathBuf,
    pub base: String,
    /// Said first when the base is not pinned by digest.
    pub warning: Option<String>,
    pub push: bool,
    pub dry_run: bool,
}

/// `deploy image`: writes the context, then builds and pushes with the tool found.
pub fn image(req: &ImageRequest, out: &mut dyn Write) -> Result<Exit, CliError> {
    let jars = manifest();
    write_context(&req.dir, &req.base)?;
    if let Some(warning) = &req.warning {
        writeln!(out, "{warning}")
            .map_err(|e| CliError::new(Exit::Connection, format!("output: {e}")))?;
    }
    let plugins = jars.iter().filter(|j| j.placement != "lib").count();
    let w = |e: std::io::Error| CliError::new(Exit::Connection, format!("output: {e}"));
    writeln!(
        out,
        "build context: {} (Dockerfile, {MANIFEST_FILE}, fetch-jars.sh): {} jars, {} in lib/, {plugins} in plugins/; base {}",
        req.dir.display(),
        jars.len(),
        jars.len() - plugins,
        req.base
    )
    .map_err(w)?;
    let dir = req.dir.display().to_string();
    let mut unusable = Vec::new();
    let engine = find_engines()
        .into_iter()
        .find(|e| e.usable().map_err(|why| unusable.push(why)).is_ok());
    for why in &unusable {
        writeln!(out, "{why}").map_err(w)?;
    }
    let Some(engine) = engine else {
        writeln!(
            out,
            "no container tool found that can build (docker, podman or buildah); run these where one is:"
        )
        .map_err(w)?;
        for cmd in Engine::Docker.commands(&req.image, &dir, req.push) {
            writeln!(out, "  {}", cmd.join(" ")).map_err(w)?;
        }
        return Err(
            CliError::input(format!("{} was not built", req.image)).with_hint(
                "install docker, podman or buildah and run `flink-sql deploy image` again, \
                 or run the commands above on a machine that has one",
            ),
        );
    };
    let cmds = engine.commands(&req.image, &dir, req.push);
    if req.dry_run {
        writeln!(out, "dry run: would run").map_err(w)?;
        for cmd in &cmds {
            writeln!(out, "  {}", cmd.join(" ")).map_err(w)?;
        }
        return Ok(Exit::Success);
    }
    for cmd in &cmds {
        writeln!(out, "$ {}", cmd.join(" ")).map_err(w)?;
        out.flush().map_err(w)?;
        let status = Command::new(&cmd[0])
            .args(&cmd[1..])
            .stdin(Stdio::null())
            .status()
            .map_err(|e| CliError::input(format!("cannot run {}: {e}", cmd[0])))?;
        if !status.success() {
            let what = if cmd[1] == "push" { "push" } else { "build" };
            let hint = if what == "push" {
                format!(
                    "log in to the registry of {} ({} login), or build only with --no-push",
                    req.image, cmd[0]
                )
            } else {
                "the build log above says which step failed; fetch-jars.sh names a jar whose \
                 sha256 differs from the manifest"
                    .to_owned()
            };
            return Err(CliError::new(
                Exit::StatementFailed,
                format!("{} {what} failed ({status})", cmd[0]),
            )
            .with_hint(hint));
        }
    }
    let done = if req.push {
        "built and pushed"
    } else {
        "built"
    };
    writeln!(
        out,
        "image {} {done} with {}; the profile's FLINK_IMAGE names it",
        req.image,
        engine.program()
    )
    .map_err(w)?;
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_manifest_parses_and_names_each_jar_once() {
        let jars = manifest();
        let mut paths: Vec<String> = jars.iter().map(Jar::path).collect();
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), jars.len());
        for needed in [
            "lib/flink-connector-kafka-4.0.1-2.0.jar",
            "lib/kafka-clients-3.9.1.jar",
            "lib/flink-sql-avro-confluent-registry-2.0.0.jar",
            "lib/managed-kafka-auth-login-handler-1.0.5.jar",
            "plugins/gs-fs-hadoop/flink-gs-fs-hadoop-2.0.0.jar",
            "plugins/azure-fs-hadoop/flink-azure-fs-hadoop-2.0.0.jar",
        ] {
            assert!(paths.iter().any(|p| p == needed), "missing {needed}");
        }
    }

    #[test]
    fn the_2_2_manifest_parses_and_only_2_0_images_are_built() {
        let jars = manifest_for("2.2");
        assert!(jars
            .iter()
            .any(|j| j.path() == "lib/flink-connector-kafka-5.0.0-2.2.jar"));
        assert!(jars
            .iter()
            .any(|j| j.path() == "lib/kafka-clients-4.2.0.jar"));
        assert!(check_buildable("2.0").is_ok());
        let err = check_buildable("2.2").unwrap_err();
        assert!(
            err.hints.iter().any(|h| h.contains("flink-gs-fs-hadoop")),
            "{err:?}"
        );
    }

    #[test]
    fn a_bad_manifest_line_is_reported_with_its_position() {
        let text = "# c\norg\tx\t1\tlib/extra\t00\n";
        let err = parse("m.tsv", text).unwrap_err();
        assert_eq!(
            err.message,
            "m.tsv:2:1: placement must be lib or plugins/NAME"
        );
        let err = parse("m.tsv", "org\tx\t1\tlib\tzz\n").unwrap_err();
        assert_eq!(err.message, "m.tsv:1:1: sha256 must be 64 hex digits");
        let err = parse("m.tsv", "org x 1 lib\n").unwrap_err();
        assert_eq!(err.message, "m.tsv:1:1: expected 5 tab-separated columns");
    }

    #[test]
    fn the_profiles_digest_pins_the_base_and_only_a_tag_warns() {
        let digest = format!("sha256:{}", "a".repeat(64));
        let (base, warning) = base_image(None, Some(&digest));
        assert_eq!(base, format!("{DEFAULT_BASE}@{digest}"));
        assert_eq!(warning, None);
        assert!(dockerfile(&base).contains(&format!("\nFROM {DEFAULT_BASE}@{digest}\n")));
        let (base, warning) = base_image(None, Some(""));
        assert_eq!(base, DEFAULT_BASE);
        assert!(warning.unwrap().contains("pinned by tag only"));
        let given = format!("flink:2.0.1-java17@sha256:{}", "b".repeat(64));
        assert_eq!(
            base_image(Some(&given), Some(&digest)),
            (given.clone(), None)
        );
    }

    #[test]
    fn buildah_builds_with_bud_and_no_push_leaves_the_push_out() {
        let cmds = Engine::Buildah.commands("r/i:1", "ctx", false);
        assert_eq!(cmds, vec![vec!["buildah", "bud", "-t", "r/i:1", "ctx"]]);
    }
}
