//! Property tests of the JSON reader against `serde_json` and against a
//! plain reference model written here for clarity rather than speed.
//!
//! - Random documents (random whitespace, escapes and number spellings):
//!   `parse` accepts exactly what `serde_json` accepts, minus this crate's
//!   deliberate rejections (duplicate keys, too deep, too many members).
//! - `write_js` equals a reference `JSON.stringify` of the document, and
//!   `serde_json` reads it back to the same value.
//! - Random mutations of documents never make any function panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use clerk_edge::json::{self, JsonError, Kind, MAX_DEPTH, MAX_OBJECT_MEMBERS, Value};
use proptest::prelude::*;
use std::collections::HashSet;

// ---------------------------------------------------------------------------
// A reference model: a document tree, how to print it, and how JavaScript
// would print it back.
// ---------------------------------------------------------------------------

/// A JSON value as JavaScript would hold it: numbers as `f64`, objects as
/// member lists in document order (so duplicates can be represented).
#[derive(Clone, Debug, PartialEq)]
enum Doc {
    Null,
    Bool(bool),
    /// The value and the exact spelling used in the document.
    Num(f64, String),
    Str(String),
    Arr(Vec<Doc>),
    Obj(Vec<(String, Doc)>),
}

/// A tiny deterministic generator for the printing choices.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Prints `doc` as JSON, with whitespace and escapes chosen by `rng`.
fn render(doc: &Doc, rng: &mut Rng, out: &mut String) {
    let ws = |rng: &mut Rng, out: &mut String| {
        if rng.below(4) == 0 {
            for _ in 0..=rng.below(3) {
                out.push([' ', '\t', '\n', '\r'][rng.below(4) as usize]);
            }
        }
    };
    match doc {
        Doc::Null => out.push_str("null"),
        Doc::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Doc::Num(_, text) => out.push_str(text),
        Doc::Str(s) => render_string(s, rng, out),
        Doc::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                ws(rng, out);
                render(item, rng, out);
                ws(rng, out);
            }
            out.push(']');
        }
        Doc::Obj(members) => {
            out.push('{');
            for (i, (key, value)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                ws(rng, out);
                render_string(key, rng, out);
                ws(rng, out);
                out.push(':');
                ws(rng, out);
                render(value, rng, out);
                ws(rng, out);
            }
            out.push('}');
        }
    }
}

/// Prints a string literal, escaping what must be escaped and, at random,
/// other characters too (`\uXXXX` in either case, surrogate pairs, `\/`).
fn render_string(s: &str, rng: &mut Rng, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        let must = c == '"' || c == '\\' || (c as u32) < 0x20;
        let pick = if must { 1 + rng.below(2) } else { rng.below(8) };
        match pick {
            1 => match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '/' => out.push_str("\\/"),
                c => push_unicode_escape(c, rng.below(2) == 0, out),
            },
            2 => push_unicode_escape(c, rng.below(2) == 0, out),
            _ => out.push(c),
        }
    }
    out.push('"');
}

fn push_unicode_escape(c: char, upper: bool, out: &mut String) {
    let mut units = [0u16; 2];
    for unit in c.encode_utf16(&mut units) {
        if upper {
            out.push_str(&format!("\\u{:04X}", unit));
        } else {
            out.push_str(&format!("\\u{:04x}", unit));
        }
    }
}

/// What `JSON.stringify` prints for `doc`.
fn stringify(doc: &Doc, out: &mut String) {
    match doc {
        Doc::Null => out.push_str("null"),
        Doc::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Doc::Num(x, _) if x.is_finite() => out.push_str(ryu_js::Buffer::new().format_finite(*x)),
        Doc::Num(..) => out.push_str("null"),
        Doc::Str(s) => stringify_string(s, out),
        Doc::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                stringify(item, out);
            }
            out.push(']');
        }
        Doc::Obj(members) => {
            // JavaScript keeps the last of duplicate keys, at the position
            // of the first; array-index keys come first, ascending.
            let mut props: Vec<(String, &Doc)> = Vec::new();
            for (key, value) in members {
                match props.iter_mut().find(|(k, _)| k == key) {
                    Some(prop) => prop.1 = value,
                    None => props.push((key.clone(), value)),
                }
            }
            let index = |k: &str| -> Option<u64> {
                let canonical = k == "0" || (!k.starts_with('0') && !k.is_empty());
                let n: u64 = k
                    .parse()
                    .ok()
                    .filter(|_| canonical && k.bytes().all(|b| b.is_ascii_digit()))?;
                (n < u64::from(u32::MAX)).then_some(n)
            };
            let mut indices: Vec<(u64, &(String, &Doc))> = props
                .iter()
                .filter_map(|p| Some((index(&p.0)?, p)))
                .collect();
            indices.sort_by_key(|(n, _)| *n);
            let ordered = indices
                .into_iter()
                .map(|(_, p)| p)
                .chain(props.iter().filter(|p| index(&p.0).is_none()));
            out.push('{');
            for (i, (key, value)) in ordered.enumerate() {
                if i > 0 {
                    out.push(',');
                }
                stringify_string(key, out);
                out.push(':');
                stringify(value, out);
            }
            out.push('}');
        }
    }
}

