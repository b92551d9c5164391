//! The JSON reader against `serde_json`, with the comparison defined in
//! `clerk_edge_fuzz::tree` (same decision on well-formed JSON once this
//! crate's deliberate rejections are accounted for, same tree when both
//! accept), plus:
//! - every accessor (`get`, `members`, `elements`, `as_*`, `JsonStr`'s
//!   `eq_str`, `unescape_into`, `unescaped_len`, `as_borrowed`) agrees with
//!   the tree;
//! - `write_js` output parses again, with both readers, to the value that
//!   `JSON.parse(JSON.stringify(v))` gives, and writing it again is stable.
//!
//! Non-UTF-8 input is read through its lossy conversion (the API takes
//! `&str`); nothing may panic.
#![no_main]

use clerk_edge::json::{self, JsonStr, Kind, Value};
use clerk_edge_fuzz::tree::{self, Tree};
use libfuzzer_sys::fuzz_target;

fn check_string(s: JsonStr<'_>, expected: &str) {
    assert!(s.eq_str(expected));
    assert_eq!(s.unescaped_len(), expected.len());
    let mut buf = vec![0u8; expected.len()];
    assert_eq!(s.unescape_into(&mut buf), Ok(expected));
    if let Some(small) = expected.len().checked_sub(1) {
        let mut buf = vec![0u8; small];
        assert!(s.unescape_into(&mut buf).is_err());
    }
    if let Some(b) = s.as_borrowed() {
        assert_eq!(b, expected);
    }
    // A different string never compares equal.
    let mut other = expected.to_owned();
    other.push('x');
    assert!(!s.eq_str(&other));
}

/// Walks our value and the expected tree together.
fn walk(v: Value<'_>, t: &Tree) {
    let _ = v.raw();
    match (v.kind(), t) {
        (Kind::Null, Tree::Null) => assert!(v.is_null()),
        (Kind::Bool, Tree::Bool(b)) => assert_eq!(v.as_bool(), Some(*b)),
        (Kind::Number, Tree::Num(n)) => assert_eq!(v.as_f64(), Some(*n)),
        (Kind::String, Tree::Str(s)) => check_string(v.as_str().expect("str"), s),
        (Kind::Array, Tree::Arr(items)) => {
            let ours: Vec<Value<'_>> = v.elements().expect("elements").collect();
            assert_eq!(ours.len(), items.len());
            for (o, t) in ours.into_iter().zip(items) {
                walk(o, t);
            }
            assert!(v.members().is_none() && v.get("a").is_none());
        }
        (Kind::Object, Tree::Obj(members)) => {
            let ours: Vec<_> = v.members().expect("members").collect();
            assert_eq!(ours.len(), members.len());
            for ((k, o), (tk, tv)) in ours.into_iter().zip(members) {
                check_string(k, tk);
                walk(o, tv);
                assert_eq!(v.get(tk).map(|g| g.raw()), Some(o.raw()), "get({tk:?})");
            }
            assert!(v.elements().is_none());
        }
        (kind, t) => panic!("{kind:?} read where serde_json has {t:?}"),
    }
    if v.kind() != Kind::Number {
        assert!(v.as_f64().is_none());
    }
    if v.kind() != Kind::String {
        assert!(v.as_str().is_none());
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let ours = json::parse(&text);
    match (tree::expected(&text), ours) {
        (Ok(tree), Ok(value)) => {
            assert_eq!(tree::from_ours(value), tree);
            walk(value, &tree);

            let mut written = String::new();
            value.write_js(&mut written).expect("write_js");
            let again = json::parse(&written).expect("write_js output parses");
            let js = tree.js_roundtrip();
            assert!(
                tree::from_ours(again).same_unordered(&js),
                "write_js changed the value: {written}"
            );
            let serde = tree::parse_serde(&written).expect("serde_json reads write_js output");
            assert!(serde.same_unordered(&js));
            let mut rewritten = String::new();
            again.write_js(&mut rewritten).expect("write_js");
            assert_eq!(written, rewritten, "write_js is not stable");
        }
        (Ok(tree), Err(e)) => panic!("rejected ({e:?}) what must be accepted: {tree:?}"),
        (Err(v), Err(e)) => {
            let _ = e.to_string();
            if !v.none() {
                assert!(v.explains(e), "error {e:?} but the violations are {v:?}");
            }
        }
        (Err(v), Ok(value)) => panic!("accepted what must be rejected ({v:?}): {}", value.raw()),
    }
});
