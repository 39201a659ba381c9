//! Drawing a class's join code: `CODE_LEN` characters of `CODE_ALPHABET` (40 bits) from the OS's
//! CSPRNG. Guessing one is bounded by the join limits (`settings::LimitSettings::join_*`), which
//! the README works out: at the defaults, years of guessing per open class from one address.

use crate::wire::{CODE_ALPHABET, CODE_LEN};
use rand::{rngs::OsRng, Rng};

/// A fresh code, in its stored form (`wire::normalize_code` reads a typed one into it).
pub fn draw() -> String {
    let mut rng = OsRng;
    (0..CODE_LEN)
        .map(|_| char::from(CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_drawn_from_the_whole_alphabet_and_read_back_as_themselves() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2_000 {
            let code = draw();
            assert_eq!(crate::wire::normalize_code(&code).as_deref(), Some(&*code));
            seen.extend(code.bytes());
        }
        assert_eq!(seen.len(), CODE_ALPHABET.len());
    }
}
