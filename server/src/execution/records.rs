//! Execution records (issue 15, exec): a project's execution per budget year, with its amounts
//! per funder (the commune and each partner of the project), its funding sources and its
//! status; and the documents the execution refers to. The office (admin, office, secretariat:
//! `RecordExecution`) writes them; every write is one transaction with one audit entry holding
//! the record before and after.
//!
//! Rules checked here, each refusal a 400 `invalid_execution` naming the field:
//! - paid ≤ committed ≤ programmed, per funder and in total, unless `amount_exception` gives
//!   the reason (kept and shown);
//! - a reason for suspended and dropped;
//! - funding: a budget year for the surplus and budget kinds, an agreement (of one of the
//!   project's partners or any) for `partner_agreement`, a label for `other`;
//! - dates `YYYY-MM-DD`, end ≥ start, final reception ≥ provisional reception;
//! - funders: the commune (no partner) or a partner of the project, each once.

use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::json;
use tachkhis_shared::{
    api::execution::{
        AmountLine, ExecutionDocument, ExecutionDocumentInput, ExecutionRecord,
        ExecutionRecordInput, FundingLine, ProjectExecution,
    },
    api::procedure::day_number,
    api::programme::{MAX_YEAR, MIN_YEAR},
    codes::{ErrorCode, ExecutionDocumentKind, FundingKind},
    money::Mad,
};

use super::stored_mad;
use crate::{
    db::{now_secs, row},
    http::error::{AppError, AppResult},
    programme::db_mad,
    users::auth,
};

pub const MAX_TEXT_CHARS: usize = 2_000;
pub const MAX_LINES: usize = 50;

pub fn invalid(reasons: Vec<String>) -> AppError {
    AppError::bad_request(ErrorCode::InvalidExecution, reasons.join("; "))
}

/// The project's number; 404 for an unknown project.
pub fn project_number(tx: &Transaction<'_>, project_id: i64) -> AppResult<i64> {
    tx.query_row(
        "SELECT number FROM projects WHERE id = ?1",
        [project_id],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| AppError::NotFound(format!("no project {project_id}")))
}

pub fn too_long(field: &str, value: &str, max: usize, reasons: &mut Vec<String>) {
    let n = value.chars().count();
    if n > max {
        reasons.push(format!("{field}: {n} characters, at most {max}"));
    }
}

/// A `YYYY-MM-DD` date or nothing (blank reads as nothing); its day number.
pub fn check_date(field: &str, date: &Option<String>, reasons: &mut Vec<String>) -> Option<i64> {
    let d = date.as_deref().map(str::trim).filter(|d| !d.is_empty())?;
    match day_number(d) {
        Some(n) => Some(n),
        None => {
            reasons.push(format!("{field}: '{d}' is not a date (YYYY-MM-DD)"));
            None
        }
    }
}

fn clean_date(date: &Option<String>) -> Option<String> {
    date.as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_string)
}

fn check_year(field: &str, year: i32, reasons: &mut Vec<String>) {
    if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
        reasons.push(format!(
            "{field}: {year} is not between {MIN_YEAR} and {MAX_YEAR}"
        ));
    }
}

/// The name of a funder as messages give it.
fn funder_name(tx: &Transaction<'_>, partner_id: Option<i64>) -> String {
    match partner_id {
        None => "the commune (الجماعة)".into(),
        Some(id) => tx
            .query_row("SELECT name_ar FROM partners WHERE id = ?1", [id], |r| {
                r.get::<_, String>(0)
            })
            .map(|n| format!("partner {id} ({n})"))
            .unwrap_or_else(|_| format!("partner {id}")),
    }
}

