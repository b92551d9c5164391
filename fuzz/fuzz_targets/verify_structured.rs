//! Tokens assembled from valid pieces: a real header (alg/typ/cat/kid
//! variations), real claims with mutated fields (sub, exp, nbf, iat, azp,
//! aud, iss, sid, v, o{id,slg,rol,per,fpm}, fea, pla, sts, extra members,
//! a duplicate), written with varied escapes and whitespace, signed with
//! the fuzz-only key inside the target (or signed and then tampered with),
//! so the fuzzer spends its time in the claim checks rather than in base64
//! errors.
//!
//! Checks: the verdict equals the reference model's
//! (`clerk_edge_fuzz::model`), a verified token's claims match what was
//! written (sub is a string, exp in the future with skew, ...), and a
//! token the model accepts with a genuine signature is accepted. Each
//! token is checked under every verifier configuration and three clocks,
//! and again through a `SignatureCache` (a cache hit skips RSA but must
//! not skip a claim check).
#![no_main]

use arbitrary::Arbitrary;
use clerk_edge::verify::SignatureCache;
use clerk_edge::{Algorithm, Algorithms, JwtKey, Verifier, VerifyOptions, verify};
use clerk_edge_fuzz::NOW_MS;
use clerk_edge_fuzz::keys::{self, FUZZ_PUBLIC_PEM, MAIN_PUBLIC_PEM, Pair};
use clerk_edge_fuzz::model::{self, Key, Options, SigCache, Verdict};
use libfuzzer_sys::fuzz_target;
use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt::Write;
use std::sync::LazyLock;

/// A JSON scalar or a small container of scalars.
#[derive(Arbitrary, Debug, Clone)]
enum J {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A number spelled as given digits and exponent, e.g. `1e400`.
    Spelled {
        digits: u32,
        frac: Option<u16>,
        exp: Option<i16>,
    },
    Str(String),
    Arr(Vec<Scalar>),
    Obj(Vec<(String, Scalar)>),
}

#[derive(Arbitrary, Debug, Clone)]
enum Scalar {
    Null,
    Bool(bool),
    Int(i32),
    Str(String),
}

/// A string claim.
#[derive(Arbitrary, Debug, Clone)]
enum Text {
    Missing,
    /// The value a real Clerk token would carry.
    Good,
    Empty,
    Other(String),
    /// Another JSON type.
    Json(J),
}

/// A time claim, relative to the clock.
#[derive(Arbitrary, Debug, Clone)]
enum Time {
    Missing,
    /// Seconds from now.
    Offset(i32),
    /// Seconds from now plus a fraction (truncation matters).
    Fraction(i16, u8),
    /// Near the edges of the skew window.
    Edge(i8),
    Huge(bool),
    Json(J),
}

#[derive(Arbitrary, Debug, Clone)]
enum Aud {
    Missing,
    Listed,
    Unlisted,
    Array(Vec<Text>),
    Json(J),
}

#[derive(Arbitrary, Debug, Clone)]
enum Alg {
    Rs256,
    Rs384,
    Rs512,
    Other(String),
    Json(J),
    Missing,
}

#[derive(Arbitrary, Debug, Clone)]
enum Cat {
    Missing,
    Session,
    Machine,
    Ignore,
    Other(J),
}

#[derive(Arbitrary, Debug, Clone)]
enum Kid {
    Missing,
    Fuzz,
    Main,
    Unknown(String),
    Json(J),
}

#[derive(Arbitrary, Debug, Clone)]
struct Org {
    id: Text,
    slg: Text,
    rol: Text,
    per: Text,
    fpm: Text,
}

#[derive(Arbitrary, Debug, Clone)]
struct Claims {
    sub: Text,
    exp: Time,
    nbf: Time,
    iat: Time,
    azp: Text,
    aud: Aud,
    iss: Text,
    sid: Text,
    v: Option<J>,
    o: Option<Org>,
    fea: Text,
    pla: Text,
    sts: Text,
    extra: Vec<(String, J)>,
    /// Repeat the claim at this index at the end (a duplicate key).
    duplicate: Option<u8>,
}

#[derive(Arbitrary, Debug, Clone)]
struct HeaderSpec {
    alg: Alg,
    typ: Option<Text>,
    cat: Cat,
    kid: Kid,
    extra: Vec<(String, J)>,
    bom: bool,
}

