//! Serving a tower service with hyper-util, with graceful shutdown; the
//! demo application and the load-test application.

use crate::auth::Auth;
use crate::clerk::Clerk;
use crate::config::ClerkBuilder;
use crate::demo::{Minter, SessionSpec};
use crate::layer::{ClerkBody, ClerkLayer};
use crate::now_ms;
use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use std::convert::Infallible;
use std::future::Future;
use std::io::Write as _;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_layer::Layer;
use tower_service::Service;

/// Largest request head accepted (hyper's default is about 400 KB; a 1 MB
/// token then gets hyper's own 431 answer before the layer sees it).
pub const MAX_HEADER_BYTES: usize = 2 * 1024 * 1024;

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C: shutting down"),
        () = term => tracing::info!("SIGTERM: shutting down"),
    }
}

/// Serves `service` on `listener` (HTTP/1.1 and HTTP/2) until `shutdown`
/// resolves, then lets open connections finish (up to 10 s).
pub async fn serve<S, B>(
    listener: TcpListener,
    service: S,
    max_header_bytes: usize,
    shutdown: impl Future<Output = ()>,
) where
    S: Service<Request<Incoming>, Response = Response<B>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .max_buf_size(max_header_bytes.max(8192))
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(Duration::from_secs(30));
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(x) => x,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let conn = builder.serve_connection_with_upgrades(
                    TokioIo::new(stream),
                    TowerToHyperService::new(service.clone()),
                );
                let conn = graceful.watch(conn.into_owned());
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(%peer, error = %e, "connection closed with an error");
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("all connections closed"),
        () = tokio::time::sleep(Duration::from_secs(10)) => tracing::warn!("connections still open after 10 s; exiting"),
    }
}

fn json_response(status: StatusCode, body: &serde_json::Value) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(body.to_string())));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// The permission the demo's `/reports` route requires.
pub const REPORTS_PERMISSION: &str = "org:reports:read";

/// The demo's routes, behind the layer (which attaches the auth).
async fn demo_routes(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let auth: &Auth = crate::get_auth(&req);
    let resp = match req.uri().path() {
        "/" => {
            let mut r = Response::new(Full::new(Bytes::from_static(
                b"clerk-edge demo: GET /public, /protected (signed in), /reports (org:reports:read), /health\n",
            )));
            r.headers_mut().insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            r
        }
        "/public" => json_response(
            StatusCode::OK,
            &serde_json::json!({
                "message": "anyone can read this",
                "signedIn": auth.is_signed_in(),
                "userId": auth.user_id(),
                "reason": auth.reason(),
            }),
        ),
        "/protected" => json_response(StatusCode::OK, &auth.to_json()),
        "/reports" => {
            if auth.has_permission(REPORTS_PERMISSION) {
                json_response(
                    StatusCode::OK,
                    &serde_json::json!({
                        "orgId": auth.org_id(),
                        "reports": ["q1-revenue", "q2-revenue"],
                    }),
                )
            } else {
                json_response(
                    StatusCode::FORBIDDEN,
                    &serde_json::json!({
                        "error": "forbidden",
                        "message": format!("this route needs the {REPORTS_PERMISSION} permission in the active organization"),
                        "orgId": auth.org_id(),
                        "orgPermissions": auth.org_permissions(),
                    }),
                )
            }
        }
        "/health" => json_response(StatusCode::OK, &serde_json::json!({"ok": true})),
        _ => json_response(
            StatusCode::NOT_FOUND,
            &serde_json::json!({"error": "not found"}),
        ),
    };
    Ok(resp)
}

/// The demo application: `/public` and `/` in optional mode; `/protected`
/// and `/reports` in required mode.
pub fn demo_app(clerk: Clerk) -> impl App {
    let routes = tower_service_fn(demo_routes);
    let optional = ClerkLayer::optional(clerk.clone()).layer(routes);
    let required = ClerkLayer::required(clerk).layer(routes);
    tower_service_fn(move |req: Request<Incoming>| {
        let mut svc = match req.uri().path() {
            "/protected" | "/reports" => Either2::A(required.clone()),
            _ => Either2::B(optional.clone()),
        };
        async move {
            match &mut svc {
                Either2::A(s) => ready_call(s, req).await,
                Either2::B(s) => ready_call(s, req).await,
            }
        }
    })
}

enum Either2<A, B> {
    A(A),
    B(B),
}

