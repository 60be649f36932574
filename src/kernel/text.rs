//! Small text helpers every layer uses: clipping hostile strings for
//! messages, "did you mean" suggestions, rates as printed.

/// `s` cut to 40 characters (hostile input may hold megabyte-long keys).
pub fn clip(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s.to_owned()
    }
}

/// The candidate closest to `word` by edit distance, if close enough.
pub fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    if word.len() > 64 {
        return None; // not a typo; and edit distance is quadratic
    }
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .map(|c| (levenshtein(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A rate as printed: `65%`, `12.5%`.
pub fn percent(rate: f64) -> String {
    if rate.fract() == 0.0 { format!("{rate:.0}%") } else { format!("{rate}%") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_suggests_near_misses_only() {
        let keys = ["generations", "copies", "restore"];
        assert_eq!(closest("generation", keys.into_iter()), Some("generations"));
        assert_eq!(closest("zzz", keys.into_iter()), None);
    }
}