fn stringify_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Reads a document that `serde_json` already accepted into a [`Doc`],
/// keeping duplicate keys and document order (which `serde_json::Value`
/// loses). Strings are decoded by `serde_json` itself.
struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

impl Reader<'_> {
    fn peek(&self) -> u8 {
        self.text.as_bytes()[self.pos]
    }
    fn ws(&mut self) {
        while self.pos < self.text.len() && b" \t\n\r".contains(&self.peek()) {
            self.pos += 1;
        }
    }
    fn string(&mut self) -> String {
        let start = self.pos;
        self.pos += 1;
        loop {
            match self.peek() {
                b'"' => break,
                b'\\' => self.pos += 2,
                _ => self.pos += 1,
            }
        }
        self.pos += 1;
        serde_json::from_str(&self.text[start..self.pos]).unwrap()
    }
    fn value(&mut self) -> Doc {
        self.ws();
        let doc = match self.peek() {
            b'n' => {
                self.pos += 4;
                Doc::Null
            }
            b't' => {
                self.pos += 4;
                Doc::Bool(true)
            }
            b'f' => {
                self.pos += 5;
                Doc::Bool(false)
            }
            b'"' => Doc::Str(self.string()),
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                self.ws();
                if self.peek() == b']' {
                    self.pos += 1;
                } else {
                    loop {
                        items.push(self.value());
                        self.ws();
                        self.pos += 1;
                        if self.text.as_bytes()[self.pos - 1] == b']' {
                            break;
                        }
                    }
                }
                Doc::Arr(items)
            }
            b'{' => {
                self.pos += 1;
                let mut members = Vec::new();
                self.ws();
                if self.peek() == b'}' {
                    self.pos += 1;
                } else {
                    loop {
                        self.ws();
                        let key = self.string();
                        self.ws();
                        self.pos += 1; // ':'
                        members.push((key, self.value()));
                        self.ws();
                        self.pos += 1;
                        if self.text.as_bytes()[self.pos - 1] == b'}' {
                            break;
                        }
                    }
                }
                Doc::Obj(members)
            }
            _ => {
                let start = self.pos;
                while self.pos < self.text.len() && b"+-.0123456789eE".contains(&self.peek()) {
                    self.pos += 1;
                }
                let text = &self.text[start..self.pos];
                Doc::Num(text.parse().unwrap(), text.to_string())
            }
        };
        self.ws();
        doc
    }
}

