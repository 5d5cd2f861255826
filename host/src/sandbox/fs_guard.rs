//! The filesystem a tool sees, with two guards wasmtime-wasi does not have.
//!
//! - **Only regular files and directories can be opened.** Opening a FIFO blocks the
//!   calling thread inside the host until a writer appears, where no epoch deadline
//!   and no cancel can reach it; reading a character device may never end. `open-at`
//!   looks at what the path names first and refuses anything else (the guest sees
//!   `unsupported`, the log names the tool and the path). WASI gives guests no way
//!   to create such files, so only something outside the sandbox could swap one in
//!   between the look and the open.
//! - **Storage quotas.** A tool's `storage-quota` bounds the bytes in its
//!   read-write directories. Every write that would grow a file (`write`,
//!   `set-size`, and the streams of `write-via-stream` and `append-via-stream`) is
//!   counted first. Past the quota the write fails (`insufficient-space`, or a
//!   failed stream write, which libc reports as a bare EIO), so that the tool can
//!   clean up as it would on a full disk (the `kv` tool removes its temporary file),
//!   and the call is marked: when it returns, whatever it returns, it ends with
//!   [`crate::sandbox::limits::LimitExceeded::Storage`], like any other limit
//!   ("tool `kv` exceeded its 64.0 KiB storage quota in `put`"), and the log says so. (Stopping the call at
//!   the refused write, as cemcp first did, left the tool's half-written temporary
//!   file holding the quota for every later run: found by issue 13's fault test.)
//!
//! Every other function delegates to wasmtime-wasi unchanged.

use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use wasmtime::component::{HasData, Linker, Resource};
use wasmtime_wasi::filesystem::{Descriptor, WasiFilesystemCtxView};
use wasmtime_wasi::p2::bindings::filesystem::types::ErrorCode;
use wasmtime_wasi::p2::bindings::sync::filesystem::types as fs;
use wasmtime_wasi::p2::bindings::sync::io::streams;
use wasmtime_wasi::p2::{DynOutputStream, FsResult, OutputStream, Pollable, StreamError, StreamResult};

/// Store data whose filesystem is guarded.
pub trait FsGuarded: Send + 'static {
    /// The filesystem view, with the tool's name and storage quota.
    fn guarded_fs(&mut self) -> GuardedFs<'_>;
}

/// wasmtime-wasi's filesystem view, with what the guards need.
pub struct GuardedFs<'a> {
    /// The Store's filesystem context and resource table.
    pub fs: WasiFilesystemCtxView<'a>,
    /// The tool, for log messages.
    pub tool: &'a str,
    /// The tool's storage quota, if it has one.
    pub quota: Option<&'a Arc<StorageQuota>>,
    /// Set when a write is refused for the quota (see [`QuotaHit`]).
    pub hit: &'a QuotaHit,
}

/// Whether a write of the call under way was refused for the storage quota: shared
/// by a tool instance's filesystem and the output streams it opens, and taken by the
/// instance after each call.
#[derive(Debug, Clone, Default)]
pub struct QuotaHit(Arc<std::sync::atomic::AtomicBool>);

impl QuotaHit {
    fn set(&self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether a write was refused since the last call; clears the mark.
    pub fn take(&self) -> bool {
        self.0.swap(false, std::sync::atomic::Ordering::Relaxed)
    }
}

struct HasGuardedFs;

impl HasData for HasGuardedFs {
    type Data<'a> = GuardedFs<'a>;
}

/// Replaces `wasi:filesystem/types` in `linker` (from
/// `wasmtime_wasi::p2::add_to_linker_sync`) with the guarded one.
///
/// # Errors
///
/// When the functions cannot be defined (a wasmtime-wasi version mismatch).
pub fn add_to_linker<T: FsGuarded>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    fs::add_to_linker::<T, HasGuardedFs>(linker, T::guarded_fs)?;
    linker.allow_shadowing(false);
    Ok(())
}

/// The most bytes a tool's read-write directories may hold, and what they hold.
///
/// Shared by every instance of the tool, in every run. The count of bytes in use is
/// exact after the directories are measured and an upper bound between
/// measurements (deletions and overwrites are not tracked as they happen); a write
/// that would pass the quota on that bound measures again before it is refused.
#[derive(Debug)]
pub struct StorageQuota {
    limit: u64,
    dirs: Vec<std::path::PathBuf>,
    /// Bytes in use, as last measured plus growth since; none until first needed.
    used: Mutex<Option<u64>>,
}

impl StorageQuota {
    /// A quota of `limit` bytes over `dirs` (canonical host paths).
    pub fn new(limit: u64, dirs: Vec<std::path::PathBuf>) -> Self {
        Self { limit, dirs, used: Mutex::new(None) }
    }

