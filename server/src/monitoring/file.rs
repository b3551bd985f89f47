//! The indicators file: every project's indicators as CSV or XLSX, out (export, template) and
//! in (import), one row per indicator.
//!
//! Columns are found by their header, in Arabic, French or the English key, alone or as the
//! template writes them ("رقم المشروع / N° du projet"), as in the territory file: the project
//! by its programme number (required), kind (`output`/`result`, or إنجاز/نتيجة,
//! réalisation/résultat), labels, unit, baseline value and year, one column per target year
//! ("الهدف 2025 / Cible 2025", "Cible 2025", "target_2025", "2025"), source, and the
//! export's id. Numbers may be typed in Arabic-Indic digits, values with a French decimal
//! comma ("8,5"). Other columns are ignored and reported; blank rows are skipped.
//!
//! A row names its indicator by id (the export's last column; it must be of the row's
//! project), else by its project and Arabic label (compared normalised); otherwise it is a
//! new indicator, last of its project in file order. On an indicator that exists, the columns
//! present overwrite (a blank cell clears; a target year not in the file is kept). All or
//! nothing: every row is checked with the API's rules, and any problem refuses the file with
//! every bad line named; `dry_run` reports without writing.

use std::collections::{BTreeSet, HashMap};

use serde_json::json;
use tachkhis_shared::{
    api::monitoring::{
        ImportedIndicator, Indicator, IndicatorImportReport, IndicatorInput, TargetInput,
    },
    api::programme::{ImportError, MAX_YEAR, MIN_YEAR},
    codes::IndicatorKind,
    text::{ascii_digits, normalize},
};

use super::{MAX_INDICATORS, Record, check, load_indicators, programme_years, write_record};
use crate::{
    export::{Cell, FileFormat, Table},
    http::error::{AppError, AppResult},
    territory::file::{Col, Sheet, column_of, header, read_csv, read_xlsx},
    users::auth,
};

const COLUMNS: &[Col] = &[
    Col {
        key: "project_number",
        ar: "رقم المشروع",
        fr: "N° du projet",
        also: &[
            "number",
            "project",
            "المشروع",
            "numéro du projet",
            "project number",
            "projet",
        ],
    },
    Col {
        key: "kind",
        ar: "نوع المؤشر",
        fr: "Type d'indicateur",
        also: &["النوع", "type", "nature"],
    },
    Col {
        key: "label_ar",
        ar: "المؤشر بالعربية",
        fr: "Indicateur (arabe)",
        also: &["المؤشر", "indicateur", "label", "libellé", "intitulé"],
    },
    Col {
        key: "label_fr",
        ar: "المؤشر بالفرنسية",
        fr: "Indicateur (français)",
        also: &["libellé (français)", "intitulé (français)"],
    },
    Col {
        key: "unit",
        ar: "وحدة القياس",
        fr: "Unité",
        also: &["الوحدة", "unite", "unité de mesure"],
    },
    Col {
        key: "baseline_value",
        ar: "القيمة المرجعية",
        fr: "Valeur de référence",
        also: &[
            "baseline",
            "valeur initiale",
            "situation de référence",
            "référence",
        ],
    },
    Col {
        key: "baseline_year",
        ar: "سنة القيمة المرجعية",
        fr: "Année de référence",
        also: &["سنة المرجع", "baseline year"],
    },
    Col {
        key: "source",
        ar: "مصدر المعطيات",
        fr: "Source des données",
        also: &["المصدر", "source", "source of the figure"],
    },
    Col {
        key: "id",
        ar: "المعرف",
        fr: "Identifiant",
        also: &["identifiant de l'indicateur"],
    },
    // Not in the template: the demo marks its made-up indicators.
    Col {
        key: "illustrative",
        ar: "توضيحي",
        fr: "Illustratif",
        also: &[],
    },
    // Written by the export for people to read; an import ignores it.
    Col {
        key: "project_title",
        ar: "عنوان المشروع",
        fr: "Titre du projet",
        also: &["titre", "العنوان"],
    },
];

const TARGET_WORDS: &[&str] = &[
    "الهدف",
    "القيمة المستهدفة",
    "المستهدف",
    "cible",
    "objectif",
    "valeur cible",
    "target",
];

