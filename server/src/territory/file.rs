//! The territory file: the whole territory as CSV or XLSX, out (export, template) and in
//! (import), for a commune secretary's spreadsheet.
//!
//! Two tables. **Douars**: one row per douar, with its pole's number and names (a row with a
//! pole and no douar sets up the pole alone); **places**: one row per named place, with its
//! kind and the douars it belongs to. An XLSX workbook holds both as two sheets (any names,
//! any order: a sheet with a kind column is the places); CSV is two files (`?part=places`
//! for the second), told apart the same way on import. Columns are found by their header, in
//! Arabic, French or the short English key, alone or as the template writes them
//! ("رقم القطب / N° du pôle"); other columns are ignored and reported; blank rows are
//! skipped; numbers may be typed in Arabic-Indic digits. Lists in a cell (aliases, a
//! place's douars) are separated by `|`, `;` or the Arabic comma.
//!
//! An import matches each row to what exists: a douar by its id (the export's last column)
//! or else by any of its names and aliases compared normalised (so a file with a new
//! spelling updates the douar, never adds a second one), a pole by its number, a place by
//! id or by kind and name. It never deletes; it retires with the retired column. All or
//! nothing: every row is checked, then the whole territory is checked with the API's rules
//! (`Model::problems`), and any problem refuses the file with every bad line named.

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use rust_xlsxwriter::{Format, Workbook};
use serde_json::json;
use tachkhis_shared::{
    api::territory::{TerritoryImportError, TerritoryImportReport},
    codes::PlaceKind,
    reference::{Douar, Place, Pole},
    text::{ascii_digits, normalize},
};

use super::{Model, kind_codes, tidy_aliases};
use crate::{
    export::FileFormat,
    http::error::{AppError, AppResult},
    users::auth,
};

/// The most rows one table may hold.
pub const MAX_ROWS: usize = 20_000;
const MAX_XLSX_CELLS: usize = (MAX_ROWS + 1) * 40;

/// A column: its key, its Arabic and French headers, and other headers people write (the
/// indicators file, `monitoring::file`, reads its columns the same way).
pub(crate) struct Col {
    pub key: &'static str,
    pub ar: &'static str,
    pub fr: &'static str,
    pub also: &'static [&'static str],
}

const DOUAR_COLUMNS: &[Col] = &[
    Col {
        key: "pole_number",
        ar: "رقم القطب",
        fr: "N° du pôle",
        also: &[
            "pole",
            "pôle",
            "القطب",
            "numéro du pôle",
            "pole number",
            "n pole",
        ],
    },
    Col {
        key: "pole_ar",
        ar: "القطب بالعربية",
        fr: "Pôle (arabe)",
        also: &["اسم القطب", "nom du pôle"],
    },
    Col {
        key: "pole_fr",
        ar: "القطب بالفرنسية",
        fr: "Pôle (français)",
        also: &["pôle (latin)"],
    },
    Col {
        key: "douar_ar",
        ar: "الدوار بالعربية",
        fr: "Douar (arabe)",
        also: &["douar", "الدوار", "اسم الدوار", "nom du douar"],
    },
    Col {
        key: "douar_fr",
        ar: "الدوار بالحروف اللاتينية",
        fr: "Douar (latin)",
        also: &["douar (français)", "translittération", "nom latin"],
    },
    Col {
        key: "aliases",
        ar: "تسميات أخرى",
        fr: "Autres graphies",
        also: &["alias", "variantes", "autres noms", "أسماء أخرى"],
    },
    Col {
        key: "centre",
        ar: "مركز الجماعة",
        fr: "Centre de la commune",
        also: &["centre", "chef-lieu", "المركز"],
    },
    Col {
        key: "population",
        ar: "عدد السكان",
        fr: "Population",
        also: &["السكان", "habitants"],
    },
    Col {
        key: "retired",
        ar: "ملغى",
        fr: "Retiré",
        also: &["retire", "غير مستعمل"],
    },
    Col {
        key: "id",
        ar: "المعرف",
        fr: "Identifiant",
        also: &["identifiant du douar"],
    },
    // Not in the template: the demo marks its pole assignment as an illustration.
    Col {
        key: "illustrative",
        ar: "توضيحي",
        fr: "Illustratif",
        also: &[],
    },
];

const PLACE_COLUMNS: &[Col] = &[
    Col {
        key: "kind",
        ar: "النوع",
        fr: "Type",
        also: &["nature", "genre"],
    },
    Col {
        key: "place_ar",
        ar: "الاسم بالعربية",
        fr: "Nom (arabe)",
        also: &["الاسم", "nom", "lieu", "المكان"],
    },
    Col {
        key: "place_fr",
        ar: "الاسم بالفرنسية",
        fr: "Nom (français)",
        also: &["nom (latin)"],
    },
    Col {
        key: "aliases",
        ar: "تسميات أخرى",
        fr: "Autres graphies",
        also: &["alias", "variantes", "autres noms", "أسماء أخرى"],
    },
    Col {
        key: "douars",
        ar: "الدواوير",
        fr: "Douars",
        also: &["douar", "الدوار"],
    },
    Col {
        key: "retired",
        ar: "ملغى",
        fr: "Retiré",
        also: &["retire", "غير مستعمل"],
    },
    Col {
        key: "id",
        ar: "المعرف",
        fr: "Identifiant",
        also: &[],
    },
];

/// The columns the template and the export write (the douars' last is only written when the
/// territory has illustrative data).
const TEMPLATE_DOUAR_COLUMNS: usize = 10;

const DOUARS: &str = "douars";
const PLACES: &str = "places";
/// Sheet names of the workbook the export and template write.
const DOUAR_SHEET: &str = "الدواوير - Douars";
const PLACE_SHEET: &str = "الأماكن - Lieux";

