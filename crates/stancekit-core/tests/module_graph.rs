//! The engine's module graph, read from its sources: which module uses which, and no circle among them.
//!
//! Every `.rs` file under `src/` is a module (`src/a/mod.rs` is `a`, `src/a/b.rs` is `a::b`). A module uses another
//! when its code (comments left out; its tests included) names a path into it: `crate::a::b::Item`,
//! `super::sibling`, `self::child`, in a `use` tree or inline. A path to an item of a `mod.rs` is a use of that
//! module, so a parent that re-exports its children and a child that imports through its parent form a circle:
//! children name each other directly. The graph must be acyclic at file level and at every folder level (`a::b`
//! and `a::c` collapsed into `a` at level one), so that the rooms depend on each other one way.
//!
//! `cargo test -p stancekit-core --test module_graph -- --nocapture` prints the graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("src is readable")
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// `src/a/b.rs` → `["a", "b"]`; `src/a/mod.rs` → `["a"]`; `src/lib.rs` → `[]`.
fn module_path(root: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(root).expect("a file under src");
    let mut parts: Vec<String> = relative
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().expect("a file name");
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_owned());
    }
    parts
}

/// The code of a file without comments and without the contents of string literals.
fn code_only(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut index = 0;
    while index < chars.len() {
        let here = chars[index];
        let next = chars.get(index + 1).copied();
        if here == '/' && next == Some('/') {
            while index < chars.len() && chars[index] != '\n' {
                index += 1;
            }
        } else if here == '/' && next == Some('*') {
            index += 2;
            while index + 1 < chars.len() && !(chars[index] == '*' && chars[index + 1] == '/') {
                index += 1;
            }
            index += 2;
        } else if here == '"' {
            index += 1;
            while index < chars.len() && chars[index] != '"' {
                if chars[index] == '\\' {
                    index += 1;
                }
                index += 1;
            }
            index += 1;
            out.push_str("\"\"");
        } else if here == 'r' && next == Some('#') && chars.get(index + 2) == Some(&'"') {
            index += 3;
            while index + 1 < chars.len() && !(chars[index] == '"' && chars[index + 1] == '#') {
                index += 1;
            }
            index += 2;
            out.push_str("\"\"");
        } else if here == '\'' {
            // A char literal ('x', '\n', '\'') is skipped; a lifetime ('a) is kept.
            let closing = (index + 2..(index + 12).min(chars.len()))
                .find(|&at| chars[at] == '\'' && (chars[at - 1] != '\\' || chars[at - 2] == '\\'));
            match closing {
                Some(end) if chars[index + 1] == '\\' || end == index + 2 => {
                    index = end + 1;
                    out.push_str("' '");
                }
                _ => {
                    out.push(here);
                    index += 1;
                }
            }
        } else {
            out.push(here);
            index += 1;
        }
    }
    out
}

/// Every path the code names, `use` trees expanded: `use crate::a::{b, c::D};` gives `crate::a::b` and
/// `crate::a::c::D`; inline paths such as `crate::a::f(…)` and `super::b::C` are taken as written. Inside an
/// inline module (`mod tests { … }`) the first `super` names the file's own module: such a `super` is dropped.
fn paths(code: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let tokens = tokenize(code);
    let mut index = 0;
    // Brace depth, and the depths at which inline modules opened.
    let mut depth = 0usize;
    let mut inline: Vec<usize> = Vec::new();
    let own_module = |mut path: Vec<String>, inline: &[usize]| -> Vec<String> {
        let mut removed = 0;
        while removed < inline.len() && path.first().map(String::as_str) == Some("super") {
            path.remove(0);
            removed += 1;
        }
        if removed > 0 && path.first().map(String::as_str) != Some("super") {
            path.insert(0, "self".to_owned());
        }
        path
    };
    while index < tokens.len() {
        match tokens[index].as_str() {
            "{" => depth += 1,
            "}" => {
                if inline.last() == Some(&depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
            }
            "mod" if tokens.get(index + 2).is_some_and(|token| token == "{") => {
                inline.push(depth + 1);
            }
            _ => {}
        }
        if tokens[index] == "use" {
            let mut end = index + 1;
            while end < tokens.len() && tokens[end] != ";" {
                end += 1;
            }
            let mut used = Vec::new();
            expand(&tokens[index + 1..end], &mut Vec::new(), &mut used);
            found.extend(used.into_iter().map(|path| own_module(path, &inline)));
            index = end;
            continue;
        }
        if matches!(tokens[index].as_str(), "crate" | "super" | "self")
            && tokens.get(index + 1).is_some_and(|token| token == "::")
            && (index == 0 || tokens[index - 1] != "::")
        {
            let mut path = vec![tokens[index].clone()];
            let mut at = index + 1;
            while at + 1 < tokens.len() && tokens[at] == "::" && is_word(&tokens[at + 1]) {
                path.push(tokens[at + 1].clone());
                at += 2;
            }
            found.push(own_module(path, &inline));
            index = at;
            continue;
        }
        index += 1;
    }
    found
}

fn is_word(token: &str) -> bool {
    token
        .chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '_')
}