/// The year a target column stands for: "الهدف 2025 / Cible 2025", "Cible 2025",
/// "target_2025", "٢٠٢٥".
fn target_year(head: &str) -> Option<i32> {
    let parts = std::iter::once(head).chain(head.split('/'));
    for part in parts {
        let mut key = normalize(&ascii_digits(part).replace('_', " "));
        for w in TARGET_WORDS {
            let w = normalize(w);
            if let Some(rest) = key.strip_prefix(&w) {
                key = rest.trim().to_string();
                break;
            }
        }
        if key.len() == 4
            && let Ok(y) = key.parse::<i32>()
            && (MIN_YEAR..=MAX_YEAR).contains(&y)
        {
            return Some(y);
        }
    }
    None
}

fn target_header(year: i32) -> String {
    format!("الهدف {year} / Cible {year}")
}

fn kind_of(text: &str) -> Result<Option<IndicatorKind>, String> {
    let key = normalize(text);
    if key.is_empty() {
        return Ok(None);
    }
    let output = [
        "output",
        "إنجاز",
        "مؤشر الإنجاز",
        "مؤشر انجاز",
        "réalisation",
        "indicateur de réalisation",
        "extrant",
    ];
    let result = [
        "result",
        "نتيجة",
        "مؤشر النتيجة",
        "مؤشر النتائج",
        "résultat",
        "indicateur de résultat",
        "effet",
    ];
    if output.iter().any(|w| normalize(w) == key) {
        Ok(Some(IndicatorKind::Output))
    } else if result.iter().any(|w| normalize(w) == key) {
        Ok(Some(IndicatorKind::Result))
    } else {
        Err(format!(
            "kind: '{}' is neither output (إنجاز, réalisation) nor result (نتيجة, résultat)",
            text.trim()
        ))
    }
}

fn kind_text(kind: Option<&IndicatorKind>) -> &'static str {
    match kind {
        Some(IndicatorKind::Output) => "output",
        Some(IndicatorKind::Result) => "result",
        _ => "",
    }
}

fn parse_int(what: &str, text: &str) -> Result<Option<i64>, String> {
    let t = ascii_digits(text.trim()).replace([' ', '\u{a0}', '\u{202f}', '٬'], "");
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<i64>().map(Some).map_err(|_| {
        format!(
            "{what}: '{}' is not a whole number (digits 0-9 or ٠-٩)",
            text.trim()
        )
    })
}

fn parse_flag(what: &str, text: &str) -> Result<bool, String> {
    match normalize(&ascii_digits(text)).as_str() {
        "" | "0" | "false" | "no" | "non" | "لا" => Ok(false),
        "1" | "true" | "yes" | "oui" | "x" | "نعم" => Ok(true),
        _ => Err(format!("{what}: '{}' is not 1 or 0", text.trim())),
    }
}

fn line_err(line: u64, reason: impl Into<String>) -> ImportError {
    ImportError {
        line,
        reason: reason.into(),
    }
}

/// What a refused file says, or what an accepted one did.
pub type ImportOutcome = Result<IndicatorImportReport, Vec<ImportError>>;

/// The sheet to read: the only one, or the first whose header names the project column.
fn pick_sheet(sheets: Vec<Sheet>) -> Option<Sheet> {
    let mut first = None;
    for s in sheets {
        if s.headers
            .iter()
            .any(|h| column_of(COLUMNS, h).is_some_and(|c| c.key == "project_number"))
        {
            return Some(s);
        }
        first.get_or_insert(s);
    }
    first
}

