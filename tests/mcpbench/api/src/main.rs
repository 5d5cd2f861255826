//! `mcpbench-api`: serves the offline stand-ins for the study's web APIs on loopback
//! until interrupted. See the crate docs and `capabilities/mcpbench.toml`.

use clap::Parser;
use mcpbench_api::{Api, DEFAULT_BASE_PORT, Services};

/// Offline stand-ins for the web APIs behind the study's MCP servers (WeatherAPI.com,
/// Wikipedia, WikiCFP, arXiv/PubMed/bioRxiv/medRxiv/Google Scholar, FIPE, Reddit),
/// serving a fixed synthetic data set on loopback, one port per service.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Services listen on PORT+1, PORT+2, ... (the ports `capabilities/mcpbench.toml`
    /// grants are those of the default); 0 lets the OS choose each port.
    #[arg(long, default_value_t = DEFAULT_BASE_PORT, value_name = "PORT")]
    base_port: u16,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let services = Services::start((args.base_port != 0).then_some(args.base_port))?;
    for api in Api::ALL {
        println!("{:<16} {}", api.name(), services.origin(api));
    }
    println!("serving until interrupted (Ctrl-C)");
    loop {
        std::thread::park();
    }
}
