//! Reading one spreadsheet cell as one field value: text normalisation,
//! dates (ISO, `2025/4/1`, Excel serials, Japanese eras), booleans, enums,
//! counts, lists and services.
//!
//! Every parser returns the value or a [`Text`] saying why the cell cannot be
//! read; the caller turns that into a problem at the cell's address.

use crate::date::Date;
use crate::finding::Text;

/// A cell as the spreadsheet gave it.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    /// A number cell (XLSX) — an integer or a float.
    Number(f64),
    Bool(bool),
    /// A date-formatted number cell (XLSX): the serial day number and the
    /// calendar day the workbook's date system (1900 or 1904) makes of it.
    Serial {
        value: f64,
        ymd: (i64, u32, u32),
    },
    /// An Excel error value such as `#N/A`.
    Error(String),
}

impl Cell {
    /// The cell as text, as a person reading the sheet would see it
    /// (numbers without a trailing `.0`; serials as dates when they are valid).
    pub fn display(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Number(n) => number_text(*n),
            Cell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
            Cell::Serial { value, ymd } => date(&Cell::Serial { value: *value, ymd: *ymd })
                .map_or_else(|_| number_text(*value), |d| d.to_string()),
            Cell::Error(e) => e.clone(),
        }
    }

    /// Whether the cell holds nothing: empty, only spaces, or a lone dash
    /// (`-`, `－`, `―`, `‐`, `ー`), which spreadsheets use for "n/a".
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => is_blank_text(s),
            _ => false,
        }
    }
}

fn is_blank_text(s: &str) -> bool {
    let t = s.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}');
    t.is_empty() || matches!(t, "-" | "－" | "―" | "‐" | "ー" | "—" | "–" | "−")
}

/// A number as a spreadsheet shows it: `2019`, not `2019.0`.
pub fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 { format!("{}", n as i64) } else { format!("{n}") }
}

// ---------------------------------------------------------------------------
// Normalisation

/// Folds widths: full-width ASCII (`ＡＢＣ１２３`) to ASCII, the ideographic
/// space to a space, half-width katakana (`ｻｰﾊﾞ`) to full-width (`サーバ`),
/// and the minus sign and wave dashes to ASCII; then trims.
pub fn fold_width(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let code = c as u32;
        match c {
            '\u{FF01}'..='\u{FF5E}' => out.push(char::from_u32(code - 0xFEE0).unwrap_or(c)),
            '\u{3000}' => out.push(' '),
            '\u{2212}' | '\u{2010}' | '\u{2011}' | '\u{2013}' => out.push('-'),
            '\u{FF61}'..='\u{FF9F}' => {
                let base = halfwidth_kana(c);
                match chars.peek() {
                    Some('\u{FF9E}') if voiced(base).is_some() => {
                        chars.next();
                        out.push(voiced(base).unwrap_or(base));
                    }
                    Some('\u{FF9F}') if semi_voiced(base).is_some() => {
                        chars.next();
                        out.push(semi_voiced(base).unwrap_or(base));
                    }
                    _ => out.push(base),
                }
            }
            _ => out.push(c),
        }
    }
    out.trim().to_owned()
}

const HALFWIDTH_KANA: &str = "。「」、・ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン゛゜";

fn halfwidth_kana(c: char) -> char {
    let i = (c as u32 - 0xFF61) as usize;
    HALFWIDTH_KANA.chars().nth(i).unwrap_or(c)
}

fn voiced(c: char) -> Option<char> {
    // The voiced form of each of these is the next code point (カ→ガ, ツ→ヅ, ハ→バ).
    match c {
        'ウ' => Some('ヴ'),
        'カ' | 'キ' | 'ク' | 'ケ' | 'コ' | 'サ' | 'シ' | 'ス' | 'セ' | 'ソ' | 'タ' | 'チ' | 'ツ' | 'テ'
        | 'ト' | 'ハ' | 'ヒ' | 'フ' | 'ヘ' | 'ホ' => char::from_u32(c as u32 + 1),
        _ => None,
    }
}

fn semi_voiced(c: char) -> Option<char> {
    match c {
        'ハ' | 'ヒ' | 'フ' | 'ヘ' | 'ホ' => char::from_u32(c as u32 + 2),
        _ => None,
    }
}

