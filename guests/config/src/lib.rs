//! The `config` tool: the environment variables the admin granted, read-only.

use exports::cemcp::config::config::Guest;

wit_bindgen::generate!({ path: "../../wit/config", world: "config-tool" });

/// The WIT this tool exports, doc comments included, carried in the component (custom
/// section `cemcp:wit`) so that cemcp can show the docs to agents.
#[used]
#[unsafe(link_section = "cemcp:wit")]
static WIT: [u8; include_bytes!("../../../wit/config/config.wit").len()] =
    *include_bytes!("../../../wit/config/config.wit");

struct Config;

impl Guest for Config {
    fn get(name: String) -> Result<Option<String>, String> {
        Ok(std::env::var(&name).ok())
    }

    fn names() -> Result<Vec<String>, String> {
        let mut names: Vec<String> = std::env::vars().map(|(name, _)| name).collect();
        names.sort();
        Ok(names)
    }
}

export!(Config);
