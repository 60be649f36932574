//! The helper functions rule expressions can call, beside CEL's standard
//! library: one table ([`HELPERS`]: name, parameters, a line of Japanese and
//! English) and one implementation of each, written once over [`Value`],
//! which both evaluators' values implement (the interpreter's
//! [`super::cel::CelRef`], the fast path's own). Each evaluator only converts
//! arguments and results; `docs/rule-authoring.md`'s list is generated from
//! the table ([`markdown`]).

use std::cmp::Ordering;
use std::fmt;

use crate::kernel::date::Date;

/// A helper function, by identity (its name is in [`HELPERS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Helper {
    DaysSince,
    WithinDays,
    OlderThanDays,
    DaysBetween,
    AddDays,
    IsDate,
    HasPath,
    GetPath,
    DistinctCount,
    Latest,
    Earliest,
    Join,
    Head,
    MfaEnabled,
    EffectiveAuth,
    IsAnyAddress,
    IsAddress,
    NameKey,
}

/// One row of the helper table.
#[derive(Debug)]
pub struct Spec {
    pub helper: Helper,
    pub name: &'static str,
    /// The parameters, as the documentation writes them; their number is
    /// the helper's arity.
    pub params: &'static [&'static str],
    /// What it gives, one line of Markdown.
    pub en: &'static str,
    pub ja: &'static str,
}

impl Spec {
    pub fn arity(&self) -> usize {
        self.params.len()
    }

    /// `name(param, …)`.
    pub fn signature(&self) -> String {
        format!("{}({})", self.name, self.params.join(", "))
    }
}

