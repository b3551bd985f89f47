//! Partnership agreements (issue 15, exec): partner, reference, date, object, amount and the
//! commune's part, each side's obligations, the projects concerned, the scan. Listed by all
//! who read the follow-up, written by `RecordExecution`, each write audited (before/after).
//! An agreement a record's funding names cannot be removed (a 400 naming the records).

use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::json;
use tachkhis_shared::{
    api::execution::{Agreement, AgreementInput},
    money::Mad,
};

use super::records::{MAX_TEXT_CHARS, check_date, invalid, too_long};
use crate::{
    db::now_secs,
    http::error::{AppError, AppResult},
    programme::db_mad,
    users::auth,
};

/// Agreements: all (`project` None), those concerning a project, or one (`id`).
pub fn load(
    tx: &Transaction<'_>,
    project: Option<i64>,
    id: Option<i64>,
) -> AppResult<Vec<Agreement>> {
    let mut stmt = tx.prepare(
        "SELECT a.id, a.partner_id, a.reference, a.signed_on, a.object_ar, a.object_fr,
                a.amount, a.commune_amount, a.commune_obligations, a.partner_obligations,
                a.attachment_id, a.illustrative, p.name_ar, p.name_fr
         FROM partnership_agreements a JOIN partners p ON p.id = a.partner_id
         WHERE (?1 IS NULL OR a.id IN (SELECT agreement_id FROM agreement_projects
                                       WHERE project_id = ?1))
           AND (?2 IS NULL OR a.id = ?2)
         ORDER BY a.signed_on IS NULL, a.signed_on, a.id",
    )?;
    let mut list: Vec<Agreement> = stmt
        .query_map(params![project, id], |r| {
            Ok(Agreement {
                id: r.get(0)?,
                input: AgreementInput {
                    partner_id: r.get(1)?,
                    reference: r.get(2)?,
                    signed_on: r.get(3)?,
                    object_ar: r.get(4)?,
                    object_fr: r.get(5)?,
                    amount: db_mad(r.get(6)?)?,
                    commune_amount: db_mad(r.get(7)?)?,
                    commune_obligations: r.get(8)?,
                    partner_obligations: r.get(9)?,
                    project_ids: Vec::new(),
                    attachment_id: r.get(10)?,
                },
                illustrative: r.get(11)?,
                partner_name_ar: r.get(12)?,
                partner_name_fr: r.get(13)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut projects = tx.prepare(
        "SELECT project_id FROM agreement_projects WHERE agreement_id = ?1 ORDER BY project_id",
    )?;
    for a in &mut list {
        a.input.project_ids = projects
            .query_map([a.id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
    }
    Ok(list)
}

fn get(tx: &Transaction<'_>, id: i64) -> AppResult<Agreement> {
    load(tx, None, Some(id))?
        .pop()
        .ok_or_else(|| AppError::NotFound(format!("no agreement {id}")))
}

fn check(tx: &Transaction<'_>, input: &AgreementInput) -> AppResult<AgreementInput> {
    let mut reasons = Vec::new();
    let partner: Option<i64> = tx
        .query_row(
            "SELECT id FROM partners WHERE id = ?1",
            [input.partner_id],
            |r| r.get(0),
        )
        .optional()?;
    if partner.is_none() {
        reasons.push(format!("partner_id: no partner {}", input.partner_id));
    }
    let object_ar = input.object_ar.trim().to_string();
    if object_ar.is_empty() {
        reasons.push("object_ar: the agreement's object in Arabic is required".into());
    }
    too_long("object_ar", &object_ar, MAX_TEXT_CHARS, &mut reasons);
    too_long("object_fr", &input.object_fr, MAX_TEXT_CHARS, &mut reasons);
    too_long("reference", &input.reference, 200, &mut reasons);
    too_long(
        "commune_obligations",
        &input.commune_obligations,
        MAX_TEXT_CHARS,
        &mut reasons,
    );
    too_long(
        "partner_obligations",
        &input.partner_obligations,
        MAX_TEXT_CHARS,
        &mut reasons,
    );
    check_date("signed_on", &input.signed_on, &mut reasons);
    for (name, m) in [
        ("amount", input.amount),
        ("commune_amount", input.commune_amount),
    ] {
        if let Some(m) = m
            && m < Mad::zero()
        {
            reasons.push(format!("{name}: {m} is negative"));
        }
    }
    if let (Some(a), Some(c)) = (input.amount, input.commune_amount)
        && c > a
    {
        reasons.push(format!(
            "commune_amount: {c} is more than the agreement's amount {a}"
        ));
    }
    let mut ids = input.project_ids.clone();
    ids.sort_unstable();
    ids.dedup();
    for p in &ids {
        let exists: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM projects WHERE id = ?1)",
            [p],
            |r| r.get(0),
        )?;
        if !exists {
            reasons.push(format!("project_ids: no project {p}"));
        }
    }
    if !reasons.is_empty() {
        return Err(invalid(reasons));
    }
    crate::pac::attachments::check_exists(tx, input.attachment_id)?;
    Ok(AgreementInput {
        object_ar,
        object_fr: input.object_fr.trim().into(),
        reference: input.reference.trim().into(),
        signed_on: input
            .signed_on
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_string),
        project_ids: ids,
        ..input.clone()
    })
}

/// Writes a checked agreement (new when `id` is None); returns its id.
pub fn write(
    tx: &Transaction<'_>,
    id: Option<i64>,
    user_id: Option<i64>,
    a: &AgreementInput,
    illustrative: bool,
) -> AppResult<i64> {
    let now = now_secs();
    let (amount, commune_amount) = (
        a.amount.map(|m| m.to_string()),
        a.commune_amount.map(|m| m.to_string()),
    );
    let id = match id {
        None => {
            tx.execute(
                "INSERT INTO partnership_agreements (partner_id, reference, signed_on, object_ar,
                    object_fr, amount, commune_amount, commune_obligations, partner_obligations,
                    attachment_id, illustrative, created_at, updated_at, created_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13)",
                params![
                    a.partner_id,
                    a.reference,
                    a.signed_on,
                    a.object_ar,
                    a.object_fr,
                    amount,
                    commune_amount,
                    a.commune_obligations,
                    a.partner_obligations,
                    a.attachment_id,
                    illustrative,
                    now,
                    user_id
                ],
            )?;
            tx.last_insert_rowid()
        }
        Some(id) => {
            tx.execute(
                "UPDATE partnership_agreements SET partner_id = ?1, reference = ?2,
                    signed_on = ?3, object_ar = ?4, object_fr = ?5, amount = ?6,
                    commune_amount = ?7, commune_obligations = ?8, partner_obligations = ?9,
                    attachment_id = ?10, illustrative = ?11, updated_at = ?12
                 WHERE id = ?13",
                params![
                    a.partner_id,
                    a.reference,
                    a.signed_on,
                    a.object_ar,
                    a.object_fr,
                    amount,
                    commune_amount,
                    a.commune_obligations,
                    a.partner_obligations,
                    a.attachment_id,
                    illustrative,
                    now,
                    id
                ],
            )?;
            tx.execute(
                "DELETE FROM agreement_projects WHERE agreement_id = ?1",
                [id],
            )?;
            id
        }
    };
    for p in &a.project_ids {
        tx.execute(
            "INSERT INTO agreement_projects (agreement_id, project_id) VALUES (?1, ?2)",
            params![id, p],
        )?;
    }
    Ok(id)
}

pub fn create(
    tx: &Transaction<'_>,
    user_id: Option<i64>,
    input: &AgreementInput,
) -> AppResult<Agreement> {
    let a = check(tx, input)?;
    let id = write(tx, None, user_id, &a, false)?;
    auth::audit(
        tx,
        user_id,
        "agreement.create",
        Some(&format!("agreement:{id}")),
        Some(&json!({"after": a}).to_string()),
    )?;
    get(tx, id)
}

pub fn update(
    tx: &Transaction<'_>,
    user_id: Option<i64>,
    id: i64,
    input: &AgreementInput,
) -> AppResult<Agreement> {
    let before = get(tx, id)?;
    let a = check(tx, input)?;
    write(tx, Some(id), user_id, &a, false)?;
    auth::audit(
        tx,
        user_id,
        "agreement.update",
        Some(&format!("agreement:{id}")),
        Some(&json!({"before": before.input, "after": a}).to_string()),
    )?;
    get(tx, id)
}

/// Removes an agreement no record's funding names.
pub fn delete(tx: &Transaction<'_>, user_id: Option<i64>, id: i64) -> AppResult<()> {
    let before = get(tx, id)?;
    let used: Vec<i64> = {
        let mut stmt =
            tx.prepare("SELECT DISTINCT record_id FROM execution_funding WHERE agreement_id = ?1")?;
        stmt.query_map([id], |r| r.get(0))?
            .collect::<Result<_, _>>()?
    };
    if !used.is_empty() {
        return Err(invalid(vec![format!(
            "agreement {id}: the funding of execution records {used:?} names it; change them first"
        )]));
    }
    tx.execute("DELETE FROM partnership_agreements WHERE id = ?1", [id])?;
    auth::audit(
        tx,
        user_id,
        "agreement.delete",
        Some(&format!("agreement:{id}")),
        Some(&json!({"before": before.input}).to_string()),
    )?;
    Ok(())
}
