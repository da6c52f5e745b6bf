//! Text before any model: sentences, casing classes, tokenization and code-point offsets.
//!
//! Everything here works on plain strings and a `tokenizer.json`; nothing loads weights. Offsets are code points
//! of the original text (Python `str` indices) everywhere in the engine: [`offsets::CharIndex`] cuts them.
//!
//! - [`sentences`]: a rule-based sentence splitter for news text, and which sentence holds a position.
//! - [`casing`]: the casing class of a token's surface (the casing embedding of uncased encoders).
//! - [`tokenize`]: a model's `tokenizer.json` with code-point offsets, single texts and text pairs.
//! - [`offsets`]: code-point offsets to byte offsets, and the [`offsets::TextSpan`] pieces they cut.

pub mod casing;
pub mod offsets;
pub mod sentences;
pub mod tokenize;