/// Every helper, in the documentation's order.
pub const HELPERS: &[Spec] = &[
    Spec {
        helper: Helper::DaysSince,
        name: "days_since",
        params: &["date"],
        en: "`as_of - date` in days (negative for a future date)",
        ja: "`date` から `as_of` までの日数（未来の日付なら負）",
    },
    Spec {
        helper: Helper::WithinDays,
        name: "within_days",
        params: &["date", "n"],
        en: "`days_since(date) <= n` — \"within N days\" (a future date counts as within)",
        ja: "`days_since(date) <= n`：N 日以内（未来の日付も以内とみなす）",
    },
    Spec {
        helper: Helper::OlderThanDays,
        name: "older_than_days",
        params: &["date", "n"],
        en: "`days_since(date) > n` — \"older than N days\"",
        ja: "`days_since(date) > n`：N 日より古い",
    },
    Spec {
        helper: Helper::DaysBetween,
        name: "days_between",
        params: &["a", "b"],
        en: "`b - a` in days",
        ja: "`a` から `b` までの日数",
    },
    Spec {
        helper: Helper::AddDays,
        name: "add_days",
        params: &["date", "n"],
        en: "the date `n` days later, as a string (an error outside the years 1–9999)",
        ja: "`n` 日後の日付（文字列。1〜9999 年の範囲外はエラー）",
    },
    Spec {
        helper: Helper::IsDate,
        name: "is_date",
        params: &["value"],
        en: "whether `value` is a valid `YYYY-MM-DD` date",
        ja: "`value` が正しい `YYYY-MM-DD` 形式の日付か",
    },
    Spec {
        helper: Helper::HasPath,
        name: "has_path",
        params: &["value", "'a.b.c'"],
        en: "whether the dotted path exists (list indexes allowed)",
        ja: "ドット区切りのパスが存在するか（リストの添字も可）",
    },
    Spec {
        helper: Helper::GetPath,
        name: "get_path",
        params: &["value", "'a.b.c'", "default"],
        en: "the value at the path, else `default`",
        ja: "パスの値、なければ `default`",
    },
    Spec {
        helper: Helper::DistinctCount,
        name: "distinct_count",
        params: &["list"],
        en: "the number of distinct elements",
        ja: "重複を除いた要素の数",
    },
    Spec {
        helper: Helper::Latest,
        name: "latest",
        params: &["list"],
        en: "the greatest element of a list of dates (strings) or numbers; `null` when empty",
        ja: "日付（文字列）または数値のリストの最大の要素。空なら `null`",
    },
    Spec {
        helper: Helper::Earliest,
        name: "earliest",
        params: &["list"],
        en: "the least element of a list of dates (strings) or numbers; `null` when empty",
        ja: "日付（文字列）または数値のリストの最小の要素。空なら `null`",
    },
    Spec {
        helper: Helper::Join,
        name: "join",
        params: &["list", "sep"],
        en: "the elements as text, separated by `sep` (`join(names, '・')`)",
        ja: "要素を文字列にして `sep` でつないだもの（`join(names, '・')`）",
    },
    Spec {
        helper: Helper::Head,
        name: "head",
        params: &["list", "n"],
        en: "the first `n` elements, and `… (+k)` when `k` more were left out (for messages)",
        ja: "先頭の `n` 要素。残り `k` 個があれば `… (+k)` を加える（メッセージ用）",
    },
    Spec {
        helper: Helper::MfaEnabled,
        name: "mfa_enabled",
        params: &["mfa"],
        en: "`mfa.enabled == true` with at least two distinct `factors` (SPEC)",
        ja: "`mfa.enabled == true` かつ異なる `factors` が 2 つ以上（SPEC）",
    },
    Spec {
        helper: Helper::EffectiveAuth,
        name: "effective_auth",
        params: &["system", "facility"],
        en: "`{password, mfa}`: each from the system's `authentication`, else the Facility's",
        ja: "`{password, mfa}`：それぞれシステムの `authentication`、なければ施設のもの",
    },
    Spec {
        helper: Helper::IsAnyAddress,
        name: "is_any_address",
        params: &["s"],
        en: "`s` admits everyone: a `/0` CIDR (`0.0.0.0/0`, `::/0`), or `any`, `all`, `*`, `0.0.0.0`, `::`",
        ja: "`s` が全アドレスを許す：`/0` の CIDR（`0.0.0.0/0`、`::/0`）、`any`、`all`、`*`、`0.0.0.0`、`::`",
    },
    Spec {
        helper: Helper::IsAddress,
        name: "is_address",
        params: &["s"],
        en: "`s` is an IPv4/IPv6 address or a CIDR",
        ja: "`s` が IPv4/IPv6 アドレスまたは CIDR",
    },
    Spec {
        helper: Helper::NameKey,
        name: "name_key",
        params: &["s"],
        en: "`s` reduced for comparing names: full-width ASCII folded to ASCII, lower case, digits, \
             whitespace and `-` `_` `.` left out (`name_key('Admin_01') == 'admin'`; AUT-007); `''` \
             for a value that is not a string",
        ja: "名前の比較用に正規化した `s`：全角英数を半角に、小文字に、数字・空白・`-` `_` `.` を除く\
             （`name_key('Admin_01') == 'admin'`、AUT-007）。文字列でなければ `''`",
    },
];

impl Helper {
    /// The helper called `name`.
    pub fn named(name: &str) -> Option<&'static Spec> {
        HELPERS.iter().find(|s| s.name == name)
    }

    pub fn spec(self) -> &'static Spec {
        // Every helper has its row (a unit test checks).
        HELPERS.iter().find(|s| s.helper == self).unwrap_or(&HELPERS[0])
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }
}

/// The helper table as the Markdown table of `docs/rule-authoring.md`.
pub fn markdown() -> String {
    let mut out = String::from("| function | result | 説明 |\n|---|---|---|\n");
    for s in HELPERS {
        out.push_str(&format!("| `{}` | {} | {} |\n", s.signature(), s.en, s.ja));
    }
    out
}

/// Why a helper gave no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure<'s> {
    /// The fast path cannot decide here; the interpreter can.
    Undecided,
    NotADate(&'s str),
    /// `add_days`'s result is outside the years 1–9999.
    DateOutOfRange,
    NotAList,
    NotComparable,
}

impl fmt::Display for Failure<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Undecided => f.write_str("not decided on the fast path"),
            Failure::NotADate(s) => write!(f, "`{s}` is not a date (YYYY-MM-DD)"),
            Failure::DateOutOfRange => f.write_str("the date is outside the years 1-9999"),
            Failure::NotAList => f.write_str("expects a list"),
            Failure::NotComparable => f.write_str("list elements cannot be compared"),
        }
    }
}

