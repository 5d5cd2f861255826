//! The `cemcp` command line.
//!
//! Every command validates the manifest fully (every tool loaded, every grant resolved)
//! before doing anything else, and lists every problem it finds.
//!
//! # Ambient authority
//!
//! The command line is an edge: it reads the files its arguments name (the
//! manifest, a program, an input file) and standard input, as the user running it.
//!
//! Exit status: 0 on success; 1 when a program ran and failed (its error, a trap, a
//! limit, a cancel); 2 when nothing ran because something was wrong before it could
//! (arguments, input JSON, the manifest, a refused program).

use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};

mod check;

use crate::cache::{CacheOutcome, ComponentCache};
use crate::gate::CliApprover;
use crate::manifest::Language;
use crate::manifest::Manifest;
use crate::program::RunOptions;
use crate::program::{RunError, RunStats};
use crate::runtime::Runtime;

/// Run WebAssembly agent programs against tool components, each sandboxed with only
/// the capabilities its manifest grants.
#[derive(Debug, Parser)]
#[command(name = "cemcp", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run an agent program or script and print its JSON output on stdout.
    ///
    /// The program runs under one profile of the manifest: it may call only the
    /// tools that profile grants, and is stopped at the profile's limits. A `.py` or
    /// `.js` file is a script, run in the interpreter the manifest declares for its
    /// language; what it prints goes to stderr, never into the output.
    Run(RunArgs),
    /// List the tool functions a profile grants, with WIT signatures and docs.
    Tools(ToolsArgs),
    /// Validate a manifest and show what each component and profile can touch.
    ///
    /// Loads every tool (checking pins, directories and passed-through variables) and
    /// prints, per tool and per profile, the effective capabilities and limits. Exits
    /// with status 2 and every problem listed if the manifest cannot be used.
    Check(CheckArgs),
    /// Print the JSON Schema of the manifest format (for editors).
    Schema,
    /// Serve the profile's tools to MCP clients over stdio (or HTTP with --http).
    ///
    /// `--expose code` (the default) offers `search_tools` and `run_program`, so a
    /// model writes one program instead of calling tools one by one; `--expose tools`
    /// offers each granted tool function as an MCP tool; `both` offers all of them.
    /// Logs go to stderr (stdout carries the protocol).
    Serve(ServeArgs),
    /// Make a bearer token for `serve --http`: prints the token (give it to the client)
    /// and the `[server]` line for the manifest, which holds only its sha256.
    Token(TokenArgs),
    /// Work with audit logs (a profile's `audit = "FILE"`).
    Audit(AuditArgs),
}

#[derive(Debug, Args)]
struct ServeArgs {
    #[command(flatten)]
    common: Common,
    /// What to offer: `code` (search_tools, run_program), `tools` (one MCP tool per
    /// granted function), or `both`.
    #[arg(long, value_enum, default_value = "code")]
    expose: crate::mcp::Expose,
    /// Serve Streamable HTTP on this address (at /mcp) instead of stdio, e.g.
    /// 127.0.0.1:8765. Addresses other than loopback need `[server] tokens`.
    #[arg(long, value_name = "ADDR")]
    http: Option<std::net::SocketAddr>,
}

#[derive(Debug, Args)]
struct TokenArgs {
    /// The profile requests with the token are served under.
    #[arg(short, long, value_name = "NAME")]
    profile: String,
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// The capability manifest to check.
    manifest: PathBuf,
    #[command(flatten)]
    cache: CacheArgs,
}

#[derive(Debug, Args)]
struct RunArgs {
    /// The program: a WebAssembly component exporting
    /// `run: func(input: string) -> result<string, string>`, or a script
    /// (`.py`, `.js`).
    program: PathBuf,
    /// The script's language, when its file name does not say (`python`,
    /// `javascript`).
    #[arg(long, value_name = "LANGUAGE")]
    language: Option<String>,
    #[command(flatten)]
    common: Common,
    /// The program's input, as JSON text.
    #[arg(short, long, value_name = "JSON", default_value = "{}", conflicts_with = "input_file")]
    input: String,
    /// Read the input JSON from a file instead (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    input_file: Option<PathBuf>,
    /// Print run statistics (time, tool calls, instances) on stderr.
    #[arg(long)]
    stats: bool,
    /// Write every tool call the run makes (tool, function, JSON arguments, whether it
    /// succeeded, result size, time) to FILE, one JSON object per line. The file is
    /// written when the run succeeds.
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
    /// Approve calls to TOOL.FUNCTION (`*` matches any text; repeat for more) that
    /// need approval: functions the manifest marks state-changing, or calls a judge
    /// gate asks about. Every other such call is refused, and the run stops there.
    #[arg(long, value_name = "TOOL.FUNCTION")]
    approve: Vec<String>,
}

