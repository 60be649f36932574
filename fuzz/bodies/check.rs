//! The body of the `check` fuzz target (`fuzz/fuzz_targets/check.rs`), also
//! run by `tests/fuzz_targets.rs` on fixed inputs: the whole pipeline (load →
//! validate → facility → evaluate) on arbitrary bytes, one file of input
//! beside a fixed Facility, so the rules run on whatever documents the input
//! holds. Invariants: no panic, every finding points inside its file, and
//! the expression fast path gives exactly the findings the CEL interpreter
//! gives.

use std::sync::OnceLock;

use anzen::document::schemas::Schemas;
use anzen::kernel::date::Date;
use anzen::pipeline::config::Config;
use anzen::pipeline::engine::Engine;
use anzen::pipeline::policy::RuleFilter;
use anzen::rules::catalog::Catalog;

struct Ready {
    schemas: Schemas,
    catalog: Catalog,
    config: Config,
    filter: RuleFilter,
}

fn ready() -> &'static Ready {
    static READY: OnceLock<Ready> = OnceLock::new();
    READY.get_or_init(|| {
        let schemas = Schemas::load().expect("embedded schemas load");
        let catalog = Catalog::builtin(&schemas).expect("embedded rules load");
        let config = Config::default();
        let filter = RuleFilter::default();
        Ready { schemas, catalog, config, filter }
    })
}

const FACILITY: &[u8] = b"apiVersion: anzen/v1\nkind: Facility\nname: F\nbeds: 1\nuses_medical_information_systems: true\ngovernance: {}\n";

/// Checks `data` as one YAML file beside the Facility, both ways.
pub fn run(data: &[u8]) {
    let r = ready();
    let engine = Engine {
        schemas: &r.schemas,
        catalog: &r.catalog,
        config: &r.config,
        filter: &r.filter,
        as_of: "2025-06-30".parse::<Date>().expect("a date"),
        suppressions: true,
        on_timeout: &|what: String| panic!("rule evaluation overran: {what}"),
        fast: true,
    };
    let files =
        vec![("facility.yaml".to_owned(), FACILITY.to_vec()), ("input.yaml".to_owned(), data.to_vec())];
    let checked = engine.check_memory(&files);
    let interpreted = Engine { fast: false, ..engine }.check_memory(&files);
    assert_eq!(
        format!("{:?}", checked.findings),
        format!("{:?}", interpreted.findings),
        "the fast path and the interpreter disagree"
    );
    for f in &checked.findings {
        let text = checked.sources.get(f.file).text();
        assert!(
            f.span.start <= f.span.end && f.span.end as usize <= text.len(),
            "span outside the file: {f:?}"
        );
        assert!(text.is_char_boundary(f.span.start as usize), "span starts inside a character: {f:?}");
        let _ = checked.sources.get(f.file).line_col(f.span.start);
    }
}
