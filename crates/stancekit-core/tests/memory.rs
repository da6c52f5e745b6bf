//! Working memory of NER on long documents, measured with a counting allocator (its own test binary, one test, so
//! no other test's allocations are counted).
//!
//! The Rust heap holds everything that grows with a document (tokens, offsets, windows, probabilities, the
//! character index); libtorch's activations are bounded by the batch of windows anyway. Working memory is the
//! peak during `predict` minus what the returned entities still hold.

// A global allocator can only be written with `unsafe`; it forwards to the system allocator unchanged.
#![allow(unsafe_code)]
#![allow(clippy::unwrap_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use stancekit_core::testing::{write_tiny_bert, TinyModel};
use stancekit_core::{EntityRecognizer, NerOptions};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to `System` with the same arguments; the counters do not touch the memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: `pointer` was allocated by `alloc` above with this layout.
        unsafe { System.dealloc(pointer, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// (working bytes, bytes held by the result) of one `predict`.
fn measure(ner: &EntityRecognizer, text: &str) -> (usize, usize) {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let entities = ner.predict(text).unwrap();
    let peak = PEAK.load(Ordering::Relaxed) - base;
    let held = CURRENT.load(Ordering::Relaxed).saturating_sub(base);
    assert!(!entities.is_empty());
    drop(entities);
    (peak - held, held)
}

#[test]
fn working_memory_does_not_grow_with_the_document() {
    let dir = std::env::temp_dir().join(format!("stancekit-test-memory-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    write_tiny_bert(&dir, &TinyModel::ner()).unwrap();
    let ner = EntityRecognizer::from_dir(&dir).unwrap();
    let sentence = "Vance met Macron in Paris on Friday, and the United States said so.\n";
    ner.predict(sentence).unwrap();
    let small_text = sentence.repeat(2_000);
    let large_text = sentence.repeat(20_000);
    let tokens = ner.tokens(&large_text).unwrap().len();
    assert!(tokens > 250_000, "{tokens} tokens");
    let (small, _) = measure(&ner, &small_text);
    let (large, held) = measure(&ner, &large_text);
    // The same document in one piece (segments larger than the text): what the segmenting saves.
    let whole = EntityRecognizer::with_options(
        &dir,
        NerOptions {
            segment_bytes: usize::MAX,
            ..NerOptions::default()
        },
    )
    .unwrap();
    let (unsegmented, _) = measure(&whole, &large_text);
    let _ = std::fs::remove_dir_all(&dir);
    let mb = |bytes: usize| bytes as f64 / 1e6;
    eprintln!(
        "working memory: {:.1} MB for {} bytes of text, {:.1} MB for {} bytes ({tokens} tokens; the entities hold \
         {:.1} MB); {:.1} MB unsegmented",
        mb(small),
        small_text.len(),
        mb(large),
        large_text.len(),
        mb(held),
        mb(unsegmented)
    );
    assert!(unsegmented > 4 * large, "the check can tell the difference");
    // Ten times the text, the same working memory (one 64 KiB group of pieces at a time), give or take the
    // output vector's growth.
    assert!(
        large < small + 4_000_000,
        "working memory grew from {:.1} MB to {:.1} MB",
        mb(small),
        mb(large)
    );
    assert!(large < 48_000_000, "{:.1} MB of working memory", mb(large));
}
