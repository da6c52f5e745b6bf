//! The `stancekit` command line: entities, stances and whole analyses for files, stdin or JSONL corpora.
//!
//! ```text
//! stancekit ner article.txt --format table
//! stancekit stance --target "sanctions on Russia" --target NATO article.txt
//! stancekit analyze corpus.jsonl --output analyses.jsonl      # resumable: run it again after a crash
//! cat docs.jsonl | stancekit ner --input-format jsonl --format jsonl
//! ```
//!
//! Every command runs the same document loop ([`pipeline`]): documents are read lazily, batched together,
//! and each gives one output record as soon as its batch completes; a document that cannot be read or
//! processed gives a record with an `error` and the others go on. Exit status: 0 when every document
//! succeeded, 1 when some document or the model failed, 2 for usage errors.

mod args;
mod download;
mod input;
mod output;
mod pipeline;
mod tasks;

use std::collections::HashSet;
use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;
use stancekit_core::model::Task as ModelTask;
use stancekit_core::resources::{resolve_model, Fetch};
use stancekit_core::runtime::threads;
use stancekit_core::{
    CpuFeatures, EntityRecognizer, NerOptions, Precision, StanceClassifier, StanceOptions,
};

use crate::args::{Cli, Command, InputArgs, OutputFormat};
use crate::input::Documents;
use crate::output::{Resumable, Sink};
use crate::pipeline::Task;

/// The model directory of a `--model` argument: a directory, a preset (`fast`, `accurate`) or a Hub id, which
/// the user asked for and so may be downloaded; see [`stancekit_core::resources::resolve_model`].
fn model_path(given: Option<&PathBuf>, task: ModelTask) -> Result<PathBuf> {
    match given {
        Some(path) if path.to_str().is_none() => Ok(path.clone()),
        _ => Ok(resolve_model(
            given.and_then(|path| path.to_str()),
            task,
            None,
            Fetch::Allow,
        )?),
    }
}

fn load_recognizer(path: &Path, options: NerOptions) -> Result<EntityRecognizer> {
    EntityRecognizer::with_options(path, options)
        .with_context(|| format!("cannot load the NER model from {}", path.display()))
}

fn load_classifier(path: &Path, options: StanceOptions) -> Result<StanceClassifier> {
    StanceClassifier::with_options(path, options)
        .with_context(|| format!("cannot load the stance model from {}", path.display()))
}

/// A problem with the command line itself (exit status 2), found before any model loads.
fn usage_error(command: &Command, input: &InputArgs, format: OutputFormat) -> Option<String> {
    if input.batch_size == 0 {
        return Some("--batch-size must be at least 1".into());
    }
    if format == OutputFormat::Html && !matches!(command, Command::Analyze(_)) {
        return Some("--format html is only for analyze".into());
    }
    if input.output.is_some() && format != OutputFormat::Jsonl {
        return Some(
            "--output writes JSONL records (resumable); leave out --format or give --format jsonl"
                .into(),
        );
    }
    if let Command::Stance(args) = command {
        let jsonl = input::paths(&input.files)
            .iter()
            .any(|path| input::is_jsonl(path, input.input_format));
        if args.targets.is_empty() && !jsonl {
            return Some(
                "stance needs --target (JSONL documents may name their own \"targets\")".into(),
            );
        }
    }
    None
}

fn output_format(command: &Command, input: &InputArgs) -> OutputFormat {
    input.format.unwrap_or(if input.output.is_some() {
        OutputFormat::Jsonl
    } else if matches!(command, Command::Analyze(_)) {
        OutputFormat::Table
    } else {
        OutputFormat::Json
    })
}

