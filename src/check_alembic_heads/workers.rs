//! Reading and parsing migration files is most of the work and each file is independent: it
//! runs on one worker per core, each with a stack large enough for ruff's recursive parser on
//! deeply nested input.

use crate::report::Failure;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Room for the parser's recursion on pathological nesting; only touched pages are committed.
const STACK: usize = 512 << 20;
/// Below this many items per worker, another thread costs more than it saves.
const MIN_PER_WORKER: usize = 32;
const MAX_WORKERS: usize = 8;

/// `f` over every item, in the items' order. Workers take the next item as they finish one,
/// so a few large files do not leave one worker behind.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Result<Vec<R>, Failure> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let workers = cores
        .min(MAX_WORKERS)
        .min(items.len().div_ceil(MIN_PER_WORKER))
        .max(1);
    let next = AtomicUsize::new(0);
    let work = || {
        // Room for every item: growing by doubling would copy results into fresh memory
        // again and again; capacity that is never written is never faulted in.
        let mut done = Vec::with_capacity(items.len());
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            done.push((i, f(item)));
        }
        done
    };
    let parts = std::thread::scope(|scope| {
        let handles = (0..workers)
            .map(|n| {
                std::thread::Builder::new()
                    .name(format!("parser-{n}"))
                    .stack_size(STACK)
                    .spawn_scoped(scope, work)
                    .map_err(|e| Failure::undecided(format!("cannot start a parser thread: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .map_err(|_| Failure::undecided("a parser thread failed"))
            })
            .collect::<Result<Vec<_>, _>>()
    })?;
    // Every index was taken by exactly one worker, and every worker was joined. (Results are
    // moved as few times as possible: with thousands of files, each copy of the list is fresh
    // memory the kernel has to fault in.)
    let mut parts = parts.into_iter();
    let mut all = parts.next().unwrap_or_default();
    parts.for_each(|part| all.extend(part));
    all.sort_unstable_by_key(|(i, _)| *i);
    Ok(all.into_iter().map(|(_, r)| r).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_every_item() {
        let items: Vec<usize> = (0..1000).collect();
        assert_eq!(
            map(&items, |i| i * 2).unwrap(),
            (0..1000).map(|i| i * 2).collect::<Vec<_>>()
        );
        assert!(map(&[] as &[u8], |_| 0).unwrap().is_empty());
    }

    #[test]
    fn deep_nesting_fits_the_stack() {
        let deep = format!("x = {}1{}\n", "(".repeat(20_000), ")".repeat(20_000));
        let read = map(&[deep], |s| super::super::script::read(s)).unwrap();
        assert_eq!(read.len(), 1);
    }
}
