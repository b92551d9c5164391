//! Unit tests: one group per rule of the reader.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use super::*;

extern crate std;
use std::format;
use std::string::String;
use std::vec::Vec;

/// `Syntax { offset }` shorthand.
fn at(offset: usize) -> Result<(), JsonError> {
    Err(JsonError::Syntax { offset })
}

/// `parse` with the value dropped, for comparing errors.
fn check(text: &str) -> Result<(), JsonError> {
    parse(text).map(|_| ())
}

/// What `write_js` prints for the document `text`.
fn js(text: &str) -> String {
    let mut out = String::new();
    parse(text).unwrap().write_js(&mut out).unwrap();
    out
}

/// `n` arrays inside each other around `inner`.
fn nested(n: usize, inner: &str) -> String {
    format!("{}{inner}{}", "[".repeat(n), "]".repeat(n))
}

/// The unescaped content of the string document `text`.
fn unescaped(text: &str) -> String {
    let s = parse(text).unwrap().as_str().unwrap();
    let mut buf = [0u8; 256];
    let got = String::from(s.unescape_into(&mut buf).unwrap());
    assert_eq!(got.len(), s.unescaped_len());
    assert_eq!(s.chars().collect::<String>(), got);
    assert!(s.eq_str(&got));
    got
}

// --- whole documents ---

#[test]
fn scalars_and_whitespace() {
    for text in [
        "null",
        "true",
        "false",
        "0",
        "\"\"",
        " \t\r\n1\n ",
        "[]",
        "{}",
    ] {
        assert_eq!(check(text), Ok(()), "{text:?}");
    }
    assert_eq!(parse("  [1, 2]\n").unwrap().raw(), "[1, 2]");
    assert_eq!(parse(" \"x\" ").unwrap().raw(), "\"x\"");
}

#[test]
fn empty_and_whitespace_only_are_rejected() {
    assert_eq!(check(""), at(0));
    assert_eq!(check("   "), at(3));
}

#[test]
fn trailing_garbage_is_rejected() {
    assert_eq!(check("1 2"), at(2));
    assert_eq!(check("{} {}"), at(3));
    assert_eq!(check("[]]"), at(2));
    assert_eq!(check("nullx"), at(4));
    assert_eq!(check("\"a\"\0"), at(3));
}

#[test]
fn byte_order_mark_is_not_whitespace() {
    assert_eq!(check("\u{feff}{}"), at(0));
    assert_eq!(check("{}\u{feff}"), at(2));
}

#[test]
fn other_whitespace_is_rejected() {
    // Only space, tab, LF and CR are JSON whitespace.
    assert_eq!(check("\u{a0}1"), at(0));
    assert_eq!(check("\u{b}1"), at(0));
    assert_eq!(check("[1,\u{c}2]"), at(3));
}

#[test]
fn literals() {
    assert_eq!(check("tru"), at(3));
    assert_eq!(check("True"), at(0));
    assert_eq!(check("nul"), at(3));
    assert_eq!(check("falsy"), at(4));
    assert_eq!(parse("true").unwrap().as_bool(), Some(true));
    assert_eq!(parse("false").unwrap().as_bool(), Some(false));
    assert!(parse("null").unwrap().is_null());
    assert_eq!(parse("null").unwrap().as_bool(), None);
}

#[test]
fn structure_errors() {
    assert_eq!(check("[1,]"), at(3));
    assert_eq!(check("[,1]"), at(1));
    assert_eq!(check("{\"a\":1,}"), at(7));
    assert_eq!(check("{,}"), at(1));
    assert_eq!(check("{\"a\" 1}"), at(5));
    assert_eq!(check("{\"a\":}"), at(5));
    assert_eq!(check("{1:2}"), at(1));
    assert_eq!(check("{'a':1}"), at(1));
    assert_eq!(check("[1 2]"), at(3));
    assert_eq!(check("[1}"), at(2));
    assert_eq!(check("{\"a\":1]"), at(6));
    assert_eq!(check("["), at(1));
    assert_eq!(check("{\"a\":1"), at(6));
    assert_eq!(check("]"), at(0));
}