/// Nesting depth (containers only) of a document.
fn depth(doc: &Doc) -> usize {
    match doc {
        Doc::Arr(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Doc::Obj(members) => 1 + members.iter().map(|(_, v)| depth(v)).max().unwrap_or(0),
        _ => 0,
    }
}

/// Whether any object has two equal keys (after unescaping).
fn has_duplicate(doc: &Doc) -> bool {
    match doc {
        Doc::Arr(items) => items.iter().any(has_duplicate),
        Doc::Obj(members) => {
            let mut seen = HashSet::new();
            members.iter().any(|(k, _)| !seen.insert(k.as_str()))
                || members.iter().any(|(_, v)| has_duplicate(v))
        }
        _ => false,
    }
}

/// Largest member count of any object.
fn widest(doc: &Doc) -> usize {
    match doc {
        Doc::Arr(items) => items.iter().map(widest).max().unwrap_or(0),
        Doc::Obj(members) => members
            .len()
            .max(members.iter().map(|(_, v)| widest(v)).max().unwrap_or(0)),
        _ => 0,
    }
}

/// What `parse` should answer for `text`, decided with `serde_json` and the
/// reference model; `None` when `serde_json` cannot be the judge (it rejects
/// numbers beyond `f64`, which JavaScript reads as infinity).
fn expected(text: &str) -> Option<Result<(), &'static [JsonError]>> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Err(e) if e.to_string().contains("number out of range") => None,
        Err(_) => Some(Err(&[])),
        Ok(_) => {
            let doc = Reader { text, pos: 0 }.value();
            let too_deep = depth(&doc) > MAX_DEPTH;
            let duplicate = has_duplicate(&doc);
            let too_wide = widest(&doc) > MAX_OBJECT_MEMBERS;
            Some(match (too_deep, duplicate, too_wide) {
                (false, false, false) => Ok(()),
                (true, false, false) => Err(&[JsonError::TooDeep]),
                (false, true, false) => Err(&[JsonError::DuplicateKey]),
                (false, false, true) => Err(&[JsonError::TooManyMembers]),
                _ => Err(&[
                    JsonError::TooDeep,
                    JsonError::DuplicateKey,
                    JsonError::TooManyMembers,
                ]),
            })
        }
    }
}

/// Checks `parse(text)` against [`expected`].
fn check_against_reference(text: &str) -> Result<(), TestCaseError> {
    let got = json::parse(text);
    match expected(text) {
        None => {}
        Some(Ok(())) => prop_assert!(got.is_ok(), "rejected {text:?}: {got:?}"),
        // The first problem in document order may be a duplicate key or
        // the depth, so any error will do here.
        Some(Err(&[])) => prop_assert!(
            got.is_err(),
            "serde_json rejects {text:?}, parse gave {got:?}"
        ),
        Some(Err(allowed)) => {
            let err = got.err();
            prop_assert!(
                err.is_some_and(|e| allowed.contains(&e)),
                "{text:?}: {err:?}, want one of {allowed:?}"
            );
        }
    }
    if let Ok(value) = got {
        exercise(value)?;
    }
    Ok(())
}

/// Calls every accessor on every value of a parsed document and checks that
/// `write_js` gives text that `serde_json` reads.
fn exercise(value: Value<'_>) -> Result<(), TestCaseError> {
    let mut out = String::new();
    value.write_js(&mut out).unwrap();
    let reread = serde_json::from_str::<serde_json::Value>(&out);
    prop_assert!(reread.is_ok(), "write_js gave {out:?}: {reread:?}");
    walk(value)
}

fn walk(value: Value<'_>) -> Result<(), TestCaseError> {
    let raw = value.raw();
    prop_assert_eq!(raw.trim(), raw);
    match value.kind() {
        Kind::Number => prop_assert!(value.as_f64().is_some()),
        Kind::Bool => prop_assert!(value.as_bool().is_some()),
        Kind::Null => prop_assert!(value.is_null()),
        Kind::String => {
            let s = value.as_str().unwrap();
            let decoded: String = serde_json::from_str(raw).unwrap();
            let mut buf = vec![0u8; s.unescaped_len()];
            prop_assert_eq!(s.unescape_into(&mut buf).unwrap(), decoded.as_str());
            prop_assert!(s.eq_str(&decoded));
            prop_assert_eq!(s.chars().collect::<String>(), decoded.clone());
            if let Some(plain) = s.as_borrowed() {
                prop_assert_eq!(plain, decoded.as_str());
            }
            if !decoded.is_empty() {
                let mut small = vec![0u8; s.unescaped_len() - 1];
                prop_assert_eq!(s.unescape_into(&mut small), Err(JsonError::BufferTooSmall));
            }
        }
        Kind::Array => {
            prop_assert!(value.members().is_none());
            for element in value.elements().unwrap() {
                walk(element)?;
            }
        }
        Kind::Object => {
            prop_assert!(value.elements().is_none());
            for (key, member) in value.members().unwrap() {
                let name: String = key.chars().collect();
                prop_assert_eq!(value.get(&name), Some(member));
                walk(member)?;
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------

/// Characters that exercise every string rule.
fn any_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::char::range('a', 'z'),
        1 => prop::sample::select(vec!['"', '\\', '/', '\u{8}', '\u{c}', '\n', '\r', '\t', '\0', '\u{1f}', '\u{7f}']),
        1 => prop::sample::select(vec!['é', '€', '😀', '\u{2028}', '\u{2029}', '\u{fffd}', '\u{feff}', '\u{10ffff}']),
        1 => any::<char>(),
    ]
}

fn any_string() -> impl Strategy<Value = String> {
    prop::collection::vec(any_char(), 0..12).prop_map(|cs| cs.into_iter().collect())
}

/// Keys from a small pool (so that duplicates happen), including array
/// indices and near-indices.
fn any_key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec!["a", "b", "sub", "exp", "o", "é", "a\"", "", "0", "1", "2", "10", "01", "-1", "4294967294", "4294967295"])
            .prop_map(String::from),
        1 => (0u64..40).prop_map(|n| n.to_string()),
        1 => any_string(),
    ]
}

