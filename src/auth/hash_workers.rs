//! The threads argon2 runs on. A login costs ~14 ms of a core; a session check or a page costs
//! tens of microseconds. When both want the same core, the request must win, or a login flood
//! (which anyone can send) makes every other request wait behind password hashing.
//!
//! So hashing gets threads of its own (as many as may hash at once, `PasswordHasher`'s bound),
//! and each moves itself at start into Linux's idle scheduling class, `SCHED_IDLE`, while the
//! threads serving requests stay in the normal class. The scheduler preempts an idle-class thread
//! the moment a normal one wakes on its core, so a request waits microseconds for a busy core
//! instead of the rest of an argon2 run. Niceness was tried first and is not enough: under
//! EEVDF a waking nice-0 thread may still wait out the running thread's slice, and a login flood
//! kept `/api/me`'s p99 at 2 to 5 times its idle value at nice 10 and at nice 19 alike
//! (bench/REPORT.md). On an idle machine nothing changes: an idle-class thread gets every cycle
//! nobody else wants, and when something else wants the core it is the login that waits, which
//! is the trade this file makes. Where the class cannot be set, the thread falls back to the
//! lowest nice value (19).
//!
//! (tokio's blocking pool would not do: its threads also serve files and other blocking work,
//! and a thread cannot raise its priority again without privileges.)

use std::{
    panic::{catch_unwind, AssertUnwindSafe},
    sync::{mpsc, Arc, Mutex},
};

type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of low-priority threads. Dropping it lets them finish their job and end.
pub struct HashWorkers {
    jobs: mpsc::Sender<Job>,
}

/// The workers are gone (a panic in argon2 is caught; this is only a stopped process).
#[derive(Debug)]
pub struct Stopped;

impl HashWorkers {
    /// Start `size` threads (at least one).
    pub fn start(size: usize) -> Self {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..size.max(1) {
            let queue = queue.clone();
            let started = std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || {
                    lower_priority();
                    loop {
                        let job = match queue.lock() {
                            Ok(queue) => queue.recv(),
                            Err(_) => return,
                        };
                        let Ok(job) = job else { return };
                        // A panicking job drops its answer channel (the caller sees `Stopped`)
                        // and the thread goes on to the next one.
                        let _ = catch_unwind(AssertUnwindSafe(job));
                    }
                });
            if let Err(err) = started {
                tracing::error!(target: "authlab::passwords", %err, "could not start a hashing thread");
            }
        }
        HashWorkers { jobs }
    }

    /// Run `work` on a hashing thread and wait for its answer.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Stopped> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = answer.send(work());
        });
        self.jobs.send(job).map_err(|_| Stopped)?;
        answered.await.map_err(|_| Stopped)
    }
}

/// Lower the calling thread's priority: the idle class, else nice 19. On Linux both belong to
/// each thread, so this touches no other thread of the process, and lowering needs no privilege.
/// If both fail, the thread hashes at normal priority and says so once.
fn lower_priority() {
    use thread_priority::{
        set_thread_priority_and_policy, thread_native_id, thread_schedule_policy,
        NormalThreadSchedulePolicy as Normal, ThreadPriority, ThreadSchedulePolicy,
    };
    let idle = ThreadSchedulePolicy::Normal(Normal::Idle);
    // Judged by the class the thread ends in: the call also resets the nice value, which an
    // unprivileged thread of a niced process may not do, though the class change took.
    let _ = set_thread_priority_and_policy(thread_native_id(), ThreadPriority::Min, idle);
    if thread_schedule_policy().is_ok_and(|class| class == idle) {
        return;
    }
    // `Min` in the normal class is nice 19.
    let normal = ThreadSchedulePolicy::Normal(Normal::Other);
    if let Err(err) =
        set_thread_priority_and_policy(thread_native_id(), ThreadPriority::Min, normal)
    {
        tracing::warn!(target: "authlab::passwords", ?err, "hashing at normal priority");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn login_flood_hashes_yield_the_core_to_every_request() {
        use thread_priority::ThreadSchedulePolicy::Normal as Class;
        use thread_priority::{thread_schedule_policy, NormalThreadSchedulePolicy as Normal};
        let here = thread_schedule_policy().unwrap();
        let workers = HashWorkers::start(2);
        let there = workers
            .run(|| thread_schedule_policy().unwrap())
            .await
            .unwrap();
        assert_eq!(
            there,
            Class(Normal::Idle),
            "a hashing thread is in the idle class"
        );
        // This thread, like every request thread, kept its own class.
        assert_eq!(thread_schedule_policy().unwrap(), here);
        assert_ne!(here, Class(Normal::Idle));
    }

    #[tokio::test]
    async fn a_panicking_job_does_not_take_its_thread_with_it() {
        let workers = HashWorkers::start(1);
        assert!(workers.run(|| panic!("argon2 exploded")).await.is_err());
        assert_eq!(workers.run(|| 7).await.unwrap(), 7);
    }
}
