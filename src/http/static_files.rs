//! The browser bundle as it is served: content-hashed names that may be cached for good, and the
//! precompressed copies a release build writes next to each file.
//!
//! `cargo leptos build --release --precompress` (scripts/run.sh, scripts/test.sh) writes
//! `pkg/authlab.<hash>.{js,wasm,css}` plus a `.br` and a `.gz` of each, and `hash.txt` (the three
//! hashes) next to the server binary. leptos_axum's file handler already serves the `.br`/`.gz`
//! copy to a browser that accepts it (tower-http's `ServeDir`); this file decides, at start-up,
//! whether the hashed names can be used, and which answers may be cached forever. With `--split`
//! (every script builds so, see `app.rs`) the pages split out of the main WASM are further hashed
//! files: a loader script, a manifest and the chunks it lists.

use axum::{
    http::{header, HeaderValue},
    response::Response,
};
use std::{collections::HashSet, path::Path};

/// The bundle's hashed file names (`/pkg/authlab.<hash>.wasm`, …) found at start-up.
#[derive(Debug, Default, Clone)]
pub struct HashedBundle {
    paths: HashSet<String>,
}

impl HashedBundle {
    /// Reads `hash_file` (cargo-leptos' `kind: hash` lines) and keeps the names whose file is
    /// really in `site_root/pkg_dir`. Any file missing, or no hash file (`cargo test`, a binary
    /// built by plain cargo): no hashed names, and the page links the plain ones.
    pub fn find(hash_file: &Path, site_root: &Path, pkg_dir: &str, output_name: &str) -> Self {
        let Ok(hashes) = std::fs::read_to_string(hash_file) else {
            return Self::default();
        };
        let mut paths = HashSet::new();
        for line in hashes.lines() {
            let Some((kind, hash)) = line.split_once(':') else {
                continue;
            };
            let (kind, hash) = (kind.trim(), hash.trim());
            if !matches!(kind, "js" | "wasm" | "css") {
                continue;
            }
            let name = format!("{output_name}.{hash}.{kind}");
            if !site_root.join(pkg_dir).join(&name).is_file() {
                return Self::default();
            }
            paths.insert(format!("/{pkg_dir}/{name}"));
        }
        // All three, or the page would link a mix of hashed and missing names.
        if paths.len() != 3 {
            return Self::default();
        }
        paths.extend(split_files(&hashes, &site_root.join(pkg_dir), pkg_dir));
        Self { paths }
    }

    /// Where the server binary's `hash.txt` is (cargo-leptos writes it beside the binary).
    pub fn hash_file_beside_binary(name: &str) -> std::path::PathBuf {
        std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(Path::to_path_buf))
            .unwrap_or_default()
            .join(name)
    }

    pub fn in_use(&self) -> bool {
        !self.paths.is_empty()
    }

    pub fn is_hashed(&self, path: &str) -> bool {
        self.paths.contains(path)
    }
}

/// The files of a split build (`cargo leptos build --split`, see `app.rs`), all content-hashed
/// too: the loader script and the manifest (named in `hash.txt`), and every chunk the manifest
/// lists. Only files that are really there.
fn split_files(hashes: &str, pkg: &Path, pkg_dir: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut manifest = None;
    for line in hashes.lines() {
        match line
            .split_once(':')
            .map(|(kind, hash)| (kind.trim(), hash.trim()))
        {
            Some(("split", hash)) => names.push(format!("__wasm_split.{hash}.js")),
            Some(("manifest", hash)) => {
                let name = format!("__wasm_split_manifest.{hash}.json");
                manifest = std::fs::read_to_string(pkg.join(&name)).ok();
                names.push(name);
            }
            _ => {}
        }
    }
    // {"<split point>": ["chunk_9.<hash>", …, "split_<name>.<hash>"], …}
    let chunks: std::collections::HashMap<String, Vec<String>> = manifest
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default();
    names.extend(
        chunks
            .into_values()
            .flatten()
            .map(|chunk| format!("{chunk}.wasm")),
    );
    names
        .into_iter()
        .filter(|name| pkg.join(name).is_file())
        .map(|name| format!("/{pkg_dir}/{name}"))
        .collect()
}

