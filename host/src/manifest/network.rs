//! Network grants: an allowlist of `scheme://host:port` rules.
//!
//! - `http://` and `https://` rules allow HTTP requests through `wasi:http` and nothing
//!   else; the host may be a name, a `*.` wildcard over subdomains, or an IP address;
//!   the port defaults to 80 or 443, and `*` allows any port.
//! - `tcp://` and `udp://` rules allow raw sockets (`wasi:sockets`) to one IP address
//!   (or `localhost`) and a port or `*`. Names are not resolved for sockets: a rule
//!   names the address the tool may reach.
//!
//! No rule, no network: an HTTP grant opens no socket and a socket grant sends no
//! HTTP request.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// One allowlist rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetRule {
    /// What kind of traffic the rule allows.
    pub scheme: NetScheme,
    /// Which hosts.
    pub host: HostPattern,
    /// Which port; `None` for any.
    pub port: Option<u16>,
}

/// The kind of traffic a rule allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetScheme {
    /// Plain HTTP requests.
    Http,
    /// HTTPS requests.
    Https,
    /// TCP connections.
    Tcp,
    /// UDP datagrams.
    Udp,
}

/// Which hosts a rule covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    /// Exactly this name (lowercase).
    Name(String),
    /// Any subdomain of this name (`*.example.com`: `a.example.com`, `a.b.example.com`,
    /// not `example.com`); stored as `.example.com`.
    Subdomains(String),
    /// These IP addresses (`localhost` is 127.0.0.1 and ::1).
    Ips(Vec<IpAddr>),
}

impl NetScheme {
    /// The scheme named `text` (`http`, `https`, `tcp`, `udp`).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "http" => Some(Self::Http),
            "https" => Some(Self::Https),
            "tcp" => Some(Self::Tcp),
            "udp" => Some(Self::Udp),
            _ => None,
        }
    }

    /// The port a rule or URL of this scheme means when it names none.
    pub fn default_port(self) -> Option<u16> {
        match self {
            Self::Http => Some(80),
            Self::Https => Some(443),
            Self::Tcp | Self::Udp => None,
        }
    }

    /// Whether the rule is for `wasi:http` (as opposed to raw sockets).
    pub fn is_http(self) -> bool {
        matches!(self, Self::Http | Self::Https)
    }
}

impl fmt::Display for NetScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Http => "http",
            Self::Https => "https",
            Self::Tcp => "tcp",
            Self::Udp => "udp",
        })
    }
}

impl fmt::Display for NetRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = match &self.host {
            HostPattern::Name(name) => name.clone(),
            HostPattern::Subdomains(suffix) => format!("*{suffix}"),
            HostPattern::Ips(ips) if ips.len() > 1 => "localhost".to_owned(),
            HostPattern::Ips(ips) => match ips.first() {
                Some(IpAddr::V6(ip)) => format!("[{ip}]"),
                Some(ip) => ip.to_string(),
                None => String::new(),
            },
        };
        match self.port {
            Some(port) => write!(f, "{}://{host}:{port}", self.scheme),
            None => write!(f, "{}://{host}:*", self.scheme),
        }
    }
}

impl NetRule {
    /// Parses a rule such as `https://*.example.com`, `http://127.0.0.1:8080` or
    /// `tcp://10.0.0.5:5432`.
    ///
    /// # Errors
    ///
    /// A message saying what is wrong and what a rule looks like.
    pub fn parse(text: &str) -> Result<Self, String> {
        let shape = "rules look like \"https://api.example.com\", \"http://127.0.0.1:8080\", \"https://*.example.com:*\" or \"tcp://127.0.0.1:5432\"";
        let (scheme, rest) = text.split_once("://").ok_or_else(|| format!("`{text}` has no scheme; {shape}"))?;
        let scheme = NetScheme::parse(scheme)
            .ok_or_else(|| format!("`{scheme}` is not a scheme cemcp grants (http, https, tcp, udp); {shape}"))?;
        if rest.contains(['/', '?', '#', '@']) {
            return Err(format!("`{text}` has more than a host and port; {shape}"));
        }
        let (host, port) = split_host_port(rest).ok_or_else(|| format!("`{text}` is not host:port; {shape}"))?;
        let port = match port {
            None => scheme.default_port().map(Some).ok_or_else(|| format!("`{text}` needs a port (or `:*`)"))?,
            Some("*") => None,
            Some(port) => Some(port.parse::<u16>().map_err(|_| format!("`{port}` in `{text}` is not a port"))?),
        };
        let host = parse_host(host, scheme).map_err(|e| format!("`{text}`: {e}"))?;
        Ok(Self { scheme, host, port })
    }

    /// Whether this rule allows an HTTP request to `scheme://host:port`.
    pub fn allows_http(&self, scheme: &str, host: &str, port: u16) -> bool {
        self.scheme.is_http()
            && self.scheme.to_string() == scheme
            && self.port.is_none_or(|p| p == port)
            && self.host_matches(host)
    }