pub(crate) fn header(c: &Col) -> String {
    format!("{} / {}", c.ar, c.fr)
}

/// The column a header names: its whole text, or one side of "arabic / french".
pub(crate) fn column_of(cols: &'static [Col], head: &str) -> Option<&'static Col> {
    let candidates = std::iter::once(head).chain(head.split('/'));
    for part in candidates {
        let key = normalize(part);
        if key.is_empty() {
            continue;
        }
        if let Some(c) = cols.iter().find(|c| {
            [c.key, c.ar, c.fr]
                .iter()
                .chain(c.also)
                .any(|n| normalize(n) == key || normalize(&n.replace('_', " ")) == key)
        }) {
            return Some(c);
        }
    }
    None
}

/// A table as read: its name in the file, its headers and its non-blank rows.
pub(crate) struct Sheet {
    pub name: String,
    /// The line of the header row (1 in CSV; the first row with a cell in XLSX).
    pub header_line: u64,
    pub headers: Vec<String>,
    pub lines: Vec<Line>,
}

pub(crate) struct Line {
    pub number: u64,
    pub cells: Vec<String>,
}

type Errors = Vec<TerritoryImportError>;

fn err(sheet: &str, line: u64, reason: impl Into<String>) -> TerritoryImportError {
    TerritoryImportError {
        sheet: sheet.to_string(),
        line,
        reason: reason.into(),
    }
}

pub(crate) fn read_csv(body: &[u8]) -> Result<Sheet, Errors> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let first_line = body.split(|b| *b == b'\n').next().unwrap_or_default();
    let delimiter = if first_line.contains(&b';') && !first_line.contains(&b',') {
        b';'
    } else if first_line.contains(&b'\t') && !first_line.contains(&b',') {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(true)
        .from_reader(body);
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(String::from).collect(),
        Err(e) => {
            return Err(vec![err(
                "file",
                1,
                format!("the header line cannot be read: {e}"),
            )]);
        }
    };
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    for record in reader.records() {
        match record {
            Ok(r) => {
                let number = r.position().map_or(0, |p| p.line());
                let cells: Vec<String> = r.iter().map(String::from).collect();
                if cells.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                lines.push(Line { number, cells });
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                let reason = match e.kind() {
                    csv::ErrorKind::Utf8 { .. } => {
                        "the text is not UTF-8 (save the file as CSV UTF-8)".to_string()
                    }
                    _ => format!("malformed CSV: {e}"),
                };
                errors.push(err("file", line, reason));
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
            }
        }
        if lines.len() > MAX_ROWS {
            return Err(vec![err("file", 0, format!("more than {MAX_ROWS} rows"))]);
        }
    }
    if errors.is_empty() {
        Ok(Sheet {
            name: "CSV".into(),
            header_line: 1,
            headers,
            lines,
        })
    } else {
        Err(errors)
    }
}

fn float_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// Every sheet that has cells, read cell by cell (never the rectangle from the first cell to
/// the last, which a crafted file makes huge; see `programme::import`).
pub(crate) fn read_xlsx(body: &[u8]) -> Result<Vec<Sheet>, Errors> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(body))
        .map_err(|e| vec![err("file", 0, format!("not a readable XLSX file: {e}"))])?;
    let mut sheets = Vec::new();
    let mut count = 0usize;
    for name in book.sheet_names().to_vec() {
        let cannot =
            |e: calamine::XlsxError| vec![err(&name, 0, format!("the sheet cannot be read: {e}"))];
        let mut reader = book.worksheet_cells_reader(&name).map_err(cannot)?;
        let mut rows: BTreeMap<u32, Vec<(u32, Data)>> = BTreeMap::new();
        while let Some(cell) = reader.next_cell().map_err(cannot)? {
            let value = Data::from(cell.get_value().clone());
            if value == Data::Empty {
                continue;
            }
            count += 1;
            if count > MAX_XLSX_CELLS {
                return Err(vec![err(
                    "file",
                    0,
                    format!("more than {MAX_XLSX_CELLS} cells"),
                )]);
            }
            let (row, col) = cell.get_position();
            rows.entry(row).or_default().push((col, value));
        }
        drop(reader);
        let Some(&first_row) = rows.keys().next() else {
            continue;
        };
        let first_col = rows.values().flatten().map(|(c, _)| *c).min().unwrap_or(0);
        let width = rows[&first_row]
            .iter()
            .map(|(c, _)| c - first_col + 1)
            .max()
            .unwrap_or(0) as usize;
        if width > 200 {
            return Err(vec![err(
                &name,
                u64::from(first_row) + 1,
                "the header row spans more than 200 columns",
            )]);
        }
        let cells_of = |row: &[(u32, Data)]| -> Vec<String> {
            let mut cells = vec![String::new(); width];
            for (col, d) in row {
                if let Some(slot) = cells.get_mut((col - first_col) as usize) {
                    *slot = match d {
                        Data::String(s) => s.clone(),
                        Data::Int(i) => i.to_string(),
                        Data::Float(f) => float_text(*f),
                        Data::Bool(b) => if *b { "1" } else { "0" }.to_string(),
                        Data::Empty | Data::Error(_) => String::new(),
                        other => other.to_string(),
                    };
                }
            }
            cells
        };
        let headers = cells_of(&rows[&first_row]);
        let mut lines = Vec::new();
        for (&row, row_cells) in rows.range(first_row + 1..) {
            let cells = cells_of(row_cells);
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            lines.push(Line {
                number: u64::from(row) + 1,
                cells,
            });
        }
        if lines.len() > MAX_ROWS {
            return Err(vec![err(&name, 0, format!("more than {MAX_ROWS} rows"))]);
        }
        sheets.push(Sheet {
            name,
            header_line: u64::from(first_row) + 1,
            headers,
            lines,
        });
    }
    Ok(sheets)
}

