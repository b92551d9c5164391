//! jsonwebtoken 11 with its rust_crypto provider (RustCrypto `rsa` 0.9) (a process of its own: the
//! provider is process-wide and can be installed once).
#![allow(missing_docs)]

use clerk_edge_benches::{Clock, bench_jsonwebtoken, criterion};
use criterion::{Criterion, criterion_group, criterion_main};

fn jwt(c: &mut Criterion<Clock>) {
    let installed = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
    assert!(installed.is_ok(), "the provider is installed once");
    bench_jsonwebtoken(c, "jsonwebtoken-rust-crypto");
}

criterion_group! {
    name = benches;
    config = criterion();
    targets = jwt
}
criterion_main!(benches);
