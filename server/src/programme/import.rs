//! Projects from a CSV or XLSX file (`POST /api/projects/import`).
//!
//! The first line (first row of the first sheet) names the columns; see [`COLUMNS`]. Only
//! `number` is required as a column; a row for a new project also needs `programme` and
//! `title_ar`. A row whose number exists updates that project: the columns present overwrite
//! (an empty cell clears), the others keep their value. The export's extra columns
//! ([`INFO_COLUMNS`]) are ignored, so an export imports back unchanged.
//!
//! Cells: amounts in French ("20 870 000,00") or dot form ("20870000.00") or XLSX numbers;
//! `programme` by id or Arabic/French/English name; `douars` and `poles` separated by `;` (or
//! `،` or `|`), each an id, a name or (douars) an alias, compared normalised; `partners` as
//! `name=amount; name` (a name alone: share not known yet; names matched to the partner
//! list, or added to it); `sector` a code or its Arabic/French label; `placeholder` 1/0.
//! A commune-wide word ([`COMMUNE_WIDE`]: "كل الدواوير", "toute la commune"…) as the
//! `douars` cell, or as the `location` when no douar is listed, means every douar.
//! A row for a placeholder project (see `demo`) makes it a real one unless the file has a
//! `placeholder` column: its placeholder titles and note are cleared unless the file gives
//! them (so a row without `title_ar` is refused: the title is required).
//!
//! With `replace` (the "replace the programme" mode) the file is the whole list: projects
//! not in it are removed unless a need links to them (those are kept and reported); the dry
//! run reports the same lists.
//!
//! All or nothing: every row is checked before anything is written; any bad row refuses the
//! whole file with every bad row's line and reason.

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use serde_json::json;
use tachkhis_shared::{
    Sector,
    api::programme::{ImportError, ImportReport, KeptProject, PartnerShare, ProjectInput},
    money::{Mad, parse_mad},
    reference::Reference,
    text::{ascii_digits, normalize},
};

use super::{Lookups, check_input, load_projects, write_project};
use crate::{export::FileFormat, http::error::AppResult, users::auth};

/// The columns an import reads, in the order the export writes them.
pub const COLUMNS: &[&str] = &[
    "number",
    "programme",
    "title_ar",
    "title_fr",
    "title_en",
    "description",
    "sector",
    "location",
    "douars",
    "poles",
    "beneficiaries_women",
    "beneficiaries_men",
    "commune_contribution_mad",
    "partners_contribution_mad",
    "partners",
    "start_year",
    "end_year",
    "duration_months",
    "owner",
    "funding_source",
    "status",
    "prerequisite_land",
    "prerequisite_studies",
    "programme_note",
    "placeholder",
];

/// Columns the export adds for people to read, which an import ignores.
pub const INFO_COLUMNS: &[&str] = &["axis_ar", "programme_ar", "needs"];

/// Columns of files from before that an import ignores: `indicators`, the project sheet's
/// old free-text field, which files exported before the indicators became records still
/// have (`monitoring`; migration 0014 carried its text over into records, so reading it
/// again would duplicate them; indicators have their own import).
pub const FORMER_COLUMNS: &[&str] = &["indicators"];

/// The most rows one file may hold.
pub const MAX_ROWS: usize = 10_000;

/// A line of the file: its number (header = 1) and its cells as text. (The execution import,
/// `execution::import`, reads its files with these readers too.)
pub(crate) struct Line {
    pub number: u64,
    pub cells: Vec<String>,
}

fn whole_file(reason: impl Into<String>) -> Vec<ImportError> {
    vec![ImportError {
        line: 0,
        reason: reason.into(),
    }]
}

/// XLSX when asked, or when the body starts like a zip file; CSV otherwise.
pub fn detect(body: &[u8], asked: Option<FileFormat>) -> FileFormat {
    asked.unwrap_or(if body.starts_with(b"PK\x03\x04") {
        FileFormat::Xlsx
    } else {
        FileFormat::Csv
    })
}

