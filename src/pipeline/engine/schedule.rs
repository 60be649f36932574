//! Scheduling: the discovered files as a directory tree per scan root,
//! flattened to pre-order; worker threads take the directory nodes in
//! order (a node inside a facility subtree is covered by its ancestor's
//! batch), at most a window of them ahead and at most a budget of YAML
//! bytes, and the results are handed back in pre-order through a small
//! buffer.

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

/// A directory node in pre-order, with its parent, the end of its
/// subtree's range, and the sizes of its own files and of its whole
/// subtree (as discovered).
pub(super) struct Flat<'t> {
    dir: &'t DirTree,
    parent: Option<usize>,
    end: usize,
    own_bytes: u64,
    subtree_bytes: u64,
}

pub(super) fn flatten<'t>(
    dir: &'t DirTree,
    parent: Option<usize>,
    files: &[discover::FileEntry],
    out: &mut Vec<Flat<'t>>,
) -> u64 {
    let at = out.len();
    let own_bytes = dir.files.iter().map(|&f| files.get(f).map_or(0, |e| e.size)).sum();
    out.push(Flat { dir, parent, end: at + 1, own_bytes, subtree_bytes: own_bytes });
    let mut below = 0u64;
    for child in &dir.children {
        below = below.saturating_add(flatten(child, Some(at), files, out));
    }
    let end = out.len();
    out[at].end = end;
    out[at].subtree_bytes = own_bytes.saturating_add(below);
    out[at].subtree_bytes
}

/// How many bytes of YAML may be in flight (taken and not yet delivered)
/// at once, unless a single node is larger: a facility's memory is a few
/// dozen times its YAML, so this bounds the peak by the largest facility
/// plus the budget, whatever the neighbours in the fleet happen to be.
pub(super) fn yaml_budget(workers: usize) -> u64 {
    const MIB: u64 = 1 << 20;
    (2 * MIB).max(workers as u64 * MIB)
}

/// The schedule the workers share: nodes are taken in pre-order, at most
/// `window` of them and `budget` bytes of their YAML in flight or waiting
/// for delivery, so results can be delivered in order with a bounded
/// buffer and memory does not follow the fleet.
struct Schedule {
    /// Per node: `None` until its worker knows whether it covers its
    /// subtree (its own files hold a Facility, or an ancestor's do).
    covers: Vec<Option<bool>>,
    /// Per node: the bytes it holds against the budget until delivered.
    charge: Vec<u64>,
    next: usize,
    in_flight: usize,
    bytes_in_flight: u64,
    stop: bool,
}

/// What a worker may do next.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    Take(usize),
    Wait,
    Finished,
}

