//! `clerk-edge-demo`: the demo server (same as `clerk-edge demo`).
//!
//! With no configuration it listens on 127.0.0.1:3000 (`PORT`, or the first
//! argument as an address) with the built-in DEMO ONLY key pair and prints
//! `curl` commands with fresh tokens; with `CLERK_JWT_KEY` set it verifies
//! your instance's real tokens.

use std::process::ExitCode;

fn main() -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    let addr = match std::env::args().nth(1).map(|a| a.parse()) {
        None => None,
        Some(Ok(a)) => Some(a),
        Some(Err(_)) => {
            eprintln!("usage: clerk-edge-demo [ADDR]   (e.g. 127.0.0.1:3000; default from PORT)");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match rt.block_on(clerk_edge_hyper::server::run_demo(addr)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
