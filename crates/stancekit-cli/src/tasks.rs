//! The three commands as tasks of the document loop: what each runs on a batch, and its table and HTML views.

use std::io::Write;

use stancekit_core::analysis::Basis;
use stancekit_core::{
    analyze_batch, html, Analysis, Entity, EntityRecognizer, Error, StanceClassifier,
    StancePrediction,
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
    let width = analysis
        .targets
        .iter()
        .map(|t| t.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(14, 30);
    writeln!(
        out,
        "\nStances (speaker x target: stance score (evidence contents); none: read as none, or no content about it)"
    )?;
    let names = analysis
        .speakers
        .iter()
        .map(|speaker| speaker.chars().count())
        .max()
        .unwrap_or(0)
        .max(20);
    write!(out, "  {:<names$}", "")?;
    for target in &analysis.targets {
        let short: String = target.chars().take(width).collect();
        write!(out, " {short:<width$}")?;
    }
    writeln!(out)?;
    for speaker in &analysis.speakers {
        write!(out, "  {speaker:<names$}")?;
        for target in &analysis.targets {
            let cell = analysis
                .stances
                .iter()
                .find(|stance| stance.speaker == *speaker && stance.target == *target)
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
                .unwrap_or_default();
            write!(out, " {cell:<width$}")?;
        }
        writeln!(out)?;
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
