//! Generates a deterministic synthetic fleet of hospitals in anzen's format,
//! for `anzen stats` tests and benchmarks.
//!
//! ```sh
//! cargo run --release --example genfleet -- --hospitals 1000 --seed 1 --out /tmp/fleet
//! ```
//!
//! Bed sizes are drawn with the survey's class shares (respondents per bed
//! class); ledgers hold 20 to 5,000 assets. For every survey item anzen can
//! judge, each hospital meets it with the survey's national rate (the
//! per-class rate where the survey gives one) — the planted gaps. A few
//! hospitals leave out a document (SystemCatalog, AssetLedger, NetworkMap,
//! BackupPlan, VendorRegistry) or answer the opening question いいえ. The
//! generator writes `manifest.json` beside the hospitals: per hospital its
//! bed count, what it planted (`meets`, `missing`) and, per survey item, the
//! true answer (`answers`: met / not_met / unknown / not_applicable, SPEC
//! §4), so a test can compare `anzen stats` with the generator's own record.

#![allow(clippy::print_stderr)] // a command-line tool

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

/// SplitMix64: small, deterministic, good enough for test data.
pub struct Rng(pub u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 * 100.0 < percent
    }
}

/// The survey's bed classes: (min, max, respondents).
const CLASSES: [(u32, u32, u64); 6] =
    [(20, 99, 1995), (100, 199, 1999), (200, 299, 738), (300, 399, 511), (400, 499, 285), (500, 1200, 314)];

/// Survey items: key, national rate, per-class rates (by `CLASSES` index)
/// where the survey gives them. A hospital "meets" an item with that rate
/// (for items with a base, among the hospitals in the base).
const ITEMS: [(&str, f64, Option<[f64; 6]>); 21] = [
    ("ciso", 73.0, None),
    ("ciso_qualified", 15.0, None),
    ("department_officers", 31.0, None),
    ("csirt", 42.0, None),
    ("mds_sds", 59.0, None),
    ("cyber_bcp", 57.0, None),
    ("bcp_drill", 38.0, None),
    ("asset_ledger", 90.0, Some([83.0, 90.0, 90.0, 90.0, 90.0, 90.0])),
    ("network_diagram", 74.0, None),
    ("vulnerability_info", 83.0, None),
    ("patch_network", 74.0, None),
    ("patch_server_pc", 61.0, None),
    ("mfa", 11.0, Some([11.0, 11.0, 11.0, 11.0, 11.0, 31.0])),
    ("usb", 83.0, None),
    ("contract_sla", 51.0, None),
    ("ehr_use", 71.0, None),
    ("ehr_backup", 97.0, None),
    ("backup_copies_3", 43.0, None),
    ("backup_media_2", 60.0, None),
    ("backup_generations_3", 65.0, Some([57.0, 65.0, 70.0, 72.0, 70.0, 73.0])),
    ("backup_offline", 64.0, None),
];

/// Documents a hospital may leave out (each with this chance, percent).
const OPTIONAL_DOCS: [&str; 5] =
    ["systems.yaml", "assets.yaml", "network.yaml", "backups.yaml", "vendors.yaml"];
pub const MISSING_PERCENT: f64 = 4.0;
/// Hospitals answering the opening question いいえ, percent.
const NO_MEDICAL_SYSTEMS_PERCENT: f64 = 1.0;

