//! Dates in the forms ledgers use: ISO, `2025/4/1`, `2025年4月1日`, Excel
//! serial days (1900 and 1904 systems), Japanese eras (`令和7年4月1日`,
//! `R7.4.1`) and Active Directory FILETIMEs.

use crate::kernel::date::Date;
use crate::kernel::finding::Text;

use super::{Cell, fold_width, number_text};

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