impl Schedule {
    /// The next node to work on, taken (`None`: nothing left, or stop),
    /// waiting on `changed` while [`Schedule::step`] says so.
    fn take(
        mut s: std::sync::MutexGuard<'_, Schedule>,
        changed: &std::sync::Condvar,
        nodes: &[Flat<'_>],
        limits: (usize, u64),
    ) -> Option<usize> {
        loop {
            match s.step(nodes, limits) {
                Step::Take(i) => return Some(i),
                Step::Finished => return None,
                Step::Wait => s = changed.wait(s).unwrap_or_else(std::sync::PoisonError::into_inner),
            }
        }
    }

    /// Nodes covered by their parent's batch are passed over; a node is
    /// taken when nothing is in flight, or when it fits the window and,
    /// charged its whole subtree (at most the budget), the budget.
    fn step(&mut self, nodes: &[Flat<'_>], (window, budget): (usize, u64)) -> Step {
        loop {
            if self.stop || self.next >= nodes.len() {
                return Step::Finished;
            }
            let i = self.next;
            // Its parent was taken before it: wait until the parent knows
            // whether it covers it.
            match nodes[i].parent.map(|p| self.covers[p]) {
                Some(None) => return Step::Wait,
                Some(Some(true)) => {
                    self.covers[i] = Some(true);
                    self.next += 1;
                    continue;
                }
                Some(Some(false)) | None => {}
            }
            let charge = nodes[i].subtree_bytes.min(budget);
            if self.in_flight > 0 && (self.in_flight >= window || self.bytes_in_flight + charge > budget) {
                return Step::Wait;
            }
            self.next += 1;
            self.in_flight += 1;
            self.bytes_in_flight += charge;
            self.charge[i] = charge;
            return Step::Take(i);
        }
    }

    /// Node `i` turned out not to cover its subtree: it holds only its own
    /// files now.
    fn own_only(&mut self, i: usize, own_bytes: u64) {
        let kept = self.charge[i].min(own_bytes);
        self.bytes_in_flight -= self.charge[i] - kept;
        self.charge[i] = kept;
    }

    /// Node `i`'s result was handed over.
    fn delivered(&mut self, i: usize) {
        self.in_flight -= 1;
        self.bytes_in_flight -= std::mem::take(&mut self.charge[i]);
    }
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
        let limits = (workers * 2, yaml_budget(workers));
        let schedule = std::sync::Mutex::new(Schedule {
            covers: vec![None; nodes.len()],
            charge: vec![0; nodes.len()],
            next: 0,
            in_flight: 0,
            bytes_in_flight: 0,
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
                        let Some(i) = Schedule::take(lock(), changed, nodes, limits) else {
                            return;
                        };
                        let node = &nodes[i];
                        let own = pool.install(|| {
                            load::load_files(discovered, &node.dir.files, &self.config.limits, self.catalog)
                        });
                        let is_facility =
                            own.documents().any(|d| d.kind == crate::document::model::Kind::Facility);
                        {
                            let mut s = lock();
                            s.covers[i] = Some(is_facility);
                            if !is_facility {
                                s.own_only(i, node.own_bytes);
                            }
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
                    s.delivered(d.start);
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
        // Discovery lists a directory's files together, so the directory is
        // nearly always the last one added: look there first (a fleet
        // directory has thousands of children).
        let found = match self.children.last() {
            Some(last) if &last.name == first => Some(self.children.len() - 1),
            _ => self.children.iter().position(|c| &c.name == first),
        };
        let child = match found {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, size: u64) -> discover::FileEntry {
        discover::FileEntry::new(name.into(), name.into(), 0, None, size)
    }

    fn schedule(n: usize) -> Schedule {
        Schedule {
            covers: vec![None; n],
            charge: vec![0; n],
            next: 0,
            in_flight: 0,
            bytes_in_flight: 0,
            stop: false,
        }
    }

    #[test]
    fn the_yaml_in_flight_stays_within_the_budget_unless_one_node_is_larger() {
        // fleet/ with four hospitals of 600, 700, 1,500 and 100 bytes; one
        // of them has a subdirectory its batch covers.
        let files = [
            entry("fleet/a/facility.yaml", 600),
            entry("fleet/b/facility.yaml", 500),
            entry("fleet/b/x/assets.yaml", 200),
            entry("fleet/c/facility.yaml", 1_500),
            entry("fleet/d/facility.yaml", 100),
        ];
        let mut tree = DirTree::default();
        for (i, f) in files.iter().enumerate() {
            let parts: Vec<std::ffi::OsString> = f
                .display()
                .split('/')
                .collect::<Vec<_>>()
                .split_last()
                .unwrap()
                .1
                .iter()
                .map(Into::into)
                .collect();
            tree.insert(&parts, i);
        }
        let mut nodes = Vec::new();
        assert_eq!(flatten(&tree, None, &files, &mut nodes), 2_900);
        // Pre-order: "", fleet, a, b, b/x, c, d.
        let subtree: Vec<u64> = nodes.iter().map(|n| n.subtree_bytes).collect();
        assert_eq!(subtree, [2_900, 2_900, 600, 700, 200, 1_500, 100]);
        let limits = (4, 1_000);
        let mut s = schedule(nodes.len());
        // The two directories above the hospitals are larger than the
        // budget: each is charged the whole budget until it is known not
        // to be a facility, and then holds only its own files (none).
        assert_eq!(s.step(&nodes, limits), Step::Take(0));
        assert_eq!(s.bytes_in_flight, 1_000);
        assert_eq!(s.step(&nodes, limits), Step::Wait, "the parent is not known yet");
        s.covers[0] = Some(false);
        s.own_only(0, nodes[0].own_bytes);
        assert_eq!(s.bytes_in_flight, 0);
        assert_eq!(s.step(&nodes, limits), Step::Take(1));
        assert_eq!(s.step(&nodes, limits), Step::Wait, "the parent is not known yet");
        s.covers[1] = Some(false);
        s.own_only(1, 0);
        // a (600) is taken; b (700) would make 1,300 > 1,000.
        assert_eq!(s.step(&nodes, limits), Step::Take(2));
        s.covers[2] = Some(true);
        assert_eq!(s.step(&nodes, limits), Step::Wait);
        s.delivered(0);
        s.delivered(1);
        assert_eq!(s.step(&nodes, limits), Step::Wait, "a is still in flight");
        s.delivered(2);
        assert_eq!(s.step(&nodes, limits), Step::Take(3));
        s.covers[3] = Some(true);
        // b/x is covered by b's batch: passed over, never charged; c
        // (1,500) is larger than the budget and waits until nothing is in
        // flight, then goes alone, charged the budget.
        assert_eq!(s.step(&nodes, limits), Step::Wait);
        assert_eq!(s.covers[4], Some(true));
        assert_eq!(s.next, 5);
        s.delivered(3);
        assert_eq!(s.step(&nodes, limits), Step::Take(5));
        assert_eq!(s.bytes_in_flight, 1_000);
        s.covers[5] = Some(true);
        assert_eq!(s.step(&nodes, limits), Step::Wait);
        s.delivered(5);
        assert_eq!(s.step(&nodes, limits), Step::Take(6));
        assert_eq!(s.step(&nodes, limits), Step::Finished);
        s.delivered(6);
        assert_eq!((s.in_flight, s.bytes_in_flight), (0, 0));
    }

    #[test]
    fn the_window_bounds_the_count_of_small_nodes() {
        let files: Vec<_> = (0..5).map(|i| entry(&format!("h{i}/facility.yaml"), 10)).collect();
        let mut tree = DirTree::default();
        for i in 0..5 {
            tree.insert(&[format!("h{i}").into()], i);
        }
        let mut nodes = Vec::new();
        flatten(&tree, None, &files, &mut nodes);
        let limits = (2, 1_000);
        let mut s = schedule(nodes.len());
        assert_eq!(s.step(&nodes, limits), Step::Take(0));
        s.covers[0] = Some(false);
        s.own_only(0, 0);
        assert_eq!(s.step(&nodes, limits), Step::Take(1));
        s.covers[1] = Some(true);
        assert_eq!(s.step(&nodes, limits), Step::Wait, "two in flight");
        s.stop = true;
        assert_eq!(s.step(&nodes, limits), Step::Finished);
    }
}
