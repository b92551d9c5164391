//! Shared helpers: a real server on a loopback port, a real HTTP client.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use bytes::Bytes;
use clerk_edge_hyper::demo::{Minter, SessionSpec};
use clerk_edge_hyper::{Clerk, now_ms, server};
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::net::SocketAddr;
use tokio::sync::oneshot;

pub const APP_ORIGIN: &str = "http://localhost:3000";

/// A running server; stops when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    pub task: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

impl TestServer {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Stops accepting and waits for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.unwrap();
        }
    }
}

/// Serves `svc` on 127.0.0.1 with an OS-chosen port.
pub async fn start<S, B>(svc: S, max_header_bytes: usize) -> TestServer
where
    S: tower_service::Service<
            Request<hyper::body::Incoming>,
            Response = Response<B>,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        server::serve(listener, svc, max_header_bytes, async {
            let _ = rx.await;
        })
        .await;
    });
    TestServer {
        addr,
        stop: Some(tx),
        task: Some(task),
    }
}

/// The demo application with the demo key, `APP_ORIGIN` authorized.
pub fn demo_clerk() -> Clerk {
    Clerk::builder()
        .jwt_key(clerk_edge_hyper::demo::DEMO_PUBLIC_KEY_PEM)
        .authorized_party(APP_ORIGIN)
        .build()
        .unwrap()
}

pub fn client() -> Client<HttpConnector, Full<Bytes>> {
    Client::builder(TokioExecutor::new()).build(HttpConnector::new())
}

pub struct Reply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    }
}

pub async fn send(client: &Client<HttpConnector, Full<Bytes>>, req: Request<Full<Bytes>>) -> Reply {
    let resp = client.request(req).await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

pub async fn get(
    client: &Client<HttpConnector, Full<Bytes>>,
    url: &str,
    headers: &[(&str, &[u8])],
) -> Reply {
    let mut b = Request::get(url);
    for (k, v) in headers {
        b = b.header(*k, http::HeaderValue::from_bytes(v).unwrap());
    }
    send(client, b.body(Full::new(Bytes::new())).unwrap()).await
}

pub fn now_s() -> i64 {
    now_ms() / 1000
}

/// A valid v2 token for `user`, azp `APP_ORIGIN`.
pub fn token(minter: &Minter, user: &str, ttl: i64, f: impl FnOnce(&mut SessionSpec)) -> String {
    let mut spec = SessionSpec::new(user, now_s(), ttl);
    spec.azp = Some(APP_ORIGIN.into());
    f(&mut spec);
    minter.mint(&spec.payload()).unwrap()
}

pub fn bearer(t: &str) -> Vec<u8> {
    format!("Bearer {t}").into_bytes()
}