/// Runs `task` over the inputs into stdout or the resumable output file; `Ok(true)` when a document failed.
fn run_task<T: Task>(task: &T, input: &InputArgs, format: OutputFormat) -> Result<bool> {
    let documents = Documents::new(&input.files, input.input_format);
    // Counting reads the JSONL files once more: only worth it when a progress bar shows the total.
    let total = std::io::stderr()
        .is_terminal()
        .then(|| input::count(&input.files, input.input_format))
        .flatten();
    let (mut sink, done) = match &input.output {
        Some(path) => {
            let mut resumable = Resumable::open(path)?;
            if !resumable.done.is_empty() || resumable.cut_bytes > 0 {
                let cut = if resumable.cut_bytes > 0 {
                    format!(
                        ", an unfinished last record ({} bytes) removed",
                        resumable.cut_bytes
                    )
                } else {
                    String::new()
                };
                eprintln!(
                    "resuming {}: {} document(s) already done{cut}",
                    path.display(),
                    resumable.done.len()
                );
            }
            let done = std::mem::take(&mut resumable.done);
            (Sink::File(resumable), done)
        }
        None => (Sink::stdout(format)?, HashSet::new()),
    };
    let summary = pipeline::run(
        task,
        documents,
        input.batch_size,
        total,
        &|id| done.contains(id),
        &mut sink,
    )?;
    sink.finish()?;
    if input.output.is_some() {
        eprintln!(
            "{} record(s) written ({} with an error), {} skipped as already done",
            summary.written, summary.failed, summary.skipped
        );
    }
    Ok(summary.failed > 0)
}

fn run_command(command: Command, format: OutputFormat, precision: Precision) -> Result<bool> {
    match command {
        Command::Ner(args) => {
            let path = model_path(args.model.as_ref(), ModelTask::TokenClassification)?;
            let options = NerOptions {
                aggregation: args.aggregation.into(),
                words: args.words.into(),
                precision,
                ..NerOptions::default()
            };
            let task = tasks::Ner {
                recognizer: load_recognizer(&path, options)?,
            };
            run_task(&task, &args.input, format)
        }
        Command::Stance(args) => {
            let path = model_path(args.model.as_ref(), ModelTask::SequenceClassification)?;
            let options = StanceOptions {
                hypothesis_template: args.template.clone(),
                evidence_threshold: args.evidence_threshold,
                precision,
                ..StanceOptions::default()
            };
            let task = tasks::Stance {
                classifier: load_classifier(&path, options)?,
                targets: args.targets,
            };
            run_task(&task, &args.input, format)
        }
        Command::Analyze(args) => {
            let ner_path = model_path(args.ner_model.as_ref(), ModelTask::TokenClassification)?;
            let stance_path = model_path(
                args.stance_model.as_ref(),
                ModelTask::SequenceClassification,
            )?;
            let task = tasks::Analyze {
                ner: load_recognizer(
                    &ner_path,
                    NerOptions {
                        precision,
                        ..NerOptions::default()
                    },
                )?,
                stance: load_classifier(
                    &stance_path,
                    StanceOptions {
                        evidence_threshold: args.evidence_threshold,
                        precision,
                        ..StanceOptions::default()
                    },
                )?,
                targets: args.targets,
            };
            run_task(&task, &args.input, format)
        }
        Command::Download(args) => Ok(download::run(&args) != 0),
    }
}

/// Parses `args` (program name first) and runs the command; returns the process exit status.
pub fn main_with_args<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    ExitCode::from(run(args))
}

/// Like [`main_with_args`], returning the exit status as a number (0, 1 or 2).
pub fn run<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return match error.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ => 2,
            };
        }
    };
    if let Command::Download(args) = &cli.command {
        return download::run(args);
    }
    let Some(input) = cli.command.input() else {
        return 2;
    };
    let format = output_format(&cli.command, input);
    if let Some(message) = usage_error(&cli.command, input, format) {
        eprintln!("error: {message}");
        return 2;
    }
    if let Some(count) = cli.threads {
        if let Err(error) = threads::set_num_threads(count) {
            eprintln!("error: --threads: {error}");
            return 2;
        }
    }
    let features = CpuFeatures::detect();
    let precision = match features.resolve(cli.precision.into()) {
        Ok(precision) => precision,
        Err(error) => {
            eprintln!("error: --precision: {error}");
            return 2;
        }
    };
    if let Some(warning) = features.warning(precision) {
        eprintln!("warning: {warning}");
    }
    match run_command(cli.command, format, precision) {
        Ok(false) => 0,
        Ok(true) => 1,
        Err(error) => {
            eprintln!("error: {error:#}");
            1
        }
    }
}