fn tokenize(code: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = code.chars().collect();
    let mut index = 0;
    while index < chars.len() {
        let c = chars[index];
        if c.is_alphanumeric() || c == '_' {
            let start = index;
            while index < chars.len() && (chars[index].is_alphanumeric() || chars[index] == '_') {
                index += 1;
            }
            tokens.push(chars[start..index].iter().collect());
        } else if c == ':' && chars.get(index + 1) == Some(&':') {
            tokens.push("::".to_owned());
            index += 2;
        } else {
            if !c.is_whitespace() {
                tokens.push(c.to_string());
            }
            index += 1;
        }
    }
    tokens
}

/// Expands one `use` tree (its tokens after `use`, before `;`) under `prefix`.
fn expand(tokens: &[String], prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    let mut path = prefix.clone();
    let mut index = 0;
    while index < tokens.len() {
        let token = &tokens[index];
        if token == "{" {
            // Split the group at top-level commas.
            let mut depth = 0;
            let mut start = index + 1;
            let mut at = index + 1;
            while at < tokens.len() {
                match tokens[at].as_str() {
                    "{" => depth += 1,
                    "}" if depth == 0 => break,
                    "}" => depth -= 1,
                    "," if depth == 0 => {
                        expand(&tokens[start..at], &mut path.clone(), out);
                        start = at + 1;
                    }
                    _ => {}
                }
                at += 1;
            }
            if start < at {
                expand(&tokens[start..at], &mut path.clone(), out);
            }
            return;
        }
        if token == "as" {
            break;
        }
        if is_word(token) && token != "pub" {
            path.push(token.clone());
        }
        index += 1;
    }
    if !path.is_empty() && path != *prefix {
        out.push(path);
    }
}

/// The module a path names, as the longest known module prefix of its absolute form.
fn target(
    from: &[String],
    path: &[String],
    modules: &BTreeSet<Vec<String>>,
) -> Option<Vec<String>> {
    let (mut absolute, rest): (Vec<String>, &[String]) = match path.first().map(String::as_str) {
        Some("crate") => (Vec::new(), &path[1..]),
        Some("self") => (from.to_vec(), &path[1..]),
        Some("super") => {
            // In `a/b.rs` (module a::b) `super` is `a`; in `a/mod.rs` (module a) it is the crate root.
            let mut absolute = from.to_vec();
            let mut at = 0;
            while path.get(at).map(String::as_str) == Some("super") {
                absolute.pop()?;
                at += 1;
            }
            (absolute, &path[at..])
        }
        // A path relative to the module itself (`pub use child::Item;` in a `mod.rs`).
        Some(first) if modules.contains(&[from, &[first.to_owned()]].concat()) => {
            (from.to_vec(), path)
        }
        _ => return None,
    };
    absolute.extend(rest.iter().cloned());
    (0..=absolute.len())
        .rev()
        .map(|length| absolute[..length].to_vec())
        .find(|candidate| modules.contains(candidate))
}

fn graph() -> Graph {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    source_files(&root, &mut files);
    let modules: BTreeSet<Vec<String>> =
        files.iter().map(|file| module_path(&root, file)).collect();
    let mut graph = Graph::new();
    for file in &files {
        let from = module_path(&root, file);
        let source = std::fs::read_to_string(file).expect("a readable source file");
        let name = from.join("::");
        let uses = graph.entry(name.clone()).or_default();
        for path in paths(&code_only(&source)) {
            if let Some(to) = target(&from, &path, &modules) {
                let to = to.join("::");
                if to != name {
                    uses.insert(to);
                }
            }
        }
    }
    graph
}