/// Reads, checks and (unless `dry_run`) writes an indicators file in the caller's
/// transaction. `Ok(Err(lines))` is a refused file: nothing was written.
pub fn import_indicators(
    tx: &rusqlite::Transaction<'_>,
    user_id: Option<i64>,
    body: &[u8],
    format: Option<FileFormat>,
    dry_run: bool,
) -> AppResult<ImportOutcome> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Err(vec![line_err(0, "the file is empty")]));
    }
    let format = crate::programme::import::detect(body, format);
    let to_rows =
        |e: Vec<tachkhis_shared::api::territory::TerritoryImportError>| -> Vec<ImportError> {
            e.into_iter().map(|e| line_err(e.line, e.reason)).collect()
        };
    let sheets = match format {
        FileFormat::Csv => read_csv(body).map(|s| vec![s]).map_err(to_rows),
        // calamine panics on some malformed workbooks: such a file is unreadable, not a crash.
        FileFormat::Xlsx => std::panic::catch_unwind(|| read_xlsx(body))
            .unwrap_or_else(|_| {
                Err(vec![
                    tachkhis_shared::api::territory::TerritoryImportError {
                        sheet: "file".into(),
                        line: 0,
                        reason: "not a readable XLSX file (the workbook is malformed)".into(),
                    },
                ])
            })
            .map_err(to_rows),
    };
    let sheet = match sheets {
        Ok(s) => match pick_sheet(s) {
            Some(s) => s,
            None => {
                return Ok(Err(vec![line_err(
                    0,
                    "the file has no sheet with a header row",
                )]));
            }
        },
        Err(e) => return Ok(Err(e)),
    };

    // The header.
    let years = programme_years(tx)?;
    let mut report = IndicatorImportReport {
        dry_run,
        ..IndicatorImportReport::default()
    };
    let mut errors = Vec::new();
    let mut cols: Vec<Option<&'static str>> = Vec::new();
    let mut year_cols: Vec<Option<i32>> = Vec::new();
    for h in &sheet.headers {
        let (col, year) = match (column_of(COLUMNS, h), target_year(h)) {
            (Some(c), _) => (Some(c.key), None),
            (None, Some(y)) => (None, Some(y)),
            (None, None) => {
                if !h.trim().is_empty() {
                    report.ignored_columns.push(h.trim().to_string());
                }
                (None, None)
            }
        };
        if (col.is_some() && cols.contains(&col)) || (year.is_some() && year_cols.contains(&year)) {
            errors.push(line_err(
                sheet.header_line,
                format!("the column '{}' is there twice", h.trim()),
            ));
        }
        if let (Some(y), Some((s, e))) = (year, years)
            && !(s..=e).contains(&y)
        {
            errors.push(line_err(
                sheet.header_line,
                format!(
                    "the column '{}': {y} is not a year of the programme ({s}-{e})",
                    h.trim()
                ),
            ));
        }
        cols.push(col);
        year_cols.push(year);
    }
    let at = |key: &str| cols.iter().position(|c| *c == Some(key));
    let Some(number_at) = at("project_number") else {
        errors.push(line_err(
            sheet.header_line,
            format!("the required column '{}' is missing", header(&COLUMNS[0])),
        ));
        return Ok(Err(errors));
    };
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    if sheet.lines.is_empty() {
        return Ok(Err(vec![line_err(
            sheet.header_line,
            "the file has a header but no indicator",
        )]));
    }

    // What exists.
    let projects: HashMap<i64, (i64, String)> = tx
        .prepare("SELECT number, id, title_ar FROM projects")?
        .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?
        .collect::<Result<_, _>>()?;
    let existing = load_indicators(tx, None)?;
    let by_id: HashMap<i64, &Indicator> = existing.iter().map(|i| (i.id, i)).collect();
    let by_label: HashMap<(i64, String), &Indicator> = existing
        .iter()
        .map(|i| ((i.project_id, normalize(&i.label_ar)), i))
        .collect();
    let mut counts: HashMap<i64, usize> = HashMap::new();
    for i in &existing {
        *counts.entry(i.project_id).or_default() += 1;
    }

    // Every row, checked.
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut writes: Vec<(u64, i64, i64, Option<i64>, Record, bool)> = Vec::new();
    for line in &sheet.lines {
        let n = line.number;
        let cell = |i: Option<usize>| i.and_then(|i| line.cells.get(i)).map_or("", |s| s.trim());
        let mut bad: Vec<String> = Vec::new();
        let number = match parse_int("project_number", cell(Some(number_at))) {
            Ok(Some(v)) => Some(v),
            Ok(None) => {
                bad.push("project_number: the project's number is missing".into());
                None
            }
            Err(e) => {
                bad.push(e);
                None
            }
        };
        let project = number.and_then(|v| match projects.get(&v) {
            Some((id, _)) => Some(*id),
            None => {
                bad.push(format!(
                    "project_number: no project number {v} in the programme"
                ));
                None
            }
        });
        let kind = kind_of(cell(at("kind")))
            .map_err(|e| bad.push(e))
            .ok()
            .flatten();
        let illustrative = parse_flag("illustrative", cell(at("illustrative")))
            .map_err(|e| bad.push(e))
            .unwrap_or(false);
        let id = match parse_int("id", cell(at("id"))) {
            Ok(v) => v,
            Err(e) => {
                bad.push(e);
                None
            }
        };
        let (Some(project), Some(number)) = (project, number) else {
            errors.extend(bad.into_iter().map(|b| line_err(n, b)));
            continue;
        };
        let label = cell(at("label_ar"));
        let found: Option<&Indicator> = match id {
            Some(id) => match by_id.get(&id) {
                Some(i) if i.project_id == project => Some(*i),
                Some(_) => {
                    bad.push(format!(
                        "id: indicator {id} is not one of project {number}'s"
                    ));
                    None
                }
                None => {
                    bad.push(format!(
                        "id: no indicator {id} (leave it empty for a new indicator)"
                    ));
                    None
                }
            },
            None => by_label.get(&(project, normalize(label))).copied(),
        };
        if !bad.is_empty() {
            errors.extend(bad.into_iter().map(|b| line_err(n, b)));
            continue;
        }
        // The row's input: what exists, overwritten by the columns present.
        let mut input = match found {
            Some(i) => IndicatorInput {
                kind: i.kind.clone(),
                label_ar: i.label_ar.clone(),
                label_fr: i.label_fr.clone(),
                unit: i.unit.clone(),
                baseline_value: i.baseline_value.map(|q| q.to_string()).unwrap_or_default(),
                baseline_year: i.baseline_year,
                targets: i
                    .targets
                    .iter()
                    .map(|t| TargetInput {
                        year: t.year,
                        value: t.value.to_string(),
                    })
                    .collect(),
                source: i.source.clone(),
            },
            None => IndicatorInput::default(),
        };
        if at("kind").is_some() {
            input.kind = kind;
        }
        for (key, field) in [
            ("label_ar", &mut input.label_ar),
            ("label_fr", &mut input.label_fr),
            ("unit", &mut input.unit),
            ("baseline_value", &mut input.baseline_value),
            ("source", &mut input.source),
        ] {
            if let Some(i) = at(key) {
                *field = cell(Some(i)).to_string();
            }
        }
        if let Some(i) = at("baseline_year") {
            match parse_int("baseline_year", cell(Some(i))) {
                Ok(v) => input.baseline_year = v.and_then(|v| i32::try_from(v).ok().or(Some(0))),
                Err(e) => {
                    errors.push(line_err(n, e));
                    continue;
                }
            }
        }
        for (i, year) in year_cols.iter().enumerate() {
            if let Some(year) = year {
                input.targets.retain(|t| t.year != *year);
                let value = cell(Some(i));
                if !value.is_empty() {
                    input.targets.push(TargetInput {
                        year: *year,
                        value: value.to_string(),
                    });
                }
            }
        }
        let was = found.map(|i| &i.kind);
        let record = match check(&input, years, was) {
            Ok(r) => r,
            Err(reasons) => {
                errors.extend(reasons.into_iter().map(|r| line_err(n, r)));
                continue;
            }
        };
        let key = match found {
            Some(i) => format!("id:{}", i.id),
            None => format!("new:{project}:{}", normalize(&record.label_ar)),
        };
        if let Some(first) = seen.insert(key, n) {
            errors.push(line_err(
                n,
                format!("the same indicator of project {number} is already on line {first}"),
            ));
            continue;
        }
        if found.is_none() {
            let count = counts.entry(project).or_default();
            *count += 1;
            if *count > MAX_INDICATORS {
                errors.push(line_err(
                    n,
                    format!("project {number} would have more than {MAX_INDICATORS} indicators"),
                ));
                continue;
            }
        }
        let item = ImportedIndicator {
            line: n,
            project_number: number,
            label_ar: record.label_ar.clone(),
        };
        match found {
            Some(i) if Record::of(i) == record && i.illustrative == illustrative => {
                report.unchanged += 1;
                continue;
            }
            Some(_) => report.updated.push(item),
            None => report.created.push(item),
        }
        writes.push((
            n,
            project,
            number,
            found.map(|i| i.id),
            record,
            illustrative,
        ));
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        return Ok(Err(errors));
    }
    if !dry_run {
        for (_, project, _, id, record, illustrative) in &writes {
            write_record(tx, *id, *project, record, *illustrative)?;
        }
        auth::audit(
            tx,
            user_id,
            "indicator.import",
            Some(match format {
                FileFormat::Csv => "csv",
                FileFormat::Xlsx => "xlsx",
            }),
            Some(
                &json!({
                    "created": report.created.iter().map(|c| json!({"project": c.project_number, "label_ar": c.label_ar})).collect::<Vec<_>>(),
                    "updated": report.updated.iter().map(|c| json!({"project": c.project_number, "label_ar": c.label_ar})).collect::<Vec<_>>(),
                    "unchanged": report.unchanged,
                })
                .to_string(),
            ),
        )?;
    }
    Ok(Ok(report))
}