/// A sheet's columns: for each cell position, the column it is (or none: ignored).
struct Layout {
    cols: Vec<Option<&'static str>>,
}

impl Layout {
    fn at(&self, key: &str) -> Option<usize> {
        self.cols.iter().position(|c| *c == Some(key))
    }

    fn has(&self, key: &str) -> bool {
        self.at(key).is_some()
    }
}

fn layout(
    table: &str,
    cols: &'static [Col],
    sheet: &Sheet,
    required: &[&str],
    ignored: &mut Vec<String>,
    errors: &mut Errors,
) -> Option<Layout> {
    let header_line = sheet.header_line;
    let mut out = Vec::new();
    let mut bad = false;
    for h in &sheet.headers {
        match column_of(cols, h) {
            Some(c) if out.contains(&Some(c.key)) => {
                errors.push(err(
                    table,
                    header_line,
                    format!("the column '{}' is there twice", header(c)),
                ));
                bad = true;
            }
            Some(c) => out.push(Some(c.key)),
            None => {
                if !h.trim().is_empty() {
                    ignored.push(format!("{table}: {}", h.trim()));
                }
                out.push(None);
            }
        }
    }
    for key in required {
        if !out.contains(&Some(*key)) {
            let c = cols
                .iter()
                .find(|c| c.key == *key)
                .map(header)
                .unwrap_or_default();
            errors.push(err(
                table,
                header_line,
                format!("the required column '{c}' is missing"),
            ));
            bad = true;
        }
    }
    (!bad).then_some(Layout { cols: out })
}

pub(crate) fn split_list(text: &str) -> Vec<String> {
    text.split([';', '،', '|', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

fn parse_number(what: &str, text: &str) -> Result<Option<u32>, String> {
    let t = ascii_digits(text.trim()).replace([' ', '\u{a0}', '\u{202f}', '٬'], "");
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<u32>().map(Some).map_err(|_| {
        format!(
            "{what}: '{}' is not a whole number (digits 0-9 or ٠-٩)",
            text.trim()
        )
    })
}

fn parse_flag(what: &str, text: &str) -> Result<bool, String> {
    let t = normalize(&ascii_digits(text));
    match t.as_str() {
        "" | "0" | "false" | "no" | "non" | "لا" => Ok(false),
        "1" | "true" | "yes" | "oui" | "x" | "نعم" => Ok(true),
        _ => Err(format!(
            "{what}: '{}' is not 1 or 0 (oui/non, نعم/لا)",
            text.trim()
        )),
    }
}

fn parse_kind(text: &str) -> Result<PlaceKind, String> {
    let key = normalize(text);
    PlaceKind::ALL
        .iter()
        .find(|k| {
            let l = k.labels();
            [k.code(), l.ar.as_str(), l.fr.as_str()]
                .iter()
                .any(|n| normalize(n) == key || normalize(&n.replace('_', " ")) == key)
        })
        .cloned()
        .ok_or_else(|| {
            format!(
                "kind: '{}' is not a kind of place (the kinds are: {})",
                text.trim(),
                kind_codes()
            )
        })
}

/// A douar id as the file may give one: lower-case ASCII letters, digits and `-`.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// What a refused file says, or what an accepted one did.
pub type ImportOutcome = Result<TerritoryImportReport, Errors>;

/// Reads, checks and (unless `dry_run`) writes a territory file in the caller's transaction;
/// the library entry point of the import (the demo loader calls it with a file of the
/// repository). `Ok(Err(lines))` is a refused file: nothing was written.
pub fn import_territory(
    tx: &rusqlite::Transaction<'_>,
    user_id: Option<i64>,
    body: &[u8],
    format: Option<FileFormat>,
    dry_run: bool,
) -> AppResult<ImportOutcome> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Err(vec![err("file", 0, "the file is empty")]));
    }
    let format = format.unwrap_or(if body.starts_with(b"PK\x03\x04") {
        FileFormat::Xlsx
    } else {
        FileFormat::Csv
    });
    let sheets = match format {
        FileFormat::Csv => read_csv(body).map(|s| vec![s]),
        // calamine 0.38 panics on some malformed workbooks (a sheet dimension whose end comes
        // before its start overflows a subtraction): such a file is unreadable, not a crash.
        FileFormat::Xlsx => std::panic::catch_unwind(|| read_xlsx(body)).unwrap_or_else(|_| {
            Err(vec![err(
                "file",
                0,
                "not a readable XLSX file (the workbook is malformed)",
            )])
        }),
    };
    let sheets = match sheets {
        Ok(s) => s,
        Err(e) => return Ok(Err(e)),
    };
    let before = Model::load(tx)?;
    let mut run = Run {
        m: before.clone(),
        errors: Vec::new(),
        report: TerritoryImportReport {
            dry_run,
            ..TerritoryImportReport::default()
        },
        line_of: HashMap::new(),
        pole_named_at: HashMap::new(),
        next_place_id: -1,
    };
    let (mut douar_sheets, mut place_sheets) = (Vec::new(), Vec::new());
    for s in &sheets {
        if s.headers
            .iter()
            .any(|h| column_of(PLACE_COLUMNS, h).is_some_and(|c| c.key == "kind"))
        {
            place_sheets.push(s);
        } else if s
            .headers
            .iter()
            .any(|h| column_of(DOUAR_COLUMNS, h).is_some())
            || sheets.len() == 1
        {
            douar_sheets.push(s);
        } else {
            run.report
                .ignored_columns
                .push(format!("sheet '{}': neither douars nor places", s.name));
        }
    }
    if douar_sheets.len() > 1 || place_sheets.len() > 1 {
        return Ok(Err(vec![err(
            "file",
            0,
            "the file has more than one douar sheet or place sheet",
        )]));
    }
    if douar_sheets.is_empty() && place_sheets.is_empty() {
        return Ok(Err(vec![err(
            "file",
            0,
            "the file has no sheet with a header row",
        )]));
    }
    // Douars first: the places name them.
    if let Some(s) = douar_sheets.first() {
        let mut ignored = Vec::new();
        if let Some(l) = layout(
            DOUARS,
            DOUAR_COLUMNS,
            s,
            &["pole_number", "douar_ar"],
            &mut ignored,
            &mut run.errors,
        ) {
            for line in &s.lines {
                run.douar_line(&l, line);
            }
        }
        run.report.ignored_columns.extend(ignored);
    }
    if let Some(s) = place_sheets.first() {
        let mut ignored = Vec::new();
        if let Some(l) = layout(
            PLACES,
            PLACE_COLUMNS,
            s,
            &["kind", "place_ar"],
            &mut ignored,
            &mut run.errors,
        ) {
            for line in &s.lines {
                run.place_line(&l, line);
            }
        }
        run.report.ignored_columns.extend(ignored);
    }
    if run.errors.is_empty() {
        // The whole territory with the API's rules, each problem on the line that caused it.
        let old = before.problems();
        for p in run.m.problems() {
            if old.contains(&p) {
                continue;
            }
            let (sheet, line) = run
                .line_of
                .get(&p.about)
                .or_else(|| p.with.as_ref().and_then(|w| run.line_of.get(w)))
                .cloned()
                .unwrap_or((DOUARS.into(), 0));
            run.errors.push(err(&sheet, line, p.reason));
        }
    }
    if !run.errors.is_empty() {
        run.errors.sort_by_key(|a| (a.sheet != DOUARS, a.line));
        return Ok(Err(run.errors));
    }
    let mut report = run.report;
    if !dry_run {
        let mut after = run.m;
        after.save(tx, &before)?;
        auth::audit(
            tx,
            user_id,
            "territory.import",
            Some(match format {
                FileFormat::Csv => "csv",
                FileFormat::Xlsx => "xlsx",
            }),
            Some(
                &json!({
                    "poles_created": report.poles_created,
                    "poles_updated": report.poles_updated,
                    "douars_created": report.douars_created,
                    "douars_updated": report.douars_updated,
                    "places_created": report.places_created,
                    "places_updated": report.places_updated,
                    "unchanged": report.unchanged,
                })
                .to_string(),
            ),
        )?;
    }
    report.dry_run = dry_run;
    Ok(Ok(report))
}

