use super::*;

#[test]
fn every_helper_has_one_row() {
    for (i, s) in HELPERS.iter().enumerate() {
        assert_eq!(s.helper.spec().name, s.name, "{}", s.name);
        assert!(HELPERS[..i].iter().all(|t| t.name != s.name && t.helper != s.helper), "{} twice", s.name);
        assert!((1..=3).contains(&s.arity()), "{}", s.name);
        assert!(!s.en.is_empty() && !s.ja.is_empty() && !s.en.contains('|') && !s.ja.contains('|'));
    }
    assert_eq!(Helper::named("mfa_enabled").map(|s| s.helper), Some(Helper::MfaEnabled));
    assert!(Helper::named("size").is_none());
}

#[test]
fn add_days_stays_within_the_calendar() {
    assert_eq!(add_days("2025-01-31", 1), Ok("2025-02-01".to_owned()));
    assert_eq!(add_days("2025-01-31", -31), Ok("2024-12-31".to_owned()));
    assert_eq!(add_days("9999-12-30", 1), Ok("9999-12-31".to_owned()));
    assert_eq!(add_days("0001-01-02", -1), Ok("0001-01-01".to_owned()));
    // Past the years a date can have: an error, not an overflow.
    assert_eq!(add_days("9999-12-31", 1), Err(Failure::DateOutOfRange));
    assert_eq!(add_days("0001-01-01", -1), Err(Failure::DateOutOfRange));
    assert_eq!(add_days("2025-01-01", i64::MAX), Err(Failure::DateOutOfRange));
    assert_eq!(add_days("2025-01-01", i64::MIN), Err(Failure::DateOutOfRange));
    assert_eq!(add_days("2025-02-30", 1), Err(Failure::NotADate("2025-02-30")));
}

#[test]
fn scalars_order_as_cel_orders_them() {
    use Scalar as S;
    assert_eq!(order_scalars(S::Int(1), S::Double(1.5)), Some(Ordering::Less));
    assert_eq!(order_scalars(S::Int(-1), S::UInt(0)), Some(Ordering::Less));
    assert_eq!(order_scalars(S::UInt(u64::MAX), S::Int(0)), Some(Ordering::Greater));
    assert_eq!(order_scalars(S::Str("2025-01-02"), S::Str("2025-01-10")), Some(Ordering::Less));
    assert_eq!(order_scalars(S::Double(f64::NAN), S::Double(1.0)), None);
    assert_eq!(order_scalars(S::Str("1"), S::Int(1)), None);
}

#[test]
fn any_addresses_and_cidrs() {
    for any in ["0.0.0.0/0", "::/0", " 0.0.0.0/0 ", "any", "*", "10.0.0.0/0"] {
        assert!(is_any_address(any), "{any}");
    }
    for specific in ["203.0.113.0/24", "10.1.2.3", "2001:db8::/32", "0.0.0.0/8", "garbage/0"] {
        assert!(!is_any_address(specific), "{specific}");
    }
    for ok in ["203.0.113.0/24", "10.1.2.3", "2001:db8::/32", "::1"] {
        assert!(is_address(ok), "{ok}");
    }
    for bad in ["10.0.0.0/33", "999.1.1.1", "vpn.example.jp", "10.0.0.0/x"] {
        assert!(!is_address(bad), "{bad}");
    }
}

#[test]
fn name_keys_ignore_case_digits_and_separators() {
    for (name, key) in [
        ("Admin01", "admin"),
        ("ADMIN_1", "admin"),
        ("ａｄｍｉｎ　１", "admin"),
        ("test-01", "test"),
        ("sys.admin", "sysadmin"),
        ("共用1", "共用"),
        ("管理者２", "管理者"),
        ("yamada.taro", "yamadataro"),
        ("d0001", "d"),
        ("1234", ""),
    ] {
        assert_eq!(name_key(name), key, "{name}");
    }
}
