//! The profile reader on any bytes, through its public entry point (a profile file on disk).
//!
//! Properties: nothing panics; an error is an input error (exit 2) that names the file.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use flink_sql::profile;
use libfuzzer_sys::fuzz_target;

/// One file per fuzzing process, rewritten for every input.
fn path() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        std::env::temp_dir().join(format!("flink-sql-fuzz-{}.env", std::process::id()))
    })
}

fuzz_target!(|data: &[u8]| {
    let path = path();
    std::fs::write(path, data).expect("temp file");
    if let Err(e) = profile::read_file(path) {
        let message = e.to_string();
        assert!(
            message.contains(&*path.to_string_lossy()),
            "the error does not name the file: {message}"
        );
    }
});
