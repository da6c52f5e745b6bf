//! The three commands as tasks of the document loop: what each runs on a batch, and its table and HTML views.

use std::io::Write;

use stancekit_core::analysis::Basis;
use stancekit_core::render::html;
use stancekit_core::{
    analyze_batch, Analysis, Entity, EntityRecognizer, Error, StanceClassifier, StancePrediction,
};

use crate::input::Input;
use crate::pipeline::Task;

/// `stancekit ner`.
pub struct Ner {
    pub recognizer: EntityRecognizer,
}

impl Task for Ner {
    type Output = Vec<Entity>;
    const FIELD: &'static str = "entities";

    fn run(&self, batch: &[&Input]) -> Result<Vec<Vec<Entity>>, Error> {
        let texts: Vec<&str> = batch.iter().map(|input| input.text.as_str()).collect();
        self.recognizer.predict_batch(&texts)
    }

    fn table(
        &self,
        out: &mut dyn Write,
        _input: &Input,
        entities: &Vec<Entity>,
    ) -> std::io::Result<()> {
        writeln!(
            out,
            "  {:<6} {:>6} {:>6} {:>6}  text",
            "label", "start", "end", "score"
        )?;
        for entity in entities {
            writeln!(
                out,
                "  {:<6} {:>6} {:>6} {:>6.3}  {}",
                entity.label, entity.start, entity.end, entity.score, entity.text
            )?;
        }
        Ok(())
    }
}

/// `stancekit stance`.
pub struct Stance {
    pub classifier: StanceClassifier,
    /// Targets of documents that name none of their own.
    pub targets: Vec<String>,
}

impl Stance {
    fn targets_of<'a>(&'a self, input: &'a Input) -> Result<&'a [String], Error> {
        let targets = input.targets.as_deref().unwrap_or(&self.targets);
        if targets.is_empty() {
            return Err(Error::InvalidInput(
                "no targets: give --target, or a \"targets\" list in the document's JSONL record"
                    .into(),
            ));
        }
        Ok(targets)
    }
}

impl Task for Stance {
    type Output = Vec<StancePrediction>;
    const FIELD: &'static str = "stances";

    fn run(&self, batch: &[&Input]) -> Result<Vec<Vec<StancePrediction>>, Error> {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        let mut counts = Vec::with_capacity(batch.len());
        for input in batch {
            let targets = self.targets_of(input)?;
            pairs.extend(
                targets
                    .iter()
                    .map(|target| (input.text.as_str(), target.as_str())),
            );
            counts.push(targets.len());
        }
        let mut predictions = self.classifier.predict_batch(&pairs)?.into_iter();
        Ok(counts
            .into_iter()
            .map(|count| predictions.by_ref().take(count).collect())
            .collect())
    }

    fn table(
        &self,
        out: &mut dyn Write,
        _input: &Input,
        stances: &Vec<StancePrediction>,
    ) -> std::io::Result<()> {
        writeln!(
            out,
            "  {:<32} {:<8} {:>6} {:>7} {:>7} {:>6}",
            "target", "stance", "score", "favor", "against", "none"
        )?;
        for stance in stances {
            let score = |name: &str| stance.scores.get(name).copied().unwrap_or_default();
            writeln!(
                out,
                "  {:<32} {:<8} {:>6.3} {:>7.3} {:>7.3} {:>6.3}",
                stance.target,
                stance.label.as_str(),
                stance.score,
                score("favor"),
                score("against"),
                score("none")
            )?;
        }
        Ok(())
    }
}

/// `stancekit analyze`.
pub struct Analyze {
    pub ner: EntityRecognizer,
    pub stance: StanceClassifier,
    /// Targets of documents that name none of their own; empty: each document's default targets.
    pub targets: Vec<String>,
}

impl Task for Analyze {
    type Output = Analysis;
    const FIELD: &'static str = "analysis";

    fn run(&self, batch: &[&Input]) -> Result<Vec<Analysis>, Error> {
        let fallback = (!self.targets.is_empty()).then_some(self.targets.as_slice());
        let documents: Vec<(&str, Option<&[String]>)> = batch
            .iter()
            .map(|input| (input.text.as_str(), input.targets.as_deref().or(fallback)))
            .collect();
        analyze_batch(&documents, &self.ner, &self.stance)
    }

    fn table(
        &self,
        out: &mut dyn Write,
        _input: &Input,
        analysis: &Analysis,
    ) -> std::io::Result<()> {
        analysis_table(out, analysis)
    }

    fn html(&self, input: &Input, analysis: &Analysis) -> String {
        html::fragment(&input.text, analysis)
    }
}

/// Target headers longer than this are cut in the table (the JSON output keeps them whole).
const MAX_TARGET_HEADER: usize = 30;

/// One cell of the speaker x target table: the label, its score and how many contents are its evidence.
fn stance_cell(analysis: &Analysis, speaker: &str, target: &str) -> String {
    analysis
        .stances
        .iter()
        .find(|stance| stance.speaker == speaker && stance.target == target)
        .map(|stance| match stance.basis {
            Basis::Evidence => format!(
                "{} {:.2} ({})",
                stance.label,
                stance.score,
                stance.evidence.len()
            ),
            Basis::ReadAsNone => format!("none {:.2} (read)", stance.score),
            Basis::NoRelevantContent => "none (no content)".to_owned(),
        })
        .unwrap_or_default()
}

