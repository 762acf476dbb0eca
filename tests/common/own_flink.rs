//! A Flink instance of one test's own (JobManager, TaskManager, gateway) on free ports with its
//! own state directory: a test that kills a process, needs an exact job list or more slots than
//! the shared cluster spares uses it and disturbs no other suite. Stopped on drop.

use std::path::PathBuf;

use super::{flink_sql, free_port, repo, Run};

pub struct OwnFlink {
    pub state: tempfile::TempDir,
    pub ports: [u16; 3],
}

impl OwnFlink {
    pub fn stack(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(repo().join("scripts/stack.sh"))
            .args(args)
            .env("FLINK_SQL_STACK_STATE", self.state.path())
            .env("FLINK_REST_PORT", self.ports[0].to_string())
            .env("FLINK_RPC_PORT", self.ports[1].to_string())
            .env("FLINK_GATEWAY_PORT", self.ports[2].to_string())
            .env("FLINK_SQL_ENV_FILE", self.env_file())
            .output()
            .expect("run scripts/stack.sh")
    }

    pub fn up() -> OwnFlink {
        let own = OwnFlink {
            state: tempfile::tempdir().unwrap(),
            ports: [free_port(), free_port(), free_port()],
        };
        let out = own.stack(&["up", "flink"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        own
    }

    pub fn env_file(&self) -> PathBuf {
        self.state.path().join("local.env")
    }

    /// The JobManager's REST URL.
    pub fn rest(&self) -> String {
        format!("http://127.0.0.1:{}", self.ports[0])
    }

    pub fn flink_sql(&self, args: &[&str]) -> Run {
        Run::of(
            flink_sql()
                .args(args)
                .arg("--env-file")
                .arg(self.env_file()),
        )
    }

    pub fn taskmanager_pid(&self) -> String {
        let f = self.state.path().join("pids/flink-taskmanager.pid");
        std::fs::read_to_string(f).unwrap().trim().to_owned()
    }

    /// The TaskManager's log, where a `print` sink writes.
    pub fn taskmanager_log(&self) -> PathBuf {
        self.state.path().join("logs/flink-taskmanager.log")
    }
}

impl Drop for OwnFlink {
    fn drop(&mut self) {
        let _ = self.stack(&["down", "flink"]);
    }
}
