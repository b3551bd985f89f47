//! Six years of follow-up (issue 15): the execution records per project and year
//! (`execution_records` with their amounts per funder, funding sources and documents), the
//! partnership agreements, a project's timeline, the values the monitoring indicators reached,
//! the rolling three-year programming and the annual evaluation. The schema is
//! `migrations/0021_execution.sql`.
//!
//! This module holds what every reader of the follow-up shares: a project's **current status**
//! (derived from its records, never typed twice) and its **progress**, financial (paid against
//! cost) and physical (indicators reached against target), kept apart. The dashboards, the
//! project's story, the evaluation report and the public pages all read these two functions, so
//! they cannot disagree.

// The execution records and what goes with them (issue 15, exec).
pub mod agreements;
pub mod demo;
pub mod import;
pub mod legacy;
pub mod records;
pub mod timeline;
pub mod values;
// The three-year programming and the annual evaluation (issue 15, plan3).
pub mod evaluation;
pub mod plan;

use std::collections::HashMap;

// The dashboards and a project's whole story (issue 15, dash).
pub mod dashboard;
pub mod story;

use rusqlite::{Transaction, params};
use rust_decimal::{Decimal, RoundingStrategy};
use tachkhis_shared::{
    api::execution::{CurrentStatus, IndicatorProgress, ProjectProgress},
    api::monitoring::Quantity,
    codes::ExecutionStatus,
    money::Mad,
};

use crate::{
    db::row,
    http::error::{AppError, AppResult},
    programme::db_mad,
};

/// The current status of every project that has an execution record: the status of the
/// record of its greatest year.
pub fn current_statuses(tx: &Transaction<'_>) -> AppResult<HashMap<i64, CurrentStatus>> {
    let mut stmt = tx.prepare(
        "SELECT r.project_id, r.year, r.status, r.status_reason FROM execution_records r
         WHERE r.year = (SELECT max(year) FROM execution_records WHERE project_id = r.project_id)",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            CurrentStatus {
                year: r.get(1)?,
                status: row::code::<ExecutionStatus>(r, 2)?,
                reason: r.get(3)?,
            },
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The progress of every project (`None`) or of one, keyed by project id. Four queries
/// whatever the number of projects. A project id that does not exist gives an empty map.
pub fn progress(
    tx: &Transaction<'_>,
    only: Option<i64>,
) -> AppResult<HashMap<i64, ProjectProgress>> {
    let mut out: HashMap<i64, ProjectProgress> = HashMap::new();
    {
        let mut stmt = tx.prepare(
            "SELECT id, commune_contribution, partners_contribution FROM projects
             WHERE ?1 IS NULL OR id = ?1",
        )?;
        let rows = stmt.query_map([only], |r| {
            let commune = db_mad(r.get(1)?)?;
            let partners = db_mad(r.get(2)?)?;
            let cost = match (commune, partners) {
                (None, None) => None,
                (c, p) => Some(c.unwrap_or_default() + p.unwrap_or_default()),
            };
            Ok((r.get::<_, i64>(0)?, cost))
        })?;
        for row in rows {
            let (id, cost) = row?;
            out.insert(
                id,
                ProjectProgress {
                    project_id: id,
                    status: None,
                    cost,
                    programmed: Mad::zero(),
                    committed: Mad::zero(),
                    paid: Mad::zero(),
                    financial_percent: None,
                    indicators: Vec::new(),
                },
            );
        }
    }
    for (id, status) in current_statuses(tx)? {
        if let Some(p) = out.get_mut(&id) {
            p.status = Some(status);
        }
    }
    {
        let mut stmt = tx.prepare(
            "SELECT r.project_id, a.programmed, a.committed, a.paid
             FROM execution_amounts a JOIN execution_records r ON r.id = a.record_id
             WHERE ?1 IS NULL OR r.project_id = ?1",
        )?;
        let rows = stmt.query_map([only], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        for row in rows {
            let (id, programmed, committed, paid) = row?;
            if let Some(p) = out.get_mut(&id) {
                p.programmed += stored_mad(&programmed)?;
                p.committed += stored_mad(&committed)?;
                p.paid += stored_mad(&paid)?;
            }
        }
    }
    for p in out.values_mut() {
        p.financial_percent = p.cost.and_then(|cost| percent(p.paid.0, cost.0));
    }
    indicator_progress(tx, only, &mut out)?;
    Ok(out)
}

/// One project's progress; `None` when the project does not exist.
pub fn project_progress(
    tx: &Transaction<'_>,
    project_id: i64,
) -> AppResult<Option<ProjectProgress>> {
    Ok(progress(tx, Some(project_id))?.remove(&project_id))
}

/// Each indicator's latest value reached, against the target of that year, or its last target
/// when that year has none.
fn indicator_progress(
    tx: &Transaction<'_>,
    only: Option<i64>,
    out: &mut HashMap<i64, ProjectProgress>,
) -> AppResult<()> {
    let mut stmt = tx.prepare(
        "SELECT i.project_id, i.id, i.label_ar, i.label_fr, i.unit,
                v.year, v.value,
                COALESCE(
                    (SELECT t.value FROM indicator_targets t
                     WHERE t.indicator_id = i.id AND t.year = v.year),
                    (SELECT t.value FROM indicator_targets t
                     WHERE t.indicator_id = i.id ORDER BY t.year DESC LIMIT 1))
         FROM project_indicators i
         LEFT JOIN indicator_values v ON v.indicator_id = i.id
             AND v.year = (SELECT max(year) FROM indicator_values WHERE indicator_id = i.id)
         WHERE ?1 IS NULL OR i.project_id = ?1
         ORDER BY i.project_id, i.position",
    )?;
    let rows = stmt.query_map([only], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, Option<i32>>(5)?,
            r.get::<_, Option<String>>(6)?,
            r.get::<_, Option<String>>(7)?,
        ))
    })?;
    for row in rows {
        let (project_id, indicator_id, label_ar, label_fr, unit, year, reached, target) = row?;
        let reached = reached.as_deref().map(stored_quantity).transpose()?;
        let target = target.as_deref().map(stored_quantity).transpose()?;
        let percent = match (reached, target) {
            (Some(r), Some(t)) => percent(r.0, t.0),
            _ => None,
        };
        if let Some(p) = out.get_mut(&project_id) {
            p.indicators.push(IndicatorProgress {
                indicator_id,
                label_ar,
                label_fr,
                unit,
                year,
                reached,
                target,
                percent,
            });
        }
    }
    Ok(())
}