    /// Whether this rule allows a socket of `scheme` to reach `addr`.
    pub fn allows_socket(&self, scheme: NetScheme, addr: SocketAddr) -> bool {
        self.scheme == scheme
            && self.port.is_none_or(|p| p == addr.port())
            && matches!(&self.host, HostPattern::Ips(ips) if ips.contains(&addr.ip()))
    }

    fn host_matches(&self, host: &str) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
        match &self.host {
            HostPattern::Name(name) => *name == host,
            HostPattern::Subdomains(suffix) => host.len() > suffix.len() && host.ends_with(suffix.as_str()),
            HostPattern::Ips(ips) => host.parse::<IpAddr>().is_ok_and(|ip| ips.contains(&ip)),
        }
    }
}

fn split_host_port(rest: &str) -> Option<(&str, Option<&str>)> {
    if let Some(inner) = rest.strip_prefix('[') {
        let (host, after) = inner.split_once(']')?;
        return match after {
            "" => Some((host, None)),
            _ => Some((host, Some(after.strip_prefix(':')?))),
        };
    }
    match rest.split_once(':') {
        Some((host, port)) => Some((host, Some(port))),
        None => Some((rest, None)),
    }
}

fn parse_host(host: &str, scheme: NetScheme) -> Result<HostPattern, String> {
    if host.is_empty() {
        return Err("the host is empty".into());
    }
    if host.eq_ignore_ascii_case("localhost") {
        return Ok(HostPattern::Ips(vec![IpAddr::V4(Ipv4Addr::LOCALHOST), IpAddr::V6(Ipv6Addr::LOCALHOST)]));
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(HostPattern::Ips(vec![ip]));
    }
    if !scheme.is_http() {
        return Err(format!("{scheme} rules take an IP address or `localhost`, not a name"));
    }
    let name = host.to_ascii_lowercase();
    let (wildcard, labels) = match name.strip_prefix("*.") {
        Some(rest) => (true, rest),
        None => (false, name.as_str()),
    };
    let valid_label =
        |l: &str| !l.is_empty() && l.len() <= 63 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !labels.split('.').all(valid_label) {
        return Err(format!("`{host}` is not a host name (a leading `*.` is the only wildcard)"));
    }
    Ok(if wildcard { HostPattern::Subdomains(format!(".{labels}")) } else { HostPattern::Name(name) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(text: &str) -> NetRule {
        NetRule::parse(text).unwrap()
    }

    #[test]
    fn http_rules_match_scheme_host_and_port() {
        let r = rule("https://api.example.com");
        assert!(r.allows_http("https", "api.example.com", 443));
        assert!(r.allows_http("https", "API.Example.com", 443));
        assert!(!r.allows_http("http", "api.example.com", 443), "scheme must match");
        assert!(!r.allows_http("https", "api.example.com", 8443), "port defaults to 443");
        assert!(!r.allows_http("https", "evil.com", 443));
        assert!(!r.allows_http("https", "api.example.com.evil.com", 443));
    }

    #[test]
    fn wildcards_cover_subdomains_only() {
        let r = rule("https://*.example.com:*");
        assert!(r.allows_http("https", "a.example.com", 1234));
        assert!(r.allows_http("https", "a.b.example.com", 443));
        assert!(!r.allows_http("https", "example.com", 443));
        assert!(!r.allows_http("https", "badexample.com", 443));
    }

    #[test]
    fn socket_rules_take_addresses() {
        let r = rule("tcp://127.0.0.1:5432");
        assert!(r.allows_socket(NetScheme::Tcp, "127.0.0.1:5432".parse().unwrap()));
        assert!(!r.allows_socket(NetScheme::Tcp, "127.0.0.1:5433".parse().unwrap()));
        assert!(!r.allows_socket(NetScheme::Udp, "127.0.0.1:5432".parse().unwrap()));
        assert!(!rule("http://127.0.0.1:5432").allows_socket(NetScheme::Tcp, "127.0.0.1:5432".parse().unwrap()));
        let any = rule("udp://[::1]:*");
        assert!(any.allows_socket(NetScheme::Udp, "[::1]:53".parse().unwrap()));
        let local = rule("tcp://localhost:80");
        assert!(local.allows_socket(NetScheme::Tcp, "[::1]:80".parse().unwrap()));
    }

    #[test]
    fn bad_rules_say_why() {
        let err = |text| NetRule::parse(text).unwrap_err();
        assert!(err("example.com").contains("has no scheme"));
        assert!(err("ftp://example.com").contains("`ftp` is not a scheme"));
        assert!(err("https://example.com/path").contains("more than a host and port"));
        assert!(err("tcp://db.internal:5432").contains("take an IP address"));
        assert!(err("tcp://127.0.0.1").contains("needs a port"));
        assert!(err("https://ex*ample.com").contains("not a host name"));
        assert!(err("https://example.com:99999").contains("is not a port"));
    }

    #[test]
    fn rules_display_as_written() {
        assert_eq!(rule("https://*.example.com").to_string(), "https://*.example.com:443");
        assert_eq!(rule("tcp://[::1]:*").to_string(), "tcp://[::1]:*");
    }
}
