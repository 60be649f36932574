//! Scheduling: the discovered files as a directory tree per scan root,
//! flattened to pre-order; worker threads take the directory nodes in
//! order (a node inside a facility subtree is covered by its ancestor's
//! batch), at most a window of them ahead, and the results are handed
//! back in pre-order through a small buffer.

use std::path::Path;

use super::{BatchOut, Engine};
use crate::pipeline::discover;
use crate::pipeline::evaluate::watchdog::Watchdog;
use crate::pipeline::load;

/// What a worker hands to the delivering thread: the result for the
/// pre-order range `start..end` of the directory nodes.
struct Done {
    start: usize,
    end: usize,
    out: BatchOut,
}

/// A directory node in pre-order, with its parent and the end of its
/// subtree's range.
pub(super) struct Flat<'t> {
    dir: &'t DirTree,
    parent: Option<usize>,
    end: usize,
}

pub(super) fn flatten<'t>(dir: &'t DirTree, parent: Option<usize>, out: &mut Vec<Flat<'t>>) {
    let at = out.len();
    out.push(Flat { dir, parent, end: at + 1 });
    for child in &dir.children {
        flatten(child, Some(at), out);
    }
    let end = out.len();
    out[at].end = end;
}

/// The schedule the workers share: nodes are taken in pre-order, at most
/// `window` of them in flight or waiting for delivery, so results can be
/// delivered in order with a bounded buffer.
struct Schedule {
    /// Per node: `None` until its worker knows whether it covers its
    /// subtree (its own files hold a Facility, or an ancestor's do).
    covers: Vec<Option<bool>>,
    next: usize,
    in_flight: usize,
    stop: bool,
}

impl Engine<'_> {
    /// Runs the directory nodes on `pool` and hands their results to
    /// `done` in pre-order (it returns `false` to stop the run). Worker
    /// threads take nodes in pre-order; a node covered by an ancestor's
    /// batch is skipped; results wait in a small buffer until every
    /// earlier one has been handed over.
    pub(super) fn run_nodes(
        &self,
        discovered: &discover::Discovered,
        nodes: &[Flat<'_>],
        keep_text: bool,
        pool: &rayon::ThreadPool,
        dog: &Watchdog,
        done: &mut dyn FnMut(BatchOut) -> bool,
    ) {
        if nodes.is_empty() {
            return;
        }
        let workers = pool.current_num_threads().max(1);
        let window = workers * 2;
        let schedule = std::sync::Mutex::new(Schedule {
            covers: vec![None; nodes.len()],
            next: 0,
            in_flight: 0,
            stop: false,
        });
        let changed = std::sync::Condvar::new();
        let (send, receive) = std::sync::mpsc::channel::<Done>();
        let lock = || schedule.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        std::thread::scope(|scope| {
            for _ in 0..workers {
                let send = send.clone();
                let (schedule, changed) = (&schedule, &changed);
                scope.spawn(move || {
                    let lock = || schedule.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    loop {
                        // Take the next node, within the window.
                        let (i, parent_covers) = {
                            let mut s = lock();
                            while !s.stop && s.next < nodes.len() && s.in_flight >= window {
                                s = changed.wait(s).unwrap_or_else(std::sync::PoisonError::into_inner);
                            }
                            if s.stop || s.next >= nodes.len() {
                                return;
                            }
                            let i = s.next;
                            s.next += 1;
                            s.in_flight += 1;
                            // Its parent was taken before it; wait until
                            // the parent knows whether it covers it.
                            let parent_covers = match nodes[i].parent {
                                None => false,
                                Some(p) => loop {
                                    if let Some(c) = s.covers[p] {
                                        break c;
                                    }
                                    if s.stop {
                                        return;
                                    }
                                    s = changed.wait(s).unwrap_or_else(std::sync::PoisonError::into_inner);
                                },
                            };
                            if parent_covers {
                                s.covers[i] = Some(true);
                                s.in_flight -= 1;
                                changed.notify_all();
                                continue;
                            }
                            (i, parent_covers)
                        };
                        debug_assert!(!parent_covers);
                        let node = &nodes[i];
                        let own = pool.install(|| {
                            load::load_files(discovered, &node.dir.files, &self.config.limits, self.catalog)
                        });
                        let is_facility =
                            own.documents().any(|d| d.kind == crate::document::model::Kind::Facility);
                        {
                            let mut s = lock();
                            s.covers[i] = Some(is_facility);
                            changed.notify_all();
                        }
                        let done = if is_facility {
                            let out = pool.install(|| {
                                let mut all = own;
                                all.extend(load::load_files(
                                    discovered,
                                    &node.dir.all_below(),
                                    &self.config.limits,
                                    self.catalog,
                                ));
                                self.batch(discovered, all, keep_text, dog)
                            });
                            Done { start: i, end: node.end, out }
                        } else {
                            Done {
                                start: i,
                                end: i + 1,
                                out: BatchOut { deferred: own, ..BatchOut::default() },
                            }
                        };
                        if send.send(done).is_err() {
                            return;
                        }
                    }
                });
            }
            drop(send);
            // Deliver in pre-order.
            let mut pending: std::collections::BTreeMap<usize, Done> = std::collections::BTreeMap::new();
            let mut cursor = 0;
            for d in receive.iter() {
                pending.insert(d.start, d);
                while let Some(d) = pending.remove(&cursor) {
                    cursor = d.end;
                    let go_on = done(d.out);
                    let mut s = lock();
                    s.in_flight -= 1;
                    s.stop |= !go_on;
                    changed.notify_all();
                    drop(s);
                    if !go_on {
                        return;
                    }
                }
                if cursor >= nodes.len() {
                    break;
                }
            }
        });
    }
}

/// A directory of a scan root: its own files and its subdirectories, in
/// discovery order (indexes into `discovered.files`).
#[derive(Debug, Default)]
pub(super) struct DirTree {
    name: std::ffi::OsString,
    files: Vec<usize>,
    children: Vec<DirTree>,
}

impl DirTree {
    /// Every file in the subdirectories, in order.
    fn all_below(&self) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack: Vec<&DirTree> = self.children.iter().rev().collect();
        while let Some(d) = stack.pop() {
            out.extend(&d.files);
            stack.extend(d.children.iter().rev());
        }
        out.sort_unstable();
        out
    }

    fn insert(&mut self, components: &[std::ffi::OsString], file: usize) {
        let Some((first, rest)) = components.split_first() else {
            self.files.push(file);
            return;
        };
        let child = match self.children.iter().position(|c| &c.name == first) {
            Some(i) => &mut self.children[i],
            None => {
                self.children.push(DirTree { name: first.clone(), ..DirTree::default() });
                let last = self.children.len() - 1;
                &mut self.children[last]
            }
        };
        child.insert(rest, file);
    }
}

/// Per scan root, the directory tree of its discovered files.
pub(super) fn dir_trees(discovered: &discover::Discovered) -> Vec<DirTree> {
    let mut trees: Vec<DirTree> = discovered.roots.iter().map(|_| DirTree::default()).collect();
    for (i, f) in discovered.files.iter().enumerate() {
        let root = &discovered.roots[f.root].dir;
        let dir = f.path.parent().unwrap_or(Path::new(""));
        let rel = dir.strip_prefix(root).unwrap_or(Path::new(""));
        let components: Vec<std::ffi::OsString> = rel
            .components()
            .filter(|c| matches!(c, std::path::Component::Normal(_)))
            .map(|c| c.as_os_str().to_owned())
            .collect();
        if let Some(tree) = trees.get_mut(f.root) {
            tree.insert(&components, i);
        }
    }
    trees
}