/// `part` against `whole` in percent, rounded half away from zero to one decimal; `None` when
/// `whole` is not positive.
pub fn percent(part: Decimal, whole: Decimal) -> Option<Quantity> {
    if whole <= Decimal::ZERO {
        return None;
    }
    let ratio = part.checked_mul(Decimal::ONE_HUNDRED)?.checked_div(whole)?;
    Some(Quantity(ratio.round_dp_with_strategy(
        1,
        RoundingStrategy::MidpointAwayFromZero,
    )))
}

/// An amount as the follow-up's tables store it (never NULL there).
pub fn stored_mad(text: &str) -> AppResult<Mad> {
    text.parse::<Mad>()
        .map_err(|e| AppError::internal(format!("a stored amount {text:?} does not read: {e}")))
}

fn stored_quantity(text: &str) -> AppResult<Quantity> {
    text.parse::<Decimal>()
        .map(Quantity)
        .map_err(|e| AppError::internal(format!("a stored value {text:?} does not read: {e}")))
}

/// Whether a project exists (the follow-up's writes answer 404 for an unknown one).
pub fn project_exists(tx: &Transaction<'_>, project_id: i64) -> AppResult<bool> {
    tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM projects WHERE id = ?1)",
        params![project_id],
        |r| r.get(0),
    )
    .map_err(AppError::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::prelude::FromStr;

    #[test]
    fn percent_rounds_to_one_decimal_and_needs_a_positive_whole() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(percent(d("1"), d("3")).unwrap().to_string(), "33.3");
        assert_eq!(percent(d("2"), d("3")).unwrap().to_string(), "66.7");
        assert_eq!(percent(d("150"), d("100")).unwrap().to_string(), "150");
        assert_eq!(percent(d("5"), d("0")), None);
    }
}
