//! A speaker's stance toward a target from per-sentence distributions, and default targets.

use super::DocumentEntity;
use crate::types::Stance;

/// Aggregates per-sentence stance distributions `[favor, against, none]` of one speaker toward one target.
///
/// Sentences whose most probable stance is favor or against are the evidence; the stance with more
/// probability mass over the evidence wins. Without evidence the stance is `none`.
pub fn aggregate_stance(
    distributions: &[(usize, usize, [f32; 3])],
) -> (Stance, f32, [f32; 3], Vec<(usize, usize)>) {
    let is_evidence = |distribution: &[f32; 3]| {
        distribution[Stance::Favor.index()].max(distribution[Stance::Against.index()])
            > distribution[Stance::None.index()]
    };
    let evidence: Vec<&(usize, usize, [f32; 3])> = distributions
        .iter()
        .filter(|(_, _, d)| is_evidence(d))
        .collect();
    let pool: Vec<&(usize, usize, [f32; 3])> = if evidence.is_empty() {
        distributions.iter().collect()
    } else {
        evidence.clone()
    };
    let mut mean = [0.0f32; 3];
    for (_, _, distribution) in &pool {
        for (total, value) in mean.iter_mut().zip(distribution) {
            *total += value / pool.len().max(1) as f32;
        }
    }
    let label = if evidence.is_empty() {
        Stance::None
    } else if mean[Stance::Favor.index()] >= mean[Stance::Against.index()] {
        Stance::Favor
    } else {
        Stance::Against
    };
    (
        label,
        mean[label.index()],
        mean,
        evidence
            .iter()
            .map(|(start, end, _)| (*start, *end))
            .collect(),
    )
}

/// Targets to use when the caller gives none: the three most-mentioned entities that are not speakers and not
/// persons.
pub fn default_targets(groups: &[DocumentEntity], speakers: &[String]) -> Vec<String> {
    let mut candidates: Vec<&DocumentEntity> = groups
        .iter()
        .filter(|group| group.label != "PER" && !speakers.contains(&group.name))
        .collect();
    candidates.sort_by_key(|group| std::cmp::Reverse(group.mentions.len()));
    candidates
        .into_iter()
        .take(3)
        .map(|group| group.name.clone())
        .collect()
}
