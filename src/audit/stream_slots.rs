//! The live audit streams open, per account and per client address, and their caps.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

/// Live streams open per account.
#[derive(Default)]
pub struct StreamSlots {
    open: Mutex<Open>,
}

/// Streams open per account and per client address. Each holds a connection for as long as it
/// lives, so both are capped: one account cannot hold many, and one address cannot hold many by
/// registering many accounts (and starve everyone of the server's connections).
#[derive(Default)]
struct Open {
    per_user: HashMap<i64, usize>,
    per_address: HashMap<String, usize>,
}

/// One open stream; dropping it (the stream ended or the client went away) frees the slot.
pub struct StreamSlot {
    slots: Arc<StreamSlots>,
    user_id: i64,
    address: String,
}

/// Which cap a stream request met.
pub enum Full {
    Account(usize),
    Address(usize),
}

impl StreamSlots {
    pub fn take(
        self: &Arc<Self>,
        user_id: i64,
        address: &str,
        max_per_user: usize,
        max_per_address: usize,
    ) -> Result<StreamSlot, Full> {
        let mut open = self.open.lock().expect("lock");
        if open.per_user.get(&user_id).copied().unwrap_or(0) >= max_per_user {
            return Err(Full::Account(max_per_user));
        }
        if open.per_address.get(address).copied().unwrap_or(0) >= max_per_address {
            return Err(Full::Address(max_per_address));
        }
        *open.per_user.entry(user_id).or_default() += 1;
        *open.per_address.entry(address.to_string()).or_default() += 1;
        Ok(StreamSlot {
            slots: self.clone(),
            user_id,
            address: address.to_string(),
        })
    }

    /// Streams open for `user_id` now.
    pub fn open_for(&self, user_id: i64) -> usize {
        self.open
            .lock()
            .expect("lock")
            .per_user
            .get(&user_id)
            .copied()
            .unwrap_or(0)
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.slots.open.lock().expect("lock");
        if let Some(count) = open.per_user.get_mut(&self.user_id) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.per_user.remove(&self.user_id);
            }
        }
        if let Some(count) = open.per_address.get_mut(&self.address) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.per_address.remove(&self.address);
            }
        }
    }
}