/// [`import_territory`] for a loader (the demo's `--demo`, a set-up script): a refused file is
/// an error naming every bad line, and nothing is written.
pub fn load_territory_file(
    tx: &rusqlite::Transaction<'_>,
    bytes: &[u8],
) -> AppResult<TerritoryImportReport> {
    match import_territory(tx, None, bytes, None, false)? {
        Ok(report) => Ok(report),
        Err(errors) => {
            let lines: Vec<String> = errors
                .iter()
                .map(|e| format!("{} line {}: {}", e.sheet, e.line, e.reason))
                .collect();
            Err(AppError::bad_request(
                tachkhis_shared::codes::ErrorCode::BadImport,
                format!("the territory file was not imported: {}", lines.join("; ")),
            ))
        }
    }
}

/// The state of one import as its rows are read.
struct Run {
    m: Model,
    errors: Errors,
    report: TerritoryImportReport,
    /// The line that set a douar, pole or `place:N` (for the whole-territory check).
    line_of: HashMap<String, (String, u64)>,
    /// The first line that named each pole number.
    pole_named_at: HashMap<u32, u64>,
    next_place_id: i64,
}

impl Run {
    fn douar_line(&mut self, l: &Layout, line: &Line) {
        let cell = |key: &str| {
            l.at(key)
                .and_then(|i| line.cells.get(i))
                .map_or("", |s| s.trim())
        };
        let n = line.number;
        let mut bad = Vec::new();
        let number = match parse_number("pole number", cell("pole_number")) {
            Ok(Some(0)) => {
                bad.push("pole number: 0 is not a pole number".to_string());
                None
            }
            Ok(Some(v)) => Some(v),
            Ok(None) => {
                bad.push("the pole number is missing".to_string());
                None
            }
            Err(e) => {
                bad.push(e);
                None
            }
        };
        let population = parse_number("population", cell("population"))
            .map_err(|e| bad.push(e))
            .ok()
            .flatten();
        let centre = parse_flag("centre", cell("centre"))
            .map_err(|e| bad.push(e))
            .unwrap_or(false);
        let retired = parse_flag("retired", cell("retired"))
            .map_err(|e| bad.push(e))
            .unwrap_or(false);
        let illustrative = parse_flag("illustrative", cell("illustrative"))
            .map_err(|e| bad.push(e))
            .unwrap_or(false);
        if !bad.is_empty() {
            for b in bad {
                self.errors.push(err(DOUARS, n, b));
            }
            return;
        }
        let Some(number) = number else { return };
        let douar_given = [
            cell("douar_ar"),
            cell("douar_fr"),
            cell("aliases"),
            cell("id"),
        ]
        .iter()
        .any(|c| !c.is_empty());
        let Some(pole_id) = self.pole(
            l,
            line,
            number,
            !douar_given && l.has("retired") && retired,
            illustrative,
        ) else {
            return;
        };
        if !douar_given {
            return;
        }
        let name_ar = cell("douar_ar").to_string();
        if normalize(&name_ar).is_empty() {
            self.errors
                .push(err(DOUARS, n, "the douar's Arabic name is missing"));
            return;
        }
        let name_fr = cell("douar_fr").to_string();
        let aliases = split_list(cell("aliases"));
        // Which douar the row is: by id, else by any of its names. An id this server does
        // not have makes the douar with that id (a file from another server, the demo's):
        // documents already written with it then read right.
        let mut new_id = None;
        let found: Option<String> = if !cell("id").is_empty() {
            let id = cell("id");
            match self.m.douar(id) {
                None if valid_id(id) => {
                    new_id = Some(id.to_string());
                    None
                }
                None => {
                    self.errors.push(err(
                        DOUARS,
                        n,
                        format!(
                            "douar id '{id}': an id is made of the letters a-z, digits and '-' (leave it empty for a new douar)"
                        ),
                    ));
                    return;
                }
                Some(d) if d.merged_into.is_some() => {
                    let into = d.merged_into.clone().unwrap_or_default();
                    self.errors.push(err(
                        DOUARS,
                        n,
                        format!("douar '{}' ({id}) is merged into '{into}'", d.name_ar),
                    ));
                    return;
                }
                Some(d) => Some(d.id.clone()),
            }
        } else {
            let keys: Vec<String> = std::iter::once(&name_ar)
                .chain(l.has("douar_fr").then_some(&name_fr))
                .chain(&aliases)
                .map(|k| normalize(k))
                .filter(|k| !k.is_empty())
                .collect();
            let mut ids: Vec<String> = keys
                .iter()
                .filter_map(|k| self.m.douar_with_key(k, None))
                .map(|d| d.id.clone())
                .collect();
            ids.sort();
            ids.dedup();
            if ids.len() > 1 {
                let names: Vec<String> = ids
                    .iter()
                    .filter_map(|i| self.m.douar(i))
                    .map(|d| format!("'{}'", d.name_ar))
                    .collect();
                self.errors.push(err(
                    DOUARS,
                    n,
                    format!(
                        "the names of this row belong to several douars ({}): one row per douar",
                        names.join(", ")
                    ),
                ));
                return;
            }
            ids.pop()
        };
        if let Some(id) = &found
            && let Some((_, first)) = self.line_of.get(id)
        {
            let name = self
                .m
                .douar(id)
                .map_or(String::new(), |d| d.name_ar.clone());
            self.errors.push(err(
                DOUARS,
                n,
                format!("duplicate douar: '{name}' is already on line {first}"),
            ));
            return;
        }
        match found {
            Some(id) => {
                let Some(old) = self.m.douar(&id).cloned() else {
                    return;
                };
                let mut new = old.clone();
                new.name_ar = name_ar;
                if l.has("douar_fr") {
                    new.name_fr = name_fr;
                }
                if l.has("aliases") {
                    // A spelling that stops being the name stays an alias, so documents and
                    // files that wrote it still find the douar.
                    let mut list = aliases;
                    for old_name in [&old.name_ar, &old.name_fr] {
                        list.push(old_name.clone());
                    }
                    new.aliases = list;
                } else {
                    let mut list = new.aliases.clone();
                    list.extend([old.name_ar.clone(), old.name_fr.clone()]);
                    new.aliases = list;
                }
                new.aliases = tidy_aliases(&new.name_ar, &new.name_fr, &new.aliases);
                if l.has("centre") {
                    new.centre = centre;
                }
                if l.has("population") {
                    new.population = population;
                }
                if l.has("retired") {
                    new.retired = retired;
                }
                if l.has("illustrative") {
                    new.illustrative = illustrative;
                }
                let moved = new.pole_id != pole_id;
                new.pole_id = pole_id.clone();
                self.line_of.insert(id.clone(), (DOUARS.into(), n));
                if new == old {
                    self.report.unchanged += 1;
                    return;
                }
                self.describe_douar(n, &old, &new);
                self.report.douars_updated.push(new.name_ar.clone());
                let Some(i) = self.m.douars.iter().position(|d| d.id == id) else {
                    return;
                };
                if moved {
                    self.m.douars.remove(i);
                    self.insert_in_pole(new);
                } else {
                    self.m.douars[i] = new;
                }
            }
            None => {
                let d = Douar {
                    id: new_id.unwrap_or_else(|| self.m.new_douar_id(&name_fr, &name_ar)),
                    pole_id,
                    aliases: tidy_aliases(&name_ar, &name_fr, &aliases),
                    name_ar,
                    name_fr,
                    illustrative,
                    centre,
                    population,
                    retired,
                    merged_into: None,
                };
                self.line_of.insert(d.id.clone(), (DOUARS.into(), n));
                self.report
                    .changes
                    .push(format!("douars line {n}: new douar '{}'", d.name_ar));
                self.report.douars_created.push(d.name_ar.clone());
                self.insert_in_pole(d);
            }
        }
    }

