//! `write_js` takes the same stack however deeply the value nests: it keeps
//! its own fixed stack of open containers instead of recursing.
//!
//! The probe is the writer it is given: each call notes how far below the
//! caller's frame the stack reaches there. That misses leaf functions that
//! never write, but a recursive writer shows up at once (hundreds of bytes
//! per level, tens of kilobytes at 32 levels in a debug build). The figures
//! for a Cortex-M4 are in the notes of `src/json/js.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use clerk_edge::json::{self, MAX_DEPTH};
use core::fmt;
use std::hint::black_box;

/// Records the lowest stack address seen in a `write_str` call.
struct Probe {
    lowest: usize,
    text: String,
}

impl fmt::Write for Probe {
    #[inline(never)]
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let marker = 0u8;
        let here = black_box(&raw const marker).addr();
        self.lowest = self.lowest.min(here);
        self.text.push_str(s);
        Ok(())
    }
}

/// Bytes of stack between this frame and the deepest `write_str` call.
#[inline(never)]
fn stack_used(text: &str) -> usize {
    let value = json::parse(text).expect("valid");
    let marker = 0u8;
    let base = black_box(&raw const marker).addr();
    let mut probe = Probe {
        lowest: usize::MAX,
        text: String::new(),
    };
    value.write_js(&mut probe).expect("writes");
    black_box(&probe.text);
    base.saturating_sub(probe.lowest)
}

/// `n` levels of `open`, then `leaf`, then `n` of `close`.
fn nest(n: usize, open: &str, leaf: &str, close: &str) -> String {
    format!("{}{leaf}{}", open.repeat(n), close.repeat(n))
}

#[test]
fn stack_does_not_grow_with_nesting() {
    // Each shape at depth 1 and at the deepest `parse` accepts, with the same
    // leaf: what the writer takes around it must not depend on the depth.
    let shapes = [
        ("{\"a\":", "}"),
        ("[", "]"),
        ("{\"b\":0,\"2\":1,\"1\":", "}"),
        ("{\"k\":[{\"1\":0,\"0\":", "}]}"),
    ];
    for (open, close) in shapes {
        let per_level = open.matches(['{', '[']).count();
        // One level to spare for the `[]` leaf.
        let deepest = (MAX_DEPTH - 1) / per_level;
        for leaf in ["1", "\"\\u0001x\"", "1.5", "[]"] {
            let shallow = stack_used(&nest(1, open, leaf, close));
            let deep = stack_used(&nest(deepest, open, leaf, close));
            assert!(
                deep <= shallow + 64,
                "{open}{leaf}{close}: {shallow} bytes at depth {per_level}, {deep} at {}",
                deepest * per_level
            );
        }
    }
}

#[test]
fn stack_does_not_grow_with_index_keys() {
    // Many index keys, in descending order, at every level: the writer's
    // tables are fixed, whatever it remembers.
    let level: String = (1..40).rev().map(|i| format!("\"{i}\":0,")).collect();
    let open = format!("{{{level}\"0\":");
    let shallow = stack_used(&nest(1, &open, "1", "}"));
    let deep = stack_used(&nest(MAX_DEPTH, &open, "1", "}"));
    assert!(deep <= shallow + 64, "{shallow} bytes, then {deep}");
}
