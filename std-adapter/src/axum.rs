//! axum extractors (feature `axum`): [`ClerkAuth`] for any request behind
//! [`crate::ClerkLayer`], [`RequireAuth`] to refuse signed-out requests.
//!
//! ```
//! use clerk_edge_hyper::axum::{ClerkAuth, RequireAuth};
//!
//! async fn public(ClerkAuth(auth): ClerkAuth) -> String {
//!     match auth.user_id() {
//!         Some(id) => format!("hello {id}"),
//!         None => "hello stranger".to_owned(),
//!     }
//! }
//!
//! async fn private(RequireAuth(auth): RequireAuth) -> String {
//!     format!("org: {:?}", auth.org_id())
//! }
//! # let _ = (public, private);
//! ```

use crate::auth::Auth;
use axum_core::extract::FromRequestParts;
use axum_core::response::{IntoResponse, Response};
use http::request::Parts;
use std::convert::Infallible;

/// The request's [`Auth`], signed in or not (reason `clerk-layer-missing`
/// when the layer is not installed).
#[derive(Clone, Debug)]
pub struct ClerkAuth(pub Auth);

impl<S: Send + Sync> FromRequestParts<S> for ClerkAuth {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClerkAuth(
            parts
                .extensions
                .get::<Auth>()
                .cloned()
                .unwrap_or_else(|| Auth::missing().clone()),
        ))
    }
}

/// A signed-in [`Auth`]; other requests get a 401 with Clerk's reason.
#[derive(Clone, Debug)]
pub struct RequireAuth(pub Auth);

/// The 401 of [`RequireAuth`].
#[derive(Clone, Debug)]
pub struct Unauthorized(pub Auth);

impl IntoResponse for Unauthorized {
    /// The layer's required-mode 401: JSON `{"error","reason","message"}`
    /// and Clerk's `x-clerk-auth-*` headers.
    fn into_response(self) -> Response {
        crate::layer::unauthorized(&self.0, http::HeaderMap::new()).map(axum_core::body::Body::new)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequireAuth {
    type Rejection = Unauthorized;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let auth = parts
            .extensions
            .get::<Auth>()
            .cloned()
            .unwrap_or_else(|| Auth::missing().clone());
        if auth.is_signed_in() {
            Ok(RequireAuth(auth))
        } else {
            Err(Unauthorized(auth))
        }
    }
}
