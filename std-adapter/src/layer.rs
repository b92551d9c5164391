//! The tower middleware: Clerk's `clerkMiddleware()` for hyper and axum.
//!
//! The seam is tower-http's `async_require_authorization`: a request goes
//! in, and either the request (with its [`Auth`] in the extensions) goes on
//! to the inner service, or a response (401, or Clerk's handshake redirect)
//! comes back without running it.

use crate::auth::{Auth, AuthStatus};
use crate::clerk::{Clerk, RequestState, Step, now_ms};
use crate::parts::{HttpRequest, header_value};
use bytes::Bytes;
use http::header::{CACHE_CONTROL, LOCATION, SET_COOKIE};
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use http_body_util::{Either, Full};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower_layer::Layer;
use tower_service::Service;

/// The body of a response that went through [`ClerkService`]: the inner
/// service's body, or one of the layer's own (401 JSON, redirect).
pub type ClerkBody<B> = Either<B, Full<Bytes>>;

/// Builds the response for a request that required a session and has none.
pub type FailureHook =
    Arc<dyn Fn(&Auth, &http::request::Parts) -> Response<Full<Bytes>> + Send + Sync>;

/// Whether a request must be signed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Attach the auth and let the handler decide (`clerkMiddleware()`).
    Optional,
    /// Answer 401 before the handler runs when not signed in.
    Required,
}

/// A [`tower_layer::Layer`] that authenticates every request with Clerk.
///
/// ```
/// use clerk_edge_hyper::{Clerk, ClerkLayer, get_auth};
/// use http::{Request, Response};
/// use http_body_util::Full;
/// use bytes::Bytes;
/// use tower::{Service, ServiceBuilder, ServiceExt};
///
/// # tokio_test();
/// # fn tokio_test() { tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let clerk = Clerk::builder()
///     .jwt_key(clerk_edge_hyper::demo::DEMO_PUBLIC_KEY_PEM) // your instance's PEM key
///     .authorized_party("http://localhost:3000")
///     .build()
///     .expect("valid configuration");
///
/// let handler = tower::service_fn(|req: Request<Full<Bytes>>| async move {
///     let who = get_auth(&req).user_id().unwrap_or("nobody").to_owned();
///     Ok::<_, std::convert::Infallible>(Response::new(Full::new(Bytes::from(who))))
/// });
/// let mut svc = ServiceBuilder::new()
///     .layer(ClerkLayer::required(clerk))
///     .service(handler);
///
/// // No token: 401 with Clerk's reason, before the handler runs.
/// let resp = svc.ready().await.unwrap()
///     .call(Request::new(Full::new(Bytes::new()))).await.unwrap();
/// assert_eq!(resp.status(), 401);
/// assert_eq!(resp.headers()["x-clerk-auth-reason"], "session-token-and-uat-missing");
/// # }) }
/// ```
#[derive(Clone)]
pub struct ClerkLayer {
    clerk: Clerk,
    mode: Mode,
    handshake: bool,
    on_failure: Option<FailureHook>,
}

impl fmt::Debug for ClerkLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClerkLayer")
            .field("mode", &self.mode)
            .field("handshake", &self.handshake)
            .field("custom_failure", &self.on_failure.is_some())
            .field("clerk", &self.clerk)
            .finish()
    }
}

impl ClerkLayer {
    /// Optional mode: every request gets its [`Auth`]; handlers decide.
    pub fn optional(clerk: Clerk) -> Self {
        ClerkLayer {
            clerk,
            mode: Mode::Optional,
            handshake: true,
            on_failure: None,
        }
    }

    /// Required mode: requests that are not signed in get a 401 (JSON body,
    /// `x-clerk-auth-*` headers) and never reach the handler.
    pub fn required(clerk: Clerk) -> Self {
        ClerkLayer {
            mode: Mode::Required,
            ..ClerkLayer::optional(clerk)
        }
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Switches the mode.
    pub fn with_mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Whether browser page loads that need a session refresh are redirected
    /// to Clerk's handshake (default: yes, when a publishable key is set).
    pub fn handshake_redirects(mut self, enabled: bool) -> Self {
        self.handshake = enabled;
        self
    }

    /// Custom response for a request that required a session and has none
    /// (replaces the JSON 401). The `x-clerk-auth-*` headers are added to it.
    pub fn on_unauthorized<F>(mut self, hook: F) -> Self
    where
        F: Fn(&Auth, &http::request::Parts) -> Response<Full<Bytes>> + Send + Sync + 'static,
    {
        self.on_failure = Some(Arc::new(hook));
        self
    }

    /// The verifier.
    pub fn clerk(&self) -> &Clerk {
        &self.clerk
    }
}

impl<S> Layer<S> for ClerkLayer {
    type Service = ClerkService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ClerkService {
            inner,
            layer: Arc::new(self.clone()),
        }
    }
}

