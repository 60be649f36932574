//! The document facts an assessment needs beyond findings, read once per
//! facility while its documents are loaded (they are dropped before the
//! facility is assessed): which objects exist for a survey item to judge,
//! the EHR and its backups, the security manager's qualifications, and the
//! contracted vendors' answers to the vendor checklist.

use std::collections::BTreeSet;

use crate::document::Document;
use crate::document::node::Node;
use crate::pipeline::facility::{Facility, merged};

/// What a facility's documents say, as far as the assessment needs it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// `code` of the Facility document (医療機関コード).
    pub code: Option<String>,
    /// `prefecture` of the Facility document.
    pub prefecture: Option<String>,
    /// `governance.security_manager` is a mapping.
    pub security_manager: bool,
    /// How many qualifications the security manager lists.
    pub qualifications: usize,
    /// Entries of `governance.department_security_officers`.
    pub departments: usize,
    /// Systems of the SystemCatalog documents.
    pub systems: usize,
    /// Systems with `patient_data: true`.
    pub patient_data_systems: usize,
    /// Ids of the systems with `category: ehr`.
    pub ehr_systems: Vec<String>,
    /// Backups whose `system` is an EHR, in path order.
    pub ehr_backups: Vec<BackupFacts>,
    /// Assets per `type` (only the types the survey judges).
    pub servers: usize,
    pub client_pcs: usize,
    pub network_devices: usize,
    /// Vendors of the VendorRegistry documents.
    pub vendors: usize,
    /// Of those, the ones a system, asset, remote maintenance or external
    /// connection names (those VEN-001 judges).
    pub referenced_vendors: usize,
    /// Vendors with a `contract`, in path order (事業者確認用).
    pub contracted: Vec<VendorFacts>,
}

/// One backup of the EHR.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BackupFacts {
    pub id: String,
    /// Some copy has `offline: true`.
    pub offline: bool,
}

/// A contracted vendor and its vendor checklist.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VendorFacts {
    pub id: String,
    pub name: Option<String>,
    /// `vendor_checklist` received (a mapping is written).
    pub checklist: bool,
    /// `vendor_checklist.all_yes`.
    pub all_yes: Option<bool>,
    /// `vendor_checklist.no_items`.
    pub no_items: Vec<String>,
}

fn text(node: Option<&Node>) -> Option<String> {
    node.and_then(Node::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

fn len(node: Option<&Node>) -> usize {
    node.and_then(Node::as_seq).map_or(0, <[Node]>::len)
}

impl Facts {
    /// Reads the facts of `facility` from `docs` (the batch's documents).
    pub fn collect(facility: &Facility, docs: &[&Document]) -> Facts {
        let mut facts = Facts::default();
        if let Some(root) = facility.facility_doc.map(|i| &docs[i].root) {
            facts.code = text(root.get("code"));
            facts.prefecture = text(root.get("prefecture"));
            let governance = root.get("governance");
            let manager = governance.and_then(|g| g.get("security_manager"));
            facts.security_manager = manager.is_some_and(|m| m.as_map().is_some());
            facts.qualifications = len(manager.and_then(|m| m.get("qualifications")));
            facts.departments = len(governance.and_then(|g| g.get("department_security_officers")));
        }
        let mut ehr: BTreeSet<&str> = BTreeSet::new();
        for (_, _, system) in merged(facility, docs, None, "systems") {
            facts.systems += 1;
            if system.get("patient_data").and_then(Node::as_bool) == Some(true) {
                facts.patient_data_systems += 1;
            }
            if system.get("category").and_then(Node::as_str) == Some("ehr")
                && let Some(id) = system.get("id").and_then(Node::as_str).filter(|s| !s.is_empty())
            {
                ehr.insert(id);
                facts.ehr_systems.push(id.to_owned());
            }
        }
        for (_, _, backup) in merged(facility, docs, None, "backups") {
            let of_ehr = backup.get("system").and_then(Node::as_str).is_some_and(|s| ehr.contains(s));
            let Some(id) = backup.get("id").and_then(Node::as_str) else { continue };
            if of_ehr {
                let offline = backup.get("copies").and_then(Node::as_seq).is_some_and(|copies| {
                    copies.iter().any(|c| c.get("offline").and_then(Node::as_bool) == Some(true))
                });
                facts.ehr_backups.push(BackupFacts { id: id.to_owned(), offline });
            }
        }
        let mut referenced: BTreeSet<String> = BTreeSet::new();
        let mut refer = |node: Option<&Node>| {
            if let Some(id) = text(node) {
                referenced.insert(id);
            }
        };
        for (_, _, system) in merged(facility, docs, None, "systems") {
            refer(system.get("vendor"));
        }
        for (_, _, connection) in merged(facility, docs, None, "external_connections") {
            refer(connection.get("vendor"));
        }
        for (_, _, asset) in merged(facility, docs, None, "assets") {
            refer(asset.get("vendor"));
            refer(asset.get("remote_maintenance").and_then(|r| r.get("vendor")));
        }
        for (_, _, asset) in merged(facility, docs, None, "assets") {
            match asset.get("type").and_then(Node::as_str) {
                Some("server") => facts.servers += 1,
                Some("client_pc") => facts.client_pcs += 1,
                Some("network_device") => facts.network_devices += 1,
                _ => {}
            }
        }
        for (_, _, vendor) in merged(facility, docs, None, "vendors") {
            facts.vendors += 1;
            if text(vendor.get("id")).is_some_and(|id| referenced.contains(&id)) {
                facts.referenced_vendors += 1;
            }
            if vendor.get("contract").is_none_or(Node::is_null) {
                continue;
            }
            let checklist = vendor.get("vendor_checklist").filter(|c| c.as_map().is_some());
            facts.contracted.push(VendorFacts {
                id: text(vendor.get("id")).unwrap_or_default(),
                name: text(vendor.get("name")),
                checklist: checklist.is_some(),
                all_yes: checklist.and_then(|c| c.get("all_yes")).and_then(Node::as_bool),
                no_items: checklist
                    .and_then(|c| c.get("no_items"))
                    .and_then(Node::as_seq)
                    .map(|items| items.iter().filter_map(|i| text(Some(i))).collect())
                    .unwrap_or_default(),
            });
        }
        facts
    }
}
