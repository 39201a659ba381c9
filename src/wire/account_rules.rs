//! What a valid username and password look like. The server enforces these rules; the register
//! form compiles the same module and mirrors them as HTML constraints and hints, so the two cannot
//! drift apart.

use crate::wire::Password;

// The scratch accounts' names (`lab::scratch`): rules about names, so they live with the others.

/// Names registration gives a lesson's lifetime.
pub const LESSON_PREFIX: &str = "lesson-";
/// The matrix's namespace, which registration refuses.
pub const MATRIX_PREFIX: &str = "lab:matrix-";
/// The attack lab's victims and attackers, in the same namespace.
pub const ATTACK_PREFIX: &str = "lab:attack-";

/// Is `username` named like a scratch account (a lesson's, the matrix's, or the `matrix-…`
/// names earlier versions used)? Such an account is never made an administrator: whoever
/// registered a look-alike name must not be promoted by mistaking it for an experiment's.
pub fn is_scratch_like(username: &str) -> bool {
    [LESSON_PREFIX, MATRIX_PREFIX, "matrix-", "lab:"]
        .iter()
        .any(|prefix| username.starts_with(prefix))
}

pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 32;
pub const PASSWORD_MIN: usize = 8;
/// An upper bound keeps a single request from buying an arbitrarily long argon2 input.
pub const PASSWORD_MAX: usize = 128;

/// The username rule as an HTML `pattern` (Chromium compiles it with the `v` flag, hence `\-`).
pub const USERNAME_PATTERN: &str = "[a-z0-9_.\\-]+";
pub const USERNAME_HINT: &str = "3-32 characters: a-z, 0-9, '_', '.' and '-'";
pub const PASSWORD_HINT: &str = "8-128 characters";

/// Why a username or password was refused; the text is shown to the user as is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("username must be {USERNAME_MIN}-{USERNAME_MAX} characters long (got {0})")]
    UsernameLength(usize),
    #[error("username may only contain a-z, 0-9, '_', '.' and '-' (found {0:?})")]
    UsernameCharacter(char),
    #[error("password must be {PASSWORD_MIN}-{PASSWORD_MAX} characters long (got {0})")]
    PasswordLength(usize),
}

/// 3-32 characters of `[a-z0-9_.-]`. Lowercase only, so "Alice" and "alice" can never be two
/// accounts that look the same.
pub fn check_username(username: &str) -> Result<(), RuleError> {
    let length = username.chars().count();
    if !(USERNAME_MIN..=USERNAME_MAX).contains(&length) {
        return Err(RuleError::UsernameLength(length));
    }
    match username
        .chars()
        .find(|c| !matches!(c, 'a'..='z' | '0'..='9' | '_' | '.' | '-'))
    {
        Some(bad) => Err(RuleError::UsernameCharacter(bad)),
        None => Ok(()),
    }
}

/// 8-128 characters (Unicode scalar values, not bytes: "pässwörd" is 8).
pub fn check_password(password: &Password) -> Result<(), RuleError> {
    let length = password.expose().chars().count();
    if (PASSWORD_MIN..=PASSWORD_MAX).contains(&length) {
        Ok(())
    } else {
        Err(RuleError::PasswordLength(length))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_the_rule() {
        for ok in ["abc", "alice", "a.b-c_9", &"x".repeat(32)] {
            assert_eq!(check_username(ok), Ok(()), "{ok}");
        }
        assert_eq!(check_username("ab"), Err(RuleError::UsernameLength(2)));
        assert_eq!(
            check_username(&"x".repeat(33)),
            Err(RuleError::UsernameLength(33))
        );
        assert_eq!(
            check_username("Alice"),
            Err(RuleError::UsernameCharacter('A'))
        );
        assert_eq!(
            check_username("al ice"),
            Err(RuleError::UsernameCharacter(' '))
        );
        assert_eq!(
            check_username("ålice"),
            Err(RuleError::UsernameCharacter('å'))
        );
    }

    #[test]
    fn passwords_are_counted_in_characters_not_bytes() {
        assert_eq!(check_password(&Password::new("pässwörd")), Ok(()));
        assert_eq!(
            check_password(&Password::new("short")),
            Err(RuleError::PasswordLength(5))
        );
        assert_eq!(check_password(&Password::new("é".repeat(128))), Ok(()));
        assert_eq!(
            check_password(&Password::new("x".repeat(129))),
            Err(RuleError::PasswordLength(129))
        );
    }
}
