//! The one document loop of every command: read documents lazily, run them through a task in batches (a
//! failing batch is retried one document at a time), and write one record per document as its batch completes.

use std::io::{IsTerminal, Write};

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use serde_json::Value;
use stancekit_core::render::html;
use stancekit_core::runtime::retry::batch_or_alone;
use stancekit_core::Error;

use crate::input::{Document, Input};
use crate::output::{Sink, Style};

/// What a command does to a batch of documents, and how one result looks in the table and HTML formats.
pub trait Task {
    type Output: Serialize;
    /// The record field that holds a document's output.
    const FIELD: &'static str;

    /// The outputs of `batch`, one per document in order.
    fn run(&self, batch: &[&Input]) -> Result<Vec<Self::Output>, Error>;

    /// A document's rows in the table format.
    fn table(
        &self,
        out: &mut dyn Write,
        input: &Input,
        output: &Self::Output,
    ) -> std::io::Result<()>;

    /// A document's part of the HTML page (analyze only; the others are refused before they run).
    fn html(&self, _input: &Input, _output: &Self::Output) -> String {
        String::new()
    }
}

/// A document's error in the output.
#[derive(Debug, Serialize)]
pub struct ErrorRecord {
    pub kind: &'static str,
    pub message: String,
}

impl ErrorRecord {
    fn new(error: &Error) -> ErrorRecord {
        let kind = match error {
            Error::ModelLoad { .. } => "model_load",
            Error::InvalidInput(_) => "invalid_input",
            Error::Inference { .. } => "inference",
            Error::Io { .. } => "io",
        };
        ErrorRecord {
            kind,
            message: error.to_string(),
        }
    }
}

fn progress(total: Option<u64>) -> ProgressBar {
    if !std::io::stderr().is_terminal() || total.is_some_and(|total| total <= 1) {
        return ProgressBar::hidden();
    }
    let (bar, template) = match total {
        Some(total) => (
            ProgressBar::new(total),
            "{bar:30} {pos}/{len} documents  {per_sec}  ETA {eta}",
        ),
        None => (
            ProgressBar::new_spinner(),
            "{spinner} {pos} documents  {per_sec}  {elapsed}",
        ),
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}

/// How a run went.
#[derive(Debug, Default)]
pub struct Summary {
    /// Records written.
    pub written: u64,
    /// Error records among them.
    pub failed: u64,
    /// Documents skipped because the output already had them.
    pub skipped: u64,
}

/// A document's record in the table or HTML format.
fn render<T: Task>(
    task: &T,
    out: &mut dyn Write,
    style: Style,
    document: &Document,
    outcome: &Result<T::Output, ErrorRecord>,
) -> std::io::Result<()> {
    match (style, outcome, &document.input) {
        (Style::Table, Ok(output), Ok(input)) => {
            writeln!(out, "# {}", document.id)?;
            task.table(out, input, output)
        }
        (Style::Html, Ok(output), Ok(input)) => {
            let id = html::escape(&document.id);
            write!(out, "<h2>{id}</h2>{}", task.html(input, output))
        }
        (Style::Table, Err(error), _) => {
            writeln!(out, "# {}", document.id)?;
            writeln!(out, "  error ({}): {}", error.kind, error.message)
        }
        (Style::Html, Err(error), _) => write!(
            out,
            "<h2>{}</h2><p>error ({}): {}</p>",
            html::escape(&document.id),
            error.kind,
            html::escape(&error.message)
        ),
        // An output exists only for a readable document.
        (_, Ok(_), Err(_)) => Ok(()),
    }
}

/// Runs `task` over `documents`, `batch_size` documents at a time, writing each record to `sink` as its batch
/// completes. Documents for which `skip` says yes (their id is already in the output) are passed over.
pub fn run<T: Task>(
    task: &T,
    documents: impl Iterator<Item = Document>,
    batch_size: usize,
    total: Option<u64>,
    skip: &dyn Fn(&str) -> bool,
    sink: &mut Sink,
) -> Result<Summary> {
    let bar = progress(total);
    let mut summary = Summary::default();
    let mut documents = documents.peekable();
    while documents.peek().is_some() {
        let mut batch: Vec<Document> = Vec::with_capacity(batch_size);
        while batch.len() < batch_size {
            let Some(document) = documents.next() else {
                break;
            };
            if skip(&document.id) {
                summary.skipped += 1;
                bar.inc(1);
            } else {
                batch.push(document);
            }
        }
        if batch.is_empty() {
            continue;
        }
        for (document, outcome) in batch.iter().zip(run_batch(task, &batch)) {
            let mut record = serde_json::Map::new();
            record.insert("id".into(), Value::String(document.id.clone()));
            match &outcome {
                Ok(output) => record.insert(T::FIELD.into(), serde_json::to_value(output)?),
                Err(error) => {
                    summary.failed += 1;
                    record.insert("error".into(), serde_json::to_value(error)?)
                }
            };
            sink.write(&Value::Object(record), &|out, style| {
                render(task, out, style, document, &outcome)
            })?;
            summary.written += 1;
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    Ok(summary)
}

/// The outcome of each document of a batch: the readable ones run together, and one at a time if that fails
/// (the engine's [`batch_or_alone`]), so that one bad document cannot sink the others.
fn run_batch<T: Task>(task: &T, batch: &[Document]) -> Vec<Result<T::Output, ErrorRecord>> {
    let readable: Vec<&Input> = batch
        .iter()
        .filter_map(|document| document.input.as_ref().ok())
        .collect();
    let mut outputs: Vec<Option<Result<T::Output, ErrorRecord>>> =
        batch_or_alone(&readable, |inputs| task.run(inputs))
            .into_iter()
            .map(|outcome| Some(outcome.map_err(|error| ErrorRecord::new(&error))))
            .collect();
    let mut next = outputs.iter_mut();
    batch
        .iter()
        .map(|document| match &document.input {
            Err(message) => Err(ErrorRecord {
                kind: "invalid_input",
                message: message.clone(),
            }),
            Ok(_) => next.next().and_then(Option::take).unwrap_or_else(|| {
                Err(ErrorRecord {
                    kind: "inference",
                    message: "document was not processed".into(),
                })
            }),
        })
        .collect()
}
