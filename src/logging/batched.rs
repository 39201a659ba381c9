//! The log's writer: a request appends its formatted line to one shared buffer and goes on, and a
//! thread of its own writes the buffer out every few milliseconds, in one `write`.
//!
//! Why not a queue of lines with a thread woken for each (tracing-appender's writer, used before):
//! a writer thread that keeps up goes to sleep after every line or two, so each line cost the
//! request a `futex` wake, the thread a wake-up and a `write`, and the allocator a line freed on
//! another thread than the one that made it. Measured on `GET /api/me` under load (perf), that was
//! about a fifth of the CPU of the cheapest request (`scripts/bench/profile.sh`). Here a line
//! costs a lock nobody else holds for long and a copy.
//!
//! What it keeps from the queue: no request ever waits on the write (a log nobody reads, a pipe
//! left unread or a terminal paused with Ctrl-S, blocks only the writer thread), and the memory is
//! bounded: past `CAPACITY` bytes waiting, whole lines are dropped and counted, never queued.

use std::{
    io::{self, Write},
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, Mutex, MutexGuard, PoisonError,
    },
    thread::JoinHandle,
    time::Duration,
};

/// Bytes waiting to be written (about 14,000 request lines) before lines are dropped: a request
/// flood costs log lines, never a stalled request or unbounded memory. The writer thread holds at
/// most as much again while it writes.
pub const CAPACITY: usize = 2 << 20;

/// How often the writer thread writes out what has gathered: soon enough that a person reading
/// the log sees each request at once, seldom enough that a busy server writes hundreds of lines
/// per `write`.
const EVERY: Duration = Duration::from_millis(20);

/// The buffer capacity the writer thread keeps between writes: after a burst, what it grew to
/// past this is given back.
const KEEP: usize = 256 << 10;

struct Shared {
    waiting: Mutex<Vec<u8>>,
    dropped: AtomicUsize,
    stopping: AtomicBool,
}

impl Shared {
    fn waiting(&self) -> MutexGuard<'_, Vec<u8>> {
        // A panic while appending leaves at worst a partial line: still worth writing out.
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Where formatted lines go (`tracing_subscriber`'s `MakeWriter`): each event writes through a
/// reference to it, so a line costs no reference count.
#[derive(Clone)]
pub struct BatchedWriter {
    shared: Arc<Shared>,
}

/// Keep it for the life of the process: dropping it stops the writer thread after it has written
/// everything appended so far.
pub struct Guard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// Start the writer thread, writing to `out`.
pub fn start(out: impl Write + Send + 'static) -> io::Result<(BatchedWriter, Guard)> {
    let shared = Arc::new(Shared {
        waiting: Mutex::new(Vec::new()),
        dropped: AtomicUsize::new(0),
        stopping: AtomicBool::new(false),
    });
    let thread = std::thread::Builder::new()
        .name("authlab-log".into())
        .spawn({
            let shared = shared.clone();
            move || write_out(&shared, out)
        })?;
    Ok((
        BatchedWriter {
            shared: shared.clone(),
        },
        Guard {
            shared,
            thread: Some(thread),
        },
    ))
}

impl BatchedWriter {
    /// Lines dropped since the start because `CAPACITY` bytes were already waiting.
    pub fn dropped_lines(&self) -> usize {
        self.shared.dropped.load(Ordering::Relaxed)
    }
}

/// One call per line: the subscriber formats the whole line first, then writes it at once.
impl Write for &BatchedWriter {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        let mut waiting = self.shared.waiting();
        if waiting.len() + line.len() > CAPACITY {
            drop(waiting);
            self.shared.dropped.fetch_add(1, Ordering::Relaxed);
        } else {
            waiting.extend_from_slice(line);
        }
        // Dropped or kept, the line is dealt with: the caller must not retry or wait.
        Ok(line.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for BatchedWriter {
    type Writer = &'a BatchedWriter;

    fn make_writer(&'a self) -> Self::Writer {
        self
    }
}

/// The writer thread: every `EVERY`, swap the waiting lines for an empty buffer and write them
/// out. A failed write (stdout closed) loses those lines and nothing else.
fn write_out(shared: &Shared, mut out: impl Write) {
    let mut writing = Vec::new();
    loop {
        let last = shared.stopping.load(Ordering::Acquire);
        std::mem::swap(&mut *shared.waiting(), &mut writing);
        if !writing.is_empty() {
            let _ = out.write_all(&writing).and_then(|()| out.flush());
            writing.clear();
            writing.shrink_to(KEEP);
        }
        if last {
            return;
        }
        std::thread::park_timeout(EVERY);
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An output the test can read, and can hold shut (as a pipe nobody reads) until it opens it.
    #[derive(Clone, Default)]
    struct Output {
        written: Arc<Mutex<Vec<u8>>>,
        shut: Arc<Mutex<()>>,
    }

    impl Write for Output {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            let _wait_while_shut = self.shut.lock().unwrap();
            self.written.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_are_written_whole_and_in_order_and_the_last_ones_on_stop() {
        let output = Output::default();
        let (writer, guard) = start(output.clone()).unwrap();
        for n in 0..1_000 {
            (&writer)
                .write_all(format!("line {n}\n").as_bytes())
                .unwrap();
        }
        drop(guard);
        let written = String::from_utf8(output.written.lock().unwrap().clone()).unwrap();
        let expected: String = (0..1_000).map(|n| format!("line {n}\n")).collect();
        assert_eq!(written, expected);
        assert_eq!(writer.dropped_lines(), 0);
    }

    #[test]
    fn a_log_nobody_reads_costs_lines_never_unbounded_memory() {
        let output = Output::default();
        let shut = output.shut.lock().unwrap();
        let (writer, guard) = start(output.clone()).unwrap();
        let line = [b'x'; 99].iter().chain(b"\n").copied().collect::<Vec<u8>>();
        // Three times what may wait, while the output is shut: the writer thread may hold one
        // buffer's worth, blocked in its write, and one more may wait; the rest is dropped.
        let sent = 3 * CAPACITY / line.len();
        for _ in 0..sent {
            (&writer).write_all(&line).unwrap();
        }
        let dropped = writer.dropped_lines();
        assert!(
            dropped >= sent - 2 * CAPACITY / line.len(),
            "{dropped} of {sent} dropped"
        );
        assert!(writer.shared.waiting().len() <= CAPACITY);
        drop(shut);
        drop(guard);
        let written = output.written.lock().unwrap().len();
        assert_eq!(written, (sent - dropped) * line.len(), "only whole lines");
    }
}
