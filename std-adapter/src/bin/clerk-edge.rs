//! `clerk-edge`: verify and inspect Clerk session tokens, run Clerk-oracle
//! conformance cases, and run the demo server.

use clap::{Args, Parser, Subcommand};
use clerk_edge_hyper::demo::{DEMO_PUBLIC_KEY_PEM, Minter, SessionSpec};
use clerk_edge_hyper::{ClerkBuilder, conformance, now_ms, server};
use std::io::{BufRead, Read, Write};
use std::net::SocketAddr;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "clerk-edge",
    version,
    about = "Verify Clerk session tokens (networkless, Clerk's rules and reasons)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Verify a session token; print the auth object as JSON, or Clerk's
    /// reason and message (exit code 1).
    Verify(VerifyArgs),
    /// Decode a token without verifying it and explain what it says.
    Inspect(InspectArgs),
    /// Run Clerk-oracle cases (JSON lines on stdin) and print results in the
    /// oracle's format (one line per case), for `diff` with expected.jsonl.
    Conformance,
    /// Run the demo server (DEMO key pair unless CLERK_JWT_KEY is set).
    Demo(DemoArgs),
    /// Mint session tokens with the DEMO key (for curl and load tests).
    Mint(MintArgs),
    /// The load-test server: /plain without the layer, /auth behind it.
    LoadTestServer(LoadTestArgs),
}

#[derive(Args, Debug)]
struct VerifyArgs {
    /// The token (read from stdin when absent or `-`).
    token: Option<String>,
    /// File with the PEM public key (default: CLERK_JWT_KEY).
    #[arg(long)]
    jwt_key_file: Option<std::path::PathBuf>,
    /// An origin accepted in `azp` (repeatable; default:
    /// CLERK_AUTHORIZED_PARTIES).
    #[arg(long = "authorized-party")]
    authorized_parties: Vec<String>,
    /// Pin the clock (Unix milliseconds).
    #[arg(long)]
    now_ms: Option<i64>,
    /// Clock skew tolerance in milliseconds (Clerk's default: 5000).
    #[arg(long)]
    clock_skew_ms: Option<i64>,
}

#[derive(Args, Debug)]
struct InspectArgs {
    /// The token (read from stdin when absent or `-`).
    token: Option<String>,
    /// "Now" for relative times (Unix milliseconds).
    #[arg(long)]
    now_ms: Option<i64>,
}

#[derive(Args, Debug)]
struct DemoArgs {
    /// Address to listen on (default 127.0.0.1:$PORT, PORT default 3000).
    #[arg(long)]
    addr: Option<SocketAddr>,
}

#[derive(Args, Debug)]
struct MintArgs {
    /// How many tokens (one per line; each with a different session id).
    #[arg(long, default_value_t = 1)]
    count: usize,
    /// Lifetime in seconds (negative: already expired).
    #[arg(long, default_value_t = 3600)]
    ttl: i64,
    /// `sub`
    #[arg(long, default_value = "user_demo")]
    user: String,
    /// `azp` (omit for none).
    #[arg(long)]
    azp: Option<String>,
    /// Organization permission to grant (repeatable), e.g. org:reports:read.
    #[arg(long = "permission")]
    permissions: Vec<String>,
}

#[derive(Args, Debug)]
struct LoadTestArgs {
    /// Address to listen on (loopback).
    #[arg(long, default_value = "127.0.0.1:8787")]
    addr: SocketAddr,
    /// Disable the verified-token cache (every request verifies RSA).
    #[arg(long)]
    no_cache: bool,
    /// Worker threads (default: the number of cores).
    #[arg(long)]
    threads: Option<usize>,
}

fn init_logs(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Verify(a) => {
            init_logs("warn");
            runtime(None).map_or(ExitCode::from(2), |rt| rt.block_on(verify(a)))
        }
        Command::Inspect(a) => inspect(a),
        Command::Conformance => {
            init_logs("error");
            // Deeply nested cases need a deep stack for the JSON parser.
            std::thread::Builder::new()
                .stack_size(conformance::STACK_BYTES)
                .spawn(conformance_cmd)
                .ok()
                .and_then(|t| t.join().ok())
                .unwrap_or(ExitCode::from(2))
        }
        Command::Demo(a) => {
            init_logs("info");
            runtime(None).map_or(ExitCode::from(2), |rt| {
                match rt.block_on(server::run_demo(a.addr)) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => {
                        eprintln!("error: {e}");
                        ExitCode::from(2)
                    }
                }
            })
        }
        Command::Mint(a) => mint(a),
        Command::LoadTestServer(a) => {
            init_logs("warn");
            runtime(a.threads).map_or(ExitCode::from(2), |rt| rt.block_on(load_test_server(a)))
        }
    }
}

