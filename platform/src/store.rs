//! Artifacts: bytes kept under their content's sha256, in a local folder (embedded) or any
//! object store, read whole or by byte range.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, PutPayload};

/// Where artifacts live; cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<dyn ObjectStore>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the artifact key {0:?} is not a sha256 (64 lowercase hex digits)")]
    BadKey(String),
    #[error("the artifact {0} is not in the store")]
    Missing(String),
    #[error("the store failed: {0}")]
    Failed(String),
}

/// Whether `key` is a content key: 64 lowercase hex digits, nothing else (no path can hide in it).
pub fn valid_key(key: &str) -> bool {
    key.len() == 64
        && key
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn path(key: &str) -> Result<StorePath, StoreError> {
    if !valid_key(key) {
        return Err(StoreError::BadKey(key.to_string()));
    }
    Ok(StorePath::from(format!("{}/{}", &key[..2], key)))
}

fn failed(key: &str, e: object_store::Error) -> StoreError {
    match e {
        object_store::Error::NotFound { .. } => StoreError::Missing(key.to_string()),
        e => StoreError::Failed(format!("{key}: {e}")),
    }
}

impl Store {
    /// A folder on this machine (made if missing).
    pub fn local(dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Failed(format!("cannot create {}: {e}", dir.display())))?;
        let fs = LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| StoreError::Failed(format!("{}: {e}", dir.display())))?;
        Ok(Store {
            inner: Arc::new(fs),
        })
    }

    /// The store a URL names: `s3://bucket[/prefix]?endpoint=URL&region=R` (credentials from
    /// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; plain http allowed for a local endpoint), or
    /// a local folder (`file:///path` or a bare path).
    pub fn open(url: &str) -> Result<Store, StoreError> {
        let bad = |m: String| StoreError::Failed(format!("store {url}: {m}"));
        if let Some(path) = url.strip_prefix("file://") {
            return Store::local(Path::new(path));
        }
        if !url.starts_with("s3://") {
            return Store::local(Path::new(url));
        }
        let parsed = url::Url::parse(url).map_err(|e| bad(e.to_string()))?;
        let bucket = parsed.host_str().ok_or_else(|| bad("no bucket".into()))?;
        let mut builder = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_region("us-east-1");
        for (name, value) in parsed.query_pairs() {
            builder = match name.as_ref() {
                "endpoint" => builder
                    .with_endpoint(value.to_string())
                    .with_allow_http(value.starts_with("http://"))
                    .with_virtual_hosted_style_request(false),
                "region" => builder.with_region(value.to_string()),
                other => return Err(bad(format!("unknown option {other:?} (endpoint, region)"))),
            };
        }
        let s3 = builder.build().map_err(|e| bad(e.to_string()))?;
        let prefix = parsed.path().trim_matches('/');
        let inner: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(s3)
        } else {
            Arc::new(object_store::prefix::PrefixStore::new(s3, prefix))
        };
        Ok(Store { inner })
    }

    /// Stores `bytes` under their sha256 and gives the key; storing the same bytes twice keeps one.
    pub async fn put(&self, bytes: Bytes) -> Result<String, StoreError> {
        let key = crate::sha256_hex(&bytes);
        let at = path(&key)?;
        if self.inner.head(&at).await.is_ok() {
            return Ok(key);
        }
        self.inner
            .put(&at, PutPayload::from_bytes(bytes))
            .await
            .map_err(|e| failed(&key, e))?;
        Ok(key)
    }

    pub async fn get(&self, key: &str) -> Result<Bytes, StoreError> {
        let at = path(key)?;
        let got = self.inner.get(&at).await.map_err(|e| failed(key, e))?;
        got.bytes().await.map_err(|e| failed(key, e))
    }

    pub async fn get_range(&self, key: &str, range: Range<u64>) -> Result<Bytes, StoreError> {
        let at = path(key)?;
        self.inner
            .get_range(&at, range)
            .await
            .map_err(|e| failed(key, e))
    }

    pub async fn size(&self, key: &str) -> Result<u64, StoreError> {
        let at = path(key)?;
        let meta = self.inner.head(&at).await.map_err(|e| failed(key, e))?;
        Ok(meta.size)
    }

    /// Answers when the store does.
    pub async fn ping(&self) -> Result<(), StoreError> {
        match self.inner.head(&StorePath::from("readyz-probe")).await {
            Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(StoreError::Failed(e.to_string())),
        }
    }
}
