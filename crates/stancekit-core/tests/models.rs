//! Integration tests on tiny random BERT models generated here: loading, NER invariants, windowing,
//! batching, stance label mapping, typed errors and threads.

#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers fail loudly"
)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{json, Value};
use stancekit_core::testing::{write_tiny_bert, TinyModel};
use stancekit_core::{
    Aggregation, EntityRecognizer, Error, NerOptions, Stance, StanceClassifier, StanceOptions,
};

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!(
            "stancekit-test-{name}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tiny(name: &str, spec: &TinyModel) -> TempDir {
    let dir = TempDir::new(name);
    write_tiny_bert(dir.path(), spec).unwrap();
    dir
}

const ARTICLE: &str = "Vice President JD Vance said on Friday that the United States could send troops \
to Ukraine if Russia refused to negotiate in good faith. “We will not abandon Europe,” he told reporters \
in Munich. French President Emmanuel Macron stressed that sanctions on Russia must stay — São Paulo, \
北京 and 👍🏽 were not mentioned.";

fn slice(text: &str, start: usize, end: usize) -> String {
    text.chars().skip(start).take(end - start).collect()
}

fn check_entities(text: &str, entities: &[stancekit_core::Entity], labels: &[String]) {
    let mut previous_end = 0;
    for entity in entities {
        assert_eq!(
            slice(text, entity.start, entity.end),
            entity.text,
            "{entity:?}"
        );
        assert!(entity.start < entity.end);
        assert!(
            entity.start >= previous_end,
            "overlap or disorder at {entity:?}"
        );
        assert!((0.0..=1.0).contains(&entity.score));
        assert!(
            labels.iter().any(|label| label.ends_with(&entity.label)),
            "{entity:?}"
        );
        previous_end = entity.end;
    }
}

#[test]
fn ner_entities_have_exact_code_point_offsets() {
    let dir = tiny("ner-offsets", &TinyModel::ner());
    for aggregation in [Aggregation::First, Aggregation::Average, Aggregation::Max] {
        let ner = EntityRecognizer::with_options(
            dir.path(),
            NerOptions {
                aggregation,
                ..NerOptions::default()
            },
        )
        .unwrap();
        let entities = ner.predict(ARTICLE).unwrap();
        assert!(!entities.is_empty(), "a random model labels something");
        check_entities(ARTICLE, &entities, ner.labels());
    }
}

#[test]
fn empty_and_odd_texts_give_results_not_errors() {
    let dir = tiny("ner-odd", &TinyModel::ner());
    let ner = EntityRecognizer::from_dir(dir.path()).unwrap();
    let texts = [
        "",
        "   \n\t ",
        "?!…",
        "\u{0}\u{7}",
        "a\r\nb\rc",
        "👩‍👩‍👧‍👦 🇺🇦 e\u{301}",
    ];
    let results = ner.predict_batch(&texts).unwrap();
    assert_eq!(results.len(), texts.len());
    assert!(results[0].is_empty());
    assert!(results[1].is_empty());
    for (text, entities) in texts.iter().zip(&results) {
        check_entities(text, entities, ner.labels());
    }
    assert!(ner.predict_batch(&[]).unwrap().is_empty());
}

#[test]
fn long_texts_are_windowed_and_nothing_is_dropped() {
    // 64 positions: the article repeated is many windows long.
    let dir = tiny("ner-long", &TinyModel::ner());
    let ner = EntityRecognizer::from_dir(dir.path()).unwrap();
    let long = [ARTICLE; 12].join("\n\n");
    let scores = ner.token_scores(&long).unwrap();
    assert!(scores.tokens.len() > 500, "{} tokens", scores.tokens.len());
    assert_eq!(scores.probabilities.nrows(), scores.tokens.len());
    for row in scores.probabilities.rows() {
        assert!((row.sum() - 1.0).abs() < 1e-4);
    }
    let entities = ner.predict(&long).unwrap();
    check_entities(&long, &entities, ner.labels());
    let last_token_end = scores.offsets.last().unwrap().1;
    assert_eq!(
        last_token_end,
        long.chars().count(),
        "the last token (a period) is scored"
    );
}

#[test]
fn batching_and_padding_do_not_change_results() {
    let dir = tiny("ner-batch", &TinyModel::ner());
    let ner = EntityRecognizer::with_options(
        dir.path(),
        NerOptions {
            batch_size: 3,
            ..NerOptions::default()
        },
    )
    .unwrap();
    let texts = [
        "Vance met Macron in Paris.",
        ARTICLE,
        "Trump said peace talks",
        "Ukraine",
    ];
    let together = ner.predict_batch(&texts).unwrap();
    for (text, batched) in texts.iter().zip(&together) {
        let alone = ner.predict(text).unwrap();
        assert_eq!(alone.len(), batched.len(), "{text}");
        for (a, b) in alone.iter().zip(batched) {
            assert_eq!((a.start, a.end, &a.label), (b.start, b.end, &b.label));
            assert!((a.score - b.score).abs() < 1e-5);
        }
    }
}

