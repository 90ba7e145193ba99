//! A counting global allocator for tests: proves that code run inside [`count_allocations`] does
//! not allocate. Install it in a test binary with
//! `#[global_allocator] static A: yano_engine::alloc_guard::CountingAllocator = yano_engine::alloc_guard::CountingAllocator;`.
//!
//! Counting, rather than aborting, lets a test assert both that real nodes pass and that a node
//! which allocates is caught.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    static WATCHING: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<usize> = const { Cell::new(0) };
}

/// Passes every request to the system allocator, counting those made while watching.
pub struct CountingAllocator;

fn note() {
    // `try_with` so a thread being torn down never panics inside the allocator.
    let _ = WATCHING.try_with(|w| {
        if w.get() {
            let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        }
    });
}

// SAFETY: defers to `System` for every operation; the bookkeeping touches only const-initialised
// thread-locals, which do not allocate.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note();
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Runs `f` and returns its result with the number of allocations, frees and reallocations it
/// made on this thread. Only meaningful where [`CountingAllocator`] is the global allocator.
pub fn count_allocations<T>(f: impl FnOnce() -> T) -> (T, usize) {
    COUNT.with(|c| c.set(0));
    WATCHING.with(|w| w.set(true));
    let out = f();
    WATCHING.with(|w| w.set(false));
    (out, COUNT.with(|c| c.get()))
}
