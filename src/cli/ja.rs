//! The command line's help in Japanese: the English help lives in the doc
//! comments of [`super::Args`]; this table holds the Japanese text of every
//! subcommand and argument, keyed by subcommand path and argument id, and
//! [`localize`] puts it into a built [`clap::Command`] tree (with Japanese
//! headings, defaults and possible values).

use clap::Command;

/// `(subcommand path, argument id)` → Japanese help. The path is the
/// subcommand names joined by spaces (`""` for `anzen` itself); the id `""`
/// is the subcommand's own description. Arguments defined on `anzen` with
/// `global = true` are keyed at `""` only. Every sentence ends with 「。」
/// (a test checks that, and that every argument of the tree is here).
pub(super) const HELP: &[(&str, &str, &str)] = &[
    (
        "",
        "",
        "anzen（安全）: 医療情報システムの安全管理に関するガイドライン第6.0版と令和7年度のサイバーセキュリティ対策チェックリストに照らして、病院の情報システムを記述した YAML を検査します。",
    ),
    (
        "",
        "lang",
        "表示する言語です。省略すると環境変数 LANG から決めます（en で始まれば英語、それ以外は日本語）。",
    ),
    ("", "color", "色を付けるかどうかです。"),
    ("", "config", "設定ファイルです。省略すると検査するディレクトリの anzen.yaml を読みます。"),
    ("*", "help", "ヘルプを表示します。"),
    ("*", "version", "バージョンを表示します。"),
    ("help", "", "このヘルプ、または指定したサブコマンドのヘルプを表示します。"),
    ("check", "", "PATH（省略時は現在のディレクトリ）の YAML 記述を検査します。"),
    ("check", "paths", "検査するファイルまたはディレクトリです。"),
    (
        "check",
        "formats",
        "出力形式です（human、concise、json、sarif、junit、github、xlsx。xlsx は =FILE が必要です）。繰り返し指定すると一度の実行で複数の報告を書けます。二つ目からはそれぞれファイル名を付けてください（例: `--format human --format sarif=anzen.sarif`）。",
    ),
    ("check", "output", "報告（`=FILE` を付けていない形式のもの）を標準出力ではなく FILE に書きます。"),
    (
        "check",
        "as_of",
        "評価日です。2025-06-30、2025/6/30、令和7年6月30日、R7.6.30 のように書けます。省略すると anzen.yaml の as_of、それもなければ今日です。",
    ),
    ("check", "fail_on", "終了コードを 1 にする最も低い重大度です。省略すると error です。"),
    ("check", "select", "この規則だけを実行します（ID または接頭辞をカンマ区切りで。例: BAK,DOC-001）。"),
    ("check", "ignore", "この規則を実行しません（ID または接頭辞をカンマ区切りで）。"),
    ("check", "rules", "追加の規則ファイル（rules/<ID>.yaml と同じ形式）を置いたディレクトリです。"),
    ("check", "baseline", "このベースラインファイルにない指摘だけを報告します。"),
    (
        "check",
        "write_baseline",
        "今回の指摘を（行番号ではなく内容で）FILE に記録します。後で --baseline に渡せます。",
    ),
    (
        "check",
        "force",
        "報告ファイル（--output、--format F=FILE、--write-baseline）がシンボリックリンクでも書き込みます（通常は拒否します）。",
    ),
    ("check", "no_suppressions", "インラインの抑止と waiver を無視して、すべての指摘を表示します。"),
    (
        "check",
        "jobs",
        "ワーカースレッドの数です（1 以上。1 コアあたり 4 を超える分は切り詰めます）。省略するとすべてのコアを使います。",
    ),
    ("rules", "", "規則の一覧を表示します。"),
    ("rules", "format", "出力形式です（markdown は docs/rules.md の生成に使う Markdown です）。"),
    ("rules", "rules", "DIR の規則ファイルも読み込みます。"),
    ("explain", "", "一つの規則について、何を検査するか、なぜか、どう直すかを例とともに説明します。"),
    ("explain", "id", "規則の ID（例: BAK-002。小文字や規則名 too-few-generations でも構いません）です。"),
    ("schema", "", "文書の種類の JSON Schema を表示します（yaml-language-server などのエディタ向けです）。"),
    (
        "schema",
        "kind",
        "種類（AssetLedger または asset-ledger）、`config` または `rule` です。省略するとすべてを表示します。",
    ),
    ("import", "", "表（XLSX または CSV）を読んで anzen の YAML 文書にします。"),
    ("import assets", "", "機器台帳を AssetLedger 文書にします。"),
    (
        "import accounts",
        "",
        "アカウント一覧（Active Directory や電子カルテの書き出しなど）を AccountInventory 文書にします。",
    ),
    ("import *", "file", "読み込む表です（.xlsx、または .csv / .tsv）。"),
    ("import *", "sheet", "読み込むシートです。省略すると、見出し行を認識できる最初のシートを読みます。"),
    (
        "import *",
        "map",
        "対応表ファイルです。見出し、値の言い換え、既定値を追加できます（docs/import.md を参照してください）。",
    ),
    ("import *", "output", "YAML を標準出力ではなく FILE に書きます。"),
    ("import *", "force", "--output がシンボリックリンクでも書き込みます（通常は拒否します）。"),
    (
        "import *",
        "encoding",
        "CSV ファイルの文字コードです。auto はバイト順マークがあればそれに従い、なければ UTF-8 として正しければ UTF-8、それ以外は Shift_JIS（Microsoft の拡張を含む CP932）として読みます。",
    ),
    ("import *", "strict", "セル、列、行のどこかに問題があれば、何も書かずに終了コード 2 で終わります。"),
    (
        "import *",
        "defaults",
        "表にない、または空欄の項目の値です（例: --default location=本館。繰り返し指定できます）。",
    ),
    (
        "import *",
        "repo",
        "病院の anzen ディレクトリです。事業者名とシステム名をその VendorRegistry と SystemCatalog の ID に置き換えます。見つからない名前はそのセルで報告します。",
    ),
    ("import assets", "reviewed_on", "`reviewed_on: DATE`（台帳を最後に見直した日）を書きます。"),
    ("import accounts", "system", "アカウントが属するシステムの ID（SystemCatalog の systems[].id）です。"),
    ("import accounts", "exported_on", "`exported_on: DATE`（一覧を書き出した日）を書きます。"),
    ("export", "", "anzen の YAML を表（CSV または XLSX）に書き出します。"),
    ("export assets", "", "PATH の下のすべての AssetLedger を一つの表にまとめます。"),
    ("export assets", "path", "ディレクトリ（その下のすべての AssetLedger 文書）または一つのファイルです。"),
    (
        "export assets",
        "format",
        "出力形式です（csv はバイト順マーク付きの UTF-8 で、Excel でそのまま開けます）。",
    ),
    ("export assets", "output", "標準出力ではなく FILE に書きます（xlsx では必須です）。"),
    ("export assets", "force", "--output がシンボリックリンクでも書き込みます（通常は拒否します）。"),
    ("export assets", "headers", "見出し行と、サーバ/server のような語の言語です。"),
    ("stats", "", "多数の施設を全国調査と比べます（項目ごと、病床規模ごと）。"),
    ("stats", "paths", "施設を収めたディレクトリです（施設ごとに一つのフォルダ）。"),
    ("stats", "format", "出力形式です（csv は項目と病床規模ごとに一行で、表計算ソフト向けです）。"),
    ("stats", "output", "統計を標準出力ではなく FILE に書きます。"),
    (
        "stats",
        "as_of",
        "評価日です。2025-06-30、2025/6/30、令和7年6月30日、R7.6.30 のように書けます。省略すると anzen.yaml の as_of、それもなければ今日です。",
    ),
    ("stats", "rules", "追加の規則ファイルを置いたディレクトリです。"),
    (
        "stats",
        "jobs",
        "ワーカースレッドの数です（1 以上。1 コアあたり 4 を超える分は切り詰めます）。省略するとすべてのコアを使います。",
    ),
    ("report", "", "施設ごとに記入済みの令和7年度チェックリストを書きます（Markdown、HTML または OSCAL）。"),
    ("report", "paths", "報告するファイルまたはディレクトリです（施設ごとに一つの節になります）。"),
    ("report", "format", "出力形式です。"),
    ("report", "output", "報告を標準出力ではなく FILE に書きます。"),
    (
        "report",
        "as_of",
        "評価日（チェックリストの確認日）です。2025-06-30、令和7年6月30日、R7.6.30 のように書けます。省略すると anzen.yaml の as_of、それもなければ今日です。",
    ),
    (
        "report",
        "rules",
        "追加の規則ファイルを置いたディレクトリです（その規則のチェックリスト項目も数えます）。",
    ),
    ("init", "", "すべての種類の YAML のひな形（説明のコメント付き）を DIR に書きます。"),
    ("init", "dir", "ひな形を書き込むディレクトリです（なければ作ります）。"),
    ("init", "force", "すでにあるファイルを上書きします。"),
];

