//! The import of a year's execution from the commune's budget spreadsheet (issue 15, exec):
//! `POST /api/execution/import`, CSV or XLSX (first sheet), read with the project import's
//! readers (`programme::import::{detect, read_csv, read_xlsx}`) and its header matching by
//! Arabic, French or English name (`territory::file::column_of`, as the indicators file).
//!
//! One line per project (its programme number) and funder (blank or "الجماعة"/"commune": the
//! commune; otherwise a partner of the project by its Arabic or French name): programmed,
//! committed, paid; the funding kind (code or label) and its budget year, the agreement's
//! reference for `partner_agreement`; the status (code or label) and its reason; the reason of
//! an amount exception. The year is the `year` column, or `?year=` for the whole file.
//!
//! The lines of one project and year make one record: it is created, or the record of that
//! year changes (the funders in the file get the file's amounts, a blank amount cell is 0, a
//! column absent keeps what was there; the file's funding sources, when it gives any, replace
//! the record's; dates, note and documents are kept). Every record goes through
//! `records::check_reasons`, the API's own rules (paid ≤ committed ≤ programmed unless the
//! exception's reason is given, a reason for suspended and dropped…).
//!
//! All or nothing: every line is checked; any problem refuses the file with every bad line,
//! its column and why, and nothing is written. `dry_run` reports what would change.

use std::collections::{BTreeMap, HashMap};

use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::json;
use tachkhis_shared::{
    api::execution::{
        AmountLine, ExecutionImportError, ExecutionImportReport, ExecutionRecordInput, FundingLine,
        ImportedAmount, ImportedRecord,
    },
    api::programme::{ImportError, MAX_YEAR, MIN_YEAR},
    codes::{ExecutionStatus, FundingKind},
    money::{Mad, parse_mad},
    text::{ascii_digits, normalize},
};

use super::{legacy, records};
use crate::{
    export::{FileFormat, Table},
    http::error::AppResult,
    programme::import::{detect, read_csv, read_xlsx},
    territory::file::{Col, column_of, header},
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
            "projet",
            "numéro du projet",
            "project number",
        ],
    },
    Col {
        key: "year",
        ar: "السنة المالية",
        fr: "Exercice",
        also: &["السنة", "année", "year", "exercice budgétaire"],
    },
    Col {
        key: "funder",
        ar: "الممول",
        fr: "Bailleur",
        also: &[
            "الجهة الممولة",
            "الشريك",
            "financeur",
            "partenaire",
            "partner",
            "funder",
        ],
    },
    Col {
        key: "programmed",
        ar: "المبلغ المبرمج",
        fr: "Montant programmé",
        also: &["المبرمج", "programmé", "programmed", "prévu"],
    },
    Col {
        key: "committed",
        ar: "المبلغ الملتزم به",
        fr: "Montant engagé",
        also: &["الملتزم به", "engagé", "committed"],
    },
    Col {
        key: "paid",
        ar: "المبلغ المؤدى",
        fr: "Montant payé",
        also: &["المؤدى", "payé", "mandaté", "paid"],
    },
    Col {
        key: "funding_kind",
        ar: "مصدر التمويل",
        fr: "Source de financement",
        also: &[
            "نوع التمويل",
            "type de financement",
            "funding",
            "funding kind",
        ],
    },
    Col {
        key: "funding_year",
        ar: "سنة التمويل",
        fr: "Année du financement",
        also: &["année budgétaire", "budget year", "funding year"],
    },
    Col {
        key: "agreement",
        ar: "مرجع الاتفاقية",
        fr: "Référence de la convention",
        also: &["الاتفاقية", "convention", "agreement"],
    },
    Col {
        key: "funding_label",
        ar: "بيان مصدر التمويل",
        fr: "Libellé du financement",
        also: &["funding label"],
    },
    Col {
        key: "status",
        ar: "الحالة",
        fr: "Statut",
        also: &["وضعية المشروع", "état", "status"],
    },
    Col {
        key: "status_reason",
        ar: "سبب الحالة",
        fr: "Motif du statut",
        also: &["السبب", "motif", "reason", "status reason"],
    },
    Col {
        key: "amount_exception",
        ar: "سبب تجاوز المبالغ",
        fr: "Motif du dépassement",
        also: &["dépassement", "amount exception"],
    },
    // For people to read: the import ignores it.
    Col {
        key: "project_title",
        ar: "عنوان المشروع",
        fr: "Titre du projet",
        also: &["titre", "العنوان"],
    },
];