/// Where the amounts break paid ≤ committed ≤ programmed: one sentence per funder (and the
/// total), naming the amounts. Empty when they keep it.
pub fn amount_breaches(tx: &Transaction<'_>, amounts: &[AmountLine]) -> Vec<String> {
    let mut out = Vec::new();
    let check = |who: &str, a: &AmountLine, out: &mut Vec<String>| {
        if a.committed > a.programmed {
            out.push(format!(
                "{who}: committed {} is more than programmed {}",
                a.committed, a.programmed
            ));
        }
        if a.paid > a.committed {
            out.push(format!(
                "{who}: paid {} is more than committed {}",
                a.paid, a.committed
            ));
        }
    };
    let mut total = AmountLine {
        partner_id: None,
        programmed: Mad::zero(),
        committed: Mad::zero(),
        paid: Mad::zero(),
    };
    for (i, a) in amounts.iter().enumerate() {
        check(
            &format!("amounts.{i} ({})", funder_name(tx, a.partner_id)),
            a,
            &mut out,
        );
        total.programmed += a.programmed;
        total.committed += a.committed;
        total.paid += a.paid;
    }
    if amounts.len() > 1 {
        check("total", &total, &mut out);
    }
    out
}

/// Checks a record's input: every problem, each naming its field.
pub fn check(
    tx: &Transaction<'_>,
    project_id: i64,
    input: &ExecutionRecordInput,
) -> AppResult<ExecutionRecordInput> {
    check_reasons(tx, project_id, input)?.map_err(invalid)
}

/// As [`check`], the problems as a list (`field: why` each), for the execution import, which
/// names them per line of its file.
pub fn check_reasons(
    tx: &Transaction<'_>,
    project_id: i64,
    input: &ExecutionRecordInput,
) -> AppResult<Result<ExecutionRecordInput, Vec<String>>> {
    let mut reasons = Vec::new();
    check_year("year", input.year, &mut reasons);
    if !input.status.is_known() {
        reasons.push(format!(
            "status: '{}' is not a status (planned, preparation_started, under_way, executed, \
             awaiting_execution, suspended, dropped)",
            input.status
        ));
    }
    let status_reason = input.status_reason.trim().to_string();
    if input.status.needs_reason() && status_reason.is_empty() {
        reasons.push(format!(
            "status_reason: a {} project needs the reason",
            input.status
        ));
    }
    too_long(
        "status_reason",
        &status_reason,
        MAX_TEXT_CHARS,
        &mut reasons,
    );
    let note = input.note.trim().to_string();
    too_long("note", &note, MAX_TEXT_CHARS, &mut reasons);
    let exception = input
        .amount_exception
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_string);
    if let Some(e) = &exception {
        too_long("amount_exception", e, MAX_TEXT_CHARS, &mut reasons);
    }
    let start = check_date("start_date", &input.start_date, &mut reasons);
    let end = check_date("end_date", &input.end_date, &mut reasons);
    let provisional = check_date(
        "provisional_reception",
        &input.provisional_reception,
        &mut reasons,
    );
    let final_ = check_date("final_reception", &input.final_reception, &mut reasons);
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        reasons.push("end_date: before start_date".into());
    }
    if let (Some(p), Some(f)) = (provisional, final_)
        && f < p
    {
        reasons.push("final_reception: before provisional_reception".into());
    }
    if input.amounts.len() > MAX_LINES || input.funding.len() > MAX_LINES {
        reasons.push(format!("amounts, funding: at most {MAX_LINES} lines each"));
    }
    let partners: Vec<i64> = {
        let mut stmt =
            tx.prepare("SELECT partner_id FROM project_partner_shares WHERE project_id = ?1")?;
        stmt.query_map([project_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?
    };
    let mut seen: Vec<Option<i64>> = Vec::new();
    for (i, a) in input.amounts.iter().enumerate() {
        if seen.contains(&a.partner_id) {
            reasons.push(format!(
                "amounts.{i}.partner_id: {} has two lines",
                funder_name(tx, a.partner_id)
            ));
        }
        seen.push(a.partner_id);
        if let Some(p) = a.partner_id
            && !partners.contains(&p)
        {
            reasons.push(format!(
                "amounts.{i}.partner_id: {p} is not a partner of this project"
            ));
        }
        for (name, m) in [
            ("programmed", a.programmed),
            ("committed", a.committed),
            ("paid", a.paid),
        ] {
            if m < Mad::zero() {
                reasons.push(format!("amounts.{i}.{name}: {m} is negative"));
            }
        }
    }
    for (i, f) in input.funding.iter().enumerate() {
        check_funding(tx, i, f, &mut reasons)?;
    }
    if reasons.is_empty() && exception.is_none() {
        let breaches = amount_breaches(tx, &input.amounts);
        if !breaches.is_empty() {
            reasons.push(format!(
                "amounts: {}; give amount_exception (the reason) to record it anyway",
                breaches.join(", ")
            ));
        }
    }
    if !reasons.is_empty() {
        return Ok(Err(reasons));
    }
    Ok(Ok(ExecutionRecordInput {
        year: input.year,
        status: input.status.clone(),
        status_reason,
        amount_exception: exception,
        start_date: clean_date(&input.start_date),
        end_date: clean_date(&input.end_date),
        provisional_reception: clean_date(&input.provisional_reception),
        final_reception: clean_date(&input.final_reception),
        note,
        amounts: input.amounts.clone(),
        funding: input
            .funding
            .iter()
            .map(|f| FundingLine {
                label: f.label.trim().to_string(),
                ..f.clone()
            })
            .collect(),
    }))
}

fn check_funding(
    tx: &Transaction<'_>,
    i: usize,
    f: &FundingLine,
    reasons: &mut Vec<String>,
) -> AppResult<()> {
    let field = format!("funding.{i}");
    match &f.kind {
        FundingKind::ActualSurplus | FundingKind::EstimatedSurplus | FundingKind::Budget => {
            match f.budget_year {
                Some(y) => check_year(&format!("{field}.budget_year"), y, reasons),
                None => reasons.push(format!("{field}.budget_year: required for {}", f.kind)),
            }
        }
        FundingKind::PartnerAgreement => match f.agreement_id {
            None => reasons.push(format!(
                "{field}.agreement_id: required for partner_agreement"
            )),
            Some(a) => {
                let exists: bool = tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM partnership_agreements WHERE id = ?1)",
                    [a],
                    |r| r.get(0),
                )?;
                if !exists {
                    reasons.push(format!("{field}.agreement_id: no agreement {a}"));
                }
            }
        },
        FundingKind::Other => {
            if f.label.trim().is_empty() {
                reasons.push(format!(
                    "{field}.label: required for other (say what it is)"
                ));
            }
        }
        FundingKind::Unknown(code) => reasons.push(format!(
            "{field}.kind: '{code}' is not a funding kind (actual_surplus, estimated_surplus, \
             budget, partner_agreement, other)"
        )),
    }
    too_long(&format!("{field}.label"), &f.label, 500, reasons);
    if let Some(m) = f.amount
        && m < Mad::zero()
    {
        reasons.push(format!("{field}.amount: {m} is negative"));
    }
    Ok(())
}

