//! Calendar dates (`YYYY-MM-DD`), the only time type anzen needs.
//!
//! A [`Date`] is a day number (days since 1970-01-01, proleptic Gregorian),
//! so differences are plain subtraction. No time zones: a date in a YAML file
//! is a calendar day, and `today` is the UTC calendar day.

use std::fmt;
use std::str::FromStr;

/// A calendar day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i64);

impl Date {
    /// The date `y-m-d`, if it exists.
    pub fn from_ymd(y: i64, m: u32, d: u32) -> Option<Date> {
        if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) || !(1..=9999).contains(&y) {
            return None;
        }
        Some(Date(days_from_civil(y, m, d)))
    }

    /// Today's date in UTC.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        Date(secs.div_euclid(86_400))
    }

    /// Days from `self` to `other` (positive when `other` is later).
    pub fn days_until(self, other: Date) -> i64 {
        other.0 - self.0
    }

    pub fn add_days(self, days: i64) -> Date {
        Date(self.0 + days)
    }

    pub fn ymd(self) -> (i64, u32, u32) {
        civil_from_days(self.0)
    }
}

impl FromStr for Date {
    type Err = ();

    /// Parses exactly `YYYY-MM-DD`.
    fn from_str(s: &str) -> Result<Date, ()> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(());
        }
        let num = |r: std::ops::Range<usize>| -> Result<i64, ()> {
            let part = s.get(r).ok_or(())?;
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return Err(());
            }
            part.parse().map_err(|_| ())
        };
        Date::from_ymd(num(0..4)?, num(5..7)? as u32, num(8..10)? as u32).ok_or(())
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's days_from_civil / civil_from_days.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn parses_and_prints() {
        assert_eq!(d("2025-06-30").to_string(), "2025-06-30");
        assert_eq!(d("1970-01-01"), Date(0));
        assert!("2025-02-29".parse::<Date>().is_err());
        assert!("2024-02-29".parse::<Date>().is_ok());
        assert!("2025-6-30".parse::<Date>().is_err());
        assert!("２０２５-06-30".parse::<Date>().is_err());
        assert!("2025-13-01".parse::<Date>().is_err());
    }

    #[test]
    fn differences_are_days() {
        assert_eq!(d("2025-06-30").days_until(d("2025-07-01")), 1);
        assert_eq!(d("2024-06-30").days_until(d("2025-06-30")), 365);
        assert_eq!(d("2023-06-30").days_until(d("2024-06-30")), 366);
        assert_eq!(d("2025-03-31").add_days(-365).to_string(), "2024-03-31");
    }

    #[test]
    fn round_trips_every_day_of_a_leap_cycle() {
        let start = d("2000-01-01");
        for i in 0..146_097 {
            let day = start.add_days(i);
            assert_eq!(day.to_string().parse::<Date>(), Ok(day));
        }
    }
}