/// The true answer to every survey item (SPEC §4) of a hospital that
/// planted `meets`, left out `missing` files and answered the opening
/// question `uses_systems`.
fn answers(
    meets: &BTreeMap<&'static str, bool>,
    missing: &[&str],
    uses_systems: bool,
) -> BTreeMap<&'static str, &'static str> {
    let m = |k: &str| meets.get(k).copied().unwrap_or(true);
    let has = |file: &str| !missing.contains(&file);
    let judged = |ok: bool| if ok { "met" } else { "not_met" };
    let mut out: BTreeMap<&'static str, &'static str> = BTreeMap::new();
    if !uses_systems {
        for (key, _, _) in ITEMS {
            out.insert(key, "not_applicable");
        }
        return out;
    }
    let within = |base: &str, out: &BTreeMap<&str, &'static str>, answer: &'static str| match out.get(base) {
        Some(&"met") => answer,
        Some(&"unknown") => "unknown",
        _ => "not_applicable",
    };
    for key in ["ciso", "department_officers", "csirt", "cyber_bcp", "vulnerability_info"] {
        out.insert(key, judged(m(key)));
    }
    out.insert("ciso_qualified", within("ciso", &out, judged(m("ciso_qualified"))));
    out.insert("bcp_drill", within("cyber_bcp", &out, judged(m("bcp_drill"))));
    let ledger = has("assets.yaml");
    // No network device in the ledger is AST-001's gap, and leaves nothing
    // for patch_network to judge.
    out.insert("asset_ledger", if ledger { judged(m("asset_ledger")) } else { "unknown" });
    let network = ledger && m("asset_ledger");
    out.insert("patch_network", if network { judged(m("patch_network")) } else { "unknown" });
    out.insert("patch_server_pc", if ledger { judged(m("patch_server_pc")) } else { "unknown" });
    out.insert("usb", if ledger { judged(m("usb")) } else { "unknown" });
    out.insert("network_diagram", if has("network.yaml") { judged(m("network_diagram")) } else { "unknown" });
    let vendors = has("vendors.yaml");
    // VEN-001 judges the vendors systems and assets name: v-ehr (MDS/SDS
    // as planted) through the systems, v-net (always has one) through the
    // assets.
    let mds = match (vendors, has("systems.yaml"), ledger) {
        (false, _, _) | (true, false, false) => "unknown",
        (true, true, _) => judged(m("mds_sds")),
        (true, false, true) => "met",
    };
    out.insert("mds_sds", mds);
    out.insert("contract_sla", if vendors { judged(m("contract_sla")) } else { "unknown" });
    let systems = has("systems.yaml");
    out.insert("mfa", if systems { judged(m("mfa")) } else { "unknown" });
    out.insert("ehr_use", if systems { judged(m("ehr_use")) } else { "unknown" });
    let backups = if has("backups.yaml") { judged(m("ehr_backup")) } else { "unknown" };
    out.insert("ehr_backup", within("ehr_use", &out, backups));
    for key in ["backup_copies_3", "backup_media_2", "backup_generations_3", "backup_offline"] {
        out.insert(key, within("ehr_backup", &out, judged(m(key))));
    }
    out
}

/// What to generate.
pub struct Args {
    pub hospitals: usize,
    pub seed: u64,
    pub out: PathBuf,
    pub max_assets: usize,
    /// Every ledger exactly this size (benchmarks of one ordinary hospital).
    pub assets: Option<usize>,
    /// The chance, percent, that a hospital leaves out each optional
    /// document (default [`MISSING_PERCENT`]; 0: every hospital describes
    /// everything). The draws are the same whatever it is, so the rest of
    /// the fleet does not change with it.
    pub missing_percent: f64,
}

