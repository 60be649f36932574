//! `anzen import` and `anzen export` arguments → the import module's plain
//! options ([`import::Options`], [`ExportOptions`]). The conversion lives on
//! the command-line side so that `import` never sees clap: its own enums
//! ([`Encoding`], [`ExportFormat`]) mirror the argument enums here.

use crate::cli::{CsvEncoding, ExportCommand, ExportFormatArg, ImportCommand};
use crate::import::export::{ExportFormat, ExportOptions};
use crate::import::table::Encoding;
use crate::import::{self, fields};

impl From<&ImportCommand> for import::Options {
    /// The options of `anzen import assets|accounts`.
    fn from(cmd: &ImportCommand) -> Self {
        let (target, common, top) = match cmd {
            ImportCommand::Assets { common, reviewed_on } => {
                let top = reviewed_on.iter().map(|d| ("reviewed_on", d.clone())).collect();
                (&fields::ASSETS, common, top)
            }
            ImportCommand::Accounts { common, system, exported_on } => {
                let mut top = vec![("system", system.clone())];
                top.extend(exported_on.iter().map(|d| ("exported_on", d.clone())));
                (&fields::ACCOUNTS, common, top)
            }
        };
        import::Options {
            target,
            file: common.file.clone(),
            sheet: common.sheet.clone(),
            map: common.map.clone(),
            output: common.output.clone(),
            force: common.force,
            encoding: Encoding::from(common.encoding),
            strict: common.strict,
            defaults: common.defaults.clone(),
            repo: common.repo.clone(),
            top,
        }
    }
}

impl From<CsvEncoding> for Encoding {
    fn from(e: CsvEncoding) -> Self {
        match e {
            CsvEncoding::Auto => Encoding::Auto,
            CsvEncoding::Utf8 => Encoding::Utf8,
            CsvEncoding::ShiftJis => Encoding::ShiftJis,
        }
    }
}

impl From<&ExportCommand> for ExportOptions {
    /// The options of `anzen export assets`.
    fn from(cmd: &ExportCommand) -> Self {
        let ExportCommand::Assets(args) = cmd;
        ExportOptions {
            path: args.path.clone(),
            format: ExportFormat::from(args.format),
            output: args.output.clone(),
            force: args.force,
            headers: args.headers.into(),
        }
    }
}

impl From<ExportFormatArg> for ExportFormat {
    fn from(f: ExportFormatArg) -> Self {
        match f {
            ExportFormatArg::Csv => ExportFormat::Csv,
            ExportFormatArg::Xlsx => ExportFormat::Xlsx,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use clap::Parser;

    use super::*;
    use crate::cli::{Args, Command};
    use crate::kernel::finding::Lang;

    fn args(argv: &[&str]) -> Command {
        let mut all = vec!["anzen"];
        all.extend_from_slice(argv);
        Args::try_parse_from(all).map(|a| a.command).unwrap()
    }

    #[test]
    fn import_accounts_arguments_become_options() {
        let Command::Import(cmd) = args(&[
            "import",
            "accounts",
            "ad.csv",
            "--system",
            "sys-ehr",
            "--exported-on",
            "R7.6.30",
            "--encoding",
            "sjis",
            "--default",
            "role=医師",
            "--strict",
        ]) else {
            panic!("not an import")
        };
        let opts = import::Options::from(&cmd);
        assert_eq!(opts.target.list, "accounts");
        assert_eq!(opts.file, Path::new("ad.csv"));
        assert_eq!(opts.encoding, Encoding::ShiftJis);
        assert_eq!(opts.top, vec![("system", "sys-ehr".to_owned()), ("exported_on", "R7.6.30".to_owned())]);
        assert_eq!(opts.defaults, vec!["role=医師".to_owned()]);
        assert!(opts.strict && !opts.force);
        assert_eq!((opts.sheet, opts.map, opts.output, opts.repo), (None, None, None, None));
    }

    #[test]
    fn import_assets_arguments_become_options() {
        let Command::Import(cmd) = args(&[
            "import",
            "assets",
            "台帳.xlsx",
            "--sheet",
            "機器一覧",
            "--map",
            "map.yaml",
            "-o",
            "assets.yaml",
            "--force",
            "--repo",
            "hospital",
            "--reviewed-on",
            "2025/4/1",
        ]) else {
            panic!("not an import")
        };
        let opts = import::Options::from(&cmd);
        assert_eq!(opts.target.list, "assets");
        assert_eq!(opts.encoding, Encoding::Auto);
        assert_eq!(opts.sheet.as_deref(), Some("機器一覧"));
        assert_eq!(opts.map.as_deref(), Some(Path::new("map.yaml")));
        assert_eq!(opts.output.as_deref(), Some(Path::new("assets.yaml")));
        assert_eq!(opts.repo.as_deref(), Some(Path::new("hospital")));
        assert!(opts.force && !opts.strict);
        assert_eq!(opts.top, vec![("reviewed_on", "2025/4/1".to_owned())]);
    }

    #[test]
    fn export_arguments_become_options() {
        let Command::Export(cmd) =
            args(&["export", "assets", "hospital", "--format", "xlsx", "-o", "a.xlsx"])
        else {
            panic!("not an export")
        };
        let opts = ExportOptions::from(&cmd);
        assert_eq!(opts.path, Path::new("hospital"));
        assert_eq!(opts.format, ExportFormat::Xlsx);
        assert_eq!(opts.output.as_deref(), Some(Path::new("a.xlsx")));
        assert_eq!(opts.headers, Lang::Ja);
        let Command::Export(cmd) = args(&["export", "assets", "--headers", "en"]) else {
            panic!("not an export")
        };
        let opts = ExportOptions::from(&cmd);
        assert_eq!(
            (opts.format, opts.headers, opts.path.as_path()),
            (ExportFormat::Csv, Lang::En, Path::new("."))
        );
    }
}
