//! IndexedDB: where a tablet keeps its work. Nothing is confirmed on screen before it is here.
//!
//! Database `tachkhis`, version 2, five object stores with out-of-line string keys:
//! * `docs`: session id → the document bytes (`SessionDoc::save`), a `Uint8Array`;
//! * `sync_states`: session id → the encoded sync state with the server (`encode_state`);
//! * `settings`: name → a JSON string (see [`keys`]);
//! * `photos` (v2): a photo's SHA-256 → its compressed bytes, until the server has them;
//! * `thumbs` (v2): a photo's SHA-256 → its thumbnail (WebP or JPEG, ~240 px), kept.
//!
//! Upgrades. A new release of the app (a new service worker, see `static/sw.js`) replaces only
//! the shell in the Cache Storage; it never touches IndexedDB. The database changes only when
//! `DB_VERSION` is raised, to add a store or an index. Beware: during such an upgrade the
//! `idb` crate under rexie **deletes every existing store that is not declared** when the
//! database is opened. So [`STORES`] lists every store ever shipped, is only ever added to,
//! and a test pins the shipped names. Documents themselves need no migration: their schema
//! version lives inside each Automerge document and `SessionDoc::read` reads every version.
//! A tab still running the old release when a newer one upgrades the database is closed by
//! the browser's `versionchange`: its next write fails and says so (nothing is confirmed that
//! is not stored); reloading runs the new release on the same data.

use js_sys::Uint8Array;
use rexie::{ObjectStore, Rexie, TransactionMode};
use serde::{Serialize, de::DeserializeOwned};
use uuid::Uuid;
use wasm_bindgen::{JsCast, JsValue};

const DB_NAME: &str = "tachkhis";
const DB_VERSION: u32 = 2;
const DOCS: &str = "docs";
const STATES: &str = "sync_states";
const SETTINGS: &str = "settings";
const PHOTOS: &str = "photos";
const THUMBS: &str = "thumbs";
/// Every object store the app has ever shipped: add, never remove (see the module's text).
const STORES: [&str; 5] = [DOCS, STATES, SETTINGS, PHOTOS, THUMBS];