/// A number: its spelling and its value as JavaScript reads it.
fn any_number() -> impl Strategy<Value = Doc> {
    let spelled = prop::sample::select(vec![
        "0",
        "-0",
        "-0.0",
        "1",
        "100",
        "1e21",
        "1e+21",
        "1E-7",
        "1.5",
        "0.1",
        "1e400",
        "-1e400",
        "1e-400",
        "9007199254740993",
        "123456789012345678901234567890",
        "5e-324",
        "1.7976931348623157e308",
        "0.000001",
        "1767225660",
    ])
    .prop_map(String::from);
    let float = any::<f64>()
        .prop_filter("finite", |x| x.is_finite())
        .prop_flat_map(|x| {
            prop::sample::select(vec![format!("{x}"), format!("{x:e}"), format!("{x:E}")])
        });
    let int = any::<i64>().prop_map(|n| n.to_string());
    prop_oneof![2 => spelled, 1 => float, 1 => int]
        .prop_map(|text| Doc::Num(text.parse().unwrap(), text))
}

fn any_doc(keys: BoxedStrategy<String>) -> impl Strategy<Value = Doc> {
    let leaf = prop_oneof![
        Just(Doc::Null),
        any::<bool>().prop_map(Doc::Bool),
        any_number(),
        any_string().prop_map(Doc::Str),
    ];
    leaf.prop_recursive(6, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Doc::Arr),
            prop::collection::vec((keys.clone(), inner), 0..8).prop_map(Doc::Obj),
        ]
    })
}

/// Drops repeated keys (after the first), at every level.
fn dedup(doc: Doc) -> Doc {
    match doc {
        Doc::Arr(items) => Doc::Arr(items.into_iter().map(dedup).collect()),
        Doc::Obj(members) => {
            let mut seen = HashSet::new();
            Doc::Obj(
                members
                    .into_iter()
                    .filter(|(k, _)| seen.insert(k.clone()))
                    .map(|(k, v)| (k, dedup(v)))
                    .collect(),
            )
        }
        other => other,
    }
}

/// Replaces numbers that `serde_json` cannot read (beyond `f64`).
fn finite(doc: Doc) -> Doc {
    match doc {
        Doc::Num(x, _) if !x.is_finite() => Doc::Num(1.0, "1".into()),
        Doc::Arr(items) => Doc::Arr(items.into_iter().map(finite).collect()),
        Doc::Obj(members) => Doc::Obj(members.into_iter().map(|(k, v)| (k, finite(v))).collect()),
        other => other,
    }
}

fn printed(doc: &Doc, seed: u64) -> String {
    let mut text = String::new();
    let mut rng = Rng(seed | 1);
    if rng.below(3) == 0 {
        text.push(' ');
    }
    render(doc, &mut rng, &mut text);
    if rng.below(3) == 0 {
        text.push('\n');
    }
    text
}

