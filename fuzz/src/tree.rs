//! A JSON document as an independent parser (`serde_json`) reads it, with
//! what clerk-edge's reader deliberately refuses made visible: duplicate
//! keys are kept (objects are member lists), numbers are `f64` as
//! JavaScript reads them (`1e400` is infinity, thanks to serde_json's
//! `arbitrary_precision`), and the nesting depth and member counts can be
//! measured.
//!
//! # The comparison with `clerk_edge::json::parse`, precisely
//!
//! Over valid UTF-8 text:
//!
//! 1. serde_json rejects ⇒ ours rejects (any error). serde_json stops at
//!    128 levels of nesting, above our [`MAX_DEPTH`], and rejects lone
//!    surrogate escapes in strings, which we reject too.
//! 2. serde_json accepts ⇒ ours accepts iff the document has no duplicate
//!    key (compared after unescaping), no lone surrogate escape, depth
//!    ≤ [`MAX_DEPTH`] (`[]` has depth 1) and no object with more than
//!    [`MAX_OBJECT_MEMBERS`] members. When ours rejects, its error must be
//!    one of the violations present (the first one in document order wins,
//!    so any present one is allowed).
//! 3. Both accept ⇒ the same tree: same types, same strings after
//!    unescaping, same `f64` numbers (`-0` equals `0`), same members in
//!    the same order.

use clerk_edge::json::{self, Kind, MAX_DEPTH, MAX_OBJECT_MEMBERS, Value};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// A JSON value; objects keep every member in document order.
#[derive(Clone, Debug, PartialEq)]
pub enum Tree {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Tree>),
    Obj(Vec<(String, Tree)>),
}

/// How serde_json hands an `arbitrary_precision` number to a visitor.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

struct TreeVisitor;

