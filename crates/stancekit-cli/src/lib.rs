//! The `stancekit` command line: entities and stances for files, stdin or JSONL batches.
//!
//! ```text
//! stancekit ner article.txt --format table
//! stancekit stance --target "sanctions on Russia" --target NATO article.txt
//! cat docs.jsonl | stancekit ner --input-format jsonl --format jsonl
//! ```
//!
//! Each document gives one output record; a document that cannot be read or processed gives a record with
//! an `error` and the others go on. Exit status: 0 when every document succeeded, 1 when some document or the
//! model failed, 2 for usage errors.

use std::ffi::OsString;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use stancekit_core::{
    analyze, html, Aggregation, Analysis, EntityRecognizer, Error, NerOptions, StanceClassifier,
    StanceOptions,
};

/// Entities, speakers and stances in news text.
#[derive(Debug, Parser)]
#[command(name = "stancekit", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Named entities of each document.
    Ner(NerArgs),
    /// Stance of each document toward each target.
    Stance(StanceArgs),
    /// Who is mentioned, who says what, and each speaker's stance toward each target.
    Analyze(AnalyzeArgs),
}

#[derive(Debug, clap::Args)]
struct AnalyzeArgs {
    /// Input files; `-` or nothing reads stdin.
    files: Vec<PathBuf>,
    /// How to read inputs (see `ner --help`).
    #[arg(long, value_enum, default_value_t = InputFormat::Auto)]
    input_format: InputFormat,
    /// A target (repeat for several); without any, the most-mentioned entities that are not speakers.
    #[arg(long = "target", short = 't')]
    targets: Vec<String>,
    /// Output format: `table` for a terminal, `json`, or `html` (a self-contained page).
    #[arg(long, value_enum, default_value_t = AnalyzeFormat::Table)]
    format: AnalyzeFormat,
    /// NER model directory (default: $STANCEKIT_NER_MODEL, else the bundled model).
    #[arg(long)]
    ner_model: Option<PathBuf>,
    /// Stance model directory (default: $STANCEKIT_STANCE_MODEL, else the bundled model).
    #[arg(long)]
    stance_model: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum AnalyzeFormat {
    /// The entities, the speaker × target stance table and the attributions, for a terminal.
    Table,
    /// One JSON array of {"id", "analysis"} records.
    Json,
    /// A self-contained HTML page.
    Html,
}

#[derive(Debug, clap::Args)]
struct InputArgs {
    /// Input files; `-` or nothing reads stdin.
    files: Vec<PathBuf>,
    /// How to read inputs: `text` (a file is one document), `jsonl` (one {"id", "text"} object per line) or
    /// `auto` (`jsonl` for files ending in .jsonl, else `text`).
    #[arg(long, value_enum, default_value_t = InputFormat::Auto)]
    input_format: InputFormat,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Json)]
    format: OutputFormat,
    /// Documents or pairs per model batch.
    #[arg(long, default_value_t = 16)]
    batch_size: usize,
}

#[derive(Debug, clap::Args)]
struct NerArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Model directory (default: $STANCEKIT_NER_MODEL, else the bundled model).
    #[arg(long)]
    model: Option<PathBuf>,
    /// How sub-word predictions are combined into word predictions.
    #[arg(long, value_enum, default_value_t = AggregationArg::First)]
    aggregation: AggregationArg,
}

