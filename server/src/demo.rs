//! The seed commune as demo data (`tachkhis serve --demo` on an empty database).
//!
//! Everything is in files of `server/demo/` (see its README) and goes in through the paths a
//! commune's own set-up takes. From the seed document: the programme (2 axes, 7 programmes,
//! `programmes.csv`), the six projects it names (`projects-known.csv`) and the douars it names.
//! The seed does not name the 7 poles nor say which douar is in which: `territory.csv` (the
//! territory file, imported by `territory::file`) has them, marked illustrative
//! (`illustrative = 1`). Project programmes are inferred from the numbering (projects are
//! numbered programme by programme in table order: 1-13 infrastructure, 14-21 basic facilities,
//! …). Axes and programmes are written from `programmes.csv` here: the structure has no file
//! import (the office edits it on its screen), and the demo keeps the seed's English names,
//! which the structure editor does not hold.
//!
//! The seed counts 43 projects but names six. `demo/projects.csv` is the whole list as a
//! commune would import it, derived once from the seed's two tables (see `demo/README.md`):
//! each unnamed number is a placeholder project (`placeholder = 1`, a title saying it is
//! unnamed, a `programme_note` saying why), and each programme's commune and partner totals are
//! spread over its placeholders to the centime (the remainder on the last), so the programme
//! table comes back out exactly as `demo/programmes.csv`. It goes in through the programme
//! import (`programme::import`), the path an office's own file takes.

use rusqlite::{Transaction, params};
use tachkhis_shared::api::{Role, setup::CommuneSetup};

use crate::{
    export::FileFormat,
    http::error::{AppError, AppResult},
    programme::import::{ImportMode, import_projects},
    setup,
    territory::file::load_territory_file,
    users::auth,
};

pub const DEMO_PASSWORD: &str = "tachkhis-demo";
pub const DEMO_USERS: &[(&str, Role)] = &[
    ("admin", Role::Admin),
    ("facilitator", Role::Facilitator),
    ("office", Role::Office),
    ("committee", Role::Committee),
    ("bureau", Role::Bureau),
    ("secretariat", Role::Secretariat),
    ("ieecag", Role::Ieecag),
];

const PROGRAMMES_CSV: &str = include_str!("../demo/programmes.csv");
const PROJECTS_CSV: &str = include_str!("../demo/projects.csv");

const TERRITORY_CSV: &str = include_str!("../demo/territory.csv");
/// Indicators for a few of the seed's named projects: the seed gives none, so they are made up
/// for illustration and marked so (`illustrative = 1`).
const INDICATORS_CSV: &str = include_str!("../demo/indicators.csv");

/// The seed does not give the commune's name, province or region.
fn demo_commune() -> CommuneSetup {
    CommuneSetup {
        name_ar: "الجماعة (نموذج من وثيقة برنامج عمل 2023-2028)".into(),
        name_fr: "Commune (démo, d'après le PAC 2023-2028)".into(),
        province: "(لا تذكره الوثيقة / non nommée dans le document)".into(),
        region: "(لا تذكرها الوثيقة / non nommée dans le document)".into(),
        mandate_start: 2023,
        mandate_end: 2028,
    }
}

/// Fills an empty database; does nothing when the commune is already there. Each part goes
/// in through the path a commune's own set-up takes: the first-run set-up (commune and
/// administrator), the territory file, the project import, the users' creation.
pub fn load_if_empty(tx: &Transaction<'_>) -> AppResult<bool> {
    if !setup::needed(tx)? {
        return Ok(false);
    }
    setup::complete(tx, &demo_commune(), DEMO_USERS[0].0, DEMO_PASSWORD)?;
    load_territory_file(tx, TERRITORY_CSV.as_bytes())?;
    load_programme(tx)?;
    // A made-up ranking of the 43 projects, marked illustrative (issue 13).
    crate::priorities::load_illustrative(tx)?;
    crate::monitoring::file::load_indicators_file(tx, INDICATORS_CSV.as_bytes())?;
    for (username, role) in &DEMO_USERS[1..] {
        auth::create_user(tx, username, DEMO_PASSWORD, *role)?;
    }
    // The council's bodies and illustrative opinions on version 1 (issue 14), given on the
    // draft before the vote freezes it.
    crate::opinions::demo::load_demo(tx)?;
    // The dated procedure of version 1, voted, frozen and given the visa (issue 14, proc).
    crate::pac::load_demo(tx)?;
    // The follow-up (issue 15, exec): the Al Farah agreement, illustrative execution.
    crate::execution::demo::load_demo(tx)?;
    Ok(true)
}

