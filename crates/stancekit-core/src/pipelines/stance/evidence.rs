//! The evidence rule: how the stances of several texts toward one target (windows of a long text, a speaker's
//! contents) combine into one.

use crate::types::Stance;

/// The evidence threshold of models that state none.
pub const DEFAULT_EVIDENCE_THRESHOLD: f32 = 0.5;

/// Stances of several texts (windows of one text, or a speaker's contents) toward one target, combined.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// Favor or against when some text is evidence of it, else none.
    pub label: Stance,
    /// Mean distribution `[favor, against, none]` over the evidence texts (over all texts without evidence).
    pub mean: [f32; 3],
    /// Indices of the evidence texts.
    pub indices: Vec<usize>,
}

/// The evidence rule: a text is evidence of favor (against) when its probability of favor (against) is its
/// largest and at least `threshold`; the stance with more probability over the evidence texts wins; without evidence the stance is
/// none. Models state their threshold (`evidence_threshold`, chosen on dev data).
pub fn evidence(distributions: &[[f32; 3]], threshold: f32) -> Evidence {
    let stance_of = |distribution: &[f32; 3]| {
        let stance = distribution[Stance::Favor.index()].max(distribution[Stance::Against.index()]);
        stance >= threshold && stance > distribution[Stance::None.index()]
    };
    let indices: Vec<usize> = distributions
        .iter()
        .enumerate()
        .filter(|(_, distribution)| stance_of(distribution))
        .map(|(index, _)| index)
        .collect();
    let pool: Vec<&[f32; 3]> = if indices.is_empty() {
        distributions.iter().collect()
    } else {
        indices.iter().map(|&index| &distributions[index]).collect()
    };
    // Summed in f64 and renormalised, so that a mean over thousands of windows still sums to 1.
    let mut sums = [0.0f64; 3];
    for distribution in &pool {
        for (total, value) in sums.iter_mut().zip(distribution.iter()) {
            *total += f64::from(*value);
        }
    }
    let total: f64 = sums.iter().sum();
    let mean = sums.map(|sum| {
        if total > 0.0 {
            (sum / total) as f32
        } else {
            0.0
        }
    });
    let label = if indices.is_empty() {
        Stance::None
    } else if mean[Stance::Favor.index()] >= mean[Stance::Against.index()] {
        Stance::Favor
    } else {
        Stance::Against
    };
    Evidence {
        label,
        mean,
        indices,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_needs_the_threshold_and_the_largest_probability() {
        let found = evidence(&[[0.5, 0.2, 0.3], [0.2, 0.3, 0.5], [0.1, 0.6, 0.3]], 0.45);
        assert_eq!(found.indices, [0, 2]);
        assert_eq!(found.label, Stance::Against);
        let none = evidence(&[[0.4, 0.2, 0.4], [0.3, 0.3, 0.4]], 0.45);
        assert_eq!(none.label, Stance::None);
        assert!(none.indices.is_empty());
        assert!((none.mean.iter().sum::<f32>() - 1.0).abs() < 1e-6);
    }
}