#[test]
fn windows_of_one_text_match_a_single_window_when_it_fits() {
    // A text shorter than the smallest window gives identical scores whatever the window size.
    let spec = TinyModel {
        max_positions: 128,
        ..TinyModel::ner()
    };
    let dir = tiny("ner-window", &spec);
    let text =
        "President Trump said that peace talks with Russia and Ukraine were going on in Paris.";
    let wide = EntityRecognizer::from_dir(dir.path()).unwrap();
    let narrow = EntityRecognizer::with_options(
        dir.path(),
        NerOptions {
            window: Some(40),
            stride: Some(10),
            ..NerOptions::default()
        },
    )
    .unwrap();
    let wide_scores = wide.token_scores(text).unwrap();
    assert!(wide_scores.tokens.len() < 38, "fits in one narrow window");
    let narrow_scores = narrow.token_scores(text).unwrap();
    let difference = (&wide_scores.probabilities - &narrow_scores.probabilities).mapv(f32::abs);
    assert!(difference.iter().all(|&d| d < 1e-5));
    // A longer text through narrow windows still scores every token once.
    let long = [text; 5].join(" ");
    let scores = narrow.token_scores(&long).unwrap();
    assert_eq!(
        scores.probabilities.nrows(),
        wide.token_scores(&long).unwrap().tokens.len()
    );
}

#[test]
fn casing_embeddings_make_case_matter() {
    let spec = TinyModel {
        casing: true,
        ..TinyModel::ner()
    };
    let dir = tiny("ner-casing", &spec);
    let ner = EntityRecognizer::from_dir(dir.path()).unwrap();
    let upper = ner.token_scores("US troops").unwrap();
    let lower = ner.token_scores("us troops").unwrap();
    assert_eq!(upper.tokens, lower.tokens, "the tokenizer is uncased");
    let difference = (&upper.probabilities - &lower.probabilities)
        .mapv(f32::abs)
        .sum();
    assert!(difference > 1e-3, "casing changed nothing");
    check_entities(ARTICLE, &ner.predict(ARTICLE).unwrap(), ner.labels());
}

#[test]
fn stance_maps_labels_by_name_and_batches() {
    let dir = tiny("stance", &TinyModel::nli());
    let classifier = StanceClassifier::from_dir(dir.path()).unwrap();
    assert_eq!(
        classifier.hypothesis_template(),
        Some("The author supports {}.")
    );
    assert_eq!(
        classifier.hypothesis("sanctions"),
        "The author supports sanctions."
    );
    let pairs = [
        (ARTICLE, "sanctions on Russia"),
        ("We will not abandon Europe.", "NATO"),
        (ARTICLE, "sanctions on Russia"),
    ];
    let predictions = classifier.predict_batch(&pairs).unwrap();
    assert_eq!(predictions.len(), 3);
    assert_eq!(predictions[0], predictions[2]);
    for prediction in &predictions {
        let total: f32 = prediction.scores.values().sum();
        assert!((total - 1.0).abs() < 1e-5);
        assert_eq!(prediction.scores.len(), 3);
        assert_eq!(
            prediction.score,
            prediction.scores[prediction.label.as_str()]
        );
    }
    let single = classifier
        .predict("We will not abandon Europe.", "NATO")
        .unwrap();
    assert_eq!(single.target, "NATO");
    assert!((single.score - predictions[1].score).abs() < 1e-5);
    let matrix = classifier
        .score_matrix(&[ARTICLE, "Peace now."], &["NATO", "sanctions", "troops"])
        .unwrap();
    assert_eq!(matrix.shape(), &[2, 3, 3]);
    let direct = classifier.predict("Peace now.", "troops").unwrap();
    assert!((matrix[[1, 2, Stance::Favor.index()]] - direct.scores["favor"]).abs() < 1e-5);
}

#[test]
fn stance_label_order_comes_from_id2label() {
    // The same weights with the labels listed in another order must move the probabilities with them.
    let dir = tiny("stance-order", &TinyModel::nli());
    let original = StanceClassifier::from_dir(dir.path())
        .unwrap()
        .predict("Peace now.", "troops")
        .unwrap();
    let config_path = dir.path().join("config.json");
    let mut config: Value =
        serde_json::from_str(&std::fs::read_to_string(&config_path).unwrap()).unwrap();
    config["id2label"] = json!({"0": "entailment", "1": "contradiction", "2": "neutral"});
    config["label2id"] = json!({"entailment": 0, "contradiction": 1, "neutral": 2});
    std::fs::write(&config_path, config.to_string()).unwrap();
    let swapped = StanceClassifier::from_dir(dir.path())
        .unwrap()
        .predict("Peace now.", "troops")
        .unwrap();
    assert!((original.scores["favor"] - swapped.scores["against"]).abs() < 1e-6);
    assert!((original.scores["against"] - swapped.scores["favor"]).abs() < 1e-6);
}

