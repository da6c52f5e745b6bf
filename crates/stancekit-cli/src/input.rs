//! Documents from files, stdin or JSONL, read one at a time: a corpus never has to fit in memory.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::args::InputFormat;

/// A readable document.
#[derive(Debug, Clone)]
pub struct Input {
    pub text: String,
    /// The document's own targets (a JSONL `targets` field), if it names any.
    pub targets: Option<Vec<String>>,
}

/// A document to process, or the reason it could not be read.
#[derive(Debug)]
pub struct Document {
    pub id: String,
    pub input: Result<Input, String>,
}

impl Document {
    fn unreadable(id: String, message: String) -> Document {
        Document {
            id,
            input: Err(message),
        }
    }
}

/// Whether `path` is read as JSONL under `format`.
pub fn is_jsonl(path: &Path, format: InputFormat) -> bool {
    match format {
        InputFormat::Jsonl => true,
        InputFormat::Text => false,
        InputFormat::Auto => path
            .extension()
            .is_some_and(|extension| extension == "jsonl"),
    }
}

fn is_stdin(path: &Path) -> bool {
    path == Path::new("-")
}

/// The input paths, stdin (`-`) when none is given.
pub fn paths(files: &[PathBuf]) -> Vec<PathBuf> {
    if files.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        files.to_vec()
    }
}

fn decode_utf8(bytes: Vec<u8>, what: &str) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|error| {
        format!(
            "{what} is not valid UTF-8: invalid byte at offset {}",
            error.utf8_error().valid_up_to()
        )
    })
}

fn open(path: &Path) -> Result<Box<dyn Read>, String> {
    if is_stdin(path) {
        Ok(Box::new(std::io::stdin()))
    } else {
        File::open(path)
            .map(|file| Box::new(file) as Box<dyn Read>)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))
    }
}

fn display_name(path: &Path) -> String {
    if is_stdin(path) {
        "stdin".to_owned()
    } else {
        path.display().to_string()
    }
}

/// Parses one JSONL line into a document; `fallback_id` names it when it has no `id` (or cannot be parsed).
fn jsonl_document(line: Vec<u8>, number: usize, fallback_id: String) -> Document {
    let object = decode_utf8(line, &format!("line {number}")).and_then(|line| {
        match serde_json::from_str::<serde_json::Value>(&line) {
            Ok(serde_json::Value::Object(object)) => Ok(object),
            Ok(_) => Err(format!("line {number} is not a JSON object")),
            Err(error) => Err(format!("line {number} is not JSON: {error}")),
        }
    });
    let object = match object {
        Ok(object) => object,
        Err(message) => return Document::unreadable(fallback_id, message),
    };
    let id = match object.get("id") {
        Some(serde_json::Value::String(id)) => id.clone(),
        Some(serde_json::Value::Null) | None => fallback_id,
        Some(other) => other.to_string(),
    };
    let Some(text) = object.get("text").and_then(serde_json::Value::as_str) else {
        return Document::unreadable(id, format!("line {number} has no string \"text\" field"));
    };
    let targets = match object.get("targets") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::Array(items)) => {
            match items
                .iter()
                .map(|item| item.as_str().map(str::to_owned))
                .collect()
            {
                Some(targets) => Some(targets),
                None => {
                    let message = format!("line {number}: \"targets\" must be a list of strings");
                    return Document::unreadable(id, message);
                }
            }
        }
        Some(_) => {
            let message = format!("line {number}: \"targets\" must be a list of strings");
            return Document::unreadable(id, message);
        }
    };
    Document {
        id,
        input: Ok(Input {
            text: text.to_owned(),
            targets,
        }),
    }
}

/// The documents of a JSONL source currently being read.
struct JsonlSource {
    name: String,
    reader: BufReader<Box<dyn Read>>,
    line: usize,
}

/// Documents of every input path in order, read lazily.
pub struct Documents {
    paths: VecDeque<PathBuf>,
    format: InputFormat,
    current: Option<JsonlSource>,
}

impl Documents {
    pub fn new(files: &[PathBuf], format: InputFormat) -> Documents {
        Documents {
            paths: paths(files).into(),
            format,
            current: None,
        }
    }

