//! A time budget for rule evaluation.
//!
//! CEL has no loops, but nested comprehensions over large lists can run for
//! hours (`assets.all(a, assets.all(b, assets.all(c, …)))`), and a user's
//! `--rules` file must not be able to hang anzen in CI. A running CEL
//! program cannot be interrupted, so a watchdog thread watches every worker:
//! when one evaluation (one rule on one item) outlives the budget, it calls
//! the run's `on_timeout` with a description of the rule and the item, which
//! ends the run (exit 2).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What a worker is evaluating, and since when.
#[derive(Debug, Default)]
pub struct Slot {
    /// Milliseconds since the watchdog started, plus one; 0 when idle.
    started: AtomicU64,
    /// Which check runs (an index into the watchdog's names).
    check: AtomicU64,
    /// The item being judged, for the message (set once per item).
    item: Mutex<String>,
}

/// Shared between the workers and the watching thread.
pub struct Watchdog {
    origin: Instant,
    /// Milliseconds since `origin` as of the watching thread's last tick:
    /// what [`Watchdog::start`] records, so that marking an evaluation costs
    /// no clock read (millions of evaluations per fleet).
    clock: AtomicU64,
    budget: Duration,
    /// A description of each check, by index.
    names: Vec<String>,
    slots: Mutex<Vec<Arc<Slot>>>,
}

impl Watchdog {
    pub fn new(budget: Duration, names: Vec<String>) -> Self {
        Self {
            origin: Instant::now(),
            clock: AtomicU64::new(0),
            budget,
            names,
            slots: Mutex::new(Vec::new()),
        }
    }

    /// A slot for one worker task; drop it from the list with [`Watchdog::release`].
    pub fn slot(&self) -> Arc<Slot> {
        let slot = Arc::new(Slot::default());
        if let Ok(mut slots) = self.slots.lock() {
            slots.push(Arc::clone(&slot));
        }
        slot
    }

    pub fn release(&self, slot: &Arc<Slot>) {
        if let Ok(mut slots) = self.slots.lock() {
            slots.retain(|s| !Arc::ptr_eq(s, slot));
        }
    }

    fn now_ms(&self) -> u64 {
        self.origin.elapsed().as_millis() as u64
    }

    /// Names the item the following evaluations judge: `write` writes its
    /// label into the slot's buffer (no allocation per item).
    pub fn enter(&self, slot: &Slot, write: impl FnOnce(&mut String)) {
        if let Ok(mut w) = slot.item.lock() {
            w.clear();
            write(&mut w);
        }
    }

    /// Marks the start of an evaluation of check number `check` (as of the
    /// last tick: at most one tick early).
    pub fn start(&self, slot: &Slot, check: usize) {
        slot.check.store(check as u64, Ordering::Relaxed);
        slot.started.store(self.clock.load(Ordering::Relaxed) + 1, Ordering::Release);
    }

    fn tick(&self) -> Duration {
        (self.budget / 4).clamp(Duration::from_millis(5), Duration::from_millis(200))
    }

    pub fn stop(&self, slot: &Slot) {
        slot.started.store(0, Ordering::Release);
    }

    /// The description of an evaluation running longer than the budget.
    fn overdue(&self) -> Option<String> {
        let now = self.now_ms();
        self.clock.store(now, Ordering::Relaxed);
        // A start is recorded up to one tick early: allow for it.
        let budget = (self.budget + self.tick()).as_millis() as u64;
        let slots = self.slots.lock().ok()?;
        slots.iter().find_map(|s| {
            let started = s.started.load(Ordering::Acquire);
            (started != 0 && now.saturating_sub(started - 1) > budget).then(|| {
                let check =
                    self.names.get(s.check.load(Ordering::Relaxed) as usize).cloned().unwrap_or_default();
                let item = s.item.lock().map(|w| w.clone()).unwrap_or_default();
                format!("{check} on {item}")
            })
        })
    }

    /// Runs `work` while a thread watches the slots; `on_timeout` is called
    /// (once) with the overdue evaluation's description and must end the
    /// process: the evaluation itself cannot be stopped.
    pub fn watch<T>(&self, on_timeout: &(dyn Fn(String) + Sync), work: impl FnOnce() -> T) -> T {
        let (done, finished) = std::sync::mpsc::channel::<()>();
        std::thread::scope(|scope| {
            scope.spawn(move || {
                let tick = self.tick();
                // Wakes every tick, and at once when the work is done.
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = finished.recv_timeout(tick) {
                    if let Some(what) = self.overdue() {
                        on_timeout(what);
                        return;
                    }
                }
            });
            let result = work();
            drop(done);
            result
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    #[test]
    fn an_overdue_evaluation_is_reported() {
        let dog = Watchdog::new(Duration::from_millis(20), vec!["XYZ-000".into(), "XYZ-001".into()]);
        let fired = AtomicBool::new(false);
        let on_timeout = |what: String| {
            assert_eq!(what, "XYZ-001 on a.yaml:3");
            fired.store(true, Ordering::Release);
        };
        dog.watch(&on_timeout, || {
            let slot = dog.slot();
            dog.enter(&slot, |label| label.push_str("a.yaml:3"));
            dog.start(&slot, 1);
            let until = Instant::now() + Duration::from_secs(5);
            while !fired.load(Ordering::Acquire) && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(5));
            }
            dog.stop(&slot);
            dog.release(&slot);
        });
        assert!(fired.load(Ordering::Acquire));
    }

    #[test]
    fn quick_evaluations_are_not_reported() {
        let dog = Watchdog::new(Duration::from_millis(200), vec!["XYZ-001".into()]);
        let on_timeout = |what: String| panic!("reported {what}");
        dog.watch(&on_timeout, || {
            let slot = dog.slot();
            for _ in 0..100 {
                dog.start(&slot, 0);
                dog.stop(&slot);
            }
            std::thread::sleep(Duration::from_millis(300));
            dog.release(&slot);
        });
    }
}
