//! Result-page decoding on any bytes: the gateway's JSON page into model columns and rows, then
//! every value as the renderers show it.
//!
//! Properties: nothing panics; every field of a decoded row renders as text for its column's
//! type (or `NULL`), whatever the page declares.
#![no_main]

use flink_sql::gateway::{wire, Page};
use flink_sql::render::value::{self, Class};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(page) = serde_json::from_slice::<wire::ResultPage>(data) else {
        return;
    };
    let page = Page::from(page);
    let classes: Vec<Class> = page
        .columns
        .iter()
        .map(|c| Class::of(&c.data_type))
        .collect();
    let mut scratch = String::new();
    for row in &page.rows {
        for (i, field) in row.fields.iter().enumerate() {
            let class = classes.get(i).copied().unwrap_or(Class::Other);
            let _ = value::text(class, field, &mut scratch);
        }
    }
});
