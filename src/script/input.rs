//! Reading inputs (files, folders, stdin, `-c`) into [`Source`]s, with input hygiene (SPEC §4):
//! a UTF-8 BOM is dropped, CRLF is kept (positions count it as one line break), invalid UTF-8
//! and NUL bytes are errors naming the byte offset. The only I/O of `script`.
//!
//! What is read is bounded: a script is a regular file or a pipe (stdin, `<(…)`), never a device
//! (`-f /dev/zero` would read forever), and at most [`MAX_INPUT_BYTES`]. A folder names every
//! `*.sql` entry it cannot read (a dangling link, a FIFO) instead of skipping it.

use std::fs::FileType;
use std::io::Read;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::sync::Arc;

use super::{Diagnostic, Pos, Source};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The largest input read: far above any real script (the benchmark's 64 MB is the largest seen),
/// low enough that a runaway pipe fails instead of eating the machine's memory.
pub const MAX_INPUT_BYTES: u64 = 256 << 20;

/// Bytes read from a pipe per step: a NUL (`cat /dev/zero |`) is found after the first step.
const READ_CHUNK: usize = 1 << 20;

/// The name of the `index`-th (1-based) `-c` input.
pub fn command_line_name(index: usize) -> String {
    format!("<command-line {index}>")
}

/// The name of standard input.
pub const STDIN_NAME: &str = "<stdin>";

/// Checks and converts raw bytes. Offsets in messages count from the start of `bytes`, BOM
/// included, as a hex editor would show them.
pub fn from_bytes(name: impl Into<Arc<str>>, mut bytes: Vec<u8>) -> Result<Source, Diagnostic> {
    let name = name.into();
    let skipped = if bytes.starts_with(BOM) { BOM.len() } else { 0 };
    let problem = |valid: &[u8], offset: usize, what: &str| {
        let text = std::str::from_utf8(&valid[skipped..offset]).expect("checked prefix");
        let message = format!("{what} at byte offset {offset}{}", hint(&bytes));
        Diagnostic {
            file: name.clone(),
            pos: Pos::START.advanced(text),
            message,
        }
    };
    let valid_up_to = match std::str::from_utf8(&bytes[skipped..]) {
        Ok(_) => bytes.len(),
        Err(e) => skipped + e.valid_up_to(),
    };
    // `[u8]::contains` is a memchr; only a file with a NUL pays for the `position`.
    if bytes[..valid_up_to].contains(&0) {
        let nul = bytes.iter().position(|&b| b == 0).expect("contains a NUL");
        return Err(problem(
            &bytes,
            nul,
            "NUL byte (this looks like a binary file)",
        ));
    }
    if valid_up_to < bytes.len() {
        return Err(problem(&bytes, valid_up_to, "invalid UTF-8"));
    }
    bytes.drain(..skipped);
    let text = String::from_utf8(bytes).expect("checked UTF-8");
    Ok(Source { name, text })
}

fn hint(bytes: &[u8]) -> &'static str {
    match bytes {
        [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..] => " (the file looks like UTF-16: save it as UTF-8)",
        _ => "",
    }
}

/// A `-c 'SQL'` input; `index` is 1-based.
pub fn command_line(index: usize, sql: &str) -> Result<Source, Diagnostic> {
    from_bytes(command_line_name(index), sql.as_bytes().to_vec())
}

/// Reads one file; its name is the path as given. A regular file or a pipe; anything else
/// (a device such as `/dev/zero`, a socket) is refused before it is read.
pub fn read_file(path: &Path) -> Result<Source, Diagnostic> {
    let name = path.display().to_string();
    let cannot = |e: std::io::Error| format!("cannot read file: {e}");
    let file =
        std::fs::File::open(path).map_err(|e| Diagnostic::whole_file(name.as_str(), cannot(e)))?;
    let meta = file
        .metadata()
        .map_err(|e| Diagnostic::whole_file(name.as_str(), cannot(e)))?;
    let file_type = meta.file_type();
    if !file_type.is_file() && !file_type.is_fifo() {
        let what = describe(file_type);
        return Err(Diagnostic::whole_file(
            name,
            format!("is {what}, not a file or a pipe: refusing to read it"),
        ));
    }
    if meta.len() > MAX_INPUT_BYTES {
        return Err(too_large(name, MAX_INPUT_BYTES));
    }
    read_from(&name, file)
}