/// The lookup key of a header or an enum word: width-folded, lower case,
/// without spaces, punctuation or long-vowel marks (`ー`), so `サーバー`,
/// `ｻｰﾊﾞ` and `サーバ` are one key, as are `OS バージョン` and `ＯＳバージョン`.
pub fn key(s: &str) -> String {
    fold_width(s)
        .chars()
        .filter(|c| !c.is_whitespace() && !is_key_punctuation(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

fn is_key_punctuation(c: char) -> bool {
    matches!(
        c,
        'ー' | '・'
            | '･'
            | '_'
            | '-'
            | '.'
            | '/'
            | '('
            | ')'
            | '（'
            | '）'
            | '['
            | ']'
            | '【'
            | '】'
            | '「'
            | '」'
            | '『'
            | '』'
            | '※'
            | '*'
            | '＊'
            | ':'
            | '：'
            | '、'
            | '。'
            | ','
            | '〜'
            | '~'
            | '#'
            | '♯'
    )
}

/// `key`, with parenthesised parts removed: `設置場所（部屋）` → `設置場所`.
pub fn key_without_parentheses(s: &str) -> String {
    let folded = fold_width(s);
    let mut out = String::new();
    let mut depth = 0usize;
    for c in folded.chars() {
        match c {
            '(' | '（' | '[' | '【' => depth += 1,
            ')' | '）' | ']' | '】' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    key(&out)
}

// ---------------------------------------------------------------------------
// Dates

/// A Japanese era: its names, first day and the first day of the next era.
struct Era {
    kanji: &'static str,
    letter: char,
    square: char,
    start: (i64, u32, u32),
    end: Option<(i64, u32, u32)>,
}

const ERAS: [Era; 5] = [
    Era { kanji: "明治", letter: 'M', square: '㍾', start: (1868, 10, 23), end: Some((1912, 7, 29)) },
    Era { kanji: "大正", letter: 'T', square: '㍽', start: (1912, 7, 30), end: Some((1926, 12, 24)) },
    Era { kanji: "昭和", letter: 'S', square: '㍼', start: (1926, 12, 25), end: Some((1989, 1, 7)) },
    Era { kanji: "平成", letter: 'H', square: '㍻', start: (1989, 1, 8), end: Some((2019, 4, 30)) },
    Era { kanji: "令和", letter: 'R', square: '㋿', start: (2019, 5, 1), end: None },
];

fn not_a_date(s: &str) -> Text {
    Text::new(
        format!(
            "「{s}」は日付として読めません（2025-04-01、2025/4/1、令和7年4月1日、R7.4.1、Excel の日付のいずれか）"
        ),
        format!("\"{s}\" is not a date (write 2025-04-01, 2025/4/1, 令和7年4月1日, R7.4.1 or an Excel date)"),
    )
}

fn no_such_day(s: &str) -> Text {
    Text::new(format!("「{s}」は存在しない日付です"), format!("\"{s}\" is not a day that exists"))
}

/// Reads a date cell: a date-formatted cell, a number (an Excel serial day),
/// or text in one of the accepted forms.
pub fn date(cell: &Cell) -> Result<Date, Text> {
    match cell {
        Cell::Serial { value, ymd: (y, m, d) } => {
            if !value.is_finite() || *value < 0.0 || *value >= 2_958_466.0 {
                return serial_date(*value, false);
            }
            Date::from_ymd(*y, *m, *d).ok_or_else(|| {
                Text::new(
                    format!("{y:04}-{m:02}-{d:02} は実在しない日です（Excel の閏年の誤り）"),
                    format!("{y:04}-{m:02}-{d:02} is a day that never existed (Excel's leap-year bug)"),
                )
            })
        }
        Cell::Number(n) => {
            if n.fract() == 0.0 && (1900.0..=2100.0).contains(n) {
                return Err(year_only(&number_text(*n)));
            }
            serial_date(*n, false)
        }
        Cell::Text(s) => date_text(s),
        other => Err(not_a_date(&other.display())),
    }
}

fn year_only(s: &str) -> Text {
    Text::new(
        format!("「{s}」は年だけで、日付ではありません（年月日を書いてください）"),
        format!("\"{s}\" is a year, not a date (write year, month and day)"),
    )
}

/// Excel's serial day number → date. The 1900 system counts 1900-01-01 as
/// day 1 and, like Lotus 1-2-3, has a day 60 (1900-02-29) that never was;
/// the 1904 system counts 1904-01-01 as day 0. The time of day is dropped.
pub fn serial_date(value: f64, is_1904: bool) -> Result<Date, Text> {
    let shown = number_text(value);
    if !value.is_finite() || !(1.0..2_958_466.0).contains(&value) {
        return Err(Text::new(
            format!("{shown} は Excel の日付（シリアル値 1〜2958465）の範囲外です"),
            format!("{shown} is outside Excel's date range (serial 1 to 2958465)"),
        ));
    }
    let day = value.floor() as i64;
    let base = if is_1904 {
        Date::from_ymd(1904, 1, 1)
    } else if day == 60 {
        return Err(Text::new(
            "シリアル値 60 は 1900-02-29 で、実在しない日です（Excel の閏年の誤り）",
            "serial 60 is 1900-02-29, a day that never existed (Excel's leap-year bug)",
        ));
    } else if day < 60 {
        Date::from_ymd(1899, 12, 31)
    } else {
        Date::from_ymd(1899, 12, 30)
    };
    base.map(|b| b.add_days(day)).filter(|d| d.ymd().0 <= 9999).ok_or_else(|| no_such_day(&shown))
}

/// Reads a date written as text. Accepted: `2025-04-01`, `2025-4-1`,
/// `2025/4/1`, `2025.4.1`, `2025年4月1日`, `20250401`, an Excel serial
/// (`45748`), the US form `4/1/2025`, and era dates: `令和7年4月1日`,
/// `令和元年5月1日`, `R7.4.1`, `R07/04/01`, `H31.4.30`, `㋿7.4.1`. A time
/// after the date (`2025/04/01 9:15:00`, `2025-04-01T09:15`) and a weekday in
/// brackets (`（火）`) are ignored.
pub fn date_text(raw: &str) -> Result<Date, Text> {
    let s = fold_width(raw);
    let s = strip_time_and_weekday(&s);
    if s.is_empty() {
        return Err(not_a_date(raw.trim()));
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return match s.len() {
            8 => {
                let y = s[0..4].parse().map_err(|_| not_a_date(raw))?;
                let m = s[4..6].parse().map_err(|_| not_a_date(raw))?;
                let d = s[6..8].parse().map_err(|_| not_a_date(raw))?;
                Date::from_ymd(y, m, d).ok_or_else(|| no_such_day(raw.trim()))
            }
            4 => Err(year_only(raw.trim())),
            1..=7 => serial_date(s.parse::<f64>().map_err(|_| not_a_date(raw))?, false),
            _ => Err(not_a_date(raw.trim())),
        };
    }
    if let Ok(v) = s.parse::<f64>()
        && s.contains('.')
        && s.split('.').count() == 2
        && s.split('.').next().is_some_and(|i| i.len() == 5)
    {
        // `45748.5`: a serial with a time of day.
        return serial_date(v, false);
    }
    if let Some(result) = era_date(s, raw.trim()) {
        return result;
    }
    let parts = split_date(s).ok_or_else(|| not_a_date(raw.trim()))?;
    let (y, m, d) = match parts {
        (a, b, c) if a.len() == 4 => (a, b, c),
        // US order, as Windows writes it in English: 4/1/2025.
        (a, b, c) if c.len() == 4 && a.len() <= 2 && b.len() <= 2 => (c, a, b),
        _ => return Err(not_a_date(raw.trim())),
    };
    let (y, m, d) = (num(y, raw)?, num(m, raw)?, num(d, raw)?);
    Date::from_ymd(y, m as u32, d as u32).ok_or_else(|| no_such_day(raw.trim()))
}

fn num(s: &str, raw: &str) -> Result<i64, Text> {
    if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(not_a_date(raw.trim()));
    }
    s.parse().map_err(|_| not_a_date(raw.trim()))
}

fn strip_time_and_weekday(s: &str) -> &str {
    let mut s = s.trim();
    // A weekday in brackets at the end: （火）, (Tue).
    if let Some(open) = s.rfind(['(', '（'])
        && (s.ends_with(')') || s.ends_with('）'))
    {
        s = s[..open].trim_end();
    }
    // A time after a space or a `T` between digits.
    if let Some(sp) = s.find(' ') {
        let rest = s[sp..].trim_start();
        if rest.contains(':') || rest.contains('時') {
            s = &s[..sp];
        }
    }
    if let Some(t) = s.find('T') {
        let before = s[..t].chars().last();
        if before.is_some_and(|c| c.is_ascii_digit()) && s[t + 1..].contains(':') {
            s = &s[..t];
        }
    }
    s.trim()
}

/// `a<sep>b<sep>c[日]` with one kind of separator among `-`, `/`, `.`, or
/// `年 月 日`. Returns the three parts as written.
fn split_date(s: &str) -> Option<(&str, &str, &str)> {
    if let Some((y, rest)) = s.split_once('年') {
        let (m, rest) = rest.split_once('月')?;
        let d = rest.strip_suffix('日').unwrap_or(rest);
        return Some((y.trim(), m.trim(), d.trim()));
    }
    let sep = ['-', '/', '.'].into_iter().find(|c| s.contains(*c))?;
    let mut it = s.split(sep);
    let (a, b, c) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() {
        return None;
    }
    Some((a.trim(), b.trim(), c.trim()))
}

/// An era date, or `None` when `s` does not start with an era name.
fn era_date(s: &str, raw: &str) -> Option<Result<Date, Text>> {
    let (era, rest) = ERAS.iter().find_map(|e| {
        if let Some(r) = s.strip_prefix(e.kanji) {
            return Some((e, r));
        }
        if let Some(r) = s.strip_prefix(e.square) {
            return Some((e, r));
        }
        let mut chars = s.chars();
        let first = chars.next()?;
        let rest = chars.as_str();
        (first.to_ascii_uppercase() == e.letter && rest.starts_with(|c: char| c.is_ascii_digit()))
            .then_some((e, rest))
    })?;
    let rest = rest.trim();
    let rest = match rest.strip_prefix('元') {
        Some(r) => format!("1{r}"),
        None => rest.to_owned(),
    };
    let Some((y, m, d)) = split_date(&rest) else {
        return Some(Err(not_a_date(raw)));
    };
    let parsed = (|| Some((num(y, raw).ok()?, num(m, raw).ok()?, num(d, raw).ok()?)))();
    let Some((ey, m, d)) = parsed else {
        return Some(Err(not_a_date(raw)));
    };
    if ey == 0 {
        return Some(Err(not_a_date(raw)));
    }
    let year = era.start.0 + ey - 1;
    let Some(date) = Date::from_ymd(year, m as u32, d as u32) else {
        return Some(Err(no_such_day(raw)));
    };
    let start = Date::from_ymd(era.start.0, era.start.1, era.start.2)?;
    let end = era.end.and_then(|(y, m, d)| Date::from_ymd(y, m, d));
    if date < start {
        return Some(Err(Text::new(
            format!("「{raw}」は存在しません: {}は {start} に始まりました", era.kanji),
            format!("\"{raw}\" does not exist: {} began on {start}", era.kanji),
        )));
    }
    if let Some(end) = end
        && date > end
    {
        let next = ERAS.iter().find(|e| e.start > era.start).map_or("", |e| e.kanji);
        return Some(Err(Text::new(
            format!("「{raw}」は存在しません: {}は {end} まで（翌日から{next}）", era.kanji),
            format!("\"{raw}\" does not exist: {} ended on {end} ({next} began the next day)", era.kanji),
        )));
    }
    Some(Ok(date))
}

/// A Windows FILETIME (100-ns ticks since 1601-01-01 UTC), as Active
/// Directory exports `lastLogonTimestamp`. `Ok(None)` for 0 and the maximum
/// value, which mean "never".
pub fn filetime_date(s: &str) -> Option<Result<Option<Date>, Text>> {
    let t = fold_width(s);
    if t.len() < 15 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let ticks: i128 = t.parse().ok()?;
    if ticks == 0 || ticks >= i128::from(i64::MAX) {
        return Some(Ok(None));
    }
    let days = (ticks / 864_000_000_000) as i64;
    let start = Date::from_ymd(1601, 1, 1)?;
    let d = start.add_days(days);
    if d.ymd().0 > 9999 {
        return Some(Err(no_such_day(s)));
    }
    Some(Ok(Some(d)))
}

// ---------------------------------------------------------------------------
// Booleans, enums, numbers, lists

const TRUE_WORDS: &[&str] = &[
    "はい",
    "yes",
    "y",
    "true",
    "t",
    "1",
    "○",
    "〇",
    "◯",
    "◎",
    "✓",
    "✔",
    "有",
    "あり",
    "有り",
    "済",
    "済み",
    "実施済",
    "実施済み",
    "変更済",
    "変更済み",
    "対応済",
    "対応済み",
    "利用",
    "利用あり",
    "利用有",
    "使用",
    "使用あり",
    "する",
    "on",
    "要",
    "必要",
];
const FALSE_WORDS: &[&str] = &[
    "いいえ",
    "no",
    "n",
    "false",
    "f",
    "0",
    "×",
    "✕",
    "✗",
    "x",
    "無",
    "なし",
    "無し",
    "未",
    "未実施",
    "未変更",
    "未対応",
    "利用なし",
    "利用無",
    "不使用",
    "使用なし",
    "しない",
    "off",
    "不要",
];

/// Reads a yes/no cell: はい/いいえ, ○/×, 有/無, あり/なし, 済/未,
/// true/false, yes/no, 1/0 and Excel's TRUE/FALSE.
pub fn boolean(cell: &Cell) -> Result<bool, Text> {
    let text = match cell {
        Cell::Bool(b) => return Ok(*b),
        Cell::Number(n) if *n == 1.0 => return Ok(true),
        Cell::Number(n) if *n == 0.0 => return Ok(false),
        other => other.display(),
    };
    boolean_text(&text).ok_or_else(|| {
        Text::new(
            format!(
                "「{}」ははい／いいえとして読めません（はい・いいえ、○・×、有・無、true・false など）",
                text.trim()
            ),
            format!(
                "\"{}\" is not a yes/no value (write はい/いいえ, ○/×, 有/無, true/false, …)",
                text.trim()
            ),
        )
    })
}

pub fn boolean_text(text: &str) -> Option<bool> {
    let k = key(text);
    if k.is_empty() {
        // `key` drops punctuation; a lone `・` or `-` is no answer.
        return None;
    }
    static WORDS: std::sync::OnceLock<std::collections::HashMap<String, bool>> = std::sync::OnceLock::new();
    let words = WORDS.get_or_init(|| {
        let t = TRUE_WORDS.iter().map(|w| (key(w), true));
        let f = FALSE_WORDS.iter().map(|w| (key(w), false));
        t.chain(f).collect()
    });
    words.get(&k).copied()
}

/// A non-negative whole number; `3件`, `3個` and `3.0` are 3.
pub fn count(cell: &Cell) -> Result<i64, Text> {
    let bad = |s: &str| {
        Text::new(
            format!("「{s}」は 0 以上の整数ではありません"),
            format!("\"{s}\" is not a whole number of at least 0"),
        )
    };
    let n = match cell {
        Cell::Number(n) => *n,
        other => {
            let s = fold_width(&other.display());
            let t = s.trim_end_matches(['件', '個', '本']).trim();
            t.parse::<f64>().map_err(|_| bad(&s))?
        }
    };
    if !n.is_finite() || n.fract() != 0.0 || !(0.0..=9_007_199_254_740_992.0).contains(&n) {
        return Err(bad(&cell.display()));
    }
    Ok(n as i64)
}

/// A plain text value: the cell as shown, trimmed. Numbers keep their
/// spreadsheet form (`2019`, not `2019.0`).
pub fn text(cell: &Cell) -> String {
    cell.display().trim().to_owned()
}

/// Splits a list cell on commas, `、`, `;`, `；`, `・`-free separators and
/// line breaks; empty items are dropped.
pub fn list(cell: &Cell) -> Vec<String> {
    text(cell)
        .split([',', '、', '，', ';', '；', '\n', '\r'])
        .map(|s| s.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}'))
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// One service from a services cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    pub name: String,
    pub port: Option<i64>,
    pub reason: Option<String>,
}

/// Reads a services cell: items separated by line breaks, `;` or `；`
/// (commas belong to names and reasons), each `NAME[:PORT][（REASON）]` or
/// `NAME(PORT)`. Returns the services read and, per bad item, why.
pub fn services(cell: &Cell) -> (Vec<Service>, Vec<Text>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for item in text(cell).split(['\n', '\r', ';', '；']) {
        let item = item.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}');
        if item.is_empty() {
            continue;
        }
        match service(item) {
            Ok(s) => out.push(s),
            Err(t) => problems.push(t),
        }
    }
    (out, problems)
}

fn service(item: &str) -> Result<Service, Text> {
    let mut rest = item.trim();
    let mut reason = None;
    let mut port = None;
    // A bracketed tail: （保守用） is a reason, (3389) a port.
    if (rest.ends_with(')') || rest.ends_with('）'))
        && let Some(open) = rest.rfind(['(', '（'])
    {
        {
            let inner_start = open + rest[open..].chars().next().map_or(1, char::len_utf8);
            let inner_end = rest.len() - rest.chars().last().map_or(1, char::len_utf8);
            let inner = rest.get(inner_start..inner_end).unwrap_or("").trim();
            let folded = fold_width(inner);
            if !folded.is_empty() && folded.bytes().all(|b| b.is_ascii_digit()) {
                port = Some(folded);
            } else if !inner.is_empty() {
                reason = Some(inner.to_owned());
            }
            rest = rest[..open].trim_end();
        }
    }
    if port.is_none()
        && let Some(colon) = rest.rfind([':', '：'])
    {
        let tail = fold_width(&rest[colon + rest[colon..].chars().next().map_or(1, char::len_utf8)..]);
        let tail_ok = !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit() || b == b'-' || b == b'+');
        if tail_ok {
            port = Some(tail);
            rest = rest[..colon].trim_end();
        }
    }
    if rest.is_empty() {
        return Err(Text::new(
            format!("サービス「{item}」に名前がありません"),
            format!("service \"{item}\" has no name"),
        ));
    }
    let port = match port {
        None => None,
        Some(p) => match p.parse::<i64>() {
            Ok(n) if (1..=65_535).contains(&n) => Some(n),
            _ => {
                return Err(Text::new(
                    format!("サービス「{item}」のポート {p} は範囲外です（1〜65535）"),
                    format!("service \"{item}\": port {p} is out of range (1–65535)"),
                ));
            }
        },
    };
    Ok(Service { name: rest.to_owned(), port, reason })
}

/// Writes a service back in the form [`services`] reads.
pub fn service_text(name: &str, port: Option<i64>, reason: Option<&str>) -> String {
    let mut s = name.to_owned();
    if let Some(p) = port {
        s.push_str(&format!(":{p}"));
    }
    if let Some(r) = reason {
        s.push_str(&format!("（{r}）"));
    }
    s
}

// ---------------------------------------------------------------------------
// Formula injection in CSV

/// Whether Excel (or LibreOffice, Google Sheets) could read a CSV cell
/// starting like this as a formula: OWASP's `=`, `+`, `-`, `@`, tab and
/// carriage return, and the full-width `＝ ＋ － ＠` a Japanese IME types.
fn formula_lead(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠'])
}

/// A plain number (`-3`, `+81`, `-0.5`): a spreadsheet reads it as that
/// number, never as a formula, so it is left alone.
fn plain_number(s: &str) -> bool {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    let mut parts = digits.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let frac = parts.next();
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

fn needs_quote(s: &str) -> bool {
    (formula_lead(s) && !plain_number(s)) || s.strip_prefix('\'').is_some_and(needs_quote)
}

/// A text cell as written to CSV: prefixed with `'` when a spreadsheet
/// would run it as a formula (`=HYPERLINK(…)`, `@SUM(…)`, `-2+3`), as OWASP
/// recommends; also when it already starts with `'` before such a character,
/// so that [`formula_unquoted`] gives back exactly the original.
pub fn formula_quoted(s: &str) -> std::borrow::Cow<'_, str> {
    if needs_quote(s) { format!("'{s}").into() } else { s.into() }
}

/// The inverse of [`formula_quoted`], for CSV cells read by `anzen import`.
pub fn formula_unquoted(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if needs_quote(rest) => rest,
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> String {
        date_text(s).map(|d| d.to_string()).unwrap_or_else(|e| format!("ERR {}", e.en))
    }

    #[test]
    fn formulas_are_quoted_for_csv_and_read_back() {
        for (value, written) in [
            ("=HYPERLINK(\"http://x\",\"x\")", "'=HYPERLINK(\"http://x\",\"x\")"),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("＝1+1", "'＝1+1"),
            ("'=1", "''=1"),
            ("-", "'-"),
            // Left alone: numbers, and text that only contains the characters.
            ("-3", "-3"),
            ("+81", "+81"),
            ("-0.5", "-0.5"),
            ("a=b", "a=b"),
            ("'quoted'", "'quoted'"),
            ("", ""),
        ] {
            assert_eq!(formula_quoted(value), written, "{value:?}");
            assert_eq!(formula_unquoted(written), value, "{written:?}");
        }
    }

    #[test]
    fn gregorian_forms() {
        for s in [
            "2025-04-01",
            "2025-4-1",
            "2025/4/1",
            "2025/04/01",
            "2025.4.1",
            "2025年4月1日",
            "２０２５／４／１",
            "20250401",
            "2025/04/01 9:15:00",
            "2025-04-01T09:15:00",
            "2025/4/1（火）",
            "4/1/2025",
            " 2025-04-01 ",
        ] {
            assert_eq!(d(s), "2025-04-01", "{s}");
        }
    }

    #[test]
    fn bad_dates_say_why() {
        assert!(d("2025/13/1").contains("not a day that exists"));
        assert!(d("2025-02-29").contains("not a day that exists"));
        assert!(d("2025/4").contains("not a date"));
        assert!(d("来年").contains("not a date"));
        assert!(d("2025").contains("a year"));
        assert!(d("1/2/3").contains("not a date"));
        assert!(d("").contains("not a date"));
    }

    #[test]
    fn era_dates() {
        assert_eq!(d("令和7年4月1日"), "2025-04-01");
        assert_eq!(d("R7.4.1"), "2025-04-01");
        assert_eq!(d("r07/04/01"), "2025-04-01");
        assert_eq!(d("Ｒ７．４．１"), "2025-04-01");
        assert_eq!(d("㋿7.4.1"), "2025-04-01");
        assert_eq!(d("令和元年5月1日"), "2019-05-01");
        assert_eq!(d("令和 元年 5月 1日"), "2019-05-01");
        assert_eq!(d("H31.4.30"), "2019-04-30");
        assert_eq!(d("平成31年4月30日"), "2019-04-30");
        assert_eq!(d("平成元年1月8日"), "1989-01-08");
        assert_eq!(d("H1.1.8"), "1989-01-08");
        assert_eq!(d("S64.1.7"), "1989-01-07");
        assert_eq!(d("昭和63年12月31日"), "1988-12-31");
        assert_eq!(d("T15.12.24"), "1926-12-24");
        assert_eq!(d("S1.12.25"), "1926-12-25");
    }

    #[test]
    fn era_boundaries_are_exact() {
        assert!(
            d("H31.5.1").contains("平成 ended on 2019-04-30 (令和 began the next day)"),
            "{}",
            d("H31.5.1")
        );
        assert!(d("R1.4.30").contains("令和 began on 2019-05-01"));
        assert!(d("S64.1.8").contains("昭和 ended on 1989-01-07"));
        assert!(d("H1.1.7").contains("平成 began on 1989-01-08"));
        assert!(d("R0.1.1").contains("not a date"));
        assert!(d("R7.2.29").contains("not a day that exists"));
        assert_eq!(d("R6.2.29"), "2024-02-29");
    }

    #[test]
    fn excel_serials() {
        let s = |v: f64| serial_date(v, false).map(|d| d.to_string()).unwrap_or_else(|e| e.en);
        assert_eq!(s(45748.0), "2025-04-01");
        assert_eq!(s(45748.75), "2025-04-01");
        assert_eq!(s(1.0), "1900-01-01");
        assert_eq!(s(59.0), "1900-02-28");
        assert!(s(60.0).contains("never existed"));
        assert_eq!(s(61.0), "1900-03-01");
        assert_eq!(s(2_958_465.0), "9999-12-31");
        assert!(s(2_958_466.0).contains("outside"));
        assert!(s(0.0).contains("outside"));
        assert!(s(-5.0).contains("outside"));
        assert!(s(f64::NAN).contains("outside"));
        assert_eq!(serial_date(44_286.0, true).unwrap().to_string(), "2025-04-01");
        assert_eq!(d("45748"), "2025-04-01");
        assert_eq!(d("45748.5"), "2025-04-01");
        assert!(date(&Cell::Number(2025.0)).is_err(), "a year is not a serial");
        assert_eq!(date(&Cell::Number(45748.0)).unwrap().to_string(), "2025-04-01");
    }

    #[test]
    fn filetimes() {
        assert_eq!(filetime_date("133878528000012345").unwrap().unwrap().unwrap().to_string(), "2025-03-31");
        assert_eq!(filetime_date("0"), None, "short numbers are not filetimes");
        assert_eq!(filetime_date("9223372036854775807").unwrap().unwrap(), None);
    }

    #[test]
    fn widths_fold() {
        assert_eq!(fold_width("ｻｰﾊﾞ"), "サーバ");
        assert_eq!(fold_width("ﾃﾞｨｽｸ ﾊﾟｿｺﾝ"), "ディスク パソコン");
        assert_eq!(fold_width("ｳﾞｪ"), "ヴェ");
        assert_eq!(fold_width("ＯＳ　バージョン"), "OS バージョン");
        assert_eq!(key("ＯＳ　バージョン"), key("os バージョン"));
        assert_eq!(key("サーバー"), key("ｻｰﾊﾞ"));
        assert_eq!(key("機器 ID"), "機器id");
        assert_eq!(key("os.support_ends_on"), "ossupportendson");
        assert_eq!(key_without_parentheses("設置場所（部屋）"), "設置場所");
    }

    #[test]
    fn booleans() {
        for t in ["はい", "○", "〇", "有", "あり", "済", "TRUE", "yes", "１", "変更済み"] {
            assert_eq!(boolean_text(t), Some(true), "{t}");
        }
        for t in ["いいえ", "×", "無", "なし", "未", "false", "No", "0"] {
            assert_eq!(boolean_text(t), Some(false), "{t}");
        }
        assert_eq!(boolean_text("たぶん"), None);
        assert_eq!(boolean_text("Yes?"), None);
        assert_eq!(boolean_text("・"), None);
        assert_eq!(boolean(&Cell::Bool(true)), Ok(true));
        assert!(boolean(&Cell::Number(2.0)).is_err());
    }

    #[test]
    fn counts() {
        assert_eq!(count(&Cell::Text("3件".into())), Ok(3));
        assert_eq!(count(&Cell::Text("０".into())), Ok(0));
        assert_eq!(count(&Cell::Number(2.0)), Ok(2));
        assert!(count(&Cell::Number(2.5)).is_err());
        assert!(count(&Cell::Text("-1".into())).is_err());
        assert!(count(&Cell::Text("多数".into())).is_err());
    }

    #[test]
    fn lists_and_services() {
        assert_eq!(
            list(&Cell::Text("sys-ehr, sys-pacs、sys-ris\nsys-lis".into())),
            ["sys-ehr", "sys-pacs", "sys-ris", "sys-lis"]
        );
        let (ok, bad) = services(&Cell::Text(
            "RDP:3389（保守用、VPN経由のみ）\nSMB(445); Web管理画面; Telnet:70000".into(),
        ));
        assert_eq!(
            ok,
            vec![
                Service {
                    name: "RDP".into(), port: Some(3389), reason: Some("保守用、VPN経由のみ".into())
                },
                Service { name: "SMB".into(), port: Some(445), reason: None },
                Service { name: "Web管理画面".into(), port: None, reason: None },
            ]
        );
        assert_eq!(bad.len(), 1);
        assert!(bad[0].en.contains("port 70000 is out of range"));
        assert_eq!(service_text("RDP", Some(3389), Some("保守用")), "RDP:3389（保守用）");
        let (ok, _) = services(&Cell::Text(service_text("http://x", None, None)));
        assert_eq!(ok[0].name, "http://x");
    }

    #[test]
    fn blanks() {
        assert!(Cell::Text(" － ".into()).is_blank());
        assert!(Cell::Text("\u{3000}".into()).is_blank());
        assert!(!Cell::Text("0".into()).is_blank());
        assert_eq!(Cell::Number(2019.0).display(), "2019");
        assert_eq!(Cell::Number(1.5).display(), "1.5");
    }
}
