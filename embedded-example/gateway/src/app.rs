//! The gateway itself: configuration, shared state, and the routes.

use crate::clock::Clock;
use crate::http::{Method, Request, Status};
use crate::log::{info, warning};
use crate::relay::Relay;
use crate::response::{self, Escaped, Out};
use clerk_edge::auth::{Auth, OrgPermissions, OrgRole};
use clerk_edge::json::Kind;
use clerk_edge::request::{Authenticator, Instance, InstanceSource, RequestState};
use core::cell::{Cell, RefCell};
use core::fmt::{self, Write};
use embassy_time::Duration;

/// Bytes of the shared scratch buffer set aside for composing an answer
/// while the request state still borrows the request.
pub const RESPONSE_LEN: usize = 1024;

/// The scratch buffer [`Gateway::new`] needs for request heads of up to
/// `max_head` bytes: room to decode the longest token such a head can carry,
/// plus [`RESPONSE_LEN`].
pub const fn scratch_len(max_head: usize) -> usize {
    clerk_edge::verify::buffer_len(max_head) + RESPONSE_LEN
}

/// How the gateway behaves; [`Config::new`] gives sensible device defaults.
#[derive(Clone, Copy, Debug)]
pub struct Config<'a> {
    /// TCP port to serve on.
    pub port: u16,
    /// The organization permission `POST /relay/{on|off}` requires.
    pub relay_permission: &'a str,
    /// Longest silence from the client while its request is incomplete
    /// (then 408).
    pub idle_timeout: Duration,
    /// Longest time to receive a whole request (then 408).
    pub request_timeout: Duration,
    /// Longest time to hand the answer to a client that does not read.
    pub write_timeout: Duration,
    /// After answering, how long to keep discarding what the client still
    /// sends, so it reads the answer rather than a reset.
    pub linger: Duration,
    /// TCP inactivity timeout (the stack drops silent peers).
    pub tcp_timeout: Duration,
    /// Longest request body accepted (then 413); bodies are discarded.
    pub max_body: usize,
    /// Whether the jwtKey is the public demo key (shown on `/status`).
    pub demo_key: bool,
}

impl<'a> Config<'a> {
    /// Port 80, `relay_permission` for the relay, 5 s idle / 10 s request
    /// timeouts, 256-byte bodies.
    pub const fn new(relay_permission: &'a str) -> Self {
        Self {
            port: 80,
            relay_permission,
            idle_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(5),
            linger: Duration::from_secs(2),
            tcp_timeout: Duration::from_secs(30),
            max_body: 256,
            demo_key: false,
        }
    }
}

/// Connection counters, for `/status` and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Connections being served now.
    pub active: u16,
    /// Most connections served at once since boot.
    pub peak: u16,
    /// Connections served since boot.
    pub served: u32,
}

/// The gateway app: one value shared by every socket task and the SNTP task.
///
/// It is `!Sync` on purpose: all tasks run on one executor thread, and the
/// verification buffer is shared between them because verifying never
/// awaits.
///
/// `I` is the authenticator's instance source: a device without a
/// publishable key uses [`Authenticator::without_instance`]
/// ([`NoInstance`](clerk_edge::request::NoInstance)), which leaves the
/// handshake and suffixed-cookie code out of the firmware.
pub struct Gateway<'a, R, I = Option<&'a Instance>> {
    authenticator: Authenticator<'a, I>,
    pub(crate) config: Config<'a>,
    clock: Clock,
    scratch: RefCell<&'a mut [u8]>,
    relay: RefCell<R>,
    relay_on: Cell<bool>,
    stats: Cell<Stats>,
}

/// Paths the gateway answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    Status,
    WhoAmI,
    Relay(bool),
    NotFound,
}

impl Route {
    fn of(path: &[u8]) -> Self {
        match path {
            b"/status" => Route::Status,
            b"/whoami" => Route::WhoAmI,
            b"/relay/on" => Route::Relay(true),
            b"/relay/off" => Route::Relay(false),
            _ => Route::NotFound,
        }
    }

    fn allows(self, method: Method) -> bool {
        match self {
            Route::Status | Route::WhoAmI => matches!(method, Method::Get | Method::Head),
            Route::Relay(_) => method == Method::Post,
            Route::NotFound => true,
        }
    }

    fn allow_header(self) -> &'static str {
        match self {
            Route::Relay(_) => "POST",
            _ => "GET, HEAD",
        }
    }
}