#[test]
fn stance_rejects_bad_input_with_typed_errors() {
    let dir = tiny("stance-bad", &TinyModel::nli());
    let classifier = StanceClassifier::from_dir(dir.path()).unwrap();
    assert!(matches!(
        classifier.predict("text", ""),
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        classifier.predict("", "NATO"),
        Err(Error::InvalidInput(_))
    ));
    let long_target = "war ".repeat(2500);
    let error = classifier.predict("text", &long_target).unwrap_err();
    assert!(
        matches!(error, Error::InvalidInput(ref message) if message.contains("tokens long")),
        "{error}"
    );
    assert!(classifier.predict_batch(&[]).unwrap().is_empty());
    // A long text is truncated, not refused.
    let long_text = ARTICLE.repeat(20);
    assert!(classifier.predict(&long_text, "NATO").is_ok());
    let bad_template = StanceOptions {
        hypothesis_template: Some("no placeholder".into()),
        ..StanceOptions::default()
    };
    assert!(matches!(
        StanceClassifier::with_options(dir.path(), bad_template),
        Err(Error::InvalidInput(_))
    ));
}

fn load_error(dir: &Path) -> (PathBuf, String) {
    match EntityRecognizer::from_dir(dir) {
        Err(Error::ModelLoad { path, problem, .. }) => (path, problem),
        Err(other) => panic!("expected ModelLoad, got {other}"),
        Ok(_) => panic!("expected ModelLoad, got a model"),
    }
}

fn edit_config(dir: &Path, edit: impl FnOnce(&mut Value)) {
    let path = dir.join("config.json");
    let mut config: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut config);
    std::fs::write(&path, config.to_string()).unwrap();
}

#[test]
fn broken_model_directories_give_model_load_errors_naming_the_file() {
    let (path, problem) = load_error(Path::new("/definitely/not/here"));
    assert!(path.ends_with("here") && problem.contains("does not exist"));

    let dir = tiny("broken", &TinyModel::ner());
    std::fs::remove_file(dir.path().join("config.json")).unwrap();
    let (path, problem) = load_error(dir.path());
    assert!(
        path.ends_with("config.json") && problem.contains("missing"),
        "{problem}"
    );

    let dir = tiny("broken-json", &TinyModel::ner());
    std::fs::write(dir.path().join("config.json"), "{not json").unwrap();
    let (path, _) = load_error(dir.path());
    assert!(path.ends_with("config.json"));

    let dir = tiny("broken-bin", &TinyModel::ner());
    std::fs::rename(
        dir.path().join("model.safetensors"),
        dir.path().join("pytorch_model.bin"),
    )
    .unwrap();
    let (path, problem) = load_error(dir.path());
    assert!(path.ends_with("model.safetensors"));
    assert!(
        problem.contains("pytorch_model.bin is refused") && problem.contains("safetensors"),
        "{problem}"
    );

    let dir = tiny("broken-tok", &TinyModel::ner());
    std::fs::remove_file(dir.path().join("tokenizer.json")).unwrap();
    assert!(load_error(dir.path()).0.ends_with("tokenizer.json"));

    let dir = tiny("broken-tok-json", &TinyModel::ner());
    std::fs::write(dir.path().join("tokenizer.json"), "{}").unwrap();
    assert!(load_error(dir.path()).0.ends_with("tokenizer.json"));

    let dir = tiny("broken-trunc", &TinyModel::ner());
    let weights = dir.path().join("model.safetensors");
    let bytes = std::fs::read(&weights).unwrap();
    std::fs::write(&weights, &bytes[..bytes.len() / 2]).unwrap();
    assert!(load_error(dir.path()).0.ends_with("model.safetensors"));

    let dir = tiny("broken-garbage", &TinyModel::ner());
    std::fs::write(
        dir.path().join("model.safetensors"),
        b"\xff\xff\xff\xff\xff\xff\xff\xffgarbage",
    )
    .unwrap();
    assert!(load_error(dir.path()).0.ends_with("model.safetensors"));

    let dir = tiny("broken-size", &TinyModel::ner());
    edit_config(dir.path(), |config| config["intermediate_size"] = json!(40));
    let (path, problem) = load_error(dir.path());
    assert!(
        path.ends_with("model.safetensors") && problem.contains("shape"),
        "{problem}"
    );

    let dir = tiny("broken-labels", &TinyModel::ner());
    edit_config(dir.path(), |config| {
        config["id2label"] = json!({"0": "O", "1": "B-PER"});
        config["label2id"] = json!({"O": 0, "B-PER": 1});
    });
    let (path, problem) = load_error(dir.path());
    assert!(
        path.ends_with("model.safetensors") && problem.contains("classifier"),
        "{problem}"
    );

    let dir = tiny("broken-nolabels", &TinyModel::ner());
    edit_config(dir.path(), |config| {
        config.as_object_mut().unwrap().remove("id2label");
    });
    assert!(load_error(dir.path()).1.contains("id2label"));

    let dir = tiny("broken-label2id", &TinyModel::ner());
    edit_config(dir.path(), |config| config["label2id"] = json!({"O": 1}));
    assert!(load_error(dir.path()).1.contains("label2id"));

    let dir = tiny("broken-arch", &TinyModel::ner());
    edit_config(dir.path(), |config| config["model_type"] = json!("gpt2"));
    assert!(load_error(dir.path()).1.contains("not supported"));

    let dir = tiny("wrong-task", &TinyModel::nli());
    assert!(load_error(dir.path()).1.contains("ForTokenClassification"));

    let dir = tiny("stance-labels", &TinyModel::nli());
    edit_config(dir.path(), |config| {
        config["id2label"] = json!({"0": "LABEL_0", "1": "LABEL_1", "2": "LABEL_2"});
        config.as_object_mut().unwrap().remove("label2id");
    });
    match StanceClassifier::from_dir(dir.path()) {
        Err(Error::ModelLoad { problem, .. }) => assert!(problem.contains("LABEL_0"), "{problem}"),
        _ => panic!("unmappable labels must be refused"),
    }
}

