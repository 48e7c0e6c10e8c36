//! Settings for mimalloc, the allocator of the `zat` binary and of the benchmark (feature
//! `mimalloc`).
//!
//! A build keeps its fleet for its whole length while every unit's thread allocates and frees
//! many short-lived strings. By default mimalloc 3 hands freed memory back to the system a
//! second after it is freed, which is longer than most builds take: the freed memory stays
//! resident and the peak at N = 1,000 LPARs was a sixth higher than with a 10 ms delay, at the
//! same speed (BENCHMARKS.md). Transparent huge pages (the workspace builds mimalloc with its
//! `no_thp` feature) made it higher again: one touched byte can keep 2 MiB.

use std::os::raw::c_int;

/// `mi_option_purge_delay` in mimalloc's `mi_option_e` (`libmimalloc-sys` has no name for it
/// in mimalloc 3); the tests below check that the number still means that option.
const PURGE_DELAY: c_int = 15;

/// Milliseconds between freeing memory and giving it back to the system.
const PURGE_DELAY_MS: std::os::raw::c_long = 10;

/// Applies zat's settings to mimalloc. Call it first thing in `main`, in a binary whose
/// global allocator is `mimalloc::MiMalloc`; a `MIMALLOC_PURGE_DELAY` in the environment
/// still wins, for a site that wants to tune it.
pub fn tune_mimalloc() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: `mi_option_set` stores a number in mimalloc's option table; it is meant to be
    // called at any time, from any thread, and takes no pointer.
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_option_set(PURGE_DELAY, PURGE_DELAY_MS);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(unsafe_code)]
    fn purge_delay() -> std::os::raw::c_long {
        // SAFETY: reads a number from mimalloc's option table.
        unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) }
    }

    #[test]
    fn the_option_number_is_the_purge_delay_and_tuning_sets_it() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        // mimalloc 3's documented default purge delay: another number here means option 15
        // is another option in this mimalloc, and PURGE_DELAY must follow it.
        assert_eq!(purge_delay(), 1000);
        tune_mimalloc();
        assert_eq!(purge_delay(), PURGE_DELAY_MS);
    }
}