pub(crate) fn read_csv(body: &[u8]) -> Result<(Vec<String>, Vec<Line>), Vec<ImportError>> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let first_line = body.split(|b| *b == b'\n').next().unwrap_or_default();
    // Spreadsheets set to French save CSV with ';' between fields.
    let delimiter = if first_line.contains(&b';') && !first_line.contains(&b',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .from_reader(body);
    let headers = match reader.headers() {
        Ok(h) => h.iter().map(String::from).collect(),
        Err(e) => {
            return Err(vec![ImportError {
                line: 1,
                reason: format!("the header line cannot be read: {}", csv_reason(&e)),
            }]);
        }
    };
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    for record in reader.records() {
        match record {
            Ok(r) => {
                let number = r.position().map_or(0, |p| p.line());
                lines.push(Line {
                    number,
                    cells: r.iter().map(String::from).collect(),
                });
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(ImportError {
                    line,
                    reason: csv_reason(&e),
                });
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
            }
        }
        if lines.len() > MAX_ROWS {
            return Err(whole_file(format!("more than {MAX_ROWS} rows")));
        }
    }
    if errors.is_empty() {
        Ok((headers, lines))
    } else {
        Err(errors)
    }
}

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "the text is not UTF-8".into(),
        _ => format!("malformed CSV: {e}"),
    }
}

/// A number cell as people would type it: integers without ".0", others in shortest form.
fn float_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// Cells an XLSX file may hold (non-empty ones): every row of a full file with room to spare.
pub const MAX_XLSX_CELLS: usize = (MAX_ROWS + 1) * 200;
/// Columns the header row may span; the import has 26 and the export adds 3.
pub const MAX_XLSX_COLUMNS: u32 = 1_000;

