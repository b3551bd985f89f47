//! The seed commune as demo data (`tachkhis serve --demo` on an empty database).
//!
//! From the seed document: the programme (2 axes, 7 programmes, `demo/programmes.csv`), the six
//! projects it names (`demo/projects-known.csv`) and the douars it names. The seed does not name
//! the 7 poles nor say which douar is in which: that assignment is illustrative and marked so
//! (`illustrative = 1`). Project programmes are inferred from the numbering (projects are numbered
//! programme by programme in table order: 1-13 infrastructure, 14-21 basic facilities, …).
//!
//! The seed counts 43 projects but names six. `demo/projects.csv` is the whole list as a
//! commune would import it, derived once from the seed's two tables (see `demo/README.md`):
//! each unnamed number is a placeholder project (`placeholder = 1`, a title saying it is
//! unnamed, a `programme_note` saying why), and each programme's commune and partner totals are
//! spread over its placeholders to the centime (the remainder on the last), so the programme
//! table comes back out exactly as `demo/programmes.csv`. It goes in through the programme
//! import (`programme::import`), the path an office's own file takes.

use rusqlite::{Transaction, params};
use tachkhis_shared::{api::Role, text::normalize};

use crate::{
    export::FileFormat,
    http::error::{AppError, AppResult},
    programme::import::{ImportMode, import_projects},
    users::auth,
};

pub const DEMO_PASSWORD: &str = "tachkhis-demo";
pub const DEMO_USERS: &[(&str, Role)] = &[
    ("admin", Role::Admin),
    ("facilitator", Role::Facilitator),
    ("office", Role::Office),
    ("committee", Role::Committee),
];

const PROGRAMMES_CSV: &str = include_str!("../demo/programmes.csv");
const PROJECTS_CSV: &str = include_str!("../demo/projects.csv");

/// (id, Arabic name, French transliteration, aliases); grouped into poles below.
type DouarSeed = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

const POLES: &[(&str, &str, &[DouarSeed])] = &[
    (
        "Pôle 1 — Centre",
        "القطب 1 — المركز",
        &[
            (
                "centre",
                "مركز الجماعة",
                "Centre de la commune",
                &["المركز"],
            ),
            ("letnine", "الاثنين", "Letnine", &[]),
            ("el-mjalaa", "المجالعة", "El Mjalaa", &[]),
        ],
    ),
    (
        "Pôle 2 — Ouled Skir",
        "القطب 2 — اولاد سكير",
        &[
            (
                "ouled-skir",
                "اولاد سكير المصلى",
                "Ouled Skir El Moussalla",
                &["اولادسكيبر المصلى", "اولاد سكير", "اولادسكيبر"],
            ),
            ("el-jrif", "الجريف", "El Jrif", &[]),
            ("jorf-el-hammam", "جرف الحمام", "Jorf El Hammam", &[]),
        ],
    ),
    (
        "Pôle 3 — Idouz",
        "القطب 3 — ادوز",
        &[
            ("idouz", "ادوز", "Idouz", &["إدوز"]),
            ("ait-abbou", "ايت عبو", "Ait Abbou", &[]),
            (
                "ait-el-haj-moussa",
                "ايت الحاج موسى",
                "Ait El Haj Moussa",
                &[],
            ),
        ],
    ),
    (
        "Pôle 4 — Ait Lami",
        "القطب 4 — ايت لامي",
        &[
            ("ait-lami", "ايت لامي", "Ait Lami", &[]),
            ("ait-chioukh", "ايت شيوخ", "Ait Chioukh", &[]),
            ("ait-said", "ايت سعيد", "Ait Said", &[]),
        ],
    ),
    (
        "Pôle 5 — El Boubira",
        "القطب 5 — البوبيرة",
        &[
            ("el-boubira", "البوبيرة", "El Boubira", &[]),
            ("ait-ben-hammou", "ايت بن حمو", "Ait Ben Hammou", &[]),
        ],
    ),
    (
        "Pôle 6 — Agoudar",
        "القطب 6 — اكودار",
        &[
            ("agoudar", "اكودار", "Agoudar", &["أكودار"]),
            ("el-korrass", "الكراس", "El Korrass", &[]),
        ],
    ),
    (
        "Pôle 7 — El Fayda",
        "القطب 7 — الفيضة",
        &[
            ("el-fayda", "الفيضة", "El Fayda", &[]),
            ("el-kenna", "الكنة", "El Kenna", &[]),
        ],
    ),
];

/// Fills an empty database; does nothing when the commune is already there.
pub fn load_if_empty(tx: &Transaction<'_>) -> AppResult<bool> {
    let communes: i64 = tx.query_row("SELECT count(*) FROM communes", [], |r| r.get(0))?;
    if communes > 0 {
        return Ok(false);
    }
    tx.execute(
        "INSERT INTO communes (id, name_ar, name_fr, mandate_start, mandate_end) VALUES ('demo', 'الجماعة (نموذج من وثيقة برنامج عمل 2023-2028)', 'Commune (démo, d''après le PAC 2023-2028)', 2023, 2028)",
        [],
    )?;
    for (pi, (name_fr, name_ar, douars)) in POLES.iter().enumerate() {
        let pole_id = format!("pole-{}", pi + 1);
        tx.execute(
            "INSERT INTO poles (id, commune_id, position, name_ar, name_fr, illustrative) VALUES (?1, 'demo', ?2, ?3, ?4, 1)",
            params![pole_id, pi as i64, name_ar, name_fr],
        )?;
        for (di, (id, ar, fr, aliases)) in douars.iter().enumerate() {
            tx.execute(
                "INSERT INTO douars (id, pole_id, position, name_ar, name_fr, name_norm, illustrative) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1)",
                params![id, pole_id, di as i64, ar, fr, normalize(ar)],
            )?;
            for alias in *aliases {
                tx.execute(
                    "INSERT INTO douar_aliases (douar_id, alias, alias_norm) VALUES (?1, ?2, ?3)",
                    params![id, alias, normalize(alias)],
                )?;
            }
        }
    }
    load_programme(tx)?;
    for (username, role) in DEMO_USERS {
        auth::create_user(tx, username, DEMO_PASSWORD, *role)?;
    }
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