    fn insert_in_pole(&mut self, d: Douar) {
        let at = self
            .m
            .douars
            .iter()
            .rposition(|x| x.pole_id == d.pole_id)
            .map_or(self.m.douars.len(), |i| i + 1);
        self.m.douars.insert(at, d);
    }

    fn describe_douar(&mut self, n: u64, old: &Douar, new: &Douar) {
        let mut what = Vec::new();
        if old.name_ar != new.name_ar {
            what.push(format!("Arabic name '{}' → '{}'", old.name_ar, new.name_ar));
        }
        if old.name_fr != new.name_fr {
            what.push(format!("Latin name '{}' → '{}'", old.name_fr, new.name_fr));
        }
        if old.aliases != new.aliases {
            what.push(format!("aliases: {}", new.aliases.join(" | ")));
        }
        if old.pole_id != new.pole_id {
            let number = self.m.pole(&new.pole_id).map_or(0, |p| p.number);
            what.push(format!("moves to pole {number}"));
        }
        if old.centre != new.centre {
            what.push(format!("centre: {}", u8::from(new.centre)));
        }
        if old.population != new.population {
            what.push(format!(
                "population: {}",
                new.population.map_or("-".into(), |p| p.to_string())
            ));
        }
        if old.retired != new.retired {
            what.push(
                if new.retired {
                    "retired"
                } else {
                    "back in use"
                }
                .to_string(),
            );
        }
        if old.illustrative != new.illustrative {
            what.push(format!("illustrative: {}", u8::from(new.illustrative)));
        }
        self.report.changes.push(format!(
            "douars line {n}: '{}': {}",
            old.name_ar,
            what.join("; ")
        ));
    }