#[derive(Debug, Args)]
struct AuditArgs {
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check an audit log's hash chain: every record's own hash and its link to the
    /// record before. Prints the record count and the chain's head hash (keep it
    /// elsewhere: it shows later whether records were cut from the end); exits with
    /// status 1 naming the first broken record.
    Verify {
        /// The audit log (JSON Lines), as a profile's `audit` names it.
        file: PathBuf,
    },
}

#[derive(Debug, Args)]
struct ToolsArgs {
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
struct Common {
    /// The capability manifest (TOML; see capabilities/README.md).
    #[arg(short, long, value_name = "FILE", env = "CEMCP_MANIFEST")]
    manifest: PathBuf,
    /// The profile to use; defaults to the manifest's `default-profile`.
    #[arg(short, long, value_name = "NAME")]
    profile: Option<String>,
    #[command(flatten)]
    cache: CacheArgs,
}

#[derive(Debug, Args)]
struct CacheArgs {
    /// Where compiled components are cached [default: $CEMCP_CACHE_DIR, else
    /// $XDG_CACHE_HOME/cemcp, else ~/.cache/cemcp].
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    cache_dir: Option<PathBuf>,
    /// Compile every component afresh; read and write no cache.
    #[arg(long)]
    no_cache: bool,
    /// The most the cache directory may hold; the least recently used compiled
    /// components are removed past it ("512 MiB", "2 GiB").
    #[arg(long, value_name = "SIZE", env = "CEMCP_CACHE_MAX", default_value = "1 GiB")]
    cache_max: bytesize::ByteSize,
}

impl CacheArgs {
    fn cache(&self) -> ComponentCache {
        let cache = match (&self.cache_dir, self.no_cache) {
            (_, true) => ComponentCache::disabled(),
            (Some(dir), false) => ComponentCache::in_dir(dir),
            (None, false) => {
                ComponentCache::default_dir().map_or_else(ComponentCache::disabled, ComponentCache::in_dir)
            }
        };
        cache.with_max_bytes(self.cache_max.as_u64())
    }

    /// Loads and fully validates the manifest at `path`.
    fn runtime(&self, path: &std::path::Path) -> Result<Runtime, Failure> {
        let manifest = Manifest::load(path).map_err(Failure::before)?;
        Runtime::new(manifest, self.cache()).map_err(Failure::before)
    }
}

impl Common {
    /// Loads the manifest and checks that the chosen profile exists.
    fn runtime(&self) -> Result<Runtime, Failure> {
        let runtime = self.cache.runtime(&self.manifest)?;
        runtime.profile(self.profile.as_deref()).map_err(Failure::before)?;
        Ok(runtime)
    }
}

/// An error and the exit status it deserves.
struct Failure {
    error: anyhow::Error,
    code: u8,
}

impl Failure {
    /// Nothing ran: the request itself was wrong.
    fn before(error: impl Into<anyhow::Error>) -> Self {
        Self { error: error.into(), code: 2 }
    }

