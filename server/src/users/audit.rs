//! Reading the audit log (`auth::audit` writes it): who did what, when.

use rusqlite::Transaction;
use tachkhis_shared::api::AuditEntry;

use crate::http::error::AppResult;

/// Entries older than `before` (an id), newest first, at most `limit`.
pub fn list(tx: &Transaction<'_>, before: i64, limit: u32) -> AppResult<Vec<AuditEntry>> {
    Ok(tx
        .prepare(
            "SELECT a.id, a.at, u.username, a.action, a.target, a.detail
             FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
             WHERE a.id < ?1 ORDER BY a.id DESC LIMIT ?2",
        )?
        .query_map(rusqlite::params![before, limit], |r| {
            Ok(AuditEntry {
                id: r.get(0)?,
                at: r.get(1)?,
                username: r.get(2)?,
                action: r.get(3)?,
                target: r.get(4)?,
                detail: r.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?)
}