/// Reads the `*.sql` files of a folder (not its subfolders), in name order. Hidden files (editor
/// lock and backup files start with `.`) are ignored, and so are subfolders. A `*.sql` entry
/// that is neither a file nor a link to one (a dangling link, a FIFO) is an error naming it:
/// skipping it would run less than the folder holds. A folder without any is an error.
pub fn read_dir(path: &Path) -> Result<Vec<Source>, Diagnostic> {
    let name = path.display().to_string();
    let cannot = |e: std::io::Error| {
        Diagnostic::whole_file(name.as_str(), format!("cannot read folder: {e}"))
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).map_err(cannot)? {
        let entry_path = entry.map_err(cannot)?.path();
        if is_sql_name(&entry_path) && folder_entry(&entry_path)? {
            files.push(entry_path);
        }
    }
    if files.is_empty() {
        return Err(Diagnostic::whole_file(
            name,
            "the folder has no *.sql files",
        ));
    }
    files.sort();
    files.iter().map(|f| read_file(f)).collect()
}

fn is_sql_name(path: &Path) -> bool {
    let visible = path
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| !n.starts_with('.'));
    let sql = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("sql"));
    visible && sql
}

/// Whether a `*.sql` entry of a folder is read (`true`) or is a subfolder (`false`); an error
/// for anything else.
fn folder_entry(path: &Path) -> Result<bool, Diagnostic> {
    let name = path.display().to_string();
    let target = match std::fs::metadata(path) {
        Ok(meta) => meta.file_type(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Diagnostic::whole_file(
                name,
                "is a symbolic link to a missing file",
            ))
        }
        Err(e) => {
            return Err(Diagnostic::whole_file(
                name,
                format!("cannot read file: {e}"),
            ))
        }
    };
    match () {
        _ if target.is_file() => Ok(true),
        _ if target.is_dir() => Ok(false),
        _ => Err(Diagnostic::whole_file(
            name,
            format!(
                "is {}, not a file: a folder's *.sql entries must be files",
                describe(target)
            ),
        )),
    }
}

fn describe(file_type: FileType) -> &'static str {
    match () {
        _ if file_type.is_dir() => "a folder",
        _ if file_type.is_fifo() => "a FIFO (named pipe)",
        _ if file_type.is_char_device() => "a character device",
        _ if file_type.is_block_device() => "a block device",
        _ if file_type.is_socket() => "a socket",
        _ => "not a regular file",
    }
}

fn too_large(name: impl Into<Arc<str>>, limit: u64) -> Diagnostic {
    Diagnostic::whole_file(
        name,
        format!(
            "is larger than {} MiB, the most a script may hold",
            limit >> 20
        ),
    )
}

/// Reads all of standard input.
pub fn read_stdin() -> Result<Source, Diagnostic> {
    read_from(STDIN_NAME, std::io::stdin().lock())
}

/// Input that arrives in chunks (a pipe), checked as `from_bytes` checks a whole file: the BOM
/// is dropped, invalid UTF-8 and NUL bytes are errors at their byte offset and position. A
/// character split between two reads is kept until its end arrives.
#[derive(Debug)]
pub struct Decoder {
    name: Arc<str>,
    /// Bytes not yet handed out: the start of the input (until the BOM question is settled) or
    /// an incomplete character.
    carry: Vec<u8>,
    started: bool,
    /// Bytes of the input handed out or dropped so far, and the position they end at.
    offset: usize,
    pos: Pos,
}

impl Decoder {
    pub fn new(name: impl Into<Arc<str>>) -> Decoder {
        Decoder {
            name: name.into(),
            carry: Vec::new(),
            started: false,
            offset: 0,
            pos: Pos::START,
        }
    }

    /// The text of `bytes` that is complete so far (possibly empty).
    pub fn decode(&mut self, bytes: &[u8]) -> Result<String, Diagnostic> {
        self.carry.extend_from_slice(bytes);
        if !self.started {
            if self.carry.len() < BOM.len() && BOM.starts_with(&self.carry) {
                return Ok(String::new());
            }
            self.started = true;
            if self.carry.starts_with(BOM) {
                self.carry.drain(..BOM.len());
                self.offset = BOM.len();
            }
        }
        let (valid, bad) = match std::str::from_utf8(&self.carry) {
            Ok(_) => (self.carry.len(), false),
            // `error_len() == None`: the end is an incomplete character; more may complete it.
            Err(e) => (e.valid_up_to(), e.error_len().is_some()),
        };
        if let Some(nul) = self.carry[..valid].iter().position(|&b| b == 0) {
            return Err(self.problem(nul, "NUL byte (this looks like a binary file)"));
        }
        if bad {
            return Err(self.problem(valid, "invalid UTF-8"));
        }
        let rest = self.carry.split_off(valid);
        let text = String::from_utf8(std::mem::replace(&mut self.carry, rest)).expect("checked");
        self.offset += text.len();
        self.pos = self.pos.advanced(&text);
        Ok(text)
    }

    /// The end of the input: a character left incomplete is invalid UTF-8.
    pub fn finish(&self) -> Result<(), Diagnostic> {
        if self.carry.is_empty() || !self.started && BOM.starts_with(&self.carry) {
            Ok(())
        } else {
            Err(self.problem(0, "invalid UTF-8"))
        }
    }