#[derive(Arbitrary, Debug, Clone)]
enum Signature {
    Genuine,
    /// Signed with another hash than `alg` says.
    WrongHash(u8),
    Flip(u16, u8),
    Truncate(u16),
    Arbitrary(Vec<u8>),
    Empty,
    /// Signed, then the payload re-encoded with a claim changed.
    Tampered,
}

#[derive(Arbitrary, Debug, Clone)]
struct Style {
    /// Escape every character with `\u` (a key or value), on these bits.
    escapes: u16,
    spaces: u8,
    header_padding: u8,
    order: u16,
}

#[derive(Arbitrary, Debug, Clone)]
struct Input {
    header: HeaderSpec,
    claims: Claims,
    signature: Signature,
    style: Style,
    config: u8,
    now_offset_ms: i16,
}

const PARTY: &str = "https://app.example.com";
const AUDIENCE: &str = "aud-a";
const ISSUER: &str = "https://clerk.example.com";
const NOW_S: i64 = NOW_MS / 1000;

struct Writer<'s> {
    out: String,
    style: &'s Style,
    n: u32,
}

impl Writer<'_> {
    fn flag(&mut self) -> bool {
        self.n = self.n.wrapping_add(1);
        self.style.escapes.rotate_left(self.n) & 1 == 1
    }
    fn ws(&mut self) {
        if self.style.spaces.rotate_left(self.n) & 3 == 3 {
            self.out.push(' ');
        }
        self.n = self.n.wrapping_add(1);
    }
    fn string(&mut self, s: &str) {
        let escape_all = self.flag();
        self.out.push('"');
        for c in s.chars() {
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                c if (c as u32) < 0x20 || escape_all => {
                    let mut units = [0u16; 2];
                    for u in c.encode_utf16(&mut units) {
                        let _ = write!(self.out, "\\u{u:04x}");
                    }
                }
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }
    fn scalar(&mut self, s: &Scalar) {
        match s {
            Scalar::Null => self.out.push_str("null"),
            Scalar::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Scalar::Int(i) => {
                let _ = write!(self.out, "{i}");
            }
            Scalar::Str(s) => self.string(s),
        }
    }
    fn json(&mut self, j: &J) {
        match j {
            J::Null => self.out.push_str("null"),
            J::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            J::Int(i) => {
                let _ = write!(self.out, "{i}");
            }
            J::Float(f) if f.is_finite() => {
                let _ = write!(self.out, "{f:e}");
            }
            J::Float(_) => self.out.push_str("1e999"),
            J::Spelled { digits, frac, exp } => {
                let _ = write!(self.out, "{digits}");
                if let Some(f) = frac {
                    let _ = write!(self.out, ".{f}");
                }
                if let Some(e) = exp {
                    let _ = write!(self.out, "E{e:+}");
                }
            }
            J::Str(s) => self.string(s),
            J::Arr(items) => {
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.ws();
                    self.scalar(item);
                }
                self.out.push(']');
            }
            J::Obj(members) => {
                self.out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.string(k);
                    self.out.push(':');
                    self.scalar(v);
                }
                self.out.push('}');
            }
        }
    }
    fn text(&mut self, t: &Text, good: &str) {
        match t {
            Text::Missing | Text::Good => self.string(good),
            Text::Empty => self.string(""),
            Text::Other(s) => self.string(s),
            Text::Json(j) => self.json(j),
        }
    }
    fn time(&mut self, t: &Time, good: i64) {
        match t {
            Time::Missing => {
                let _ = write!(self.out, "{good}");
            }
            Time::Offset(s) => {
                let _ = write!(self.out, "{}", NOW_S + i64::from(*s));
            }
            Time::Fraction(s, f) => {
                let _ = write!(self.out, "{}.{f}", NOW_S + i64::from(*s));
            }
            Time::Edge(d) => {
                let _ = write!(self.out, "{}", NOW_S + i64::from(*d % 8));
            }
            Time::Huge(neg) => self.out.push_str(if *neg { "-1e20" } else { "8.64e12" }),
            Time::Json(j) => self.json(j),
        }
    }
    fn object(&mut self, members: Vec<(String, Box<dyn Fn(&mut Self) + '_>)>) {
        self.out.push('{');
        let n = members.len();
        let mut order: Vec<usize> = (0..n).collect();
        if n > 1 {
            let r = usize::from(self.style.order) % n;
            order.rotate_left(r);
        }
        for (i, idx) in order.into_iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.ws();
            let (k, f) = &members[idx];
            self.string(k);
            self.out.push(':');
            self.ws();
            f(self);
        }
        self.out.push('}');
    }
}