/// Reads the first sheet cell by cell. Not `worksheet_range`: it allocates the rectangle from
/// the first cell to the last, so two cells at A1 and XFD1048576 in a 6 KB file asked for
/// 17 billion cells (the server aborted; A1 and XFD10003 took 5 GB for a while). Here cells
/// are kept by row as they come, at most [`MAX_XLSX_CELLS`], and a row is made only as wide as
/// the header.
pub(crate) fn read_xlsx(body: &[u8]) -> Result<(Vec<String>, Vec<Line>), Vec<ImportError>> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(body))
        .map_err(|e| whole_file(format!("not a readable XLSX file: {e}")))?;
    let Some(name) = book.sheet_names().first().cloned() else {
        return Err(whole_file("the workbook has no sheet"));
    };
    let cannot_read =
        |e: calamine::XlsxError| whole_file(format!("the first sheet cannot be read: {e}"));
    let mut reader = book.worksheet_cells_reader(&name).map_err(cannot_read)?;
    let mut rows: BTreeMap<u32, Vec<(u32, Data)>> = BTreeMap::new();
    let mut count = 0usize;
    while let Some(cell) = reader.next_cell().map_err(cannot_read)? {
        let value = Data::from(cell.get_value().clone());
        if value == Data::Empty {
            continue;
        }
        count += 1;
        if count > MAX_XLSX_CELLS {
            return Err(whole_file(format!(
                "more than {MAX_XLSX_CELLS} cells; a file of {MAX_ROWS} projects has far fewer"
            )));
        }
        let (row, col) = cell.get_position();
        rows.entry(row).or_default().push((col, value));
    }
    let (Some(&first_row), Some(&last_row)) = (rows.keys().next(), rows.keys().next_back()) else {
        return Err(vec![ImportError {
            line: 1,
            reason: "the sheet is empty: no header row".into(),
        }]);
    };
    if (last_row - first_row) as usize + 1 > MAX_ROWS + 1 {
        return Err(whole_file(format!("more than {MAX_ROWS} rows")));
    }
    // Columns count from the leftmost cell of the sheet, as a spreadsheet's used range does.
    let first_col = rows.values().flatten().map(|(c, _)| *c).min().unwrap_or(0);
    let header_cells = &rows[&first_row];
    let width = header_cells
        .iter()
        .map(|(c, _)| c - first_col + 1)
        .max()
        .unwrap_or(0);
    if width > MAX_XLSX_COLUMNS {
        return Err(vec![ImportError {
            line: u64::from(first_row) + 1,
            reason: format!(
                "the header row spans {width} columns; the import reads at most {MAX_XLSX_COLUMNS}"
            ),
        }]);
    }
    let mut errors = Vec::new();
    let mut cells_of = |row: &[(u32, Data)], line: u64| -> Vec<String> {
        let mut cells = vec![String::new(); width as usize];
        for (col, d) in row {
            // Past the header's last column nothing is read (those columns have no name).
            let Some(slot) = cells.get_mut((col - first_col) as usize) else {
                continue;
            };
            *slot = match d {
                Data::Empty => String::new(),
                Data::String(s) => s.clone(),
                Data::Int(i) => i.to_string(),
                Data::Float(f) => float_text(*f),
                Data::Bool(b) => if *b { "1" } else { "0" }.to_string(),
                Data::Error(e) => {
                    errors.push(ImportError {
                        line,
                        reason: format!(
                            "column {} holds a spreadsheet error ({e})",
                            col - first_col + 1
                        ),
                    });
                    String::new()
                }
                other => other.to_string(),
            };
        }
        cells
    };
    let headers = cells_of(header_cells, u64::from(first_row) + 1);
    let mut lines = Vec::new();
    for (&row, row_cells) in rows.range(first_row + 1..) {
        let number = u64::from(row) + 1;
        let cells = cells_of(row_cells, number);
        // A row with text only under unnamed columns is still a row (and will say what it
        // lacks), as it was when the whole rectangle was read.
        let blank = |d: &Data| match d {
            Data::Empty => true,
            Data::String(s) => s.trim().is_empty(),
            _ => false,
        };
        if row_cells.iter().all(|(_, d)| blank(d)) {
            continue;
        }
        lines.push(Line { number, cells });
    }
    if errors.is_empty() {
        Ok((headers, lines))
    } else {
        Err(errors)
    }
}

fn parse_int(column: &str, text: &str) -> Result<Option<i64>, String> {
    let t = ascii_digits(text.trim());
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<i64>()
        .map(Some)
        .map_err(|_| format!("{column}: '{}' is not a whole number", text.trim()))
}

fn parse_i32(column: &str, text: &str) -> Result<Option<i32>, String> {
    parse_int(column, text)?
        .map(|v| i32::try_from(v).map_err(|_| format!("{column}: {v} is out of range")))
        .transpose()
}

fn parse_amount(column: &str, text: &str) -> Result<Option<Mad>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    parse_mad(text)
        .map(Some)
        .map_err(|e| format!("{column}: '{}': {e}", text.trim()))
}

