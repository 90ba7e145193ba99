//! Scheduling priority of worker threads. The audio thread must never wait for the CPU behind a
//! model: on a 2-core machine, inference workers that take every core at the audio thread's own
//! priority make it miss deadlines. Every inference worker (and every thread a model spreads its
//! work over) therefore lowers itself to a background priority when it starts: Linux nice 10,
//! which gives a runnable audio thread at nice 0 about ten times the CPU share of each worker.

/// The nice value background workers run at (Linux; elsewhere the OS default is kept).
pub const BACKGROUND_NICE: i32 = 10;

/// Lowers the calling thread (only it: Linux priorities are per thread) to [`BACKGROUND_NICE`].
/// Called on a worker thread as it starts; never fails (a refusal leaves the priority as it was),
/// returns whether the priority is now background.
pub fn background_thread() -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: setpriority with PRIO_PROCESS and who = 0 only changes the calling thread's
        // nice value on Linux; it reads no memory of ours.
        let done = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, BACKGROUND_NICE) } == 0;
        done || current_nice() >= BACKGROUND_NICE
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

/// The calling thread's nice value (0 where it cannot be read).
pub fn current_nice() -> i32 {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: getpriority reads no memory of ours; -1 is also a valid value, so errno
        // would be needed to tell an error apart, and 0 is the fallback either way.
        unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) }
    }
    #[cfg(not(target_os = "linux"))]
    {
        0
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_background_thread_is_nicer_and_its_siblings_are_not() {
        let before = current_nice();
        let (lowered, inside) = std::thread::spawn(|| (background_thread(), current_nice()))
            .join()
            .unwrap();
        assert!(lowered);
        assert_eq!(inside, BACKGROUND_NICE.max(before));
        // The test thread itself keeps its priority.
        assert_eq!(current_nice(), before);
    }
}
