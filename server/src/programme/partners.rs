//! The commune's funding partners (`/api/partners`): one list that project shares refer to.
//! A name is unique among partners (Arabic and French names compared normalised), so an
//! import or a sheet that names a partner finds it; a name not in the list is added (kind
//! `other`, for the office to set). A partner that shares name cannot be deleted.

use rusqlite::{Transaction, params};
use serde_json::json;
use tachkhis_shared::{
    api::programme::{Partner, PartnerInput},
    codes::{ErrorCode, PartnerKind},
    text::normalize,
};

use super::{MAX_TITLE_CHARS, too_long};
use crate::{
    db::now_secs,
    http::error::{AppError, AppResult},
    users::auth,
};

/// Every partner, by Arabic name then id.
pub fn list_partners(tx: &Transaction<'_>) -> AppResult<Vec<Partner>> {
    let mut stmt = tx.prepare(
        "SELECT x.id, x.name_ar, x.name_fr, x.kind,
                (SELECT count(*) FROM project_partner_shares s WHERE s.partner_id = x.id)
         FROM partners x ORDER BY x.name_ar, x.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Partner {
            id: r.get(0)?,
            name_ar: r.get(1)?,
            name_fr: r.get(2)?,
            kind: PartnerKind::parse(&r.get::<_, String>(3)?),
            shares: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn get_partner(tx: &Transaction<'_>, id: i64) -> AppResult<Partner> {
    list_partners(tx)?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| AppError::NotFound(format!("no partner {id}")))
}

/// The name a project's share shows: the Arabic one, or the French when there is none.
pub fn shown_name(p: &Partner) -> String {
    if p.name_ar.trim().is_empty() {
        p.name_fr.clone()
    } else {
        p.name_ar.clone()
    }
}

/// The partner with this name (Arabic or French, normalised), or a new one of kind `other`.
pub fn partner_by_name(tx: &Transaction<'_>, name: &str) -> AppResult<i64> {
    if let Some(id) = find_by_name(tx, name, None)? {
        return Ok(id);
    }
    tx.execute(
        "INSERT INTO partners (name_ar, kind, updated_at) VALUES (?1, 'other', ?2)",
        params![name.trim(), now_secs()],
    )?;
    Ok(tx.last_insert_rowid())
}

/// A partner other than `except` one of whose names reads as `name` once normalised.
fn find_by_name(tx: &Transaction<'_>, name: &str, except: Option<i64>) -> AppResult<Option<i64>> {
    let key = normalize(name);
    if key.is_empty() {
        return Ok(None);
    }
    Ok(list_partners(tx)?
        .into_iter()
        .find(|p| {
            Some(p.id) != except
                && [&p.name_ar, &p.name_fr]
                    .iter()
                    .any(|n| !n.trim().is_empty() && normalize(n) == key)
        })
        .map(|p| p.id))
}

fn check(tx: &Transaction<'_>, input: &mut PartnerInput, except: Option<i64>) -> AppResult<()> {
    input.name_ar = input.name_ar.trim().to_string();
    input.name_fr = input.name_fr.trim().to_string();
    let mut reasons = Vec::new();
    if input.name_ar.is_empty() {
        reasons.push("the Arabic name (name_ar) is required".to_string());
    }
    too_long("name_ar", &input.name_ar, MAX_TITLE_CHARS, &mut reasons);
    too_long("name_fr", &input.name_fr, MAX_TITLE_CHARS, &mut reasons);
    if let Some(kind) = &input.kind
        && !kind.is_known()
    {
        let codes: Vec<&str> = PartnerKind::ALL.iter().map(PartnerKind::code).collect();
        reasons.push(format!(
            "unknown partner kind '{kind}' (the kinds are: {})",
            codes.join(", ")
        ));
    }
    for name in [&input.name_ar, &input.name_fr] {
        if let Some(other) = find_by_name(tx, name, except)? {
            reasons.push(format!("the name '{name}' is already partner {other}'s"));
        }
    }
    if reasons.is_empty() {
        Ok(())
    } else {
        Err(AppError::bad_request(
            ErrorCode::InvalidPartner,
            reasons.join("; "),
        ))
    }
}

fn kind_code(input: &PartnerInput) -> &str {
    input.kind.as_ref().map_or("other", PartnerKind::code)
}

pub fn create_partner(
    tx: &Transaction<'_>,
    user_id: Option<i64>,
    mut input: PartnerInput,
) -> AppResult<Partner> {
    check(tx, &mut input, None)?;
    tx.execute(
        "INSERT INTO partners (name_ar, name_fr, kind, updated_at) VALUES (?1, ?2, ?3, ?4)",
        params![input.name_ar, input.name_fr, kind_code(&input), now_secs()],
    )?;
    let id = tx.last_insert_rowid();
    auth::audit(
        tx,
        user_id,
        "partner.create",
        Some(&format!("partner:{id}")),
        Some(&json!(input).to_string()),
    )?;
    get_partner(tx, id)
}

pub fn update_partner(
    tx: &Transaction<'_>,
    user_id: Option<i64>,
    id: i64,
    mut input: PartnerInput,
) -> AppResult<Partner> {
    let before = get_partner(tx, id)?;
    check(tx, &mut input, Some(id))?;
    tx.execute(
        "UPDATE partners SET name_ar = ?1, name_fr = ?2, kind = ?3, updated_at = ?4 WHERE id = ?5",
        params![
            input.name_ar,
            input.name_fr,
            kind_code(&input),
            now_secs(),
            id
        ],
    )?;
    auth::audit(
        tx,
        user_id,
        "partner.update",
        Some(&format!("partner:{id}")),
        Some(&json!({"before": before, "after": input}).to_string()),
    )?;
    get_partner(tx, id)
}

/// Deletes a partner no share names; 409 otherwise (the shares say who pays what).
pub fn delete_partner(tx: &Transaction<'_>, user_id: Option<i64>, id: i64) -> AppResult<()> {
    let before = get_partner(tx, id)?;
    if before.shares > 0 {
        return Err(AppError::Conflict(format!(
            "partner {id} has {} project share(s): remove them first",
            before.shares
        )));
    }
    // The follow-up (issue 15) names partners too: a year's amounts, an agreement, a
    // three-year plan's expected contribution keep theirs.
    let (amounts, agreements, resources): (i64, i64, i64) = tx.query_row(
        "SELECT (SELECT count(*) FROM execution_amounts WHERE partner_id = ?1),
                (SELECT count(*) FROM partnership_agreements WHERE partner_id = ?1),
                (SELECT count(*) FROM three_year_resources WHERE partner_id = ?1)",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    if amounts + agreements + resources > 0 {
        return Err(AppError::Conflict(format!(
            "partner {id} is named by {amounts} execution amount line(s), {agreements} \
             partnership agreement(s) and {resources} three-year resource line(s): it stays"
        )));
    }
    tx.execute("DELETE FROM partners WHERE id = ?1", [id])?;
    auth::audit(
        tx,
        user_id,
        "partner.delete",
        Some(&format!("partner:{id}")),
        Some(&json!(before).to_string()),
    )?;
    Ok(())
}
