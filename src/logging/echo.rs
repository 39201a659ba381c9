//! Values an attacker chose, made safe to say back. A refusal names what it refused (the `kid`,
//! the `Origin`, the `alg`), but a 6 KB `kid` must not become a 19 KB answer, an audit row of the
//! same size, or a control character in a log line. Every value from a request that reaches a
//! response, a decision trace or the audit log goes through `shown` first.

use std::borrow::Cow;

/// How many characters of an attacker's value are echoed.
pub const ECHO_CHARS: usize = 64;

/// `text` capped at `max_chars` characters, with control and direction-changing characters
/// escaped (`\u{…}`) and the cut marked with how much was left out.
pub fn shown(text: &str, max_chars: usize) -> String {
    shown_cow(text, max_chars).into_owned()
}

/// [`shown`], borrowing `text` when it is short enough and has nothing to escape (the request
/// log calls this for every request's path).
pub fn shown_cow(text: &str, max_chars: usize) -> Cow<'_, str> {
    let plain = |c: char| !c.is_control() && !is_bidi_control(c);
    if text.len() <= max_chars && text.chars().all(plain) {
        return Cow::Borrowed(text);
    }
    let mut out = String::new();
    let mut chars = text.chars();
    for (count, c) in chars.by_ref().enumerate() {
        if count == max_chars {
            let rest = 1 + chars.count();
            out.push_str(&format!("… ({rest} more characters)"));
            return Cow::Owned(out);
        }
        if plain(c) {
            out.push(c);
        } else {
            out.extend(c.escape_unicode());
        }
    }
    Cow::Owned(out)
}

/// `shown` with the standard cap, in quotes: `"kid-value"`.
pub fn quoted(text: &str) -> String {
    format!("\"{}\"", shown(text, ECHO_CHARS))
}

/// How many entries of an attacker's JSON array or object are echoed.
const ECHO_ENTRIES: usize = 32;

/// An attacker's JSON (a token's header or payload) made safe to show: every string and key
/// through `shown`, at most 32 entries per array or object, at most 4 levels deep.
pub fn capped_json(value: &serde_json::Value) -> serde_json::Value {
    capped_at(value, 4)
}

fn capped_at(value: &serde_json::Value, depth: usize) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(text) => Value::String(shown(text, ECHO_CHARS)),
        Value::Array(_) | Value::Object(_) if depth == 0 => {
            Value::String("… (nested too deep)".into())
        }
        Value::Array(items) => items
            .iter()
            .take(ECHO_ENTRIES)
            .map(|item| capped_at(item, depth - 1))
            .collect(),
        Value::Object(entries) => entries
            .iter()
            .take(ECHO_ENTRIES)
            .map(|(key, item)| (shown(key, ECHO_CHARS), capped_at(item, depth - 1)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
        other => other.clone(),
    }
}

/// Characters that reorder the text around them (the "Trojan Source" trick).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_and_say_so() {
        let long = "k".repeat(6000);
        let out = shown(&long, ECHO_CHARS);
        assert!(out.starts_with(&"k".repeat(64)));
        assert!(out.ends_with("(5936 more characters)"), "{out}");
        assert!(out.len() < 100);
        assert_eq!(shown("short", ECHO_CHARS), "short");
    }

    #[test]
    fn echoed_json_is_capped_in_length_breadth_and_depth() {
        let wide: serde_json::Map<_, _> = (0..100)
            .map(|i| (format!("k{i}"), serde_json::json!("v".repeat(1000))))
            .collect();
        let value = serde_json::json!({ "kid": "k".repeat(6000), "wide": wide,
            "deep": [[[[[["bottom"]]]]]] });
        let out = capped_json(&value).to_string();
        assert!(out.len() < 8000, "{} bytes", out.len());
        assert!(out.contains("(5936 more characters)"));
        assert!(out.contains("nested too deep"));
        assert!(!out.contains("bottom"));
    }

    #[test]
    fn control_and_direction_characters_are_escaped() {
        let out = shown("a\nb\u{202E}c\u{0}", 64);
        assert_eq!(out, "a\\u{a}b\\u{202e}c\\u{0}");
        assert_eq!(quoted("x\"y"), "\"x\"y\"");
    }
}
