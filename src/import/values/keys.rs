//! Lookup keys: folding widths (`ＡＢＣ`, `ｻｰﾊﾞ`) and reducing a header or
//! an enum word to the key it is matched by, so `サーバー`, `ｻｰﾊﾞ` and
//! `サーバ` are one word.

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