/// Names of the entries of the `settings` store.
pub mod keys {
    pub const AUTH: &str = "auth";
    pub const REFERENCE: &str = "reference";
    pub const DEVICE_ID: &str = "device_id";
    pub const LAST_SYNC: &str = "last_sync";
    pub const LANG: &str = "lang";
    pub const DOC_PROBLEMS: &str = "doc_problems";
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<rexie::Error> for StoreError {
    fn from(e: rexie::Error) -> Self {
        StoreError(format!("{e:?}"))
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

pub struct Store {
    db: Rexie,
}

/// Everything read at start-up.
#[derive(Default)]
pub struct Loaded {
    pub docs: Vec<(Uuid, Vec<u8>)>,
    pub states: Vec<(Uuid, Vec<u8>)>,
    pub settings: Vec<(String, String)>,
    /// The photos whose full bytes are still here (their names only: the bytes stay stored).
    pub photos: Vec<String>,
}

fn bytes_value(bytes: &[u8]) -> JsValue {
    Uint8Array::from(bytes).into()
}

fn value_bytes(value: &JsValue) -> Option<Vec<u8>> {
    value.dyn_ref::<Uint8Array>().map(Uint8Array::to_vec)
}

fn key(id: Uuid) -> JsValue {
    JsValue::from_str(&id.to_string())
}

fn uuid_pairs(pairs: Vec<(JsValue, JsValue)>) -> Vec<(Uuid, Vec<u8>)> {
    pairs
        .into_iter()
        .filter_map(|(k, v)| {
            let id = Uuid::parse_str(&k.as_string()?).ok()?;
            Some((id, value_bytes(&v)?))
        })
        .collect()
}

impl Store {
    pub async fn open() -> Result<Store> {
        let db = STORES
            .iter()
            .fold(Rexie::builder(DB_NAME).version(DB_VERSION), |b, name| {
                b.add_object_store(ObjectStore::new(name))
            })
            .build()
            .await?;
        Ok(Store { db })
    }

    pub async fn load_all(&self) -> Result<Loaded> {
        let tx = self
            .db
            .transaction(&[DOCS, STATES, SETTINGS, PHOTOS], TransactionMode::ReadOnly)?;
        let docs = tx.store(DOCS)?.scan(None, None, None, None).await?;
        let states = tx.store(STATES)?.scan(None, None, None, None).await?;
        let settings = tx.store(SETTINGS)?.scan(None, None, None, None).await?;
        let photos = tx.store(PHOTOS)?.get_all_keys(None, None).await?;
        tx.done().await?;
        Ok(Loaded {
            docs: uuid_pairs(docs),
            states: uuid_pairs(states),
            settings: settings
                .into_iter()
                .filter_map(|(k, v)| Some((k.as_string()?, v.as_string()?)))
                .collect(),
            photos: photos.iter().filter_map(JsValue::as_string).collect(),
        })
    }

    /// Stores a photo taken here: its bytes and its thumbnail, in one transaction, before the
    /// session document names it.
    pub async fn put_photo(&self, hash: &str, bytes: &[u8], thumb: Option<&[u8]>) -> Result<()> {
        let tx = self
            .db
            .transaction(&[PHOTOS, THUMBS], TransactionMode::ReadWrite)?;
        let key = JsValue::from_str(hash);
        tx.store(PHOTOS)?
            .put(&bytes_value(bytes), Some(&key))
            .await?;
        if let Some(thumb) = thumb {
            tx.store(THUMBS)?
                .put(&bytes_value(thumb), Some(&key))
                .await?;
        }
        tx.done().await?;
        Ok(())
    }

    /// A photo's full bytes (`photos`) or its thumbnail (`thumbs`), if this tablet has them.
    pub async fn get_photo(&self, hash: &str, thumb: bool) -> Result<Option<Vec<u8>>> {
        let name = if thumb { THUMBS } else { PHOTOS };
        let tx = self.db.transaction(&[name], TransactionMode::ReadOnly)?;
        let value = tx.store(name)?.get(JsValue::from_str(hash)).await?;
        tx.done().await?;
        Ok(value.as_ref().and_then(value_bytes))
    }

    /// Frees a photo's full bytes once the server has them (the thumbnail stays).
    pub async fn free_photo(&self, hash: &str) -> Result<()> {
        let tx = self.db.transaction(&[PHOTOS], TransactionMode::ReadWrite)?;
        tx.store(PHOTOS)?.delete(JsValue::from_str(hash)).await?;
        tx.done().await?;
        Ok(())
    }

    pub async fn get_doc(&self, id: Uuid) -> Result<Option<Vec<u8>>> {
        let tx = self.db.transaction(&[DOCS], TransactionMode::ReadOnly)?;
        let value = tx.store(DOCS)?.get(key(id)).await?;
        tx.done().await?;
        Ok(value.as_ref().and_then(value_bytes))
    }

    /// Writes one document; returns once the transaction is committed.
    pub async fn put_doc(&self, id: Uuid, bytes: &[u8]) -> Result<()> {
        let tx = self.db.transaction(&[DOCS], TransactionMode::ReadWrite)?;
        tx.store(DOCS)?
            .put(&bytes_value(bytes), Some(&key(id)))
            .await?;
        tx.done().await?;
        Ok(())
    }

    /// Writes several documents in one transaction (an import): all or none.
    pub async fn put_docs(&self, docs: &[(Uuid, Vec<u8>)]) -> Result<()> {
        let tx = self.db.transaction(&[DOCS], TransactionMode::ReadWrite)?;
        tx.store(DOCS)?
            .put_all(docs.iter().map(|(id, b)| (bytes_value(b), Some(key(*id)))))
            .await?;
        tx.done().await?;
        Ok(())
    }

    /// Writes the outcome of a sync run (merged documents and sync states) in one transaction.
    pub async fn put_sync_result(
        &self,
        docs: &[(Uuid, Vec<u8>)],
        states: &[(Uuid, Vec<u8>)],
    ) -> Result<()> {
        let tx = self
            .db
            .transaction(&[DOCS, STATES], TransactionMode::ReadWrite)?;
        let doc_store = tx.store(DOCS)?;
        doc_store
            .put_all(docs.iter().map(|(id, b)| (bytes_value(b), Some(key(*id)))))
            .await?;
        let state_store = tx.store(STATES)?;
        state_store
            .put_all(
                states
                    .iter()
                    .map(|(id, b)| (bytes_value(b), Some(key(*id)))),
            )
            .await?;
        tx.done().await?;
        Ok(())
    }

    pub async fn put_setting<T: Serialize>(&self, name: &str, value: &T) -> Result<()> {
        let json = crate::net::json::to_string(value).map_err(StoreError)?;
        let tx = self
            .db
            .transaction(&[SETTINGS], TransactionMode::ReadWrite)?;
        tx.store(SETTINGS)?
            .put(&JsValue::from_str(&json), Some(&JsValue::from_str(name)))
            .await?;
        tx.done().await?;
        Ok(())
    }
}

/// Reads a setting from what [`Store::load_all`] returned.
pub fn setting<T: DeserializeOwned>(settings: &[(String, String)], name: &str) -> Option<T> {
    settings
        .iter()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| crate::net::json::from_str(v).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store missing from the declaration would be deleted, data and all, on every tablet
    /// at the next version upgrade.
    #[test]
    fn every_store_ever_shipped_is_still_declared() {
        for shipped in ["docs", "sync_states", "settings", "photos", "thumbs"] {
            assert!(
                STORES.contains(&shipped),
                "store {shipped} is no longer declared"
            );
        }
        const { assert!(DB_VERSION >= 2) };
    }
}
