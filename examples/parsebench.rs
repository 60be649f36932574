//! Raw YAML parse throughput, the floor for `anzen check`: reads every
//! `.yaml` file under DIR into memory, then parses them (a) as saphyr parser
//! events only, (b) into anzen's spanned tree, on one thread and on all
//! threads, and prints MB/s (median of the runs). It runs with the global
//! allocator anzen uses (mimalloc), so the floor compares like with like;
//! with the system allocator the events figures are about 10 % lower.
//!
//! ```sh
//! cargo run --release --example parsebench -- DIR [RUNS] [events]
//! ```
//!
//! With `events`, only the all-thread events rate is measured (what
//! `scripts/bench.sh` pairs with each check run).

#![allow(clippy::print_stdout, clippy::print_stderr)]

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::Instant;

use rayon::prelude::*;

fn files(dir: &std::path::Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml")
            && let Ok(t) = std::fs::read_to_string(&p)
        {
            out.push(t);
        }
    }
}

fn events(text: &str) -> usize {
    let mut parser = saphyr_parser::Parser::new_from_str(text);
    let mut n = 0;
    while let Some(Ok(_)) = parser.next_event() {
        n += 1;
    }
    n
}

fn tree(text: &str) -> usize {
    anzen::document::yaml::parse(text, &anzen::document::yaml::Limits::default()).map_or(0, |d| d.len())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: parsebench DIR [RUNS] [events]");
        std::process::exit(2);
    };
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(5);
    let events_only = args.next().is_some_and(|a| a == "events");
    let mut texts = Vec::new();
    files(std::path::Path::new(&dir), &mut texts);
    let mb = texts.iter().map(String::len).sum::<usize>() as f64 / 1e6;
    println!("{} files, {mb:.1} MB, {} threads", texts.len(), rayon::current_num_threads());
    let measure = |name: &str, f: &dyn Fn() -> usize| {
        let times: Vec<f64> = (0..runs)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed().as_secs_f64()
            })
            .collect();
        let t = median(times);
        println!("{name:<28} {:>8.1} ms {:>8.1} MB/s", t * 1e3, mb / t);
    };
    if events_only {
        measure("events, all threads", &|| texts.par_iter().map(|t| events(t)).sum());
        return;
    }
    measure("events, 1 thread", &|| texts.iter().map(|t| events(t)).sum());
    measure("events, all threads", &|| texts.par_iter().map(|t| events(t)).sum());
    measure("spanned tree, 1 thread", &|| texts.iter().map(|t| tree(t)).sum());
    measure("spanned tree, all threads", &|| texts.par_iter().map(|t| tree(t)).sum());
}
