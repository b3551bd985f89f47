//! The project import (`programme::import::import_projects`) on a real SQLite file with the
//! demo programme, starting from the projects export itself (CSV and XLSX), then from files
//! built column by column with cells at the edges of what each column reads. Each file is
//! imported for real or as a dry run (the input decides) and rolled back, so every iteration
//! sees the same database. `AppError::Internal` is a 5xx.

use std::path::Path;

use anyhow::Result;
use tachkhis_server::{
    Db, demo,
    http::error::AppError,
    programme::{self, import},
};

use crate::{Outcome, Target, fnv, mutate::mutate, rng::Rng};

const MAX_INPUT: usize = 2 << 20;

pub struct ImportTarget {
    db: Db,
    files: Vec<Vec<u8>>,
}

/// Cells worth trying in any column: numbers at their limits, amounts in every form the
/// parser knows and some it must refuse, names, ids, lists, quotes and line breaks.
const CELLS: &[&str] = &[
    "",
    " ",
    "1",
    "0",
    "-1",
    "43",
    "44",
    "999",
    "2147483647",
    "2147483648",
    "-2147483649",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "99999999999999999999999",
    "1e308",
    "NaN",
    "inf",
    "١٢",
    "۱۲۳",
    "2023",
    "2029",
    "0000",
    "20 870 000,00",
    "20870000.00",
    "1,000",
    "1.000,50",
    "999999999999999,99",
    "9999999999999999",
    "0,001",
    "-5",
    "(5)",
    "٣٥٠٬٠٠٠٫٥٠",
    "5 MAD",
    "a=1,00; b=2,00",
    "=5",
    "x=",
    "a=1;a=1",
    "Etat=999999999999999,99; Region=999999999999999,99",
    "idouz",
    "ادوز",
    "إدوز",
    "ouled-skir; idouz",
    "idouz;idouz",
    "unknown-douar",
    "pole-1",
    "pole-1;pole-99",
    "1;2;3",
    "drinking_water",
    "الماء الصالح للشرب",
    "Eau potable",
    "oui",
    "نعم",
    "2",
    "true",
    "\"",
    "\"\"",
    "a,b",
    "a;b",
    "line\nbreak",
    "\u{0}",
    "\u{202e}rtl",
    "ـــ",
    "x",
];

impl ImportTarget {
    pub fn new(workdir: &Path) -> Result<ImportTarget> {
        let db = Db::open(&workdir.join("tachkhis.db"))?;
        db.write_blocking(demo::load_if_empty)
            .map_err(|e| anyhow::anyhow!("demo data: {e}"))?;
        let (csv, xlsx) = db
            .read_blocking(|tx| {
                let t = programme::projects_table(tx)?;
                Ok((t.to_csv()?, t.to_xlsx()?))
            })
            .map_err(|e| anyhow::anyhow!("export: {e}"))?;
        let semicolons = {
            // The same export as a French spreadsheet saves it.
            let text = String::from_utf8_lossy(&csv).into_owned();
            let first = text.lines().next().unwrap_or_default().replace(',', ";");
            let mut out = first.into_bytes();
            out.extend_from_slice(b"\n1;;;\n");
            out
        };
        Ok(ImportTarget {
            db,
            files: vec![csv, xlsx, semicolons],
        })
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

    /// Header names: the import's columns (usually with `number`), sometimes unknown or twice.
    fn header(rng: &mut Rng) -> Vec<String> {
        let mut cols: Vec<String> = import::COLUMNS
            .iter()
            .chain(import::INFO_COLUMNS)
            .filter(|_| rng.chance(1, 2))
            .map(|c| (*c).to_owned())
            .collect();
        if rng.chance(7, 8) && !cols.iter().any(|c| c == "number") {
            cols.insert(0, "number".into());
        }
        match rng.below(10) {
            0 => cols.push("unknown".into()),
            1 => cols.push(" NUMBER ".into()),
            2 if !cols.is_empty() => {
                let c = cols[0].clone();
                cols.push(c);
            }
            _ => {}
        }
        cols
    }

    fn csv(rng: &mut Rng) -> Vec<u8> {
        let sep = if rng.chance(1, 3) { ';' } else { ',' };
        let cols = Self::header(rng);
        let quote = |s: &str| {
            if s.contains([sep, '"', '\n']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_owned()
            }
        };
        let mut out = String::new();
        if rng.chance(1, 8) {
            out.push('\u{feff}');
        }
        let line = |cells: Vec<String>| cells.join(&sep.to_string());
        out.push_str(&line(cols.iter().map(|c| quote(c)).collect()));
        out.push('\n');
        let rows = rng.below(8);
        for _ in 0..rows {
            let n = if rng.chance(1, 10) {
                rng.below(cols.len() + 3)
            } else {
                cols.len()
            };
            let cells = (0..n).map(|_| quote(&Self::cell(rng))).collect();
            out.push_str(&line(cells));
            out.push_str(if rng.chance(1, 4) { "\r\n" } else { "\n" });
        }
        out.into_bytes()
    }

    fn xlsx(rng: &mut Rng) -> Vec<u8> {
        use rust_xlsxwriter::Workbook;
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let cols = Self::header(rng);
        for (c, name) in cols.iter().enumerate() {
            let _ = sheet.write_string(0, c as u16, name);
        }
        let rows = rng.below(6) as u32;
        for r in 1..=rows {
            for c in 0..cols.len() as u16 {
                let _ = match rng.below(6) {
                    0 => sheet.write_number(
                        r,
                        c,
                        *rng.pick(&[
                            0.0,
                            -0.0,
                            1.0,
                            1.5,
                            43.0,
                            2023.0,
                            -1.0,
                            1e15,
                            1e300,
                            f64::NAN,
                            f64::INFINITY,
                            9_007_199_254_740_993.0,
                            2_147_483_648.0,
                            20_870_000.005,
                        ]),
                    ),
                    1 => sheet.write_boolean(r, c, rng.chance(1, 2)),
                    2 => continue,
                    _ => sheet.write_string(r, c, Self::cell(rng)),
                };
            }
        }
        if rng.chance(1, 16) {
            // A cell far away makes the sheet's range huge with almost nothing in it.
            let row = *rng.pick(&[10_002u32, 100_000, 1_048_575]);
            let col = *rng.pick(&[0u16, 200, 16_383]);
            let _ = sheet.write_string(row, col, "far");
        }
        book.save_to_buffer().unwrap_or_default()
    }
}

impl Target for ImportTarget {
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
            outcome = Some(import::import_projects(
                tx,
                None,
                input,
                None,
                import::ImportMode {
                    dry_run,
                    replace: false,
                },
            ));
            Err(AppError::Conflict("rolled back by the fuzzer".into()))
        });
        match outcome {
            Some(Ok(Ok(_))) => Outcome::Accepted,
            Some(Ok(Err(_))) => Outcome::Refused,
            Some(Err(AppError::Internal(e))) => Outcome::ServerError(e),
            Some(Err(_)) => Outcome::Refused,
            None => Outcome::ServerError("the write transaction did not start".into()),
        }
    }
}
