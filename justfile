# Shortcuts for humans; the README's commands work without `just`.

# List the recipes.
default:
    @just --list

# Run the example program on the shipped manifest (builds the guests first).
example *INPUT:
    cargo run -p cemcp-tests --bin example -- {{INPUT}}

# Run every test.
test:
    cargo test --workspace

# Formatting, lints, docs and dependency checks, as CI runs them.
lint:
    cargo fmt --all -- --check
    cd guests && cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings
    cd guests && CARGO_TARGET_DIR=../target/guests cargo clippy --target wasm32-wasip2 --all-targets -- -D warnings
    RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps
    cargo deny check licenses bans sources
    cargo deny --manifest-path guests/Cargo.toml --config deny.toml check licenses bans sources

# Format host and guest code.
fmt:
    cargo fmt --all
    cd guests && cargo fmt --all

# Runtime benchmarks (release build); figures go in BENCHMARKS.md.
bench:
    cargo bench -p cemcp-tests --bench runtime
    cargo bench -p cemcp-tests --bench mcp

# Build the guest components only (they land in target/guests/).
guests:
    CARGO_TARGET_DIR=target/guests cargo build --release --target wasm32-wasip2 --manifest-path guests/Cargo.toml

# The cemcp CLI, with arguments: `just cemcp tools -m capabilities/example.toml`.
cemcp *ARGS:
    cargo run -q -p cemcp -- {{ARGS}}

# Fuzz one target (manifest, wit_json, mcp, program) with libFuzzer; needs nightly and
# cargo-fuzz, and the guests for mcp and program: `just fuzz wit_json -max_total_time=600`.
# The working corpus grows in target/fuzz-corpus/TARGET; seeds are read from
# tests/fuzz/corpus/TARGET (and the shipped manifests, or the real programs).
# Coverage is instrumented in cemcp's crates and its input parsers only (see
# tests/fuzz/libfuzzer/rustc-wrapper; cargo does not rebuild when the wrapper changes,
# so after changing it remove tests/fuzz/libfuzzer/target).
fuzz TARGET *ARGS:
    mkdir -p target/fuzz-corpus/{{TARGET}}
    if [ "{{TARGET}}" = program ]; then cp target/guests/wasm32-wasip2/release/report.wasm target/guests/wasm32-wasip2/release/probe.wasm target/fuzz-corpus/program/; fi
    RUSTC_WRAPPER="$PWD/tests/fuzz/libfuzzer/rustc-wrapper" cargo +nightly fuzz run --fuzz-dir tests/fuzz/libfuzzer -s none {{TARGET}} target/fuzz-corpus/{{TARGET}} tests/fuzz/corpus/{{TARGET}} {{ if TARGET == "manifest" { "capabilities tests/cases" } else { "" } }} -- -timeout=30 -print_final_stats=1 {{ARGS}}