impl<'a, R: Relay, I: InstanceSource<'a>> Gateway<'a, R, I> {
    /// A gateway authenticating with `authenticator`, working in `scratch`
    /// (at least [`scratch_len`] of the request buffer size), and driving
    /// `relay`.
    pub fn new(
        authenticator: Authenticator<'a, I>,
        config: Config<'a>,
        scratch: &'a mut [u8],
        relay: R,
    ) -> Self {
        Self {
            authenticator,
            config,
            clock: Clock::new(),
            scratch: RefCell::new(scratch),
            relay: RefCell::new(relay),
            relay_on: Cell::new(false),
            stats: Cell::new(Stats::default()),
        }
    }

    /// The wall clock that SNTP sets.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The configuration.
    pub fn config(&self) -> &Config<'a> {
        &self.config
    }

    /// Connection counters.
    pub fn stats(&self) -> Stats {
        self.stats.get()
    }

    /// Whether the relay is on.
    pub fn relay_is_on(&self) -> bool {
        self.relay_on.get()
    }

    pub(crate) fn connection_opened(&self) {
        let mut s = self.stats.get();
        s.active = s.active.saturating_add(1);
        s.peak = s.peak.max(s.active);
        s.served = s.served.wrapping_add(1);
        self.stats.set(s);
    }

    pub(crate) fn connection_closed(&self) {
        let mut s = self.stats.get();
        s.active = s.active.saturating_sub(1);
        self.stats.set(s);
    }

    /// Answers a complete request: writes the whole response into `buf`
    /// (which holds the request head) and returns its length.
    pub(crate) fn respond(&self, req: &Request, buf: &mut [u8]) -> usize {
        let route = Route::of(buf.get(req.path.clone()).unwrap_or(&[]));
        let head_only = req.method == Method::Head;
        if route == Route::NotFound {
            return error(buf, Status::NOT_FOUND, head_only, "no such route");
        }
        if !route.allows(req.method) {
            let allow = route.allow_header();
            return response::write(
                buf,
                Status::METHOD_NOT_ALLOWED,
                head_only,
                &|h| h.add("Allow", allow),
                &|w| error_body(w, "method not allowed"),
            );
        }
        if route == Route::Status {
            return self.status_page(buf, head_only);
        }

        // Protected routes: without wall-clock time, token lifetimes cannot
        // be judged, so nobody is signed in yet.
        let Some(now_ms) = self.clock.now_unix_ms() else {
            return response::write(
                buf,
                Status::UNAVAILABLE,
                head_only,
                &|h| {
                    h.add("Retry-After", "5");
                    h.add("x-gateway-reason", "clock-not-set");
                },
                &|w| {
                    error_body(
                        w,
                        "clock not set yet (waiting for SNTP); tokens cannot be checked",
                    )
                },
            );
        };
        let Ok(mut scratch) = self.scratch.try_borrow_mut() else {
            // Unreachable on one executor (verifying never awaits), but a
            // busy answer beats a panic.
            return error(buf, Status::UNAVAILABLE, head_only, "busy");
        };
        // The request state borrows the head in `buf`: compose the answer in
        // the end of the scratch buffer, then move it into `buf`.
        let decode_len = scratch.len().saturating_sub(RESPONSE_LEN);
        let (decode, answer) = scratch.split_at_mut(decode_len);
        let head = buf.get(..req.head_len).unwrap_or(&[]);
        let state = crate::auth::authenticate(&self.authenticator, head, now_ms, decode);
        let len = self.protected(&state, route, head_only, answer);
        match (buf.get_mut(..len), answer.get(..len)) {
            (Some(dst), Some(src)) => {
                dst.copy_from_slice(src);
                len
            }
            _ => error(buf, Status::INTERNAL_ERROR, head_only, "answer too large"),
        }
    }

    /// The answer of a protected route, from Clerk's request state.
    fn protected(
        &self,
        state: &RequestState<'_>,
        route: Route,
        head_only: bool,
        out: &mut [u8],
    ) -> usize {
        if !state.is_signed_in() {
            let reason = state.reason().map_or("", |r| r.as_str());
            info!("401 {}", reason);
            return response::write(
                out,
                Status::UNAUTHORIZED,
                head_only,
                &|h| {
                    h.add("WWW-Authenticate", "Bearer");
                    for (name, value) in state.headers() {
                        h.add_value(name, &value);
                    }
                },
                &|w| {
                    w.text("{\"error\":\"signed out\",\"reason\":")?;
                    w.json(Some(reason))?;
                    w.text("}")
                },
            );
        }
        let auth = match state.to_auth() {
            Ok(Some(auth)) if auth.is_authenticated() => auth,
            Ok(_) => return error(out, Status::UNAUTHORIZED, head_only, "session pending"),
            Err(_) => {
                // Clerk's toAuth() throws here (a malformed `fea` claim).
                warning!("403: the token's organization claims are malformed");
                return error(
                    out,
                    Status::FORBIDDEN,
                    head_only,
                    "malformed organization claims",
                );
            }
        };
        let user = auth.user_id().unwrap_or("");
        match route {
            Route::Relay(on) => {
                let needed = self.config.relay_permission;
                if !auth.has_permission(needed) {
                    info!("403 {} lacks {}", user, needed);
                    return response::write(out, Status::FORBIDDEN, head_only, &|_| {}, &|w| {
                        w.text("{\"error\":\"forbidden\",\"missingPermission\":")?;
                        w.json(Some(needed))?;
                        w.text("}")
                    });
                }
                if let Ok(mut relay) = self.relay.try_borrow_mut() {
                    relay.set(on);
                    self.relay_on.set(on);
                }
                info!("relay {} by {}", if on { "on" } else { "off" }, user);
                response::write(out, Status::OK, head_only, &|_| {}, &|w| {
                    w.text(if on {
                        "{\"relay\":\"on\",\"userId\":"
                    } else {
                        "{\"relay\":\"off\",\"userId\":"
                    })?;
                    w.json(Some(user))?;
                    w.text("}")
                })
            }
            _ => response::write(out, Status::OK, head_only, &|_| {}, &|w| {
                whoami_body(w, &auth)
            }),
        }
    }

    fn status_page(&self, buf: &mut [u8], head_only: bool) -> usize {
        let stats = self.stats.get();
        let clock = &self.clock;
        let relay_on = self.relay_on.get();
        let demo = self.config.demo_key;
        response::write(buf, Status::OK, head_only, &|_| {}, &|w| {
            w.text("{\"status\":\"ok\",\"clockSet\":")?;
            w.flag(clock.is_set())?;
            if let Some(now) = clock.now_unix_ms() {
                w.text(",\"unixMs\":")?;
                w.int(now)?;
            }
            if let Some(age) = clock.secs_since_sync() {
                w.text(",\"secsSinceSync\":")?;
                w.uint(age)?;
            }
            w.text(if relay_on {
                ",\"relay\":\"on\""
            } else {
                ",\"relay\":\"off\""
            })?;
            w.text(if demo {
                ",\"jwtKey\":\"demo\""
            } else {
                ",\"jwtKey\":\"configured\""
            })?;
            w.text(",\"connections\":{\"active\":")?;
            w.uint(stats.active.into())?;
            w.text(",\"peak\":")?;
            w.uint(stats.peak.into())?;
            w.text(",\"served\":")?;
            w.uint(stats.served.into())?;
            w.text("}}")
        })
    }

    /// The answer to a request that could not be read.
    pub(crate) fn error_response(&self, buf: &mut [u8], status: Status, detail: &str) -> usize {
        error(buf, status, false, detail)
    }
}