    /// A problem `at` bytes into the carried bytes.
    fn problem(&self, at: usize, what: &str) -> Diagnostic {
        let before = std::str::from_utf8(&self.carry[..at]).expect("a checked prefix");
        Diagnostic {
            file: self.name.clone(),
            pos: self.pos.advanced(before),
            message: format!("{what} at byte offset {}", self.offset + at),
        }
    }
}

/// Reads all of `reader` as the source `name`, at most [`MAX_INPUT_BYTES`]. Stops at the first
/// chunk that holds a NUL: what follows cannot make it a script.
pub fn read_from(name: &str, reader: impl Read) -> Result<Source, Diagnostic> {
    read_at_most(name, reader, MAX_INPUT_BYTES)
}

fn read_at_most(name: &str, reader: impl Read, limit: u64) -> Result<Source, Diagnostic> {
    let mut bytes = Vec::new();
    let mut limited = reader.take(limit + 1);
    loop {
        let before = bytes.len();
        match limited
            .by_ref()
            .take(READ_CHUNK as u64)
            .read_to_end(&mut bytes)
        {
            Ok(0) => break,
            Ok(_) if bytes[before..].contains(&0) => break,
            Ok(_) => {}
            Err(e) => return Err(Diagnostic::whole_file(name, format!("cannot read: {e}"))),
        }
    }
    if bytes.len() as u64 > limit {
        return Err(too_large(name, limit));
    }
    from_bytes(name, bytes)
}