/// Waits until `svc` is ready, then calls it.
async fn ready_call<S: Service<R>, R>(svc: &mut S, req: R) -> Result<S::Response, S::Error> {
    std::future::poll_fn(|cx| svc.poll_ready(cx)).await?;
    svc.call(req).await
}

/// The responses of the demo and load-test applications.
pub type AppResponse = Response<ClerkBody<Full<Bytes>>>;

/// An application [`serve`] can run: the demo's and the load test's.
pub trait App:
    Service<Request<Incoming>, Response = AppResponse, Error = Infallible, Future: Send>
    + Clone
    + Send
    + 'static
{
}

impl<T> App for T where
    T: Service<Request<Incoming>, Response = AppResponse, Error = Infallible, Future: Send>
        + Clone
        + Send
        + 'static
{
}

/// The load-test application: `/plain` without the layer, `/auth` behind
/// the layer in required mode; both run the same handler, so the
/// difference between the two is the cost of authentication.
pub fn bench_app(clerk: Clerk) -> impl App {
    async fn handler(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
        let user = crate::get_auth(&req).user_id().unwrap_or("anonymous");
        let mut body = String::with_capacity(48);
        body.push_str("{\"ok\":true,\"user\":\"");
        body.push_str(user);
        body.push_str("\"}");
        Ok(json_body(body))
    }
    let plain = tower_service_fn(handler);
    let authed = ClerkLayer::required(clerk).layer(tower_service_fn(handler));
    tower_service_fn(move |req: Request<Incoming>| {
        let mut svc = if req.uri().path().starts_with("/auth") {
            Either2::A(authed.clone())
        } else {
            Either2::B(plain)
        };
        async move {
            match &mut svc {
                Either2::A(s) => ready_call(s, req).await,
                Either2::B(s) => s
                    .call(req)
                    .await
                    .map(|r| r.map(http_body_util::Either::Left)),
            }
        }
    })
}

fn json_body(body: String) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// `tower::service_fn` without depending on `tower`.
pub fn tower_service_fn<F>(f: F) -> ServiceFn<F> {
    ServiceFn { f }
}

/// A service made from an async function.
#[derive(Clone, Copy, Debug)]
pub struct ServiceFn<F> {
    f: F,
}

impl<F, Fut, Req, Resp, E> Service<Req> for ServiceFn<F>
where
    F: FnMut(Req) -> Fut,
    Fut: Future<Output = Result<Resp, E>>,
{
    type Response = Resp;
    type Error = E;
    type Future = Fut;

    fn poll_ready(&mut self, _cx: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), E>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Req) -> Fut {
        (self.f)(req)
    }
}

/// Binds `addr`, saying how to fix the usual mistakes.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, String> {
    TcpListener::bind(addr).await.map_err(|e| {
        format!("cannot listen on {addr}: {e}. Fix: choose another port with --addr or PORT")
    })
}

/// The demo's address: `addr`, else `127.0.0.1:$PORT` (default 3000).
pub fn demo_addr(arg: Option<SocketAddr>) -> Result<SocketAddr, String> {
    if let Some(a) = arg {
        return Ok(a);
    }
    let port = match std::env::var("PORT") {
        Ok(p) if !p.trim().is_empty() => p.trim().parse::<u16>().map_err(|_| {
            format!(
                "PORT={p:?} is not a port number. Fix: set PORT=3000 or pass --addr 127.0.0.1:3000"
            )
        })?,
        _ => 3000,
    };
    Ok(SocketAddr::from(([127, 0, 0, 1], port)))
}

