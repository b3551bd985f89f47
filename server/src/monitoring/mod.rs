//! The monitoring system (Decree 2.16.301 art. 6; issue 13): indicators per project as records
//! (`project_indicators`, targets per year in `indicator_targets`), which replaced the project
//! sheet's free-text field (migration 0014 made each of its lines a record, kind not
//! classified). The office (admin, office: `EditProgramme`) adds, edits, reorders and removes
//! them; everyone who reads the programme reads them. Every write is one audit entry with the
//! record before and after, in the caller's transaction. The file import and export are in
//! [`file`].
//!
//! Targets are per year of the programme: the commune's mandate (`communes.mandate_start` to
//! `mandate_end`, the PAC's six years). Values are exact decimals stored as text.

pub mod file;

use std::collections::HashMap;

use rusqlite::{OptionalExtension, Transaction, params};
use rust_decimal::Decimal;
use serde_json::json;
use tachkhis_shared::{
    api::monitoring::{
        Indicator, IndicatorInput, IndicatorOrder, ProjectIndicators, Quantity, Target,
        parse_quantity,
    },
    api::programme::{MAX_YEAR, MIN_YEAR},
    codes::{ErrorCode, IndicatorKind},
};

use crate::{
    db::now_secs,
    http::error::{AppError, AppResult},
    users::auth,
};

/// Longest label: the old free-text field's limit, so every line it held stays editable.
pub const MAX_LABEL_CHARS: usize = crate::programme::MAX_TEXT_CHARS;
pub const MAX_UNIT_CHARS: usize = 100;
pub const MAX_SOURCE_CHARS: usize = 1_000;
/// Indicators one project may have.
pub const MAX_INDICATORS: usize = 100;

/// An indicator's fields once checked: what is stored, and what an import compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub kind: Option<IndicatorKind>,
    pub label_ar: String,
    pub label_fr: String,
    pub unit: String,
    pub baseline_value: Option<Quantity>,
    pub baseline_year: Option<i32>,
    /// By year, one each.
    pub targets: Vec<Target>,
    pub source: String,
}

impl Record {
    pub fn of(i: &Indicator) -> Record {
        Record {
            kind: i.kind.clone(),
            label_ar: i.label_ar.clone(),
            label_fr: i.label_fr.clone(),
            unit: i.unit.clone(),
            baseline_value: i.baseline_value,
            baseline_year: i.baseline_year,
            targets: i.targets.clone(),
            source: i.source.clone(),
        }
    }

    fn json(&self) -> serde_json::Value {
        json!({
            "kind": self.kind,
            "label_ar": self.label_ar,
            "label_fr": self.label_fr,
            "unit": self.unit,
            "baseline_value": self.baseline_value,
            "baseline_year": self.baseline_year,
            "targets": self.targets,
            "source": self.source,
        })
    }
}

/// The programme's years (the commune's mandate), or `None` before the commune says them.
pub fn programme_years(tx: &Transaction<'_>) -> AppResult<Option<(i32, i32)>> {
    let years: Option<(Option<i32>, Option<i32>)> = tx
        .query_row(
            "SELECT mandate_start, mandate_end FROM communes ORDER BY rowid LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(match years {
        Some((Some(s), Some(e))) if s <= e => Some((s, e)),
        _ => None,
    })
}

fn year_list(years: Option<(i32, i32)>) -> Vec<i32> {
    years.map_or_else(Vec::new, |(s, e)| (s..=e).collect())
}

fn db_quantity(text: Option<String>) -> rusqlite::Result<Option<Quantity>> {
    text.map(|t| {
        Decimal::from_str_exact(t.trim())
            .map(|d| Quantity(d.normalize()))
            .map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    0,
                    rusqlite::types::Type::Text,
                    format!("stored value {t:?}: {e}").into(),
                )
            })
    })
    .transpose()
}

