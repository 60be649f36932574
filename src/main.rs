//! The `anzen` binary: parse the command line, run, map the outcome to an
//! exit code (0 clean, 1 findings at or above `--fail-on`, 2 anzen failed).

use std::io::IsTerminal;
use std::process::ExitCode;

/// mimalloc: the pipeline allocates many small short-lived values (YAML
/// nodes, CEL values, findings); it is markedly faster than glibc's
/// allocator here.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (the same index in its v2 and v3
/// headers; the Rust binding leaves option constants out "for stability
/// reasons" and says to pass the number).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Gives freed memory back to the system 10 ms after it is freed instead
/// of mimalloc's 1 s. A fleet run frees each facility's memory as its unit
/// is delivered; held for a second, or kept for good, that memory is not
/// reused across threads (each worker's heap keeps its own), so a
/// two-thread peak became the sum of what each worker ever needed at most
/// and grew with the fleet: on 3,000 generated hospitals, kept for good,
/// 151 MiB against 80 MiB with 10 ms, in the same time (1,000 hospitals,
/// three rounds: 14.15 and 14.16 s; returning it at once, 0 ms, costs
/// 5 %). Since mimalloc is built without huge pages (`no_thp`,
/// Cargo.toml), mimalloc's own 1 s still peaks at 56 and 69 MiB on 300 and
/// 3,000 hospitals against 39 and 46 MiB with 10 ms. `MIMALLOC_PURGE_DELAY`
/// in the environment still wins.
#[allow(unsafe_code)]
fn return_freed_memory_soon() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: `mi_option_set` stores a value in mimalloc's option table
        // and has no preconditions; this runs first thing in `main`, before
        // any other thread exists (the table is not synchronised).
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 10) }
    }
}

fn main() -> ExitCode {
    return_freed_memory_soon();
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let args = match anzen::cli::parse(&argv) {
        Ok(args) => args,
        // `--help` and `--version` (to standard output; a closed pipe is fine).
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            #[allow(clippy::print_stderr)]
            {
                eprint!("{}", anzen::cli::usage_error(&e, anzen::cli::lang_of_argv(&argv)));
            }
            return ExitCode::from(2);
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let invocation = anzen::commands::options::Invocation::from(&args);
    match anzen::commands::run(&invocation, &mut out) {
        Ok(anzen::commands::Outcome::Clean) => ExitCode::SUCCESS,
        Ok(anzen::commands::Outcome::Findings) => ExitCode::from(1),
        // `anzen rules | head`: the reader has had enough; not an error.
        Err(anzen::kernel::error::Fatal::Write { source, .. })
            if source.kind() == std::io::ErrorKind::BrokenPipe =>
        {
            ExitCode::SUCCESS
        }
        Err(fatal) => {
            let lang = anzen::commands::resolve_lang(invocation.lang, None);
            let color = match invocation.color {
                anzen::commands::options::ColorWhen::Always => true,
                anzen::commands::options::ColorWhen::Never => false,
                anzen::commands::options::ColorWhen::Auto => {
                    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                }
            };
            #[allow(clippy::print_stderr)]
            {
                eprint!("{}", fatal.render(lang, color));
            }
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    /// The index names the purge delay: it holds mimalloc v3's default for
    /// that option (1,000 ms), where its neighbours hold 1 and 0.
    #[test]
    #[allow(unsafe_code)]
    fn the_option_index_is_the_purge_delay() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return; // the environment decides the value
        }
        // SAFETY: reads mimalloc's option table; no other thread sets it.
        let delay = unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) };
        assert_eq!(delay, 1000);
    }
}
