//! Scheduling priority of worker threads. The audio thread must never wait for the CPU behind a
//! model: on a 2-core machine, inference workers that take every core at the audio thread's own
//! priority make it miss deadlines. Every inference worker (and every thread a model spreads its
//! work over) therefore lowers itself to a background priority before each job:
//!
//! - while live audio plays in this process ([`LiveAudio`] held: `yano play`, the editor's
//!   sound), Linux's idle scheduling class (`SCHED_IDLE`): a worker only gets a core nothing
//!   else wants, so the audio thread and the user's interface always come first;
//! - otherwise nice 10, which still gives a runnable thread at nice 0 about ten times a worker's
//!   share but does not starve a worker on a machine busy with other work (an offline render, a
//!   test run, a server's other jobs), as the idle class would.
//!
//! Elsewhere than Linux the OS default is kept.

use std::sync::atomic::{AtomicUsize, Ordering};

/// The nice value background workers run at when no live audio plays (Linux).
pub const BACKGROUND_NICE: i32 = 10;

/// How many live audio outputs this process runs now.
static LIVE_OUTPUTS: AtomicUsize = AtomicUsize::new(0);

/// Held while live audio plays: background threads that start a job meanwhile take the idle
/// class. Made where an output stream starts (not on the audio thread), dropped where it stops.
#[derive(Debug)]
pub struct LiveAudio(());

impl LiveAudio {
    pub fn begin() -> LiveAudio {
        LIVE_OUTPUTS.fetch_add(1, Ordering::SeqCst);
        LiveAudio(())
    }
}

impl Drop for LiveAudio {
    fn drop(&mut self) {
        LIVE_OUTPUTS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Whether live audio plays in this process.
pub fn live() -> bool {
    LIVE_OUTPUTS.load(Ordering::SeqCst) > 0
}

/// A thread's background priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Background {
    /// Linux's idle class: runs only on a core nothing else wants.
    Idle,
    /// The normal class at [`BACKGROUND_NICE`].
    Nice,
    /// Unchanged (not Linux, or the OS refused).
    Unchanged,
}

/// Lowers the calling thread (only it: Linux priorities are per thread) to the background
/// priority for now: [`Background::Idle`] while live audio plays, [`Background::Nice`] otherwise.
/// Called by a worker thread before each job (two system calls); never fails.
pub fn background_thread() -> Background {
    #[cfg(target_os = "linux")]
    {
        let class = if live() {
            libc::SCHED_IDLE
        } else {
            libc::SCHED_OTHER
        };
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: sched_setscheduler and setpriority with pid/who 0 change only the calling
        // thread on Linux; the parameter lives across the call.
        let classed = unsafe { libc::sched_setscheduler(0, class, &param) } == 0;
        let niced = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, BACKGROUND_NICE) } == 0
            || current_nice() >= BACKGROUND_NICE;
        // A thread in the idle class may leave it only where the process may raise priorities
        // (root, CAP_SYS_NICE, or RLIMIT_NICE of 10 or more): elsewhere a worker that went idle
        // while live audio played stays idle, which only makes it more polite.
        let _ = classed;
        if in_idle_class() {
            Background::Idle
        } else if niced {
            Background::Nice
        } else {
            Background::Unchanged
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        Background::Unchanged
    }
}

/// The real-time priority [`realtime_thread`] asks for: low among real-time threads (1–99), so
/// the system's own (interrupt threads, the sound server) stay above it.
pub const AUDIO_RT_PRIORITY: i32 = 10;

/// Puts the calling thread in the real-time FIFO class at [`AUDIO_RT_PRIORITY`] where the
/// system allows it (root with CAP_SYS_NICE, or an RLIMIT_RTPRIO of 10 or more, as Linux audio
/// setups give the `audio` group); returns whether it did. For a thread that renders audio
/// against deadlines: it then runs before every normal and idle thread. Never on a thread that
/// could spin: a runaway FIFO thread stalls its core.
pub fn realtime_thread() -> bool {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param {
            sched_priority: AUDIO_RT_PRIORITY,
        };
        // SAFETY: changes only the calling thread's class; the parameter lives across the call.
        unsafe { libc::sched_setscheduler(0, libc::SCHED_FIFO, &param) == 0 }
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

/// Puts the calling thread back in the normal class at nice 0 (where the system allows it).
pub fn normal_thread() -> bool {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: as in realtime_thread.
        unsafe { libc::sched_setscheduler(0, libc::SCHED_OTHER, &param) == 0 }
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

/// Whether the calling thread runs in Linux's idle class.
pub fn in_idle_class() -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: sched_getscheduler reads no memory of ours.
        unsafe { libc::sched_getscheduler(0) == libc::SCHED_IDLE }
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

    /// One test, not two: live audio is process-wide and tests run side by side.
    #[test]
    fn background_threads_are_nicer_and_idle_while_live_audio_plays() {
        let before = current_nice();
        let (lowered, nice, idle) =
            std::thread::spawn(|| (background_thread(), current_nice(), in_idle_class()))
                .join()
                .unwrap();
        assert_eq!(lowered, Background::Nice);
        assert_eq!(nice, BACKGROUND_NICE.max(before));
        assert!(!idle);
        // The test thread itself keeps its priority.
        assert_eq!(current_nice(), before);

        let live = LiveAudio::begin();
        let (go_on, wait) = std::sync::mpsc::channel::<()>();
        let worker = std::thread::spawn(move || {
            let first = (background_thread(), in_idle_class());
            // The same worker's next job, after playback stops.
            wait.recv().unwrap();
            (first, background_thread(), in_idle_class())
        });
        std::thread::sleep(std::time::Duration::from_millis(50));
        drop(live);
        go_on.send(()).unwrap();
        let ((first, first_idle), next, next_idle) = worker.join().unwrap();
        assert_eq!((first, first_idle), (Background::Idle, true));
        // Back in the normal class where the process may raise priorities (see
        // background_thread); either way the answer says the class the worker is in.
        assert_eq!(next == Background::Idle, next_idle);
        assert!(next != Background::Unchanged);
        assert!(!in_idle_class());
    }
}
