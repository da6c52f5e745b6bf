//! [`analyze`]: one document, or a batch of them, from text to [`Analysis`]: sentences, entities, attributions
//! and each speaker's stance toward each target.

use crate::analysis::document::{Analysis, Attribution, DocumentEntity, SpeakerStance, AUTHOR};
use crate::analysis::mentions::group_mentions;
use crate::analysis::rules::attribute_sentences;
use crate::analysis::speakers::resolve_speakers;
use crate::analysis::stances::{aggregate_stance, default_targets, Content};
use crate::error::{Error, Result};
use crate::pipelines::attribution::assembly::assemble_relations;
use crate::pipelines::ner::{EntityRecognizer, Labelled};
use crate::pipelines::stance::classifier::StanceClassifier;
use crate::text::sentences::{split_sentences, Sentence};
use crate::types::{Stance, StancePrediction};

/// A document's analysis up to its stance pairs: everything but the model's stance predictions.
struct Draft {
    sentences: Vec<Sentence>,
    entities: Vec<DocumentEntity>,
    speakers: Vec<String>,
    attributions: Vec<Attribution>,
    /// Each attribution's content text, in the same order.
    contents: Vec<String>,
    targets: Vec<String>,
}

impl Draft {
    fn new(text: &str, labelled: &Labelled, learned: bool, targets: Option<&[String]>) -> Draft {
        let sentences = split_sentences(text);
        let entities = group_mentions(text, &labelled.entities);
        let attributions = if learned {
            let relations = assemble_relations(text, &labelled.roles, &sentences);
            resolve_speakers(&relations, &entities, &sentences)
        } else {
            attribute_sentences(&sentences, &entities)
        };
        let mut speakers: Vec<String> = Vec::new();
        for attribution in &attributions {
            if attribution.speaker != AUTHOR && !speakers.contains(&attribution.speaker) {
                speakers.push(attribution.speaker.clone());
            }
        }
        let targets: Vec<String> = match targets {
            Some(targets) => {
                let mut unique: Vec<String> = Vec::new();
                for target in targets {
                    if !unique.contains(target) {
                        unique.push(target.clone());
                    }
                }
                unique
            }
            None => default_targets(&entities, &speakers),
        };
        speakers.push(AUTHOR.to_owned());
        let contents = attributions.iter().map(Attribution::content_text).collect();
        Draft {
            sentences,
            entities,
            speakers,
            attributions,
            contents,
            targets,
        }
    }

    /// The `(content, target)` pairs to classify, attribution-major.
    fn pairs(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.contents.iter().flat_map(|content| {
            self.targets
                .iter()
                .map(move |target| (content.as_str(), target.as_str()))
        })
    }

    fn pair_count(&self) -> usize {
        self.contents.len() * self.targets.len()
    }

    /// The analysis, given the predictions of [`Draft::pairs`] in their order.
    fn finish(self, predictions: &[StancePrediction], threshold: f32) -> Analysis {
        let mut stances = Vec::with_capacity(self.speakers.len() * self.targets.len());
        for speaker in &self.speakers {
            for (target_index, target) in self.targets.iter().enumerate() {
                let contents: Vec<Content<'_>> = self
                    .attributions
                    .iter()
                    .enumerate()
                    .filter(|(_, attribution)| attribution.speaker == *speaker)
                    .filter_map(|(index, attribution)| {
                        let prediction =
                            predictions.get(index * self.targets.len() + target_index)?;
                        let distribution = Stance::ALL.map(|class| {
                            prediction
                                .scores
                                .get(class.as_str())
                                .copied()
                                .unwrap_or_default()
                        });
                        let ranges = attribution
                            .content
                            .iter()
                            .map(|range| (range.start, range.end))
                            .collect();
                        Some(Content {
                            ranges,
                            text: self.contents[index].as_str(),
                            distribution,
                        })
                    })
                    .collect();
                let aggregated = aggregate_stance(&contents, target, threshold);
                stances.push(SpeakerStance {
                    speaker: speaker.clone(),
                    target: target.clone(),
                    label: aggregated.label,
                    score: aggregated.score,
                    scores: Stance::ALL
                        .iter()
                        .map(|class| (class.as_str().to_owned(), aggregated.mean[class.index()]))
                        .collect(),
                    evidence: aggregated.evidence,
                    basis: aggregated.basis,
                });
            }
        }
        Analysis {
            sentences: self.sentences,
            entities: self.entities,
            speakers: self.speakers,
            attributions: self.attributions,
            targets: self.targets,
            stances,
        }
    }
}

/// Analyses one document. `targets` of `None` uses [`default_targets`].
pub fn analyze(
    text: &str,
    targets: Option<&[String]>,
    ner: &EntityRecognizer,
    stance: &StanceClassifier,
) -> Result<Analysis> {
    let mut analyses = analyze_batch(&[(text, targets)], ner, stance)?;
    analyses.pop().ok_or_else(|| Error::Inference {
        message: "no analysis returned".into(),
        source: None,
    })
}

/// Analyses several documents, each `(text, targets)` as in [`analyze`], with their entity windows and their
/// stance pairs batched together: a corpus of short documents does not run one small batch at a time.
/// Each document's result is the one [`analyze`] gives it alone, up to the float tolerance of padding in a
/// batch (the same sentences, entity spans and attributions; probabilities agree to about 1e-5).
pub fn analyze_batch(
    documents: &[(&str, Option<&[String]>)],
    ner: &EntityRecognizer,
    stance: &StanceClassifier,
) -> Result<Vec<Analysis>> {
    let texts: Vec<&str> = documents.iter().map(|(text, _)| *text).collect();
    let labelled = ner.predict_labelled(&texts)?;
    let drafts: Vec<Draft> = documents
        .iter()
        .zip(&labelled)
        .map(|(&(text, targets), labelled)| {
            Draft::new(text, labelled, ner.has_attribution(), targets)
        })
        .collect();
    let pairs: Vec<(&str, &str)> = drafts.iter().flat_map(Draft::pairs).collect();
    let predictions = if pairs.is_empty() {
        Vec::new()
    } else {
        stance.predict_batch(&pairs)?
    };
    let mut rest = predictions.as_slice();
    let mut analyses = Vec::with_capacity(drafts.len());
    for draft in drafts {
        let (own, tail) = rest.split_at(draft.pair_count().min(rest.len()));
        rest = tail;
        analyses.push(draft.finish(own, stance.evidence_threshold()));
    }
    Ok(analyses)
}