#[derive(Debug, clap::Args)]
struct StanceArgs {
    #[command(flatten)]
    input: InputArgs,
    /// A target to classify stance toward (repeat for several).
    #[arg(long = "target", short = 't', required = true)]
    targets: Vec<String>,
    /// Model directory (default: $STANCEKIT_STANCE_MODEL, else the bundled model).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Hypothesis template with one `{}` for the target (default: the model's).
    #[arg(long)]
    template: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum InputFormat {
    Auto,
    Text,
    Jsonl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    /// One JSON array of records.
    Json,
    /// One JSON record per line.
    Jsonl,
    /// A readable table.
    Table,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum AggregationArg {
    First,
    Average,
    Max,
}

impl From<AggregationArg> for Aggregation {
    fn from(value: AggregationArg) -> Self {
        match value {
            AggregationArg::First => Aggregation::First,
            AggregationArg::Average => Aggregation::Average,
            AggregationArg::Max => Aggregation::Max,
        }
    }
}

/// A document to process, or the reason it could not be read.
#[derive(Debug)]
struct Document {
    id: String,
    text: Result<String, String>,
}

/// A document's error in the output.
#[derive(Debug, Serialize)]
struct ErrorRecord {
    kind: &'static str,
    message: String,
}

fn error_kind(error: &Error) -> &'static str {
    match error {
        Error::ModelLoad { .. } => "model_load",
        Error::InvalidInput(_) => "invalid_input",
        Error::Inference { .. } => "inference",
        Error::Io { .. } => "io",
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

fn read_source(path: &Path) -> Result<Vec<u8>, String> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|error| format!("cannot read stdin: {error}"))?;
        Ok(bytes)
    } else {
        std::fs::read(path).map_err(|error| format!("cannot read {}: {error}", path.display()))
    }
}

fn jsonl_documents(name: &str, bytes: Vec<u8>) -> Vec<Document> {
    let mut documents = Vec::new();
    for (number, line) in bytes.split(|&byte| byte == b'\n').enumerate() {
        let fallback_id = format!("{name}:{}", number + 1);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let parsed = decode_utf8(line.to_vec(), &format!("line {}", number + 1)).and_then(|line| {
            let value: serde_json::Value = serde_json::from_str(&line)
                .map_err(|error| format!("line {} is not JSON: {error}", number + 1))?;
            let object = value
                .as_object()
                .ok_or_else(|| format!("line {} is not a JSON object", number + 1))?;
            let id = match object.get("id") {
                Some(serde_json::Value::String(id)) => id.clone(),
                Some(serde_json::Value::Null) | None => fallback_id.clone(),
                Some(other) => other.to_string(),
            };
            let text = object
                .get("text")
                .and_then(serde_json::Value::as_str)
                .ok_or_else(|| format!("line {} has no string \"text\" field", number + 1))?;
            Ok((id, text.to_owned()))
        });
        documents.push(match parsed {
            Ok((id, text)) => Document { id, text: Ok(text) },
            Err(message) => Document {
                id: fallback_id,
                text: Err(message),
            },
        });
    }
    documents
}

fn read_documents(input: &InputArgs) -> Vec<Document> {
    read_files(&input.files, input.input_format)
}

fn read_files(files: &[PathBuf], input_format: InputFormat) -> Vec<Document> {
    let files = if files.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        files.to_vec()
    };
    let mut documents = Vec::new();
    for path in files {
        let name = if path == Path::new("-") {
            "stdin".to_owned()
        } else {
            path.display().to_string()
        };
        let jsonl = match input_format {
            InputFormat::Jsonl => true,
            InputFormat::Text => false,
            InputFormat::Auto => path
                .extension()
                .is_some_and(|extension| extension == "jsonl"),
        };
        match read_source(&path) {
            Err(message) => documents.push(Document {
                id: name,
                text: Err(message),
            }),
            Ok(bytes) if jsonl => documents.extend(jsonl_documents(&name, bytes)),
            Ok(bytes) => {
                let text = decode_utf8(bytes, &name);
                documents.push(Document { id: name, text });
            }
        }
    }
    documents
}

fn progress(total: usize) -> ProgressBar {
    if total > 1 && std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(total as u64);
        if let Ok(style) =
            ProgressStyle::with_template("{bar:40} {pos}/{len} documents {elapsed_precise}")
        {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    }
}