/// The service made by [`ClerkLayer`].
#[derive(Clone)]
pub struct ClerkService<S> {
    inner: S,
    layer: Arc<ClerkLayer>,
}

impl<S: fmt::Debug> fmt::Debug for ClerkService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClerkService")
            .field("inner", &self.inner)
            .field("layer", &self.layer)
            .finish()
    }
}

/// The [`Auth`] the layer attached to `req`; a signed-out auth with reason
/// `clerk-layer-missing` when the request did not go through [`ClerkLayer`].
///
/// ```
/// use clerk_edge_hyper::{Auth, get_auth};
///
/// let mut req = http::Request::new(());
/// assert_eq!(get_auth(&req).reason(), Some("clerk-layer-missing"));
///
/// req.extensions_mut().insert(Auth::signed_out("token-expired", "JWT is expired."));
/// let auth = get_auth(&req);
/// assert!(!auth.is_signed_in());
/// assert_eq!(auth.reason(), Some("token-expired"));
/// ```
pub fn get_auth<B>(req: &Request<B>) -> &Auth {
    req.extensions()
        .get::<Auth>()
        .unwrap_or_else(|| Auth::missing())
}

/// What the layer decided for one request.
enum Decision {
    /// Answer now, without the inner service.
    Respond(Response<Full<Bytes>>),
    /// Go on with this auth; add these headers to the response (optional
    /// mode, signed out: Clerk's debug headers).
    Pass(Auth, Option<HeaderMap>),
}

impl ClerkLayer {
    fn decide<B>(&self, state: RequestState, req: Request<B>) -> (Decision, Option<Request<B>>) {
        let RequestState {
            status,
            auth,
            mut headers,
        } = state;
        // Clerk's middleware redirects whenever the state carries a
        // `location`: a handshake, or a resolved development handshake.
        let redirect = status == AuthStatus::Handshake || headers.contains_key(LOCATION);
        if redirect && self.handshake {
            let mut resp = Response::new(Full::new(Bytes::new()));
            *resp.status_mut() = StatusCode::TEMPORARY_REDIRECT;
            *resp.headers_mut() = headers;
            return (Decision::Respond(resp), None);
        }
        if self.mode == Mode::Required && !auth.is_signed_in() {
            let resp = match &self.on_failure {
                Some(hook) => {
                    let (parts, _body) = req.into_parts();
                    let mut resp = hook(&auth, &parts);
                    for (k, v) in unauthorized_headers(&auth, headers) {
                        if let Some(k) = k {
                            resp.headers_mut().insert(k, v);
                        }
                    }
                    resp
                }
                None => unauthorized(&auth, headers),
            };
            return (Decision::Respond(resp), None);
        }
        if redirect {
            // Redirects are off: keep the session cookies of a resolved
            // handshake, drop what only a redirect needs.
            headers.remove(LOCATION);
            headers.remove(CACHE_CONTROL);
            if status == AuthStatus::Handshake {
                headers.remove(SET_COOKIE);
            }
        }
        let extra = (!headers.is_empty()).then_some(headers);
        (Decision::Pass(auth, extra), Some(req))
    }
}

/// Clerk's debug headers for a refused request (a pending session is
/// signed in for Clerk's request state but has no reason of its own).
fn unauthorized_headers(auth: &Auth, mut headers: HeaderMap) -> HeaderMap {
    if !headers.contains_key("x-clerk-auth-status") {
        headers.insert(
            "x-clerk-auth-status",
            HeaderValue::from_static("signed-out"),
        );
        if let Some(v) = auth
            .reason()
            .filter(|r| !r.is_empty())
            .and_then(header_value)
        {
            headers.insert("x-clerk-auth-reason", v);
        }
    }
    headers.remove(LOCATION);
    headers.remove(SET_COOKIE);
    headers.remove(CACHE_CONTROL);
    headers
}

