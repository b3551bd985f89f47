//! `GET /api/admin/backup`: the administrator downloads a backup of the whole database, made
//! as `tachkhis backup` makes it (`db::backup`: read-only, finishes under load).

use axum::{
    body::Body,
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use rusqlite::OptionalExtension;
use tachkhis_shared::api::ErrorBody;

use super::Api;
use crate::{
    AppState,
    db::backup,
    http::error::{AppError, AppResult},
    http::extract::{Allowed, can},
    users::auth,
};

pub fn router() -> Api {
    Api::new().get("/admin/backup", download_backup)
}

/// A backup of the database as a file download (`tachkhis-<commune>-<date>.db`, an SQLite
/// file that `tachkhis restore` takes). Audited.
#[utoipa::path(get, path = "/api/admin/backup", tag = "admin",
    responses((status = 200, description = "the backup, an SQLite database file",
               content_type = "application/vnd.sqlite3"),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn download_backup(
    State(app): State<AppState>,
    user: Allowed<can::Backup>,
) -> AppResult<Response> {
    let db_path = app.db.path().to_owned();
    let (file, report) = tokio::task::spawn_blocking(move || {
        let dir = db_path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."));
        let nonce: u64 = rand::random();
        // Beside the database (same disk, which has room for it), never under a fixed name.
        let dest = dir.join(format!(".download-{nonce:016x}.db"));
        let report = backup::backup_file(&db_path, &dest, false).map_err(AppError::internal)?;
        let file = std::fs::File::open(&dest).map_err(AppError::internal);
        // Open, then unlinked: the stream reads the open file, and nothing is left behind,
        // even if the download is cut.
        let _ = std::fs::remove_file(&dest);
        Ok::<_, AppError>((file?, report))
    })
    .await??;
    let user_id = user.id;
    let bytes = report.bytes;
    let name = app
        .db
        .write(move |tx| {
            auth::audit(
                tx,
                Some(user_id),
                "db.backup",
                None,
                Some(&format!("{bytes} bytes")),
            )?;
            let (commune, date): (Option<String>, String) = tx
                .query_row(
                    "SELECT (SELECT name_fr FROM communes ORDER BY id LIMIT 1), date('now')",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?
                .unwrap_or((None, String::new()));
            Ok(file_name(commune.as_deref().unwrap_or(""), &date))
        })
        .await?;
    let stream = tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(file));
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.sqlite3".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CONTENT_LENGTH, bytes.to_string()),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
            // Sent as it is: compressing hundreds of MB of already-compressed documents and
            // photos would take the CPU from sync.
            (header::CONTENT_ENCODING, "identity".to_string()),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// `tachkhis-<commune>-<date>.db`, in ASCII letters, digits and dashes only (a header value
/// and a name every system accepts).
fn file_name(commune: &str, date: &str) -> String {
    let mut slug = String::new();
    for c in commune.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    let mut name = String::from("tachkhis");
    for part in [slug, date] {
        if !part.is_empty() {
            name.push('-');
            name.push_str(part);
        }
    }
    name + ".db"
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_names_are_plain() {
        assert_eq!(
            super::file_name("Aït Ouabelli (Tata)", "2026-12-01"),
            "tachkhis-a-t-ouabelli-tata-2026-12-01.db"
        );
        assert_eq!(super::file_name("", "2026-12-01"), "tachkhis-2026-12-01.db");
    }
}