/// Indicators of one project (`Some`), or of every project (`None`), in project then position
/// order. Two queries whatever their number.
pub fn load_indicators(tx: &Transaction<'_>, project: Option<i64>) -> AppResult<Vec<Indicator>> {
    let mut list: Vec<Indicator> = tx
        .prepare_cached(
            "SELECT i.id, i.project_id, i.position, i.kind, i.label_ar, i.label_fr, i.unit,
                    i.baseline_value, i.baseline_year, i.source, i.illustrative, i.updated_at
             FROM project_indicators i JOIN projects p ON p.id = i.project_id
             WHERE ?1 IS NULL OR i.project_id = ?1
             ORDER BY p.number, i.position, i.id",
        )?
        .query_map([project], |r| {
            Ok(Indicator {
                id: r.get(0)?,
                project_id: r.get(1)?,
                position: r.get(2)?,
                kind: r
                    .get::<_, Option<String>>(3)?
                    .map(|k| IndicatorKind::parse(&k)),
                label_ar: r.get(4)?,
                label_fr: r.get(5)?,
                unit: r.get(6)?,
                baseline_value: db_quantity(r.get(7)?)?,
                baseline_year: r.get(8)?,
                targets: Vec::new(),
                source: r.get(9)?,
                illustrative: r.get(10)?,
                updated_at: r.get(11)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let index: HashMap<i64, usize> = list.iter().enumerate().map(|(i, x)| (x.id, i)).collect();
    let mut stmt = tx.prepare_cached(
        "SELECT t.indicator_id, t.year, t.value FROM indicator_targets t
         JOIN project_indicators i ON i.id = t.indicator_id
         WHERE ?1 IS NULL OR i.project_id = ?1 ORDER BY t.indicator_id, t.year",
    )?;
    let mut rows = stmt.query([project])?;
    while let Some(r) = rows.next()? {
        if let Some(&i) = index.get(&r.get::<_, i64>(0)?)
            && let Some(value) = db_quantity(r.get(2)?)?
        {
            list[i].targets.push(Target {
                year: r.get(1)?,
                value,
            });
        }
    }
    Ok(list)
}

fn project_number(tx: &Transaction<'_>, project_id: i64) -> AppResult<i64> {
    tx.query_row(
        "SELECT number FROM projects WHERE id = ?1",
        [project_id],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| AppError::NotFound(format!("no project {project_id}")))
}

/// `GET /api/projects/{id}/indicators`; 404 for an unknown project.
pub fn project_indicators(tx: &Transaction<'_>, project_id: i64) -> AppResult<ProjectIndicators> {
    let number = project_number(tx, project_id)?;
    Ok(ProjectIndicators {
        project_id,
        number,
        years: year_list(programme_years(tx)?),
        indicators: load_indicators(tx, Some(project_id))?,
    })
}

fn get_indicator(tx: &Transaction<'_>, id: i64) -> AppResult<Indicator> {
    let project: i64 = tx
        .query_row(
            "SELECT project_id FROM project_indicators WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("no indicator {id}")))?;
    load_indicators(tx, Some(project))?
        .into_iter()
        .find(|i| i.id == id)
        .ok_or_else(|| AppError::internal("indicator vanished"))
}

fn too_long(field: &str, value: &str, max: usize, reasons: &mut Vec<String>) {
    let n = value.chars().count();
    if n > max {
        reasons.push(format!("{field}: {n} characters, at most {max}"));
    }
}

/// Checks an input (every problem, each naming its field) and reads its values. `was` is the
/// kind the indicator has now (`None` for a new one): only an indicator that has no kind yet
/// (carried over from the old free-text field) may be saved without one.
pub fn check(
    input: &IndicatorInput,
    years: Option<(i32, i32)>,
    was: Option<&Option<IndicatorKind>>,
) -> Result<Record, Vec<String>> {
    let mut reasons = Vec::new();
    let kind = match &input.kind {
        Some(k) if k.is_known() => Some(k.clone()),
        Some(k) => {
            reasons.push(format!("kind: '{k}' is not a kind (output or result)"));
            None
        }
        None if matches!(was, Some(None)) => None,
        None => {
            reasons.push("kind: required (output or result)".into());
            None
        }
    };
    let label_ar = input.label_ar.trim().to_string();
    if label_ar.is_empty() {
        reasons.push("label_ar: the Arabic label is required".into());
    }
    let (label_fr, unit, source) = (
        input.label_fr.trim().to_string(),
        input.unit.trim().to_string(),
        input.source.trim().to_string(),
    );
    too_long("label_ar", &label_ar, MAX_LABEL_CHARS, &mut reasons);
    too_long("label_fr", &label_fr, MAX_LABEL_CHARS, &mut reasons);
    too_long("unit", &unit, MAX_UNIT_CHARS, &mut reasons);
    too_long("source", &source, MAX_SOURCE_CHARS, &mut reasons);
    let baseline_value = if input.baseline_value.trim().is_empty() {
        None
    } else {
        parse_quantity(&input.baseline_value)
            .map_err(|e| reasons.push(format!("baseline_value: {e}")))
            .ok()
    };
    if let Some(y) = input.baseline_year
        && !(MIN_YEAR..=MAX_YEAR).contains(&y)
    {
        reasons.push(format!(
            "baseline_year: {y} is not between {MIN_YEAR} and {MAX_YEAR}"
        ));
    }
    let mut targets: Vec<Target> = Vec::new();
    for t in &input.targets {
        let field = format!("targets.{}", t.year);
        let in_range = match years {
            Some((s, e)) => (s..=e).contains(&t.year),
            None => (MIN_YEAR..=MAX_YEAR).contains(&t.year),
        };
        if !in_range {
            reasons.push(match years {
                Some((s, e)) => format!("{field}: not a year of the programme ({s}-{e})"),
                None => format!("{field}: not a year between {MIN_YEAR} and {MAX_YEAR}"),
            });
            continue;
        }
        if targets.iter().any(|x| x.year == t.year) {
            reasons.push(format!("{field}: given twice"));
            continue;
        }
        if t.value.trim().is_empty() {
            continue;
        }
        match parse_quantity(&t.value) {
            Ok(value) => targets.push(Target {
                year: t.year,
                value,
            }),
            Err(e) => reasons.push(format!("{field}: {e}")),
        }
    }
    targets.sort_by_key(|t| t.year);
    if reasons.is_empty() {
        Ok(Record {
            kind,
            label_ar,
            label_fr,
            unit,
            baseline_value,
            baseline_year: input.baseline_year,
            targets,
            source,
        })
    } else {
        Err(reasons)
    }
}

fn invalid(reasons: Vec<String>) -> AppError {
    AppError::bad_request(ErrorCode::InvalidIndicator, reasons.join("; "))
}

/// Writes a record: a new row last of its project (`id` None) or over the row `id`, targets
/// replaced. Returns the indicator's id.
pub fn write_record(
    tx: &Transaction<'_>,
    id: Option<i64>,
    project_id: i64,
    r: &Record,
    illustrative: bool,
) -> AppResult<i64> {
    let now = now_secs();
    let kind = r.kind.as_ref().map(|k| k.code().to_string());
    let baseline = r.baseline_value.map(|q| q.to_string());
    let id = match id {
        Some(id) => {
            tx.execute(
                "UPDATE project_indicators SET kind = ?1, label_ar = ?2, label_fr = ?3, unit = ?4,
                    baseline_value = ?5, baseline_year = ?6, source = ?7, illustrative = ?8,
                    updated_at = ?9
                 WHERE id = ?10",
                params![
                    kind,
                    r.label_ar,
                    r.label_fr,
                    r.unit,
                    baseline,
                    r.baseline_year,
                    r.source,
                    illustrative,
                    now,
                    id
                ],
            )?;
            tx.execute(
                "DELETE FROM indicator_targets WHERE indicator_id = ?1",
                [id],
            )?;
            id
        }
        None => {
            tx.execute(
                "INSERT INTO project_indicators (project_id, position, kind, label_ar, label_fr,
                    unit, baseline_value, baseline_year, source, illustrative, created_at,
                    updated_at)
                 VALUES (?1, (SELECT coalesce(max(position), 0) + 1 FROM project_indicators
                              WHERE project_id = ?1),
                         ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
                params![
                    project_id,
                    kind,
                    r.label_ar,
                    r.label_fr,
                    r.unit,
                    baseline,
                    r.baseline_year,
                    r.source,
                    illustrative,
                    now
                ],
            )?;
            tx.last_insert_rowid()
        }
    };
    let mut target = tx.prepare_cached(
        "INSERT INTO indicator_targets (indicator_id, year, value) VALUES (?1, ?2, ?3)",
    )?;
    for t in &r.targets {
        target.execute(params![id, t.year, t.value.to_string()])?;
    }
    Ok(id)
}

fn count_of(tx: &Transaction<'_>, project_id: i64) -> AppResult<usize> {
    Ok(tx.query_row(
        "SELECT count(*) FROM project_indicators WHERE project_id = ?1",
        [project_id],
        |r| r.get::<_, i64>(0),
    )? as usize)
}

/// Adds an indicator, last of the project's; 404 for an unknown project, 400
/// `invalid_indicator` naming every bad field.
pub fn create_indicator(
    tx: &Transaction<'_>,
    user_id: Option<i64>,
    project_id: i64,
    input: &IndicatorInput,
) -> AppResult<Indicator> {
    let number = project_number(tx, project_id)?;
    let record = check(input, programme_years(tx)?, None).map_err(invalid)?;
    if count_of(tx, project_id)? >= MAX_INDICATORS {
        return Err(invalid(vec![format!(
            "project {number} has {MAX_INDICATORS} indicators already, the most a project may have"
        )]));
    }
    let id = write_record(tx, None, project_id, &record, false)?;
    auth::audit(
        tx,
        user_id,
        "indicator.create",
        Some(&format!("indicator:{id}")),
        Some(&json!({"project": number, "after": record.json()}).to_string()),
    )?;
    get_indicator(tx, id)
}

/// Replaces an indicator's fields (its place in the order stays). A demo indicator edited by
/// the office is no longer illustrative.
pub fn update_indicator(
    tx: &Transaction<'_>,
    user_id: Option<i64>,
    id: i64,
    input: &IndicatorInput,
) -> AppResult<Indicator> {
    let before = get_indicator(tx, id)?;
    let record = check(input, programme_years(tx)?, Some(&before.kind)).map_err(invalid)?;
    write_record(tx, Some(id), before.project_id, &record, false)?;
    let number = project_number(tx, before.project_id)?;
    auth::audit(
        tx,
        user_id,
        "indicator.update",
        Some(&format!("indicator:{id}")),
        Some(
            &json!({"project": number, "before": Record::of(&before).json(), "after": record.json()})
                .to_string(),
        ),
    )?;
    get_indicator(tx, id)
}

/// Removes an indicator; the others close the gap in the order.
pub fn delete_indicator(tx: &Transaction<'_>, user_id: Option<i64>, id: i64) -> AppResult<()> {
    let before = get_indicator(tx, id)?;
    tx.execute("DELETE FROM project_indicators WHERE id = ?1", [id])?;
    tx.execute(
        "UPDATE project_indicators SET position = position - 1
         WHERE project_id = ?1 AND position > ?2",
        params![before.project_id, before.position],
    )?;
    let number = project_number(tx, before.project_id)?;
    auth::audit(
        tx,
        user_id,
        "indicator.delete",
        Some(&format!("indicator:{id}")),
        Some(&json!({"project": number, "before": Record::of(&before).json()}).to_string()),
    )?;
    Ok(())
}

/// Puts a project's indicators in the order given: every one of them, each once.
pub fn order_indicators(
    tx: &Transaction<'_>,
    user_id: Option<i64>,
    project_id: i64,
    order: &IndicatorOrder,
) -> AppResult<ProjectIndicators> {
    let number = project_number(tx, project_id)?;
    let now: Vec<i64> = load_indicators(tx, Some(project_id))?
        .iter()
        .map(|i| i.id)
        .collect();
    let mut given = order.ids.clone();
    given.sort_unstable();
    let mut have = now.clone();
    have.sort_unstable();
    if given != have {
        return Err(invalid(vec![format!(
            "ids: give every indicator of project {number} once (it has {})",
            now.iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )]));
    }
    let mut set = tx.prepare_cached("UPDATE project_indicators SET position = ?1 WHERE id = ?2")?;
    for (i, id) in order.ids.iter().enumerate() {
        set.execute(params![i as i64 + 1, id])?;
    }
    auth::audit(
        tx,
        user_id,
        "indicator.order",
        Some(&format!("project:{project_id}")),
        Some(&json!({"project": number, "before": now, "after": order.ids}).to_string()),
    )?;
    project_indicators(tx, project_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tachkhis_shared::api::monitoring::TargetInput;

    fn input(kind: Option<IndicatorKind>, label: &str) -> IndicatorInput {
        IndicatorInput {
            kind,
            label_ar: label.into(),
            ..IndicatorInput::default()
        }
    }

    /// A database from before the records: the free-text field's lines become indicators of
    /// their project, in order, whole, not classified; blank lines and empty fields make none;
    /// the column is gone.
    #[test]
    fn the_old_free_text_field_is_carried_over_line_by_line() {
        use rusqlite_migration::{M, Migrations};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            // Every migration before 0014 (those the records came after).
            let before: Vec<M> = [
                include_str!("../../../migrations/0001_init.sql"),
                include_str!("../../../migrations/0002_consolidation_programme.sql"),
                include_str!("../../../migrations/0003_session_v2.sql"),
                include_str!("../../../migrations/0004_devices.sql"),
                include_str!("../../../migrations/0005_sync_hardening.sql"),
                include_str!("../../../migrations/0006_commune.sql"),
                include_str!("../../../migrations/0007_partners.sql"),
                include_str!("../../../migrations/0008_territory.sql"),
                include_str!("../../../migrations/0009_people.sql"),
                include_str!("../../../migrations/0010_structure.sql"),
                include_str!("../../../migrations/0011_photos.sql"),
                include_str!("../../../migrations/0012_restores.sql"),
            ]
            .into_iter()
            .map(M::up)
            .collect();
            let mut conn = rusqlite::Connection::open(&path).unwrap();
            Migrations::new(before).to_latest(&mut conn).unwrap();
            conn.execute_batch(
                "INSERT INTO projects (id, number, title_ar, indicators) VALUES
                    (1, 1, 'أ', 'عدد الأسر المستفيدة' || char(13) || char(10) || '  ' || char(10)
                                || '  Longueur de piste (km)  ' || char(10)),
                    (2, 2, 'ب', ''),
                    (3, 3, 'ج', 'مؤشر واحد بلا سطر جديد');",
            )
            .unwrap();
        }
        let db = crate::db::Db::open(&path).unwrap();
        let list = db.read_blocking(|tx| load_indicators(tx, None)).unwrap();
        let got: Vec<(i64, i64, Option<IndicatorKind>, &str)> = list
            .iter()
            .map(|i| {
                (
                    i.project_id,
                    i.position,
                    i.kind.clone(),
                    i.label_ar.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (1, 1, None, "عدد الأسر المستفيدة"),
                (1, 2, None, "Longueur de piste (km)"),
                (3, 1, None, "مؤشر واحد بلا سطر جديد"),
            ]
        );
        let column: i64 = db
            .read_blocking(|tx| {
                Ok(tx.query_row(
                    "SELECT count(*) FROM pragma_table_info('projects') WHERE name = 'indicators'",
                    [],
                    |r| r.get(0),
                )?)
            })
            .unwrap();
        assert_eq!(column, 0);
        // A carried-over indicator may be saved unclassified, and classified later.
        let kept = check(&input(None, &list[0].label_ar), None, Some(&list[0].kind));
        assert!(kept.is_ok());
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut i = input(None, "  ");
        i.baseline_value = "12a".into();
        i.baseline_year = Some(1900);
        i.targets = vec![
            TargetInput {
                year: 2030,
                value: "1".into(),
            },
            TargetInput {
                year: 2024,
                value: "1,500".into(),
            },
            TargetInput {
                year: 2025,
                value: "3".into(),
            },
            TargetInput {
                year: 2025,
                value: "4".into(),
            },
        ];
        let e = check(&i, Some((2023, 2028)), None).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|r| r.split(':').next().unwrap()).collect();
        assert_eq!(
            fields,
            [
                "kind",
                "label_ar",
                "baseline_value",
                "baseline_year",
                "targets.2030",
                "targets.2024",
                "targets.2025"
            ],
            "{e:?}"
        );
    }

    #[test]
    fn only_an_unclassified_indicator_may_stay_unclassified() {
        let i = input(None, "عدد الأسر");
        assert!(check(&i, None, None).is_err());
        assert!(check(&i, None, Some(&Some(IndicatorKind::Output))).is_err());
        assert_eq!(check(&i, None, Some(&None)).unwrap().kind, None);
        let i = input(Some(IndicatorKind::Unknown("impact".into())), "x");
        assert!(check(&i, None, None).unwrap_err()[0].starts_with("kind:"));
    }

    #[test]
    fn targets_are_sorted_and_blank_ones_dropped() {
        let mut i = input(Some(IndicatorKind::Output), "كلم من المسالك");
        i.targets = vec![
            TargetInput {
                year: 2026,
                value: "8,5".into(),
            },
            TargetInput {
                year: 2024,
                value: "٣".into(),
            },
            TargetInput {
                year: 2025,
                value: " ".into(),
            },
        ];
        let r = check(&i, Some((2023, 2028)), None).unwrap();
        let t: Vec<(i32, String)> = r
            .targets
            .iter()
            .map(|t| (t.year, t.value.to_string()))
            .collect();
        assert_eq!(t, [(2024, "3".to_string()), (2026, "8.5".to_string())]);
    }
}