fn opt(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Lists in a cell: `;`, the Arabic comma `،` or `|` between items (a commune's own
/// spreadsheet uses whichever its author liked).
fn split_list(text: &str) -> impl Iterator<Item = &str> {
    text.split([';', '،', '|'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn parse_flag(column: &str, text: &str) -> Result<bool, String> {
    match text.trim().to_lowercase().as_str() {
        "" | "0" | "false" | "no" | "non" | "لا" => Ok(false),
        "1" | "true" | "yes" | "oui" | "نعم" => Ok(true),
        other => Err(format!("{column}: '{other}' is not 1 or 0")),
    }
}

fn sector_code(text: &str) -> Result<Option<Sector>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let key = normalize(t);
    Reference::sector_labels()
        .into_iter()
        .find(|s| s.code == t || normalize(&s.ar) == key || normalize(&s.fr) == key)
        .map(|s| Some(Sector::parse(&s.code)))
        .ok_or_else(|| {
            let codes: Vec<String> = Reference::sector_labels()
                .into_iter()
                .map(|s| s.code)
                .collect();
            format!(
                "sector: unknown sector '{t}' (the sectors are: {}; or their Arabic or French label)",
                codes.join(", ")
            )
        })
}

/// The words that put a project in every douar of the commune, in the `douars` or the
/// `location` cell. Compared normalised, so case, accents and hamza spellings do not matter.
pub const COMMUNE_WIDE: &[&str] = &[
    "كل الدواوير",
    "جميع الدواوير",
    "كافة الدواوير",
    "الجماعة كلها",
    "toute la commune",
    "tous les douars",
    "ensemble de la commune",
    "whole commune",
    "all douars",
];

fn is_commune_wide(text: &str) -> bool {
    let key = normalize(text);
    !key.is_empty() && COMMUNE_WIDE.iter().any(|w| normalize(w) == key)
}

/// `name=amount; name; name=`: a name without an amount is a share not known yet.
fn parse_partners(text: &str) -> Result<Vec<PartnerShare>, String> {
    split_list(text)
        .map(|item| {
            let (name, amount) = item.rsplit_once('=').unwrap_or((item, ""));
            let amount = if amount.trim().is_empty() || amount.trim() == "?" {
                None
            } else {
                Some(parse_mad(amount).map_err(|e| format!("partners: '{}': {e}", amount.trim()))?)
            };
            let name = name.trim();
            if name.is_empty() {
                return Err(format!("partners: '{item}' has no partner name"));
            }
            Ok(PartnerShare {
                partner_id: None,
                name: name.to_string(),
                amount,
            })
        })
        .collect()
}

/// Applies one cell to the sheet.
fn apply(input: &mut ProjectInput, column: &str, text: &str, lk: &Lookups) -> Result<(), String> {
    match column {
        "number" => {}
        "programme" => {
            input.programme_id = if text.trim().is_empty() {
                0
            } else {
                lk.programme(text)
                    .ok_or_else(|| format!("programme: unknown programme '{}'", text.trim()))?
            }
        }
        "title_ar" => input.title_ar = text.to_string(),
        "title_fr" => input.title_fr = text.to_string(),
        "title_en" => input.title_en = text.to_string(),
        "description" => input.description = text.to_string(),
        "sector" => input.sector = sector_code(text)?,
        "location" => input.location = text.to_string(),
        "douars" if is_commune_wide(text) => input.douar_ids = lk.all_douars(),
        "douars" => {
            input.douar_ids = split_list(text)
                .map(|d| {
                    lk.douar(d)
                        .ok_or_else(|| format!("douars: unknown douar '{d}'"))
                })
                .collect::<Result<_, _>>()?
        }
        "poles" => {
            input.pole_ids = split_list(text)
                .map(|p| {
                    lk.pole(p)
                        .ok_or_else(|| format!("poles: unknown pole '{p}'"))
                })
                .collect::<Result<_, _>>()?
        }
        "beneficiaries_women" => input.beneficiaries_women = parse_int(column, text)?,
        "beneficiaries_men" => input.beneficiaries_men = parse_int(column, text)?,
        "commune_contribution_mad" => input.commune_contribution = parse_amount(column, text)?,
        "partners_contribution_mad" => input.partners_contribution = parse_amount(column, text)?,
        "partners" => input.partners = parse_partners(text)?,
        "start_year" => input.start_year = parse_i32(column, text)?,
        "end_year" => input.end_year = parse_i32(column, text)?,
        "duration_months" => input.duration_months = parse_i32(column, text)?,
        "owner" => input.owner = text.to_string(),
        // Read into execution records after the sheet is written (issue 15, exec).
        "funding_source" | "status" => {}
        "prerequisite_land" => input.prerequisite_land = text.to_string(),
        "prerequisite_studies" => input.prerequisite_studies = text.to_string(),
        "programme_note" => input.programme_note = opt(text),
        "placeholder" => input.placeholder = parse_flag(column, text)?,
        _ => {}
    }
    Ok(())
}

/// How an import runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportMode {
    /// Check and report, write nothing.
    pub dry_run: bool,
    /// "Replace the programme": the file is the whole list; a project not in it is removed
    /// when no need links to it, otherwise kept and reported.
    pub replace: bool,
}

/// Reads, checks and (unless `dry_run`) writes the projects of a file, in the caller's
/// transaction. `Ok(Err(rows))` is a refused file: nothing was written.
pub fn import_projects(
    tx: &rusqlite::Transaction<'_>,
    user_id: Option<i64>,
    body: &[u8],
    format: Option<FileFormat>,
    mode: ImportMode,
) -> AppResult<Result<ImportReport, Vec<ImportError>>> {
    let ImportMode { dry_run, replace } = mode;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Err(whole_file("the file is empty")));
    }
    let format = detect(body, format);
    let read = match format {
        FileFormat::Csv => read_csv(body),
        // calamine 0.38 panics on some malformed workbooks (a sheet dimension whose end comes
        // before its start overflows a subtraction; release builds check calamine's overflows
        // too, see Cargo.toml): such a file is unreadable, not a crash.
        FileFormat::Xlsx => std::panic::catch_unwind(|| read_xlsx(body)).unwrap_or_else(|_| {
            Err(whole_file(
                "not a readable XLSX file (the workbook is malformed)",
            ))
        }),
    };
    let (headers, lines) = match read {
        Ok(x) => x,
        Err(errors) => return Ok(Err(errors)),
    };

    // The header: known columns, each once, `number` among them.
    let mut errors = Vec::new();
    let mut columns: Vec<Option<&'static str>> = Vec::with_capacity(headers.len());
    for h in &headers {
        let key = h.trim().to_lowercase();
        match COLUMNS.iter().find(|c| **c == key) {
            Some(c) if columns.contains(&Some(*c)) => errors.push(format!("column '{c}' twice")),
            Some(c) => columns.push(Some(*c)),
            None if INFO_COLUMNS.contains(&key.as_str())
                || FORMER_COLUMNS.contains(&key.as_str())
                || key.is_empty() =>
            {
                columns.push(None)
            }
            None => errors.push(format!("unknown column '{}'", h.trim())),
        }
    }
    let Some(number_at) = columns.iter().position(|c| *c == Some("number")) else {
        errors.push("no 'number' column".into());
        return Ok(Err(header_errors(errors)));
    };
    if !errors.is_empty() {
        return Ok(Err(header_errors(errors)));
    }
    if lines.is_empty() {
        return Ok(Err(vec![ImportError {
            line: 1,
            reason: "the file has a header but no project".into(),
        }]));
    }

    let lk = Lookups::load(tx)?;
    let existing: HashMap<i64, (i64, ProjectInput)> = load_projects(tx, None)?
        .into_iter()
        .map(|p| (p.input.number, (p.id, p.input)))
        .collect();
    let mut seen: HashMap<i64, u64> = HashMap::new();
    let mut made_real = Vec::new();
    let mut rows: Vec<(Option<i64>, ProjectInput)> = Vec::with_capacity(lines.len());
    // Each row's `funding_source` and `status` cells (issue 15, exec): they become execution
    // records (`execution::legacy::carry_text`), never silently dropped.
    let mut execution_texts: Vec<(Option<String>, Option<String>)> = Vec::new();
    let mut errors: Vec<ImportError> = Vec::new();
    for line in &lines {
        let mut fail = |reason: String| {
            errors.push(ImportError {
                line: line.number,
                reason,
            })
        };
        let cell = |i: usize| line.cells.get(i).map_or("", String::as_str);
        let number = match parse_int("number", cell(number_at)) {
            Ok(Some(n)) => n,
            Ok(None) => {
                fail("number: the project number is missing".into());
                continue;
            }
            Err(e) => {
                fail(e);
                continue;
            }
        };
        if let Some(first) = seen.insert(number, line.number) {
            fail(format!(
                "project number {number} is already on line {first} of this file"
            ));
            continue;
        }
        let (id, mut input) = match existing.get(&number) {
            Some((id, input)) => (Some(*id), input.clone()),
            None => (
                None,
                ProjectInput {
                    number,
                    ..ProjectInput::default()
                },
            ),
        };
        // A placeholder named by the file becomes a real project: its made-up titles and its
        // note say nothing true about it any more, so they go unless the file gives them.
        if id.is_some() && input.placeholder && !columns.contains(&Some("placeholder")) {
            made_real.push(number);
            input.placeholder = false;
            for (column, field) in [
                ("title_ar", &mut input.title_ar),
                ("title_fr", &mut input.title_fr),
                ("title_en", &mut input.title_en),
            ] {
                if !columns.contains(&Some(column)) {
                    field.clear();
                }
            }
            if !columns.contains(&Some("programme_note")) {
                input.programme_note = None;
            }
        }
        let mut bad = false;
        for (i, column) in columns.iter().enumerate() {
            if let Some(column) = column
                && let Err(reason) = apply(&mut input, column, cell(i), &lk)
            {
                fail(reason);
                bad = true;
            }
        }
        if bad {
            continue;
        }
        // "Toute la commune" as the location, with no douar listed: every douar.
        let douars_given = columns
            .iter()
            .position(|c| *c == Some("douars"))
            .is_some_and(|i| !cell(i).trim().is_empty());
        if !douars_given && is_commune_wide(&input.location) {
            input.douar_ids = lk.all_douars();
        }
        if id.is_none() && input.programme_id == 0 {
            fail("programme: a new project needs its programme".into());
            continue;
        }
        let reasons = check_input(&mut input, &lk);
        if !reasons.is_empty() {
            for r in reasons {
                fail(r);
            }
            continue;
        }
        let text_of = |name: &str| {
            columns
                .iter()
                .position(|c| *c == Some(name))
                .and_then(|i| opt(cell(i)))
        };
        execution_texts.push((text_of("funding_source"), text_of("status")));
        rows.push((id, input));
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }

    let mut report = ImportReport {
        created: Vec::new(),
        updated: Vec::new(),
        removed: Vec::new(),
        kept: Vec::new(),
        made_real,
        partners_added: Vec::new(),
        dry_run,
    };
    let mut added_keys = std::collections::HashSet::new();
    for (_, input) in &rows {
        for share in &input.partners {
            if share.partner_id.is_none() && added_keys.insert(normalize(&share.name)) {
                report.partners_added.push(share.name.clone());
            }
        }
    }
    let mut remove = Vec::new();
    if replace {
        let mut gone: Vec<(i64, i64)> = existing
            .iter()
            .filter(|(number, _)| !seen.contains_key(number))
            .map(|(number, (id, _))| (*number, *id))
            .collect();
        gone.sort_unstable();
        for (number, id) in gone {
            let needs: i64 = tx.query_row(
                "SELECT count(*) FROM need_projects WHERE project_id = ?1",
                [id],
                |r| r.get(0),
            )?;
            if needs > 0 {
                report.kept.push(KeptProject {
                    number,
                    reason: format!("not in the file, kept: {needs} need(s) link to it"),
                });
            } else {
                report.removed.push(number);
                remove.push(id);
            }
        }
    }
    for ((id, input), (funding, status)) in rows.iter().zip(&execution_texts) {
        match id {
            Some(_) => report.updated.push(input.number),
            None => report.created.push(input.number),
        }
        if !dry_run {
            let project_id = write_project(tx, *id, input)?;
            crate::execution::legacy::carry_text(
                tx,
                user_id,
                project_id,
                funding.as_deref(),
                status.as_deref(),
            )?;
        }
    }
    if !dry_run {
        for id in &remove {
            tx.execute("DELETE FROM projects WHERE id = ?1", [id])?;
        }
        auth::audit(
            tx,
            user_id,
            "project.import",
            Some(match format {
                FileFormat::Csv => "csv",
                FileFormat::Xlsx => "xlsx",
            }),
            Some(
                &json!({
                    "created": report.created,
                    "updated": report.updated,
                    "replace": replace,
                    "removed": report.removed,
                    "kept": report.kept.iter().map(|k| k.number).collect::<Vec<_>>(),
                    "made_real": report.made_real,
                    "partners_added": report.partners_added,
                })
                .to_string(),
            ),
        )?;
    }
    Ok(Ok(report))
}

fn header_errors(reasons: Vec<String>) -> Vec<ImportError> {
    let known = COLUMNS.join(", ");
    reasons
        .into_iter()
        .map(|r| ImportError {
            line: 1,
            reason: format!("{r} (the columns are: {known})"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{db::Db, demo};

    fn demo_db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.db")).unwrap();
        db.write_blocking(demo::load_if_empty).unwrap();
        (dir, db)
    }

    fn import(db: &Db, body: &str) -> Result<ImportReport, Vec<ImportError>> {
        let body = body.as_bytes().to_vec();
        db.write_blocking(move |tx| import_projects(tx, None, &body, None, ImportMode::default()))
            .unwrap()
    }

    #[test]
    fn french_amounts_names_aliases_and_semicolons() {
        let (_dir, db) = demo_db();
        let report = import(
            &db,
            "number;programme;title_ar;douars;commune_contribution_mad;partners;sector\n\
             100;البنية التحتية;طريق جديدة;اولادسكيبر، ادوز;1 250 000,50;ONEE=300 000,00;الطرق والمسالك\n",
        );
        let report = report.unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(report.created, vec![100]);
        let p = db
            .read_blocking(|tx| {
                Ok(load_projects(tx, None)?
                    .into_iter()
                    .find(|p| p.input.number == 100))
            })
            .unwrap()
            .unwrap();
        assert_eq!(p.input.programme_id, 1);
        assert_eq!(p.input.douar_ids, vec!["ouled-skir", "idouz"]);
        assert_eq!(
            p.input.commune_contribution.unwrap().to_string(),
            "1250000.50"
        );
        assert_eq!(
            p.input.partners_contribution.unwrap().to_string(),
            "300000.00"
        );
        assert_eq!(p.input.sector, Some(tachkhis_shared::Sector::Roads));
    }

    #[test]
    fn every_bad_row_is_reported_and_nothing_written() {
        let (_dir, db) = demo_db();
        let before = db
            .read_blocking(|tx| {
                Ok(tx.query_row("SELECT count(*) FROM projects", [], |r| r.get::<_, i64>(0))?)
            })
            .unwrap();
        let errors = import(
            &db,
            "number,programme,title_ar,commune_contribution_mad,start_year\n\
             200,1,صالح,100,2024\n\
             201,1,سالب,-5,2024\n\
             202,99,برنامج مجهول,,\n\
             200,1,مكرر,,\n\
             abc,1,رقم,,\n\
             203,1,,,\n\
             204,1,سنة,,1800\n",
        )
        .unwrap_err();
        let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 4, 5, 6, 7, 8], "{errors:?}");
        assert!(errors[0].reason.contains("negative"), "{errors:?}");
        assert!(errors[2].reason.contains("line 2"), "{errors:?}");
        let after = db
            .read_blocking(|tx| {
                Ok(tx.query_row("SELECT count(*) FROM projects", [], |r| r.get::<_, i64>(0))?)
            })
            .unwrap();
        assert_eq!(before, after);
    }

    #[test]
    fn header_problems_are_line_one() {
        let (_dir, db) = demo_db();
        let e = import(&db, "numero,title_ar\n1,x\n").unwrap_err();
        assert!(e.iter().all(|e| e.line == 1), "{e:?}");
        assert!(e[0].reason.contains("unknown column 'numero'"));
        let e = import(&db, "number,title_ar\n").unwrap_err();
        assert_eq!(e[0].line, 1);
        let e = import(&db, "  \n").unwrap_err();
        assert_eq!(e[0].line, 0);
    }

    /// A file exported before the indicators were records still has their free-text column:
    /// it imports, the column ignored (its text was carried over into records).
    #[test]
    fn the_former_indicators_column_is_ignored() {
        let (_dir, db) = demo_db();
        let report = import(
            &db,
            "number,programme,title_ar,indicators\n100,1,مشروع,عدد الأسر\n",
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(report.created, vec![100]);
        let indicators = db
            .read_blocking(|tx| {
                Ok(tx.query_row(
                    "SELECT count(*) FROM project_indicators i JOIN projects p ON p.id = i.project_id
                     WHERE p.number = 100",
                    [],
                    |r| r.get::<_, i64>(0),
                )?)
            })
            .unwrap();
        assert_eq!(indicators, 0);
    }

    fn xlsx(cells: &[(u32, u16, &str)]) -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (r, c, text) in cells {
            sheet.write_string(*r, *c, *text).unwrap();
        }
        book.save_to_buffer().unwrap()
    }

    fn import_bytes(
        db: &Db,
        body: Vec<u8>,
        dry_run: bool,
    ) -> Result<ImportReport, Vec<ImportError>> {
        db.write_blocking(move |tx| {
            import_projects(
                tx,
                None,
                &body,
                None,
                ImportMode {
                    dry_run,
                    replace: false,
                },
            )
        })
        .unwrap()
    }

    /// Found by the fuzzer: a 6 KB file with a cell at A1 and one at the sheet's far corner
    /// made calamine's range allocate 17 billion cells, and the server aborted.
    #[test]
    fn far_away_cells_are_refused_without_building_the_rectangle() {
        let (_dir, db) = demo_db();
        let corner = xlsx(&[(0, 0, "number"), (1_048_575, 16_383, "far")]);
        let e = import_bytes(&db, corner, true).unwrap_err();
        assert!(e[0].reason.contains("more than 10000 rows"), "{e:?}");
        let wide = xlsx(&[(0, 0, "number"), (0, 16_383, "title_ar"), (1, 0, "1")]);
        let e = import_bytes(&db, wide, true).unwrap_err();
        assert!(e[0].reason.contains("16384 columns"), "{e:?}");
        // Far to the right of the header, in a row that is otherwise a project: ignored, as
        // an unnamed column always was.
        let ok = xlsx(&[
            (2, 1, "number"),
            (2, 2, "programme"),
            (2, 3, "title_ar"),
            (3, 1, "300"),
            (3, 2, "1"),
            (3, 3, "مشروع"),
            (3, 16_000, "far"),
            (5, 1, "301"),
            (5, 2, "1"),
            (5, 3, "آخر"),
        ]);
        let report = import_bytes(&db, ok, true).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(report.created, vec![300, 301]);
        // Lines keep their sheet numbers: the header is on line 3.
        let bad = xlsx(&[(2, 1, "number"), (2, 2, "title_ar"), (6, 1, "x")]);
        let e = import_bytes(&db, bad, true).unwrap_err();
        assert_eq!(e[0].line, 7, "{e:?}");
    }

    #[test]
    fn number_cells_from_spreadsheets() {
        assert_eq!(float_text(3.0), "3");
        assert_eq!(float_text(20_870_000.12), "20870000.12");
        assert_eq!(
            parse_amount("x", &float_text(1250.5))
                .unwrap()
                .unwrap()
                .to_string(),
            "1250.50"
        );
    }
}
