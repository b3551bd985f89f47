//! A body's report on one version: its opinion on the programme, then on the projects in
//! programme order, each reservation with the office's answer. The screen prints it (Arabic,
//! right to left); the JSON is what the PAC document carries for that body.

use rusqlite::Transaction;
use tachkhis_shared::api::opinions::{BodyOpinions, BodyReport, Verdict};

use super::opinions::{for_version, version};
use crate::http::error::AppResult;

/// `body_id`'s report on the version numbered `number` (else the draft, else the latest). A
/// body that gave no opinion on it gets an empty report (404 only for a body that does not
/// exist).
pub fn report(tx: &Transaction<'_>, body_id: i64, number: Option<i64>) -> AppResult<BodyReport> {
    let body = super::body(tx, body_id)?;
    let version = version(tx, number)?;
    let opinions = for_version(tx, version.id)?
        .bodies
        .into_iter()
        .find(|b| b.body.id == body_id)
        .unwrap_or(BodyOpinions {
            body,
            programme: None,
            projects: Vec::new(),
        });
    let all = || opinions.programme.iter().chain(&opinions.projects);
    let count = |v: Verdict| all().filter(|o| o.verdict == v).count();
    Ok(BodyReport {
        favourable: count(Verdict::Favourable),
        reservations: count(Verdict::Reservations),
        unfavourable: count(Verdict::Unfavourable),
        answered: all().filter(|o| o.answer.is_some()).count(),
        illustrative: all().any(|o| o.illustrative),
        version,
        opinions,
    })
}