fn runtime(threads: Option<usize>) -> Option<tokio::runtime::Runtime> {
    let mut b = tokio::runtime::Builder::new_multi_thread();
    b.enable_all();
    if let Some(n) = threads {
        b.worker_threads(n.max(1));
    }
    match b.build() {
        Ok(rt) => Some(rt),
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            None
        }
    }
}

fn read_token(arg: Option<String>) -> Result<String, String> {
    match arg.filter(|t| t != "-") {
        Some(t) => Ok(t.trim().to_owned()),
        None => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| format!("cannot read the token from stdin: {e}"))?;
            Ok(s.trim().to_owned())
        }
    }
}

async fn verify(a: VerifyArgs) -> ExitCode {
    let token = match read_token(a.token) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let mut b = ClerkBuilder::from_env().cache_capacity(0);
    if let Some(path) = &a.jwt_key_file {
        match std::fs::read_to_string(path) {
            Ok(pem) => b = b.jwt_key(pem),
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
    }
    if !a.authorized_parties.is_empty() {
        b = b.authorized_parties(a.authorized_parties);
    }
    if let Some(s) = a.clock_skew_ms {
        b = b.clock_skew_ms(s);
    }
    let clerk = match b.build() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let now = a.now_ms.unwrap_or_else(now_ms);
    match clerk.verify_token(&token, now).await {
        Ok(session) => {
            let auth = clerk_edge_hyper::Auth::from_session(session);
            // A closed stdout (`| head`) is not an error worth a panic.
            let _ = writeln!(
                std::io::stdout(),
                "{}",
                serde_json::to_string_pretty(&auth.to_json()).unwrap_or_default()
            );
            if auth.is_signed_in() {
                ExitCode::SUCCESS
            } else {
                eprintln!(
                    "signed out: {}",
                    auth.message()
                        .filter(|m| !m.is_empty())
                        .unwrap_or("the session is pending")
                );
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("{}: {}", e.reason(), e.message());
            if let Some(action) = e.action() {
                eprintln!("hint: {action}");
            }
            ExitCode::from(1)
        }
    }
}

fn conformance_cmd() -> ExitCode {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for line in stdin.lock().lines() {
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: cannot read stdin: {e}");
                return ExitCode::from(2);
            }
        };
        if let Some(result) = conformance::run_line(&line)
            && writeln!(out, "{result}").is_err()
        {
            return ExitCode::from(2);
        }
    }
    if out.flush().is_err() {
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}

fn inspect(a: InspectArgs) -> ExitCode {
    let token = match read_token(a.token) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match clerk_edge_hyper::inspect::explain(&token, a.now_ms.unwrap_or_else(now_ms)) {
        Ok(text) => {
            let _ = write!(std::io::stdout(), "{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("not a decodable JWT: {e}");
            ExitCode::from(1)
        }
    }
}

fn mint(a: MintArgs) -> ExitCode {
    let minter = match Minter::demo() {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let now_s = now_ms() / 1000;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for i in 0..a.count {
        let mut spec = SessionSpec::new(&a.user, now_s, a.ttl);
        spec.session_id = format!("sess_demo_{i}");
        spec.azp = a.azp.clone();
        if !a.permissions.is_empty() {
            spec.org = Some((
                "org_demo".into(),
                "demo-org".into(),
                "member".into(),
                a.permissions.clone(),
            ));
        }
        match minter.mint(&spec.payload()) {
            Ok(t) => {
                if writeln!(out, "{t}").is_err() {
                    return ExitCode::from(2);
                }
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let _ = out.flush();
    ExitCode::SUCCESS
}

async fn load_test_server(a: LoadTestArgs) -> ExitCode {
    if !a.addr.ip().is_loopback() {
        eprintln!("error: the load-test server only listens on loopback addresses");
        return ExitCode::from(2);
    }
    let mut b = ClerkBuilder::default()
        .jwt_key(DEMO_PUBLIC_KEY_PEM)
        .authorized_party(format!("http://localhost:{}", a.addr.port()));
    if a.no_cache {
        b = b.cache_capacity(0);
    }
    let clerk = match b.build() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let listener = match server::bind(a.addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    eprintln!(
        "load-test server on http://{} (DEMO key; cache {})",
        a.addr,
        if a.no_cache { "off" } else { "on" }
    );
    server::serve(
        listener,
        server::bench_app(clerk),
        server::MAX_HEADER_BYTES,
        server::shutdown_signal(),
    )
    .await;
    ExitCode::SUCCESS
}
