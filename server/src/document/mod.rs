//! The PAC as a printed document (issue 14): `data` gathers everything it shows in one read
//! ([`PacDocument`], which a frozen version stores as JSON in `pac_versions.document`), `html`
//! renders it as one printable page in Arabic (right to left) or French, `svg` draws its
//! charts. The route is `GET /api/pac/document` (`http/routes/document.rs`); the stylesheet
//! (`print.css`) is served at `/api/pac/document.css`.

use rusqlite::{OptionalExtension, Transaction, params};

pub mod data;
pub mod html;
pub mod svg;

pub use data::{PacDocument, data};
pub use html::{Lang, SECTIONS, render};

use crate::http::error::{AppError, AppResult};

/// The print stylesheet, linked by every rendered page.
pub const STYLESHEET: &str = include_str!("print.css");
/// Where the route serves it.
pub const STYLESHEET_PATH: &str = "/api/pac/document.css";

/// The document of a version (`Some(number)`) or the current one: a draft renders the live
/// data; a frozen version its stored JSON. No version asked: the draft if there is one, else
/// the latest frozen version.
pub fn document_of(tx: &Transaction<'_>, version: Option<i64>) -> AppResult<PacDocument> {
    let row: Option<(i64, String, Option<String>)> = match version {
        Some(n) => tx
            .query_row(
                "SELECT number, status, document FROM pac_versions WHERE number = ?1",
                params![n],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?
            .map(Some)
            .ok_or_else(|| AppError::NotFound(format!("the PAC has no version {n}")))?,
        None => tx
            .query_row(
                "SELECT number, status, document FROM pac_versions
                 ORDER BY status = 'draft' DESC, number DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?,
    };
    match row {
        None => data(tx),
        Some((_, status, _)) if status == "draft" => data(tx),
        Some((number, _, None)) => Err(AppError::Conflict(format!(
            "version {number} was frozen without its document: it cannot be printed as voted \
             (the live programme is printed without ?version)"
        ))),
        Some((number, _, Some(json))) => serde_json::from_str(&json)
            .map_err(|e| AppError::internal(format!("version {number}'s stored document: {e}"))),
    }
}