/// The graph with every module cut to its first `depth` path parts (the crate root stays the root).
fn collapsed(graph: &Graph, depth: usize) -> Graph {
    let cut = |name: &str| -> String {
        name.split("::")
            .filter(|part| !part.is_empty())
            .take(depth)
            .collect::<Vec<_>>()
            .join("::")
    };
    let mut out = Graph::new();
    for (from, uses) in graph {
        let from = cut(from);
        let entry = out.entry(from.clone()).or_default();
        for to in uses {
            let to = cut(to);
            if to != from {
                entry.insert(to);
            }
        }
    }
    out
}

/// A circle of the graph, if there is one (depth-first search).
fn circle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &Graph,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_owned(), 1);
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next.as_str()).copied().unwrap_or(0) {
                1 => {
                    let start = stack.iter().position(|name| name == next).unwrap_or(0);
                    let mut found = stack[start..].to_vec();
                    found.push(next.clone());
                    return Some(found);
                }
                0 => {
                    if let Some(found) = visit(next, graph, state, stack) {
                        return Some(found);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if state.get(node.as_str()).copied().unwrap_or(0) == 0 {
            if let Some(found) = visit(node, graph, &mut state, &mut Vec::new()) {
                return Some(found);
            }
        }
    }
    None
}

fn show(graph: &Graph) -> String {
    graph
        .iter()
        .map(|(from, uses)| {
            let name = if from.is_empty() { "(crate)" } else { from };
            format!(
                "{name} -> {}",
                uses.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_modules_depend_on_each_other_one_way() {
    let graph = graph();
    // The reader found the engine's modules and uses (a reader that finds nothing would pass vacuously).
    assert!(graph.len() > 30, "only {} modules found", graph.len());
    assert!(graph["pipelines::ner"].contains("runtime::scheduler"));
    assert!(graph["analysis"].contains("analysis::analyze"));
    // The crate root only declares and re-exports: its uses are the rooms, nobody uses it.
    let root_users: Vec<&String> = graph
        .iter()
        .filter(|(from, uses)| !from.is_empty() && uses.contains(""))
        .map(|(from, _)| from)
        .collect();
    assert!(
        root_users.is_empty(),
        "these modules name items through the crate root instead of their own modules: {root_users:?}"
    );
    let without_root: Graph = graph
        .iter()
        .filter(|(from, _)| !from.is_empty())
        .map(|(from, uses)| (from.clone(), uses.clone()))
        .collect();
    let depth = without_root
        .keys()
        .map(|name| name.split("::").count())
        .max()
        .unwrap_or(1);
    println!("{}", show(&without_root));
    for level in (1..=depth).rev() {
        let view = collapsed(&without_root, level);
        if let Some(found) = circle(&view) {
            panic!(
                "a circle among the modules at depth {level}: {}\n\n{}",
                found.join(" -> "),
                show(&view)
            );
        }
    }
}

#[test]
fn the_reader_sees_use_trees_inline_paths_and_circles() {
    let code = code_only(
        "use crate::a::{b, c::{D, e}};\n// use crate::z;\nuse super::f as g;\nfn x() { crate::h::i(); \
         let s = \"crate::q\"; }\nmod tests { use super::*; use super::super::k; }",
    );
    let mut found: Vec<String> = paths(&code).iter().map(|path| path.join("::")).collect();
    found.sort();
    assert_eq!(
        found,
        [
            "crate::a::b",
            "crate::a::c::D",
            "crate::a::c::e",
            "crate::h::i",
            "self",
            "super::f",
            "super::k"
        ]
    );
    let modules: BTreeSet<Vec<String>> =
        [vec![], vec!["a".to_owned()], vec!["a".into(), "c".into()]]
            .into_iter()
            .collect();
    let words = |path: &str| path.split("::").map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(
        target(&words("a::c"), &words("super::X"), &modules),
        Some(words("a"))
    );
    assert_eq!(
        target(&[], &words("crate::a::c::D"), &modules),
        Some(words("a::c"))
    );
    assert_eq!(
        target(&words("a"), &words("c::D"), &modules),
        Some(words("a::c"))
    );
    assert_eq!(target(&words("a"), &words("std::io"), &modules), None);
    let mut circular = Graph::new();
    circular
        .entry("a::x".into())
        .or_default()
        .insert("b::y".into());
    circular
        .entry("b::y".into())
        .or_default()
        .insert("a::z".into());
    circular.entry("a::z".into()).or_default();
    assert!(circle(&circular).is_none());
    assert!(circle(&collapsed(&circular, 1)).is_some());
}