/// Numbers equal as JavaScript would compare them after a round trip
/// (`serde_json`'s own float reading may be off by an ulp).
fn same_json(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match (a, b) {
        (J::Number(x), J::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            x == y || (x - y).abs() <= f64::EPSILON * 4.0 * x.abs().max(y.abs())
        }
        (J::Array(x), J::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (J::Object(x), J::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

/// One random edit of `text`, at the byte level (the result is made valid
/// UTF-8 again, as a `&str` must be).
#[derive(Clone, Debug)]
enum Edit {
    Insert(usize, u8),
    Replace(usize, u8),
    Delete(usize),
    Truncate(usize),
}

fn any_edit() -> impl Strategy<Value = Edit> {
    let byte = prop_oneof![
        3 => prop::sample::select(b"{}[],:\"\\/0123456789-+.eEtfnul \t\n\rxD".to_vec()),
        1 => any::<u8>(),
    ];
    prop_oneof![
        (any::<usize>(), byte.clone()).prop_map(|(i, b)| Edit::Insert(i, b)),
        (any::<usize>(), byte).prop_map(|(i, b)| Edit::Replace(i, b)),
        any::<usize>().prop_map(Edit::Delete),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for edit in edits {
        let n = bytes.len();
        match *edit {
            Edit::Insert(i, b) => bytes.insert(i % (n + 1), b),
            Edit::Replace(i, b) if n > 0 => bytes[i % n] = b,
            Edit::Delete(i) if n > 0 => {
                bytes.remove(i % n);
            }
            Edit::Truncate(i) => bytes.truncate(i % (n + 1)),
            _ => {}
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig {
        // PROPTEST_CASES raises it for a longer run.
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(512),
        ..ProptestConfig::default()
    })]

    /// Valid documents without duplicate keys are accepted, and `write_js`
    /// is exactly `JSON.stringify`, which `serde_json` reads back.
    #[test]
    fn valid_documents_round_trip(doc in any_doc(any_key().boxed()), seed in any::<u64>()) {
        let doc = dedup(finite(doc));
        let text = printed(&doc, seed);
        let value = json::parse(&text);
        prop_assert!(value.is_ok(), "{text:?}: {value:?}");
        let value = value.unwrap();

        let mut got = String::new();
        value.write_js(&mut got).unwrap();
        let mut want = String::new();
        stringify(&doc, &mut want);
        prop_assert_eq!(&got, &want, "document {:?}", text);

        let original: serde_json::Value = serde_json::from_str(&text).unwrap();
        let reread: serde_json::Value = serde_json::from_str(&got).unwrap();
        prop_assert!(same_json(&original, &reread), "{text:?} -> {got:?}");
        walk(value)?;
    }

    /// With duplicate keys allowed, acceptance matches `serde_json` plus the
    /// reference model's duplicate check.
    #[test]
    fn acceptance_matches_reference(doc in any_doc(any_key().boxed()), seed in any::<u64>()) {
        let text = printed(&doc, seed);
        check_against_reference(&text)?;
    }

    /// Random edits of documents: no panic anywhere, and acceptance still
    /// matches the reference.
    #[test]
    fn mutations_never_panic(
        doc in any_doc(any_key().boxed()),
        seed in any::<u64>(),
        edits in prop::collection::vec(any_edit(), 1..4),
    ) {
        let text = apply(&printed(&doc, seed), &edits);
        check_against_reference(&text)?;
    }

    /// Arbitrary text, mostly made of JSON's own characters.
    #[test]
    fn arbitrary_text_never_panics(text in "[\\[\\]{},:\"\\\\0-9eE+\\-.a-z \\t\\n\\u{0}-\\u{1f}\\u{80}-\\u{ff}\\u{d7ff}-\\u{e000}]{0,64}") {
        check_against_reference(&text)?;
    }

    /// Wide and nested objects, past the size of the key table, with and
    /// without a duplicate planted somewhere.
    #[test]
    fn duplicates_in_wide_nested_objects(
        widths in prop::collection::vec(1usize..120, 1..6),
        plant in prop::option::of((any::<usize>(), any::<usize>())),
        seed in any::<u64>(),
    ) {
        // Level i has widths[i] keys "k0".."kN" around the next level,
        // which sits under key "next".
        let mut doc = Doc::Null;
        for (level, &width) in widths.iter().enumerate().rev() {
            let mut members: Vec<(String, Doc)> =
                (0..width).map(|i| (format!("k{i}"), Doc::Num(level as f64, level.to_string()))).collect();
            let middle = width / 2;
            members.insert(middle, ("next".into(), doc));
            doc = Doc::Obj(members);
        }
        if let Some((level, index)) = plant {
            // Rename one key to a copy of another key of the same object.
            let mut node = &mut doc;
            for _ in 0..level % widths.len() {
                let Doc::Obj(members) = node else { unreachable!() };
                node = &mut members.iter_mut().find(|(k, _)| k == "next").unwrap().1;
            }
            let Doc::Obj(members) = node else { unreachable!() };
            let n = members.len();
            if n > 1 {
                let from = index % n;
                let to = (from + 1 + index / n % (n - 1)) % n;
                members[to].0 = members[from].0.clone();
            }
        }
        let text = printed(&doc, seed);
        check_against_reference(&text)?;
    }
}

/// One level of [`deep_index_keys`]: its index keys (in document order),
/// how many other keys, where the next level goes and under which key, and
/// whether the other values are small objects with index keys of their own.
type Level = (Vec<u32>, usize, usize, bool, bool);

fn any_level() -> impl Strategy<Value = Level> {
    (
        prop_oneof![
            prop::collection::vec(0u32..24, 0..24),
            prop::collection::vec(any::<u32>(), 0..12),
        ],
        0usize..4,
        any::<usize>(),
        any::<bool>(),
        prop::bool::weighted(0.25),
    )
}

/// Objects inside objects, each with index keys in any order, so that the
/// writer's shared slots run out and get handed around.
fn deep_index_keys(levels: &[Level]) -> Doc {
    let mut doc = Doc::Num(0.0, "0".into());
    for (depth, (indices, others, at, index_key, nested)) in levels.iter().enumerate().rev() {
        let mut seen = HashSet::new();
        let leaf = |i: usize| {
            if *nested {
                Doc::Obj(vec![
                    ("2".into(), Doc::Bool(true)),
                    ("x".into(), Doc::Null),
                    ("1".into(), Doc::Arr(vec![Doc::Null])),
                ])
            } else {
                Doc::Num(i as f64, i.to_string())
            }
        };
        let mut members: Vec<(String, Doc)> = indices
            .iter()
            .filter(|&&i| i != u32::MAX && seen.insert(i))
            .enumerate()
            .map(|(n, i)| (i.to_string(), leaf(n)))
            .collect();
        for n in 0..*others {
            members.insert(n * 7 % (members.len() + 1), (format!("k{n}"), leaf(n)));
        }
        let key = if *index_key {
            (0u32..).find(|i| seen.insert(*i)).unwrap().to_string()
        } else {
            format!("next{depth}")
        };
        members.insert(at % (members.len() + 1), (key, doc));
        doc = Doc::Obj(members);
    }
    doc
}

/// A JSON number spelling: sign, integer part, fraction, exponent.
fn any_spelling() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        prop_oneof![Just("0".to_string()), "[1-9][0-9]{0,20}"],
        prop::option::of("[0-9]{1,20}"),
        prop::option::of(("[eE]", "[+-]?", "[0-9]{1,3}")),
    )
        .prop_map(|(negative, int, fraction, exponent)| {
            let mut text = String::new();
            if negative {
                text.push('-');
            }
            text.push_str(&int);
            if let Some(fraction) = fraction {
                text.push('.');
                text.push_str(&fraction);
            }
            if let Some((e, sign, digits)) = exponent {
                text.push_str(&e);
                text.push_str(&sign);
                text.push_str(&digits);
            }
            text
        })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256),
        ..ProptestConfig::default()
    })]

    /// Deep objects full of index keys are written in JavaScript's order.
    #[test]
    fn deep_index_keys_are_ordered(
        // Two levels to spare for the small objects.
        levels in prop::collection::vec(any_level(), 1..=MAX_DEPTH - 2),
        seed in any::<u64>(),
    ) {
        let doc = deep_index_keys(&levels);
        let text = printed(&doc, seed);
        let value = json::parse(&text);
        prop_assert!(value.is_ok(), "{text:?}: {value:?}");
        let mut got = String::new();
        value.unwrap().write_js(&mut got).unwrap();
        let mut want = String::new();
        stringify(&doc, &mut want);
        prop_assert_eq!(got, want);
    }

    /// Numbers of every spelling print as `String(Number(text))` does: the
    /// shortcuts for short numbers agree with the full parser.
    #[test]
    fn numbers_print_as_javascript(text in any_spelling()) {
        let mut got = String::new();
        json::parse(&text).unwrap().write_js(&mut got).unwrap();
        let x: f64 = text.parse().unwrap();
        let want = if x.is_finite() { ryu_js::Buffer::new().format_finite(x).to_string() } else { "null".into() };
        prop_assert_eq!(got, want, "{}", text);
    }
}

