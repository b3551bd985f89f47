//! Signed documents (a scanned decision, the letter to the governor, a body's signed report):
//! PDF, JPEG or PNG, the type read from the first bytes (never from the name a browser sends),
//! at most `MAX_ATTACHMENT_BYTES`, stored once by SHA-256 (the same scan uploaded twice is one
//! row, and the answer names it).

use axum::http::StatusCode;
use rusqlite::{OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};
use tachkhis_shared::{
    api::procedure::{Attachment, MAX_ATTACHMENT_BYTES, MAX_FILE_NAME_CHARS},
    codes::ErrorCode,
};

use crate::{
    db::now_secs,
    http::error::{AppError, AppResult},
    users::auth::{self, AuthUser},
};

/// The type of a signed document from its first bytes, or `None`.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else {
        None
    }
}

/// The name kept: the last path segment a browser sent, without control characters, cut to
/// `MAX_FILE_NAME_CHARS`; a default from the type when none is left.
fn clean_name(name: Option<&str>, content_type: &str) -> String {
    let base = name
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_FILE_NAME_CHARS)
        .collect::<String>()
        .trim()
        .to_string();
    if cleaned.is_empty() {
        let ext = match content_type {
            "application/pdf" => "pdf",
            "image/jpeg" => "jpg",
            _ => "png",
        };
        format!("document.{ext}")
    } else {
        cleaned
    }
}

const COLUMNS: &str = "id, sha256, content_type, file_name, size, uploaded_at";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Attachment> {
    Ok(Attachment {
        id: r.get(0)?,
        sha256: r.get(1)?,
        content_type: r.get(2)?,
        file_name: r.get(3)?,
        size: r.get(4)?,
        uploaded_at: r.get(5)?,
    })
}

/// Stores a document (or finds it stored already: `false`). Audited when new.
pub fn store(
    tx: &Transaction<'_>,
    user: &AuthUser,
    name: Option<&str>,
    bytes: &[u8],
) -> AppResult<(Attachment, bool)> {
    if bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(AppError::Coded {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: ErrorCode::AttachmentTooLarge,
            message: format!(
                "a signed document may be at most {} MB",
                MAX_ATTACHMENT_BYTES / (1024 * 1024)
            ),
        });
    }
    let content_type = sniff(bytes).ok_or_else(|| AppError::Coded {
        status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
        code: ErrorCode::AttachmentType,
        message: "a signed document must be a PDF, a JPEG or a PNG (read from its first bytes)"
            .into(),
    })?;
    let sha256 = format!("{:x}", Sha256::digest(bytes));
    if let Some(found) = by_hash(tx, &sha256)? {
        return Ok((found, false));
    }
    let file_name = clean_name(name, content_type);
    let now = now_secs();
    tx.execute(
        "INSERT INTO attachments (sha256, content_type, file_name, size, bytes, uploaded_by,
                                  uploaded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            sha256,
            content_type,
            file_name,
            bytes.len() as i64,
            bytes,
            user.id,
            now
        ],
    )?;
    let id = tx.last_insert_rowid();
    auth::audit(
        tx,
        Some(user.id),
        "attachment_upload",
        Some(&format!("attachment:{id}")),
        Some(&format!(
            "{file_name} ({content_type}, {} bytes)",
            bytes.len()
        )),
    )?;
    Ok((
        get(tx, id)?.ok_or_else(|| AppError::internal("attachment not stored"))?,
        true,
    ))
}

fn by_hash(tx: &Transaction<'_>, sha256: &str) -> AppResult<Option<Attachment>> {
    Ok(tx
        .query_row(
            &format!("SELECT {COLUMNS} FROM attachments WHERE sha256 = ?1"),
            [sha256],
            row,
        )
        .optional()?)
}

pub fn get(tx: &Transaction<'_>, id: i64) -> AppResult<Option<Attachment>> {
    Ok(tx
        .query_row(
            &format!("SELECT {COLUMNS} FROM attachments WHERE id = ?1"),
            [id],
            row,
        )
        .optional()?)
}

/// 400 `unknown_attachment` unless the id names a stored document (for a step or an opinion
/// that attaches one).
pub fn check_exists(tx: &Transaction<'_>, id: Option<i64>) -> AppResult<()> {
    let Some(id) = id else { return Ok(()) };
    if get(tx, id)?.is_some() {
        Ok(())
    } else {
        Err(AppError::bad_request(
            ErrorCode::UnknownAttachment,
            format!("attachment_id: the server holds no attachment {id}"),
        ))
    }
}

/// A document's type, name and bytes.
pub fn bytes(tx: &Transaction<'_>, id: i64) -> AppResult<Option<(String, String, Vec<u8>)>> {
    Ok(tx
        .query_row(
            "SELECT content_type, file_name, bytes FROM attachments WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_comes_from_the_first_bytes() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0]), Some("image/jpeg"));
        assert_eq!(
            sniff(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0]),
            Some("image/png")
        );
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b"PK\x03\x04 a docx"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn names_lose_their_path_and_control_characters() {
        assert_eq!(
            clean_name(Some("C:\\scans\\مقرر.pdf"), "application/pdf"),
            "مقرر.pdf"
        );
        assert_eq!(clean_name(Some("../../x\n.png"), "image/png"), "x.png");
        assert_eq!(clean_name(None, "image/jpeg"), "document.jpg");
        assert_eq!(clean_name(Some("  "), "application/pdf"), "document.pdf");
    }
}