impl<'de> Visitor<'de> for TreeVisitor {
    type Value = Tree;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Tree, E> {
        Ok(Tree::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Tree, E> {
        Ok(Tree::Null)
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Tree, E> {
        Ok(Tree::Bool(b))
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Tree, E> {
        Ok(Tree::Num(n as f64))
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Tree, E> {
        Ok(Tree::Num(n as f64))
    }
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Tree, E> {
        Ok(Tree::Num(n))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Tree, E> {
        Ok(Tree::Str(s.to_owned()))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Tree, E> {
        Ok(Tree::Str(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Tree, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Tree>()? {
            items.push(item);
        }
        Ok(Tree::Arr(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tree, A::Error> {
        // serde_json hands a number over as a one-entry map keyed by
        // NUMBER_TOKEN; a real object may use that key too (found by the
        // `json` target), so the map's type tells them apart.
        let is_number = std::any::type_name::<A>().ends_with("NumberDeserializer");
        let mut members = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if is_number && key == NUMBER_TOKEN && members.is_empty() {
                let text: String = map.next_value()?;
                // The JSON number grammar is a subset of Rust's, and both
                // round correctly; out of range is infinity, as in JS.
                let n: f64 = text.parse().map_err(de::Error::custom)?;
                return Ok(Tree::Num(n));
            }
            let value: Tree = map.next_value()?;
            members.push((key, value));
        }
        Ok(Tree::Obj(members))
    }
}

impl<'de> Deserialize<'de> for Tree {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Tree, D::Error> {
        d.deserialize_any(TreeVisitor)
    }
}

/// serde_json's reading of `text` (one value, surrounding whitespace only).
pub fn parse_serde(text: &str) -> Result<Tree, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let tree = Tree::deserialize(&mut de)?;
    de.end()?;
    Ok(tree)
}

/// Our reading of a validated value, through the public accessors only.
pub fn from_ours(v: Value<'_>) -> Tree {
    match v.kind() {
        Kind::Null => Tree::Null,
        Kind::Bool => Tree::Bool(v.as_bool().expect("bool")),
        Kind::Number => Tree::Num(v.as_f64().expect("number")),
        Kind::String => Tree::Str(v.as_str().expect("string").chars().collect()),
        Kind::Array => Tree::Arr(v.elements().expect("array").map(from_ours).collect()),
        Kind::Object => Tree::Obj(
            v.members()
                .expect("object")
                .map(|(k, v)| (k.chars().collect(), from_ours(v)))
                .collect(),
        ),
    }
}

impl Tree {
    /// Nesting depth: 0 for a scalar, 1 for `[]` or `{}`.
    pub fn depth(&self) -> usize {
        match self {
            Tree::Arr(items) => 1 + items.iter().map(Tree::depth).max().unwrap_or(0),
            Tree::Obj(members) => 1 + members.iter().map(|(_, v)| v.depth()).max().unwrap_or(0),
            _ => 0,
        }
    }

    /// Whether some object has the same key twice.
    pub fn has_duplicate_key(&self) -> bool {
        match self {
            Tree::Arr(items) => items.iter().any(Tree::has_duplicate_key),
            Tree::Obj(members) => {
                let mut seen = std::collections::HashSet::new();
                members.iter().any(|(k, _)| !seen.insert(k.as_str()))
                    || members.iter().any(|(_, v)| v.has_duplicate_key())
            }
            _ => false,
        }
    }

    /// Most members in one object.
    pub fn max_members(&self) -> usize {
        match self {
            Tree::Arr(items) => items.iter().map(Tree::max_members).max().unwrap_or(0),
            Tree::Obj(members) => members
                .iter()
                .map(|(_, v)| v.max_members())
                .max()
                .unwrap_or(0)
                .max(members.len()),
            _ => 0,
        }
    }

    /// The first member named `key` (objects only).
    pub fn get(&self, key: &str) -> Option<&Tree> {
        match self {
            Tree::Obj(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value after `JSON.parse(JSON.stringify(value))` in JavaScript:
    /// non-finite numbers become `null`; duplicate keys cannot occur here.
    /// Member order is left as is (compare with [`Tree::same_unordered`]).
    pub fn js_roundtrip(&self) -> Tree {
        match self {
            Tree::Num(n) if !n.is_finite() => Tree::Null,
            Tree::Arr(items) => Tree::Arr(items.iter().map(Tree::js_roundtrip).collect()),
            Tree::Obj(members) => Tree::Obj(
                members
                    .iter()
                    .map(|(k, v)| (k.clone(), v.js_roundtrip()))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// Equality with objects compared as sets of members (keys unique).
    pub fn same_unordered(&self, other: &Tree) -> bool {
        match (self, other) {
            (Tree::Arr(a), Tree::Arr(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_unordered(y))
            }
            (Tree::Obj(a), Tree::Obj(b)) => {
                a.len() == b.len()
                    && a.iter().all(|(k, v)| {
                        b.iter()
                            .find(|(k2, _)| k2 == k)
                            .is_some_and(|(_, v2)| v.same_unordered(v2))
                    })
            }
            (a, b) => a == b,
        }
    }
}

/// Whether a `\u` escape in a string of valid JSON `text` encodes a lone
/// UTF-16 surrogate.
pub fn has_lone_surrogate(text: &str) -> bool {
    let b = text.as_bytes();
    let hex = |i: usize| -> Option<u32> {
        let s = std::str::from_utf8(b.get(i..i + 4)?).ok()?;
        u32::from_str_radix(s, 16).ok()
    };
    let mut i = 0;
    let mut in_string = false;
    // A high surrogate waiting for its low half, as the escape just read.
    let mut pending_high = false;
    while i < b.len() {
        let c = b[i];
        if !in_string {
            if c == b'"' {
                in_string = true;
            }
            i += 1;
            continue;
        }
        if c == b'\\' && b.get(i + 1) == Some(&b'u') {
            let Some(unit) = hex(i + 2) else { return false };
            let is_high = (0xd800..0xdc00).contains(&unit);
            let is_low = (0xdc00..0xe000).contains(&unit);
            if pending_high {
                if !is_low {
                    return true;
                }
                pending_high = false;
            } else if is_low {
                return true;
            } else {
                pending_high = is_high;
            }
            i += 6;
            continue;
        }
        if pending_high {
            return true;
        }
        if c == b'\\' {
            i += 2;
            continue;
        }
        if c == b'"' {
            in_string = false;
        }
        i += 1;
    }
    pending_high
}

/// Why our reader may reject a document serde_json accepted.
#[derive(Clone, Copy, Debug, Default)]
pub struct Violations {
    pub duplicate_key: bool,
    pub too_deep: bool,
    pub too_many_members: bool,
    pub lone_surrogate: bool,
}

impl Violations {
    /// The deliberate rejections that apply to `tree` (read from `text`).
    pub fn of(tree: &Tree, text: &str) -> Violations {
        Violations {
            duplicate_key: tree.has_duplicate_key(),
            too_deep: tree.depth() > MAX_DEPTH,
            too_many_members: tree.max_members() > MAX_OBJECT_MEMBERS,
            lone_surrogate: has_lone_surrogate(text),
        }
    }

    /// No deliberate rejection applies.
    pub fn none(&self) -> bool {
        !(self.duplicate_key || self.too_deep || self.too_many_members || self.lone_surrogate)
    }

    /// Whether `error` is one of the violations present.
    pub fn explains(&self, error: json::JsonError) -> bool {
        match error {
            json::JsonError::DuplicateKey => self.duplicate_key,
            json::JsonError::TooDeep => self.too_deep,
            json::JsonError::TooManyMembers => self.too_many_members,
            json::JsonError::LoneSurrogate => self.lone_surrogate,
            _ => false,
        }
    }
}

/// The document as clerk-edge's reader must judge it, from serde_json's
/// reading: `Ok(tree)` when it must be accepted, `Err(violations)` when
/// it must be rejected (no violation listed: serde_json rejected it).
pub fn expected(text: &str) -> Result<Tree, Violations> {
    match parse_serde(text) {
        Err(_) => Err(Violations::default()),
        Ok(tree) => {
            let v = Violations::of(&tree, text);
            if v.none() { Ok(tree) } else { Err(v) }
        }
    }
}
