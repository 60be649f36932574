//! The expression language rules are written in: CEL, with anzen's helper
//! functions, run two ways over the same documents.
//!
//! - [`cel`]: the CEL interpreter's side: documents as CEL values, the
//!   helpers registered on a context, and the byte allowance an evaluation
//!   may build ([`cel::Bounded`]).
//! - [`fast`]: the fast path, the subset of CEL the rules use compiled to a
//!   tree evaluated directly over the documents; it declines whatever it
//!   cannot decide exactly as the interpreter would.
//!
//! This folder sits below the pipeline: it imports only the kernel types
//! (dates, sources, findings, the document model and trees), never the
//! catalog, the stages or the commands.

pub mod cel;
pub mod fast;
