//! Photos of sessions (issue 11): the bytes beside the documents, received in chunks, checked
//! (SHA-256 = the name the document gives, JPEG or WebP by their first bytes, at most
//! `MAX_PHOTO_BYTES`), stored once, read by the office and the admin, deleted after the
//! retention period the admin sets (each deletion in the audit log).
//!
//! An upload is resumable: the tablet asks [`status`] (how many bytes the server holds), then
//! sends chunks, each at the offset the server stands at ([`receive_chunk`]), each chunk in
//! its own transaction. After a cut the tablet asks again and goes on from there, so at most
//! the chunk in flight is sent twice. A photo no session names is refused (only a synced
//! document makes the server take bytes), so the server stores nothing a document does not
//! account for, and a photo is stored once however many tablets or sessions hold it.

use axum::http::StatusCode;
use rusqlite::{OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};
use tachkhis_shared::{
    PhotoKind,
    api::photos::{PhotoStatus, PhotoUploadState, SessionPhoto},
    codes::ErrorCode,
    session::{MAX_PHOTO_BYTES, Photo, is_photo_hash, photo_mime_of},
};
use uuid::Uuid;

use crate::{
    db::now_secs,
    documents::projection::clean,
    http::error::{AppError, AppResult},
    users::auth::audit,
};

/// Hashes one status question may ask about.
pub const MAX_STATUS_HASHES: usize = 100;
/// Retention the admin may set, in days (ten years at most).
pub const MAX_RETENTION_DAYS: u32 = 3_650;
/// An upload left this long without a chunk is forgotten.
const UPLOAD_IDLE_SECS: i64 = 7 * 24 * 3600;

fn coded(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> AppError {
    AppError::Coded {
        status,
        code,
        message: message.into(),
    }
}

/// 400 `bad_id` unless `hash` can name a photo.
pub fn check_hash(hash: &str) -> AppResult<()> {
    if is_photo_hash(hash) {
        Ok(())
    } else {
        Err(AppError::bad_request(
            ErrorCode::BadId,
            format!("'{hash}' is not a photo's name (SHA-256, 64 lowercase hex digits)"),
        ))
    }
}

/// The projection's rows for one session's photos (called by `documents::projection`).
pub fn project(tx: &Transaction<'_>, session_id: &str, photos: &[Photo]) -> AppResult<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO session_photos (session_id, hash, kind, caption, taken_at, taken_by, bytes, mime, deleted)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for p in photos {
        stmt.execute(params![
            session_id,
            p.hash,
            p.kind.code(),
            clean(&p.caption),
            p.taken_at,
            clean(&p.taken_by),
            p.bytes as i64,
            p.mime,
            p.deleted
        ])?;
    }
    Ok(())
}

fn state_of(tx: &Transaction<'_>, hash: &str) -> AppResult<PhotoStatus> {
    let status = |state, received| PhotoStatus {
        hash: hash.to_string(),
        state,
        received,
    };
    if let Some(size) = tx
        .prepare_cached("SELECT size FROM photo_blobs WHERE hash = ?1")?
        .query_row([hash], |r| r.get::<_, i64>(0))
        .optional()?
    {
        return Ok(status(PhotoUploadState::Stored, size as u64));
    }
    if tx
        .prepare_cached("SELECT 1 FROM photo_purged WHERE hash = ?1")?
        .query_row([hash], |_| Ok(()))
        .optional()?
        .is_some()
    {
        return Ok(status(PhotoUploadState::Purged, 0));
    }
    let named = tx
        .prepare_cached("SELECT 1 FROM session_photos WHERE hash = ?1 LIMIT 1")?
        .query_row([hash], |_| Ok(()))
        .optional()?
        .is_some();
    if !named {
        return Ok(status(PhotoUploadState::Unknown, 0));
    }
    match tx
        .prepare_cached("SELECT length(received) FROM photo_uploads WHERE hash = ?1")?
        .query_row([hash], |r| r.get::<_, i64>(0))
        .optional()?
    {
        Some(n) if n > 0 => Ok(status(PhotoUploadState::Partial, n as u64)),
        _ => Ok(status(PhotoUploadState::Missing, 0)),
    }
}

/// Where each photo stands: what the tablet asks before sending and after a cut.
pub fn status(tx: &Transaction<'_>, hashes: &[String]) -> AppResult<Vec<PhotoStatus>> {
    if hashes.len() > MAX_STATUS_HASHES {
        return Err(AppError::bad_request(
            ErrorCode::TooMany,
            format!(
                "{} photos asked about, at most {MAX_STATUS_HASHES} at once",
                hashes.len()
            ),
        ));
    }
    for h in hashes {
        check_hash(h)?;
    }
    hashes.iter().map(|h| state_of(tx, h)).collect()
}