#[test]
fn models_are_shared_across_threads() {
    let dir = tiny("threads", &TinyModel::ner());
    let ner = Arc::new(EntityRecognizer::from_dir(dir.path()).unwrap());
    let expected = ner.predict(ARTICLE).unwrap();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let ner = Arc::clone(&ner);
            std::thread::spawn(move || ner.predict(ARTICLE).unwrap())
        })
        .collect();
    for handle in handles {
        assert_eq!(handle.join().unwrap(), expected);
    }
}

#[test]
fn huge_words_and_megabyte_documents_are_processed() {
    let dir = tiny("ner-huge", &TinyModel::ner());
    let ner = EntityRecognizer::from_dir(dir.path()).unwrap();
    // One 20,000-character "word" (the WordPiece tokenizer maps it to [UNK]), between ordinary words.
    let word = format!("Vance {} Paris", "x".repeat(20_000));
    let entities = ner.predict(&word).unwrap();
    check_entities(&word, &entities, ner.labels());
    // About a megabyte of text: many windows, every offset still exact.
    let document = vec![ARTICLE; 3_500].join("\n");
    assert!(document.len() > 1_000_000);
    let entities = ner.predict(&document).unwrap();
    check_entities(&document, &entities, ner.labels());
    assert!(entities
        .last()
        .is_some_and(|e| e.end > document.chars().count() - ARTICLE.chars().count()));
}

#[test]
fn long_texts_are_processed_in_pieces_cut_at_line_breaks() {
    let dir = tiny("ner-pieces", &TinyModel::ner());
    let lines: Vec<&str> = ARTICLE
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    let text = lines.join("\n");
    // A limit below any two lines: every line is its own piece, so the entities must be those of each line
    // predicted alone, shifted by the line's code-point offset.
    let longest = lines.iter().map(|line| line.len()).max().unwrap();
    let ner = EntityRecognizer::with_options(
        dir.path(),
        NerOptions {
            segment_bytes: longest + 1,
            ..NerOptions::default()
        },
    )
    .unwrap();
    let whole = ner.predict(&text).unwrap();
    check_entities(&text, &whole, ner.labels());
    let mut expected = Vec::new();
    let mut offset = 0;
    for (index, line) in lines.iter().enumerate() {
        let piece = if index == 0 {
            (*line).to_owned()
        } else {
            format!("\n{line}")
        };
        for mut entity in ner.predict(&piece).unwrap() {
            entity.start += offset;
            entity.end += offset;
            expected.push(entity);
        }
        offset += piece.chars().count();
    }
    assert!(!whole.is_empty());
    assert_eq!(whole, expected);
    // Batches are grouped the same way: the same entities for each text of a batch.
    let batch = ner.predict_batch(&[&text, "", &text]).unwrap();
    assert_eq!(batch[0], whole);
    assert!(batch[1].is_empty());
    assert_eq!(batch[2], whole);
    let error = EntityRecognizer::with_options(
        dir.path(),
        NerOptions {
            segment_bytes: 10,
            ..NerOptions::default()
        },
    );
    assert!(matches!(error, Err(Error::InvalidInput(_))));
}
