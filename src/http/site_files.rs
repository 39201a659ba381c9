//! The built site's files (`target/site`: the bundle and `public/`), read into memory at start-up
//! and answered from there. leptos_axum's file handler reads each file through tower-http's
//! `ServeDir`, whose every open, stat and read is a hop to tokio's blocking pool and back: the
//! benchmark found `/favicon.svg` costing several times the CPU of an authenticated `/api/me`.
//! A release site is a few megabytes and never changes under a running server, so it is held
//! whole (up to `MAX_BYTES`; past that, the rest is left to the disk).
//!
//! An answer carries what `ServeDir` gave: the content type, the brotli or gzip copy the browser
//! accepts (with `Vary: accept-encoding`), and a validator (`ETag`), so a revalidating browser
//! gets a bodiless 304. The cache policy is `static_files::set_cache_policy`'s, as for any file.
//! Only `GET` and `HEAD` of an exact path are answered; anything else (a dev build, whose files
//! change under the server, included) goes to leptos_axum's handler as before.

use axum::{
    body::{Body, Bytes},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    response::Response,
};
use std::{
    collections::HashMap,
    hash::{Hash, Hasher},
    path::Path,
};

/// The most bytes held (every copy of every file together).
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// One file and its precompressed copies.
struct File {
    content_type: HeaderValue,
    etag: HeaderValue,
    plain: Bytes,
    br: Option<Bytes>,
    gzip: Option<Bytes>,
}

/// The site's files by URL path (`/pkg/authlab.<hash>.wasm`, `/favicon.svg`).
#[derive(Default)]
pub struct SiteFiles {
    files: HashMap<String, File>,
}

impl SiteFiles {
    /// Read every file under `site_root` (nothing when it is missing), up to `MAX_BYTES`.
    pub fn load(site_root: &Path) -> SiteFiles {
        let mut found = Vec::new();
        collect(site_root, &mut found);
        // Smallest first: when the cap bites, the many small files stay in memory.
        found.sort_by_key(|(_, len)| *len);
        let mut held = 0u64;
        let mut bytes: HashMap<String, Bytes> = HashMap::new();
        for (path, len) in found {
            if held + len > MAX_BYTES {
                break;
            }
            let Ok(relative) = path.strip_prefix(site_root) else {
                continue;
            };
            let Some(url) = url_path(relative) else {
                continue;
            };
            if let Ok(content) = std::fs::read(&path) {
                held += content.len() as u64;
                bytes.insert(url, Bytes::from(content));
            }
        }
        let mut files = HashMap::new();
        for (url, plain) in &bytes {
            if url.ends_with(".br") || url.ends_with(".gz") {
                continue;
            }
            let content_type = mime_guess::from_path(url)
                .first_raw()
                .map(HeaderValue::from_static)
                .unwrap_or(HeaderValue::from_static("application/octet-stream"));
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            plain.hash(&mut hasher);
            let etag = HeaderValue::from_str(&format!("\"{:016x}\"", hasher.finish()))
                .expect("hex digits in quotes are a valid header value");
            files.insert(
                url.clone(),
                File {
                    content_type,
                    etag,
                    plain: plain.clone(),
                    br: bytes.get(&format!("{url}.br")).cloned(),
                    gzip: bytes.get(&format!("{url}.gz")).cloned(),
                },
            );
        }
        SiteFiles { files }
    }

    /// How many files are held.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The answer for a `GET` or `HEAD` of a held file; `None` for anything else.
    pub fn answer(&self, method: &Method, path: &str, headers: &HeaderMap) -> Option<Response> {
        if method != Method::GET && method != Method::HEAD {
            return None;
        }
        let file = self.files.get(path)?;
        let compressed = file.br.is_some() || file.gzip.is_some();
        let mut response = if if_none_match(headers, &file.etag) {
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::NOT_MODIFIED;
            response
        } else {
            let accepts = Accepts::of(headers);
            let (body, encoding) = match (&file.br, &file.gzip) {
                (Some(br), _) if accepts.br => (br.clone(), Some("br")),
                (_, Some(gzip)) if accepts.gzip => (gzip.clone(), Some("gzip")),
                _ => (file.plain.clone(), None),
            };
            let length = body.len();
            let mut response = Response::new(if method == Method::HEAD {
                Body::empty()
            } else {
                Body::from(body)
            });
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, file.content_type.clone());
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
            if let Some(encoding) = encoding {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
            }
            response
        };
        let headers = response.headers_mut();
        headers.insert(header::ETAG, file.etag.clone());
        if compressed {
            // The same URL answers brotli, gzip or plain: a shared cache must tell them apart.
            headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        Some(response)
    }
}

