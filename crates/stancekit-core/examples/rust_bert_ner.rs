//! The rust-bert baseline of `bench/run.py`: rust-bert's own `NERModel` pipeline on a BERT token classifier.
//!
//! ```text
//! cargo run --release -p stancekit-core --example rust_bert_ner -- MODEL_DIR TEXTS_FILE REPS
//! ```
//!
//! `MODEL_DIR` holds `config.json`, `vocab.txt` and `model.safetensors` (a plain BERT token classifier; tensors
//! the BERT head does not use are ignored); `TEXTS_FILE` holds one text per line. Prints one JSON object: model
//! load seconds, the median seconds of `REPS` runs of `predict` over all texts after a warm-up, and the number of
//! entities found.
//!
//! `predict` is called once per batch of 64 texts (the pipeline's own batch size): in rust-bert 0.23 a call whose
//! texts span more than one batch can panic in the label consolidation ("select(): index 41 out of range for
//! tensor of size [41, 1]"), as it does on CoNLL-2003 test sentences 2–68.

use std::path::PathBuf;
use std::time::Instant;

use rust_bert::pipelines::common::{ModelResource, ModelType};
use rust_bert::pipelines::ner::NERModel;
use rust_bert::pipelines::token_classification::{
    LabelAggregationOption, TokenClassificationConfig,
};
use rust_bert::resources::LocalResource;
use tch::Kind;

const BATCH: usize = 64;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, model_dir, texts, reps] = args.as_slice() else {
        return Err("usage: rust_bert_ner MODEL_DIR TEXTS_FILE REPS".into());
    };
    let model_dir = PathBuf::from(model_dir);
    let reps: usize = reps.parse()?;
    let texts: Vec<String> = std::fs::read_to_string(texts)?
        .lines()
        .map(str::to_owned)
        .collect();
    let local = |name: &str| LocalResource {
        local_path: model_dir.join(name),
    };
    let mut config = TokenClassificationConfig::new(
        ModelType::Bert,
        ModelResource::Torch(Box::new(local("model.safetensors"))),
        local("config.json"),
        local("vocab.txt"),
        None,
        true,
        None,
        None,
        LabelAggregationOption::First,
    );
    // The weights are stored in fp16; compute in fp32 like the other engines.
    config.kind = Some(Kind::Float);
    let started = Instant::now();
    let model = NERModel::new(config)?;
    let load_seconds = started.elapsed().as_secs_f64();
    let run = || -> usize {
        texts
            .chunks(BATCH)
            .map(|chunk| model.predict(chunk).iter().map(Vec::len).sum::<usize>())
            .sum()
    };
    let mut entities = run();
    let mut timings = Vec::with_capacity(reps);
    for _ in 0..reps {
        let started = Instant::now();
        entities = run();
        timings.push(started.elapsed().as_secs_f64());
    }
    timings.sort_by(f64::total_cmp);
    let median = timings.get(timings.len() / 2).copied().unwrap_or(f64::NAN);
    println!(
        "{}",
        serde_json::json!({
            "load_seconds": load_seconds,
            "median_seconds": median,
            "entities": entities,
            "texts": texts.len(),
        })
    );
    Ok(())
}