/// The Japanese help of argument `id` (`""`: the description) of the
/// subcommand at `path`.
pub(super) fn lookup(path: &str, id: &str) -> Option<&'static str> {
    entry(path, id).map(|i| HELP[i].2)
}

/// The index in [`HELP`] of the text of `id` at `path`.
fn entry(path: &str, id: &str) -> Option<usize> {
    let parent = path.rsplit_once(' ').map(|(p, _)| format!("{p} *"));
    // The `help` subcommand clap adds to every command with subcommands.
    let help = (id.is_empty() && path.rsplit(' ').next() == Some("help")).then_some("help");
    let keys = [Some(path), parent.as_deref(), help, (id == "help" || id == "version").then_some("*")];
    keys.into_iter().flatten().find_map(|key| HELP.iter().position(|(p, i, _)| *p == key && *i == id))
}

/// The table's path of the subcommand at `path`: `import help assets`
/// (the `help` subcommand's copy of the tree) reads as `import assets`.
fn key_of(path: &str) -> String {
    let words: Vec<&str> = path.split(' ').collect();
    match words.iter().position(|w| *w == "help") {
        Some(i) if i + 1 < words.len() => {
            words.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, w)| *w).collect::<Vec<_>>().join(" ")
        }
        _ => path.to_owned(),
    }
}