/// The default 401: a small JSON body `{"error","reason","message"}` plus
/// Clerk's headers (`headers`: those of the request state, if any).
pub(crate) fn unauthorized(auth: &Auth, headers: HeaderMap) -> Response<Full<Bytes>> {
    let reason = match auth.reason() {
        Some("") | None if auth.session_status() == Some("pending") => "session-pending",
        Some(r) => r,
        None => "",
    };
    let body = serde_json::json!({
        "error": "unauthorized",
        "reason": reason,
        "message": auth.message().unwrap_or(""),
    });
    let mut resp = Response::new(Full::new(Bytes::from(body.to_string())));
    *resp.status_mut() = StatusCode::UNAUTHORIZED;
    *resp.headers_mut() = unauthorized_headers(auth, headers);
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp.headers_mut().insert(
        http::header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer"),
    );
    resp
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

impl<S, ReqB, ResB> Service<Request<ReqB>> for ClerkService<S>
where
    S: Service<Request<ReqB>, Response = Response<ResB>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    ReqB: Send + 'static,
    ResB: Send + 'static,
{
    type Response = Response<ClerkBody<ResB>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResB, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqB>) -> Self::Future {
        let step = match self
            .layer
            .clerk
            .authenticate_step(HttpRequest::of(&req), now_ms(), true)
        {
            Step::Done(state) => Some(state),
            Step::NeedKeys => None,
        };
        match step {
            Some(state) => match self.layer.decide(state, req) {
                (Decision::Respond(resp), _) => ResponseFuture::ready(resp),
                (Decision::Pass(auth, extra), Some(mut req)) => {
                    req.extensions_mut().insert(auth);
                    ResponseFuture::inner(self.inner.call(req), extra)
                }
                (Decision::Pass(..), None) => ResponseFuture::ready(internal_error()),
            },
            None => {
                // The JWKS must be fetched first: finish asynchronously with
                // the inner service that was polled ready.
                let clone = self.inner.clone();
                let mut inner = std::mem::replace(&mut self.inner, clone);
                let layer = Arc::clone(&self.layer);
                ResponseFuture::boxed(Box::pin(async move {
                    layer.clerk.fetch_keys().await;
                    let state = layer
                        .clerk
                        .authenticate_held(HttpRequest::of(&req), now_ms());
                    match layer.decide(state, req) {
                        (Decision::Respond(resp), _) => Ok(resp.map(Either::Right)),
                        (Decision::Pass(auth, extra), Some(mut req)) => {
                            req.extensions_mut().insert(auth);
                            let resp = inner.call(req).await?;
                            Ok(add_headers(resp, extra).map(Either::Left))
                        }
                        (Decision::Pass(..), None) => Ok(internal_error().map(Either::Right)),
                    }
                }))
            }
        }
    }
}

fn internal_error() -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::new()));
    *resp.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    resp
}

/// Adds Clerk's headers (every value: a handshake sets several cookies)
/// under the names the handler did not set itself.
fn add_headers<B>(mut resp: Response<B>, extra: Option<HeaderMap>) -> Response<B> {
    let Some(extra) = extra else {
        return resp;
    };
    let headers = resp.headers_mut();
    let mut current: Option<(http::HeaderName, bool)> = None;
    for (name, value) in extra {
        // Further values of the same name come without it.
        if let Some(name) = name {
            let taken = headers.contains_key(&name);
            current = Some((name, taken));
        }
        if let Some((name, false)) = &current {
            headers.append(name.clone(), value);
        }
    }
    resp
}

pin_project_lite::pin_project! {
    /// The future of [`ClerkService`].
    pub struct ResponseFuture<F, B, E> {
        #[pin]
        kind: Kind<F, B, E>,
    }
}

pin_project_lite::pin_project! {
    #[project = KindProj]
    enum Kind<F, B, E> {
        Inner { #[pin] fut: F, extra: Option<HeaderMap> },
        Ready { resp: Option<Response<Full<Bytes>>> },
        Boxed { fut: BoxFuture<Result<Response<ClerkBody<B>>, E>> },
    }
}

impl<F, B, E> ResponseFuture<F, B, E> {
    fn inner(fut: F, extra: Option<HeaderMap>) -> Self {
        ResponseFuture {
            kind: Kind::Inner { fut, extra },
        }
    }
    fn ready(resp: Response<Full<Bytes>>) -> Self {
        ResponseFuture {
            kind: Kind::Ready { resp: Some(resp) },
        }
    }
    fn boxed(fut: BoxFuture<Result<Response<ClerkBody<B>>, E>>) -> Self {
        ResponseFuture {
            kind: Kind::Boxed { fut },
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F, B, E>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<ClerkBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Inner { fut, extra } => match fut.poll(cx) {
                Poll::Ready(Ok(resp)) => {
                    Poll::Ready(Ok(add_headers(resp, extra.take()).map(Either::Left)))
                }
                Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                Poll::Pending => Poll::Pending,
            },
            KindProj::Ready { resp } => match resp.take() {
                Some(resp) => Poll::Ready(Ok(resp.map(Either::Right))),
                None => Poll::Pending,
            },
            KindProj::Boxed { fut } => fut.as_mut().poll(cx),
        }
    }
}

impl<F, B, E> fmt::Debug for ResponseFuture<F, B, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResponseFuture")
    }
}
