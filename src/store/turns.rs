//! Which accounts have an experiment of one kind under way (the attack lab's runs): one at a time
//! per account, while other accounts run theirs.

/// The accounts with a run under way.
#[derive(Default)]
pub struct OnePerAccount {
    running: std::sync::Mutex<std::collections::HashSet<i64>>,
}

/// Account `id`'s run; dropping it (the run ended however it ended, or the client hung up and
/// the handler's future was dropped) frees the account's turn.
pub struct AccountTurn<'a> {
    of: &'a OnePerAccount,
    id: i64,
}

impl OnePerAccount {
    /// `None` while account `id` already has a run under way.
    pub fn claim(&self, id: i64) -> Option<AccountTurn<'_>> {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        running.insert(id).then_some(AccountTurn { of: self, id })
    }
}

impl Drop for AccountTurn<'_> {
    fn drop(&mut self) {
        self.of
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.id);
    }
}