    /// The quota, in bytes.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Counts `growth` more bytes, or refuses them if the directories would hold
    /// more than the quota.
    fn reserve(&self, growth: u64) -> Result<(), u64> {
        if growth == 0 {
            return Ok(());
        }
        let mut used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        let current = match *used {
            Some(bytes) if bytes.saturating_add(growth) <= self.limit => bytes,
            // Unknown, or over on the upper bound: measure.
            _ => crate::sandbox::grants::disk_usage(&self.dirs),
        };
        if current.saturating_add(growth) > self.limit {
            *used = Some(current);
            return Err(current);
        }
        *used = Some(current + growth);
        Ok(())
    }
}

impl GuardedFs<'_> {
    /// Counts a write that makes a file `new_size` bytes long, now `size`.
    fn grow(&self, size: u64, new_size: u64) -> FsResult<()> {
        let Some(quota) = self.quota else { return Ok(()) };
        quota.reserve(new_size.saturating_sub(size)).map_err(|used| {
            over_quota(self.tool, quota, used, self.hit);
            ErrorCode::InsufficientSpace.into()
        })
    }

    /// The size of the open file `fd`.
    fn file_size(&mut self, fd: &Resource<Descriptor>) -> FsResult<u64> {
        match self.fs.table.get(fd)? {
            Descriptor::File(file) => Ok(file.file.metadata()?.len()),
            Descriptor::Dir(_) => Err(ErrorCode::BadDescriptor.into()),
        }
    }

    /// Wraps a file's output stream so that its writes count against the quota.
    fn counted(
        &mut self,
        fd: &Resource<Descriptor>,
        stream: Resource<DynOutputStream>,
        offset: Option<u64>,
    ) -> FsResult<Resource<DynOutputStream>> {
        let Some(quota) = self.quota else { return Ok(stream) };
        let Descriptor::File(file) = self.fs.table.get(fd)? else { return Ok(stream) };
        let file = Arc::clone(&file.file);
        let inner = self.fs.table.delete(stream)?;
        let (quota, tool, hit) = (Arc::clone(quota), self.tool.into(), self.hit.clone());
        let counted = QuotaStream { inner, file, next: offset, end: 0, quota, tool, hit };
        Ok(self.fs.table.push(Box::new(counted) as DynOutputStream)?)
    }
}

/// Marks the call whose write would pass the quota (and logs it); the write itself
/// fails with an error code.
fn over_quota(tool: &str, quota: &StorageQuota, used: u64, hit: &QuotaHit) {
    let show = |bytes| bytesize::ByteSize(bytes).display().iec().to_string();
    tracing::warn!(
        tool,
        "write refused: the tool's storage quota of {} is full ({} in use)",
        show(quota.limit),
        show(used)
    );
    hit.set();
}

/// A borrow of `fd` to pass on while keeping `fd` itself.
fn again<T: 'static>(fd: &Resource<T>) -> Resource<T> {
    Resource::new_borrow(fd.rep())
}

/// The file types a guest may open.
fn may_open(kind: fs::DescriptorType) -> bool {
    matches!(kind, fs::DescriptorType::RegularFile | fs::DescriptorType::Directory | fs::DescriptorType::SymbolicLink)
}

/// A file's output stream whose writes are counted against the storage quota.
struct QuotaStream {
    inner: DynOutputStream,
    file: Arc<std::fs::File>,
    /// Where the next write lands; none for an append stream.
    next: Option<u64>,
    /// The file's size as this stream has made it (writes may still be in flight).
    end: u64,
    quota: Arc<StorageQuota>,
    tool: Arc<str>,
    hit: QuotaHit,
}

#[wasmtime_wasi::async_trait]
impl Pollable for QuotaStream {
    async fn ready(&mut self) {
        self.inner.ready().await;
    }
}

#[wasmtime_wasi::async_trait]
impl OutputStream for QuotaStream {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        let size = self.file.metadata().map(|m| m.len()).unwrap_or(0).max(self.end);
        let start = self.next.unwrap_or(size);
        let end = start.saturating_add(bytes.len() as u64);
        if let Err(used) = self.quota.reserve(end.saturating_sub(size)) {
            over_quota(&self.tool, &self.quota, used, &self.hit);
            return Err(StreamError::LastOperationFailed(wasmtime::format_err!("the storage quota is full")));
        }
        self.inner.write(bytes)?;
        self.end = self.end.max(end);
        if let Some(next) = &mut self.next {
            *next = end;
        }
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        self.inner.flush()
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        self.inner.check_write()
    }

    async fn cancel(&mut self) {
        self.inner.cancel().await;
    }
}