fn error(buf: &mut [u8], status: Status, head_only: bool, detail: &str) -> usize {
    response::write(buf, status, head_only, &|_| {}, &|w| error_body(w, detail))
}

fn error_body(w: &mut Out<'_>, detail: &str) -> fmt::Result {
    w.text("{\"error\":")?;
    w.json(Some(detail))?;
    w.text("}")
}

fn whoami_body(w: &mut Out<'_>, auth: &Auth<'_>) -> fmt::Result {
    w.text("{\"userId\":")?;
    w.json(auth.user_id())?;
    w.text(",\"sessionId\":")?;
    w.json(auth.session_id())?;
    w.text(",\"orgId\":")?;
    w.json(auth.org_id())?;
    w.text(",\"orgRole\":")?;
    match auth.org_role() {
        Some(role) => {
            // Written piece by piece: `write!` would link `core::fmt`.
            let (prefix, name) = match role {
                OrgRole::Prefixed(name) => ("org:", name),
                OrgRole::AsIssued(name) => ("", name),
            };
            w.write_str("\"")?;
            Escaped(w).write_str(prefix)?;
            Escaped(w).write_str(name)?;
            w.write_str("\"")?;
        }
        None => w.write_str("null")?,
    }
    w.text(",\"orgSlug\":")?;
    w.json(auth.org_slug())?;
    w.text(",\"orgPermissions\":")?;
    match auth.org_permissions() {
        OrgPermissions::None => w.write_str("[]")?,
        OrgPermissions::Computed(perms) => {
            w.write_str("[")?;
            for (i, perm) in perms.iter().enumerate() {
                w.write_str(if i == 0 { "\"org:" } else { ",\"org:" })?;
                Escaped(w).write_str(perm.feature)?;
                w.write_str(":")?;
                Escaped(w).write_str(perm.permission)?;
                w.write_str("\"")?;
            }
            w.write_str("]")?;
        }
        // v1: the claim as issued; it is validated JSON from a verified token.
        OrgPermissions::AsIssued(list) if list.kind() == Kind::Array => w.write_str(list.raw())?,
        OrgPermissions::AsIssued(_) => w.write_str("null")?,
    }
    w.write_str("}")
}