// --- numbers ---

#[test]
fn number_grammar() {
    for ok in [
        "0", "-0", "1", "-1", "10", "0.5", "-0.0", "1e5", "1E5", "1e+5", "1e-5", "1.5e10",
    ] {
        assert_eq!(check(ok), Ok(()), "{ok}");
    }
    assert_eq!(check("01"), at(1));
    assert_eq!(check("-01"), at(2));
    assert_eq!(check("1."), at(2));
    assert_eq!(check("1.e5"), at(2));
    assert_eq!(check(".5"), at(0));
    assert_eq!(check("+1"), at(0));
    assert_eq!(check("-"), at(1));
    assert_eq!(check("- 1"), at(1));
    assert_eq!(check("1e"), at(2));
    assert_eq!(check("1e+"), at(3));
    assert_eq!(check("0x10"), at(1));
    assert_eq!(check("Infinity"), at(0));
    assert_eq!(check("NaN"), at(0));
    assert_eq!(check("[01]"), at(2));
}

#[test]
fn numbers_read_as_javascript_does() {
    let num = |text: &str| parse(text).unwrap().as_f64().unwrap();
    assert_eq!(num("1e400"), f64::INFINITY);
    assert_eq!(num("-1e400"), f64::NEG_INFINITY);
    assert!(num("-0").is_sign_negative() && num("-0") == 0.0);
    assert_eq!(num("1e-400"), 0.0);
    assert_eq!(num("1767225660"), 1_767_225_660.0);
    assert_eq!(num("0.1"), 0.1);
    assert_eq!(num("9007199254740993"), 9_007_199_254_740_992.0);
    assert_eq!(parse("\"1\"").unwrap().as_f64(), None);
    assert_eq!(parse("true").unwrap().as_f64(), None);
}

// --- strings ---