// ---------------------------------------------------------------------------
// Fixed cases worth keeping
// ---------------------------------------------------------------------------

#[test]
fn nesting_limit_agrees_with_reference() {
    for n in [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, 100] {
        let arrays = format!("{}{}", "[".repeat(n), "]".repeat(n));
        let objects = format!("{}0{}", "{\"a\":".repeat(n), "}".repeat(n));
        let mixed = format!("{}0{}", "[{\"a\":".repeat(n / 2), "}]".repeat(n / 2));
        for text in [arrays, objects, mixed] {
            let got = json::parse(&text).map(|_| ());
            let want = if serde_json::from_str::<serde_json::Value>(&text).is_err()
                || depth(
                    &Reader {
                        text: &text,
                        pos: 0,
                    }
                    .value(),
                ) > MAX_DEPTH
            {
                Err(JsonError::TooDeep)
            } else {
                Ok(())
            };
            assert_eq!(got, want, "{n}");
        }
    }
}

#[test]
fn serde_json_agrees_on_rejections() {
    // Everything here is rejected by both.
    for text in [
        "",
        " ",
        "01",
        "1.",
        ".1",
        "-",
        "+1",
        "1e",
        "[1,]",
        "{\"a\":1,}",
        "{a:1}",
        "'a'",
        "\"\\x\"",
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"a\u{1}\"",
        "\u{feff}1",
        "[1]x",
        "nul",
        "NaN",
        "Infinity",
    ] {
        assert!(
            serde_json::from_str::<serde_json::Value>(text).is_err(),
            "{text:?}"
        );
        assert!(json::parse(text).is_err(), "{text:?}");
    }
}