/// The help template: clap's default with its headings in Japanese.
const TEMPLATE: &str = "{before-help}{about-with-newline}\n使い方: {usage}\n\n{all-args}{after-help}";

/// Puts the Japanese help into `cmd`, which must be built
/// ([`Command::build`]: only then does it hold `--help`, `--version`, the
/// `help` subcommand and the global arguments of each subcommand). Text
/// the table lacks stays English (a test makes sure there is none).
pub(super) fn localize(cmd: &mut Command, path: &str, globals: &[String]) {
    let key = &key_of(path);
    if let Some(about) = lookup(key, "") {
        *cmd = std::mem::take(cmd).about(about);
    }
    let mut local = std::mem::take(cmd)
        .help_template(TEMPLATE)
        .subcommand_help_heading("コマンド")
        // Arguments in the order they are: `mut_args` keeps the positions
        // the built command's key map refers to.
        .mut_args(|arg| {
            let id = arg.get_id().as_str().to_owned();
            let at = if globals.contains(&id) { "" } else { key };
            let Some(text) = lookup(at, &id) else { return arg };
            let mut text = text.to_owned();
            let takes_value = arg.get_action().takes_values();
            let values: Vec<String> = arg
                .get_possible_values()
                .iter()
                .filter(|v| !v.is_hide_set())
                .map(|v| v.get_name().to_owned())
                .collect();
            if takes_value && !values.is_empty() && !arg.is_hide_possible_values_set() {
                text.push_str(&format!("[指定できる値: {}]", values.join(", ")));
            }
            let defaults: Vec<String> =
                arg.get_default_values().iter().map(|v| v.to_string_lossy().into_owned()).collect();
            if takes_value && !defaults.is_empty() && !arg.is_hide_default_value_set() {
                text.push_str(&format!("[既定: {}]", defaults.join(", ")));
            }
            let heading = if arg.is_positional() { "引数" } else { "オプション" };
            arg.help(text)
                .long_help(None::<&str>)
                .hide_possible_values(true)
                .hide_default_value(true)
                .help_heading(heading)
        });
    for sub in local.get_subcommands_mut() {
        let sub_path =
            if path.is_empty() { sub.get_name().to_owned() } else { format!("{path} {}", sub.get_name()) };
        localize(sub, &sub_path, globals);
    }
    *cmd = local;
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// Calls `f(path, id)` for the description (`id` `""`) and every
    /// argument of every subcommand of the built `cmd`, keyed as
    /// [`localize`] looks them up.
    fn walk(cmd: &Command, path: &str, globals: &[String], f: &mut dyn FnMut(&str, &str)) {
        let key = &key_of(path);
        f(key, "");
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            f(if globals.iter().any(|g| g == id) { "" } else { key }, id);
        }
        for sub in cmd.get_subcommands() {
            let sub_path = if path.is_empty() {
                sub.get_name().to_owned()
            } else {
                format!("{path} {}", sub.get_name())
            };
            walk(sub, &sub_path, globals, f);
        }
    }

    #[test]
    fn every_subcommand_and_argument_has_japanese_help_and_every_entry_is_used() {
        let mut cmd = crate::cli::Args::command();
        cmd.build();
        let globals: Vec<String> =
            cmd.get_arguments().filter(|a| a.is_global_set()).map(|a| a.get_id().to_string()).collect();
        let mut missing = Vec::new();
        let mut used = vec![false; HELP.len()];
        walk(&cmd, "", &globals, &mut |path, id| match entry(path, id) {
            Some(i) => used[i] = true,
            None => missing.push(format!("({path:?}, {id:?})")),
        });
        assert!(
            missing.is_empty(),
            "no Japanese help (add it to HELP in src/cli/ja.rs) for: {}",
            missing.join(", ")
        );
        let unused: Vec<_> = HELP.iter().zip(&used).filter(|(_, u)| !**u).map(|(e, _)| (e.0, e.1)).collect();
        assert!(unused.is_empty(), "entries naming no argument: {unused:?}");
    }

    #[test]
    fn every_help_text_is_japanese_sentences() {
        for (path, id, text) in HELP {
            assert!(text.ends_with('。'), "({path:?}, {id:?}) does not end with 。: {text}");
            assert!(!text.is_ascii(), "({path:?}, {id:?}) is not Japanese: {text}");
        }
    }

    /// Every help screen of the Japanese tree, short and long: nothing of
    /// clap's English is left.
    #[test]
    fn japanese_help_screens_have_no_english_left() {
        fn check(cmd: &mut Command, path: &str, seen: &mut usize) {
            for text in [cmd.render_help().to_string(), cmd.render_long_help().to_string()] {
                *seen += 1;
                for english in
                    ["Usage:", "Options:", "Commands:", "Arguments:", "Print ", "[default", "possible values"]
                {
                    assert!(!text.contains(english), "`anzen {path} --help` shows `{english}`:\n{text}");
                }
                assert!(text.contains("使い方: "), "{path}: {text}");
            }
            for sub in cmd.get_subcommands_mut() {
                let sub_path = format!("{path} {}", sub.get_name());
                check(sub, sub_path.trim(), seen);
            }
        }
        let mut cmd = crate::cli::command(crate::kernel::finding::Lang::Ja);
        let mut seen = 0;
        check(&mut cmd, "", &mut seen);
        assert!(seen > 30, "{seen}");
        // English stays clap's.
        let en = crate::cli::command(crate::kernel::finding::Lang::En).render_help().to_string();
        assert!(en.contains("Usage: anzen") && en.contains("Print help"), "{en}");
    }
}