/// The template's columns, in order.
const TEMPLATE: &[&str] = &[
    "project_number",
    "project_title",
    "year",
    "funder",
    "programmed",
    "committed",
    "paid",
    "funding_kind",
    "funding_year",
    "agreement",
    "status",
    "status_reason",
    "amount_exception",
];

/// The words for the commune as a funder (a blank cell is the commune too).
const COMMUNE: &[&str] = &["الجماعة", "جماعة", "commune", "la commune", "the commune"];

fn col(key: &str) -> &'static Col {
    COLUMNS
        .iter()
        .find(|c| c.key == key)
        .expect("a column of COLUMNS")
}

/// What a refused file says, or what an accepted one did.
pub type ImportOutcome = Result<ExecutionImportReport, Vec<ExecutionImportError>>;

fn whole(errors: Vec<ImportError>) -> Vec<ExecutionImportError> {
    errors
        .into_iter()
        .map(|e| ExecutionImportError {
            line: e.line,
            column: String::new(),
            reason: e.reason,
        })
        .collect()
}

/// A line read, before its project and year are put together.
struct Read {
    line: u64,
    partner_id: Option<i64>,
    /// programmed, committed, paid: `None` when the file has no such column.
    amounts: [Option<Mad>; 3],
    funding: Option<FundingLine>,
    status: Option<ExecutionStatus>,
    status_reason: Option<String>,
    exception: Option<String>,
}

/// The lines of one project and year.
#[derive(Default)]
struct Group {
    lines: Vec<Read>,
}

struct Known {
    projects: HashMap<i64, (i64, String)>,
    /// id, Arabic and French names.
    partners: Vec<(i64, String, String)>,
    project_partners: HashMap<i64, Vec<i64>>,
    /// id, reference, partner.
    agreements: Vec<(i64, String, i64)>,
    agreement_projects: Vec<(i64, i64)>,
}

impl Known {
    fn load(tx: &Transaction<'_>) -> AppResult<Known> {
        let projects = tx
            .prepare("SELECT number, id, title_ar FROM projects")?
            .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?
            .collect::<Result<_, _>>()?;
        let partners = tx
            .prepare("SELECT id, name_ar, name_fr FROM partners ORDER BY id")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let mut project_partners: HashMap<i64, Vec<i64>> = HashMap::new();
        let shares: Vec<(i64, i64)> = tx
            .prepare("SELECT project_id, partner_id FROM project_partner_shares")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (p, partner) in shares {
            project_partners.entry(p).or_default().push(partner);
        }
        let agreements = tx
            .prepare("SELECT id, reference, partner_id FROM partnership_agreements ORDER BY id")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let agreement_projects = tx
            .prepare("SELECT agreement_id, project_id FROM agreement_projects")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(Known {
            projects,
            partners,
            project_partners,
            agreements,
            agreement_projects,
        })
    }

    fn partner_names(&self, id: Option<i64>) -> (String, String) {
        match id {
            None => ("الجماعة".into(), "Commune".into()),
            Some(id) => self
                .partners
                .iter()
                .find(|p| p.0 == id)
                .map(|p| (p.1.clone(), p.2.clone()))
                .unwrap_or_default(),
        }
    }

