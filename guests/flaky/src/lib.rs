//! `flaky`: a tool that misbehaves on request, so that cemcp's tests can check how the
//! host contains a trapping, looping or memory-hungry tool.

use std::sync::atomic::{AtomicU32, Ordering};

use exports::cemcp::fixtures::flaky::Guest;

wit_bindgen::generate!({ path: "../../wit/fixtures", world: "flaky-tool" });

/// The WIT this tool exports, doc comments included, carried in the component (custom
/// section `cemcp:wit`) so that cemcp can show the docs to agents; the component model
/// binary format has no place for docs of its own.
#[used]
#[unsafe(link_section = "cemcp:wit")]
static WIT: [u8; include_bytes!("../../../wit/fixtures/flaky.wit").len()] =
    *include_bytes!("../../../wit/fixtures/flaky.wit");

static CALLS: AtomicU32 = AtomicU32::new(0);

struct Flaky;

impl Guest for Flaky {
    fn count() -> Result<u32, String> {
        Ok(CALLS.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn echo(text: String) -> Result<String, String> {
        Ok(text)
    }

    #[expect(clippy::panic, reason = "this fixture traps on purpose")]
    fn boom() -> Result<String, String> {
        panic!("flaky: boom traps on purpose")
    }

    fn nap(ms: u32) -> Result<(), String> {
        std::thread::sleep(std::time::Duration::from_millis(u64::from(ms)));
        Ok(())
    }

    fn connect(addr: String) -> Result<(), String> {
        tcp_connect(&addr).map_err(|e| format!("cannot connect to {addr}: {e}"))
    }

    fn shout(lines: u32) -> Result<u32, String> {
        for i in 0..lines {
            println!("flaky stdout line {i}");
            eprintln!("flaky stderr line {i}");
        }
        Ok(lines)
    }

    fn now() -> Result<u64, String> {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .map_err(|e| e.to_string())
    }

    fn random() -> Result<u64, String> {
        Ok(wasip2::random::random::get_random_u64())
    }

    fn spin() -> Result<String, String> {
        let mut n = 0u64;
        loop {
            n = std::hint::black_box(n.wrapping_add(1));
        }
    }

    fn hog(mib: u32) -> Result<u32, String> {
        let mut chunks: Vec<Vec<u8>> = Vec::new();
        for _ in 0..mib {
            chunks.push(vec![1u8; 1 << 20]);
        }
        Ok(u32::try_from(std::hint::black_box(chunks).len()).unwrap_or(u32::MAX))
    }
}

export!(Flaky);

/// A TCP connection to `addr` (`ip:port`), made through `wasi:sockets` itself rather
/// than `std::net`: std reaches sockets through wasi-libc, whose socket layer brings
/// some fifty `wasi:sockets` imports into any component that touches it, and the host
/// links every import at every instantiation (BENCHMARKS.md, "smaller guests"). These
/// calls import the seven they use. The host decides the same either way: a denial
/// comes back from the same WASI function, as `access-denied`.
fn tcp_connect(addr: &str) -> Result<(), String> {
    use wasip2::sockets::network::{IpAddressFamily, IpSocketAddress, Ipv4SocketAddress, Ipv6SocketAddress};
    use wasip2::sockets::{instance_network, tcp::ErrorCode, tcp_create_socket};

    let to: std::net::SocketAddr = addr.parse().map_err(|e| format!("not an ip:port address ({e})"))?;
    let (family, remote) = match to {
        std::net::SocketAddr::V4(v4) => {
            let [a, b, c, d] = v4.ip().octets();
            (IpAddressFamily::Ipv4, IpSocketAddress::Ipv4(Ipv4SocketAddress { port: v4.port(), address: (a, b, c, d) }))
        }
        std::net::SocketAddr::V6(v6) => {
            let [a, b, c, d, e, f, g, h] = v6.ip().segments();
            let address = Ipv6SocketAddress {
                port: v6.port(),
                flow_info: v6.flowinfo(),
                address: (a, b, c, d, e, f, g, h),
                scope_id: v6.scope_id(),
            };
            (IpAddressFamily::Ipv6, IpSocketAddress::Ipv6(address))
        }
    };
    let socket = tcp_create_socket::create_tcp_socket(family).map_err(|e| e.to_string())?;
    socket.start_connect(&instance_network::instance_network(), remote).map_err(|e| e.to_string())?;
    loop {
        match socket.finish_connect() {
            Ok(_streams) => return Ok(()),
            Err(ErrorCode::WouldBlock) => socket.subscribe().block(),
            Err(e) => return Err(e.to_string()),
        }
    }
}
