//! How model work runs: the one batch scheduler, overlapping windows over long token sequences, libtorch's
//! threads, and the per-document retry.
//!
//! - [`cpu`]: what the CPU computes fast; the precision `auto` resolves to, and the warnings.
//! - `scheduler`: rows sorted by length, batched, run under the model's lock, logits back in input order.
//! - [`windows`]: windows over long texts and which window each token takes its prediction from.
//! - [`threads`]: `STANCEKIT_NUM_THREADS` and libtorch's intra-op threads.
//! - [`retry`]: a failing batch of documents run again one document at a time.

pub mod cpu;
pub mod retry;
pub(crate) mod scheduler;
pub mod threads;
pub mod windows;
