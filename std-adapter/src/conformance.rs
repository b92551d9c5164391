//! Runs Clerk-oracle cases (JSON lines, the format of the oracle's
//! `oracle.mjs`) and writes one result line per case in the oracle's output
//! format, so that a case file can be compared with Clerk's SDK line by line:
//!
//! ```text
//! clerk-edge conformance < cases.jsonl | diff - expected.jsonl
//! ```
//!
//! - `verifyToken` cases run through the core's [`clerk_edge::Verifier`]; a
//!   jwtKey the core refuses at load time is reported like a crash of the
//!   oracle (`"threw":true`, `errorName` `KeyError`), since no token is
//!   checked at all.
//! - `authenticateRequest` cases run through [`Clerk::authenticate_now`],
//!   the code the middleware runs (the case becomes an `http::Request`,
//!   which the core's [`clerk_edge::Authenticator`] authenticates), with
//!   the clock pinned to `nowMs`.

use crate::auth::AuthStatus;
use crate::clerk::Clerk;
use crate::parts::{header_value, text};
use clerk_edge::{JwtKey, Verifier, VerifyOptions, json, verify};
use serde_json::Value;
use std::fmt::Write as _;

/// Deepest case accepted; the parser recurses, so callers run it on a thread
/// with room for this depth (see [`STACK_BYTES`]).
pub const MAX_CASE_DEPTH: usize = 4096;
/// Stack size that [`run_line`] needs for [`MAX_CASE_DEPTH`].
pub const STACK_BYTES: usize = 64 * 1024 * 1024;