pub type Result<'s, T> = std::result::Result<T, Failure<'s>>;

/// A value as the helpers read it: scalars and the shape of containers.
/// Both evaluators' values implement it (cheap to clone: references, or
/// reference-counted), so each helper is written once, generically, and
/// compiled for each evaluator without dynamic dispatch.
pub trait Value: Clone {
    /// The scalar this is, or [`Scalar::Other`] for a list, a map or
    /// anything else.
    fn scalar(&self) -> Scalar<'_>;
    /// Whether this is a map, a list (and its length) or something else;
    /// [`Failure::Undecided`] where the fast path cannot tell.
    fn shape(&self) -> Result<'static, Shape>;
    /// Field `key` of a map (`None` when absent or not a map).
    fn get(&self, key: &str) -> Option<Self>;
    /// Element `i` of a list.
    fn element(&self, i: usize) -> Option<Self>;
    /// CEL's `==` ([`Failure::Undecided`] where the fast path cannot tell).
    fn equals(&self, other: &Self) -> Result<'static, bool>;
    /// CEL's ordering (`None`: not comparable).
    fn compare(&self, other: &Self) -> Result<'static, Option<Ordering>>;
    /// The message text of a value that is not a scalar or a list (CEL's
    /// debug form in the interpreter).
    fn other_text(&self) -> Result<'static, String>;

    fn as_str(&self) -> Option<&str> {
        match self.scalar() {
            Scalar::Str(s) => Some(s),
            _ => None,
        }
    }

    fn list_len(&self) -> Option<usize> {
        match self.shape() {
            Ok(Shape::List(n)) => Some(n),
            _ => None,
        }
    }
}

/// A scalar value, borrowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scalar<'v> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Double(f64),
    Str(&'v str),
    Other,
}

/// What a value holds, for walking paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Map,
    List(usize),
    Other,
}

/// CEL's ordering of two scalars (`cel::Value`'s `partial_cmp`), `None`
/// for two that do not compare.
pub fn order_scalars(a: Scalar<'_>, b: Scalar<'_>) -> Option<Ordering> {
    use Scalar as S;
    match (a, b) {
        (S::Int(x), S::Int(y)) => Some(x.cmp(&y)),
        (S::UInt(x), S::UInt(y)) => Some(x.cmp(&y)),
        (S::Double(x), S::Double(y)) => x.partial_cmp(&y),
        (S::Str(x), S::Str(y)) => Some(x.cmp(y)),
        (S::Bool(x), S::Bool(y)) => Some(x.cmp(&y)),
        (S::Null, S::Null) => Some(Ordering::Equal),
        (S::Int(x), S::UInt(y)) => Some(u64::try_from(x).map_or(Ordering::Less, |x| x.cmp(&y))),
        (S::UInt(x), S::Int(y)) => Some(i64::try_from(x).map_or(Ordering::Greater, |x| x.cmp(&y))),
        #[allow(clippy::cast_precision_loss)]
        (S::Int(x), S::Double(y)) => (x as f64).partial_cmp(&y),
        #[allow(clippy::cast_precision_loss)]
        (S::UInt(x), S::Double(y)) => (x as f64).partial_cmp(&y),
        #[allow(clippy::cast_precision_loss)]
        (S::Double(x), S::Int(y)) => x.partial_cmp(&(y as f64)),
        #[allow(clippy::cast_precision_loss)]
        (S::Double(x), S::UInt(y)) => x.partial_cmp(&(y as f64)),
        _ => None,
    }
}

/// A value as message text: strings as they are, numbers and booleans as
/// CEL prints them, `null` as `—`, a list's elements joined with `, `.
pub fn display<T: Value>(v: &T) -> Result<'static, String> {
    Ok(match v.scalar() {
        Scalar::Null => "—".to_owned(),
        Scalar::Bool(b) => b.to_string(),
        Scalar::Int(i) => i.to_string(),
        Scalar::UInt(u) => u.to_string(),
        Scalar::Double(d) => d.to_string(),
        Scalar::Str(s) => s.to_owned(),
        Scalar::Other => match v.shape()? {
            Shape::List(n) => {
                let mut parts = Vec::with_capacity(n);
                for i in 0..n {
                    parts.push(display(&v.element(i).ok_or(Failure::Undecided)?)?);
                }
                parts.join(", ")
            }
            Shape::Map | Shape::Other => v.other_text()?,
        },
    })
}