/// One line of the stance table: the speaker column, then each cell padded to its column (the last one not, so
/// that no line ends in spaces).
fn table_row(
    out: &mut dyn Write,
    first: &str,
    first_width: usize,
    cells: &[String],
    widths: &[usize],
) -> std::io::Result<()> {
    write!(out, "  {first:<first_width$}")?;
    for (column, (cell, width)) in cells.iter().zip(widths).enumerate() {
        if column + 1 == cells.len() {
            write!(out, "  {cell}")?;
        } else {
            write!(out, "  {cell:<width$}")?;
        }
    }
    writeln!(out)
}

fn analysis_table(out: &mut dyn Write, analysis: &Analysis) -> std::io::Result<()> {
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
    writeln!(
        out,
        "\nStances (speaker x target: stance score (evidence contents); none: read as none, or no content about it)"
    )?;
    let headers: Vec<String> = analysis
        .targets
        .iter()
        .map(|target| target.chars().take(MAX_TARGET_HEADER).collect())
        .collect();
    let rows: Vec<Vec<String>> = analysis
        .speakers
        .iter()
        .map(|speaker| {
            analysis
                .targets
                .iter()
                .map(|target| stance_cell(analysis, speaker, target))
                .collect()
        })
        .collect();
    // Each column as wide as its header or its widest cell, so rows stay aligned whatever the cells say.
    let widths: Vec<usize> = headers
        .iter()
        .enumerate()
        .map(|(column, header)| {
            rows.iter()
                .map(|row| row[column].chars().count())
                .chain([header.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let names = analysis
        .speakers
        .iter()
        .map(|speaker| speaker.chars().count())
        .max()
        .unwrap_or(0)
        .max(20);
    table_row(out, "", names, &headers, &widths)?;
    for (speaker, row) in analysis.speakers.iter().zip(&rows) {
        table_row(out, speaker, names, row, &widths)?;
    }
    writeln!(
        out,
        "\nAttributions (speaker <- source, cue, confidence: content)"
    )?;
    for attribution in &analysis.attributions {
        let content = attribution.content_text();
        let preview: String = content.chars().take(90).collect();
        let ellipsis = if content.chars().count() > 90 {
            "…"
        } else {
            ""
        };
        let origin = match (&attribution.source, &attribution.cue) {
            (Some(source), Some(cue)) => format!(" <- {}, {}", source.text, cue.text),
            (Some(source), None) => format!(" <- {}", source.text),
            (None, Some(cue)) => format!(", {}", cue.text),
            (None, None) => String::new(),
        };
        writeln!(
            out,
            "  {}{origin}, {:.2}: {preview}{ellipsis}",
            attribution.speaker, attribution.confidence
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use stancekit_core::{SpeakerStance, Stance};

    use super::*;

    fn stance(speaker: &str, target: &str, label: Stance, basis: Basis) -> SpeakerStance {
        SpeakerStance {
            speaker: speaker.to_owned(),
            target: target.to_owned(),
            label,
            score: 0.5,
            scores: BTreeMap::new(),
            evidence: if basis == Basis::Evidence {
                vec![(0, 1)]
            } else {
                Vec::new()
            },
            basis,
        }
    }

    #[test]
    fn stance_columns_line_up_when_cells_are_wider_than_targets() {
        let speakers = ["A much longer speaker name here", "B"];
        let targets = ["EU", "NATO"];
        let analysis = Analysis {
            sentences: Vec::new(),
            entities: Vec::new(),
            speakers: speakers.iter().map(|s| (*s).to_owned()).collect(),
            attributions: Vec::new(),
            targets: targets.iter().map(|t| (*t).to_owned()).collect(),
            stances: vec![
                stance(
                    speakers[0],
                    targets[0],
                    Stance::None,
                    Basis::NoRelevantContent,
                ),
                stance(speakers[0], targets[1], Stance::Favor, Basis::Evidence),
                stance(speakers[1], targets[0], Stance::Against, Basis::Evidence),
                stance(speakers[1], targets[1], Stance::None, Basis::ReadAsNone),
            ],
        };
        let mut out = Vec::new();
        analysis_table(&mut out, &analysis).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text
            .lines()
            .skip_while(|line| !line.starts_with("Stances"))
            .skip(1)
            .take(3)
            .collect();
        let start = |line: &str, needle: &str| line.find(needle).unwrap();
        // Second column starts at the same place in the header and in both rows.
        let header = start(lines[0], "NATO");
        assert_eq!(start(lines[1], "favor 0.50 (1)"), header);
        assert_eq!(start(lines[2], "none 0.50 (read)"), header);
        assert_eq!(
            start(lines[1], "none (no content)"),
            start(lines[2], "against")
        );
        assert!(lines.iter().all(|line| !line.ends_with(' ')));
    }
}
