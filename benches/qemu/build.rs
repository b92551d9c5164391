//! Takes the benchmark token and key from the core's conformance data and
//! picks the link script for the target.
use std::fmt::Write as _;
use std::path::PathBuf;

const CASE_ID: &str = "vt/valid-v2";
const AUTHORIZED_PARTY: &str = "https://app.example.com";

fn main() {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let cases = "../../core/tests/data/cases.jsonl";
    println!("cargo:rerun-if-changed={cases}");
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=riscv.ld");
    let text = std::fs::read_to_string(cases).expect("read cases.jsonl");
    let case: serde_json::Value = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|c| c["id"] == CASE_ID)
        .expect("benchmark case");
    let mut rs = String::new();
    let s = |k: &str| case[k].as_str().expect(k).to_owned();
    writeln!(rs, "pub const CASE_ID: &str = {CASE_ID:?};").unwrap();
    writeln!(rs, "pub const TOKEN: &str = {:?};", s("token")).unwrap();
    writeln!(rs, "pub const PEM: &str = {:?};", s("jwtKey")).unwrap();
    writeln!(
        rs,
        "pub const NOW_MS: i64 = {};",
        case["nowMs"].as_i64().expect("nowMs")
    )
    .unwrap();
    writeln!(
        rs,
        "pub const AUTHORIZED_PARTY: &str = {AUTHORIZED_PARTY:?};"
    )
    .unwrap();
    std::fs::write(out.join("fixture.rs"), rs).expect("write fixture.rs");

    match std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() {
        Ok("arm") => {
            std::fs::copy("memory.x", out.join("memory.x")).expect("memory.x");
            println!("cargo:rustc-link-search={}", out.display());
            println!("cargo:rustc-link-arg=-Tlink.x");
        }
        Ok("riscv32") => {
            std::fs::copy("riscv.ld", out.join("riscv.ld")).expect("riscv.ld");
            println!("cargo:rustc-link-search={}", out.display());
            println!("cargo:rustc-link-arg=-Triscv.ld");
        }
        _ => {}
    }
}
