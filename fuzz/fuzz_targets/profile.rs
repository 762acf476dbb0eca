//! The profile reader (`profile::dotenv::read`) on any text, with a variable from outside the
//! file (`OUTSIDE`, as `--var` or the environment would give it).
//!
//! Properties: nothing panics; every error points at a line and column inside the text; every
//! entry has a well-formed key on a line of the text.
#![no_main]

use flink_sql::profile::dotenv;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let outside = |name: &str| (name == "OUTSIDE").then(|| "from outside".to_owned());
    // Lines end at `\n`, `\r\n` or a lone `\r`; an error may point at an empty last line.
    let last_line =
        1 + text.matches('\n').count() + text.matches('\r').count() - text.matches("\r\n").count();
    match dotenv::read(text, &outside) {
        Ok(entries) => {
            for entry in entries {
                assert!(
                    (1..=last_line).contains(&entry.line),
                    "entry {} on line {} of {last_line}",
                    entry.key,
                    entry.line
                );
                let key_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'.';
                assert!(
                    !entry.key.is_empty() && entry.key.bytes().all(key_byte),
                    "malformed key {:?}",
                    entry.key
                );
            }
        }
        Err(errors) => {
            assert!(!errors.is_empty(), "an error without a problem");
            for e in errors {
                assert!(
                    (1..=last_line).contains(&e.line) && e.column >= 1,
                    "error at {}:{} outside {last_line} lines: {}",
                    e.line,
                    e.column,
                    e.message
                );
            }
        }
    }
});
