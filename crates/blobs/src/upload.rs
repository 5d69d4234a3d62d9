//! Resumable uploads (the tus protocol's model): a client declares the size, sends chunks at the
//! offset the server has, asks the server's offset after a lost response or a restart, and
//! finishes. Each upload is two files in the staging directory: `<id>.part` (the bytes received so
//! far; its length *is* the offset) and `<id>.json` (the declared name and size). Nothing lives
//! only in memory, so a restarted server continues where the old one stopped.
//!
//! Concurrency: one request at a time per upload. A second request on the same upload gets
//! [`BlobError::Busy`] instead of interleaving writes (tus answers 423 Locked the same way).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use interop::filetype::FileType;
use object_store::{ObjectStoreExt, WriteMultipart, path::Path as ObjectPath};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt;

use crate::analyze::{self, is_allowed};
use crate::{BlobError, Blobs, StoredBlob, location, stored};

/// The id of a resumable upload: 32 random lower-case hex digits. It can only be made by
/// [`Blobs::begin`] or by [`UploadId::parse`], which accepts nothing else, so an id from a URL can
/// never name a file outside the staging directory.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UploadId(String);

impl UploadId {
    /// Reads an id from a client. Anything but 32 lower-case hex digits names no upload.
    pub fn parse(id: &str) -> Result<UploadId, BlobError> {
        if analyze::is_hex(id, 32) { Ok(UploadId(id.to_owned())) } else { Err(BlobError::UnknownUpload) }
    }

    /// The id as text, for URLs.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn random() -> Result<UploadId, BlobError> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|e| BlobError::internal("drawing an upload id", e))?;
        Ok(UploadId(analyze::hex(&bytes)))
    }
}

impl std::fmt::Display for UploadId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where an upload stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadStatus {
    /// Bytes received: the offset the next chunk must start at.
    pub received: u64,
    /// Bytes declared when the upload began.
    pub total: u64,
    pub file_name: String,
}

/// What [`Blobs::begin`] records next to the staged bytes.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Meta {
    file_name: String,
    total_size: u64,
}

/// How much of a staged file is read at a time when copying it into a non-local store.
const COPY_CHUNK: usize = 8 << 20;

impl Blobs {
    /// Starts a resumable upload of `total_size` bytes to be stored under `file_name`. A size over
    /// the limit is refused before any byte is sent: the document limit when the name says it is a
    /// document or image, the file limit otherwise (the content decides again at the end).
    pub async fn begin(&self, file_name: &str, total_size: u64) -> Result<UploadId, BlobError> {
        if total_size == 0 {
            return Err(BlobError::Empty);
        }
        let limits = self.inner.limits;
        let limit = FileType::guess_from_name(file_name)
            .filter(|t| is_allowed(*t))
            .map_or(limits.max_file_bytes, |t| limits.limit_for(t));
        if total_size > limit {
            return Err(BlobError::TooLarge { limit });
        }
        let id = UploadId::random()?;
        let (part, meta_path) = (self.part_path(&id), self.meta_path(&id));
        let meta = Meta { file_name: file_name.to_owned(), total_size };
        let staging = self.inner.staging.clone();
        blocking("starting the upload", move || {
            File::options().write(true).create_new(true).open(&part)?.sync_all()?;
            write_durably(&meta_path, &serde_json::to_vec(&meta)?)?;
            sync_dir(&staging)
        })
        .await?;
        Ok(id)
    }

