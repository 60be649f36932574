//! `--format junit`: JUnit XML for CI systems that show test reports. One
//! test suite per facility, one test case per rule; a case fails when the
//! rule has findings at or above `--fail-on` there (listed with file:line),
//! and lists lower ones in `system-out`. Suppressed findings are left out.

use std::collections::BTreeMap;
use std::io::{self, Seek, Write};

use super::{Context, End, Unit};
use crate::kernel::finding::Finding;

use super::escape_markup as xml;

/// The streaming JUnit writer. `<testsuites>` carries totals known only at
/// the end, so the suites are written to a spool (memory, then an unnamed
/// temporary file past [`SPOOL_LIMIT`]) and copied out after the header.
pub struct Junit<'a> {
    cx: Context<'a>,
    spool: Spool,
    suites: usize,
    failures: usize,
}

impl<'a> Junit<'a> {
    pub fn new(cx: Context<'a>) -> Self {
        Junit { cx, spool: Spool::default(), suites: 0, failures: 0 }
    }

    /// The suites of one unit: its facilities (also those without
    /// findings) and the facilities its findings name, by root.
    fn suites(&mut self, unit: &Unit<'_>, out: &mut dyn Write) -> io::Result<()> {
        let (lang, rules) = (self.cx.lang, self.cx.rules);
        // Facility → rule → findings.
        let mut suites: BTreeMap<&str, BTreeMap<&str, Vec<&Finding>>> = BTreeMap::new();
        for fac in unit.facilities {
            suites.entry(fac.root.as_str()).or_default();
        }
        for f in unit.findings.iter().filter(|f| f.suppressed.is_none()) {
            let suite = f.facility.as_deref().unwrap_or("(no facility)");
            suites.entry(suite).or_default().entry(f.rule.id.as_str()).or_default().push(f);
        }
        let fail_on = self.cx.fail_on;
        let fails = |f: &Finding| fail_on.is_some_and(|t| f.severity >= t);
        self.suites += suites.len();
        for (suite, found) in &suites {
            let failures = found.values().filter(|fs| fs.iter().any(|f| fails(f))).count();
            self.failures += failures;
            writeln!(
                out,
                r#"  <testsuite name="{}" tests="{}" failures="{failures}" errors="0" skipped="0">"#,
                xml(suite),
                rules.len()
            )?;
            for rule in rules {
                let id = rule.info.id.as_str();
                let name = format!("{id} {}", rule.info.name);
                let findings = found.get(id).map(Vec::as_slice).unwrap_or_default();
                let line = |f: &Finding| {
                    let file = unit.sources.get(f.file);
                    let pos = f.start;
                    format!(
                        "{}:{}:{}: {}: {}",
                        file.display(),
                        pos.line,
                        pos.column,
                        f.severity,
                        f.message.get(lang)
                    )
                };
                let (failing, other): (Vec<&Finding>, Vec<&Finding>) =
                    findings.iter().partition(|f| fails(f));
                if failing.is_empty() && other.is_empty() {
                    writeln!(out, r#"    <testcase classname="{}" name="{}"/>"#, xml(suite), xml(&name))?;
                    continue;
                }
                writeln!(out, r#"    <testcase classname="{}" name="{}">"#, xml(suite), xml(&name))?;
                if !failing.is_empty() {
                    let body: Vec<String> = failing.iter().map(|f| line(f)).collect();
                    writeln!(
                        out,
                        r#"      <failure message="{}" type="{}">{}</failure>"#,
                        xml(&format!("{} finding(s): {}", failing.len(), rule.info.title.get(lang))),
                        failing[0].severity,
                        xml(&body.join("\n"))
                    )?;
                }
                if !other.is_empty() {
                    let body: Vec<String> = other.iter().map(|f| line(f)).collect();
                    writeln!(out, "      <system-out>{}</system-out>", xml(&body.join("\n")))?;
                }
                writeln!(out, "    </testcase>")?;
            }
            writeln!(out, "  </testsuite>")?;
        }
        Ok(())
    }
}

impl super::Writer for Junit<'_> {
    fn unit(&mut self, unit: &Unit<'_>, _out: &mut dyn Write) -> io::Result<()> {
        let mut spool = std::mem::take(&mut self.spool);
        let written = self.suites(unit, &mut spool);
        self.spool = spool;
        written
    }

    fn end(&mut self, _end: &End<'_>, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
        writeln!(
            out,
            r#"<testsuites name="anzen" tests="{}" failures="{}">"#,
            self.suites * self.cx.rules.len(),
            self.failures
        )?;
        std::mem::take(&mut self.spool).copy_to(out)?;
        writeln!(out, "</testsuites>")
    }
}

/// Bytes a spool keeps in memory before it moves to a temporary file.
const SPOOL_LIMIT: usize = 4 << 20;

/// Write now, read back once: in memory while small, then in a temporary
/// file that is unlinked as soon as it is open (nothing is left behind).
#[derive(Default)]
struct Spool {
    memory: Vec<u8>,
    file: Option<std::fs::File>,
}

impl Spool {
    fn copy_to(mut self, out: &mut dyn Write) -> io::Result<()> {
        if let Some(mut file) = self.file.take() {
            file.write_all(&self.memory)?;
            file.flush()?;
            file.rewind()?;
            let mut reader = io::BufReader::with_capacity(1 << 16, file);
            io::copy(&mut reader, out)?;
            return Ok(());
        }
        out.write_all(&self.memory)
    }

    fn spill(&mut self) -> io::Result<()> {
        let file = match &mut self.file {
            Some(file) => file,
            None => self.file.insert(temporary_file()?),
        };
        file.write_all(&self.memory)?;
        self.memory.clear();
        Ok(())
    }
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.memory.extend_from_slice(buf);
        if self.memory.len() >= SPOOL_LIMIT {
            self.spill()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A new file in the system's temporary directory, opened for reading and
/// writing and removed from the directory at once.
fn temporary_file() -> io::Result<std::fs::File> {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let dir = std::env::temp_dir();
    for _ in 0..100 {
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = dir.join(format!("anzen-junit-{}-{n}.tmp", std::process::id()));
        match std::fs::OpenOptions::new().read(true).write(true).create_new(true).open(&path) {
            Ok(file) => {
                // On Windows an open file cannot be removed; it is then
                // removed when the spool is done with it (best effort).
                let _ = std::fs::remove_file(&path);
                return Ok(file);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other("cannot create a temporary file for the JUnit report"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_markup_and_control_characters() {
        assert_eq!(xml("<a href=\"x\">&'\u{1}"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;\\u{1}");
        // Not XML characters at all: a parser rejects the file with them.
        assert_eq!(xml("a\u{fffe}b\u{ffff}\u{1b}[2J"), "a\\u{fffe}b\\u{ffff}\\u{1b}[2J");
    }

    #[test]
    fn a_spool_gives_back_what_was_written_also_past_its_memory_limit() {
        let line = b"0123456789abcdef\n";
        let mut spool = Spool::default();
        let times = SPOOL_LIMIT / line.len() * 2 + 3;
        for _ in 0..times {
            spool.write_all(line).unwrap();
        }
        assert!(spool.file.is_some(), "spilled to a file");
        assert!(spool.memory.len() < SPOOL_LIMIT);
        let mut out = Vec::new();
        spool.copy_to(&mut out).unwrap();
        assert_eq!(out.len(), times * line.len());
        assert!(out.chunks(line.len()).all(|c| c == line));
    }
}