#[allow(dead_code)]
fn args() -> Result<Args, String> {
    let mut a = Args {
        hospitals: 100,
        seed: 1,
        out: PathBuf::from("fleet"),
        max_assets: 5000,
        assets: None,
        missing_percent: MISSING_PERCENT,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--hospitals" => a.hospitals = value()?.parse().map_err(|e| format!("--hospitals: {e}"))?,
            "--seed" => a.seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--out" => a.out = PathBuf::from(value()?),
            "--max-assets" => a.max_assets = value()?.parse().map_err(|e| format!("--max-assets: {e}"))?,
            "--assets" => a.assets = Some(value()?.parse().map_err(|e| format!("--assets: {e}"))?),
            "--missing-percent" => {
                a.missing_percent = value()?.parse().map_err(|e| format!("--missing-percent: {e}"))?;
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(a)
}

/// A date `days` before 2025-06-30 (the evaluation date tests use).
fn before_as_of(days: i64) -> String {
    // Civil-from-days, as in src/date.rs.
    let z = 20_269 - days + 719_468; // 2025-06-30 is day 20269 since 1970-01-01
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[allow(dead_code)] // not called when tests include this file as a module
fn main() {
    let a = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!(
                "genfleet: {e}\nusage: genfleet --hospitals N --seed S --out DIR [--max-assets N] [--assets N] [--missing-percent P]"
            );
            std::process::exit(2);
        }
    };
    match generate(&a) {
        Ok(bytes) => eprintln!(
            "genfleet: {} hospitals, {:.1} MB of YAML in {}",
            a.hospitals,
            bytes as f64 / 1e6,
            a.out.display()
        ),
        Err(e) => {
            eprintln!("genfleet: {e}");
            std::process::exit(2);
        }
    }
}

/// Writes the fleet and its `manifest.json`; returns the bytes of YAML written.
pub fn generate(a: &Args) -> Result<usize, String> {
    let mut rng = Rng(a.seed);
    let total: u64 = CLASSES.iter().map(|c| c.2).sum();
    let mut manifest = Vec::new();
    let mut bytes = 0usize;
    for h in 0..a.hospitals {
        // Bed class by the survey's respondent shares, then beds within it.
        let mut pick = rng.below(total);
        let class = CLASSES.iter().position(|c| {
            if pick < c.2 {
                true
            } else {
                pick -= c.2;
                false
            }
        });
        let class = class.unwrap_or(0);
        let (lo, hi, _) = CLASSES[class];
        let beds = lo + rng.below(u64::from(hi - lo + 1)) as u32;
        let mut meets: BTreeMap<&str, bool> = BTreeMap::new();
        for (key, rate, by_class) in ITEMS {
            let rate = by_class.map_or(rate, |r| r[class]);
            meets.insert(key, rng.chance(rate));
        }
        // Ledger size: roughly 2–6 assets per bed, 20..max.
        let per_bed = 2 + rng.below(5) as usize;
        let mut assets = (beds as usize * per_bed).clamp(20, a.max_assets.max(20));
        if rng.chance(1.0) {
            assets = a.max_assets.max(20); // a few very large ledgers
        }
        if let Some(n) = a.assets {
            assets = n.max(1);
        }
        let dir = a.out.join(format!("hospitals/h{h:05}"));
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let files = hospital(h, beds, assets, &meets, &mut rng);
        let missing: Vec<&str> =
            OPTIONAL_DOCS.iter().copied().filter(|_| rng.chance(a.missing_percent)).collect();
        let uses_systems = !rng.chance(NO_MEDICAL_SYSTEMS_PERCENT);
        let truth = answers(&meets, &missing, uses_systems);
        for (name, mut text) in files {
            if missing.contains(&name) {
                continue;
            }
            if !uses_systems && name == "facility.yaml" {
                text = text.replace(
                    "uses_medical_information_systems: true",
                    "uses_medical_information_systems: false",
                );
            }
            bytes += text.len();
            std::fs::write(dir.join(name), text).map_err(|e| format!("cannot write: {e}"))?;
        }
        manifest.push(serde_json::json!({
            "root": format!("hospitals/h{h:05}"), "beds": beds, "assets": assets,
            "meets": meets, "missing": missing, "answers": truth,
        }));
    }
    let manifest = serde_json::json!({"seed": a.seed, "as_of": "2025-06-30", "hospitals": manifest});
    let text = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    std::fs::write(a.out.join("manifest.json"), text)
        .map_err(|e| format!("cannot write the manifest: {e}"))?;
    Ok(bytes)
}

/// The files of one hospital.
pub fn hospital(
    h: usize,
    beds: u32,
    assets: usize,
    meets: &BTreeMap<&str, bool>,
    rng: &mut Rng,
) -> Vec<(&'static str, String)> {
    let m = |k: &str| meets.get(k).copied().unwrap_or(true);
    let manager = match (m("ciso"), m("ciso_qualified")) {
        (false, _) => String::new(),
        (true, false) => format!("  security_manager: {{name: 管理者{h}, appointed_on: 2022-04-01}}\n"),
        (true, true) => {
            format!(
                "  security_manager: {{name: 管理者{h}, appointed_on: 2022-04-01, qualifications: [fe]}}\n"
            )
        }
    };
    let mut facility = format!(
        "apiVersion: anzen/v1\nkind: Facility\nname: 合成病院{h:05}\nbeds: {beds}\nuses_medical_information_systems: true\ngovernance:\n{manager}  csirt: {{established: {}}}\n  department_security_officers:\n    - {{department: 放射線科, procurement_authority: true{}}}\n",
        m("csirt"),
        if m("department_officers") { ", officer: 担当者" } else { "" },
    );
    facility.push_str("operations_rules: {exists: true, covers: [incident_response, backup]}\n");
    facility.push_str(&format!(
        "incident_contacts:\n  updated_on: {}\n  internal: [{{role: 責任者, name: 管理者{h}}}]\n  vendors: [{{vendor: v-ehr}}, {{vendor: v-net}}]\n  authorities:\n    mhlw: {{contact: 厚生労働省}}\n    police: {{contact: 県警}}\n",
        before_as_of(30)
    ));
    if m("cyber_bcp") {
        let drill = if m("bcp_drill") { before_as_of(100) } else { before_as_of(500) };
        facility.push_str(&format!(
            "bcp: {{exists: true, cyber_attack_scenario: true, drills: [{{date: {drill}}}]}}\n"
        ));
    } else {
        facility.push_str("bcp: {exists: false}\n");
    }
    facility.push_str(&format!("training: [{{date: {}, audience: all_staff}}]\n", before_as_of(60)));
    if m("vulnerability_info") {
        facility.push_str("vulnerability_info: {sources: [JPCERT/CC], review: weekly}\n");
    }
    facility.push_str("authentication:\n  password: {min_length: 13, character_classes: [upper, lower, digit, symbol], reuse_prohibited: true}\n");
    if m("mfa") {
        facility.push_str("  mfa: {enabled: true, factors: [knowledge, possession]}\n");
    } else {
        facility.push_str("  mfa: {enabled: false}\n");
    }

    // The main system is the EHR where the hospital uses one; a PACS too.
    let access = "    access_control: {roles: [{name: 医師, admin: false}, {name: 管理者, admin: true}], admin_holders: [情報システム課]}\n    access_log: {enabled: true, records: [login_time, access_duration, records_accessed], tamper_protected: true, time_synchronized: true, review_interval_days: 30}\n";
    let main = if m("ehr_use") { "ehr" } else { "department" };
    let systems = format!(
        "apiVersion: anzen/v1\nkind: SystemCatalog\nsystems:\n  - id: sys-main\n    name: 基幹システム\n    vendor: v-ehr\n    category: {main}\n    patient_data: true\n{access}  - id: sys-pacs\n    name: PACS\n    vendor: v-ehr\n    category: pacs\n    patient_data: true\n{access}"
    );

    let mut ledger =
        String::from("apiVersion: anzen/v1\nkind: AssetLedger\nreviewed_on: 2025-04-01\nassets:\n");
    let servers = (assets / 20).max(2);
    let network = if m("asset_ledger") { (assets / 20).max(2) } else { 0 };
    let clients = assets.saturating_sub(servers + network).max(1);
    let stale_server_pc = !m("patch_server_pc");
    let stale_network = !m("patch_network");
    let usb_gap = !m("usb");
    let mut row = |ledger: &mut String, id: String, ty: &str, first: bool| {
        let patched = if (ty == "network_device" && stale_network
            || ty != "network_device" && stale_server_pc)
            && first
        {
            before_as_of(200)
        } else {
            before_as_of(10 + rng.below(60) as i64)
        };
        let usb = if ty == "network_device" {
            String::new()
        } else if usb_gap && first {
            ", usb_storage: unrestricted".to_owned()
        } else {
            ", usb_storage: blocked".to_owned()
        };
        let extra = match ty {
            "server" => {
                ", services: [{name: ehr, port: 443, needed: true}], remote_maintenance: {used: false, confirmed_on: 2025-04-01}, systems: [sys-main, sys-pacs]"
            }
            "network_device" => ", remote_maintenance: {used: false, confirmed_on: 2025-04-01}",
            _ => "",
        };
        // Anti-malware (r2: MAL-001/002) on every server and PC, definitions
        // current: no survey item asks, so the fleet plants no gap here.
        let malware = if ty == "network_device" {
            String::new()
        } else {
            format!(", anti_malware: {{kind: edr, definitions_updated_on: {}}}", before_as_of(2))
        };
        let _ = writeln!(
            ledger,
            "  - {{id: {id}, type: {ty}, location: 病棟, manager: 情報システム課, vendor: v-net, patch: {{last_applied_on: {patched}}}{usb}{malware}{extra}}}"
        );
    };
    for i in 0..servers {
        row(&mut ledger, format!("srv-{i:04}"), "server", i == 0);
    }
    for i in 0..network {
        row(&mut ledger, format!("net-{i:04}"), "network_device", i == 0);
    }
    for i in 0..clients {
        row(&mut ledger, format!("pc-{i:05}"), "client_pc", i == 0 && servers == 0);
    }

    let diagram = if m("network_diagram") { before_as_of(100) } else { before_as_of(400) };
    let network_map = format!(
        "apiVersion: anzen/v1\nkind: NetworkMap\ndiagram: {{ref: 構成図.pdf, updated_on: {diagram}}}\n"
    );

    let copies = if m("backup_copies_3") { 3 } else { 2 };
    let mut copy_list = String::new();
    for c in 0..copies {
        let media = if m("backup_media_2") && c == 1 { "tape" } else { "nas" };
        let offline = m("backup_offline") && c == 1;
        let _ = write!(copy_list, "\n      - {{id: c{c}, media: {media}, offline: {offline}}}");
    }
    let generations = if m("backup_generations_3") { 7 } else { 2 };
    // Without an EHR backup, the one backup is the PACS's.
    let backed_up = if m("ehr_backup") { "sys-main" } else { "sys-pacs" };
    let backups = format!(
        "apiVersion: anzen/v1\nkind: BackupPlan\nbackups:\n  - id: bk-main\n    system: {backed_up}\n    generations: {generations}\n    copies:{copy_list}\n    restore: {{procedure: 復旧手順書, last_tested_on: {}}}\n",
        before_as_of(90)
    );

    let mds = if m("mds_sds") { "\n    mds_sds: {kind: SDS, received_on: 2024-04-01}" } else { "" };
    let sla = if m("contract_sla") { "true" } else { "false" };
    let vendors = format!(
        "apiVersion: anzen/v1\nkind: VendorRegistry\nvendors:\n  - id: v-ehr\n    name: カルテ社\n    contract: {{responsibility_split: true, sla: {sla}, security_update_owner: vendor}}{mds}\n    vendor_checklist: {{received_on: 2025-04-01}}\n  - id: v-net\n    name: ネット社\n    contract: {{responsibility_split: true, sla: true, security_update_owner: vendor}}\n    mds_sds: {{kind: MDS, received_on: 2024-04-01}}\n    vendor_checklist: {{received_on: 2025-04-01}}\n"
    );
    vec![
        ("facility.yaml", facility),
        ("systems.yaml", systems),
        ("assets.yaml", ledger),
        ("network.yaml", network_map),
        ("backups.yaml", backups),
        ("vendors.yaml", vendors),
    ]
}