/// A date argument.
pub fn date(s: &str) -> Result<'_, Date> {
    s.parse::<Date>().map_err(|()| Failure::NotADate(s))
}

/// `days_since(date)`.
pub fn days_since(d: &str, as_of: Date) -> Result<'_, i64> {
    Ok(date(d)?.days_until(as_of))
}

/// `within_days(date, n)`.
pub fn within_days(d: &str, n: i64, as_of: Date) -> Result<'_, bool> {
    Ok(days_since(d, as_of)? <= n)
}

/// `older_than_days(date, n)`.
pub fn older_than_days(d: &str, n: i64, as_of: Date) -> Result<'_, bool> {
    Ok(days_since(d, as_of)? > n)
}

/// `days_between(a, b)`.
pub fn days_between<'s>(a: &'s str, b: &'s str) -> Result<'s, i64> {
    Ok(date(a)?.days_until(date(b)?))
}

/// `add_days(date, n)`: within the years a date can have.
pub fn add_days(d: &str, n: i64) -> Result<'_, String> {
    let d = date(d)?;
    let (Some(first), Some(last)) = (Date::from_ymd(1, 1, 1), Date::from_ymd(9999, 12, 31)) else {
        return Err(Failure::DateOutOfRange);
    };
    // Both bounds are differences of valid dates: no overflow.
    if n < d.days_until(first) || n > d.days_until(last) {
        return Err(Failure::DateOutOfRange);
    }
    Ok(d.add_days(n).to_string())
}

/// `is_date(value)`: total (a value that is not a string is no date).
pub fn is_date<T: Value>(v: &T) -> bool {
    v.as_str().is_some_and(|s| s.parse::<Date>().is_ok())
}

/// Looks up a dotted path (`restore.procedure`, `copies.0.media`) in
/// nested maps and lists.
pub fn path_get<T: Value>(v: &T, path: &str) -> Result<'static, Option<T>> {
    let mut node = v.clone();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let next = match node.shape()? {
            Shape::Map => node.get(part),
            Shape::List(_) => part.parse::<usize>().ok().and_then(|i| node.element(i)),
            Shape::Other => None,
        };
        match next {
            Some(n) => node = n,
            None => return Ok(None),
        }
    }
    Ok(Some(node))
}

/// `get_path(value, path, default)`.
pub fn get_path<T: Value>(v: &T, path: &str, default: &T) -> Result<'static, T> {
    Ok(path_get(v, path)?.unwrap_or_else(|| default.clone()))
}

/// The distinct elements of a list (by CEL equality), in list order.
pub fn distinct<T: Value>(list: &T) -> Result<'static, Vec<T>> {
    let n = list.list_len().ok_or(Failure::NotAList)?;
    let mut seen: Vec<T> = Vec::new();
    for i in 0..n {
        let item = list.element(i).ok_or(Failure::Undecided)?;
        let mut known = false;
        for s in &seen {
            if s.equals(&item)? {
                known = true;
                break;
            }
        }
        if !known {
            seen.push(item);
        }
    }
    Ok(seen)
}

/// `distinct_count(list)`.
pub fn distinct_count<T: Value>(list: &T) -> Result<'static, i64> {
    i64::try_from(distinct(list)?.len()).map_err(|_| Failure::Undecided)
}

/// `latest(list)` (`Greater`) or `earliest(list)` (`Less`): `None` for an
/// empty list.
pub fn extreme<T: Value>(list: &T, want: Ordering) -> Result<'static, Option<T>> {
    let n = list.list_len().ok_or(Failure::NotAList)?;
    let mut best: Option<T> = None;
    for i in 0..n {
        let item = list.element(i).ok_or(Failure::Undecided)?;
        best = match best {
            None => Some(item),
            Some(b) => match item.compare(&b)? {
                Some(o) if o == want => Some(item),
                Some(_) => Some(b),
                None => return Err(Failure::NotComparable),
            },
        };
    }
    Ok(best)
}