/// Runs the demo server until Ctrl-C / SIGTERM: the demo key pair (and
/// ready-to-paste `curl` commands with fresh tokens) unless `CLERK_JWT_KEY`
/// or `CLERK_SECRET_KEY` is set. `addr` defaults to `127.0.0.1:$PORT`
/// (`PORT` defaults to 3000).
pub async fn run_demo(addr: Option<SocketAddr>) -> Result<(), String> {
    let addr = demo_addr(addr)?;
    let configured = ["CLERK_JWT_KEY", "CLERK_SECRET_KEY"]
        .iter()
        .any(|v| std::env::var(v).is_ok_and(|s| !s.trim().is_empty()));
    let origins = [
        format!("http://localhost:{}", addr.port()),
        format!("http://{addr}"),
    ];
    let clerk = if configured {
        Clerk::from_env().map_err(|e| e.to_string())?
    } else {
        tracing::warn!(
            "DEMO ONLY: no CLERK_JWT_KEY set, verifying with the built-in demo key pair, whose private key is public. Never use this configuration for anything real."
        );
        ClerkBuilder::from_env()
            .jwt_key(crate::demo::DEMO_PUBLIC_KEY_PEM)
            .authorized_parties(origins.clone())
            .build()
            .map_err(|e| e.to_string())?
    };
    if let Err(e) = clerk.prefetch_keys().await {
        tracing::warn!(error = %e, "JWKS not loaded yet; requests will retry");
    }
    let listener = bind(addr).await?;
    let local = listener.local_addr().unwrap_or(addr);
    tracing::info!(addr = %local, clerk = ?clerk, "clerk-edge demo listening");
    if configured {
        let _ = writeln!(
            std::io::stdout(),
            "\nclerk-edge demo on http://{local} verifying your instance's tokens.\n  curl -s http://{local}/public\n  curl -s -H \"Authorization: Bearer $TOKEN\" http://{local}/protected\n  curl -s -H \"Authorization: Bearer $TOKEN\" http://{local}/reports\n"
        );
    } else {
        match demo_tokens(&origins[0]) {
            Ok(t) => print_demo_commands(&local, &t),
            Err(e) => tracing::warn!(error = %e, "could not mint demo tokens"),
        }
    }
    let _ = std::io::stdout().flush();
    serve(
        listener,
        demo_app(clerk),
        MAX_HEADER_BYTES,
        shutdown_signal(),
    )
    .await;
    Ok(())
}

struct DemoTokens {
    valid: String,
    org_reader: String,
    expired: String,
    wrong_party: String,
    iat: i64,
}

fn demo_tokens(azp: &str) -> Result<DemoTokens, String> {
    let minter = Minter::demo()?;
    let now_s = now_ms() / 1000;
    let mut valid = SessionSpec::new("user_demo_alice", now_s, 3600);
    valid.azp = Some(azp.to_owned());
    valid.org = Some((
        "org_demo_acme".into(),
        "acme".into(),
        "member".into(),
        vec!["org:projects:read".into()],
    ));
    let mut reader = valid.clone();
    reader.user_id = "user_demo_bob".into();
    reader.session_id = "sess_demo_bob".into();
    reader.org = Some((
        "org_demo_acme".into(),
        "acme".into(),
        "admin".into(),
        vec![REPORTS_PERMISSION.into(), "org:projects:read".into()],
    ));
    let mut expired = valid.clone();
    expired.issued_at = now_s - 7200;
    expired.ttl = 60;
    let mut wrong = valid.clone();
    wrong.azp = Some("https://evil.example.com".into());
    Ok(DemoTokens {
        valid: minter.mint(&valid.payload())?,
        org_reader: minter.mint(&reader.payload())?,
        expired: minter.mint(&expired.payload())?,
        wrong_party: minter.mint(&wrong.payload())?,
        iat: now_s,
    })
}

fn print_demo_commands(addr: &SocketAddr, t: &DemoTokens) {
    let base = format!("http://{addr}");
    let _ = writeln!(
        std::io::stdout(),
        r#"
clerk-edge demo on {base}  (DEMO ONLY key pair; tokens below valid for 1 hour)

VALID='{valid}'
READER='{reader}'
EXPIRED='{expired}'
WRONG_PARTY='{wrong}'

# public route: anyone; says whether you are signed in
curl -s {base}/public
curl -s -H "Authorization: Bearer $VALID" {base}/public

# protected route: the caller's auth as JSON (401 without a valid token)
curl -s -H "Authorization: Bearer $VALID" {base}/protected
curl -s --cookie "__session=$VALID; __client_uat={iat}" {base}/protected
curl -si {base}/protected
curl -si -H "Authorization: Bearer $EXPIRED" {base}/protected
curl -si -H "Authorization: Bearer $WRONG_PARTY" {base}/protected

# organization permission org:reports:read: READER has it (200), VALID does not (403)
curl -s -H "Authorization: Bearer $READER" {base}/reports
curl -si -H "Authorization: Bearer $VALID" {base}/reports
"#,
        valid = t.valid,
        reader = t.org_reader,
        expired = t.expired,
        wrong = t.wrong_party,
        iat = t.iat,
    );
}
