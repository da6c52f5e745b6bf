//! One bad document does not sink the others: a batch that fails is run again one document at a time.

use crate::error::{Error, Result};

/// Runs `run` on all `items` together; when that fails, or gives other than one output per item, runs each item
/// alone. The outcome of each item, in order: what was already computed for the others is kept.
pub fn batch_or_alone<T, O>(items: &[T], run: impl Fn(&[T]) -> Result<Vec<O>>) -> Vec<Result<O>> {
    match run(items) {
        Ok(outputs) if outputs.len() == items.len() => outputs.into_iter().map(Ok).collect(),
        _ => items
            .iter()
            .map(|item| {
                let mut outputs = run(std::slice::from_ref(item))?;
                match (outputs.pop(), outputs.is_empty()) {
                    (Some(output), true) => Ok(output),
                    _ => Err(Error::Inference {
                        message: "no output".into(),
                        source: None,
                    }),
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Doubles numbers; any batch holding a negative number fails.
    fn double(items: &[i32]) -> Result<Vec<i32>> {
        if items.iter().any(|&item| item < 0) {
            return Err(Error::InvalidInput("negative".into()));
        }
        Ok(items.iter().map(|item| item * 2).collect())
    }

    #[test]
    fn a_failing_batch_is_retried_one_item_at_a_time() {
        let outcomes = batch_or_alone(&[1, -2, 3], double);
        assert_eq!(outcomes.len(), 3);
        assert_eq!(outcomes[0].as_ref().ok(), Some(&2));
        assert!(matches!(outcomes[1], Err(Error::InvalidInput(_))));
        assert_eq!(outcomes[2].as_ref().ok(), Some(&6));
        let fine: Vec<i32> = batch_or_alone(&[1, 2], double)
            .into_iter()
            .map(|outcome| outcome.unwrap_or_default())
            .collect();
        assert_eq!(fine, [2, 4]);
    }

    #[test]
    fn a_batch_with_the_wrong_number_of_outputs_is_retried() {
        let short =
            |items: &[i32]| -> Result<Vec<i32>> { Ok(items.iter().skip(1).copied().collect()) };
        let outcomes = batch_or_alone(&[5, 6], short);
        assert!(outcomes
            .iter()
            .all(|outcome| matches!(outcome, Err(Error::Inference { .. }))));
    }
}
