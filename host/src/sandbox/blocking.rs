//! Blocking WASI calls that time limits and cancellation can interrupt.
//!
//! Epoch interruption stops running wasm, not a guest blocked inside a host call: a
//! program that sleeps for an hour (`wasi:io/poll` on a clock pollable) or waits on a
//! stream would outlive its time limit and ignore a cancel. This module shadows the
//! functions of `wasi:io/poll` and `wasi:io/streams` that can block with versions that
//! race the operation against the Store's deadlines and the run's cancel flag, checked
//! every epoch tick. The non-blocking functions delegate to wasmtime-wasi unchanged.

use std::future::Future;
use std::time::{Duration, Instant};

use wasmtime::component::{HasData, Linker, Resource, ResourceTable};
use wasmtime_wasi::p2::bindings::sync::io::{poll, streams};
use wasmtime_wasi::p2::{DynInputStream, DynOutputStream, DynPollable, StreamError, StreamResult};
use wasmtime_wasi::runtime::in_tokio;
use wasmtime_wasi_io::bindings::wasi::io::poll::{Host as AsyncPoll, HostPollable as AsyncPollable};
use wasmtime_wasi_io::bindings::wasi::io::streams::{
    HostInputStream as AsyncInputStream, HostOutputStream as AsyncOutputStream,
};

use crate::engine::TICK;
use crate::sandbox::limits::RunSignals;

/// Store data whose blocking I/O is guarded: the WASI resource table, the run's
/// signals, and the deadline of the call under way (tools only).
pub trait Guarded: Send + 'static {
    /// The parts of the store data that guarded I/O needs.
    fn guarded_io(&mut self) -> GuardedIo<'_>;
}

/// The resource table, with what decides when a blocking call must give up.
pub struct GuardedIo<'a> {
    /// The Store's WASI resource table.
    pub table: &'a mut ResourceTable,
    /// The run's cancel flag and deadline.
    pub signals: &'a RunSignals,
    /// The current call's deadline and limit, for tools.
    pub call: Option<(Instant, Duration)>,
}

struct HasGuardedIo;

impl HasData for HasGuardedIo {
    type Data<'a> = GuardedIo<'a>;
}

/// Replaces the blocking `wasi:io` functions already in `linker` (from
/// `wasmtime_wasi::p2::add_to_linker_sync`) with guarded ones.
///
/// # Errors
///
/// When the functions cannot be defined (a wasmtime-wasi version mismatch).
pub fn add_to_linker<T: Guarded>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    poll::add_to_linker::<T, HasGuardedIo>(linker, T::guarded_io)?;
    streams::add_to_linker::<T, HasGuardedIo>(linker, T::guarded_io)?;
    linker.allow_shadowing(false);
    Ok(())
}

impl GuardedIo<'_> {
    /// Runs `operation` to completion unless a deadline passes or the run is cancelled
    /// first; then the Store traps with the reason ([`crate::sandbox::limits::RunHalt`] or
    /// [`crate::sandbox::limits::LimitExceeded`]).
    fn guard<R: Stoppable>(
        table: &mut ResourceTable,
        signals: &RunSignals,
        call: Option<(Instant, Duration)>,
        operation: impl AsyncFnOnce(&mut ResourceTable) -> R,
    ) -> R {
        let watch = async {
            loop {
                if let Err(stop) = signals.check_store(call) {
                    return stop;
                }
                tokio::time::sleep(TICK).await;
            }
        };
        in_tokio(race(operation(table), watch))
    }
}

async fn race<R: Stoppable>(operation: impl Future<Output = R>, watch: impl Future<Output = wasmtime::Error>) -> R {
    tokio::select! {
        biased;
        result = operation => result,
        stop = watch => R::stopped(stop),
    }
}

/// The result of a blocking call, which can also say "stopped by the host": the
/// error traps the Store.
trait Stoppable {
    fn stopped(stop: wasmtime::Error) -> Self;
}

impl<T> Stoppable for wasmtime::Result<T> {
    fn stopped(stop: wasmtime::Error) -> Self {
        Err(stop)
    }
}

impl<T> Stoppable for StreamResult<T> {
    fn stopped(stop: wasmtime::Error) -> Self {
        Err(StreamError::Trap(stop))
    }
}

macro_rules! guarded {
    ($self:ident, |$table:ident| $operation:expr) => {
        GuardedIo::guard($self.table, $self.signals, $self.call, async |$table| $operation)
    };
}

impl poll::Host for GuardedIo<'_> {
    fn poll(&mut self, pollables: Vec<Resource<DynPollable>>) -> wasmtime::Result<Vec<u32>> {
        guarded!(self, |table| AsyncPoll::poll(table, pollables).await)
    }
}