    /// The next line of the current JSONL source as a document; `None` at its end.
    fn next_line(&mut self) -> Option<Document> {
        let source = self.current.as_mut()?;
        let mut line = Vec::new();
        match next_non_blank(&mut source.reader, &mut line, &mut source.line) {
            Ok(true) => {
                let fallback = format!("{}:{}", source.name, source.line);
                Some(jsonl_document(line, source.line, fallback))
            }
            Ok(false) => {
                self.current = None;
                None
            }
            Err(error) => {
                let id = format!("{}:{}", source.name, source.line);
                let message = format!("cannot read {}: {error}", source.name);
                self.current = None;
                Some(Document::unreadable(id, message))
            }
        }
    }
}

/// Reads the next line that is not blank into `line`, counting every line read in `number` (1-based line
/// numbers); `Ok(false)` at the end of the input.
fn next_non_blank(
    reader: &mut impl BufRead,
    line: &mut Vec<u8>,
    number: &mut usize,
) -> std::io::Result<bool> {
    loop {
        line.clear();
        *number += 1;
        if reader.read_until(b'\n', line)? == 0 {
            return Ok(false);
        }
        if !line.iter().all(u8::is_ascii_whitespace) {
            return Ok(true);
        }
    }
}

impl Iterator for Documents {
    type Item = Document;

    fn next(&mut self) -> Option<Document> {
        loop {
            if let Some(document) = self.next_line() {
                return Some(document);
            }
            let path = self.paths.pop_front()?;
            let name = display_name(&path);
            let reader = match open(&path) {
                Ok(reader) => reader,
                Err(message) => return Some(Document::unreadable(name, message)),
            };
            if is_jsonl(&path, self.format) {
                self.current = Some(JsonlSource {
                    name,
                    reader: BufReader::new(reader),
                    line: 0,
                });
                continue;
            }
            let mut bytes = Vec::new();
            let mut reader = reader;
            let input = reader
                .read_to_end(&mut bytes)
                .map_err(|error| format!("cannot read {name}: {error}"))
                .and_then(|_| decode_utf8(bytes, &name))
                .map(|text| Input {
                    text,
                    targets: None,
                });
            return Some(Document { id: name, input });
        }
    }
}

/// How many documents the inputs hold, when that can be known without reading stdin: one per text file,
/// one per non-blank line of a JSONL file.
pub fn count(files: &[PathBuf], format: InputFormat) -> Option<u64> {
    let mut total = 0u64;
    for path in paths(files) {
        if is_stdin(&path) {
            return None;
        }
        if !is_jsonl(&path, format) {
            total += 1;
            continue;
        }
        let Ok(file) = File::open(&path) else {
            total += 1;
            continue;
        };
        let (mut reader, mut line, mut number) = (BufReader::new(file), Vec::new(), 0);
        while let Ok(true) = next_non_blank(&mut reader, &mut line, &mut number) {
            total += 1;
        }
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonl_lines_give_documents_or_reasons() {
        let good = jsonl_document(
            br#"{"id": 7, "text": "a", "targets": ["x", "y"]}"#.to_vec(),
            1,
            "f:1".into(),
        );
        let input = good.input.as_ref().ok();
        assert_eq!(good.id, "7");
        assert_eq!(
            input.and_then(|input| input.targets.clone()),
            Some(vec!["x".to_owned(), "y".to_owned()])
        );
        let bad = jsonl_document(br#"{"id": "k", "targets": [1]}"#.to_vec(), 2, "f:2".into());
        assert_eq!(bad.id, "k", "a record with an id keeps it in its error");
        for (line, reason) in [
            (&br#"{"text": "a", "targets": "x"}"#[..], "list of strings"),
            (br#"{"text": "a", "targets": [1]}"#, "list of strings"),
            (br#"{"text": 1}"#, "no string"),
            (br#"[1]"#, "not a JSON object"),
            (b"{", "not JSON"),
            (b"\xff", "not valid UTF-8"),
        ] {
            let document = jsonl_document(line.to_vec(), 3, "f:3".into());
            assert_eq!(document.id, "f:3");
            let message = document.input.err().unwrap_or_default();
            assert!(message.contains(reason), "{message}");
        }
    }
}