/// Every regular file under `dir` with its length (symbolic links are not followed).
fn collect(dir: &Path, found: &mut Vec<(std::path::PathBuf, u64)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            collect(&entry.path(), found);
        } else if kind.is_file() {
            if let Ok(meta) = entry.metadata() {
                found.push((entry.path(), meta.len()));
            }
        }
    }
}

/// `pkg/authlab.js` → `/pkg/authlab.js`; a name that is not plain UTF-8 is not held.
fn url_path(relative: &Path) -> Option<String> {
    let mut url = String::new();
    for part in relative.components() {
        url.push('/');
        url.push_str(part.as_os_str().to_str()?);
    }
    Some(url)
}

/// Whether `If-None-Match` names `etag` (or is `*`).
fn if_none_match(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let Ok(etag) = etag.to_str() else {
        return false;
    };
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == etag || tag == "*")
}

/// The encodings a request accepts (`Accept-Encoding`, a `q=0` meaning "not this one").
#[derive(Default)]
struct Accepts {
    br: bool,
    gzip: bool,
}

impl Accepts {
    fn of(headers: &HeaderMap) -> Accepts {
        let mut accepts = Accepts::default();
        let codings = headers
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','));
        for coding in codings {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|param| {
                param
                    .trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            if refused {
                continue;
            }
            if name.eq_ignore_ascii_case("br") {
                accepts.br = true;
            } else if name.eq_ignore_ascii_case("gzip") || name == "*" {
                accepts.gzip = true;
            }
        }
        accepts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> (tempfile::TempDir, SiteFiles) {
        let dir = tempfile::tempdir().unwrap();
        let pkg = dir.path().join("pkg");
        std::fs::create_dir_all(&pkg).unwrap();
        std::fs::write(pkg.join("app.wasm"), b"plain wasm").unwrap();
        std::fs::write(pkg.join("app.wasm.br"), b"br").unwrap();
        std::fs::write(pkg.join("app.wasm.gz"), b"gz").unwrap();
        std::fs::write(dir.path().join("favicon.svg"), b"<svg/>").unwrap();
        let files = SiteFiles::load(dir.path());
        (dir, files)
    }

    fn get(files: &SiteFiles, path: &str, headers: &[(&str, &str)]) -> Option<Response> {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(
                header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        files.answer(&Method::GET, path, &map)
    }

    async fn body(response: Response) -> Vec<u8> {
        axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap()
            .to_vec()
    }

    #[tokio::test]
    async fn each_browser_gets_the_copy_it_can_read() {
        let (_dir, files) = site();
        assert_eq!(files.len(), 2, "the .br and .gz are copies, not files");
        let br = get(&files, "/pkg/app.wasm", &[("accept-encoding", "gzip, br")]).unwrap();
        assert_eq!(br.headers()["content-encoding"], "br");
        assert_eq!(br.headers()["content-type"], "application/wasm");
        assert_eq!(br.headers()["vary"], "accept-encoding");
        assert_eq!(body(br).await, b"br");
        let gzip = get(
            &files,
            "/pkg/app.wasm",
            &[("accept-encoding", "br;q=0, gzip")],
        )
        .unwrap();
        assert_eq!(gzip.headers()["content-encoding"], "gzip");
        assert_eq!(body(gzip).await, b"gz");
        let plain = get(&files, "/pkg/app.wasm", &[]).unwrap();
        assert!(plain.headers().get("content-encoding").is_none());
        assert_eq!(body(plain).await, b"plain wasm");
        let svg = get(&files, "/favicon.svg", &[("accept-encoding", "br")]).unwrap();
        assert_eq!(svg.headers()["content-type"], "image/svg+xml");
        assert!(svg.headers().get("vary").is_none());
        assert_eq!(body(svg).await, b"<svg/>");
    }

    #[tokio::test]
    async fn a_browser_that_has_the_file_gets_a_bodiless_304() {
        let (_dir, files) = site();
        let first = get(&files, "/favicon.svg", &[]).unwrap();
        let etag = first.headers()["etag"].to_str().unwrap().to_string();
        let again = get(&files, "/favicon.svg", &[("if-none-match", &etag)]).unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert!(body(again).await.is_empty());
        let other = get(&files, "/favicon.svg", &[("if-none-match", "\"other\"")]).unwrap();
        assert_eq!(other.status(), StatusCode::OK);
    }

    #[test]
    fn only_exact_paths_of_held_files_are_answered() {
        let (_dir, files) = site();
        for path in [
            "/pkg/app.wasm.br",
            "/pkg/../favicon.svg",
            "/pkg/%61pp.wasm",
            "/nothing",
            "/pkg",
        ] {
            assert!(get(&files, path, &[]).is_none(), "{path}");
        }
        assert!(files
            .answer(&Method::POST, "/favicon.svg", &HeaderMap::new())
            .is_none());
    }
}
