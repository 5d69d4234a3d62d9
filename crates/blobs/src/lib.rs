//! Content-addressed file storage for the resource library and item bank: courseware, lesson
//! plans, micro-lesson videos and images, each stored once under the SHA-256 of its content.
//!
//! Objects live in an [`object_store`]: the local filesystem under `<data_dir>/blobs` by default,
//! S3 with the `s3` feature. Every file is checked before it is kept ([`put`](Blobs::put),
//! [`finish`](Blobs::finish)): its type is decided from its content by `interop::filetype`, never
//! from its name; a name that lies about the content, a type the library does not keep, an empty
//! file or one over the size limit is refused with an error that says so.
//!
//! Large videos arrive by resumable upload ([`begin`](Blobs::begin), [`append`](Blobs::append),
//! [`finish`](Blobs::finish)), staged under `<data_dir>/uploads` so that an upload survives a
//! server restart and a client that lost a response can ask where to resume
//! ([`status`](Blobs::status)).
//!
//! Layout: `sha256/ab/cd/<64 hex digits>`, where `ab` and `cd` are the first two byte pairs of the
//! hash, so no directory grows past 65 536 entries.

mod analyze;
mod error;
mod upload;

use std::collections::HashSet;
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use interop::filetype::FileType;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, local::LocalFileSystem, path::Path as ObjectPath};

pub use analyze::is_allowed;
pub use error::BlobError;
pub use interop::filetype;
pub use upload::{UploadId, UploadStatus};

/// Size limits. Videos and audio may be large; documents and images are held to less, as a
/// 2 GiB "PDF" is a mistake, not a lesson.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest file of any kind (videos and audio), in bytes. Default 2 GiB.
    pub max_file_bytes: u64,
    /// The largest document or image, in bytes. Default 200 MiB.
    pub max_document_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_file_bytes: 2 << 30, max_document_bytes: 200 << 20 }
    }
}

impl Limits {
    /// The limit that applies to a file of this type.
    pub fn limit_for(&self, file_type: FileType) -> u64 {
        if file_type.is_video() || file_type.is_audio() {
            self.max_file_bytes
        } else {
            self.max_document_bytes.min(self.max_file_bytes)
        }
    }
}

/// A file the store keeps, as [`Blobs::put`] and [`Blobs::finish`] describe it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredBlob {
    /// Lower-case hex SHA-256 of the content: the blob's name.
    pub sha256: String,
    pub size: u64,
    pub file_type: FileType,
    /// IANA media type (for a legacy Office file, taken from the checked file name).
    pub media_type: String,
    /// Length of an MP4/MOV/M4A, from its `moov/mvhd` box.
    pub duration_seconds: Option<f64>,
    /// The same content was already stored: nothing new was written.
    pub deduplicated: bool,
}

/// The file store. Cheap to clone (an `Arc` inside); share one per process.
#[derive(Debug, Clone)]
pub struct Blobs {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Arc<dyn ObjectStore>,
    /// Set when objects are local files: a finished upload is then renamed into place rather than
    /// copied.
    local: Option<Arc<LocalFileSystem>>,
    staging: std::path::PathBuf,
    limits: Limits,
    /// Uploads a request is working on right now (see [`upload`]).
    busy: Mutex<HashSet<String>>,
}

impl Blobs {
    /// Opens (creating if needed) the local store: objects under `data_dir/blobs`, staged uploads
    /// under `data_dir/uploads`. Writes are fsynced: a blob that was acknowledged survives a crash.
    pub fn open(data_dir: &Path, limits: Limits) -> Result<Self, BlobError> {
        let objects = data_dir.join("blobs");
        std::fs::create_dir_all(&objects)
            .map_err(|e| BlobError::internal(&format!("creating {}", objects.display()), e))?;
        let local = LocalFileSystem::new_with_prefix(&objects)
            .map_err(|e| BlobError::internal("opening the blob directory", e))?
            .with_fsync(true);
        let local = Arc::new(local);
        Self::build(local.clone(), Some(local), &data_dir.join("uploads"), limits)
    }

    /// Uses any object store (S3, memory, …) for objects, staging uploads in `staging_dir` on a
    /// local disk.
    pub fn with_store(store: Arc<dyn ObjectStore>, staging_dir: &Path, limits: Limits) -> Result<Self, BlobError> {
        Self::build(store, None, staging_dir, limits)
    }

    /// Uses an S3 bucket, e.g. `s3://zhijiao-blobs/prefix`. Credentials, region and endpoint (for
    /// S3-compatible stores) come from the usual `AWS_*` environment variables.
    #[cfg(feature = "s3")]
    pub fn s3(url: &str, staging_dir: &Path, limits: Limits) -> Result<Self, BlobError> {
        let store = object_store::aws::AmazonS3Builder::from_env()
            .with_url(url)
            .build()
            .map_err(|e| BlobError::internal("configuring S3", e))?;
        Self::with_store(Arc::new(store), staging_dir, limits)
    }

    fn build(
        store: Arc<dyn ObjectStore>,
        local: Option<Arc<LocalFileSystem>>,
        staging: &Path,
        limits: Limits,
    ) -> Result<Self, BlobError> {
        std::fs::create_dir_all(staging)
            .map_err(|e| BlobError::internal(&format!("creating {}", staging.display()), e))?;
        let inner = Inner { store, local, staging: staging.to_owned(), limits, busy: Mutex::default() };
        Ok(Blobs { inner: Arc::new(inner) })
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.inner.limits
    }

