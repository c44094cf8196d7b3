//! The emulator's layering (issue #21): operations (`src/ops/`) sit on the user-lifecycle layer
//! (`src/lifecycle/`) and never call each other, and the layer never calls an operation. Were an
//! operation module to import another again, a lifecycle event (and the Lambda trigger that
//! hangs on it) could once more happen in two places; this test keeps the circle from coming
//! back.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

fn sources(dir: &str) -> Vec<(PathBuf, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir);
    let mut files: Vec<(PathBuf, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            (path, text)
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no sources in {}", dir.display());
    files
}

fn module_name(path: &Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}

/// Every `prefix<name>` in `text` (code only: line comments are skipped).
fn paths_after<'a>(text: &'a str, prefix: &str) -> Vec<(usize, &'a str)> {
    let mut found = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find(prefix) {
            let after = &rest[at + prefix.len()..];
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            found.push((number + 1, &after[..end]));
            rest = &after[end..];
        }
        // `use super::{a, b}` / `use crate::ops::{a, b}`
        let group_prefix = format!("{prefix}{{");
        if let Some(at) = code.find(&group_prefix) {
            let inner = &code[at + group_prefix.len()..];
            let inner = inner.split('}').next().unwrap_or("");
            for name in inner.split(',') {
                let name = name.trim().split("::").next().unwrap_or("").trim();
                if !name.is_empty() {
                    found.push((number + 1, name));
                }
            }
        }
    }
    found
}

#[test]
fn no_operation_module_imports_another() {
    let ops = sources("ops");
    let names: Vec<String> = ops.iter().map(|(path, _)| module_name(path)).collect();
    let mut offences = Vec::new();
    for (path, text) in &ops {
        let this = module_name(path);
        if this == "mod" {
            // The dispatch table names every operation; that is its job.
            continue;
        }
        for prefix in ["super::", "crate::ops::"] {
            for (line, name) in paths_after(text, prefix) {
                let is_ops_module = names.iter().any(|n| n == name && n != "mod");
                // `use super::*;` in a file's own `mod tests` names the file itself.
                if is_ops_module || (prefix != "super::" && !name.is_empty()) {
                    offences.push(format!("ops/{this}.rs:{line}: {prefix}{name}"));
                }
            }
        }
        assert!(
            !text.contains("super::super"),
            "ops/{this}.rs reaches into its parent's modules"
        );
    }
    assert!(
        offences.is_empty(),
        "operation modules import each other (call crate::lifecycle instead):\n{}",
        offences.join("\n")
    );
}

#[test]
fn the_lifecycle_layer_calls_no_operation() {
    let mut offences = Vec::new();
    for (path, text) in sources("lifecycle") {
        for (number, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if code.contains("crate::ops") || code.contains("super::super") {
                offences.push(format!(
                    "lifecycle/{}.rs:{}: {}",
                    module_name(&path),
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        offences.is_empty(),
        "the lifecycle layer must not depend on the operations:\n{}",
        offences.join("\n")
    );
}

#[test]
fn the_check_sees_an_import() {
    // The scanner itself: these lines would be offences in an ops module.
    let sample = "use super::admin::{insert_new_user};\nuse super::{auth, common};\nlet x = super::events::context_data(p);\nuse super::*;\n";
    let names: Vec<&str> = paths_after(sample, "super::")
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    for expected in ["admin", "auth", "common", "events"] {
        assert!(
            names.contains(&expected),
            "{expected} not seen in {names:?}"
        );
    }
}
