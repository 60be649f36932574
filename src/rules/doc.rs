//! The rules anzen implements itself (DOC-001 … DOC-010): problems with the
//! documents rather than with the hospital. Stages name them by this enum,
//! never by a string, so a misspelt id does not compile; their metadata
//! (title, remediation, references) comes from their rule files
//! (`rules/DOC-*.yaml`), which the catalogue requires.

/// A built-in document rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Doc {
    /// DOC-001 `yaml-syntax`: the file is not YAML anzen can read.
    YamlSyntax,
    /// DOC-002 `schema-violation`: a document breaks its kind's schema.
    SchemaViolation,
    /// DOC-003 `not-an-anzen-document`: meant for anzen, but unusable.
    NotAnAnzenDocument,
    /// DOC-004 `duplicate-id`.
    DuplicateId,
    /// DOC-005 `unresolved-reference`.
    UnresolvedReference,
    /// DOC-006 `date-in-future`.
    DateInFuture,
    /// DOC-007 `missing-facility`.
    MissingFacility,
    /// DOC-008 `duplicate-facility`.
    DuplicateFacility,
    /// DOC-009 `unreadable-file`.
    UnreadableFile,
    /// DOC-010 `unused-suppression`: an inline suppression or a waiver
    /// that silences nothing, or is malformed.
    UnusedSuppression,
}

impl Doc {
    /// Every built-in rule, in id order.
    pub const ALL: [Doc; 10] = [
        Doc::YamlSyntax,
        Doc::SchemaViolation,
        Doc::NotAnAnzenDocument,
        Doc::DuplicateId,
        Doc::UnresolvedReference,
        Doc::DateInFuture,
        Doc::MissingFacility,
        Doc::DuplicateFacility,
        Doc::UnreadableFile,
        Doc::UnusedSuppression,
    ];

    /// The rules that cannot be turned off: a file anzen could not read
    /// would otherwise pass unseen.
    pub const ALWAYS_ON: [Doc; 2] = [Doc::YamlSyntax, Doc::UnreadableFile];

    /// Its rule id (`DOC-001`).
    pub const fn id(self) -> &'static str {
        match self {
            Doc::YamlSyntax => "DOC-001",
            Doc::SchemaViolation => "DOC-002",
            Doc::NotAnAnzenDocument => "DOC-003",
            Doc::DuplicateId => "DOC-004",
            Doc::UnresolvedReference => "DOC-005",
            Doc::DateInFuture => "DOC-006",
            Doc::MissingFacility => "DOC-007",
            Doc::DuplicateFacility => "DOC-008",
            Doc::UnreadableFile => "DOC-009",
            Doc::UnusedSuppression => "DOC-010",
        }
    }

    /// The built-in rule with id `id`, if it is one.
    pub fn parse(id: &str) -> Option<Doc> {
        Doc::ALL.into_iter().find(|d| d.id() == id)
    }

    /// Whether `id` is a file that could not be read (DOC-001, DOC-009).
    pub fn is_unreadable(id: &str) -> bool {
        Doc::ALWAYS_ON.iter().any(|d| d.id() == id)
    }
}

#[cfg(test)]
mod tests {
    use super::Doc;

    #[test]
    fn ids_are_in_order_and_parse_back() {
        for (i, d) in Doc::ALL.into_iter().enumerate() {
            assert_eq!(d.id(), format!("DOC-{:03}", i + 1));
            assert_eq!(Doc::parse(d.id()), Some(d));
        }
        assert_eq!(Doc::parse("DOC-011"), None);
    }
}
