//! The values the monitoring indicators reached, per indicator and year (issue 15, exec),
//! beside their targets (`indicator_targets`): the physical progress. A value is read with
//! `parse_quantity`, the monitoring system's one reading. Written by `RecordExecution`, each
//! write audited.

use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::json;
use tachkhis_shared::api::{
    execution::{IndicatorValue, IndicatorValueInput},
    monitoring::{Quantity, parse_quantity},
    programme::{MAX_YEAR, MIN_YEAR},
};

use super::records::{invalid, too_long};
use crate::{
    db::now_secs,
    http::error::{AppError, AppResult},
    users::auth,
};

fn read(
    tx: &Transaction<'_>,
    sql: &str,
    p: impl rusqlite::Params,
) -> AppResult<Vec<IndicatorValue>> {
    let mut stmt = tx.prepare(sql)?;
    let rows: Vec<(i64, i32, String, String, bool)> = stmt
        .query_map(p, |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(indicator_id, year, value, note, illustrative)| {
            let value = value
                .parse()
                .map(Quantity)
                .map_err(|e| AppError::internal(format!("stored value {value:?}: {e}")))?;
            Ok(IndicatorValue {
                indicator_id,
                year,
                value,
                note,
                illustrative,
            })
        })
        .collect()
}

/// A project's indicators' values, by indicator order and year.
pub fn of_project(tx: &Transaction<'_>, project_id: i64) -> AppResult<Vec<IndicatorValue>> {
    read(
        tx,
        "SELECT v.indicator_id, v.year, v.value, v.note, v.illustrative
         FROM indicator_values v JOIN project_indicators i ON i.id = v.indicator_id
         WHERE i.project_id = ?1 ORDER BY i.position, v.year",
        [project_id],
    )
}

fn one(tx: &Transaction<'_>, indicator_id: i64, year: i32) -> AppResult<Option<IndicatorValue>> {
    Ok(read(
        tx,
        "SELECT indicator_id, year, value, note, illustrative FROM indicator_values
         WHERE indicator_id = ?1 AND year = ?2",
        params![indicator_id, year],
    )?
    .pop())
}

fn indicator_exists(tx: &Transaction<'_>, id: i64) -> AppResult<()> {
    tx.query_row(
        "SELECT id FROM project_indicators WHERE id = ?1",
        [id],
        |r| r.get::<_, i64>(0),
    )
    .optional()?
    .map(|_| ())
    .ok_or_else(|| AppError::NotFound(format!("no indicator {id}")))
}

/// Writes (or replaces) the value an indicator reached in a year.
pub fn set(
    tx: &Transaction<'_>,
    user_id: Option<i64>,
    indicator_id: i64,
    year: i32,
    input: &IndicatorValueInput,
    illustrative: bool,
) -> AppResult<IndicatorValue> {
    indicator_exists(tx, indicator_id)?;
    let mut reasons = Vec::new();
    if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
        reasons.push(format!(
            "year: {year} is not between {MIN_YEAR} and {MAX_YEAR}"
        ));
    }
    let value = parse_quantity(&input.value)
        .map_err(|e| reasons.push(format!("value: {e}")))
        .ok();
    let note = input.note.trim().to_string();
    too_long("note", &note, 1_000, &mut reasons);
    let Some(value) = value.filter(|_| reasons.is_empty()) else {
        return Err(invalid(reasons));
    };
    let before = one(tx, indicator_id, year)?;
    tx.execute(
        "INSERT INTO indicator_values (indicator_id, year, value, note, illustrative,
            recorded_by, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (indicator_id, year) DO UPDATE SET value = ?3, note = ?4,
            illustrative = ?5, recorded_by = ?6, recorded_at = ?7",
        params![
            indicator_id,
            year,
            value.0.to_string(),
            note,
            illustrative,
            user_id,
            now_secs()
        ],
    )?;
    let after = one(tx, indicator_id, year)?
        .ok_or_else(|| AppError::internal("indicator value vanished"))?;
    auth::audit(
        tx,
        user_id,
        "indicator_value.set",
        Some(&format!("indicator:{indicator_id}")),
        Some(&json!({"year": year, "before": before, "after": after}).to_string()),
    )?;
    Ok(after)
}

pub fn delete(
    tx: &Transaction<'_>,
    user_id: Option<i64>,
    indicator_id: i64,
    year: i32,
) -> AppResult<()> {
    indicator_exists(tx, indicator_id)?;
    let before = one(tx, indicator_id, year)?.ok_or_else(|| {
        AppError::NotFound(format!("no value of indicator {indicator_id} in {year}"))
    })?;
    tx.execute(
        "DELETE FROM indicator_values WHERE indicator_id = ?1 AND year = ?2",
        params![indicator_id, year],
    )?;
    auth::audit(
        tx,
        user_id,
        "indicator_value.delete",
        Some(&format!("indicator:{indicator_id}")),
        Some(&json!({"year": year, "before": before}).to_string()),
    )?;
    Ok(())
}
