//! `--format github`: GitHub Actions workflow commands, one per finding
//! (`::error file=…,line=…,col=…,title=…::message`), which GitHub shows as
//! annotations on the changed lines. Suppressed findings are left out.

use std::io::{self, Write};

use super::{Context, End, Unit};
use crate::kernel::finding::Severity;

/// Escapes a command's message (GitHub's `escapeData`), with control
/// characters from the data made visible first.
fn data(s: &str) -> String {
    crate::kernel::escape::visible(s).replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value (GitHub's `escapeProperty`).
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The GitHub writer: one command per unsuppressed finding, nothing else.
pub struct Github<'a> {
    cx: Context<'a>,
}

impl<'a> Github<'a> {
    pub fn new(cx: Context<'a>) -> Self {
        Github { cx }
    }
}

impl super::Writer for Github<'_> {
    fn unit(&mut self, unit: &Unit<'_>, out: &mut dyn Write) -> io::Result<()> {
        let lang = self.cx.lang;
        for f in unit.findings.iter().filter(|f| f.suppressed.is_none()) {
            let file = unit.sources.get(f.file);
            let start = f.start;
            let command = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            let title = format!("{} {}: {}", f.rule.id, f.rule.name, f.rule.title.get(lang));
            let mut message = f.message.get(lang).to_owned();
            let remediation = f.rule.remediation.get(lang);
            if !remediation.is_empty() {
                message.push('\n');
                message.push_str(remediation);
            }
            writeln!(
                out,
                "::{command} file={},line={},col={},title={}::{}",
                property(file.display()),
                start.line,
                start.column,
                property(&title),
                data(&message)
            )?;
        }
        Ok(())
    }

    fn end(&mut self, _end: &End<'_>, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_escape_their_parts() {
        assert_eq!(data("a%b\nc"), "a%25b%0Ac");
        assert_eq!(property("x: y, z"), "x%3A y%2C z");
        assert_eq!(data("a\u{1b}]8;;http://x\u{7}b\u{202e}"), "a\\u{1b}]8;;http://x\\u{7}b\\u{202e}");
    }
}
