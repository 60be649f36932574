//! The cell readers' unit tests.

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
    assert!(d("H31.5.1").contains("平成 ended on 2019-04-30 (令和 began the next day)"), "{}", d("H31.5.1"));
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
    let (ok, bad) =
        services(&Cell::Text("RDP:3389（保守用、VPN経由のみ）\nSMB(445); Web管理画面; Telnet:70000".into()));
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
