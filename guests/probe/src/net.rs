//! The probe's attempts at the network, made through `wasi:sockets` itself rather
//! than `std::net`. std reaches sockets through wasi-libc, whose socket layer brings
//! some fifty `wasi:sockets` imports into any component that touches it, and the host
//! links every import at every instantiation (BENCHMARKS.md, "smaller guests"); these
//! calls import the two dozen they use. What the host decides is the same either
//! way: each attempt reaches the same WASI function, and a denial comes back as
//! `access-denied`.

use wasip2::io::poll::Pollable;
use wasip2::sockets::network::{ErrorCode, IpAddressFamily, IpSocketAddress, Ipv4SocketAddress, Network};
use wasip2::sockets::udp::OutgoingDatagram;
use wasip2::sockets::{instance_network, tcp_create_socket, udp_create_socket};

/// `ip:port` for IPv4 `ip`.
fn v4(ip: (u8, u8, u8, u8), port: u16) -> IpSocketAddress {
    IpSocketAddress::Ipv4(Ipv4SocketAddress { port, address: ip })
}

const LOOPBACK: (u8, u8, u8, u8) = (127, 0, 0, 1);

/// Finishes a started socket operation, waiting on `ready` while it would block.
fn finish<T>(ready: impl Fn() -> Pollable, attempt: impl Fn() -> Result<T, ErrorCode>) -> Result<T, ErrorCode> {
    loop {
        match attempt() {
            Err(ErrorCode::WouldBlock) => ready().block(),
            done => return done,
        }
    }
}

/// A TCP connection to 127.0.0.1:`port`.
pub fn tcp_connect(port: u16) -> Result<&'static str, ErrorCode> {
    let network = instance_network::instance_network();
    let socket = tcp_create_socket::create_tcp_socket(IpAddressFamily::Ipv4)?;
    socket.start_connect(&network, v4(LOOPBACK, port))?;
    finish(|| socket.subscribe(), || socket.finish_connect()).map(|_streams| "connected")
}

/// A TCP listener on a free loopback port.
pub fn tcp_listen() -> Result<&'static str, ErrorCode> {
    let network = instance_network::instance_network();
    let socket = tcp_create_socket::create_tcp_socket(IpAddressFamily::Ipv4)?;
    socket.start_bind(&network, v4(LOOPBACK, 0))?;
    finish(|| socket.subscribe(), || socket.finish_bind())?;
    socket.start_listen()?;
    finish(|| socket.subscribe(), || socket.finish_listen()).map(|()| "listening")
}

/// A UDP socket bound to `ip`, on a free port.
fn udp_bound(network: &Network, ip: (u8, u8, u8, u8)) -> Result<wasip2::sockets::udp::UdpSocket, ErrorCode> {
    let socket = udp_create_socket::create_udp_socket(IpAddressFamily::Ipv4)?;
    socket.start_bind(network, v4(ip, 0))?;
    finish(|| socket.subscribe(), || socket.finish_bind())?;
    Ok(socket)
}

/// A UDP socket bound on a free loopback port.
pub fn udp_bind() -> Result<&'static str, ErrorCode> {
    udp_bound(&instance_network::instance_network(), LOOPBACK).map(|_socket| "bound")
}

/// One datagram, `probe`, sent to 127.0.0.1:`port` from a socket bound to any address.
pub fn udp_send(port: u16) -> Result<u64, ErrorCode> {
    let network = instance_network::instance_network();
    let socket = udp_bound(&network, (0, 0, 0, 0))?;
    let (_incoming, outgoing) = socket.stream(None)?;
    // Room for one datagram: `check-send` says how many may be sent now.
    let room = || outgoing.check_send().and_then(|n| if n == 0 { Err(ErrorCode::WouldBlock) } else { Ok(n) });
    finish(|| outgoing.subscribe(), room)?;
    outgoing.send(&[OutgoingDatagram { data: b"probe".to_vec(), remote_address: Some(v4(LOOPBACK, port)) }])
}
