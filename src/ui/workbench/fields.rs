//! What each field of a token's header and payload means, in one line: the workbench shows it
//! beside the field, so a learner editing `kid` or `aud` knows which check reads it.

/// The one-line meaning of header field `name`.
pub fn header(name: &str) -> &'static str {
    match name {
        "alg" => "the algorithm the token claims; this server reads it only to refuse a mismatch with the key's own",
        "typ" => "the kind of token; access tokens here say at+jwt (RFC 9068)",
        "kid" => "which key signed it; looked up in the server's own key ring only",
        "jwk" => "a public key embedded in the token: ignored, unless the account switched that defence off",
        "jku" => "a URL of keys: never fetched; followed to the attacker site's JWKS only where switched off",
        "x5u" => "a URL of a certificate: ignored",
        "crit" => "extensions the verifier must understand; this server understands none, so it refuses",
        "cty" => "the content type of the payload: not read",
        _ => "not read by this server",
    }
}

/// The one-line meaning of claim `name`.
pub fn claim(name: &str) -> &'static str {
    match name {
        "iss" => "who issued it; must be this server exactly",
        "aud" => "who it is for; must be this API exactly",
        "sub" => "the account it speaks for; must own the signing key",
        "role" => "the role the token claims; the token's word, not the accounts table's",
        "iat" => "when it was issued; compared with the account's revocation events",
        "nbf" => "not valid before this moment (with a small leeway)",
        "exp" => "not valid from this moment on (with a small leeway)",
        "jti" => "this token's own id: what a denylist stores",
        _ => "not checked by this server (RFC 7519 says ignore what you do not use)",
    }
}

/// The claims read as moments.
pub const MOMENTS: [&str; 3] = ["iat", "nbf", "exp"];
