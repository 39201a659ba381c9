//! Cracking an HS256 token offline, in the browser: every word of the lab's wordlist
//! (`/wordlist.txt`, made by `scripts/make-wordlist.py`) tried as the HMAC secret with the
//! browser's own WebCrypto, and the signature compared. No request reaches the lab but the one
//! for the list: this is what anyone holding one token can do at home.

/// How a search went (so far).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Search {
    pub tried: usize,
    pub total: usize,
    pub millis: f64,
    pub found: Option<String>,
    pub done: bool,
    pub error: Option<String>,
}

impl Search {
    pub fn per_second(&self) -> f64 {
        if self.millis <= 0.0 {
            return 0.0;
        }
        self.tried as f64 * 1000.0 / self.millis
    }

    /// How long trying every 256-bit secret would take at this rate, as a power of ten of years.
    pub fn years_for_256_bits(&self) -> Option<i64> {
        let rate = self.per_second();
        (rate > 0.0).then(|| {
            let seconds = 256.0 * 2f64.log10() - rate.log10();
            (seconds - (365.25 * 86_400.0f64).log10()).floor() as i64
        })
    }
}

/// Try every word of `words` as the HS256 secret of `token`, reporting to `progress` as it goes.
#[cfg(feature = "hydrate")]
pub async fn crack(token: &str, words: &str, progress: impl Fn(Search)) -> Search {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let mut search = Search::default();
    let fail = |mut search: Search, why: &str| {
        search.error = Some(why.to_string());
        search.done = true;
        search
    };
    let Some((message, signature)) = token.trim().rsplit_once('.') else {
        return fail(search, "not a token: no signature part");
    };
    // atob's binary string has one char per byte.
    let Some(wanted) = crate::ui::browser::decode_segment(signature) else {
        return fail(search, "the signature is not base64url");
    };
    let wanted: Vec<u8> = wanted.chars().map(|c| c as u32 as u8).collect();
    let Some(subtle) = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.subtle())
    else {
        return fail(search, "this browser offers no WebCrypto");
    };
    let algorithm = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&algorithm, &"name".into(), &"HMAC".into());
    let _ = js_sys::Reflect::set(&algorithm, &"hash".into(), &"SHA-256".into());
    let usages = js_sys::Array::of1(&"sign".into());
    let list: Vec<&str> = words.lines().filter(|w| !w.is_empty()).collect();
    search.total = list.len();
    let started = crate::ui::browser::now_ms();
    for word in list {
        let raw = js_sys::Uint8Array::from(word.as_bytes());
        let Ok(key) = subtle.import_key_with_object("raw", &raw, &algorithm, false, &usages) else {
            return fail(search, "WebCrypto refused the key");
        };
        let Ok(key) = JsFuture::from(key).await else {
            return fail(search, "WebCrypto refused the key");
        };
        let Ok(key) = key.dyn_into::<web_sys::CryptoKey>() else {
            return fail(search, "WebCrypto gave no key");
        };
        let Ok(signed) = subtle.sign_with_object_and_u8_array(&algorithm, &key, message.as_bytes())
        else {
            return fail(search, "WebCrypto could not sign");
        };
        let Ok(mac) = JsFuture::from(signed).await else {
            return fail(search, "WebCrypto could not sign");
        };
        search.tried += 1;
        let mac = js_sys::Uint8Array::new(&mac).to_vec();
        if mac == wanted {
            search.found = Some(word.to_string());
            break;
        }
        if search.tried % 256 == 0 {
            search.millis = (crate::ui::browser::now_ms() - started) as f64;
            progress(search.clone());
        }
    }
    search.millis = (crate::ui::browser::now_ms() - started).max(1) as f64;
    search.done = true;
    search
}

#[cfg(not(feature = "hydrate"))]
pub async fn crack(_token: &str, _words: &str, _progress: impl Fn(Search)) -> Search {
    Search {
        error: Some("cracking runs in the browser".into()),
        done: true,
        ..Search::default()
    }
}

#[cfg(test)]
mod tests {
    use super::Search;

    #[test]
    fn a_real_secret_outlasts_the_universe_at_any_measured_rate() {
        let search = Search {
            tried: 4_096,
            millis: 1_000.0,
            ..Search::default()
        };
        assert_eq!(search.per_second(), 4_096.0);
        // 2^256 / 4096 per second is about 2.8e73 s, or 9e65 years.
        assert_eq!(search.years_for_256_bits(), Some(65));
        assert_eq!(Search::default().years_for_256_bits(), None);
    }
}
