//! The splitter on any bytes, read as a pipe delivers them (in chunks of any size).
//!
//! Input: up to 4 leading bytes pick the read sizes (1 to 64 bytes, cycled), the rest is the
//! script. Properties:
//! - nothing panics, whatever the bytes;
//! - reading in chunks gives exactly what reading whole gives (source or diagnostic);
//! - the incremental splitter fed the text in those chunks hands out exactly the statements
//!   (text, position, kind) and the error of splitting it whole;
//! - every statement's text sits at its offset in the source;
//! - re-splitting the statements joined with `;` gives the same statements, of the same kinds;
//! - single-statement mode and the variable scan accept whatever the splitter accepts.
#![no_main]

use std::io::Read;

use flink_sql::script::{input, referenced_names, split, Source};
use libfuzzer_sys::fuzz_target;

/// A reader that hands out its bytes in the given sizes, as a pipe does.
struct Chunked<'a> {
    data: &'a [u8],
    sizes: &'a [u8],
    turn: usize,
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let size = match self.sizes {
            [] => self.data.len(),
            sizes => usize::from(sizes[self.turn % sizes.len()] % 64) + 1,
        };
        self.turn += 1;
        let n = size.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fuzz_target!(|data: &[u8]| {
    let (sizes, script) = data.split_at(data.len().min(4));
    let whole = input::from_bytes("f.sql", script.to_vec());
    let chunked = input::read_from(
        "f.sql",
        Chunked {
            data: script,
            sizes,
            turn: 0,
        },
    );
    match (&whole, &chunked) {
        (Ok(a), Ok(b)) => assert_eq!(a.text, b.text, "chunked read differs"),
        (Err(a), Err(b)) => assert_eq!(a, b, "chunked read reports another problem"),
        _ => panic!("chunked read {chunked:?} but whole read {whole:?}"),
    }
    let Ok(source) = whole else { return };
    check_split(&source);
    check_incremental(&source, sizes);
    let _ = split::split(&source, true).count();
    let _ = referenced_names(std::slice::from_ref(&source), false);
});

fn check_split(source: &Source) {
    let mut pieces = Vec::new();
    for piece in split::split(source, false) {
        let Ok(piece) = piece else { return };
        assert_eq!(&source.text[piece.offset..][..piece.text.len()], piece.text);
        assert!(!piece.text.is_empty());
        pieces.push((piece.text, piece.kind));
    }
    let joined = pieces
        .iter()
        .map(|(text, _)| *text)
        .collect::<Vec<_>>()
        .join(";\n");
    let again = Source {
        name: "joined.sql".into(),
        text: joined,
    };
    let resplit: Vec<_> = split::split(&again, false)
        .map(|p| p.map(|p| (p.text, p.kind)))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|d| panic!("joined statements do not split: {d}"));
    assert_eq!(
        pieces, resplit,
        "re-splitting the joined statements differs"
    );
}

/// Feeds `source` to the incremental splitter in chunks of the given sizes (moved to the next
/// character boundary) and compares with splitting it whole.
fn check_incremental(source: &Source, sizes: &[u8]) {
    type Out = Result<(String, usize, usize, flink_sql::script::Kind), String>;
    let of = |p: split::Piece<'_>| (p.text.to_owned(), p.pos.line, p.pos.column, p.kind);
    let whole: Vec<Out> = split::split(source, false)
        .map(|p| p.map(of).map_err(|d| d.to_string()))
        .collect();
    let mut fed: Vec<Out> = Vec::new();
    let mut inc = split::Incremental::new(source.name.clone());
    let text = source.text.as_str();
    let (mut at, mut turn) = (0, 0);
    while at < text.len() {
        let size = match sizes {
            [] => text.len(),
            sizes => usize::from(sizes[turn % sizes.len()] % 64) + 1,
        };
        turn += 1;
        let mut end = (at + size).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        inc.push(&text[at..end], |p| fed.push(Ok(of(p))));
        at = end;
    }
    inc.finish(|p| fed.push(p.map(of).map_err(|d| d.to_string())));
    assert_eq!(whole, fed, "fed in chunks, the splitter hands out something else");
}
