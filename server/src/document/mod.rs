//! The PAC as a printed document (issue 14): `data` gathers everything it shows in one read
//! ([`PacDocument`], which a frozen version stores as JSON in `pac_versions.document`), `html`
//! renders it as one printable page in Arabic (right to left) or French, `svg` draws its
//! charts. The route is `GET /api/pac/document` (`http/routes/document.rs`); the stylesheet
//! (`print.css`) is served at `/api/pac/document.css`.

use rusqlite::{OptionalExtension, Transaction, params};

pub mod data;
pub mod html;
pub mod svg;

pub use data::{PacDocument, VersionInfo, data};
pub use html::{Lang, SECTIONS, render};

use crate::http::error::{AppError, AppResult};

/// The print stylesheet, linked by every rendered page.
pub const STYLESHEET: &str = include_str!("print.css");
/// Where the route serves it.
pub const STYLESHEET_PATH: &str = "/api/pac/document.css";

/// The document of a version (`Some(number)`) or the current one: a draft renders the live
/// data; a frozen version its stored JSON, under its status of today (voted, then executable
/// or superseded) and with its procedure as recorded today: the steps after the vote (the
/// dispatch to the governor, the visa) are the version's story, not a change to what was
/// voted. No version asked: the draft if there is one, else the latest frozen one.
pub fn document_of(tx: &Transaction<'_>, version: Option<i64>) -> AppResult<PacDocument> {
    const COLUMNS: &str = "SELECT number, kind, status, frozen_at, document, id FROM pac_versions";
    type Row = (VersionInfo, Option<String>, i64);
    let read = |r: &rusqlite::Row<'_>| -> rusqlite::Result<Row> {
        Ok((
            VersionInfo {
                number: r.get(0)?,
                kind: r.get(1)?,
                status: r.get(2)?,
                frozen_at: r.get(3)?,
            },
            r.get(4)?,
            r.get(5)?,
        ))
    };
    let row = match version {
        Some(n) => Some(
            tx.query_row(&format!("{COLUMNS} WHERE number = ?1"), params![n], read)
                .optional()?
                .ok_or_else(|| AppError::NotFound(format!("the PAC has no version {n}")))?,
        ),
        None => tx
            .query_row(
                &format!("{COLUMNS} ORDER BY status = 'draft' DESC, number DESC LIMIT 1"),
                [],
                read,
            )
            .optional()?,
    };
    match row {
        None => data(tx),
        Some((v, _, _)) if v.status == "draft" => data(tx),
        Some((v, None, _)) => Err(AppError::Conflict(format!(
            "version {} was frozen without its document: it cannot be printed as voted \
             (the live programme is printed without ?version while a draft is open)",
            v.number
        ))),
        Some((v, Some(json), id)) => {
            let mut doc: PacDocument = serde_json::from_str(&json).map_err(|e| {
                AppError::internal(format!("version {}'s stored document: {e}", v.number))
            })?;
            doc.version = Some(v);
            doc.steps = data::steps(tx, id)?;
            Ok(doc)
        }
    }
}

/// What a vote that freezes the draft stores in `pac_versions.document`: the document's data
/// as JSON, read in the freezing transaction.
pub fn frozen_json(tx: &Transaction<'_>) -> AppResult<String> {
    serde_json::to_string(&data(tx)?).map_err(AppError::internal)
}