/// Runs `work` on the readable documents in batches; a failing batch is retried one document at a time so
/// that one bad document cannot sink the others.
fn process<T: Serialize>(
    documents: Vec<Document>,
    batch_size: usize,
    work: impl Fn(&[&str]) -> Result<Vec<T>, Error>,
) -> Vec<(String, Result<T, ErrorRecord>)> {
    let bar = progress(documents.len());
    let mut results: Vec<(String, Option<Result<T, ErrorRecord>>)> =
        Vec::with_capacity(documents.len());
    let mut pending: Vec<(usize, String)> = Vec::new();
    for document in documents {
        match document.text {
            Ok(text) => {
                pending.push((results.len(), text));
                results.push((document.id, None));
            }
            Err(message) => results.push((
                document.id,
                Some(Err(ErrorRecord {
                    kind: "invalid_input",
                    message,
                })),
            )),
        }
    }
    for chunk in pending.chunks(batch_size.max(1)) {
        let texts: Vec<&str> = chunk.iter().map(|(_, text)| text.as_str()).collect();
        match work(&texts) {
            Ok(outputs) => {
                for ((slot, _), output) in chunk.iter().zip(outputs) {
                    results[*slot].1 = Some(Ok(output));
                }
            }
            Err(_) => {
                for (slot, text) in chunk {
                    let output = work(&[text.as_str()]).and_then(|mut outputs| {
                        outputs.pop().ok_or_else(|| Error::Inference {
                            message: "no output".into(),
                            source: None,
                        })
                    });
                    results[*slot].1 = Some(output.map_err(|error| ErrorRecord {
                        kind: error_kind(&error),
                        message: error.to_string(),
                    }));
                }
            }
        }
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    results
        .into_iter()
        .map(|(id, result)| {
            let result = result.unwrap_or_else(|| {
                Err(ErrorRecord {
                    kind: "inference",
                    message: "document was not processed".into(),
                })
            });
            (id, result)
        })
        .collect()
}

fn default_model(variable: &str, name: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(variable) {
        return PathBuf::from(path);
    }
    if let Some(root) = std::env::var_os("STANCEKIT_MODELS") {
        return PathBuf::from(root).join(name);
    }
    // A binary built from a checkout uses that checkout's models.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../models")
        .join(name)
}

fn write_output<W: Write>(
    out: &mut W,
    format: OutputFormat,
    records: &[serde_json::Value],
    table: impl Fn(&mut W, &serde_json::Value) -> std::io::Result<()>,
) -> Result<()> {
    match format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, records)?;
            writeln!(out)?;
        }
        OutputFormat::Jsonl => {
            for record in records {
                serde_json::to_writer(&mut *out, record)?;
                writeln!(out)?;
            }
        }
        OutputFormat::Table => {
            for record in records {
                table(out, record)?;
            }
        }
    }
    Ok(())
}

fn to_records<T: Serialize>(
    results: Vec<(String, Result<T, ErrorRecord>)>,
    field: &str,
) -> Result<(Vec<serde_json::Value>, bool)> {
    let mut failed = false;
    let mut records = Vec::with_capacity(results.len());
    for (id, result) in results {
        let mut record = serde_json::Map::new();
        record.insert("id".into(), serde_json::Value::String(id));
        match result {
            Ok(value) => {
                record.insert(field.into(), serde_json::to_value(value)?);
            }
            Err(error) => {
                failed = true;
                record.insert("error".into(), serde_json::to_value(error)?);
            }
        }
        records.push(serde_json::Value::Object(record));
    }
    Ok((records, failed))
}

fn table_header<W: Write>(out: &mut W, record: &serde_json::Value) -> std::io::Result<bool> {
    writeln!(out, "# {}", record["id"].as_str().unwrap_or_default())?;
    if let Some(error) = record.get("error") {
        writeln!(
            out,
            "  error ({}): {}",
            error["kind"].as_str().unwrap_or_default(),
            error["message"].as_str().unwrap_or_default()
        )?;
        return Ok(false);
    }
    Ok(true)
}

