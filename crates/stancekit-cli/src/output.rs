//! Where records go: stdout in one of the formats, or a resumable JSONL file.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::Value;

use crate::args::OutputFormat;

/// A JSONL output file opened for appending, with the ids already in it.
pub struct Resumable {
    file: File,
    path: PathBuf,
    /// Ids of the records already in the file.
    pub done: HashSet<String>,
    /// Bytes of a torn or unreadable tail that was cut off on opening.
    pub cut_bytes: u64,
}

/// Reads the complete records of an output file: their ids and the byte length they cover. A last line
/// without its newline (a run killed while writing it) or a line that is not a record ends the good part.
fn scan(path: &Path) -> Result<(HashSet<String>, u64)> {
    let file = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut reader = BufReader::new(file);
    let mut done = HashSet::new();
    let mut good = 0u64;
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = reader
            .read_until(b'\n', &mut line)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if read == 0 || line.last() != Some(&b'\n') {
            break;
        }
        let id = serde_json::from_slice::<Value>(&line)
            .ok()
            .and_then(|record| record.get("id").and_then(Value::as_str).map(str::to_owned));
        let Some(id) = id else { break };
        done.insert(id);
        good += read as u64;
    }
    Ok((done, good))
}

impl Resumable {
    /// Opens `path` for appending (creating it), first cutting off a torn last line.
    pub fn open(path: &Path) -> Result<Resumable> {
        let (done, good) = if path.exists() {
            scan(path)?
        } else {
            (HashSet::new(), 0)
        };
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(path)
            .with_context(|| format!("cannot open {} for writing", path.display()))?;
        let length = file.metadata()?.len();
        if length > good {
            file.set_len(good)
                .with_context(|| format!("cannot truncate {}", path.display()))?;
        }
        file.seek(SeekFrom::End(0))?;
        Ok(Resumable {
            file,
            path: path.to_path_buf(),
            done,
            cut_bytes: length.saturating_sub(good),
        })
    }

    /// Appends one record as a line and hands it to the operating system: a run killed afterwards keeps it.
    fn append(&mut self, record: &Value) -> Result<()> {
        let mut line = serde_json::to_vec(record)?;
        line.push(b'\n');
        self.file
            .write_all(&line)
            .and_then(|()| self.file.flush())
            .with_context(|| format!("cannot write to {}", self.path.display()))
    }
}

/// The human-readable formats, which render a record themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Table,
    Html,
}

/// A renderer of one record in the table or HTML format.
pub type Render<'a> = &'a dyn Fn(&mut dyn Write, Style) -> std::io::Result<()>;

/// The output stream of a run, written record by record as documents complete.
pub enum Sink {
    Json { out: Box<dyn Write>, records: usize },
    Jsonl(Box<dyn Write>),
    Table(Box<dyn Write>),
    Html(Box<dyn Write>),
    File(Resumable),
}

impl Sink {
    pub fn stdout(format: OutputFormat) -> Result<Sink> {
        // Buffered; `write` flushes once per record, so records still appear as their documents complete.
        let out: Box<dyn Write> = Box::new(std::io::BufWriter::new(std::io::stdout()));
        Ok(match format {
            OutputFormat::Json => Sink::Json { out, records: 0 },
            OutputFormat::Jsonl => Sink::Jsonl(out),
            OutputFormat::Table => Sink::Table(out),
            OutputFormat::Html => {
                let mut out = out;
                write!(out, "{}", stancekit_core::render::html::document_head())?;
                Sink::Html(out)
            }
        })
    }

    /// Writes a record: `record` for the JSON formats, `render` for the table and HTML ones.
    pub fn write(&mut self, record: &Value, render: Render<'_>) -> Result<()> {
        let out = match self {
            Sink::Json { out, records } => {
                out.write_all(if *records == 0 { b"[\n" } else { b",\n" })?;
                serde_json::to_writer_pretty(&mut *out, record)?;
                *records += 1;
                out
            }
            Sink::Jsonl(out) => {
                serde_json::to_writer(&mut *out, record)?;
                writeln!(out)?;
                out
            }
            Sink::Table(out) => {
                render(out.as_mut(), Style::Table)?;
                out
            }
            Sink::Html(out) => {
                render(out.as_mut(), Style::Html)?;
                out
            }
            Sink::File(file) => return file.append(record),
        };
        out.flush()?;
        Ok(())
    }

    /// Closes the stream (the JSON array, the HTML page).
    pub fn finish(self) -> Result<()> {
        match self {
            Sink::Json { mut out, records } => {
                out.write_all(if records == 0 { b"[]\n" } else { b"\n]\n" })?;
                out.flush()?;
            }
            Sink::Html(mut out) => {
                write!(out, "{}", stancekit_core::render::html::document_tail())?;
                out.flush()?;
            }
            Sink::Jsonl(mut out) | Sink::Table(mut out) => out.flush()?,
            Sink::File(_) => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_torn_last_line_is_cut_and_complete_ids_are_kept() -> Result<()> {
        let path =
            std::env::temp_dir().join(format!("stancekit-resume-{}.jsonl", std::process::id()));
        std::fs::write(
            &path,
            b"{\"id\":\"a\",\"x\":1}\n{\"id\":\"b\"}\n{\"id\":\"c\",\"x\":[1,",
        )?;
        let mut resumable = Resumable::open(&path)?;
        assert_eq!(resumable.done.len(), 2);
        assert!(resumable.done.contains("a") && resumable.done.contains("b"));
        assert_eq!(resumable.cut_bytes, 17);
        resumable.append(&serde_json::json!({"id": "c"}))?;
        drop(resumable);
        let text = std::fs::read_to_string(&path)?;
        assert_eq!(
            text,
            "{\"id\":\"a\",\"x\":1}\n{\"id\":\"b\"}\n{\"id\":\"c\"}\n"
        );
        // A complete line that is not a record also ends the good part (and everything after it is redone).
        std::fs::write(&path, b"{\"id\":\"a\"}\nnot json\n{\"id\":\"b\"}\n")?;
        let resumable = Resumable::open(&path)?;
        assert_eq!(resumable.done.len(), 1);
        assert_eq!(std::fs::read(&path)?.len(), 11);
        std::fs::remove_file(&path)?;
        Ok(())
    }
}