fn csv_reader(data: &'static str) -> csv::Reader<&'static [u8]> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(data.as_bytes())
}

fn bad_seed(e: impl std::fmt::Display) -> AppError {
    AppError::internal(format!("demo seed: {e}"))
}

/// Axes and programmes from the seed table, then the whole project list from
/// `demo/projects.csv` through the programme import.
fn load_programme(tx: &Transaction<'_>) -> AppResult<()> {
    let mut axes: Vec<String> = Vec::new();
    for (i, row) in csv_reader(PROGRAMMES_CSV).records().enumerate() {
        let row = row.map_err(bad_seed)?;
        let (axis_ar, axis_en, prog_ar, prog_en) = (&row[0], &row[1], &row[2], &row[3]);
        let axis_pos = match axes.iter().position(|a| a == axis_ar) {
            Some(p) => p,
            None => {
                tx.execute(
                    "INSERT INTO axes (id, position, name_ar, name_en) VALUES (?1, ?1, ?2, ?3)",
                    params![axes.len() as i64 + 1, axis_ar, axis_en],
                )?;
                axes.push(axis_ar.to_string());
                axes.len() - 1
            }
        };
        tx.execute(
            "INSERT INTO programmes (id, axis_id, position, name_ar, name_en) VALUES (?1, ?2, ?1, ?3, ?4)",
            params![i as i64 + 1, axis_pos as i64 + 1, prog_ar, prog_en],
        )?;
    }
    let report = import_projects(
        tx,
        None,
        PROJECTS_CSV.as_bytes(),
        Some(FileFormat::Csv),
        ImportMode::default(),
    )?
    .map_err(|rows| bad_seed(format!("{rows:?}")))?;
    debug_assert_eq!(report.created.len(), 43);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    #[test]
    fn demo_loads_once_with_the_seed_programme() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.db")).unwrap();
        assert!(db.write_blocking(load_if_empty).unwrap());
        assert!(!db.write_blocking(load_if_empty).unwrap());
        let (axes, programmes, projects, poles, douars): (i64, i64, i64, i64, i64) = db
            .read_blocking(|tx| {
                Ok(tx.query_row(
                    "SELECT (SELECT count(*) FROM axes), (SELECT count(*) FROM programmes), (SELECT count(*) FROM projects),
                            (SELECT count(*) FROM poles), (SELECT count(*) FROM douars)",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )?)
            })
            .unwrap();
        assert_eq!((axes, programmes, projects, poles), (2, 7, 43, 7));
        let (placeholders, numbers): (i64, i64) = db
            .read_blocking(|tx| {
                Ok(tx.query_row(
                    "SELECT sum(placeholder), count(DISTINCT number) FROM projects WHERE number BETWEEN 1 AND 43",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?)
            })
            .unwrap();
        assert_eq!((placeholders, numbers), (37, 43));
        assert_eq!(douars, 18);
        // Project 24 (sports complex) falls in the 4th programme (numbers 24-28).
        let prog: i64 = db
            .read_blocking(|tx| {
                Ok(tx.query_row(
                    "SELECT programme_id FROM projects WHERE number = 24",
                    [],
                    |r| r.get(0),
                )?)
            })
            .unwrap();
        assert_eq!(prog, 4);
        let title: String = db
            .read_blocking(|tx| {
                Ok(
                    tx.query_row("SELECT title_ar FROM projects WHERE number = 3", [], |r| {
                        r.get(0)
                    })?,
                )
            })
            .unwrap();
        assert_eq!(
            title,
            "بناء المسالك الطرقية بوسط التجمعات السكنية على طول 8,5 كلم"
        );
    }
}
