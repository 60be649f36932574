//! The `anzen` binary: parse the command line, run, map the outcome to an
//! exit code (0 clean, 1 findings at or above `--fail-on`, 2 anzen failed).

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: the pipeline allocates many small short-lived values (YAML
/// nodes, JSON, CEL trees); it is markedly faster than glibc's allocator here.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = anzen::cli::Args::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match anzen::app::run(&args, &mut out) {
        Ok(anzen::app::Outcome::Clean) => ExitCode::SUCCESS,
        Ok(anzen::app::Outcome::Findings) => ExitCode::from(1),
        Err(fatal) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("{:?}", miette::Report::new(fatal));
            }
            ExitCode::from(2)
        }
    }
}