#[test]
fn every_escape() {
    assert_eq!(
        unescaped(r#""\"\\\/\b\f\n\r\t\u0041\u00e9\u20AC\ud83d\ude00""#),
        "\"\\/\u{8}\u{c}\n\r\tAé€😀"
    );
    assert_eq!(unescaped(r#""\u0000""#), "\0");
    assert_eq!(unescaped(r#""a\nb""#), "a\nb");
    assert_eq!(unescaped("\"é😀 plain\""), "é😀 plain");
}

#[test]
fn bad_escapes() {
    assert_eq!(check(r#""\a""#), at(2));
    assert_eq!(check(r#""\x41""#), at(2));
    assert_eq!(check(r#""\'""#), at(2));
    assert_eq!(check(r#""\u12""#), at(5));
    assert_eq!(check(r#""\u12G4""#), at(5));
    assert_eq!(check(r#""\U0041""#), at(2));
    assert_eq!(check("\"\\"), at(2));
}

#[test]
fn control_characters_must_be_escaped() {
    assert_eq!(check("\"a\nb\""), at(2));
    assert_eq!(check("\"\t\""), at(1));
    assert_eq!(check("\"\u{1f}\""), at(1));
    assert_eq!(check("\"\0\""), at(1));
    // DEL and non-ASCII need no escape.
    assert_eq!(check("\"\u{7f}\u{80}\u{2028}\""), Ok(()));
}

#[test]
fn control_character_found_past_the_first_word() {
    // The fast path reads eight bytes at a time: the offending byte must
    // be located exactly wherever it sits in the word.
    for i in 0..20 {
        let text = format!("\"{}\u{1}{}\"", "a".repeat(i), "b".repeat(9));
        assert_eq!(check(&text), at(1 + i), "{i}");
    }
}

#[test]
fn unterminated_strings() {
    assert_eq!(check("\""), at(1));
    assert_eq!(check("\"abc"), at(4));
    assert_eq!(check("\"abcdefghijkl"), at(13));
}

#[test]
fn lone_surrogates() {
    assert_eq!(check(r#""\ud800""#), Err(JsonError::LoneSurrogate));
    assert_eq!(check(r#""\uDBFFx""#), Err(JsonError::LoneSurrogate));
    assert_eq!(check(r#""\udc00""#), Err(JsonError::LoneSurrogate));
    assert_eq!(check(r#""\uDFFF\ud800""#), Err(JsonError::LoneSurrogate));
    assert_eq!(check(r#""\ud800\ud800""#), Err(JsonError::LoneSurrogate));
    assert_eq!(check(r#""\ud800\n""#), Err(JsonError::LoneSurrogate));
    assert_eq!(check(r#""\ud800\u0041""#), Err(JsonError::LoneSurrogate));
    assert_eq!(check(r#"{"\udc00":1}"#), Err(JsonError::LoneSurrogate));
    // A bad escape after a high surrogate is still a syntax error.
    assert_eq!(check(r#""\ud800\uZZZZ""#), at(9));
    // Pairs, and code units next to the surrogate range, are fine.
    assert_eq!(check(r#""\ud800\udc00\udbff\udfff\ud7ff\ue000""#), Ok(()));
    assert_eq!(unescaped(r#""\uDBFF\uDFFF""#), "\u{10ffff}");
}

#[test]
fn as_borrowed_only_without_escapes() {
    let s = parse(r#""plain é""#).unwrap().as_str().unwrap();
    assert_eq!(s.as_borrowed(), Some("plain é"));
    assert_eq!(s.escaped(), "plain é");
    let s = parse(r#""a\/b""#).unwrap().as_str().unwrap();
    assert_eq!(s.as_borrowed(), None);
    assert_eq!(s.escaped(), r"a\/b");
    assert!(s.eq_str("a/b"));
    assert_eq!(parse("1").unwrap().as_str(), None);
}

#[test]
fn eq_str_compares_decoded_content() {
    let s = parse(r#""\u0061b\n""#).unwrap().as_str().unwrap();
    assert!(s.eq_str("ab\n"));
    assert!(!s.eq_str("ab"));
    assert!(!s.eq_str("ab\nc"));
    assert!(!s.eq_str(r"\u0061b\n"));
    // Same escaped text, different meaning.
    let s = parse(r#""\n""#).unwrap().as_str().unwrap();
    assert!(!s.eq_str("\\n"));
    assert!(s.eq_str("\n"));
    let empty = parse(r#""""#).unwrap().as_str().unwrap();
    assert!(empty.eq_str(""));
    assert!(!empty.eq_str("a"));
}

#[test]
fn unescape_into_needs_room() {
    let s = parse(r#""h\u00e9llo""#).unwrap().as_str().unwrap();
    assert_eq!(s.unescaped_len(), 6);
    let mut small = [0u8; 5];
    assert_eq!(s.unescape_into(&mut small), Err(JsonError::BufferTooSmall));
    let mut exact = [0u8; 6];
    assert_eq!(s.unescape_into(&mut exact), Ok("héllo"));
    let mut none = [0u8; 0];
    let empty = parse(r#""""#).unwrap().as_str().unwrap();
    assert_eq!(empty.unescape_into(&mut none), Ok(""));
}

// --- depth ---

#[test]
fn depth_limit_boundary() {
    assert_eq!(check(&nested(MAX_DEPTH, "")), Ok(()));
    assert_eq!(check(&nested(MAX_DEPTH, "1")), Ok(()));
    assert_eq!(check(&nested(MAX_DEPTH + 1, "")), Err(JsonError::TooDeep));
    let objects = format!("{}1{}", "{\"a\":".repeat(MAX_DEPTH), "}".repeat(MAX_DEPTH));
    assert_eq!(check(&objects), Ok(()));
    let deeper = format!(
        "{}1{}",
        "{\"a\":".repeat(MAX_DEPTH + 1),
        "}".repeat(MAX_DEPTH + 1)
    );
    assert_eq!(check(&deeper), Err(JsonError::TooDeep));
    // Depth is about open containers, not how many there are.
    let wide = format!("[{}]", ["[[]]"; 100].join(","));
    assert_eq!(check(&wide), Ok(()));
}

#[test]
fn huge_nesting_is_cheap_to_reject() {
    let text = "[".repeat(100_000);
    assert_eq!(check(&text), Err(JsonError::TooDeep));
}

// --- duplicate keys and member limit ---

#[test]
fn duplicate_keys() {
    assert_eq!(check(r#"{"a":1,"a":2}"#), Err(JsonError::DuplicateKey));
    assert_eq!(
        check(r#"{"a":1,"b":2,"a":3}"#),
        Err(JsonError::DuplicateKey)
    );
    assert_eq!(check(r#"{"":1,"":2}"#), Err(JsonError::DuplicateKey));
    assert_eq!(check(r#"{"a":1,"b":{"a":2}}"#), Ok(()));
    assert_eq!(check(r#"[{"a":1},{"a":2}]"#), Ok(()));
    assert_eq!(
        check(r#"{"x":{"a":1,"a":2}}"#),
        Err(JsonError::DuplicateKey)
    );
    assert_eq!(check(r#"[[{"a":1,"a":2}]]"#), Err(JsonError::DuplicateKey));
    // The outer object's keys survive a nested object.
    assert_eq!(
        check(r#"{"a":{"b":{"c":1}},"a":1}"#),
        Err(JsonError::DuplicateKey)
    );
    assert_eq!(check(r#"{"a":{"b":1},"b":1}"#), Ok(()));
}

#[test]
fn escaped_duplicate_keys() {
    assert_eq!(check(r#"{"a":1,"\u0061":2}"#), Err(JsonError::DuplicateKey));
    assert_eq!(check(r#"{"\u0061":1,"a":2}"#), Err(JsonError::DuplicateKey));
    assert_eq!(
        check(r#"{"\u0061":1,"\u0061":2}"#),
        Err(JsonError::DuplicateKey)
    );
    assert_eq!(check(r#"{"a/b":1,"a\/b":2}"#), Err(JsonError::DuplicateKey));
    assert_eq!(check(r#"{"é":1,"\u00e9":2}"#), Err(JsonError::DuplicateKey));
    assert_eq!(
        check(r#"{"😀":1,"\ud83d\ude00":2}"#),
        Err(JsonError::DuplicateKey)
    );
    assert_eq!(
        check(r#"{"\u00E9":1,"\u00e9":2}"#),
        Err(JsonError::DuplicateKey)
    );
    // Same escaped spelling is not enough: the decoded text decides.
    assert_eq!(check(r#"{"\\n":1,"\n":2}"#), Ok(()));
    assert_eq!(check(r#"{"a":1,"\u0062":2,"A":3}"#), Ok(()));
}

#[test]
fn short_keys_never_collide() {
    // Every one- and two-letter key is distinct from the others.
    let keys: Vec<String> = (b'a'..=b'z')
        .flat_map(|a| [String::from(a as char), format!("{}{}", a as char, 'x')])
        .collect();
    let body: Vec<String> = keys.iter().map(|k| format!("\"{k}\":0")).collect();
    // 52 keys fit in one object of the limit.
    assert_eq!(check(&format!("{{{}}}", body.join(","))), Ok(()));
}

/// An object with `n` distinct keys `k0`, `k1`, ..., each mapped to `value`.
fn object_with(n: usize, value: &str) -> String {
    let members: Vec<String> = (0..n).map(|i| format!("\"k{i}\":{value}")).collect();
    format!("{{{}}}", members.join(","))
}

#[test]
fn member_limit_boundary() {
    assert_eq!(check(&object_with(MAX_OBJECT_MEMBERS, "0")), Ok(()));
    assert_eq!(
        check(&object_with(MAX_OBJECT_MEMBERS + 1, "0")),
        Err(JsonError::TooManyMembers)
    );
    // Arrays have no such limit.
    let long = format!("[{}]", ["0"; 10_000].join(","));
    assert_eq!(check(&long), Ok(()));
}

#[test]
fn duplicates_in_objects_larger_than_the_key_table() {
    // More keys than the table holds: the late duplicate must still be seen,
    // wherever its twin is.
    for twin in [0, 1, 63, 64, 65, 127, 128, 200] {
        let mut members: Vec<String> = (0..MAX_OBJECT_MEMBERS - 1)
            .map(|i| format!("\"k{i}\":0"))
            .collect();
        members.push(format!("\"k{twin}\":1"));
        let text = format!("{{{}}}", members.join(","));
        assert_eq!(check(&text), Err(JsonError::DuplicateKey), "{twin}");
    }
    // And an escaped twin.
    let mut members: Vec<String> = (0..100).map(|i| format!("\"k{i}\":0")).collect();
    members.push(r#""\u006b7":1"#.into());
    assert_eq!(
        check(&format!("{{{}}}", members.join(","))),
        Err(JsonError::DuplicateKey)
    );
}

#[test]
fn duplicates_in_outer_objects_after_the_table_spills() {
    // The outer object's keys are evicted when an inner object fills the
    // table; the outer duplicate must be caught when the outer one closes.
    // 62 inner keys: the inner object keeps its keys; 100: it spills too.
    for width in [62, 100] {
        let inner = object_with(width, "0");
        let ok = format!(r#"{{"a":1,"b":2,"c":{inner},"d":{inner}}}"#);
        assert_eq!(check(&ok), Ok(()));
        let dup = format!(r#"{{"a":1,"b":2,"c":{inner},"a":3}}"#);
        assert_eq!(check(&dup), Err(JsonError::DuplicateKey), "{width}");
        let deep = format!(r#"{{"a":{{"x":1,"y":{{"z":{inner}}},"x":2}},"b":1}}"#);
        assert_eq!(check(&deep), Err(JsonError::DuplicateKey), "{width}");
        let deep_ok = format!(r#"{{"a":{{"x":1,"y":{{"z":{inner}}},"w":2}},"b":1,"y":{inner}}}"#);
        assert_eq!(check(&deep_ok), Ok(()));
    }
    // A duplicate inside the inner object itself, after the spill.
    let big = object_with(100, "0").replace("\"k99\"", "\"k3\"");
    let nested = format!(r#"{{"a":1,"b":{big}}}"#);
    assert_eq!(check(&nested), Err(JsonError::DuplicateKey));
    // Many nested objects, each spilling in turn.
    let chain = (0..MAX_DEPTH - 1).fold(String::from("0"), |acc, _| {
        let members: Vec<String> = (0..10).map(|i| format!("\"k{i}\":0")).collect();
        format!("{{{},\"z\":{acc}}}", members.join(","))
    });
    assert_eq!(check(&chain), Ok(()));
    let chain_dup = chain.replacen("\"z\"", "\"k0\"", 1);
    assert_eq!(check(&chain_dup), Err(JsonError::DuplicateKey));
    let chain_dup_inner = chain.replacen("\"z\":0", "\"k0\":0", 1);
    assert_eq!(check(&chain_dup_inner), Err(JsonError::DuplicateKey));
}

// --- look-ups and iteration ---

#[test]
fn kinds() {
    let kind = |text: &str| parse(text).unwrap().kind();
    assert_eq!(kind("null"), Kind::Null);
    assert_eq!(kind("false"), Kind::Bool);
    assert_eq!(kind("-1"), Kind::Number);
    assert_eq!(kind("\"\""), Kind::String);
    assert_eq!(kind(" [ ] "), Kind::Array);
    assert_eq!(kind("{}"), Kind::Object);
}

#[test]
fn get_members_and_elements() {
    let doc = parse(
        r#" { "sub" : "user_1" , "n" : [ 1 , "a,]}" , { "x" : [ ] } , -2.5e3 ] ,
              "o" : { "\u0069d" : "org\"1" } , "t" : true , "z" : null } "#,
    )
    .unwrap();
    assert_eq!(doc.get("sub").unwrap().raw(), "\"user_1\"");
    assert_eq!(doc.get("t").unwrap().as_bool(), Some(true));
    assert!(doc.get("z").unwrap().is_null());
    assert_eq!(doc.get("missing"), None);
    assert_eq!(
        doc.get("o").unwrap().get("id").unwrap().raw(),
        r#""org\"1""#
    );
    let elements: Vec<&str> = doc
        .get("n")
        .unwrap()
        .elements()
        .unwrap()
        .map(|v| v.raw())
        .collect();
    assert_eq!(elements, ["1", "\"a,]}\"", "{ \"x\" : [ ] }", "-2.5e3"]);
    let names: Vec<&str> = doc.members().unwrap().map(|(k, _)| k.escaped()).collect();
    assert_eq!(names, ["sub", "n", "o", "t", "z"]);
    assert_eq!(doc.elements().map(|e| e.count()), None);
    assert_eq!(doc.get("n").unwrap().members().map(|m| m.count()), None);
    assert_eq!(doc.get("n").unwrap().get("x"), None);
    assert_eq!(parse("[]").unwrap().elements().unwrap().count(), 0);
    assert_eq!(parse("{ }").unwrap().members().unwrap().count(), 0);
    assert_eq!(parse("[ [] , {} ]").unwrap().elements().unwrap().count(), 2);
}

#[test]
fn values_with_escaped_quotes_and_brackets_are_skipped_whole() {
    let doc = parse(r#"{"a":"\\","b":"\"}{][","c":["\\\"",{"d":"}"}],"e":1}"#).unwrap();
    assert_eq!(doc.get("e").unwrap().raw(), "1");
    assert_eq!(doc.get("c").unwrap().elements().unwrap().count(), 2);
    assert_eq!(doc.get("b").unwrap().raw(), r#""\"}{][""#);
}

#[test]
fn realistic_payload() {
    let doc = parse(PAYLOAD).unwrap();
    assert_eq!(doc.members().unwrap().count(), 14);
    assert_eq!(doc.get("exp").unwrap().as_f64(), Some(1_767_225_660.0));
    assert!(
        doc.get("sub")
            .unwrap()
            .as_str()
            .unwrap()
            .eq_str("user_2vYVtestUSER")
    );
    let fva: Vec<f64> = doc
        .get("fva")
        .unwrap()
        .elements()
        .unwrap()
        .filter_map(|v| v.as_f64())
        .collect();
    assert_eq!(fva, [3.0, -1.0]);
    assert_eq!(doc.get("o").unwrap().get("slg").unwrap().raw(), "\"acme\"");
    assert_eq!(js(PAYLOAD), PAYLOAD);
}

/// The decoded v2 session token payload of clerk-semantics.md §10.
pub(super) const PAYLOAD: &str = concat!(
    r#"{"azp":"https://app.example.com","exp":1767225660,"fea":"o:articles,o:teams,u:premium","fva":[3,-1],"#,
    r#""iat":1767225595,"iss":"https://clerk.example.com","jti":"4f1b0c3a9e2d7c6b5a40","nbf":1767225585,"#,
    r#""o":{"fpm":"3,1","id":"org_2vYVtestORG","per":"read,manage","rol":"admin","slg":"acme"},"#,
    r#""pla":"u:free_user,o:pro","sid":"sess_2vYVtestSESSION","sts":"active","sub":"user_2vYVtestUSER","v":2}"#
);

// --- write_js ---

#[test]
fn write_js_removes_whitespace() {
    assert_eq!(
        js(" { \"a\" : [ 1 , true , null ] , \"b\" : { } } "),
        r#"{"a":[1,true,null],"b":{}}"#
    );
    assert_eq!(js("[ ]"), "[]");
}

#[test]
fn write_js_numbers() {
    let cases = [
        ("1e21", "1e+21"),
        ("1e20", "100000000000000000000"),
        ("1.5", "1.5"),
        ("-0", "0"),
        ("-0.0e5", "0"),
        ("100", "100"),
        ("1E2", "100"),
        ("1e-7", "1e-7"),
        ("0.000001", "0.000001"),
        ("1.0", "1"),
        ("-1.25e-3", "-0.00125"),
        ("123456789012345678901234567890", "1.2345678901234568e+29"),
        ("0.1", "0.1"),
        ("1e400", "null"),
        ("-1e400", "null"),
        ("1e-400", "0"),
        ("5e-324", "5e-324"),
        ("1767225660", "1767225660"),
    ];
    for (text, want) in cases {
        assert_eq!(js(text), want, "{text}");
    }
}

#[test]
fn write_js_strings() {
    assert_eq!(js(r#""\u0041\/\u00e9""#), r#""A/é""#);
    assert_eq!(js(r#""\"\\\b\f\n\r\t""#), r#""\"\\\b\f\n\r\t""#);
    assert_eq!(
        js(r#""\u0000\u001f\u001F\u000b\u007f""#),
        "\"\\u0000\\u001f\\u001f\\u000b\u{7f}\""
    );
    assert_eq!(js("\"\u{2028}\u{2029}é😀\""), "\"\u{2028}\u{2029}é😀\"");
    assert_eq!(js(r#""\u2028\ud83d\ude00""#), "\"\u{2028}😀\"");
    assert_eq!(js(r#""a/b""#), r#""a/b""#);
}

#[test]
fn write_js_orders_index_keys_first() {
    assert_eq!(js(r#"{"b":1,"2":2,"1":3}"#), r#"{"1":3,"2":2,"b":1}"#);
    assert_eq!(
        js(r#"{"10":1,"9":2,"a":3,"0":4}"#),
        r#"{"0":4,"9":2,"10":1,"a":3}"#
    );
    // Not canonical indices: keep document order.
    assert_eq!(
        js(r#"{"b":1,"01":2,"-1":3,"1.0":4," 1":5,"":6}"#),
        r#"{"b":1,"01":2,"-1":3,"1.0":4," 1":5,"":6}"#
    );
    // 2^32 - 2 is the largest index; 2^32 - 1 is an ordinary key.
    assert_eq!(
        js(r#"{"x":0,"4294967295":1,"4294967294":2,"99999999999":3}"#),
        r#"{"4294967294":2,"x":0,"4294967295":1,"99999999999":3}"#
    );
    // Escaped digits are digits.
    assert_eq!(js(r#"{"b":1,"\u0031":2}"#), r#"{"1":2,"b":1}"#);
    // Nested objects are ordered too; arrays keep their order.
    assert_eq!(js(r#"[{"z":1,"0":2},[3,1]]"#), r#"[{"0":2,"z":1},[3,1]]"#);
    assert_eq!(js(r#"{"__proto__":1}"#), r#"{"__proto__":1}"#);
}

#[test]
fn write_js_orders_many_index_keys() {
    // More index keys than one ordering pass handles, in scrambled order.
    let mut indices: Vec<usize> = (0..60).map(|i| (i * 37) % 60).collect();
    indices.push(4_294_967_294);
    let members: Vec<String> = indices
        .iter()
        .enumerate()
        .map(|(n, i)| format!("\"{i}\":{n},\"x{n}\":0"))
        .collect();
    let text = format!("{{{}}}", members.join(","));
    let mut want_first: Vec<(usize, usize)> =
        indices.iter().enumerate().map(|(n, &i)| (i, n)).collect();
    want_first.sort();
    let want = format!(
        "{{{},{}}}",
        want_first
            .iter()
            .map(|(i, n)| format!("\"{i}\":{n}"))
            .collect::<Vec<_>>()
            .join(","),
        (0..indices.len())
            .map(|n| format!("\"x{n}\":0"))
            .collect::<Vec<_>>()
            .join(",")
    );
    assert_eq!(js(&text), want);
}

#[test]
fn write_js_clerk_message_fragment() {
    let doc = parse(r#"{"sub": {"id": "user_1"}}"#).unwrap();
    let mut out = String::new();
    doc.get("sub").unwrap().write_js(&mut out).unwrap();
    assert_eq!(
        format!("Subject claim (sub) is required and must be a string. Received {out}."),
        r#"Subject claim (sub) is required and must be a string. Received {"id":"user_1"}."#
    );
}

#[test]
fn errors_display() {
    assert_eq!(
        format!("{}", JsonError::Syntax { offset: 3 }),
        "malformed JSON at byte 3"
    );
    assert_eq!(
        format!("{}", JsonError::TooDeep),
        "JSON nested deeper than 32 levels"
    );
}
