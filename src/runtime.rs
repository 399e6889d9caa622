//! The one async runtime: tokio on the current thread, started only by actions that do I/O, so
//! that the others start in a millisecond.

use std::future::Future;

pub fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime builds with the enabled drivers")
        .block_on(future)
}