    /// The pole of a row: found by number (names updated when the row gives them), or made
    /// from the row's names.
    fn pole(
        &mut self,
        l: &Layout,
        line: &Line,
        number: u32,
        retire: bool,
        illustrative: bool,
    ) -> Option<String> {
        let cell = |key: &str| {
            l.at(key)
                .and_then(|i| line.cells.get(i))
                .map_or("", |s| s.trim())
        };
        let n = line.number;
        let (ar, fr) = (cell("pole_ar").to_string(), cell("pole_fr").to_string());
        let existing = self
            .m
            .poles
            .iter()
            .position(|p| p.number == number && !p.retired)
            .or_else(|| self.m.poles.iter().position(|p| p.number == number));
        let Some(i) = existing else {
            if normalize(&ar).is_empty() {
                self.errors.push(err(
                    DOUARS,
                    n,
                    format!(
                        "unknown pole {number}: give its Arabic name (pole column) to create it"
                    ),
                ));
                return None;
            }
            let pole = Pole {
                id: self.m.new_pole_id(number),
                name_ar: ar,
                name_fr: fr,
                illustrative,
                number,
                retired: retire,
            };
            self.pole_named_at.insert(number, n);
            self.line_of.insert(pole.id.clone(), (DOUARS.into(), n));
            self.report.changes.push(format!(
                "douars line {n}: new pole {number} '{}'",
                pole.name_ar
            ));
            self.report.poles_created.push(pole.name_ar.clone());
            let id = pole.id.clone();
            self.m.poles.push(pole);
            return Some(id);
        };
        let old = self.m.poles[i].clone();
        let mut new = old.clone();
        if !ar.is_empty() {
            new.name_ar = ar;
        }
        if l.has("pole_fr") && !fr.is_empty() {
            new.name_fr = fr;
        }
        if retire {
            new.retired = true;
        }
        if new != old {
            if let Some(first) = self.pole_named_at.get(&number) {
                self.errors.push(err(
                    DOUARS,
                    n,
                    format!(
                        "pole {number} is named '{}' on line {first}: one name per pole",
                        old.name_ar
                    ),
                ));
                return None;
            }
            self.report.changes.push(format!(
                "douars line {n}: pole {number} '{}' → '{}'{}",
                old.name_ar,
                new.name_ar,
                if new.retired != old.retired {
                    " (retired)"
                } else {
                    ""
                }
            ));
            self.report.poles_updated.push(new.name_ar.clone());
            self.m.poles[i] = new;
        }
        self.pole_named_at.entry(number).or_insert(n);
        self.line_of
            .entry(old.id.clone())
            .or_insert((DOUARS.into(), n));
        Some(old.id)
    }

    fn place_line(&mut self, l: &Layout, line: &Line) {
        let cell = |key: &str| {
            l.at(key)
                .and_then(|i| line.cells.get(i))
                .map_or("", |s| s.trim())
        };
        let n = line.number;
        let mut bad = Vec::new();
        let kind = parse_kind(cell("kind")).map_err(|e| bad.push(e)).ok();
        let retired = parse_flag("retired", cell("retired"))
            .map_err(|e| bad.push(e))
            .unwrap_or(false);
        let name_ar = cell("place_ar").to_string();
        if normalize(&name_ar).is_empty() {
            bad.push("the place's Arabic name is missing".into());
        }
        let mut douar_ids = Vec::new();
        for d in split_list(cell("douars")) {
            let found = self.m.douar(&d).map(|x| x.id.clone()).or_else(|| {
                self.m
                    .douar_with_key(&normalize(&d), None)
                    .map(|x| x.id.clone())
            });
            match found.and_then(|id| self.m.resolve(&id).map(|x| x.id.clone())) {
                Some(id) if !douar_ids.contains(&id) => douar_ids.push(id),
                Some(_) => {}
                None => bad.push(format!("unknown douar '{d}'")),
            }
        }
        let Some(kind) = kind else {
            bad.iter()
                .for_each(|b| self.errors.push(err(PLACES, n, b.clone())));
            return;
        };
        if !bad.is_empty() {
            for b in bad {
                self.errors.push(err(PLACES, n, b));
            }
            return;
        }
        let name_fr = cell("place_fr").to_string();
        let aliases = split_list(cell("aliases"));
        let found = if !cell("id").is_empty() {
            match cell("id")
                .parse::<i64>()
                .ok()
                .filter(|id| self.m.places.iter().any(|p| p.id == *id))
            {
                Some(id) => Some(id),
                None => {
                    self.errors.push(err(
                        PLACES,
                        n,
                        format!(
                            "unknown place id '{}' (leave it empty for a new place)",
                            cell("id")
                        ),
                    ));
                    return;
                }
            }
        } else {
            let keys: Vec<String> = std::iter::once(&name_ar)
                .chain(Some(&name_fr))
                .chain(&aliases)
                .map(|k| normalize(k))
                .filter(|k| !k.is_empty())
                .collect();
            self.m
                .places
                .iter()
                .find(|p| {
                    p.kind == kind
                        && [&p.name_ar, &p.name_fr]
                            .into_iter()
                            .chain(&p.aliases)
                            .any(|x| keys.contains(&normalize(x)))
                })
                .map(|p| p.id)
        };
        let key = |id: i64| format!("place:{id}");
        if let Some(id) = found
            && let Some((_, first)) = self.line_of.get(&key(id))
        {
            self.errors.push(err(
                PLACES,
                n,
                format!("duplicate place: '{name_ar}' is already on line {first}"),
            ));
            return;
        }
        let mut place = Place {
            id: found.unwrap_or(self.next_place_id),
            kind,
            aliases: tidy_aliases(&name_ar, &name_fr, &aliases),
            name_ar,
            name_fr,
            douar_ids,
            retired,
        };
        self.line_of.insert(key(place.id), (PLACES.into(), n));
        match self.m.places.iter().position(|p| p.id == place.id) {
            Some(i) => {
                let old = &self.m.places[i];
                if !l.has("place_fr") {
                    place.name_fr = old.name_fr.clone();
                }
                if !l.has("douars") {
                    place.douar_ids = old.douar_ids.clone();
                }
                if !l.has("retired") {
                    place.retired = old.retired;
                }
                if *old == place {
                    self.report.unchanged += 1;
                    return;
                }
                self.report
                    .changes
                    .push(format!("places line {n}: '{}' updated", old.name_ar));
                self.report.places_updated.push(place.name_ar.clone());
                self.m.places[i] = place;
            }
            None => {
                self.next_place_id -= 1;
                self.report
                    .changes
                    .push(format!("places line {n}: new place '{}'", place.name_ar));
                self.report.places_created.push(place.name_ar.clone());
                self.m.places.push(place);
            }
        }
    }
}