/// Reads records: of one project (`project`), of one year (`year`), or one record (`id`).
pub fn load(
    tx: &Transaction<'_>,
    project: Option<i64>,
    year: Option<i32>,
    id: Option<i64>,
) -> AppResult<Vec<ExecutionRecord>> {
    let mut stmt = tx.prepare(
        "SELECT r.id, r.project_id, p.number, r.year, r.status, r.status_reason,
                r.amount_exception, r.start_date, r.end_date, r.provisional_reception,
                r.final_reception, r.note, r.illustrative, r.updated_at
         FROM execution_records r JOIN projects p ON p.id = r.project_id
         WHERE (?1 IS NULL OR r.project_id = ?1) AND (?2 IS NULL OR r.year = ?2)
           AND (?3 IS NULL OR r.id = ?3)
         ORDER BY p.number, r.year",
    )?;
    let mut list: Vec<ExecutionRecord> = stmt
        .query_map(params![project, year, id], |r| {
            Ok(ExecutionRecord {
                id: r.get(0)?,
                project_id: r.get(1)?,
                project_number: r.get(2)?,
                input: ExecutionRecordInput {
                    year: r.get(3)?,
                    status: row::code(r, 4)?,
                    status_reason: r.get(5)?,
                    amount_exception: r.get(6)?,
                    start_date: r.get(7)?,
                    end_date: r.get(8)?,
                    provisional_reception: r.get(9)?,
                    final_reception: r.get(10)?,
                    note: r.get(11)?,
                    amounts: Vec::new(),
                    funding: Vec::new(),
                },
                illustrative: r.get(12)?,
                updated_at: r.get(13)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut amounts = tx.prepare(
        "SELECT partner_id, programmed, committed, paid FROM execution_amounts
         WHERE record_id = ?1 ORDER BY partner_id IS NOT NULL, partner_id",
    )?;
    let mut funding = tx.prepare(
        "SELECT kind, budget_year, agreement_id, label, amount FROM execution_funding
         WHERE record_id = ?1 ORDER BY position",
    )?;
    for rec in &mut list {
        let rows: Vec<(Option<i64>, String, String, String)> = amounts
            .query_map([rec.id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<Result<_, _>>()?;
        for (partner_id, p, c, d) in rows {
            rec.input.amounts.push(AmountLine {
                partner_id,
                programmed: stored_mad(&p)?,
                committed: stored_mad(&c)?,
                paid: stored_mad(&d)?,
            });
        }
        rec.input.funding = funding
            .query_map([rec.id], |r| {
                Ok(FundingLine {
                    kind: row::code(r, 0)?,
                    budget_year: r.get(1)?,
                    agreement_id: r.get(2)?,
                    label: r.get(3)?,
                    amount: db_mad(r.get(4)?)?,
                })
            })?
            .collect::<Result<_, _>>()?;
    }
    Ok(list)
}

pub fn get(tx: &Transaction<'_>, id: i64) -> AppResult<ExecutionRecord> {
    load(tx, None, None, Some(id))?
        .pop()
        .ok_or_else(|| AppError::NotFound(format!("no execution record {id}")))
}

/// Writes a checked record (new when `id` is None), amounts and funding replaced. Returns its
/// id. `illustrative` marks demo data.
pub fn write(
    tx: &Transaction<'_>,
    id: Option<i64>,
    user_id: Option<i64>,
    project_id: i64,
    r: &ExecutionRecordInput,
    illustrative: bool,
) -> AppResult<i64> {
    let now = now_secs();
    let id = match id {
        None => {
            tx.execute(
                "INSERT INTO execution_records (project_id, year, status, status_reason,
                    amount_exception, start_date, end_date, provisional_reception,
                    final_reception, note, illustrative, created_by, created_at, updated_by,
                    updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?12, ?13)",
                params![
                    project_id,
                    r.year,
                    r.status.code(),
                    r.status_reason,
                    r.amount_exception,
                    r.start_date,
                    r.end_date,
                    r.provisional_reception,
                    r.final_reception,
                    r.note,
                    illustrative,
                    user_id,
                    now
                ],
            )?;
            tx.last_insert_rowid()
        }
        Some(id) => {
            tx.execute(
                "UPDATE execution_records SET year = ?2, status = ?3, status_reason = ?4,
                    amount_exception = ?5, start_date = ?6, end_date = ?7,
                    provisional_reception = ?8, final_reception = ?9, note = ?10,
                    illustrative = ?11, updated_by = ?12, updated_at = ?13
                 WHERE id = ?1",
                params![
                    id,
                    r.year,
                    r.status.code(),
                    r.status_reason,
                    r.amount_exception,
                    r.start_date,
                    r.end_date,
                    r.provisional_reception,
                    r.final_reception,
                    r.note,
                    illustrative,
                    user_id,
                    now
                ],
            )?;
            tx.execute("DELETE FROM execution_amounts WHERE record_id = ?1", [id])?;
            tx.execute("DELETE FROM execution_funding WHERE record_id = ?1", [id])?;
            id
        }
    };
    for a in &r.amounts {
        tx.execute(
            "INSERT INTO execution_amounts (record_id, partner_id, programmed, committed, paid)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                id,
                a.partner_id,
                a.programmed.to_string(),
                a.committed.to_string(),
                a.paid.to_string()
            ],
        )?;
    }
    for (pos, f) in r.funding.iter().enumerate() {
        tx.execute(
            "INSERT INTO execution_funding (record_id, position, kind, budget_year, agreement_id,
                label, amount) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                id,
                pos as i64,
                f.kind.code(),
                f.budget_year,
                f.agreement_id,
                f.label,
                f.amount.map(|m| m.to_string())
            ],
        )?;
    }
    Ok(id)
}

fn year_taken(tx: &Transaction<'_>, project_id: i64, year: i32, not: Option<i64>) -> AppResult<()> {
    let other: Option<i64> = tx
        .query_row(
            "SELECT id FROM execution_records WHERE project_id = ?1 AND year = ?2
               AND (?3 IS NULL OR id <> ?3)",
            params![project_id, year, not],
            |r| r.get(0),
        )
        .optional()?;
    match other {
        Some(o) => Err(invalid(vec![format!(
            "year: the project has a record for {year} already (record {o}): change that one"
        )])),
        None => Ok(()),
    }
}

/// `POST /api/projects/{id}/execution`.
pub fn create(
    tx: &Transaction<'_>,
    user_id: Option<i64>,
    project_id: i64,
    input: &ExecutionRecordInput,
) -> AppResult<ExecutionRecord> {
    let number = project_number(tx, project_id)?;
    let checked = check(tx, project_id, input)?;
    year_taken(tx, project_id, checked.year, None)?;
    let id = write(tx, None, user_id, project_id, &checked, false)?;
    let after = get(tx, id)?;
    auth::audit(
        tx,
        user_id,
        "execution.create",
        Some(&format!("execution:{id}")),
        Some(&json!({"project": number, "after": after.input}).to_string()),
    )?;
    Ok(after)
}

/// `PUT /api/execution/{id}`. A demo record the office changes is no longer illustrative.
pub fn update(
    tx: &Transaction<'_>,
    user_id: Option<i64>,
    id: i64,
    input: &ExecutionRecordInput,
) -> AppResult<ExecutionRecord> {
    let before = get(tx, id)?;
    let checked = check(tx, before.project_id, input)?;
    year_taken(tx, before.project_id, checked.year, Some(id))?;
    write(tx, Some(id), user_id, before.project_id, &checked, false)?;
    let after = get(tx, id)?;
    auth::audit(
        tx,
        user_id,
        "execution.update",
        Some(&format!("execution:{id}")),
        Some(
            &json!({"project": before.project_number, "before": before.input,
                    "after": after.input})
            .to_string(),
        ),
    )?;
    Ok(after)
}

/// `DELETE /api/execution/{id}`.
pub fn delete(tx: &Transaction<'_>, user_id: Option<i64>, id: i64) -> AppResult<()> {
    let before = get(tx, id)?;
    tx.execute("DELETE FROM execution_records WHERE id = ?1", [id])?;
    auth::audit(
        tx,
        user_id,
        "execution.delete",
        Some(&format!("execution:{id}")),
        Some(&json!({"project": before.project_number, "before": before.input}).to_string()),
    )?;
    Ok(())
}

// ---- Documents ------------------------------------------------------------------------------

fn check_document(
    tx: &Transaction<'_>,
    input: &ExecutionDocumentInput,
) -> AppResult<ExecutionDocumentInput> {
    let mut reasons = Vec::new();
    if let ExecutionDocumentKind::Unknown(code) = &input.kind {
        reasons.push(format!(
            "kind: '{code}' is not a document kind (call_for_tenders, contract, agreement, \
             service_order, reception, other)"
        ));
    }
    if let Some(y) = input.year {
        check_year("year", y, &mut reasons);
    }
    check_date("dated", &input.dated, &mut reasons);
    too_long("number", &input.number, 200, &mut reasons);
    too_long("label", &input.label, 500, &mut reasons);
    if !reasons.is_empty() {
        return Err(invalid(reasons));
    }
    crate::pac::attachments::check_exists(tx, input.attachment_id)?;
    Ok(ExecutionDocumentInput {
        number: input.number.trim().into(),
        label: input.label.trim().into(),
        dated: clean_date(&input.dated),
        ..input.clone()
    })
}

pub fn documents(
    tx: &Transaction<'_>,
    project: Option<i64>,
    id: Option<i64>,
) -> AppResult<Vec<ExecutionDocument>> {
    let mut stmt = tx.prepare(
        "SELECT id, project_id, year, kind, number, dated, label, attachment_id, illustrative
         FROM execution_documents WHERE (?1 IS NULL OR project_id = ?1) AND (?2 IS NULL OR id = ?2)
         ORDER BY dated IS NULL, dated, id",
    )?;
    let list = stmt
        .query_map(params![project, id], |r| {
            Ok(ExecutionDocument {
                id: r.get(0)?,
                project_id: r.get(1)?,
                input: ExecutionDocumentInput {
                    year: r.get(2)?,
                    kind: row::code(r, 3)?,
                    number: r.get(4)?,
                    dated: r.get(5)?,
                    label: r.get(6)?,
                    attachment_id: r.get(7)?,
                },
                illustrative: r.get(8)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(list)
}

fn document(tx: &Transaction<'_>, id: i64) -> AppResult<ExecutionDocument> {
    documents(tx, None, Some(id))?
        .pop()
        .ok_or_else(|| AppError::NotFound(format!("no execution document {id}")))
}

pub fn create_document(
    tx: &Transaction<'_>,
    user_id: Option<i64>,
    project_id: i64,
    input: &ExecutionDocumentInput,
) -> AppResult<ExecutionDocument> {
    let number = project_number(tx, project_id)?;
    let d = check_document(tx, input)?;
    tx.execute(
        "INSERT INTO execution_documents (project_id, year, kind, number, dated, label,
            attachment_id, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            project_id,
            d.year,
            d.kind.code(),
            d.number,
            d.dated,
            d.label,
            d.attachment_id,
            user_id,
            now_secs()
        ],
    )?;
    let id = tx.last_insert_rowid();
    auth::audit(
        tx,
        user_id,
        "execution_document.create",
        Some(&format!("execution_document:{id}")),
        Some(&json!({"project": number, "after": d}).to_string()),
    )?;
    document(tx, id)
}

pub fn update_document(
    tx: &Transaction<'_>,
    user_id: Option<i64>,
    id: i64,
    input: &ExecutionDocumentInput,
) -> AppResult<ExecutionDocument> {
    let before = document(tx, id)?;
    let d = check_document(tx, input)?;
    tx.execute(
        "UPDATE execution_documents SET year = ?2, kind = ?3, number = ?4, dated = ?5,
            label = ?6, attachment_id = ?7, illustrative = 0 WHERE id = ?1",
        params![
            id,
            d.year,
            d.kind.code(),
            d.number,
            d.dated,
            d.label,
            d.attachment_id
        ],
    )?;
    auth::audit(
        tx,
        user_id,
        "execution_document.update",
        Some(&format!("execution_document:{id}")),
        Some(&json!({"before": before.input, "after": d}).to_string()),
    )?;
    document(tx, id)
}

pub fn delete_document(tx: &Transaction<'_>, user_id: Option<i64>, id: i64) -> AppResult<()> {
    let before = document(tx, id)?;
    tx.execute("DELETE FROM execution_documents WHERE id = ?1", [id])?;
    auth::audit(
        tx,
        user_id,
        "execution_document.delete",
        Some(&format!("execution_document:{id}")),
        Some(&json!({"before": before.input}).to_string()),
    )?;
    Ok(())
}

/// `GET /api/projects/{id}/execution`: everything the project's execution tab shows.
pub fn project_execution(tx: &Transaction<'_>, project_id: i64) -> AppResult<ProjectExecution> {
    let number = project_number(tx, project_id)?;
    let progress = super::project_progress(tx, project_id)?
        .ok_or_else(|| AppError::NotFound(format!("no project {project_id}")))?;
    Ok(ProjectExecution {
        project_id,
        number,
        records: load(tx, Some(project_id), None, None)?,
        documents: documents(tx, Some(project_id), None)?,
        timeline: super::timeline::entries(tx, Some(project_id), None)?,
        indicator_values: super::values::of_project(tx, project_id)?,
        agreements: super::agreements::load(tx, Some(project_id), None)?,
        progress,
    })
}
