//! jsonwebtoken 11 with its aws-lc-rs provider (a process of its own: the
//! provider is process-wide and can be installed once).
#![allow(missing_docs)]

use clerk_edge_benches::{Clock, bench_jsonwebtoken, criterion};
use criterion::{Criterion, criterion_group, criterion_main};

fn jwt(c: &mut Criterion<Clock>) {
    let installed = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
    assert!(installed.is_ok(), "the provider is installed once");
    bench_jsonwebtoken(c, "jsonwebtoken-aws-lc-rs");
}

criterion_group! {
    name = benches;
    config = criterion();
    targets = jwt
}
criterion_main!(benches);
