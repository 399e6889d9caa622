//! Reading and parsing migration files is most of the work and each file is independent: it
//! runs on one worker per core, each with a stack large enough for ruff's recursive parser on
//! deeply nested input.

use crate::report::Failure;
use std::sync::Mutex;

/// Room for the parser's recursion on pathological nesting; only touched pages are committed.
const STACK: usize = 512 << 20;
/// Below this many items per worker, another thread costs more than it saves.
const MIN_PER_WORKER: usize = 32;
const MAX_WORKERS: usize = 8;
/// Items a worker takes at once: few enough that a few large files do not leave one worker
/// behind, enough that taking the next batch is rare.
const BATCH: usize = 8;

/// `f` over every item, in the items' order.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Result<Vec<R>, Failure> {
    map_unzip(items, |item| Ok((f(item), ()))).map(|(all, _)| all)
}

/// `f` over every item, its two halves in two lists in the items' order; the error of the
/// first item (in that order) that fails, if any.
///
/// Each result is written once, where it stays: into its slot of the two lists, which the
/// workers fill batch by batch (with thousands of files, every copy of the results is fresh
/// memory for the kernel to fault in, and on a virtual machine a fault is dear).
pub fn map_unzip<T: Sync, A: Send, B: Send>(
    items: &[T],
    f: impl Fn(&T) -> Result<(A, B), Failure> + Sync,
) -> Result<(Vec<A>, Vec<B>), Failure> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let workers = cores
        .min(MAX_WORKERS)
        .min(items.len().div_ceil(MIN_PER_WORKER))
        .max(1);
    let mut left: Vec<Option<A>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    let mut right: Vec<Option<B>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    let batches = Mutex::new(
        items
            .chunks(BATCH)
            .zip(left.chunks_mut(BATCH).zip(right.chunks_mut(BATCH)))
            .enumerate(),
    );
    // The failure of the first item that failed, by the item's index.
    let failed: Mutex<Option<(usize, Failure)>> = Mutex::new(None);
    let work = || {
        // A poisoned lock means another worker panicked; that is reported at the join. (The
        // guard is moved into `and_then` and released there, before the batch is read.)
        while let Some((batch, (ins, (lefts, rights)))) =
            batches.lock().ok().and_then(|mut b| b.next())
        {
            for (offset, (item, (l, r))) in ins.iter().zip(lefts.iter_mut().zip(rights)).enumerate()
            {
                match f(item) {
                    Ok((a, b)) => {
                        *l = Some(a);
                        *r = Some(b);
                    }
                    Err(e) => {
                        let i = batch * BATCH + offset;
                        if let Ok(mut first) = failed.lock()
                            && first.as_ref().is_none_or(|(at, _)| i < *at)
                        {
                            *first = Some((i, e));
                        }
                    }
                }
            }
        }
    };
    std::thread::scope(|scope| {
        let handles = (0..workers)
            .map(|n| {
                std::thread::Builder::new()
                    .name(format!("parser-{n}"))
                    .stack_size(STACK)
                    .spawn_scoped(scope, work)
                    .map_err(|e| Failure::undecided(format!("cannot start a parser thread: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        handles.into_iter().try_for_each(|h| {
            h.join()
                .map_err(|_| Failure::undecided("a parser thread failed"))
        })
    })?;
    if let Some((_, e)) = failed.into_inner().ok().flatten() {
        return Err(e);
    }
    // Every batch was taken by one worker and every worker joined: each slot is filled. (The
    // lists are turned into plain ones where they lie.)
    let missing = || Failure::undecided("a parser thread left a file unread");
    let left = left
        .into_iter()
        .collect::<Option<Vec<A>>>()
        .ok_or_else(missing)?;
    let right = right
        .into_iter()
        .collect::<Option<Vec<B>>>()
        .ok_or_else(missing)?;
    Ok((left, right))
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