/// [`import_indicators`] for a loader (the demo): a refused file is an error naming every bad
/// line, and nothing is written.
pub fn load_indicators_file(
    tx: &rusqlite::Transaction<'_>,
    bytes: &[u8],
) -> AppResult<IndicatorImportReport> {
    match import_indicators(tx, None, bytes, Some(FileFormat::Csv), false)? {
        Ok(r) => Ok(r),
        Err(errors) => {
            let lines: Vec<String> = errors
                .iter()
                .map(|e| format!("line {}: {}", e.line, e.reason))
                .collect();
            Err(AppError::bad_request(
                tachkhis_shared::codes::ErrorCode::BadImport,
                format!("the indicators file was not imported: {}", lines.join("; ")),
            ))
        }
    }
}

/// The file: every indicator (`template` false) or the empty template, with one target
/// column per year of the programme (and any other year a target has).
pub fn indicators_table(tx: &rusqlite::Transaction<'_>, template: bool) -> AppResult<Table> {
    let list = if template {
        Vec::new()
    } else {
        load_indicators(tx, None)?
    };
    let mut years: BTreeSet<i32> = programme_years(tx)?
        .map(|(s, e)| (s..=e).collect())
        .unwrap_or_default();
    years.extend(list.iter().flat_map(|i| i.targets.iter().map(|t| t.year)));
    let with_illustrative = list.iter().any(|i| i.illustrative);
    let titles: HashMap<i64, (i64, String)> = tx
        .prepare("SELECT id, number, title_ar FROM projects")?
        .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?
        .collect::<Result<_, _>>()?;
    let col = |key: &str| {
        COLUMNS
            .iter()
            .find(|c| c.key == key)
            .map(header)
            .unwrap_or_default()
    };
    let mut columns: Vec<String> = ["project_number", "kind", "label_ar", "label_fr", "unit"]
        .iter()
        .map(|k| col(k))
        .collect();
    columns.push(col("baseline_value"));
    columns.push(col("baseline_year"));
    columns.extend(years.iter().map(|y| target_header(*y)));
    columns.push(col("source"));
    if !template {
        columns.push(col("project_title"));
        columns.push(col("id"));
    }
    if with_illustrative {
        columns.push(col("illustrative"));
    }
    let names: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut table = Table::new(
        if template {
            "indicators-template"
        } else {
            "indicators"
        },
        &names,
        true,
    );
    for i in &list {
        let (number, title) = titles.get(&i.project_id).cloned().unwrap_or_default();
        let mut cells = vec![
            Cell::Int(number),
            Cell::text(kind_text(i.kind.as_ref())),
            Cell::text(&i.label_ar),
            Cell::text(&i.label_fr),
            Cell::text(&i.unit),
            Cell::opt_text(i.baseline_value.map(|q| q.to_string())),
            Cell::opt_int(i.baseline_year.map(i64::from)),
        ];
        for y in &years {
            // Text, never a float: the value is exact.
            cells.push(Cell::opt_text(
                i.targets
                    .iter()
                    .find(|t| t.year == *y)
                    .map(|t| t.value.to_string()),
            ));
        }
        cells.push(Cell::text(&i.source));
        cells.push(Cell::text(title));
        cells.push(Cell::Int(i.id));
        if with_illustrative {
            cells.push(Cell::Flag(i.illustrative));
        }
        table.push(cells);
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_in_either_language_and_target_years() {
        for head in [
            "رقم المشروع / N° du projet",
            "رقم المشروع",
            "N° du projet",
            "project_number",
            "number",
        ] {
            assert_eq!(
                column_of(COLUMNS, head).map(|c| c.key),
                Some("project_number"),
                "{head}"
            );
        }
        for head in [
            "الهدف 2025 / Cible 2025",
            "Cible 2025",
            "target_2025",
            "2025",
            "الهدف ٢٠٢٥",
            "objectif 2025",
        ] {
            assert_eq!(target_year(head), Some(2025), "{head}");
        }
        assert_eq!(target_year("Remarques"), None);
        assert_eq!(target_year("Cible 1800"), None);
        assert_eq!(kind_of("Réalisation").unwrap(), Some(IndicatorKind::Output));
        assert_eq!(kind_of("نتيجة").unwrap(), Some(IndicatorKind::Result));
        assert!(kind_of("impact").is_err());
    }
}
