//! The territory import (`territory::file::import_territory`) on a real SQLite file with the
//! demo territory, starting from its own export and template (XLSX, both CSV files), then from
//! files built from the columns' headers (Arabic, French, keys, both) with cells at the edges
//! of what each column reads: digits of every script, names of other douars, lists, flags.
//! Each file is imported for real or as a dry run (the input decides) and rolled back.
//! `AppError::Internal` is a 5xx.

use std::path::Path;

use anyhow::Result;
use tachkhis_server::{
    Db, demo,
    export::FileFormat,
    http::error::AppError,
    territory::{Model, file},
};

use crate::{Outcome, Target, fnv, mutate::mutate, rng::Rng};

const MAX_INPUT: usize = 2 << 20;

const HEADERS: &[&str] = &[
    "رقم القطب / N° du pôle",
    "pole_number",
    "N° du pôle",
    "القطب بالعربية",
    "Pôle (français)",
    "douar_ar",
    "الدوار بالعربية / Douar (arabe)",
    "Douar (latin)",
    "aliases",
    "Autres graphies",
    "centre",
    "Population",
    "retired",
    "id",
    "illustrative",
    "kind",
    "النوع / Type",
    "place_ar",
    "Nom (français)",
    "douars",
    "Remarques",
    "",
    "/",
];

const CELLS: &[&str] = &[
    "",
    " ",
    "0",
    "1",
    "3",
    "7",
    "8",
    "٨",
    "۱۲",
    "4294967295",
    "4294967296",
    "-1",
    "1.5",
    "1e9",
    "12O0",
    "1 200",
    "ادوز",
    "إدوز",
    "Idouz",
    "اولاد سكير",
    "الاثنين | ادوز",
    "a;b;c",
    "a||b",
    "ايت عبو",
    "idouz",
    "ait-abbou",
    "pole-1",
    "Nouveau",
    "دوار جديد",
    "تامسولت",
    "oui",
    "نعم",
    "x",
    "river",
    "واد",
    "Souk",
    "volcan",
    "\"",
    "line\nbreak",
    "\u{0}",
    "\u{202e}rtl",
    "ـــ",
];

pub struct TerritoryTarget {
    db: Db,
    files: Vec<Vec<u8>>,
}

impl TerritoryTarget {
    pub fn new(workdir: &Path) -> Result<TerritoryTarget> {
        let db = Db::open(&workdir.join("tachkhis.db"))?;
        db.write_blocking(demo::load_if_empty)
            .map_err(|e| anyhow::anyhow!("demo data: {e}"))?;
        let files = db
            .read_blocking(|tx| {
                let m = Model::load(tx)?;
                let mut files = Vec::new();
                for (model, format, places) in [
                    (Some(&m), FileFormat::Xlsx, false),
                    (Some(&m), FileFormat::Csv, false),
                    (Some(&m), FileFormat::Csv, true),
                    (None, FileFormat::Xlsx, false),
                ] {
                    files.push(file::territory_file(model, format, places)?.1);
                }
                Ok(files)
            })
            .map_err(|e| anyhow::anyhow!("export: {e}"))?;
        Ok(TerritoryTarget { db, files })
    }

    fn cell(rng: &mut Rng) -> String {
        match rng.below(8) {
            0 => {
                let n = rng.below(12);
                String::from_utf8_lossy(&rng.bytes(n)).into_owned()
            }
            1 => format!("{}", rng.next_u64() as i64),
            _ => (*rng.pick(CELLS)).to_owned(),
        }
    }

    fn header(rng: &mut Rng) -> Vec<String> {
        let n = 1 + rng.below(8);
        (0..n).map(|_| (*rng.pick(HEADERS)).to_owned()).collect()
    }

    fn csv(rng: &mut Rng) -> Vec<u8> {
        let sep = *rng.pick(&[',', ';', '\t']);
        let cols = Self::header(rng);
        let quote = |s: &str| {
            if s.contains([sep, '"', '\n']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_owned()
            }
        };
        let mut out = String::new();
        out.push_str(
            &cols
                .iter()
                .map(|c| quote(c))
                .collect::<Vec<_>>()
                .join(&sep.to_string()),
        );
        out.push('\n');
        for _ in 0..rng.below(10) {
            let n = if rng.chance(1, 8) {
                rng.below(cols.len() + 3)
            } else {
                cols.len()
            };
            let cells: Vec<String> = (0..n).map(|_| quote(&Self::cell(rng))).collect();
            out.push_str(&cells.join(&sep.to_string()));
            out.push('\n');
        }
        out.into_bytes()
    }

    fn xlsx(rng: &mut Rng) -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        for _ in 0..1 + rng.below(3) {
            let sheet = book.add_worksheet();
            let cols = Self::header(rng);
            for (c, name) in cols.iter().enumerate() {
                let _ = sheet.write_string(0, c as u16, name);
            }
            for r in 1..=rng.below(8) as u32 {
                for c in 0..cols.len() as u16 {
                    let _ = match rng.below(5) {
                        0 => sheet.write_number(
                            r,
                            c,
                            *rng.pick(&[0.0, 1.0, 8.5, -3.0, 1e12, f64::NAN]),
                        ),
                        1 => sheet.write_boolean(r, c, rng.chance(1, 2)),
                        2 => continue,
                        _ => sheet.write_string(r, c, Self::cell(rng)),
                    };
                }
            }
        }
        book.save_to_buffer().unwrap_or_default()
    }
}

impl Target for TerritoryTarget {
    fn generate(&mut self, rng: &mut Rng) -> Vec<u8> {
        match rng.below(8) {
            0..=2 => {
                let mut f = rng.pick(&self.files).clone();
                mutate(rng, &mut f, &self.files, MAX_INPUT);
                f
            }
            3..=5 => Self::csv(rng),
            _ => Self::xlsx(rng),
        }
    }

    fn execute(&mut self, input: &[u8]) -> Outcome {
        let dry_run = fnv(input).is_multiple_of(2);
        let mut outcome = None;
        // Always rolled back: the closure's error undoes what a real import wrote.
        let _: Result<(), AppError> = self.db.write_blocking(|tx| {
            outcome = Some(file::import_territory(tx, None, input, None, dry_run));
            Err(AppError::Conflict("rolled back by the fuzzer".into()))
        });
        match outcome {
            Some(Ok(Ok(_))) => Outcome::Accepted,
            Some(Ok(Err(errors))) if errors.is_empty() => {
                Outcome::Broken("a refused file with no line named".into())
            }
            Some(Ok(Err(_))) => Outcome::Refused,
            Some(Err(AppError::Internal(e))) => Outcome::ServerError(e),
            Some(Err(_)) => Outcome::Refused,
            None => Outcome::ServerError("the write transaction did not start".into()),
        }
    }
}