    /// The funder a cell names, for a project: `Ok(None)` the commune.
    fn funder(&self, project_id: i64, text: &str) -> Result<Option<i64>, String> {
        let key = normalize(text);
        if key.is_empty() || COMMUNE.iter().any(|w| normalize(w) == key) {
            return Ok(None);
        }
        let of_project = self
            .project_partners
            .get(&project_id)
            .cloned()
            .unwrap_or_default();
        let named: Vec<i64> = self
            .partners
            .iter()
            .filter(|(_, ar, fr)| normalize(ar) == key || (!fr.is_empty() && normalize(fr) == key))
            .map(|p| p.0)
            .collect();
        if let Some(id) = named.iter().find(|id| of_project.contains(id)) {
            return Ok(Some(*id));
        }
        let theirs: Vec<String> = of_project
            .iter()
            .map(|id| self.partner_names(Some(*id)).0)
            .collect();
        let list = if theirs.is_empty() {
            "it has none: only the commune".to_string()
        } else {
            format!("its partners: {}", theirs.join("، "))
        };
        Err(if named.is_empty() {
            format!(
                "'{}' is neither the commune (الجماعة) nor a known partner ({list})",
                text.trim()
            )
        } else {
            format!(
                "'{}' is not a partner of this project ({list})",
                text.trim()
            )
        })
    }

    /// The agreement a funding line means: by reference, or (blank) the one agreement that
    /// concerns the project (of the line's partner when it is a partner's line).
    fn agreement(
        &self,
        project_id: i64,
        partner_id: Option<i64>,
        text: &str,
    ) -> Result<Option<i64>, String> {
        let key = normalize(text);
        if !key.is_empty() {
            return self
                .agreements
                .iter()
                .find(|a| normalize(&a.1) == key)
                .map(|a| Some(a.0))
                .ok_or_else(|| format!("no agreement with the reference '{}'", text.trim()));
        }
        let concerned: Vec<i64> = self
            .agreements
            .iter()
            .filter(|a| {
                self.agreement_projects.contains(&(a.0, project_id))
                    && partner_id.is_none_or(|p| a.2 == p)
            })
            .map(|a| a.0)
            .collect();
        match concerned.as_slice() {
            [one] => Ok(Some(*one)),
            [] => Err(
                "a partner agreement needs the agreement's reference: no agreement \
                       concerns this project"
                    .into(),
            ),
            _ => Err("several agreements concern this project: give the reference".into()),
        }
    }
}

fn year_of(text: &str) -> Result<Option<i32>, String> {
    let t = ascii_digits(text.trim());
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<i32>() {
        Ok(y) if (MIN_YEAR..=MAX_YEAR).contains(&y) => Ok(Some(y)),
        _ => Err(format!(
            "'{}' is not a year between {MIN_YEAR} and {MAX_YEAR}",
            text.trim()
        )),
    }
}

fn amount_of(text: &str) -> Result<Mad, String> {
    let t = ascii_digits(text.trim());
    if t.is_empty() {
        return Ok(Mad::zero());
    }
    parse_mad(&t).map_err(|e| format!("'{}': {e}", text.trim()))
}