/// Reads the documents, runs `work` on them in batches, and writes one record per document (`field` holds the
/// result); `table_rows` prints a successful record's rows in the table format.
fn run_documents<T: Serialize>(
    input: &InputArgs,
    field: &str,
    work: impl Fn(&[&str]) -> Result<Vec<T>, Error>,
    table_rows: impl Fn(&mut std::io::StdoutLock<'static>, &serde_json::Value) -> std::io::Result<()>,
) -> Result<bool> {
    let documents = read_documents(input);
    let results = process(documents, input.batch_size, work);
    let (records, failed) = to_records(results, field)?;
    let mut out = std::io::stdout().lock();
    write_output(&mut out, input.format, &records, |out, record| {
        if table_header(out, record)? {
            table_rows(out, record)?;
        }
        Ok(())
    })?;
    Ok(failed)
}

fn run_ner(args: NerArgs) -> Result<bool> {
    let model = args
        .model
        .clone()
        .unwrap_or_else(|| default_model("STANCEKIT_NER_MODEL", "ner"));
    let options = NerOptions {
        aggregation: args.aggregation.into(),
        ..NerOptions::default()
    };
    let recognizer = EntityRecognizer::with_options(&model, options)
        .with_context(|| format!("cannot load the NER model from {}", model.display()))?;
    run_documents(
        &args.input,
        "entities",
        |texts| recognizer.predict_batch(texts),
        |out, record| {
            writeln!(
                out,
                "  {:<6} {:>6} {:>6} {:>6}  text",
                "label", "start", "end", "score"
            )?;
            for entity in record["entities"].as_array().into_iter().flatten() {
                writeln!(
                    out,
                    "  {:<6} {:>6} {:>6} {:>6.3}  {}",
                    entity["label"].as_str().unwrap_or_default(),
                    entity["start"].as_u64().unwrap_or_default(),
                    entity["end"].as_u64().unwrap_or_default(),
                    entity["score"].as_f64().unwrap_or_default(),
                    entity["text"].as_str().unwrap_or_default()
                )?;
            }
            Ok(())
        },
    )
}

fn run_stance(args: StanceArgs) -> Result<bool> {
    let model = args
        .model
        .clone()
        .unwrap_or_else(|| default_model("STANCEKIT_STANCE_MODEL", "stance"));
    let options = StanceOptions {
        hypothesis_template: args.template.clone(),
        ..StanceOptions::default()
    };
    let classifier = StanceClassifier::with_options(&model, options)
        .with_context(|| format!("cannot load the stance model from {}", model.display()))?;
    let targets = &args.targets;
    let work = |texts: &[&str]| {
        let pairs: Vec<(&str, &str)> = texts
            .iter()
            .flat_map(|&text| targets.iter().map(move |target| (text, target.as_str())))
            .collect();
        let mut predictions = classifier.predict_batch(&pairs)?.into_iter();
        Ok(texts
            .iter()
            .map(|_| predictions.by_ref().take(targets.len()).collect::<Vec<_>>())
            .collect())
    };
    run_documents(&args.input, "stances", work, |out, record| {
        writeln!(
            out,
            "  {:<32} {:<8} {:>6} {:>7} {:>7} {:>6}",
            "target", "stance", "score", "favor", "against", "none"
        )?;
        for stance in record["stances"].as_array().into_iter().flatten() {
            let score = |name: &str| stance["scores"][name].as_f64().unwrap_or_default();
            writeln!(
                out,
                "  {:<32} {:<8} {:>6.3} {:>7.3} {:>7.3} {:>6.3}",
                stance["target"].as_str().unwrap_or_default(),
                stance["label"].as_str().unwrap_or_default(),
                stance["score"].as_f64().unwrap_or_default(),
                score("favor"),
                score("against"),
                score("none")
            )?;
        }
        Ok(())
    })
}

fn print_analysis_table<W: Write>(out: &mut W, analysis: &Analysis) -> std::io::Result<()> {
    writeln!(out, "Entities")?;
    for entity in &analysis.entities {
        let roles = if entity.roles.is_empty() {
            String::new()
        } else {
            format!("  [{}]", entity.roles.join("; "))
        };
        writeln!(
            out,
            "  {:<5} {:<32} {:>3} mention(s){roles}",
            entity.label,
            entity.name,
            entity.mentions.len()
        )?;
    }
    let width = analysis
        .targets
        .iter()
        .map(|t| t.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(14, 30);
    writeln!(
        out,
        "\nStances (speaker x target: stance score, evidence sentences)"
    )?;
    write!(out, "  {:<20}", "")?;
    for target in &analysis.targets {
        let short: String = target.chars().take(width).collect();
        write!(out, " {short:<width$}")?;
    }
    writeln!(out)?;
    for speaker in &analysis.speakers {
        write!(out, "  {speaker:<20}")?;
        for target in &analysis.targets {
            let cell = analysis
                .stances
                .iter()
                .find(|stance| stance.speaker == *speaker && stance.target == *target)
                .map(|stance| {
                    format!(
                        "{} {:.2} ({})",
                        stance.label,
                        stance.score,
                        stance.evidence.len()
                    )
                })
                .unwrap_or_default();
            write!(out, " {cell:<width$}")?;
        }
        writeln!(out)?;
    }
    writeln!(out, "\nAttributions")?;
    for attribution in &analysis.attributions {
        let sentence = analysis
            .sentences
            .iter()
            .find(|s| s.start == attribution.start)
            .map_or("", |s| s.text.as_str());
        let preview: String = sentence.chars().take(90).collect();
        let ellipsis = if sentence.chars().count() > 90 {
            "…"
        } else {
            ""
        };
        writeln!(
            out,
            "  {:<18} {:<16} {:.2}  {preview}{ellipsis}",
            attribution.speaker, attribution.cue, attribution.confidence
        )?;
    }
    Ok(())
}

/// A document's text and analysis, or why it has none.
type AnalysisOutcome = Result<(String, Analysis), ErrorRecord>;

fn run_analyze(args: AnalyzeArgs) -> Result<bool> {
    let ner_path = args
        .ner_model
        .clone()
        .unwrap_or_else(|| default_model("STANCEKIT_NER_MODEL", "ner"));
    let stance_path = args
        .stance_model
        .clone()
        .unwrap_or_else(|| default_model("STANCEKIT_STANCE_MODEL", "stance"));
    let ner = EntityRecognizer::from_dir(&ner_path)
        .with_context(|| format!("cannot load the NER model from {}", ner_path.display()))?;
    let stance = StanceClassifier::from_dir(&stance_path).with_context(|| {
        format!(
            "cannot load the stance model from {}",
            stance_path.display()
        )
    })?;
    let targets = (!args.targets.is_empty()).then_some(args.targets.as_slice());
    let documents = read_files(&args.files, args.input_format);
    let bar = progress(documents.len());
    let mut failed = false;
    let mut outputs: Vec<(String, AnalysisOutcome)> = Vec::new();
    for document in documents {
        let result = match document.text {
            Err(message) => Err(ErrorRecord {
                kind: "invalid_input",
                message,
            }),
            Ok(text) => analyze(&text, targets, &ner, &stance)
                .map(|analysis| (text, analysis))
                .map_err(|error| ErrorRecord {
                    kind: error_kind(&error),
                    message: error.to_string(),
                }),
        };
        failed |= result.is_err();
        outputs.push((document.id, result));
        bar.inc(1);
    }
    bar.finish_and_clear();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        AnalyzeFormat::Json => {
            let records: Vec<serde_json::Value> = outputs
                .iter()
                .map(|(id, result)| match result {
                    Ok((_, analysis)) => serde_json::json!({"id": id, "analysis": analysis}),
                    Err(error) => serde_json::json!({"id": id, "error": error}),
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &records)?;
            writeln!(out)?;
        }
        AnalyzeFormat::Table => {
            for (id, result) in &outputs {
                writeln!(out, "# {id}")?;
                match result {
                    Ok((_, analysis)) => print_analysis_table(&mut out, analysis)?,
                    Err(error) => writeln!(out, "  error ({}): {}", error.kind, error.message)?,
                }
            }
        }
        AnalyzeFormat::Html => {
            let mut body = String::new();
            for (id, result) in &outputs {
                body.push_str(&format!("<h2>{}</h2>", html::escape(id)));
                match result {
                    Ok((text, analysis)) => body.push_str(&html::fragment(text, analysis)),
                    Err(error) => {
                        body.push_str(&format!("<p>error: {}</p>", html::escape(&error.message)))
                    }
                }
            }
            write!(out, "{}", html::document(&body))?;
        }
    }
    Ok(failed)
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
    let batch_size = match &cli.command {
        Command::Ner(args) => args.input.batch_size,
        Command::Stance(args) => args.input.batch_size,
        Command::Analyze(_) => 1,
    };
    if batch_size == 0 {
        eprintln!("error: --batch-size must be at least 1");
        return 2;
    }
    let outcome = match cli.command {
        Command::Ner(args) => run_ner(args),
        Command::Stance(args) => run_stance(args),
        Command::Analyze(args) => run_analyze(args),
    };
    match outcome {
        Ok(false) => 0,
        Ok(true) => 1,
        Err(error) => {
            eprintln!("error: {error:#}");
            1
        }
    }
}
