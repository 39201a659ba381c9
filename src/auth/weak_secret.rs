//! The `weak_secret` switch's words: the lab's own wordlist (`public/wordlist.txt`, written by
//! `scripts/make-wordlist.py`), from which a weakened account's HS256 secret is drawn, and which
//! the browser's offline cracker tries. A real HS256 secret is 256 random bits; a word from a
//! list of 4,096 is 12 bits, found in milliseconds.

use rand::{rngs::OsRng, Rng};

/// The wordlist, as the site serves it at `/wordlist.txt`.
pub const WORDLIST: &str = include_str!("../../public/wordlist.txt");

/// Every word of the list, in its order.
pub fn words() -> impl Iterator<Item = &'static str> {
    WORDLIST.lines().filter(|word| !word.is_empty())
}

/// A word of the list, drawn at random.
pub fn pick() -> &'static str {
    let count = words().count();
    words()
        .nth(OsRng.gen_range(0..count))
        .expect("the wordlist is not empty")
}

/// An offline dictionary attack on an HS256 token, as anyone holding it can run one: each word
/// of the list tried as its secret. The word whose HMAC matches the signature, if any, and how
/// many words were tried.
pub fn crack(token: &str) -> (Option<&'static str>, usize) {
    let Some((message, signature)) = token.rsplit_once('.') else {
        return (None, 0);
    };
    let mut tried = 0;
    let word = words().find(|word| {
        tried += 1;
        let key = jsonwebtoken::DecodingKey::from_secret(word.as_bytes());
        jsonwebtoken::crypto::verify(
            signature,
            message.as_bytes(),
            &key,
            jsonwebtoken::Algorithm::HS256,
        )
        .unwrap_or(false)
    });
    (word, tried)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_wordlist_holds_a_few_thousand_distinct_short_words() {
        let words: Vec<&str> = super::words().collect();
        assert_eq!(words.len(), 4_096);
        let distinct: std::collections::HashSet<&str> = words.iter().copied().collect();
        assert_eq!(distinct.len(), words.len());
        assert!(words
            .iter()
            .all(|w| w.len() < crate::auth::keys::HS256_SECRET_BYTES));
        assert!(words.contains(&super::pick()));
    }
}