    /// The program ran and failed.
    fn during(error: impl Into<anyhow::Error>) -> Self {
        Self { error: error.into(), code: 1 }
    }
}

/// Runs the command line `args` (the first is the program name) and returns the exit
/// status. Output goes to stdout, messages to stderr.
pub fn main(args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let outcome = match cli.command {
        Command::Run(args) => run(&args),
        Command::Tools(args) => tools(&args),
        Command::Check(args) => args.cache.runtime(&args.manifest).and_then(|runtime| {
            runtime.check_interpreters().map_err(Failure::before)?;
            print!("{}", check::report(&runtime));
            Ok(())
        }),
        Command::Serve(args) => serve(&args),
        Command::Audit(args) => audit(&args),
        Command::Token(args) => crate::mcp::new_token(&args.profile).map_err(Failure::before).map(|(token, line)| {
            println!("token (give this to the client, keep it secret):\n  {token}\n");
            println!("manifest (under [server]; holds only the token's hash):\n  {line}");
        }),
        Command::Schema => {
            print!("{}", crate::manifest::json_schema());
            Ok(())
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            // Messages can carry a guest's words: never let them drive the terminal.
            eprintln!("error: {}", crate::failure::escape_controls(&format!("{:#}", failure.error)));
            ExitCode::from(failure.code)
        }
    }
}

fn run(args: &RunArgs) -> Result<(), Failure> {
    let input = match &args.input_file {
        Some(path) => read_input(path).map_err(Failure::before)?,
        None => args.input.clone(),
    };
    // A byte order mark is not JSON; editors write one, and `cemcp serve` drops it too.
    let input = match input.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => input,
    };
    // Parsed as `cemcp serve` parses a request, so that both refuse the same inputs
    // (nesting deeper than 128, numbers out of range, lone surrogates); the program
    // gets the text as given.
    serde_json::from_str::<serde_json::Value>(&input)
        .map_err(|e| Failure::before(anyhow::anyhow!("the input is not valid JSON: {e}")))?;
    let bytes = std::fs::read(&args.program)
        .map_err(|e| Failure::before(anyhow::anyhow!("cannot read program `{}`: {e}", args.program.display())))?;
    let language = match &args.language {
        Some(name) => Some(Language::from_name(name).ok_or_else(|| {
            Failure::before(anyhow::anyhow!("unknown language `{name}` (languages: python, javascript)"))
        })?),
        None => Language::of_file(&args.program),
    };
    let approver = CliApprover::new(&args.approve).map_err(|e| Failure::before(anyhow::anyhow!(e)))?;
    let runtime = args.common.runtime()?;
    let profile = runtime.profile(args.common.profile.as_deref()).map_err(Failure::before)?;
    let options = RunOptions { trace: args.trace.is_some(), approver: Arc::new(approver), ..RunOptions::default() };
    let (program, outcome) = match language {
        None => {
            let program = runtime.load_program_for(&bytes, profile).map_err(Failure::before)?;
            (program.cache, runtime.run_with(&program, &input, &options))
        }
        Some(language) => {
            let source = String::from_utf8(bytes).map_err(|e| {
                Failure::before(anyhow::anyhow!("script `{}` is not UTF-8 text: {e}", args.program.display()))
            })?;
            let interpreter = runtime.interpreter_for(language, profile).map_err(Failure::before)?;
            (interpreter.cache, runtime.run_script_with(&interpreter, &source, &input, &options))
        }
    };
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(RunError::Script { message, printed }) => {
            eprint!("{}", crate::failure::escape_controls(&printed));
            return Err(Failure::during(anyhow::anyhow!("the script failed: {message}")));
        }
        // A gate that refused the run before it started, or a full host: nothing ran.
        Err(refused @ (RunError::Refused(_) | RunError::Busy(_))) => return Err(Failure::before(refused)),
        Err(failed) => return Err(Failure::during(failed)),
    };
    if let Some(path) = &args.trace {
        write_trace(path, &outcome.trace).map_err(Failure::during)?;
    }
    // What a script printed goes to stderr, so that stdout holds only the output.
    eprint!("{}", crate::failure::escape_controls(&outcome.printed));
    println!("{}", outcome.output);
    if args.stats {
        eprint!("{}", format_stats(&outcome.stats, program));
    }
    Ok(())
}

/// Writes `trace` to `path` as JSON Lines.
fn write_trace(path: &Path, trace: &[crate::TracedCall]) -> anyhow::Result<()> {
    let mut text = String::new();
    for call in trace {
        text.push_str(&serde_json::to_string(call)?);
        text.push('\n');
    }
    std::fs::write(path, text).map_err(|e| anyhow::anyhow!("cannot write the trace to `{}`: {e}", path.display()))
}

fn audit(args: &AuditArgs) -> Result<(), Failure> {
    match &args.command {
        AuditCommand::Verify { file } => match crate::audit::verify(file) {
            Ok(verified) => {
                println!("{}: {} records, chain intact; head {}", file.display(), verified.records, verified.head);
                Ok(())
            }
            Err(broken) => Err(Failure::during(anyhow::anyhow!("{}: {broken}", file.display()))),
        },
    }
}