    /// Appends `chunk` at `offset`, which must be the number of bytes received so far (else
    /// [`BlobError::OffsetConflict`] says where to resume). Returns the new offset. The chunk is
    /// on disk before this returns, so an acknowledged offset survives a crash.
    pub async fn append(&self, id: &UploadId, offset: u64, chunk: &[u8]) -> Result<u64, BlobError> {
        let _claim = self.claim(id)?;
        let meta = self.read_meta(id).await?;
        let part = self.part_path(id);
        let chunk = chunk.to_vec();
        blocking("receiving the chunk", move || {
            let mut file = match OpenOptions::new().append(true).open(&part) {
                Ok(file) => file,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Err(BlobError::UnknownUpload)),
                Err(e) => return Err(e),
            };
            let received = file.metadata()?.len();
            if offset != received {
                return Ok(Err(BlobError::OffsetConflict { expected: received }));
            }
            let new_offset = received + chunk.len() as u64;
            if new_offset > meta.total_size {
                return Ok(Err(BlobError::PastEnd { total: meta.total_size }));
            }
            file.write_all(&chunk)?;
            file.sync_data()?;
            Ok(Ok(new_offset))
        })
        .await?
    }

    /// How much of an upload has arrived.
    pub async fn status(&self, id: &UploadId) -> Result<UploadStatus, BlobError> {
        let meta = self.read_meta(id).await?;
        let received = match tokio::fs::metadata(self.part_path(id)).await {
            Ok(m) => m.len(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(BlobError::UnknownUpload),
            Err(e) => return Err(BlobError::internal("reading the upload", e)),
        };
        Ok(UploadStatus { received, total: meta.total_size, file_name: meta.file_name })
    }

    /// Completes an upload that has all its bytes: checks it like [`Blobs::put`] (type from the
    /// content, declared extension, size for its kind), hashes it, reads a video's length, and
    /// moves it into place (or drops it if the same content is already stored). A refused file is
    /// removed with its upload: its content cannot change any more.
    pub async fn finish(&self, id: &UploadId) -> Result<StoredBlob, BlobError> {
        let _claim = self.claim(id)?;
        let meta = self.read_meta(id).await?;
        let part = self.part_path(id);
        let total = meta.total_size;
        let staged = part.clone();
        let analysis = blocking("checking the upload", move || {
            let mut file = match File::open(&staged) {
                Ok(file) => file,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Err(BlobError::UnknownUpload)),
                Err(e) => return Err(e),
            };
            let received = file.metadata()?.len();
            if received != total {
                return Ok(Err(BlobError::Incomplete { received, total }));
            }
            // Appends synced their data already; this also makes the file's size durable before
            // the rename below publishes it.
            file.sync_all()?;
            analyze::analyze_file(&mut file).map(Ok)
        })
        .await??;
        if let Err(refusal) = analyze::admit(&meta.file_name, &analysis, &self.inner.limits) {
            self.remove_upload(id).await?;
            return Err(refusal);
        }
        let location = location(&analysis.sha256);
        let deduplicated = self.holds(&location, analysis.size).await?;
        if !deduplicated {
            self.move_into_place(&part, &location).await?;
        }
        self.remove_upload(id).await?;
        Ok(stored(&meta.file_name, analysis, deduplicated))
    }

    /// Abandons an upload and removes what it staged. Aborting an unknown upload does nothing.
    pub async fn abort(&self, id: &UploadId) -> Result<(), BlobError> {
        let _claim = self.claim(id)?;
        self.remove_upload(id).await
    }

    /// Removes uploads nobody has added to for `older_than` (and any stray staging files), and
    /// returns how many uploads were removed. Uploads a request is working on are left alone.
    pub async fn sweep_stale(&self, older_than: Duration) -> usize {
        let staging = self.inner.staging.clone();
        let busy: Vec<String> = lock(&self.inner.busy).iter().cloned().collect();
        let swept = tokio::task::spawn_blocking(move || sweep(&staging, older_than, &busy)).await;
        match swept {
            Ok(Ok(count)) => count,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "sweeping stale uploads");
                0
            }
            Err(e) => {
                tracing::warn!(error = %e, "sweeping stale uploads");
                0
            }
        }
    }

    fn part_path(&self, id: &UploadId) -> PathBuf {
        self.inner.staging.join(format!("{}.part", id.0))
    }

    fn meta_path(&self, id: &UploadId) -> PathBuf {
        self.inner.staging.join(format!("{}.json", id.0))
    }

    async fn read_meta(&self, id: &UploadId) -> Result<Meta, BlobError> {
        match tokio::fs::read(self.meta_path(id)).await {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| BlobError::internal("reading the upload", e)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(BlobError::UnknownUpload),
            Err(e) => Err(BlobError::internal("reading the upload", e)),
        }
    }

    /// Removes an upload's files; missing files are fine. The meta file goes last, so an upload
    /// half removed by a crash is still found by [`Blobs::sweep_stale`].
    async fn remove_upload(&self, id: &UploadId) -> Result<(), BlobError> {
        let (part, meta) = (self.part_path(id), self.meta_path(id));
        blocking("removing the upload", move || {
            remove_if_present(&part)?;
            remove_if_present(&meta)
        })
        .await
    }

    /// Marks the upload as being worked on by this request, until the claim is dropped.
    fn claim(&self, id: &UploadId) -> Result<Claim<'_>, BlobError> {
        if lock(&self.inner.busy).insert(id.0.clone()) {
            Ok(Claim { busy: &self.inner.busy, id: id.0.clone() })
        } else {
            Err(BlobError::Busy)
        }
    }

    /// Puts a checked staged file at `location`: a rename when the objects are local files on the
    /// same filesystem (durable: the file was synced, the directories are synced after), otherwise
    /// a streamed multipart upload.
    async fn move_into_place(&self, part: &Path, location: &ObjectPath) -> Result<(), BlobError> {
        if let Some(local) = &self.inner.local {
            let dest = local.path_to_filesystem(location).map_err(|e| BlobError::internal("placing the file", e))?;
            let root = local.path_to_filesystem(&ObjectPath::from("")).ok();
            let from = part.to_owned();
            let renamed = blocking("placing the file", move || {
                let dir = dest.parent().ok_or_else(|| io::Error::other("blob path without a parent"))?;
                fs::create_dir_all(dir)?;
                match fs::rename(&from, &dest) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::CrossesDevices => return Ok(false),
                    Err(e) => return Err(e),
                }
                // The new entry, and any directory created for it, up to the store's root.
                let mut dir = Some(dir);
                while let Some(d) = dir {
                    sync_dir(d)?;
                    dir = d.parent().filter(|p| root.as_deref().is_some_and(|r| p.starts_with(r)));
                }
                Ok(true)
            })
            .await?;
            if renamed {
                return Ok(());
            }
        }
        self.copy_into_store(part, location).await
    }

    /// Streams a staged file into the object store as a multipart upload.
    async fn copy_into_store(&self, part: &Path, location: &ObjectPath) -> Result<(), BlobError> {
        let store_err = |e: object_store::Error| BlobError::internal("storing the file", e);
        let upload = self.inner.store.put_multipart(location).await.map_err(store_err)?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, COPY_CHUNK);
        let copied: Result<(), BlobError> = async {
            let mut file =
                tokio::fs::File::open(part).await.map_err(|e| BlobError::internal("reading the upload", e))?;
            let mut buf = vec![0u8; COPY_CHUNK];
            loop {
                let n = file.read(&mut buf).await.map_err(|e| BlobError::internal("reading the upload", e))?;
                if n == 0 {
                    return Ok(());
                }
                writer.wait_for_capacity(4).await.map_err(store_err)?;
                writer.write(&buf[..n]);
            }
        }
        .await;
        match copied {
            Ok(()) => writer.finish().await.map(|_| ()).map_err(store_err),
            Err(e) => {
                if let Err(abort) = writer.abort().await {
                    tracing::warn!(error = %abort, "aborting a multipart upload");
                }
                Err(e)
            }
        }
    }
}