    /// Checks and stores a whole file (anything that fits in memory: documents, images, short
    /// videos). Storing content that is already there writes nothing and says `deduplicated`.
    pub async fn put(&self, file_name: &str, bytes: Bytes) -> Result<StoredBlob, BlobError> {
        if bytes.is_empty() {
            return Err(BlobError::Empty);
        }
        if bytes.len() as u64 > self.inner.limits.max_file_bytes {
            return Err(BlobError::TooLarge { limit: self.inner.limits.max_file_bytes });
        }
        let content = bytes.clone();
        let analysis = tokio::task::spawn_blocking(move || analyze::analyze_bytes(&content))
            .await
            .map_err(|e| BlobError::internal("analysing the file", e))?;
        analyze::admit(file_name, &analysis, &self.inner.limits)?;
        let location = location(&analysis.sha256);
        let deduplicated = self.holds(&location, analysis.size).await?;
        if !deduplicated {
            self.inner
                .store
                .put(&location, PutPayload::from(bytes))
                .await
                .map_err(|e| BlobError::internal("storing the file", e))?;
        }
        Ok(stored(file_name, analysis, deduplicated))
    }

    /// The size of a stored blob.
    pub async fn size(&self, sha256: &str) -> Result<u64, BlobError> {
        let location = checked_location(sha256)?;
        match self.inner.store.head(&location).await {
            Ok(meta) => Ok(meta.size),
            Err(object_store::Error::NotFound { .. }) => Err(BlobError::NotFound),
            Err(e) => Err(BlobError::internal("reading the file's size", e)),
        }
    }

    /// Bytes `range` of a blob, for HTTP range requests (video seeking). The range must be
    /// non-empty and inside the blob.
    pub async fn get_range(&self, sha256: &str, range: Range<u64>) -> Result<Bytes, BlobError> {
        let size = self.size(sha256).await?;
        if range.start >= range.end || range.end > size {
            return Err(BlobError::BadRange { size });
        }
        let location = location(sha256);
        self.inner.store.get_range(&location, range).await.map_err(|e| match e {
            object_store::Error::NotFound { .. } => BlobError::NotFound,
            e => BlobError::internal("reading the file", e),
        })
    }

    /// A whole blob.
    pub async fn get(&self, sha256: &str) -> Result<Bytes, BlobError> {
        let location = checked_location(sha256)?;
        let result = match self.inner.store.get(&location).await {
            Ok(result) => result,
            Err(object_store::Error::NotFound { .. }) => return Err(BlobError::NotFound),
            Err(e) => return Err(BlobError::internal("reading the file", e)),
        };
        result.bytes().await.map_err(|e| BlobError::internal("reading the file", e))
    }

    /// Describes a stored blob from its content, as [`Blobs::put`] did when it was stored (type,
    /// media type for `file_name`, video length; `deduplicated` is true). Local blobs are read
    /// only where needed (head, zip directory, MP4 box headers); blobs in other stores are fetched.
    pub async fn describe(&self, sha256: &str, file_name: &str) -> Result<StoredBlob, BlobError> {
        let location = checked_location(sha256)?;
        let (size, file_type, duration_seconds) = match &self.inner.local {
            Some(local) => {
                let path =
                    local.path_to_filesystem(&location).map_err(|e| BlobError::internal("finding the file", e))?;
                let inspected = tokio::task::spawn_blocking(move || {
                    let mut file = std::fs::File::open(path)?;
                    let size = file.metadata()?.len();
                    analyze::inspect_file(&mut file).map(|(t, d)| (size, t, d))
                })
                .await
                .map_err(|e| BlobError::internal("reading the file", e))?;
                match inspected {
                    Ok(found) => found,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(BlobError::NotFound),
                    Err(e) => return Err(BlobError::internal("reading the file", e)),
                }
            }
            None => {
                let bytes = self.get(sha256).await?;
                let mut cursor = std::io::Cursor::new(&bytes[..]);
                let (file_type, duration) =
                    analyze::inspect_file(&mut cursor).map_err(|e| BlobError::internal("reading the file", e))?;
                (bytes.len() as u64, file_type, duration)
            }
        };
        Ok(StoredBlob {
            sha256: sha256.to_owned(),
            size,
            file_type,
            media_type: file_type.media_type_for(file_name).to_owned(),
            duration_seconds,
            deduplicated: true,
        })
    }

    /// Whether the store already holds `size` bytes at `location`. A blob of another size there is
    /// damaged (a crash of an older, unsynced write) and is replaced.
    async fn holds(&self, location: &ObjectPath, size: u64) -> Result<bool, BlobError> {
        match self.inner.store.head(location).await {
            Ok(meta) => Ok(meta.size == size),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(BlobError::internal("looking for the file", e)),
        }
    }
}

/// Where a blob with this (valid) hash lives.
fn location(sha256: &str) -> ObjectPath {
    ObjectPath::from(format!("sha256/{}/{}/{sha256}", &sha256[0..2], &sha256[2..4]))
}

/// [`location`] after checking the hash is 64 lower-case hex digits, so no caller-supplied string
/// ever becomes a path.
fn checked_location(sha256: &str) -> Result<ObjectPath, BlobError> {
    if analyze::is_hex(sha256, 64) { Ok(location(sha256)) } else { Err(BlobError::BadHash) }
}

fn stored(file_name: &str, analysis: analyze::Analysis, deduplicated: bool) -> StoredBlob {
    StoredBlob {
        media_type: analysis.file_type.media_type_for(file_name).to_owned(),
        sha256: analysis.sha256,
        size: analysis.size,
        file_type: analysis.file_type,
        duration_seconds: analysis.duration_seconds,
        deduplicated,
    }
}