#[test]
fn realistic_payload_matches_serde_json() {
    let text = r#"{"azp":"https://app.example.com","exp":1767225660,"fea":"o:articles,o:teams,u:premium","fva":[3,-1],"iat":1767225595,"iss":"https://clerk.example.com","jti":"4f1b0c3a9e2d7c6b5a40","nbf":1767225585,"o":{"fpm":"3,1","id":"org_2vYVtestORG","per":"read,manage","rol":"admin","slg":"acme"},"pla":"u:free_user,o:pro","sid":"sess_2vYVtestSESSION","sts":"active","sub":"user_2vYVtestUSER","v":2}"#;
    let value = json::parse(text).unwrap();
    let mut out = String::new();
    value.write_js(&mut out).unwrap();
    assert_eq!(out, text);
    exercise(value).unwrap();
}

#[test]
fn index_keys_beyond_64_kib_are_ordered() {
    // Index keys in descending order, spread over more than 64 KiB of
    // text, inside objects with index keys of their own.
    let filler = Doc::Str("f".repeat(2000));
    let mut members: Vec<(String, Doc)> = Vec::new();
    for i in (0..40u32).rev() {
        members.push((format!("k{i}"), filler.clone()));
        let inner = Doc::Obj(vec![
            ("3".into(), Doc::Null),
            ("1".into(), Doc::Bool(false)),
            (
                "2".into(),
                Doc::Obj(vec![("1".into(), Doc::Null), ("0".into(), Doc::Null)]),
            ),
        ]);
        members.push((i.to_string(), inner));
    }
    let doc = Doc::Arr(vec![Doc::Obj(vec![
        ("9".into(), Doc::Obj(members)),
        ("1".into(), Doc::Null),
    ])]);
    let text = printed(&doc, 1);
    assert!(text.len() > 80_000);
    let mut got = String::new();
    json::parse(&text).unwrap().write_js(&mut got).unwrap();
    let mut want = String::new();
    stringify(&doc, &mut want);
    assert_eq!(got, want);
}

#[test]
fn short_numbers_print_as_javascript() {
    // Around the shortcuts' limits: 15 and 16 digits, 10^22 and 10^23.
    for text in [
        "999999999999999",
        "-999999999999999",
        "9999999999999999",
        "1000000000000000",
        "123456789012345e-22",
        "123456789012345e22",
        "1e22",
        "1e23",
        "1e-22",
        "1e-23",
        "0.1e23",
        "100000000000000000000e-20",
        "0e9999",
        "-0e-9999",
        "0.000000000000000000000000001",
        "4.35",
        "-1.5E+2",
        "9007199254740993",
    ] {
        let mut got = String::new();
        json::parse(text).unwrap().write_js(&mut got).unwrap();
        let x: f64 = text.parse().unwrap();
        assert_eq!(got, ryu_js::Buffer::new().format_finite(x), "{text}");
    }
}