/// One chunk of `hash`, at `offset` of `total` bytes. Answers where the photo stands after it:
/// `Stored` once the last chunk came and the whole checked out. A chunk that does not start
/// where the server stands is 409 `upload_offset` (the tablet asks [`status`] and goes on);
/// a whole whose hash is not the name is 400 `photo_hash_mismatch` and the upload is dropped.
/// The inner error is a refusal to commit with (it drops the upload so far); the outer one
/// rolls everything back.
pub fn receive_chunk(
    tx: &Transaction<'_>,
    user_id: i64,
    hash: &str,
    offset: u64,
    total: u64,
    chunk: &[u8],
) -> AppResult<Result<PhotoStatus, AppError>> {
    check_hash(hash)?;
    if total == 0 || total > MAX_PHOTO_BYTES {
        return Err(coded(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PhotoTooLarge,
            format!("a photo is 1 to {MAX_PHOTO_BYTES} bytes; this one says {total}"),
        ));
    }
    let now = state_of(tx, hash)?;
    match now.state {
        // Already whole (from another tablet, or a retry after a lost answer): nothing to do.
        PhotoUploadState::Stored | PhotoUploadState::Purged => return Ok(Ok(now)),
        PhotoUploadState::Unknown => {
            return Err(coded(
                StatusCode::NOT_FOUND,
                ErrorCode::UnknownPhoto,
                format!("no session on the server names the photo {hash}: sync its session first"),
            ));
        }
        PhotoUploadState::Missing | PhotoUploadState::Partial => {}
    }
    let row: Option<(i64, Vec<u8>)> = tx
        .prepare_cached("SELECT total, received FROM photo_uploads WHERE hash = ?1")?
        .query_row([hash], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let mut received = match row {
        Some((t, bytes)) if t as u64 == total => bytes,
        // The same name is the same bytes, so another total comes from a broken client: one
        // that starts from the beginning replaces it, so a correct tablet is never stuck.
        Some(_) if offset == 0 => Vec::new(),
        Some((t, _)) => {
            return Err(coded(
                StatusCode::CONFLICT,
                ErrorCode::UploadOffset,
                format!("the upload of {hash} was started with {t} bytes, not {total}"),
            ));
        }
        None => Vec::new(),
    };
    if offset != received.len() as u64 {
        return Err(coded(
            StatusCode::CONFLICT,
            ErrorCode::UploadOffset,
            format!(
                "the server holds {} bytes of {hash}: send from there, not from {offset}",
                received.len()
            ),
        ));
    }
    if offset + chunk.len() as u64 > total {
        return Err(coded(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PhotoTooLarge,
            format!(
                "{} bytes sent past the {total} the photo was said to have",
                offset + chunk.len() as u64 - total
            ),
        ));
    }
    if chunk.is_empty() {
        return Err(AppError::bad_request(ErrorCode::BadBody, "an empty chunk"));
    }
    received.extend_from_slice(chunk);
    // The type is known from the first bytes: a file that is not an image stops there.
    if (received.len() >= 12 || received.len() as u64 == total)
        && photo_mime_of(&received).is_none()
    {
        tx.execute("DELETE FROM photo_uploads WHERE hash = ?1", [hash])?;
        return Ok(Err(coded(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::PhotoType,
            "a photo is a JPEG or WebP image; these bytes are neither",
        )));
    }
    let now_s = now_secs();
    if received.len() as u64 == total {
        let digest = Sha256::digest(&received);
        let got = hex(&digest);
        if got != hash {
            tx.execute("DELETE FROM photo_uploads WHERE hash = ?1", [hash])?;
            return Ok(Err(AppError::bad_request(
                ErrorCode::PhotoHashMismatch,
                format!("the bytes received hash to {got}, not {hash}: nothing was kept"),
            )));
        }
        let mime = photo_mime_of(&received).unwrap_or("application/octet-stream");
        tx.execute(
            "INSERT INTO photo_blobs (hash, mime, size, bytes, received_at, uploaded_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![hash, mime, total as i64, received, now_s, user_id],
        )?;
        tx.execute("DELETE FROM photo_uploads WHERE hash = ?1", [hash])?;
        return Ok(Ok(PhotoStatus {
            hash: hash.into(),
            state: PhotoUploadState::Stored,
            received: total,
        }));
    }
    tx.execute(
        "INSERT INTO photo_uploads (hash, total, received, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (hash) DO UPDATE SET total = ?2, received = ?3, updated_at = ?4",
        params![hash, total as i64, received, now_s],
    )?;
    Ok(Ok(PhotoStatus {
        hash: hash.into(),
        state: PhotoUploadState::Partial,
        received: received.len() as u64,
    }))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes
        .iter()
        .flat_map(|b| {
            [
                DIGITS[(b >> 4) as usize] as char,
                DIGITS[(b & 15) as usize] as char,
            ]
        })
        .collect()
}

/// The photos a session's document names, with whether the server holds their bytes.
pub fn of_session(tx: &Transaction<'_>, id: Uuid) -> AppResult<Option<Vec<SessionPhoto>>> {
    let known = tx
        .prepare_cached("SELECT 1 FROM sessions WHERE id = ?1")?
        .query_row([id.to_string()], |_| Ok(()))
        .optional()?
        .is_some();
    if !known {
        return Ok(None);
    }
    let mut stmt = tx.prepare_cached(
        "SELECT p.hash, p.kind, p.caption, p.taken_at, p.taken_by, p.bytes, p.mime, p.deleted,
                b.hash IS NOT NULL, g.hash IS NOT NULL
         FROM session_photos p
         LEFT JOIN photo_blobs b ON b.hash = p.hash
         LEFT JOIN photo_purged g ON g.hash = p.hash
         WHERE p.session_id = ?1 ORDER BY p.taken_at, p.hash",
    )?;
    let rows = stmt
        .query_map([id.to_string()], |r| {
            Ok(SessionPhoto {
                hash: r.get(0)?,
                kind: PhotoKind::parse(&r.get::<_, String>(1)?),
                caption: r.get(2)?,
                taken_at: r.get(3)?,
                taken_by: r.get(4)?,
                bytes: r.get::<_, i64>(5)?.max(0) as u64,
                mime: r.get(6)?,
                deleted: r.get(7)?,
                stored: r.get(8)?,
                purged: r.get(9)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(rows))
}

/// A photo's type and bytes, if the server holds them.
pub fn bytes(tx: &Transaction<'_>, hash: &str) -> AppResult<Option<(String, Vec<u8>)>> {
    check_hash(hash)?;
    Ok(tx
        .prepare_cached("SELECT mime, bytes FROM photo_blobs WHERE hash = ?1")?
        .query_row([hash], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

pub fn retention_days(tx: &Transaction<'_>) -> AppResult<u32> {
    let days: i64 = tx.query_row(
        "SELECT retention_days FROM photo_settings WHERE id = 1",
        [],
        |r| r.get(0),
    )?;
    Ok(days.clamp(1, MAX_RETENTION_DAYS as i64) as u32)
}

/// Sets the retention period (audited).
pub fn set_retention_days(tx: &Transaction<'_>, user_id: i64, days: u32) -> AppResult<()> {
    if !(1..=MAX_RETENTION_DAYS).contains(&days) {
        return Err(AppError::bad_request(
            ErrorCode::BadBody,
            format!("the retention period is 1 to {MAX_RETENTION_DAYS} days, not {days}"),
        ));
    }
    let before = retention_days(tx)?;
    tx.execute(
        "UPDATE photo_settings SET retention_days = ?1 WHERE id = 1",
        [days],
    )?;
    audit(
        tx,
        Some(user_id),
        "photos.retention",
        None,
        Some(&format!("{before} -> {days} days")),
    )?;
    Ok(())
}

/// Deletes every photo received more than the retention period before `now` (unix seconds),
/// and the uploads left idle; each photo deleted is one `photo.purged` audit entry naming the
/// sessions that showed it. `by` is the admin who asked, `None` for the janitor.
pub fn purge(tx: &Transaction<'_>, now: i64, by: Option<i64>) -> AppResult<u64> {
    tx.execute(
        "DELETE FROM photo_uploads WHERE updated_at < ?1",
        [now - UPLOAD_IDLE_SECS],
    )?;
    let days = retention_days(tx)?;
    let cutoff = now - i64::from(days) * 86_400;
    let old: Vec<(String, i64)> = tx
        .prepare("SELECT hash, received_at FROM photo_blobs WHERE received_at < ?1")?
        .query_map([cutoff], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (hash, received_at) in &old {
        let sessions: Vec<String> = tx
            .prepare_cached("SELECT session_id FROM session_photos WHERE hash = ?1")?
            .query_map([hash], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        tx.execute("DELETE FROM photo_blobs WHERE hash = ?1", [hash])?;
        tx.execute(
            "INSERT OR REPLACE INTO photo_purged (hash, purged_at) VALUES (?1, ?2)",
            params![hash, now],
        )?;
        audit(
            tx,
            by,
            "photo.purged",
            Some(hash),
            Some(&format!(
                "received at {received_at}, kept {days} days; sessions: {}",
                sessions.join(", ")
            )),
        )?;
    }
    Ok(old.len() as u64)
}
