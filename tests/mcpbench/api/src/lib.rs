//! Offline stand-ins for the web services behind the study's six web-API MCP servers
//! (WeatherAPI.com, Wikipedia, WikiCFP, the paper sources, FIPE, Reddit).
//!
//! Each service listens on its own loopback port, so that a tool's network grant can
//! name exactly one service. Each serves the endpoints and response shapes of the real
//! service it stands in for, from a fixed synthetic data set compiled into this crate,
//! so runs are reproducible and need no internet. The tool components do not know the
//! difference: their base URL comes from the configuration the manifest grants them.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;

mod call_for_papers;
mod car_prices;
mod dates;
mod http;
mod papers;
mod reddit;
mod weather;
mod wikipedia;
mod words;

pub use http::{Request, Response};

/// The services, one per web-API tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Api {
    /// WeatherAPI.com (`/v1/current.json`, `/v1/forecast.json`, `/v1/search.json`).
    Weather,
    /// English Wikipedia's MediaWiki Action API (`/w/api.php`).
    Wikipedia,
    /// WikiCFP's search page (`/cfp/servlet/tool.search`).
    CallForPapers,
    /// The paper sources: arXiv, PubMed E-utilities, bioRxiv/medRxiv, Google Scholar.
    Papers,
    /// The FIPE vehicle price table (`/fipe/api/v1/...`).
    CarPrices,
    /// Reddit's public JSON API (`/r/<sub>/hot.json`, `/comments/<id>.json`).
    Reddit,
}

impl Api {
    /// Every service, in port order.
    pub const ALL: [Self; 6] =
        [Self::Weather, Self::Wikipedia, Self::CallForPapers, Self::Papers, Self::CarPrices, Self::Reddit];

    /// Its name on the command line and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Weather => "weather",
            Self::Wikipedia => "wikipedia",
            Self::CallForPapers => "call-for-papers",
            Self::Papers => "papers",
            Self::CarPrices => "car-prices",
            Self::Reddit => "reddit",
        }
    }

    /// Its port when the services start from `base` (base + 1, + 2, ...).
    pub fn port(self, base: u16) -> u16 {
        let offset = Self::ALL.iter().position(|a| *a == self).unwrap_or(0);
        base.saturating_add(1).saturating_add(u16::try_from(offset).unwrap_or(0))
    }

    fn handle(self, request: &Request) -> Response {
        match self {
            Self::Weather => weather::handle(request),
            Self::Wikipedia => wikipedia::handle(request),
            Self::CallForPapers => call_for_papers::handle(request),
            Self::Papers => papers::handle(request),
            Self::CarPrices => car_prices::handle(request),
            Self::Reddit => reddit::handle(request),
        }
    }
}

/// The port the shipped manifest (`capabilities/mcpbench.toml`) expects the services
/// to start from.
pub const DEFAULT_BASE_PORT: u16 = 18100;

/// The running services; stopped when dropped.
pub struct Services {
    running: BTreeMap<Api, Running>,
}

struct Running {
    server: Arc<tiny_http::Server>,
    requests: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl Services {
    /// Starts every service on loopback: from `base` + 1 upwards, or on ports the OS
    /// chooses when `base` is `None` (what tests do, so that runs never collide).
    ///
    /// # Errors
    ///
    /// When a port cannot be bound, naming the service and the port.
    pub fn start(base: Option<u16>) -> anyhow::Result<Self> {
        let mut running = BTreeMap::new();
        for api in Api::ALL {
            let port = base.map_or(0, |base| api.port(base));
            let server = tiny_http::Server::http(("127.0.0.1", port)).map_err(|e| {
                anyhow::anyhow!("cannot listen for the {} service on 127.0.0.1:{port}: {e}", api.name())
            })?;
            let server = Arc::new(server);
            let requests = Arc::new(AtomicUsize::new(0));
            let thread = {
                let (server, requests) = (Arc::clone(&server), Arc::clone(&requests));
                std::thread::spawn(move || {
                    for request in server.incoming_requests() {
                        requests.fetch_add(1, Ordering::SeqCst);
                        http::answer(request, |r| api.handle(r));
                    }
                })
            };
            running.insert(api, Running { server, requests, thread: Some(thread) });
        }
        Ok(Self { running })
    }

    /// The port `api` listens on.
    pub fn port(&self, api: Api) -> u16 {
        self.running.get(&api).and_then(|r| r.server.server_addr().to_ip()).map_or(0, |a| a.port())
    }

    /// `http://127.0.0.1:<port>` of `api`.
    pub fn origin(&self, api: Api) -> String {
        format!("http://127.0.0.1:{}", self.port(api))
    }

    /// How many requests reached `api` so far.
    pub fn requests(&self, api: Api) -> usize {
        self.running.get(&api).map_or(0, |r| r.requests.load(Ordering::SeqCst))
    }
}

impl Drop for Services {
    fn drop(&mut self) {
        for running in self.running.values_mut() {
            running.server.unblock();
            if let Some(thread) = running.thread.take() {
                let _ = thread.join();
            }
        }
    }
}
