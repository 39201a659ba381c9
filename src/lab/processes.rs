//! The processes an experiment starts (the scale lab's nodes, a Redis of its own), started so
//! that none outlives what it is for:
//! - through util-linux's `setpriv --pdeathsig KILL`, so the kernel kills each one when the
//!   server dies, even by SIGKILL, with nothing left for the server to do (the crate forbids
//!   `unsafe`, so not a `pre_exec` of our own);
//! - each run's processes in one process group (`Group`), stopped together;
//! - with tokio's process API, so starting, signalling and waiting never block a runtime thread.
//!
//! Linux ties the death signal to the *thread* that started the child, not the process: these
//! are always started from a runtime's worker thread, which lives as long as the server, never
//! from a blocking-pool thread (which ends after a while idle and would take its children along).

use rustix::process::{kill_process, kill_process_group, Pid, Signal};
use std::{ffi::OsStr, path::Path};
use tokio::process::{Child, Command};

/// The wrapper every child is started through.
const SETPRIV: &str = "setpriv";

/// One run's process group: its id is the first child's pid.
#[derive(Debug, Default)]
pub struct Group(Option<i32>);

impl Group {
    /// A command for `program` in this group, dying with the server, killed if dropped.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut command = Command::new(SETPRIV);
        command
            .args(["--pdeathsig", "KILL", "--"])
            .arg(program)
            .process_group(self.0.unwrap_or(0))
            .kill_on_drop(true);
        command
    }

    /// `command`, started: the first child founds the group.
    pub fn spawn(&mut self, command: &mut Command) -> std::io::Result<Child> {
        let child = command.spawn()?;
        if self.0.is_none() {
            self.0 = child.id().and_then(|pid| i32::try_from(pid).ok());
        }
        Ok(child)
    }

    /// Kill every process of the group at once (a syscall, never a wait). Call it while the
    /// group still has a member (its owner's children are not yet reaped): a group id left over
    /// from processes long gone could name someone else's group by then.
    pub fn kill(&self) {
        if let Some(pgid) = self.0.and_then(Pid::from_raw) {
            let _ = kill_process_group(pgid, Signal::KILL);
        }
    }
}

/// Send `signal` to one child (freeze or thaw a Redis).
pub fn signal(child: &Child, signal: Signal) -> std::io::Result<()> {
    let pid = child
        .id()
        .and_then(|pid| i32::try_from(pid).ok())
        .and_then(Pid::from_raw)
        .ok_or_else(|| std::io::Error::other("the process has exited"))?;
    kill_process(pid, signal).map_err(std::io::Error::from)
}

/// Is `program` an executable on `PATH` (or a path that exists)? Asked before starting it
/// through `setpriv`, whose own failure to find it would only show as an early exit.
pub fn installed(program: &str) -> bool {
    if program.contains('/') {
        return Path::new(program).is_file();
    }
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

/// Can the lab start its children at all (util-linux's `setpriv` present)?
pub fn wrapper_installed() -> bool {
    installed(SETPRIV)
}
