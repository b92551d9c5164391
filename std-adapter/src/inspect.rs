//! `clerk-edge inspect`: what a token says, in plain words, without
//! verifying it.

use base64::Engine as _;
use serde_json::Value;
use std::fmt::Write as _;

fn decode_segment(seg: &str) -> Result<Value, String> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(seg.trim_end_matches('='))
        .map_err(|e| format!("not base64url ({e})"))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("not JSON ({e})"))
}

/// Unix seconds as an HTTP date (`Thu, 01 Jan 2026 00:00:00 GMT`), for
/// years 1970 to 9999.
pub fn utc(seconds: f64) -> String {
    const YEAR_10000: f64 = 253_402_300_800.0;
    if !(0.0..YEAR_10000).contains(&seconds) {
        return format!("{seconds} (not a representable date)");
    }
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds as u64);
    httpdate::fmt_http_date(at)
}

/// `in 5 min` / `3 h ago`.
pub fn relative(seconds: f64, now_s: f64) -> String {
    let d = seconds - now_s;
    let a = d.abs();
    let amount = if a < 120.0 {
        format!("{a:.0} s")
    } else if a < 7200.0 {
        format!("{:.0} min", a / 60.0)
    } else if a < 172_800.0 {
        format!("{:.1} h", a / 3600.0)
    } else {
        format!("{:.0} days", a / 86_400.0)
    };
    if d >= 0.0 {
        format!("in {amount}")
    } else {
        format!("{amount} ago")
    }
}

fn s(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// A plain-words description of `token` at `now_ms`.
pub fn explain(token: &str, now_ms: i64) -> Result<String, String> {
    let parts: Vec<&str> = token.split('.').collect();
    let [h, p, sig] = parts.as_slice() else {
        return Err(format!(
            "a JWT has 3 dot-separated parts, this has {}",
            parts.len()
        ));
    };
    let header = decode_segment(h).map_err(|e| format!("header: {e}"))?;
    let payload = decode_segment(p).map_err(|e| format!("payload: {e}"))?;
    let now_s = now_ms as f64 / 1000.0;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "NOT VERIFIED: decoded only; run `clerk-edge verify` to check the signature and claims.\n"
    );

    let alg = s(header.get("alg")).unwrap_or_else(|| "(none)".into());
    let _ = writeln!(out, "{:<14}{alg}", "Algorithm:");
    match s(header.get("kid")) {
        Some(kid) => {
            let _ = writeln!(
                out,
                "{:<14}{kid} (the instance key that signed it)",
                "Key id:"
            );
        }
        None => {
            let _ = writeln!(out, "{:<14}(none)", "Key id:");
        }
    }
    let cat = s(header.get("cat"));
    let kind = match cat.as_deref() {
        Some(clerk_edge::header::SESSION_CATEGORY) => "a Clerk session token",
        Some(clerk_edge::header::MACHINE_CATEGORY) => "a Clerk machine (M2M) token, not a session",
        Some(_) => "an unknown Clerk category",
        None => "no Clerk category",
    };
    let _ = writeln!(
        out,
        "{:<14}{} ({kind})",
        "Category:",
        cat.as_deref().unwrap_or("-")
    );
    let _ = writeln!(out, "{:<14}{} bytes", "Signature:", sig.len() * 3 / 4);

    let _ = writeln!(out);
    let time = |name: &str, label: &str, out: &mut String| {
        if let Some(v) = payload.get(name) {
            match v.as_f64() {
                Some(t) => {
                    let _ = writeln!(out, "{label:<14}{} ({})", utc(t), relative(t, now_s));
                }
                None => {
                    let _ = writeln!(out, "{label:<14}{v} (not a number: Clerk rejects this)");
                }
            }
        }
    };
    time("iat", "Issued:", &mut out);
    time("nbf", "Valid from:", &mut out);
    time("exp", "Expires:", &mut out);
    if let Some(exp) = payload.get("exp").and_then(Value::as_f64) {
        let state = if exp.trunc() * 1000.0 <= now_ms as f64 - 5000.0 {
            "EXPIRED (beyond Clerk's 5 s clock skew)"
        } else {
            "not expired"
        };
        let _ = writeln!(out, "{:<14}{} -> {state}", "Now:", utc(now_s));
        if let Some(iat) = payload.get("iat").and_then(Value::as_f64) {
            let _ = writeln!(out, "{:<14}{:.0} s", "Lifetime:", exp - iat);
        }
    } else {
        let _ = writeln!(out, "{:<14}(no exp: Clerk rejects this token)", "Expires:");
    }

    let _ = writeln!(out);
    let row = |label: &str, v: Option<String>, out: &mut String| {
        if let Some(v) = v {
            let _ = writeln!(out, "{label:<14}{v}");
        }
    };
    row("User:", s(payload.get("sub")), &mut out);
    row("Session:", s(payload.get("sid")), &mut out);
    row("Status:", s(payload.get("sts")), &mut out);
    row("Issuer:", s(payload.get("iss")), &mut out);
    row(
        "For origin:",
        s(payload.get("azp")).map(|a| format!("{a} (azp: must be among the authorized parties)")),
        &mut out,
    );
    let v2 = payload.get("v").and_then(Value::as_f64) == Some(2.0);
    let _ = writeln!(
        out,
        "{:<14}version {}",
        "Claims:",
        if v2 {
            "2 (compact organization claims)"
        } else {
            "1"
        }
    );
    if let Some(o) = payload.get("o").filter(|o| o.is_object()) {
        row(
            "Organization:",
            Some(format!(
                "{} ({}), role {}",
                s(o.get("id")).unwrap_or_default(),
                s(o.get("slg")).unwrap_or_default(),
                s(o.get("rol")).unwrap_or_default()
            )),
            &mut out,
        );
    }
    if let Some(org) = s(payload.get("org_id")) {
        row("Organization:", Some(org), &mut out);
    }
    if let Some(act) = payload.get("act") {
        row("Actor:", Some(format!("{act} (impersonation)")), &mut out);
    }
    if let Value::Object(m) = &payload {
        let names: Vec<&str> = m.keys().map(String::as_str).collect();
        let _ = writeln!(out, "{:<14}{}", "Present:", names.join(", "));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(utc(1_767_225_600.0), "Thu, 01 Jan 2026 00:00:00 GMT");
        assert!(utc(-1.0).ends_with("(not a representable date)"));
        assert_eq!(relative(100.0, 40.0), "in 60 s");
        assert_eq!(relative(0.0, 7200.0), "2.0 h ago");
    }
}