fn opt(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Reads, checks and (unless `dry_run`) writes a year's execution, in the caller's
/// transaction. `Ok(Err(lines))` is a refused file: nothing was written.
pub fn import_execution(
    tx: &Transaction<'_>,
    user_id: Option<i64>,
    body: &[u8],
    format: Option<FileFormat>,
    year: Option<i32>,
    dry_run: bool,
) -> AppResult<ImportOutcome> {
    let fail = |line: u64, column: &str, reason: String| ExecutionImportError {
        line,
        column: column.to_string(),
        reason,
    };
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Err(vec![fail(0, "", "the file is empty".into())]));
    }
    if let Some(y) = year
        && !(MIN_YEAR..=MAX_YEAR).contains(&y)
    {
        return Ok(Err(vec![fail(
            0,
            "",
            format!("year: {y} is not between {MIN_YEAR} and {MAX_YEAR}"),
        )]));
    }
    let format = detect(body, format);
    let read = match format {
        FileFormat::Csv => read_csv(body),
        // calamine panics on some malformed workbooks: such a file is unreadable, not a crash.
        FileFormat::Xlsx => std::panic::catch_unwind(|| read_xlsx(body)).unwrap_or_else(|_| {
            Err(vec![ImportError {
                line: 0,
                reason: "not a readable XLSX file (the workbook is malformed)".into(),
            }])
        }),
    };
    let (headers, lines) = match read {
        Ok(x) => x,
        Err(e) => return Ok(Err(whole(e))),
    };

    // The header: each known column once, the project's number among them.
    let mut report = ExecutionImportReport {
        dry_run,
        ..ExecutionImportReport::default()
    };
    let mut errors = Vec::new();
    let mut cols: Vec<Option<&'static str>> = Vec::with_capacity(headers.len());
    for h in &headers {
        let c = column_of(COLUMNS, h).map(|c| c.key);
        if c.is_some() && cols.contains(&c) {
            errors.push(fail(
                1,
                h.trim(),
                format!("the column '{}' is there twice", h.trim()),
            ));
        }
        if c.is_none() && !h.trim().is_empty() {
            report.ignored_columns.push(h.trim().to_string());
        }
        cols.push(c);
    }
    let at = |key: &str| cols.iter().position(|c| *c == Some(key));
    // The column's name as the file writes it (the template's when the file has none).
    let name = |key: &str| {
        at(key)
            .and_then(|i| headers.get(i))
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|| header(col(key)))
    };
    if at("project_number").is_none() {
        errors.push(fail(
            1,
            "",
            format!(
                "the required column '{}' is missing",
                header(col("project_number"))
            ),
        ));
    }
    if at("year").is_none() && year.is_none() {
        errors.push(fail(
            1,
            "",
            format!(
                "no year: give the column '{}' or choose the year of the whole file",
                header(col("year"))
            ),
        ));
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    if lines.is_empty() {
        return Ok(Err(vec![fail(
            1,
            "",
            "the file has a header but no line".into(),
        )]));
    }

    // Every line.
    let known = Known::load(tx)?;
    let mut groups: BTreeMap<(i64, i32), Group> = BTreeMap::new();
    let mut numbers: HashMap<(i64, i32), i64> = HashMap::new();
    // Groups with a bad line: their record is not put together (it would only repeat it).
    let mut bad_groups: std::collections::HashSet<(i64, i32)> = Default::default();
    for line in &lines {
        let n = line.number;
        let mut line_errors: Vec<ExecutionImportError> = Vec::new();
        let cell = |key: &str| {
            at(key)
                .and_then(|i| line.cells.get(i))
                .map_or("", |s| s.trim())
        };
        let mut bad = |key: &str, reason: String| line_errors.push(fail(n, &name(key), reason));
        let number_text = cell("project_number");
        let project = match ascii_digits(number_text).parse::<i64>() {
            _ if number_text.is_empty() => {
                bad("project_number", "the project's number is missing".into());
                None
            }
            Ok(v) => match known.projects.get(&v) {
                Some((id, _)) => Some((v, *id)),
                None => {
                    bad(
                        "project_number",
                        format!("no project number {v} in the programme"),
                    );
                    None
                }
            },
            Err(_) => {
                bad(
                    "project_number",
                    format!("'{number_text}' is not a whole number"),
                );
                None
            }
        };
        let line_year = match year_of(cell("year")) {
            Ok(Some(y)) => Some(y),
            Ok(None) => {
                if year.is_none() {
                    bad("year", "the year is missing".into());
                }
                year
            }
            Err(e) => {
                bad("year", e);
                None
            }
        };
        let funder = project.and_then(|(_, id)| {
            known
                .funder(id, cell("funder"))
                .map_err(|e| bad("funder", e))
                .ok()
        });
        let mut amounts = [None, None, None];
        for (i, key) in ["programmed", "committed", "paid"].iter().enumerate() {
            if at(key).is_some() {
                match amount_of(cell(key)) {
                    Ok(m) => amounts[i] = Some(m),
                    Err(e) => bad(key, e),
                }
            }
        }
        let kind_text = cell("funding_kind");
        let kind = if kind_text.is_empty() {
            None
        } else {
            match legacy::parse_kind(kind_text) {
                Some(k) => Some(k),
                None => {
                    bad(
                        "funding_kind",
                        format!(
                            "'{kind_text}' is not a funding kind (الفائض الحقيقي / Excédent \
                             réel, الفائض التقديري / Excédent prévisionnel, الميزانية / \
                             Budget, اتفاقية شراكة / Convention de partenariat, مصدر آخر / \
                             Autre source)"
                        ),
                    );
                    None
                }
            }
        };
        let funding_year = year_of(cell("funding_year"))
            .map_err(|e| bad("funding_year", e))
            .ok()
            .flatten();
        if kind.is_none() && kind_text.is_empty() {
            for key in ["funding_year", "agreement", "funding_label"] {
                if !cell(key).is_empty() {
                    bad(key, "given without a funding kind".into());
                }
            }
        }
        let agreement = match (&kind, project, &funder) {
            (Some(FundingKind::PartnerAgreement), Some((_, id)), Some(partner)) => known
                .agreement(id, *partner, cell("agreement"))
                .map_err(|e| bad("agreement", e))
                .ok()
                .flatten(),
            _ => None,
        };
        let status_text = cell("status");
        let status = if status_text.is_empty() {
            None
        } else {
            match legacy::parse_status(status_text) {
                Some(s) => Some(s),
                None => {
                    bad(
                        "status",
                        format!(
                            "'{status_text}' is not a status ({})",
                            ExecutionStatus::ALL
                                .iter()
                                .map(|s| format!("{} / {}", s.labels().ar, s.labels().fr))
                                .collect::<Vec<_>>()
                                .join("، ")
                        ),
                    );
                    None
                }
            }
        };
        let key = project.zip(line_year);
        if let (Some(((number, project_id), y)), Some(partner_id)) = (key, funder) {
            numbers.insert((project_id, y), number);
            let group = groups.entry((project_id, y)).or_default();
            if let Some(other) = group.lines.iter().find(|l| l.partner_id == partner_id) {
                bad(
                    "funder",
                    format!(
                        "{} is on line {} already for project {number}, year {y}",
                        known.partner_names(partner_id).0,
                        other.line
                    ),
                );
            }
            // One status (and reason, and exception) per project and year.
            for (key, mine, theirs) in [
                (
                    "status",
                    status.as_ref().map(|s| s.code().to_string()),
                    group
                        .lines
                        .iter()
                        .find_map(|l| l.status.as_ref().map(|s| (l.line, s.code().to_string()))),
                ),
                (
                    "status_reason",
                    opt(cell("status_reason")),
                    group
                        .lines
                        .iter()
                        .find_map(|l| l.status_reason.clone().map(|s| (l.line, s))),
                ),
                (
                    "amount_exception",
                    opt(cell("amount_exception")),
                    group
                        .lines
                        .iter()
                        .find_map(|l| l.exception.clone().map(|s| (l.line, s))),
                ),
            ] {
                if let (Some(mine), Some((line, theirs))) = (mine, theirs)
                    && mine != theirs
                {
                    bad(
                        key,
                        format!(
                            "'{mine}' differs from line {line} ('{theirs}'): one per project \
                             and year"
                        ),
                    );
                }
            }
        }
        if !line_errors.is_empty() {
            if let Some(((_, project_id), y)) = key {
                bad_groups.insert((project_id, y));
            }
            errors.append(&mut line_errors);
            continue;
        }
        let (Some(((_, project_id), y)), Some(partner_id)) = (key, funder) else {
            continue;
        };
        let group = groups.entry((project_id, y)).or_default();
        group.lines.push(Read {
            line: n,
            partner_id,
            amounts,
            funding: kind.map(|kind| FundingLine {
                kind,
                budget_year: funding_year,
                agreement_id: agreement,
                label: cell("funding_label").to_string(),
                amount: None,
            }),
            status,
            status_reason: opt(cell("status_reason")),
            exception: opt(cell("amount_exception")),
        });
    }

    // Every record, put together and checked with the API's rules.
    let mut writes: Vec<(
        Option<i64>,
        i64,
        ExecutionRecordInput,
        Option<ExecutionRecordInput>,
    )> = Vec::new();
    for ((project_id, y), group) in &groups {
        if bad_groups.contains(&(*project_id, *y)) {
            continue;
        }
        let first = group.lines[0].line;
        let existing: Option<i64> = tx
            .query_row(
                "SELECT id FROM execution_records WHERE project_id = ?1 AND year = ?2",
                params![project_id, y],
                |r| r.get(0),
            )
            .optional()?;
        let before = existing
            .map(|id| records::get(tx, id).map(|r| r.input))
            .transpose()?;
        let status = group.lines.iter().find_map(|l| l.status.clone());
        let status_line = group
            .lines
            .iter()
            .find(|l| l.status.is_some())
            .map_or(first, |l| l.line);
        let mut input = match (&before, &status) {
            (Some(b), _) => b.clone(),
            (None, Some(s)) => ExecutionRecordInput {
                year: *y,
                status: s.clone(),
                status_reason: String::new(),
                amount_exception: None,
                start_date: None,
                end_date: None,
                provisional_reception: None,
                final_reception: None,
                note: String::new(),
                amounts: Vec::new(),
                funding: Vec::new(),
            },
            (None, None) => {
                errors.push(fail(
                    first,
                    &name("status"),
                    format!(
                        "project {} has no record for {y}: its status is needed",
                        numbers[&(*project_id, *y)]
                    ),
                ));
                continue;
            }
        };
        if let Some(s) = status {
            input.status = s;
            input.status_reason = group
                .lines
                .iter()
                .find_map(|l| l.status_reason.clone())
                .unwrap_or_default();
        }
        if let Some(e) = group.lines.iter().find_map(|l| l.exception.clone()) {
            input.amount_exception = Some(e);
        }
        // Which file line each amount and funding line comes from.
        let mut amount_lines: Vec<u64> = input.amounts.iter().map(|_| first).collect();
        for l in &group.lines {
            let i = match input
                .amounts
                .iter()
                .position(|a| a.partner_id == l.partner_id)
            {
                Some(i) => i,
                None => {
                    input.amounts.push(AmountLine {
                        partner_id: l.partner_id,
                        programmed: Mad::zero(),
                        committed: Mad::zero(),
                        paid: Mad::zero(),
                    });
                    amount_lines.push(l.line);
                    input.amounts.len() - 1
                }
            };
            amount_lines[i] = l.line;
            let a = &mut input.amounts[i];
            for (slot, value) in [&mut a.programmed, &mut a.committed, &mut a.paid]
                .into_iter()
                .zip(l.amounts)
            {
                if let Some(v) = value {
                    *slot = v;
                }
            }
        }
        let mut funding_lines: Vec<u64> = input.funding.iter().map(|_| first).collect();
        if group.lines.iter().any(|l| l.funding.is_some()) {
            input.funding.clear();
            funding_lines.clear();
            for l in &group.lines {
                let Some(f) = &l.funding else { continue };
                let same = input.funding.iter().position(|g| {
                    g.kind == f.kind
                        && g.budget_year == f.budget_year
                        && g.agreement_id == f.agreement_id
                        && g.label == f.label
                });
                let programmed = l.amounts[0];
                match same {
                    Some(i) => {
                        let g = &mut input.funding[i];
                        g.amount = match (g.amount, programmed) {
                            (Some(a), Some(b)) => Some(a + b),
                            (a, b) => a.or(b),
                        };
                    }
                    None => {
                        input.funding.push(FundingLine {
                            amount: programmed,
                            ..f.clone()
                        });
                        funding_lines.push(l.line);
                    }
                }
            }
        }
        match records::check_reasons(tx, *project_id, &input)? {
            Ok(checked) => writes.push((existing, *project_id, checked, before)),
            Err(reasons) => {
                for r in reasons {
                    let r = r.replace(
                        "give amount_exception (the reason)",
                        &format!(
                            "give the reason in the column '{}'",
                            name("amount_exception")
                        ),
                    );
                    let (line, key) =
                        place(&r, first, status_line, &amount_lines, &funding_lines, group);
                    errors.push(fail(line, &key.map(name).unwrap_or_default(), r));
                }
            }
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        return Ok(Err(errors));
    }

    for ((existing, project_id, checked, before), ((_, y), group)) in writes.iter().zip(&groups) {
        let number = numbers[&(*project_id, *y)];
        let amounts = group
            .lines
            .iter()
            .filter_map(|l| {
                let after = checked
                    .amounts
                    .iter()
                    .find(|a| a.partner_id == l.partner_id)?;
                let (funder_ar, funder_fr) = known.partner_names(l.partner_id);
                Some(ImportedAmount {
                    line: l.line,
                    partner_id: l.partner_id,
                    funder_ar,
                    funder_fr,
                    before: before.as_ref().and_then(|b| {
                        b.amounts
                            .iter()
                            .find(|a| a.partner_id == l.partner_id)
                            .cloned()
                    }),
                    after: after.clone(),
                })
            })
            .collect();
        let unchanged = before.as_ref() == Some(checked);
        report.records.push(ImportedRecord {
            project_number: number,
            title_ar: known
                .projects
                .get(&number)
                .map(|p| p.1.clone())
                .unwrap_or_default(),
            year: *y,
            existed: existing.is_some(),
            status_before: before.as_ref().map(|b| b.status.clone()),
            status: checked.status.clone(),
            amounts,
            funding: checked.funding.clone(),
            unchanged,
        });
        if dry_run || unchanged {
            continue;
        }
        let id = records::write(tx, *existing, user_id, *project_id, checked, false)?;
        let after = records::get(tx, id)?;
        auth::audit(
            tx,
            user_id,
            if existing.is_some() {
                "execution.update"
            } else {
                "execution.create"
            },
            Some(&format!("execution:{id}")),
            Some(
                &json!({"project": number, "source": "import", "before": before,
                        "after": after.input})
                .to_string(),
            ),
        )?;
    }
    if !dry_run {
        let count = |existed: bool| {
            report
                .records
                .iter()
                .filter(|r| r.existed == existed && !r.unchanged)
                .map(|r| json!({"project": r.project_number, "year": r.year}))
                .collect::<Vec<_>>()
        };
        auth::audit(
            tx,
            user_id,
            "execution.import",
            Some(match format {
                FileFormat::Csv => "csv",
                FileFormat::Xlsx => "xlsx",
            }),
            Some(
                &json!({
                    "created": count(false),
                    "updated": count(true),
                    "unchanged": report.records.iter().filter(|r| r.unchanged).count(),
                    "ignored_columns": report.ignored_columns,
                })
                .to_string(),
            ),
        )?;
    }
    Ok(Ok(report))
}

/// The file line and column a record's problem (`field: why`, from `records::check_reasons`)
/// belongs to.
fn place(
    reason: &str,
    first: u64,
    status_line: u64,
    amount_lines: &[u64],
    funding_lines: &[u64],
    group: &Group,
) -> (u64, Option<&'static str>) {
    let field = reason.split(':').next().unwrap_or_default().trim();
    let mut parts = field.split(['.', ' ']);
    let head = parts.next().unwrap_or_default();
    let index = parts.next().and_then(|i| i.parse::<usize>().ok());
    let rest = field.rsplit('.').next().unwrap_or_default();
    match head {
        "amounts" => match index {
            Some(i) => (
                amount_lines.get(i).copied().unwrap_or(first),
                Some(match rest {
                    "partner_id" => "funder",
                    "committed" => "committed",
                    "paid" => "paid",
                    _ => "programmed",
                }),
            ),
            // The rule paid ≤ committed ≤ programmed: the first line with amounts.
            None => (
                group
                    .lines
                    .iter()
                    .find(|l| l.amounts.iter().any(Option::is_some))
                    .map_or(first, |l| l.line),
                Some(if reason.contains(" paid ") {
                    "paid"
                } else {
                    "committed"
                }),
            ),
        },
        "funding" => (
            index
                .and_then(|i| funding_lines.get(i).copied())
                .unwrap_or(first),
            Some(match rest {
                "budget_year" => "funding_year",
                "agreement_id" => "agreement",
                "label" => "funding_label",
                "amount" => "programmed",
                _ => "funding_kind",
            }),
        ),
        "status" => (status_line, Some("status")),
        "status_reason" => (status_line, Some("status_reason")),
        "amount_exception" => (first, Some("amount_exception")),
        "year" => (first, Some("year")),
        _ => (first, None),
    }
}

/// The empty file to fill in: the columns' headers in Arabic and French.
pub fn template() -> Table {
    let names: Vec<String> = TEMPLATE.iter().map(|k| header(col(k))).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    Table::new("execution-template", &names, true)
}
