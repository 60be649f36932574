//! The files embedded in the binary at build time (build.rs): rule files,
//! JSON Schemas, the checklist, the survey, `anzen init`'s templates and
//! the rule fixtures `anzen explain` shows. Each is `(name, text)`.

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