type Member<'a> = (String, Box<dyn Fn(&mut Writer<'_>) + 'a>);

fn header_json(h: &HeaderSpec, style: &Style) -> String {
    let mut w = Writer {
        out: String::new(),
        style,
        n: 7,
    };
    if h.bom {
        w.out.push('\u{feff}');
    }
    let mut m: Vec<Member<'_>> = Vec::new();
    match &h.alg {
        Alg::Missing => {}
        alg => m.push((
            "alg".into(),
            Box::new(move |w: &mut Writer<'_>| match alg {
                Alg::Rs256 => w.string("RS256"),
                Alg::Rs384 => w.string("RS384"),
                Alg::Rs512 => w.string("RS512"),
                Alg::Other(s) => w.string(s),
                Alg::Json(j) => w.json(j),
                Alg::Missing => {}
            }),
        )),
    }
    if let Some(typ) = &h.typ {
        m.push((
            "typ".into(),
            Box::new(move |w: &mut Writer<'_>| w.text(typ, "JWT")),
        ));
    }
    match &h.cat {
        Cat::Missing => {}
        cat => m.push((
            "cat".into(),
            Box::new(move |w: &mut Writer<'_>| match cat {
                Cat::Session => w.string("cl_B7d4PD111AAA"),
                Cat::Machine => w.string("cl_B7d4PD333AAA"),
                Cat::Ignore => w.string("cl_I7d4PD111III"),
                Cat::Other(j) => w.json(j),
                Cat::Missing => {}
            }),
        )),
    }
    match &h.kid {
        Kid::Missing => {}
        kid => m.push((
            "kid".into(),
            Box::new(move |w: &mut Writer<'_>| match kid {
                Kid::Fuzz => w.string("fuzz"),
                Kid::Main => w.string("ins_2vYVtestINSTANCE"),
                Kid::Unknown(s) => w.string(s),
                Kid::Json(j) => w.json(j),
                Kid::Missing => {}
            }),
        )),
    }
    for (k, v) in &h.extra {
        m.push((k.clone(), Box::new(move |w: &mut Writer<'_>| w.json(v))));
    }
    w.object(m);
    w.out
}

fn claims_json(c: &Claims, style: &Style) -> String {
    let mut w = Writer {
        out: String::new(),
        style,
        n: 0,
    };
    let mut m: Vec<Member<'_>> = Vec::new();
    let text = |name: &str, t: &'static str, v: &Text, m: &mut Vec<Member<'_>>| {
        if !matches!(v, Text::Missing) {
            let v = v.clone();
            m.push((
                name.into(),
                Box::new(move |w: &mut Writer<'_>| w.text(&v, t)),
            ));
        }
    };
    // sub and exp are present unless mutated away by Json/Missing choices.
    let sub = c.sub.clone();
    m.push((
        "sub".into(),
        Box::new(move |w: &mut Writer<'_>| w.text(&sub, "user_2vYVtestUSER")),
    ));
    let exp = c.exp.clone();
    m.push((
        "exp".into(),
        Box::new(move |w: &mut Writer<'_>| w.time(&exp, NOW_S + 60)),
    ));
    for (name, t, good) in [("nbf", &c.nbf, NOW_S - 10), ("iat", &c.iat, NOW_S - 5)] {
        if !matches!(t, Time::Missing) {
            let t = t.clone();
            m.push((
                name.into(),
                Box::new(move |w: &mut Writer<'_>| w.time(&t, good)),
            ));
        }
    }
    text("azp", PARTY, &c.azp, &mut m);
    text("iss", ISSUER, &c.iss, &mut m);
    text("sid", "sess_2vYVtestSESSION", &c.sid, &mut m);
    text("fea", "o:articles,u:premium", &c.fea, &mut m);
    text("pla", "u:free_user,o:pro", &c.pla, &mut m);
    text("sts", "active", &c.sts, &mut m);
    match &c.aud {
        Aud::Missing => {}
        aud => {
            let aud = aud.clone();
            m.push((
                "aud".into(),
                Box::new(move |w: &mut Writer<'_>| match &aud {
                    Aud::Listed => w.string(AUDIENCE),
                    Aud::Unlisted => w.string("aud-z"),
                    Aud::Array(items) => {
                        w.out.push('[');
                        for (i, t) in items.iter().enumerate() {
                            if i > 0 {
                                w.out.push(',');
                            }
                            w.text(t, AUDIENCE);
                        }
                        w.out.push(']');
                    }
                    Aud::Json(j) => w.json(j),
                    Aud::Missing => {}
                }),
            ));
        }
    }
    if let Some(v) = &c.v {
        let v = v.clone();
        m.push(("v".into(), Box::new(move |w: &mut Writer<'_>| w.json(&v))));
    }
    if let Some(o) = &c.o {
        let o = o.clone();
        m.push((
            "o".into(),
            Box::new(move |w: &mut Writer<'_>| {
                let mut inner: Vec<Member<'_>> = Vec::new();
                for (name, t, good) in [
                    ("id", &o.id, "org_2vYVtestORG"),
                    ("slg", &o.slg, "acme"),
                    ("rol", &o.rol, "admin"),
                    ("per", &o.per, "read,manage"),
                    ("fpm", &o.fpm, "3,1"),
                ] {
                    if !matches!(t, Text::Missing) {
                        let t = t.clone();
                        inner.push((
                            name.into(),
                            Box::new(move |w: &mut Writer<'_>| w.text(&t, good)),
                        ));
                    }
                }
                w.object(inner);
            }),
        ));
    }
    for (k, v) in &c.extra {
        let v = v.clone();
        m.push((k.clone(), Box::new(move |w: &mut Writer<'_>| w.json(&v))));
    }
    if let Some(d) = c.duplicate {
        let i = usize::from(d) % m.len();
        let name = m[i].0.clone();
        m.push((name, Box::new(|w: &mut Writer<'_>| w.out.push_str("0"))));
    }
    w.object(m);
    w.out
}

struct Config {
    pairs: Vec<Pair>,
    keys: Vec<JwtKey>,
    parties: &'static [&'static str],
    audience: &'static [&'static str],
    issuer: Option<&'static str>,
    skew: i64,
    algorithms: Algorithms,
}

static CONFIGS: LazyLock<Vec<Config>> = LazyLock::new(|| {
    let config = |pairs: Vec<Pair>| {
        let keys = pairs.iter().map(|p| p.ours.clone()).collect();
        Config {
            pairs,
            keys,
            parties: &[],
            audience: &[],
            issuer: None,
            skew: 5000,
            algorithms: Algorithms::RS256,
        }
    };
    vec![
        // A jwtKey, Clerk's defaults.
        config(vec![Pair::load(FUZZ_PUBLIC_PEM, None)]),
        // authorizedParties, as clerkMiddleware users set them.
        Config {
            parties: &[PARTY],
            ..config(vec![Pair::load(FUZZ_PUBLIC_PEM, None)])
        },
        // Keys by kid (a JWKS), every option.
        Config {
            parties: &[PARTY, "http://localhost:3000"],
            audience: &[AUDIENCE, ""],
            issuer: Some(ISSUER),
            skew: 0,
            algorithms: Algorithms::ALL_RSA,
            ..config(vec![
                Pair::load(MAIN_PUBLIC_PEM, Some("ins_2vYVtestINSTANCE")),
                Pair::load(FUZZ_PUBLIC_PEM, Some("fuzz")),
            ])
        },
        // The fuzz key among unnamed keys, negative skew.
        Config {
            skew: -2000,
            algorithms: Algorithms::RS256.with(Algorithm::RS512),
            ..config(vec![
                Pair::load(MAIN_PUBLIC_PEM, None),
                Pair::load(FUZZ_PUBLIC_PEM, None),
            ])
        },
    ]
});

fuzz_target!(|input: Input| {
    let header = header_json(&input.header, &input.style);
    let payload = claims_json(&input.claims, &input.style);
    let mut h64 = keys::b64(header.as_bytes());
    for _ in 0..input.style.header_padding % 3 {
        h64.push('=');
    }
    let p64 = keys::b64(payload.as_bytes());
    let signing_input = format!("{h64}.{p64}");
    let alg = match &input.header.alg {
        Alg::Rs384 => Algorithm::RS384,
        Alg::Rs512 => Algorithm::RS512,
        _ => Algorithm::RS256,
    };
    let (signing_input, sig) = match &input.signature {
        Signature::Genuine => {
            let s = keys::sign(alg, signing_input.as_bytes());
            (signing_input, s)
        }
        Signature::WrongHash(h) => {
            let other = [Algorithm::RS256, Algorithm::RS384, Algorithm::RS512][usize::from(*h) % 3];
            let s = keys::sign(other, signing_input.as_bytes());
            (signing_input, s)
        }
        Signature::Flip(at, x) => {
            let mut s = keys::sign(alg, signing_input.as_bytes());
            let i = usize::from(*at) % s.len();
            s[i] ^= x | 1;
            (signing_input, s)
        }
        Signature::Truncate(n) => {
            let mut s = keys::sign(alg, signing_input.as_bytes());
            s.truncate(usize::from(*n) % s.len());
            (signing_input, s)
        }
        Signature::Arbitrary(bytes) => (signing_input, bytes.clone()),
        Signature::Empty => (signing_input, Vec::new()),
        Signature::Tampered => {
            let s = keys::sign(alg, signing_input.as_bytes());
            let tampered = payload.replacen("user_2vYVtestUSER", "user_2vYVtestADMIN", 1);
            (format!("{h64}.{}", keys::b64(tampered.as_bytes())), s)
        }
    };
    let token = format!("{signing_input}.{}", keys::b64(&sig));
    // Nobody holding the key signed this exact signing input.
    let forged = match &input.signature {
        Signature::Arbitrary(_) | Signature::Empty => true,
        Signature::Tampered => payload.contains("user_2vYVtestUSER"),
        _ => false,
    };
    let base = NOW_MS + i64::from(input.now_offset_ms);
    let first = usize::from(input.config) % CONFIGS.len();
    let mut cache = SigCache::default();
    let mut buf = vec![0u8; verify::buffer_len(token.len())];
    // Signing is the expensive part: check the token under every
    // configuration, on both sides of the skew window.
    for c in 0..CONFIGS.len() {
        let config = &CONFIGS[(first + c) % CONFIGS.len()];
        // One signature cache per key set, shared by the three clocks.
        let remembered = SetCache::default();
        for now in [
            base,
            base - config.skew.abs() - 1,
            base + config.skew.abs() + 1,
        ] {
            check(
                config,
                &token,
                now,
                &mut buf,
                &mut cache,
                &remembered,
                forged,
                &header,
                &payload,
            );
        }
    }
});

#[allow(clippy::too_many_arguments)]
fn check(
    config: &Config,
    token: &str,
    now: i64,
    buf: &mut [u8],
    cache: &mut SigCache,
    remembered: &SetCache,
    forged: bool,
    header: &str,
    payload: &str,
) {
    let verifier = Verifier::new(
        &config.keys,
        VerifyOptions {
            authorized_parties: config.parties,
            audience: config.audience,
            issuer: config.issuer,
            clock_skew_ms: config.skew,
            algorithms: config.algorithms,
        },
    );
    let result = verifier.verify(token, now, buf);
    if let Err(e) = &result {
        let _ = format!("{e} {}", e.reason());
    }
    let keys: Vec<Key<'_>> = config
        .pairs
        .iter()
        .map(|p| Key {
            kid: p.kid,
            public: &p.reference,
        })
        .collect();
    let opts = Options {
        authorized_parties: config.parties,
        audience: config.audience,
        issuer: config.issuer,
        clock_skew_ms: config.skew,
        algorithms: config.algorithms,
    };
    let (expected, decoded) = model::verify_cached(token, &keys, &opts, now, cache);
    assert_eq!(
        model::of(&result),
        expected,
        "verdict differs at {now}\nheader  {header}\npayload {payload}\ntoken {token}"
    );
    if let (Ok(v), Some(d)) = (&result, &decoded) {
        model::check_verified(v, d, &opts, now);
        assert!(!forged, "a forged token verifies");
    }
    if expected == Verdict::Ok {
        assert!(result.is_ok());
    }
    // With a signature cache (twice: filling it, then hitting it), every
    // claim is still checked: the same verdict.
    let cached = verifier.with_signature_cache(remembered);
    for _ in 0..2 {
        let again = cached.verify(token, now, buf);
        assert_eq!(
            model::of(&again),
            expected,
            "verdict differs with a signature cache at {now}"
        );
    }
}

/// A signature cache that remembers whole tokens.
#[derive(Default)]
struct SetCache(RefCell<HashSet<String>>);

impl SignatureCache for SetCache {
    fn contains(&self, token: &str) -> bool {
        self.0.borrow().contains(token)
    }
    fn insert(&self, token: &str, _exp_ms: f64) {
        self.0.borrow_mut().insert(token.to_owned());
    }
}
