//! Property tests of the text → entities path on a tiny random model: for any input, entity offsets cut the
//! entity's text out of the input in code points, spans are ordered and disjoint, and a text that fits in one
//! window gives the same result whatever the window size. `make test` runs the default number of cases;
//! `make fuzz` runs many more (`PROPTEST_CASES`).

#![expect(clippy::unwrap_used, reason = "test setup fails loudly")]

use std::path::PathBuf;
use std::sync::OnceLock;

use proptest::prelude::*;
use stancekit_core::testing::{write_tiny_bert, TinyModel};
use stancekit_core::{EntityRecognizer, NerOptions};

fn model_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("stancekit-proptest-{}", std::process::id()));
        let spec = TinyModel {
            casing: true,
            max_positions: 96,
            ..TinyModel::ner()
        };
        write_tiny_bert(&dir, &spec).unwrap();
        dir
    })
}

fn recognizers() -> &'static (EntityRecognizer, EntityRecognizer) {
    static MODELS: OnceLock<(EntityRecognizer, EntityRecognizer)> = OnceLock::new();
    MODELS.get_or_init(|| {
        let wide = EntityRecognizer::from_dir(model_dir()).unwrap();
        let narrow = EntityRecognizer::with_options(
            model_dir(),
            NerOptions {
                window: Some(24),
                stride: Some(6),
                ..NerOptions::default()
            },
        )
        .unwrap();
        (wide, narrow)
    })
}

/// Pieces that stress tokenization and offsets: words, punctuation, curly quotes, accents (composed and
/// combining), emoji with ZWJ and skin tones, flags, CJK, RTL, control characters and odd whitespace.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z]{1,12}",
        "[0-9]{1,6}",
        Just("Vance".to_string()),
        Just("the United States".to_string()),
        Just("“".to_string()),
        Just("”".to_string()),
        Just("’s".to_string()),
        Just("e\u{301}".to_string()),
        Just("São".to_string()),
        Just("👩‍👩‍👧‍👦".to_string()),
        Just("👍🏽".to_string()),
        Just("🇺🇦".to_string()),
        Just("北京市".to_string()),
        Just("مرحبا".to_string()),
        Just("\u{0}".to_string()),
        Just("\u{7}".to_string()),
        Just("\r\n".to_string()),
        Just("\r".to_string()),
        Just("\u{200b}".to_string()),
        Just("\u{feff}".to_string()),
        "[ \t\n]{1,3}",
        "[.,;:!?()-]{1,3}",
        any::<char>().prop_map(String::from),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..40).prop_map(|pieces| pieces.join(" "))
}

fn chars_slice(text: &str, start: usize, end: usize) -> String {
    text.chars().skip(start).take(end - start).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn entity_offsets_are_exact_ordered_and_disjoint(text in text()) {
        let (wide, narrow) = recognizers();
        let length = text.chars().count();
        for recognizer in [wide, narrow] {
            let entities = recognizer.predict(&text).unwrap();
            let mut previous_end = 0;
            for entity in &entities {
                prop_assert!(entity.start < entity.end && entity.end <= length, "{entity:?}");
                prop_assert!(entity.start >= previous_end, "overlap at {entity:?}");
                prop_assert_eq!(chars_slice(&text, entity.start, entity.end), entity.text.clone());
                prop_assert!(entity.score.is_finite());
                previous_end = entity.end;
            }
        }
    }

    #[test]
    fn windowing_does_not_change_texts_that_fit_one_window(text in text()) {
        let (wide, narrow) = recognizers();
        let scores = wide.token_scores(&text).unwrap();
        prop_assume!(scores.tokens.len() <= 22);
        let wide_entities = wide.predict(&text).unwrap();
        let narrow_entities = narrow.predict(&text).unwrap();
        prop_assert_eq!(wide_entities.len(), narrow_entities.len());
        for (a, b) in wide_entities.iter().zip(&narrow_entities) {
            prop_assert_eq!((a.start, a.end, &a.label), (b.start, b.end, &b.label));
            prop_assert!((a.score - b.score).abs() < 1e-4);
        }
    }
}