fn serve(args: &ServeArgs) -> Result<(), Failure> {
    let profile = args.common.profile.as_deref();
    let manifest = Manifest::load(&args.common.manifest).map_err(Failure::before)?;
    let cache = args.common.cache.cache();
    // Over stdio, the list kept by the last start of the same manifest and
    // components is answered while the tools load (`mcp::WarmList`).
    let warm = match args.http {
        None if cache.check().is_ok() => crate::mcp::WarmList::of(&manifest, &cache, profile, args.expose)
            .and_then(|warm| warm.read(&cache).map(|kept| (warm, kept))),
        _ => None,
    };
    if let Some((warm, kept)) = warm {
        let start =
            crate::mcp::WarmStart::begin(kept, warm, manifest, cache, profile, args.expose).map_err(Failure::before)?;
        let tokio = async_runtime()?;
        let served = tokio.block_on(start.serve());
        // A blocking read of stdin (when it is not a pipe) must not keep the process
        // from exiting.
        tokio.shutdown_timeout(std::time::Duration::from_millis(100));
        return served.map_err(|failure| match failure {
            crate::mcp::WarmFailure::Load(e) => Failure::before(e),
            crate::mcp::WarmFailure::Serve(e) => Failure::during(e),
        });
    }
    let runtime = std::sync::Arc::new(Runtime::new(manifest, cache).map_err(Failure::before)?);
    runtime.profile(profile).map_err(Failure::before)?;
    let tokio = async_runtime()?;
    tokio
        .block_on(async {
            match args.http {
                Some(addr) => crate::mcp::serve_http(runtime, profile, args.expose, addr).await,
                None => crate::mcp::serve_stdio(runtime, profile, args.expose).await,
            }
        })
        .map_err(Failure::during)
}

fn async_runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::before(anyhow::anyhow!("cannot start the async runtime: {e}")))
}

fn read_input(path: &std::path::Path) -> anyhow::Result<String> {
    let mut text = String::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| anyhow::anyhow!("cannot read the input from stdin: {e}"))?;
    } else {
        text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read `{}`: {e}", path.display()))?;
    }
    Ok(text)
}

/// Statistics as a short table for humans.
pub fn format_stats(stats: &RunStats, program_cache: CacheOutcome) -> String {
    let mut out = String::from("run statistics\n");
    let _ = writeln!(out, "  wall time        {:.3} ms", stats.wall_time.as_secs_f64() * 1000.0);
    let instances: u64 = stats.instances.values().sum();
    let per: Vec<String> = stats.instances.iter().map(|(name, n)| format!("{name} {n}")).collect();
    let _ = writeln!(out, "  instances        {instances} ({})", per.join(", "));
    let _ = writeln!(out, "  tool calls       {}", stats.total_calls());
    for (function, calls) in &stats.tool_calls {
        let _ = writeln!(out, "    {function:<22} {calls}");
    }
    if stats.tool_failures > 0 {
        let _ = writeln!(out, "  tool failures    {}", stats.tool_failures);
    }
    let cache = match program_cache {
        CacheOutcome::Hit => "from cache",
        CacheOutcome::Miss => "compiled, cached",
        CacheOutcome::Uncached => "compiled, not cached",
    };
    let _ = writeln!(out, "  program code     {cache}");
    out
}

fn tools(args: &ToolsArgs) -> Result<(), Failure> {
    let runtime = args.common.runtime()?;
    let profile = runtime.profile(args.common.profile.as_deref()).map_err(Failure::before)?;
    let mut out = format!("profile `{}` grants {} tool(s)\n", profile.name, profile.tools().len());
    let mut interface = None;
    for function in profile.functions() {
        if interface != Some((&function.tool.name, function.interface_index)) {
            if interface.is_none_or(|(tool, _)| tool != &function.tool.name) {
                let _ = writeln!(out, "\ntool `{}`  {}", function.tool.name, function.tool.digest);
            }
            interface = Some((&function.tool.name, function.interface_index));
            let _ = writeln!(out, "  interface {}", function.interface.name);
            for line in function.interface_docs.lines() {
                let _ = writeln!(out, "    {line}");
            }
        }
        let _ = writeln!(out, "\n    {}", function.docs.signature);
        for line in function.docs.docs.lines() {
            let _ = writeln!(out, "        {line}");
        }
    }
    print!("{out}");
    Ok(())
}
