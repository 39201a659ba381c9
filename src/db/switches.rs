//! Each account's lab switches (the `account_settings` table), as a seam. The cache every request
//! reads through is `db::account_settings`; the SQLite implementation is `db::sqlite::switches`.

use crate::wire::{AccountSwitches, SameSite};
use async_trait::async_trait;

#[async_trait]
pub trait SwitchesTable: Send + Sync {
    /// The account's stored switches, or `None` for an account that never changed one (it uses
    /// the server defaults). A stored same-site value that no longer parses reads as
    /// `default_same_site`; an access lifetime out of range as the server default.
    async fn load(
        &self,
        user_id: i64,
        default_same_site: SameSite,
    ) -> Result<Option<AccountSwitches>, sqlx::Error>;

    /// Store every switch of the account (insert or replace its row).
    async fn save(&self, user_id: i64, switches: &AccountSwitches) -> Result<(), sqlx::Error>;

    /// Back to the server defaults: the account's row is gone.
    async fn delete(&self, user_id: i64) -> Result<(), sqlx::Error>;
}