impl fs::Host for GuardedFs<'_> {
    fn convert_error_code(&mut self, err: wasmtime_wasi::p2::FsError) -> wasmtime::Result<fs::ErrorCode> {
        fs::Host::convert_error_code(&mut self.fs, err)
    }

    fn filesystem_error_code(&mut self, err: Resource<streams::Error>) -> wasmtime::Result<Option<fs::ErrorCode>> {
        fs::Host::filesystem_error_code(&mut self.fs, err)
    }
}

impl fs::HostDescriptor for GuardedFs<'_> {
    fn open_at(
        &mut self,
        fd: Resource<Descriptor>,
        path_flags: fs::PathFlags,
        path: String,
        oflags: fs::OpenFlags,
        flags: fs::DescriptorFlags,
    ) -> FsResult<Resource<Descriptor>> {
        // A path that does not exist yet is left to `open-at` (it may create it).
        if let Ok(stat) = fs::HostDescriptor::stat_at(&mut self.fs, again(&fd), path_flags, path.clone())
            && !may_open(stat.type_)
        {
            tracing::warn!(tool = self.tool, path, kind = ?stat.type_, "open refused: only regular files and directories can be opened");
            return Err(ErrorCode::Unsupported.into());
        }
        fs::HostDescriptor::open_at(&mut self.fs, fd, path_flags, path, oflags, flags)
    }

    fn write(&mut self, fd: Resource<Descriptor>, buf: Vec<u8>, offset: fs::Filesize) -> FsResult<fs::Filesize> {
        if self.quota.is_some() {
            let size = self.file_size(&fd)?;
            self.grow(size, offset.saturating_add(buf.len() as u64))?;
        }
        fs::HostDescriptor::write(&mut self.fs, fd, buf, offset)
    }

    fn set_size(&mut self, fd: Resource<Descriptor>, size: fs::Filesize) -> FsResult<()> {
        if self.quota.is_some() {
            let current = self.file_size(&fd)?;
            self.grow(current, size)?;
        }
        fs::HostDescriptor::set_size(&mut self.fs, fd, size)
    }

    fn write_via_stream(
        &mut self,
        fd: Resource<Descriptor>,
        offset: fs::Filesize,
    ) -> FsResult<Resource<DynOutputStream>> {
        let stream = fs::HostDescriptor::write_via_stream(&mut self.fs, again(&fd), offset)?;
        self.counted(&fd, stream, Some(offset))
    }

    fn append_via_stream(&mut self, fd: Resource<Descriptor>) -> FsResult<Resource<DynOutputStream>> {
        let stream = fs::HostDescriptor::append_via_stream(&mut self.fs, again(&fd))?;
        self.counted(&fd, stream, None)
    }

    fn advise(
        &mut self,
        fd: Resource<Descriptor>,
        offset: fs::Filesize,
        len: fs::Filesize,
        advice: fs::Advice,
    ) -> FsResult<()> {
        fs::HostDescriptor::advise(&mut self.fs, fd, offset, len, advice)
    }

    fn sync_data(&mut self, fd: Resource<Descriptor>) -> FsResult<()> {
        fs::HostDescriptor::sync_data(&mut self.fs, fd)
    }

    fn get_flags(&mut self, fd: Resource<Descriptor>) -> FsResult<fs::DescriptorFlags> {
        fs::HostDescriptor::get_flags(&mut self.fs, fd)
    }

    fn get_type(&mut self, fd: Resource<Descriptor>) -> FsResult<fs::DescriptorType> {
        fs::HostDescriptor::get_type(&mut self.fs, fd)
    }

    fn set_times(&mut self, fd: Resource<Descriptor>, atim: fs::NewTimestamp, mtim: fs::NewTimestamp) -> FsResult<()> {
        fs::HostDescriptor::set_times(&mut self.fs, fd, atim, mtim)
    }

    fn read(&mut self, fd: Resource<Descriptor>, len: fs::Filesize, offset: fs::Filesize) -> FsResult<(Vec<u8>, bool)> {
        fs::HostDescriptor::read(&mut self.fs, fd, len, offset)
    }

    fn read_directory(&mut self, fd: Resource<Descriptor>) -> FsResult<Resource<fs::DirectoryEntryStream>> {
        fs::HostDescriptor::read_directory(&mut self.fs, fd)
    }

    fn sync(&mut self, fd: Resource<Descriptor>) -> FsResult<()> {
        fs::HostDescriptor::sync(&mut self.fs, fd)
    }

    fn create_directory_at(&mut self, fd: Resource<Descriptor>, path: String) -> FsResult<()> {
        fs::HostDescriptor::create_directory_at(&mut self.fs, fd, path)
    }

    fn stat(&mut self, fd: Resource<Descriptor>) -> FsResult<fs::DescriptorStat> {
        fs::HostDescriptor::stat(&mut self.fs, fd)
    }

    fn stat_at(
        &mut self,
        fd: Resource<Descriptor>,
        path_flags: fs::PathFlags,
        path: String,
    ) -> FsResult<fs::DescriptorStat> {
        fs::HostDescriptor::stat_at(&mut self.fs, fd, path_flags, path)
    }

    fn set_times_at(
        &mut self,
        fd: Resource<Descriptor>,
        path_flags: fs::PathFlags,
        path: String,
        atim: fs::NewTimestamp,
        mtim: fs::NewTimestamp,
    ) -> FsResult<()> {
        fs::HostDescriptor::set_times_at(&mut self.fs, fd, path_flags, path, atim, mtim)
    }

    fn link_at(
        &mut self,
        fd: Resource<Descriptor>,
        old_path_flags: fs::PathFlags,
        old_path: String,
        new_descriptor: Resource<Descriptor>,
        new_path: String,
    ) -> FsResult<()> {
        fs::HostDescriptor::link_at(&mut self.fs, fd, old_path_flags, old_path, new_descriptor, new_path)
    }

    fn drop(&mut self, fd: Resource<Descriptor>) -> wasmtime::Result<()> {
        fs::HostDescriptor::drop(&mut self.fs, fd)
    }

    fn readlink_at(&mut self, fd: Resource<Descriptor>, path: String) -> FsResult<String> {
        fs::HostDescriptor::readlink_at(&mut self.fs, fd, path)
    }

    fn remove_directory_at(&mut self, fd: Resource<Descriptor>, path: String) -> FsResult<()> {
        fs::HostDescriptor::remove_directory_at(&mut self.fs, fd, path)
    }

    fn rename_at(
        &mut self,
        fd: Resource<Descriptor>,
        old_path: String,
        new_fd: Resource<Descriptor>,
        new_path: String,
    ) -> FsResult<()> {
        fs::HostDescriptor::rename_at(&mut self.fs, fd, old_path, new_fd, new_path)
    }

    fn symlink_at(&mut self, fd: Resource<Descriptor>, src_path: String, dest_path: String) -> FsResult<()> {
        fs::HostDescriptor::symlink_at(&mut self.fs, fd, src_path, dest_path)
    }

    fn unlink_file_at(&mut self, fd: Resource<Descriptor>, path: String) -> FsResult<()> {
        fs::HostDescriptor::unlink_file_at(&mut self.fs, fd, path)
    }

    fn read_via_stream(
        &mut self,
        fd: Resource<Descriptor>,
        offset: fs::Filesize,
    ) -> FsResult<Resource<streams::InputStream>> {
        fs::HostDescriptor::read_via_stream(&mut self.fs, fd, offset)
    }

    fn is_same_object(&mut self, a: Resource<Descriptor>, b: Resource<Descriptor>) -> wasmtime::Result<bool> {
        fs::HostDescriptor::is_same_object(&mut self.fs, a, b)
    }

    fn metadata_hash(&mut self, fd: Resource<Descriptor>) -> FsResult<fs::MetadataHashValue> {
        fs::HostDescriptor::metadata_hash(&mut self.fs, fd)
    }

    fn metadata_hash_at(
        &mut self,
        fd: Resource<Descriptor>,
        path_flags: fs::PathFlags,
        path: String,
    ) -> FsResult<fs::MetadataHashValue> {
        fs::HostDescriptor::metadata_hash_at(&mut self.fs, fd, path_flags, path)
    }
}

impl fs::HostDirectoryEntryStream for GuardedFs<'_> {
    fn read_directory_entry(
        &mut self,
        stream: Resource<fs::DirectoryEntryStream>,
    ) -> FsResult<Option<fs::DirectoryEntry>> {
        fs::HostDirectoryEntryStream::read_directory_entry(&mut self.fs, stream)
    }

    fn drop(&mut self, stream: Resource<fs::DirectoryEntryStream>) -> wasmtime::Result<()> {
        fs::HostDirectoryEntryStream::drop(&mut self.fs, stream)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quota_measures_again_before_refusing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("old"), vec![0u8; 600]).unwrap();
        let quota = StorageQuota::new(1000, vec![dir.path().to_path_buf()]);
        assert_eq!(quota.reserve(300), Ok(()), "600 on disk + 300");
        std::fs::write(dir.path().join("new"), vec![0u8; 300]).unwrap();
        assert_eq!(quota.reserve(200), Err(900), "900 on disk + 200 is over");
        std::fs::remove_file(dir.path().join("old")).unwrap();
        assert_eq!(quota.reserve(200), Ok(()), "measured again: 300 on disk now");
        assert_eq!(quota.reserve(0), Ok(()));
    }
}