/// The cache policy of an answer (`hashed`: whether its path is one of the bundle's hashed
/// names). A hashed name changes whenever its content does, so a browser may keep it a year
/// without asking again (`immutable`: not even on reload). Anything else under `/pkg/` or from
/// `public/` must be revalidated on each use (`no-cache`): an unhashed `authlab.wasm` cached for a
/// year would pin a class to an old build that no longer matches the server's pages. An answer
/// that set its own policy (every `/api` answer says `no-store`) keeps it.
pub fn set_cache_policy(hashed: bool, response: &mut Response) {
    if !response.status().is_success() || response.headers().contains_key(header::CACHE_CONTROL) {
        return;
    }
    let policy = if hashed {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    if hashed {
        // One name, a brotli, a gzip or a plain body depending on what the browser accepts: a
        // shared cache must not hand a brotli body to a browser that cannot read it.
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
}

#[cfg(test)]
mod tests {
    use super::HashedBundle;

    #[test]
    fn hashed_names_are_used_only_when_every_file_is_there() {
        let dir = tempfile::tempdir().unwrap();
        let pkg = dir.path().join("pkg");
        std::fs::create_dir_all(&pkg).unwrap();
        let hash_file = dir.path().join("hash.txt");
        std::fs::write(&hash_file, "js: aaa\nwasm: bbb\ncss: ccc\n").unwrap();
        for name in ["authlab.aaa.js", "authlab.bbb.wasm"] {
            std::fs::write(pkg.join(name), b"x").unwrap();
        }
        let found = HashedBundle::find(&hash_file, dir.path(), "pkg", "authlab");
        assert!(!found.in_use(), "css missing: the plain names stay");
        std::fs::write(pkg.join("authlab.ccc.css"), b"x").unwrap();
        let found = HashedBundle::find(&hash_file, dir.path(), "pkg", "authlab");
        assert!(found.in_use());
        assert!(found.is_hashed("/pkg/authlab.bbb.wasm"));
        assert!(!found.is_hashed("/pkg/authlab.wasm"));
        let none = HashedBundle::find(&dir.path().join("nope"), dir.path(), "pkg", "authlab");
        assert!(!none.in_use());
    }

    #[test]
    fn a_split_builds_loader_manifest_and_chunks_are_hashed_names_too() {
        let dir = tempfile::tempdir().unwrap();
        let pkg = dir.path().join("pkg");
        std::fs::create_dir_all(&pkg).unwrap();
        let hash_file = dir.path().join("hash.txt");
        std::fs::write(
            &hash_file,
            "js: aaa\nwasm: bbb\ncss: ccc\nmanifest: mmm\nsplit: sss\n",
        )
        .unwrap();
        std::fs::write(
            pkg.join("__wasm_split_manifest.mmm.json"),
            r#"{"__page_1":["chunk_1.h1","split___page_1.h2"],"__page_2":["chunk_1.h1"]}"#,
        )
        .unwrap();
        for name in [
            "authlab.aaa.js",
            "authlab.bbb.wasm",
            "authlab.ccc.css",
            "__wasm_split.sss.js",
            "chunk_1.h1.wasm",
            "split___page_1.h2.wasm",
        ] {
            std::fs::write(pkg.join(name), b"x").unwrap();
        }
        let found = HashedBundle::find(&hash_file, dir.path(), "pkg", "authlab");
        for path in [
            "/pkg/__wasm_split.sss.js",
            "/pkg/__wasm_split_manifest.mmm.json",
            "/pkg/chunk_1.h1.wasm",
            "/pkg/split___page_1.h2.wasm",
        ] {
            assert!(found.is_hashed(path), "{path}");
        }
        assert!(!found.is_hashed("/pkg/chunk_2.h3.wasm"));
    }
}
