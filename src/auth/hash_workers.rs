//! The threads argon2 runs on. A login costs ~14 ms of a core; a session check or a page costs
//! tens of microseconds. When both want the same core, the request must win, or a login flood
//! (which anyone can send) makes every other request wait behind password hashing.
//!
//! So hashing gets threads of its own (as many as may hash at once, `PasswordHasher`'s bound),
//! and each lowers its own CPU priority at start to the lowest there is, nice 19, where the
//! threads serving requests run at the process's nice (0 by default). Linux gives a nice-19
//! thread 15/1024 of the share of a nice-0 one when they compete (nice 10, tried first, gives a
//! tenth, and a login flood still doubled the p99 of `/api/me`), and lets a woken request thread
//! preempt it, so a request waits microseconds for a busy core instead of the rest of an argon2
//! run. On an idle machine nothing changes: a lower priority only matters when something else
//! wants the core, and then it is the login that waits, which is the trade this file makes.
//!
//! (tokio's blocking pool would not do: its threads also serve files and other blocking work,
//! and a thread cannot raise its priority again without privileges.)

use std::{
    panic::{catch_unwind, AssertUnwindSafe},
    sync::{mpsc, Arc, Mutex},
};

/// How much nicer than the request threads hashing runs (Linux nice values: 0 default, 19 lowest).
pub const HASH_NICE: i32 = 19;

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

/// Lower the calling thread's priority. On Linux the nice value belongs to each thread, so this
/// touches no other thread of the process. Raising it is always allowed; if it fails anyway, the
/// thread hashes at normal priority and says so once.
fn lower_priority() {
    let now = rustix::process::getpriority_process(None).unwrap_or(0);
    if let Err(err) = rustix::process::setpriority_process(None, now.max(HASH_NICE)) {
        tracing::warn!(target: "authlab::passwords", %err, "hashing at normal priority");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn login_flood_hashes_run_below_the_priority_of_requests() {
        let here = rustix::process::getpriority_process(None).unwrap();
        let workers = HashWorkers::start(2);
        let there = workers
            .run(|| rustix::process::getpriority_process(None).unwrap())
            .await
            .unwrap();
        assert_eq!(there, here.max(HASH_NICE));
        assert!(there > here || here >= HASH_NICE, "{there} vs {here}");
        // This thread kept its own priority.
        assert_eq!(rustix::process::getpriority_process(None).unwrap(), here);
    }

    #[tokio::test]
    async fn a_panicking_job_does_not_take_its_thread_with_it() {
        let workers = HashWorkers::start(1);
        assert!(workers.run(|| panic!("argon2 exploded")).await.is_err());
        assert_eq!(workers.run(|| 7).await.unwrap(), 7);
    }
}