/// Reads what `-f PATH` names: `-` is standard input, a folder its `*.sql` files, else a file.
pub fn read_path(path: &Path) -> Result<Vec<Source>, Diagnostic> {
    if path.as_os_str() == "-" {
        return read_stdin().map(|s| vec![s]);
    }
    if path.is_dir() {
        return read_dir(path);
    }
    read_file(path).map(|s| vec![s])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `chunks` in turn; the texts, or the first problem.
    fn decoded(chunks: &[&[u8]]) -> Result<Vec<String>, String> {
        let mut decoder = Decoder::new("<stdin>");
        let mut texts = Vec::new();
        for chunk in chunks {
            texts.push(decoder.decode(chunk).map_err(|d| d.to_string())?);
        }
        decoder.finish().map_err(|d| d.to_string())?;
        Ok(texts)
    }

    #[test]
    fn a_character_split_between_reads_waits_for_its_end() {
        let e = "é".as_bytes();
        assert_eq!(
            decoded(&[b"SELECT '", &e[..1], &e[1..], b"';"]).unwrap(),
            ["SELECT '", "", "é", "';"]
        );
    }

    #[test]
    fn a_bom_split_between_reads_is_dropped() {
        assert_eq!(
            decoded(&[b"\xEF", b"\xBB\xBFSELECT 1;"]).unwrap(),
            ["", "SELECT 1;"]
        );
    }

    #[test]
    fn a_nul_in_a_later_chunk_is_located_in_the_whole_input() {
        assert_eq!(
            decoded(&[b"SELECT 1;\nSEL", b"ECT \0"]).unwrap_err(),
            "<stdin>:2:8: NUL byte (this looks like a binary file) at byte offset 17"
        );
    }

    #[test]
    fn invalid_utf8_in_a_chunk_or_at_the_end_is_an_error() {
        assert_eq!(
            decoded(&[b"ab", b"c\xFFd"]).unwrap_err(),
            "<stdin>:1:4: invalid UTF-8 at byte offset 3"
        );
        assert_eq!(
            decoded(&[b"ab", &"é".as_bytes()[..1]]).unwrap_err(),
            "<stdin>:1:3: invalid UTF-8 at byte offset 2"
        );
    }

    fn err(bytes: &[u8]) -> String {
        from_bytes("f.sql", bytes.to_vec()).unwrap_err().to_string()
    }

    #[test]
    fn bom_is_dropped() {
        assert_eq!(
            from_bytes("f.sql", b"\xEF\xBB\xBFSELECT 1".to_vec())
                .unwrap()
                .text,
            "SELECT 1"
        );
    }

    #[test]
    fn crlf_is_kept_as_is() {
        assert_eq!(
            from_bytes("f.sql", b"a\r\nb".to_vec()).unwrap().text,
            "a\r\nb"
        );
    }

    #[test]
    fn invalid_utf8_names_the_byte_offset_and_position() {
        assert_eq!(
            err(b"SELECT 1;\nSELECT '\xE9';"),
            "f.sql:2:9: invalid UTF-8 at byte offset 18"
        );
    }

    #[test]
    fn offsets_count_the_bom() {
        assert_eq!(
            err(b"\xEF\xBB\xBFab\xFF"),
            "f.sql:1:3: invalid UTF-8 at byte offset 5"
        );
    }

    #[test]
    fn nul_byte_is_rejected() {
        assert_eq!(
            err(b"SELECT\n 1\0"),
            "f.sql:2:3: NUL byte (this looks like a binary file) at byte offset 9"
        );
    }

    #[test]
    fn nul_before_invalid_utf8_is_reported_first() {
        assert!(err(b"a\0b\xFF").contains("NUL byte"));
        assert!(err(b"a\xFFb\0").contains("invalid UTF-8"));
    }

    #[test]
    fn utf16_gets_a_hint() {
        assert!(
            err(b"\xFF\xFES\0").contains("looks like UTF-16"),
            "{}",
            err(b"\xFF\xFES\0")
        );
    }

    #[test]
    fn command_line_inputs_are_numbered_from_one() {
        assert_eq!(
            &*command_line(1, "SELECT 1").unwrap().name,
            "<command-line 1>"
        );
    }

    #[test]
    fn reader_input_is_named() {
        let source = read_from(STDIN_NAME, &b"SELECT 1"[..]).unwrap();
        assert_eq!(
            (&*source.name, source.text.as_str()),
            ("<stdin>", "SELECT 1")
        );
    }

    #[test]
    fn missing_file_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope.sql");
        let message = read_file(&path).unwrap_err().to_string();
        assert!(
            message.starts_with(&format!("{}: cannot read file: ", path.display())),
            "{message}"
        );
    }

    #[test]
    fn folder_gives_its_sql_files_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in [
            ("b.sql", "B"),
            ("a.sql", "A"),
            ("c.SQL", "C"),
            ("notes.txt", "x"),
            (".#a.sql", "lock"),
        ] {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        std::fs::create_dir(dir.path().join("sub.sql")).unwrap();
        let sources = read_dir(dir.path()).unwrap();
        let texts: Vec<_> = sources.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(texts, ["A", "B", "C"]);
        assert_eq!(
            &*sources[0].name,
            dir.path().join("a.sql").display().to_string()
        );
    }

    #[test]
    fn empty_folder_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let message = read_dir(dir.path()).unwrap_err().to_string();
        assert_eq!(
            message,
            format!("{}: the folder has no *.sql files", dir.path().display())
        );
    }

    #[test]
    fn a_dangling_sql_link_in_a_folder_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.sql"), "A").unwrap();
        let link = dir.path().join("b.sql");
        std::os::unix::fs::symlink(dir.path().join("gone.sql"), &link).unwrap();
        assert_eq!(
            read_dir(dir.path()).unwrap_err().to_string(),
            format!("{}: is a symbolic link to a missing file", link.display())
        );
    }

    #[test]
    fn a_fifo_in_a_folder_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.sql"), "A").unwrap();
        let fifo = dir.path().join("p.sql");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let message = read_dir(dir.path()).unwrap_err().to_string();
        assert_eq!(
            message,
            format!(
                "{}: is a FIFO (named pipe), not a file: a folder's *.sql entries must be files",
                fifo.display()
            )
        );
    }

    #[test]
    fn a_link_to_a_file_in_a_folder_is_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("real.txt"), "R").unwrap();
        std::os::unix::fs::symlink(dir.path().join("real.txt"), dir.path().join("r.sql")).unwrap();
        assert_eq!(read_dir(dir.path()).unwrap()[0].text, "R");
    }

    #[test]
    fn a_device_is_refused_before_it_is_read() {
        let message = read_file(Path::new("/dev/zero")).unwrap_err().to_string();
        assert_eq!(
            message,
            "/dev/zero: is a character device, not a file or a pipe: refusing to read it"
        );
    }

    #[test]
    fn an_endless_stream_of_nul_stops_after_the_first_chunk() {
        let message = read_from(STDIN_NAME, std::io::repeat(0))
            .unwrap_err()
            .to_string();
        assert!(message.starts_with("<stdin>:1:1: NUL byte"), "{message}");
    }

    #[test]
    fn an_input_larger_than_the_limit_is_refused() {
        let limit = READ_CHUNK as u64 * 3 + 5;
        let endless = std::io::repeat(b' ');
        assert_eq!(
            read_at_most(STDIN_NAME, endless, limit)
                .unwrap_err()
                .to_string(),
            "<stdin>: is larger than 3 MiB, the most a script may hold"
        );
        let fits = std::io::repeat(b' ').take(limit);
        let source = read_at_most(STDIN_NAME, fits, limit).unwrap();
        assert_eq!(source.text.len() as u64, limit);
        assert_eq!(MAX_INPUT_BYTES, 256 << 20);
    }

    #[test]
    fn read_path_dispatches_folders_and_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.sql"), "A").unwrap();
        assert_eq!(read_path(dir.path()).unwrap().len(), 1);
        assert_eq!(read_path(&dir.path().join("a.sql")).unwrap()[0].text, "A");
    }
}