/// Array/object nesting of a JSON text (brackets outside strings).
fn nesting_depth(text: &str) -> usize {
    let (mut depth, mut max, mut in_str, mut escaped) = (0usize, 0usize, false, false);
    for b in text.bytes() {
        if in_str {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Runs one input line; `None` for a blank line. Needs a stack of
/// [`STACK_BYTES`].
pub fn run_line(line: &str) -> Option<String> {
    if line.trim().is_empty() {
        return None;
    }
    if nesting_depth(line) > MAX_CASE_DEPTH {
        return Some(
            serde_json::json!({"oracleError": format!("case nested deeper than {MAX_CASE_DEPTH}")})
                .to_string(),
        );
    }
    let mut de = serde_json::Deserializer::from_str(line);
    de.disable_recursion_limit();
    let case: Value = match serde::Deserialize::deserialize(&mut de) {
        Ok(c) => c,
        Err(e) => {
            return Some(
                serde_json::json!({"oracleError": format!("bad JSON input: {e}")}).to_string(),
            );
        }
    };
    let mut out = String::from("{");
    if let Some(id) = case.get("id") {
        let _ = write!(out, "\"id\":{id},");
    }
    let kind = case.get("kind").cloned().unwrap_or(Value::Null);
    let _ = write!(out, "\"kind\":{kind}");
    let body = match kind.as_str() {
        Some("verifyToken") => verify_token(&case),
        Some("authenticateRequest") => authenticate_request(&case),
        _ => format!(
            "\"oracleError\":{}",
            Value::from(format!("unknown kind {kind}"))
        ),
    };
    out.push(',');
    out.push_str(&body);
    out.push('}');
    Some(out)
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

fn skew(case: &Value) -> Option<i64> {
    case.get("clockSkewInMs")
        .and_then(Value::as_f64)
        .filter(|f| f.is_finite())
        .map(|f| f as i64)
}

fn threw(name: &str, message: &str) -> String {
    format!(
        "\"ok\":false,\"reason\":null,\"threw\":true,\"errorName\":{},\"message\":{}",
        Value::from(name),
        Value::from(message)
    )
}

fn verify_token(case: &Value) -> String {
    let key_text = case.get("jwtKey").and_then(Value::as_str).unwrap_or("");
    let keys: Vec<JwtKey> = if key_text.is_empty() {
        Vec::new()
    } else {
        match JwtKey::parse(key_text) {
            Ok(k) => vec![k],
            Err(e) => return threw("KeyError", &e.to_string()),
        }
    };
    let options = case.get("options");
    let parties = strings(case.get("authorizedParties"));
    let parties: Vec<&str> = parties.iter().map(String::as_str).collect();
    let audience = strings(options.and_then(|o| o.get("audience")));
    let audience: Vec<&str> = audience.iter().map(String::as_str).collect();
    let issuer = options
        .and_then(|o| o.get("issuer"))
        .and_then(Value::as_str);
    let mut opts = VerifyOptions {
        authorized_parties: &parties,
        audience: &audience,
        issuer,
        ..VerifyOptions::default()
    };
    if let Some(s) = skew(case) {
        opts.clock_skew_ms = s;
    }
    let verifier = Verifier::new(&keys, opts);
    let token = case.get("token").and_then(Value::as_str).unwrap_or("");
    let now_ms = case.get("nowMs").and_then(Value::as_i64).unwrap_or(0);
    let mut buf = vec![0u8; verify::buffer_len(token.len().min(verify::MAX_TOKEN_LEN))];
    match verifier.verify(token, now_ms, &mut buf) {
        Ok(v) => {
            let mut payload = String::new();
            write_oracle_json(v.payload, &mut payload);
            format!("\"ok\":true,\"payload\":{payload}")
        }
        Err(e) => {
            let mut s = format!(
                "\"ok\":false,\"reason\":{},\"message\":{}",
                Value::from(e.reason().as_str()),
                Value::from(e.to_string())
            );
            if let Some(a) = e.action() {
                let _ = write!(s, ",\"action\":{}", Value::from(a));
            }
            s
        }
    }
}

/// Writes a JSON value as the oracle does: `JSON.stringify` after
/// `JSON.parse`, with non-finite numbers as `{"$number":"Infinity"}`.
pub fn write_oracle_json(v: json::Value<'_>, out: &mut String) {
    match v.kind() {
        json::Kind::Object => {
            out.push('{');
            for (i, (k, val)) in v.members().into_iter().flatten().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let mut key = vec![0u8; k.unescaped_len()];
                let key = k.unescape_into(&mut key).unwrap_or(k.escaped());
                out.push_str(&Value::from(key).to_string());
                out.push(':');
                write_oracle_json(val, out);
            }
            out.push('}');
        }
        json::Kind::Array => {
            out.push('[');
            for (i, e) in v.elements().into_iter().flatten().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_oracle_json(e, out);
            }
            out.push(']');
        }
        json::Kind::Number if v.as_f64().is_some_and(f64::is_infinite) => {
            let inf = if v.as_f64().is_some_and(f64::is_sign_negative) {
                "-Infinity"
            } else {
                "Infinity"
            };
            let _ = write!(out, "{{\"$number\":\"{inf}\"}}");
        }
        _ => {
            let _ = v.write_js(out);
        }
    }
}

/// The case as an `http::Request`; Fetch's `new Request` errors as text.
fn request(case: &Value) -> Result<http::Request<()>, String> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    match case.get("headers") {
        Some(Value::Object(m)) => {
            for (k, v) in m {
                pairs.push((k.clone(), v.as_str().unwrap_or("").to_owned()));
            }
        }
        Some(Value::Array(items)) => {
            for item in items {
                if let (Some(k), Some(v)) = (
                    item.get(0).and_then(Value::as_str),
                    item.get(1).and_then(Value::as_str),
                ) {
                    pairs.push((k.to_owned(), v.to_owned()));
                }
            }
        }
        _ => {}
    }
    let url = case.get("url").and_then(Value::as_str).unwrap_or("");
    let method = case.get("method").and_then(Value::as_str).unwrap_or("GET");
    let mut req = http::Request::builder().method(method).uri(url);
    for (k, v) in pairs {
        let name = http::header::HeaderName::from_bytes(k.to_ascii_lowercase().as_bytes())
            .map_err(|_| format!("Headers.append: \"{k}\" is an invalid header name."))?;
        let value = header_value(v.trim_matches([' ', '\t', '\r', '\n']))
            .ok_or_else(|| format!("Headers.append: \"{v}\" is an invalid header value."))?;
        req = req.header(name, value);
    }
    req.body(()).map_err(|_| "Invalid URL".to_owned())
}

fn authenticate_request(case: &Value) -> String {
    let threw_at = |stage: &str, name: &str, message: &str| {
        format!(
            "\"threw\":true,\"stage\":{},\"errorName\":{},\"message\":{}",
            Value::from(stage),
            Value::from(name),
            Value::from(message)
        )
    };
    let req = match request(case) {
        Ok(r) => r,
        Err(e) => return threw_at("new Request", "TypeError", &e),
    };

    let mut b = Clerk::builder()
        .cache_capacity(0)
        .authorized_parties(strings(case.get("authorizedParties")));
    if let Some(k) = case
        .get("jwtKey")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    {
        b = b.jwt_key(k);
    }
    if let Some(pk) = case
        .get("publishableKey")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    {
        b = b.publishable_key(pk);
    }
    if let Some(s) = skew(case) {
        b = b.clock_skew_ms(s);
    }
    let clerk = match b.build() {
        Ok(c) => c,
        Err(e) => return threw_at("config", "ConfigError", &e.to_string()),
    };

    let now_ms = case.get("nowMs").and_then(Value::as_i64).unwrap_or(0);
    let state = clerk.authenticate_now(&req, now_ms);
    let signed_in = state.status == AuthStatus::SignedIn;
    let auth = &state.auth;
    // Signed in for Clerk's request state, but `toAuth()` throws.
    let auth_error = auth
        .verified_session()
        .and_then(|s| s.auth_error())
        .filter(|_| signed_in);
    let mut m = serde_json::Map::new();
    m.insert("status".into(), state.status.as_str().into());
    let (reason, message) = if signed_in {
        (Value::Null, Value::Null)
    } else {
        (
            auth.reason().unwrap_or("").into(),
            auth.message().unwrap_or("").into(),
        )
    };
    m.insert("reason".into(), reason);
    m.insert("message".into(), message);
    m.insert("isSignedIn".into(), signed_in.into());
    m.insert("isAuthenticated".into(), signed_in.into());
    m.insert("tokenType".into(), "session_token".into());
    m.insert(
        "token".into(),
        auth.verified_session()
            .filter(|_| signed_in)
            .map_or(Value::Null, |s| s.token().into()),
    );
    m.insert("headers".into(), headers_json(&state.headers));
    match (auth_error, state.status) {
        (Some(e), _) => {
            m.insert("auth".into(), Value::Null);
            m.insert("authError".into(), format!("Error: {e}").into());
        }
        (None, AuthStatus::Handshake) => {
            m.insert("auth".into(), Value::Null);
        }
        (None, _) => {
            m.insert("auth".into(), auth.to_json());
        }
    }
    let obj = Value::Object(m).to_string();
    // Strip the braces: the caller writes id and kind first.
    obj.get(1..obj.len().saturating_sub(1))
        .unwrap_or("")
        .to_owned()
}

/// Response headers as the oracle prints a Fetch `Headers`: sorted names,
/// Latin-1 values, `set-cookie` last as an array.
fn headers_json(h: &http::HeaderMap) -> Value {
    let mut names: Vec<&str> = h
        .keys()
        .map(http::header::HeaderName::as_str)
        .filter(|n| *n != "set-cookie")
        .collect();
    names.sort_unstable();
    names.dedup();
    let mut m = serde_json::Map::new();
    for n in names {
        let v: Vec<String> = h
            .get_all(n)
            .iter()
            .map(|v| text(v.as_bytes()).into_owned())
            .collect();
        m.insert(n.into(), v.join(", ").into());
    }
    let cookies: Vec<Value> = h
        .get_all(http::header::SET_COOKIE)
        .iter()
        .map(|v| text(v.as_bytes()).into_owned().into())
        .collect();
    if !cookies.is_empty() {
        m.insert("set-cookie".into(), Value::Array(cookies));
    }
    Value::Object(m)
}