/// `join(list, sep)`.
pub fn join<T: Value>(list: &T, sep: &str) -> Result<'static, String> {
    let n = list.list_len().ok_or(Failure::NotAList)?;
    let mut parts = Vec::with_capacity(n);
    for i in 0..n {
        parts.push(display(&list.element(i).ok_or(Failure::Undecided)?)?);
    }
    Ok(parts.join(sep))
}

/// `head(list, n)`: how many elements to keep from the front, and the text
/// that stands for the rest (`… (+k)`), if any. An `n` that is not an int
/// keeps none.
pub fn head<T: Value>(list: &T, n: &T) -> Result<'static, (usize, Option<String>)> {
    let len = list.list_len().ok_or(Failure::NotAList)?;
    let n = match n.scalar() {
        Scalar::Int(i) => usize::try_from(i.max(0)).unwrap_or(usize::MAX),
        _ => 0,
    };
    Ok((len.min(n), (len > n).then(|| format!("… (+{})", len - n))))
}

/// SPEC: "mfa enabled" means `enabled: true` with at least two distinct
/// `factors`.
pub fn mfa_enabled<T: Value>(mfa: &T) -> Result<'static, bool> {
    let enabled = matches!(path_get(mfa, "enabled")?.map(|v| v.scalar() == Scalar::Bool(true)), Some(true));
    let factors = match path_get(mfa, "factors")? {
        Some(list) if list.list_len().is_some() => distinct(&list)?.len(),
        _ => 0,
    };
    Ok(enabled && factors >= 2)
}

/// The fields of [`effective_auth`]'s result, in order.
pub const AUTH_FIELDS: [&str; 2] = ["password", "mfa"];

/// SPEC: a system's *effective* AuthPolicy is its own `authentication`
/// block, field by field ([`AUTH_FIELDS`]), else the Facility's.
pub fn effective_auth<T: Value>(system: &T, facility: &T) -> Result<'static, [Option<T>; 2]> {
    let own = path_get(system, "authentication")?;
    let default = path_get(facility, "authentication")?;
    let mut out = [None, None];
    for (slot, field) in out.iter_mut().zip(AUTH_FIELDS) {
        for block in [&own, &default].into_iter().flatten() {
            if slot.is_none() {
                *slot = path_get(block, field)?;
            }
        }
    }
    Ok(out)
}

/// `is_any_address(s)`: an address or CIDR that admits everyone: a `/0`
/// prefix (`0.0.0.0/0`, `::/0`, `10.0.0.0/0`), or `any` / `all` / `*` /
/// `0.0.0.0` / `::` alone.
pub fn is_any_address(s: &str) -> bool {
    let s = s.trim();
    match s.split_once('/') {
        Some((addr, prefix)) => {
            prefix.trim().parse::<u8>() == Ok(0) && addr.trim().parse::<std::net::IpAddr>().is_ok()
        }
        None => matches!(s.to_ascii_lowercase().as_str(), "any" | "*" | "0.0.0.0" | "::" | "all"),
    }
}

/// `is_address(s)`: an IPv4/IPv6 address, or a CIDR with a prefix that fits
/// its family.
pub fn is_address(s: &str) -> bool {
    let (addr, prefix) = match s.trim().split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s.trim(), None),
    };
    let Ok(ip) = addr.parse::<std::net::IpAddr>() else { return false };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    prefix.is_none_or(|p| p.parse::<u8>().is_ok_and(|n| n <= max))
}

/// `name_key(value)`: total, like `is_date` (a value that is not a string,
/// such as a wrong-typed list item, `{}` in the view, has the empty key,
/// which matches no word).
pub fn name_key_of<T: Value>(v: &T) -> String {
    v.as_str().map_or_else(String::new, name_key)
}

/// A name reduced for comparing it with a list of words (AUT-007's generic
/// account names): full-width ASCII folded to ASCII, lower case, and digits
/// (ASCII and full-width), whitespace and the separators `-` `_` `.` left out,
/// so `Admin01`, `ADMIN_1` and `ａｄｍｉｎ　１` all give `admin`.
pub fn name_key(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .filter(|c| !(c.is_ascii_digit() || c.is_whitespace() || matches!(c, '-' | '_' | '.')))
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
#[path = "helpers_tests.rs"]
mod tests;
