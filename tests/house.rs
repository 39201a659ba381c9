//! The house's layer order, checked on the source: every module of `src/` sits on one layer, and
//! imports (`crate::…` paths, `use crate::{…}` groups included) only from its own layer or the
//! layers below it. The README's Layout section states the same order.
//!
//! It reads the files as text (no crate of the lab is linked), so it runs in a blink.

use std::{
    collections::BTreeSet,
    fs,
    path::{Path, PathBuf},
};

/// The layers, top to bottom, and the top-level modules of `src/` on each.
const LAYERS: &[(&str, &[&str])] = &[
    ("shell", &["main", "lib", "server", "app"]),
    (
        "api, ui, lab",
        &["api", "ui", "lab", "bff", "state", "demo", "scenario"],
    ),
    ("auth", &["auth"]),
    (
        "stores, db, audit",
        &["store", "db", "audit", "challenges", "classes"],
    ),
    ("settings, logging, http", &["settings", "logging", "http"]),
    ("wire", &["wire"]),
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|(_, modules)| modules.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules `text` names through `crate::`: `crate::a::b` names `a`, and
/// `crate::{a::b, c}` names `a` and `c`. Comments are skipped.
fn crate_modules(text: &str) -> BTreeSet<String> {
    let code: String = text
        .lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut named = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        // `authlab_crate::` or the like is not `crate::`.
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest_trim = rest.trim_start();
        if let Some(group) = rest_trim.strip_prefix('{') {
            // Names at depth one of the group.
            let (mut depth, mut item_start, mut items) = (1, 0, Vec::new());
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            items.push(&group[item_start..i]);
                            break;
                        }
                    }
                    ',' if depth == 1 => {
                        items.push(&group[item_start..i]);
                        item_start = i + 1;
                    }
                    _ => {}
                }
            }
            for item in items {
                named.insert(first_ident(item));
            }
        } else {
            named.insert(first_ident(rest_trim));
        }
    }
    named.retain(|name| !name.is_empty() && name != "self");
    named
}

fn first_ident(text: &str) -> String {
    text.trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

#[test]
fn every_import_follows_the_layer_order() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut unplaced = Vec::new();
    let mut upward = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).expect("under src");
        let top = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .map(|name| name.trim_end_matches(".rs").to_string())
            .expect("a name");
        let Some(own) = layer_of(&top) else {
            unplaced.push(relative.display().to_string());
            continue;
        };
        let text = fs::read_to_string(file).expect("read");
        for module in crate_modules(&text) {
            match layer_of(&module) {
                Some(theirs) if theirs < own => upward.push(format!(
                    "{} ({}) imports crate::{module} ({})",
                    relative.display(),
                    LAYERS[own].0,
                    LAYERS[theirs].0
                )),
                Some(_) => {}
                None => unplaced.push(format!("crate::{module}, named in {}", relative.display())),
            }
        }
    }
    assert!(
        unplaced.is_empty(),
        "modules on no layer (add each to LAYERS here and to the README's Layout): {unplaced:#?}"
    );
    assert!(
        upward.is_empty(),
        "imports from a lower layer up: {upward:#?}"
    );
}

#[test]
fn the_reader_finds_names_in_paths_and_groups() {
    let text =
        "use crate::{auth::{a, b}, wire::X};\nlet y = crate::db::unix_now(); // crate::api\n";
    let names: Vec<_> = crate_modules(text).into_iter().collect();
    assert_eq!(names, ["auth", "db", "wire"]);
}