/// A request's hold on one upload; dropping it lets the next request in.
struct Claim<'a> {
    busy: &'a Mutex<std::collections::HashSet<String>>,
    id: String,
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        lock(self.busy).remove(&self.id);
    }
}

/// Locks the busy set. A panic while it was held cannot leave it inconsistent (each operation is
/// a single insert or remove), so a poisoned lock is used as is.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Runs blocking file work off the async threads, turning I/O failures into internal errors.
async fn blocking<T: Send + 'static>(
    doing: &'static str,
    work: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> Result<T, BlobError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(BlobError::internal(doing, e)),
        Err(e) => Err(BlobError::internal(doing, e)),
    }
}

/// Writes a small file so that it is either absent or complete: a temporary name, fsync, rename.
fn write_durably(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut file = File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    fs::rename(&tmp, path)
}

/// Makes a directory's entries durable (on Unix; elsewhere directories cannot be synced).
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn remove_if_present(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Removes every staged upload whose files were all last touched more than `older_than` ago.
/// Files are grouped by the upload id before their first dot (`<id>.part`, `<id>.json`,
/// `<id>.json.tmp`); files not named after an id are not ours and are left alone.
fn sweep(staging: &Path, older_than: Duration, busy: &[String]) -> io::Result<usize> {
    use std::collections::HashMap;
    let cutoff = SystemTime::now().checked_sub(older_than).unwrap_or(SystemTime::UNIX_EPOCH);
    let mut uploads: HashMap<String, (SystemTime, Vec<PathBuf>)> = HashMap::new();
    for entry in fs::read_dir(staging)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(id) = name.to_str().and_then(|n| n.split('.').next()) else { continue };
        if !analyze::is_hex(id, 32) || busy.iter().any(|b| b == id) {
            continue;
        }
        let modified = entry.metadata()?.modified()?;
        let upload = uploads.entry(id.to_owned()).or_insert((SystemTime::UNIX_EPOCH, Vec::new()));
        upload.0 = upload.0.max(modified);
        upload.1.push(entry.path());
    }
    let mut removed = 0;
    for (_, (last_touched, mut files)) in uploads {
        if last_touched <= cutoff {
            // The meta file last, as in `remove_upload`.
            files.sort_by_key(|f| f.extension().is_some_and(|e| e == "json"));
            for file in files {
                remove_if_present(&file)?;
            }
            removed += 1;
        }
    }
    Ok(removed)
}