/// The douars table of the file (a pole without douars gets a row of its own).
fn douar_rows(m: &Model, with_illustrative: bool) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for p in &m.poles {
        let pole_cells = vec![p.number.to_string(), p.name_ar.clone(), p.name_fr.clone()];
        let of_pole: Vec<&Douar> = m
            .douars
            .iter()
            .filter(|d| d.pole_id == p.id && d.merged_into.is_none())
            .collect();
        if of_pole.is_empty() {
            let mut row = pole_cells.clone();
            row.extend(["", "", "", "", ""].map(String::from));
            row.push(if p.retired { "1" } else { "0" }.into());
            row.push(String::new());
            if with_illustrative {
                row.push(if p.illustrative { "1" } else { "0" }.into());
            }
            rows.push(row);
        }
        for d in of_pole {
            let mut row = pole_cells.clone();
            row.push(d.name_ar.clone());
            row.push(d.name_fr.clone());
            row.push(d.aliases.join(" | "));
            row.push(if d.centre { "1" } else { "0" }.into());
            row.push(d.population.map(|v| v.to_string()).unwrap_or_default());
            row.push(if d.retired { "1" } else { "0" }.into());
            row.push(d.id.clone());
            if with_illustrative {
                row.push(if d.illustrative { "1" } else { "0" }.into());
            }
            rows.push(row);
        }
    }
    rows
}

fn place_rows(m: &Model) -> Vec<Vec<String>> {
    m.places
        .iter()
        .map(|p| {
            let douars: Vec<&str> = p
                .douar_ids
                .iter()
                .map(|d| m.douar(d).map_or(d.as_str(), |x| x.name_ar.as_str()))
                .collect();
            vec![
                p.kind.labels().ar,
                p.name_ar.clone(),
                p.name_fr.clone(),
                p.aliases.join(" | "),
                douars.join(" | "),
                if p.retired { "1" } else { "0" }.into(),
                p.id.to_string(),
            ]
        })
        .collect()
}