impl poll::HostPollable for GuardedIo<'_> {
    fn ready(&mut self, pollable: Resource<DynPollable>) -> wasmtime::Result<bool> {
        poll::HostPollable::ready(self.table, pollable)
    }

    fn block(&mut self, pollable: Resource<DynPollable>) -> wasmtime::Result<()> {
        guarded!(self, |table| AsyncPollable::block(table, pollable).await)
    }

    fn drop(&mut self, pollable: Resource<DynPollable>) -> wasmtime::Result<()> {
        poll::HostPollable::drop(self.table, pollable)
    }
}

impl streams::Host for GuardedIo<'_> {
    fn convert_stream_error(&mut self, err: StreamError) -> wasmtime::Result<streams::StreamError> {
        streams::Host::convert_stream_error(self.table, err)
    }
}

impl streams::HostInputStream for GuardedIo<'_> {
    fn drop(&mut self, stream: Resource<DynInputStream>) -> wasmtime::Result<()> {
        streams::HostInputStream::drop(self.table, stream)
    }

    fn read(&mut self, stream: Resource<DynInputStream>, len: u64) -> StreamResult<Vec<u8>> {
        streams::HostInputStream::read(self.table, stream, len)
    }

    fn blocking_read(&mut self, stream: Resource<DynInputStream>, len: u64) -> StreamResult<Vec<u8>> {
        guarded!(self, |table| AsyncInputStream::blocking_read(table, stream, len).await)
    }

    fn skip(&mut self, stream: Resource<DynInputStream>, len: u64) -> StreamResult<u64> {
        streams::HostInputStream::skip(self.table, stream, len)
    }

    fn blocking_skip(&mut self, stream: Resource<DynInputStream>, len: u64) -> StreamResult<u64> {
        guarded!(self, |table| AsyncInputStream::blocking_skip(table, stream, len).await)
    }

    fn subscribe(&mut self, stream: Resource<DynInputStream>) -> wasmtime::Result<Resource<DynPollable>> {
        streams::HostInputStream::subscribe(self.table, stream)
    }
}

impl streams::HostOutputStream for GuardedIo<'_> {
    fn drop(&mut self, stream: Resource<DynOutputStream>) -> wasmtime::Result<()> {
        streams::HostOutputStream::drop(self.table, stream)
    }

    fn check_write(&mut self, stream: Resource<DynOutputStream>) -> StreamResult<u64> {
        streams::HostOutputStream::check_write(self.table, stream)
    }

    fn write(&mut self, stream: Resource<DynOutputStream>, bytes: Vec<u8>) -> StreamResult<()> {
        streams::HostOutputStream::write(self.table, stream, bytes)
    }

    fn blocking_write_and_flush(&mut self, stream: Resource<DynOutputStream>, bytes: Vec<u8>) -> StreamResult<()> {
        guarded!(self, |table| AsyncOutputStream::blocking_write_and_flush(table, stream, bytes).await)
    }

    fn blocking_write_zeroes_and_flush(&mut self, stream: Resource<DynOutputStream>, len: u64) -> StreamResult<()> {
        guarded!(self, |table| AsyncOutputStream::blocking_write_zeroes_and_flush(table, stream, len).await)
    }

    fn subscribe(&mut self, stream: Resource<DynOutputStream>) -> wasmtime::Result<Resource<DynPollable>> {
        streams::HostOutputStream::subscribe(self.table, stream)
    }

    fn write_zeroes(&mut self, stream: Resource<DynOutputStream>, len: u64) -> StreamResult<()> {
        streams::HostOutputStream::write_zeroes(self.table, stream, len)
    }

    fn flush(&mut self, stream: Resource<DynOutputStream>) -> StreamResult<()> {
        streams::HostOutputStream::flush(self.table, stream)
    }

    fn blocking_flush(&mut self, stream: Resource<DynOutputStream>) -> StreamResult<()> {
        guarded!(self, |table| AsyncOutputStream::blocking_flush(table, stream).await)
    }

    fn splice(&mut self, dst: Resource<DynOutputStream>, src: Resource<DynInputStream>, len: u64) -> StreamResult<u64> {
        streams::HostOutputStream::splice(self.table, dst, src, len)
    }

    fn blocking_splice(
        &mut self,
        dst: Resource<DynOutputStream>,
        src: Resource<DynInputStream>,
        len: u64,
    ) -> StreamResult<u64> {
        guarded!(self, |table| AsyncOutputStream::blocking_splice(table, dst, src, len).await)
    }
}