/// The file: `m` None is the empty template. CSV is one of the two tables (`places`).
pub fn territory_file(
    m: Option<&Model>,
    format: FileFormat,
    places: bool,
) -> AppResult<(String, Vec<u8>)> {
    let with_illustrative = m.is_some_and(|m| {
        m.douars.iter().any(|d| d.illustrative) || m.poles.iter().any(|p| p.illustrative)
    });
    let douar_cols = if with_illustrative {
        DOUAR_COLUMNS.len()
    } else {
        TEMPLATE_DOUAR_COLUMNS
    };
    let douar_headers: Vec<String> = DOUAR_COLUMNS[..douar_cols].iter().map(header).collect();
    let place_headers: Vec<String> = PLACE_COLUMNS.iter().map(header).collect();
    let (douars, place_list) = match m {
        Some(m) => (douar_rows(m, with_illustrative), place_rows(m)),
        None => (Vec::new(), Vec::new()),
    };
    let stem = if m.is_some() {
        "territory"
    } else {
        "territory-template"
    };
    match format {
        FileFormat::Csv => {
            let (headers, rows, name) = if places {
                (place_headers, place_list, format!("{stem}-places"))
            } else {
                (douar_headers, douars, format!("{stem}-douars"))
            };
            let mut w = csv::WriterBuilder::new()
                .flexible(true)
                .from_writer(Vec::new());
            w.write_record(&headers).map_err(AppError::internal)?;
            for r in rows {
                w.write_record(&r).map_err(AppError::internal)?;
            }
            Ok((
                format!("{name}.csv"),
                w.into_inner().map_err(AppError::internal)?,
            ))
        }
        FileFormat::Xlsx => {
            let x = |e: rust_xlsxwriter::XlsxError| AppError::internal(format!("xlsx: {e}"));
            let mut book = Workbook::new();
            let bold = Format::new().set_bold();
            for (name, headers, rows) in [
                (DOUAR_SHEET, douar_headers, douars),
                (PLACE_SHEET, place_headers, place_list),
            ] {
                let sheet = book.add_worksheet();
                sheet.set_name(name).map_err(x)?;
                sheet.set_right_to_left(true);
                for (c, h) in headers.iter().enumerate() {
                    sheet.set_column_width(c as u16, 22).map_err(x)?;
                    sheet
                        .write_string_with_format(0, c as u16, h, &bold)
                        .map_err(x)?;
                }
                sheet.set_freeze_panes(1, 0).map_err(x)?;
                for (r, row) in rows.iter().enumerate() {
                    for (c, v) in row.iter().enumerate() {
                        if v.is_empty() {
                            continue;
                        }
                        let (r, c) = (r as u32 + 1, c as u16);
                        // Numbers as numbers (pole number, population, flags), names as text.
                        let numeric = headers[c as usize].contains("N°")
                            || headers[c as usize].contains("Population");
                        match v.parse::<f64>() {
                            Ok(f) if numeric => sheet.write_number(r, c, f).map_err(x)?,
                            _ => sheet.write_string(r, c, v).map_err(x)?,
                        };
                    }
                }
            }
            Ok((format!("{stem}.xlsx"), book.save_to_buffer().map_err(x)?))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{db::Db, demo};

    const DEMO_FILE: &str = include_str!("../../demo/territory.csv");

    fn model(db: &Db) -> Model {
        db.write_blocking(Model::load).unwrap()
    }

    /// `demo/territory.csv` is the demo's territory as the export writes it, and imported into
    /// a commune with no territory it gives the same poles and douars, ids included (what
    /// `--demo` can load instead of code).
    #[test]
    fn the_demo_territory_file_imports_as_the_demo_territory() {
        let dir = tempfile::tempdir().unwrap();
        let demo_db = Db::open(&dir.path().join("demo.db")).unwrap();
        demo_db.write_blocking(demo::load_if_empty).unwrap();
        let demo = model(&demo_db);
        let (_, exported) = territory_file(Some(&demo), FileFormat::Csv, false).unwrap();
        if String::from_utf8_lossy(&exported) != DEMO_FILE {
            std::fs::write(dir.path().join("territory.csv"), &exported).unwrap();
            panic!(
                "demo/territory.csv differs from the demo's export:\n{}",
                String::from_utf8_lossy(&exported)
            );
        }
        let db = Db::open(&dir.path().join("empty.db")).unwrap();
        let report = db
            .write_blocking(|tx| {
                tx.execute(
                    "INSERT INTO communes (id, name_ar, name_fr) VALUES ('c', 'ج', 'C')",
                    [],
                )?;
                load_territory_file(tx, DEMO_FILE.as_bytes())
            })
            .unwrap();
        assert_eq!(report.douars_created.len(), 18);
        assert_eq!(report.poles_created.len(), 7);
        let imported = model(&db);
        assert_eq!(imported.poles, demo.poles);
        assert_eq!(imported.douars, demo.douars);
        // And again: nothing changes.
        let again = db
            .write_blocking(|tx| import_territory(tx, None, DEMO_FILE.as_bytes(), None, true))
            .unwrap()
            .unwrap();
        assert_eq!((again.changes.len(), again.unchanged), (0, 18));
    }

    #[test]
    fn a_loader_gets_every_bad_line_and_nothing_written() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.db")).unwrap();
        db.write_blocking(demo::load_if_empty).unwrap();
        let before = model(&db);
        let e = db
            .write_blocking(|tx| {
                load_territory_file(tx, b"pole_number,douar_ar\n42,x\n1,\n2,y\n9,z\n")
            })
            .unwrap_err()
            .to_string();
        assert!(e.contains("douars line 2: unknown pole 42"), "{e}");
        assert!(e.contains("douars line 5: unknown pole 9"), "{e}");
        assert_eq!(model(&db), before);
    }

    /// A workbook the fuzzer made, on which calamine 0.38 panics (a sheet dimension whose end
    /// comes before its start): refused as unreadable.
    #[test]
    fn a_workbook_calamine_panics_on_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.db")).unwrap();
        db.write_blocking(demo::load_if_empty).unwrap();
        let bytes = include_bytes!("../../../tests/data/xlsx-dimension-end-before-start.xlsx");
        let refused = db
            .write_blocking(|tx| import_territory(tx, None, bytes, None, true))
            .unwrap()
            .unwrap_err();
        assert_eq!(refused[0].line, 0);
        assert!(refused[0].reason.contains("XLSX"), "{refused:?}");
    }

    #[test]
    fn headers_are_read_in_either_language_or_both() {
        for head in [
            "رقم القطب / N° du pôle",
            "رقم القطب",
            "N° du pôle",
            "n° du pole",
            "pole_number",
            "  Pôle ",
        ] {
            assert_eq!(
                column_of(DOUAR_COLUMNS, head).map(|c| c.key),
                Some("pole_number"),
                "{head}"
            );
        }
        assert_eq!(column_of(DOUAR_COLUMNS, "Remarques").map(|c| c.key), None);
        assert_eq!(
            column_of(PLACE_COLUMNS, "النوع / Type").map(|c| c.key),
            Some("kind")
        );
        assert_eq!(parse_number("n", "١٢٣").unwrap(), Some(123));
        assert_eq!(parse_number("n", "۱ ۲۰۰").unwrap(), Some(1200));
        assert!(parse_number("n", "12a").is_err());
        assert_eq!(parse_kind("Souk").unwrap(), PlaceKind::Market);
    }
}
