//! The carry-over of the project sheet's old free-text `funding_source` and `status` into
//! execution records (issue 15, exec), and the same reading for a project import's columns
//! of those names.
//!
//! Why in Rust and not in migration 0022's SQL: reading "estimated surplus 2023 + actual
//! surplus 2022" or "شرع في الاعداد لتنفيذ" needs splitting, normalising Arabic letters and
//! matching labels, which SQL does badly, and the project import must read its columns the
//! same way (one reading, not two). So 0022 parks the text in `legacy_project_text` and drops
//! the columns; [`carry_over`] runs at start-up right after migrating, in its own transaction,
//! and deletes each row it carried (idempotent: a second run finds nothing).
//!
//! What parses becomes a record: its year is the budget year the sources fund (the actual
//! surplus of year N is known from N's accounts and spent in N+1's budget; an estimated surplus
//! or a budget of N is spent in N), the latest when there are several; its status the one read,
//! or `planned` when none is given. What does not parse becomes a timeline entry quoting it
//! word for word (dated the day of the carry-over), so nothing is lost.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde_json::json;
use tachkhis_shared::{
    api::execution::{ExecutionRecordInput, FundingLine, TimelineEntryInput},
    api::procedure::date_of_day,
    codes::{ExecutionStatus, FundingKind},
};

use super::records;
use crate::{db::now_secs, http::error::AppResult, users::auth};

/// Lower case, Arabic short vowels and tatweel gone, alef forms and final yeh/teh marbuta
/// unified, runs of spaces and punctuation collapsed.
fn normalize(text: &str) -> String {
    let mut out = String::new();
    for c in text.trim().to_lowercase().chars() {
        let c = match c {
            'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
            'ى' => 'ي',
            'ة' => 'ه',
            '\u{064B}'..='\u{0652}' | '\u{0640}' => continue,
            '_' | '-' | '.' | ':' | '(' | ')' => ' ',
            c => c,
        };
        if c.is_whitespace() {
            if !out.ends_with(' ') && !out.is_empty() {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    out.trim_end().to_string()
}

/// A status as the old field or an import's column writes it: a code, its Arabic or French
/// label, the seed's English and Arabic forms.
pub fn parse_status(text: &str) -> Option<ExecutionStatus> {
    let t = normalize(text);
    if t.is_empty() {
        return None;
    }
    let extra: &[(&str, ExecutionStatus)] = &[
        ("in preparation", ExecutionStatus::PreparationStarted),
        ("preparation started", ExecutionStatus::PreparationStarted),
        ("شرع في الاعداد لتنفيذ", ExecutionStatus::PreparationStarted),
        ("شرع في الاعداد للتنفيذ", ExecutionStatus::PreparationStarted),
        ("under way", ExecutionStatus::UnderWay),
        ("in progress", ExecutionStatus::UnderWay),
        ("en cours", ExecutionStatus::UnderWay),
        ("في طور الانجاز", ExecutionStatus::UnderWay),
        ("executed", ExecutionStatus::Executed),
        ("done", ExecutionStatus::Executed),
        ("تم التنفيذ", ExecutionStatus::Executed),
        ("awaiting execution", ExecutionStatus::AwaitingExecution),
        ("planned", ExecutionStatus::Planned),
        ("programmed", ExecutionStatus::Planned),
        ("suspended", ExecutionStatus::Suspended),
        ("dropped", ExecutionStatus::Dropped),
        ("abandoned", ExecutionStatus::Dropped),
    ];
    if let Some((_, s)) = extra.iter().find(|(k, _)| normalize(k) == t) {
        return Some(s.clone());
    }
    ExecutionStatus::ALL
        .iter()
        .find(|s| {
            let l = s.labels();
            normalize(s.code()) == t || normalize(&l.ar) == t || normalize(&l.fr) == t
        })
        .cloned()
}

/// The words of the funding kinds in free text (the seed's forms, French and Arabic).
const SOURCE_WORDS: &[(&str, FundingKind)] = &[
    ("actual surplus", FundingKind::ActualSurplus),
    ("real surplus", FundingKind::ActualSurplus),
    ("excedent reel", FundingKind::ActualSurplus),
    ("excédent réel", FundingKind::ActualSurplus),
    ("الفائض الحقيقي", FundingKind::ActualSurplus),
    ("estimated surplus", FundingKind::EstimatedSurplus),
    ("excedent previsionnel", FundingKind::EstimatedSurplus),
    ("excédent prévisionnel", FundingKind::EstimatedSurplus),
    ("الفائض التقديري", FundingKind::EstimatedSurplus),
    ("budget", FundingKind::Budget),
    ("الميزانيه", FundingKind::Budget),
    ("ميزانيه", FundingKind::Budget),
];

/// A funding kind as a cell writes it (the execution import): its code, its Arabic or French
/// label, or the words the old free text used ("actual surplus", "الفائض الحقيقي"…).
pub fn parse_kind(text: &str) -> Option<FundingKind> {
    let t = normalize(text);
    if t.is_empty() {
        return None;
    }
    let extra: &[(&str, FundingKind)] = &[
        ("convention", FundingKind::PartnerAgreement),
        ("partner agreement", FundingKind::PartnerAgreement),
        ("اتفاقيه", FundingKind::PartnerAgreement),
        ("other", FundingKind::Other),
        ("autre", FundingKind::Other),
        ("اخر", FundingKind::Other),
    ];
    FundingKind::ALL
        .iter()
        .find(|k| {
            let l = k.labels();
            normalize(k.code()) == t || normalize(&l.ar) == t || normalize(&l.fr) == t
        })
        .cloned()
        .or_else(|| {
            SOURCE_WORDS
                .iter()
                .chain(extra)
                .find(|(w, _)| normalize(w) == t)
                .map(|(_, k)| k.clone())
        })
}

/// One source: a kind and a four-digit year ("actual surplus 2022", "الفائض الحقيقي 2022",
/// "budget 2024", "excédent prévisionnel 2023").
fn parse_source(part: &str) -> Option<FundingLine> {
    let t = normalize(part);
    let words = SOURCE_WORDS;
    let (word, kind) = words.iter().find(|(w, _)| t.contains(&normalize(w)))?;
    let rest = t.replacen(&normalize(word), "", 1);
    let mut years = rest
        .split(|c: char| !c.is_ascii_digit())
        .filter(|w| !w.is_empty());
    let year: i32 = years.next().filter(|y| y.len() == 4)?.parse().ok()?;
    // only the year may be left beside the kind's words
    let leftover: String = rest
        .replace(&year.to_string(), "")
        .split_whitespace()
        .filter(|w| !["of", "de", "du", "لسنه", "سنه"].contains(w))
        .collect();
    if years.next().is_some() || !leftover.is_empty() {
        return None;
    }
    Some(FundingLine {
        kind: kind.clone(),
        budget_year: Some(year),
        agreement_id: None,
        label: String::new(),
        amount: None,
    })
}

/// Funding sources joined by `+`, `&`, `;`, `،` or " و ": all must read, or none is taken.
pub fn parse_funding(text: &str) -> Option<Vec<FundingLine>> {
    let parts: Vec<&str> = text
        .split(['+', '&', ';', '،'])
        .flat_map(|p| p.split(" و "))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() {
        return None;
    }
    parts.into_iter().map(parse_source).collect()
}

/// The budget year a source funds.
fn funded_year(f: &FundingLine) -> Option<i32> {
    let y = f.budget_year?;
    Some(if f.kind == FundingKind::ActualSurplus {
        y + 1
    } else {
        y
    })
}

/// What a project's old text (or an import's columns) says, carried into a record and/or
/// timeline entries. Text that is blank changes nothing. A record the project has for that
/// year keeps its amounts and dates; its status and funding take the text's.
pub fn carry_text(
    tx: &Transaction<'_>,
    user_id: Option<i64>,
    project_id: i64,
    funding: Option<&str>,
    status: Option<&str>,
) -> AppResult<()> {
    let funding = funding.map(str::trim).filter(|t| !t.is_empty());
    let status = status.map(str::trim).filter(|t| !t.is_empty());
    if funding.is_none() && status.is_none() {
        return Ok(());
    }
    let lines = funding.and_then(parse_funding);
    let year = lines
        .as_ref()
        .and_then(|l| l.iter().filter_map(funded_year).max());
    let read_status = status.and_then(parse_status);
    let mut quoted: Vec<String> = Vec::new();
    let mut record_id = None;
    match (lines, year) {
        (Some(lines), Some(year)) => {
            let existing: Option<i64> = tx
                .query_row(
                    "SELECT id FROM execution_records WHERE project_id = ?1 AND year = ?2",
                    params![project_id, year],
                    |r| r.get(0),
                )
                .optional()?;
            let mut input = match existing {
                Some(id) => records::get(tx, id)?.input,
                None => ExecutionRecordInput {
                    year,
                    status: ExecutionStatus::Planned,
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
            };
            input.funding = lines;
            if let Some(s) = &read_status {
                input.status = s.clone();
            }
            if input.status.needs_reason() && input.status_reason.is_empty() {
                input.status_reason = status.unwrap_or_default().to_string();
            }
            if status.is_some() && read_status.is_none() {
                quoted.push(format!(
                    "الحالة / statut : « {} »",
                    status.unwrap_or_default()
                ));
            }
            let illustrative = false;
            record_id = Some(records::write(
                tx,
                existing,
                user_id,
                project_id,
                &input,
                illustrative,
            )?);
        }
        _ if funding.is_none()
            && read_status.is_some()
            && latest_record(tx, project_id)?.is_some() =>
        {
            // A status alone changes the project's latest record.
            let id = latest_record(tx, project_id)?.unwrap_or_default();
            let mut input = records::get(tx, id)?.input;
            input.status = read_status.clone().unwrap_or(ExecutionStatus::Planned);
            if input.status.needs_reason() && input.status_reason.is_empty() {
                input.status_reason = status.unwrap_or_default().to_string();
            }
            record_id = Some(records::write(
                tx,
                Some(id),
                user_id,
                project_id,
                &input,
                false,
            )?);
        }
        _ => {
            if let Some(f) = funding {
                quoted.push(format!("مصدر التمويل / financement : « {f} »"));
            }
            if let Some(s) = status {
                quoted.push(format!("الحالة / statut : « {s} »"));
            }
        }
    }
    let mut entry_id = None;
    if !quoted.is_empty() {
        let text = quoted.join(" — ");
        let entry = TimelineEntryInput {
            happened_on: date_of_day(now_secs().div_euclid(86_400)),
            text_ar: format!("نص من بطاقة المشروع لم يقرأ كسجل تنفيذ: {text}"),
            text_fr: format!("Texte de la fiche projet non lu comme suivi d'exécution : {text}"),
            attachment_ids: Vec::new(),
        };
        entry_id = Some(super::timeline::write(
            tx, None, user_id, project_id, &entry, false,
        )?);
    }
    auth::audit(
        tx,
        user_id,
        "execution.carry_over",
        Some(&format!("project:{project_id}")),
        Some(
            &json!({"funding_source": funding, "status": status, "record": record_id,
                    "timeline_entry": entry_id})
            .to_string(),
        ),
    )?;
    Ok(())
}

fn latest_record(tx: &Transaction<'_>, project_id: i64) -> AppResult<Option<i64>> {
    Ok(tx
        .query_row(
            "SELECT id FROM execution_records WHERE project_id = ?1 ORDER BY year DESC LIMIT 1",
            [project_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Carries `legacy_project_text` (migration 0022) over, once; run at start-up right after
/// migrating. Returns how many projects it carried.
pub fn carry_over(conn: &mut Connection) -> AppResult<usize> {
    let tx = conn.transaction()?;
    let rows: Vec<(i64, Option<String>, Option<String>)> = {
        let mut stmt = tx.prepare(
            "SELECT project_id, funding_source, status FROM legacy_project_text ORDER BY project_id",
        )?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?
    };
    for (project_id, funding, status) in &rows {
        carry_text(
            &tx,
            None,
            *project_id,
            funding.as_deref(),
            status.as_deref(),
        )?;
        tx.execute(
            "DELETE FROM legacy_project_text WHERE project_id = ?1",
            [project_id],
        )?;
    }
    tx.commit()?;
    Ok(rows.len())
}

/// Per project: the funding source and status as text.
pub type SheetTexts = HashMap<i64, (Option<String>, Option<String>)>;

/// For the PAC document: each project's latest record's funding and status in Arabic words.
pub fn labelled_texts(tx: &Transaction<'_>) -> AppResult<SheetTexts> {
    let mut out: SheetTexts = HashMap::new();
    for r in records::load(tx, None, None, None)? {
        let funding: Vec<String> = r
            .input
            .funding
            .iter()
            .map(|f| {
                let l = f.kind.labels().ar;
                match (f.budget_year, f.label.is_empty()) {
                    (Some(y), _) => format!("{l} {y}"),
                    (None, false) => format!("{l}: {}", f.label),
                    (None, true) => l,
                }
            })
            .collect();
        let funding = Some(funding.join(" + ")).filter(|f| !f.is_empty());
        out.insert(r.project_id, (funding, Some(r.input.status.labels().ar)));
    }
    Ok(out)
}

/// A funding source as the old field wrote it, in the words [`parse_funding`] reads; `None`
/// for the kinds it does not read (an agreement, other: their record holds them).
fn source_text(f: &FundingLine) -> Option<String> {
    let word = match f.kind {
        FundingKind::ActualSurplus => "actual surplus",
        FundingKind::EstimatedSurplus => "estimated surplus",
        FundingKind::Budget => "budget",
        _ => return None,
    };
    Some(format!("{word} {}", f.budget_year?))
}

/// For the project export: each project's latest record as the import's `funding_source` and
/// `status` columns read them (so export → import round-trips into the same record).
pub fn sheet_texts(tx: &Transaction<'_>) -> AppResult<SheetTexts> {
    let latest = records::load(tx, None, None, None)?;
    let mut out: SheetTexts = HashMap::new();
    // by project number then year: the last one seen is the latest
    for r in latest {
        let sources: Option<Vec<String>> = r.input.funding.iter().map(source_text).collect();
        let funding = sources.filter(|s| !s.is_empty()).map(|s| s.join(" + "));
        out.insert(
            r.project_id,
            (funding, Some(r.input.status.code().to_string())),
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_forms_read() {
        let f = parse_funding("estimated surplus 2023 + actual surplus 2022").unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].kind, FundingKind::EstimatedSurplus);
        assert_eq!(f[0].budget_year, Some(2023));
        assert_eq!(f[1].kind, FundingKind::ActualSurplus);
        assert_eq!(f[1].budget_year, Some(2022));
        assert_eq!(f.iter().filter_map(funded_year).max(), Some(2023));
        let b = parse_funding("budget 2024").unwrap();
        assert_eq!(
            (b[0].kind.clone(), b[0].budget_year),
            (FundingKind::Budget, Some(2024))
        );
        assert_eq!(
            parse_funding("الفائض الحقيقي لسنة 2022").unwrap()[0].kind,
            FundingKind::ActualSurplus
        );
        assert!(parse_funding("a grant from somewhere").is_none());
        assert!(parse_funding("budget 2024 + a grant").is_none());
        assert!(parse_funding("budget").is_none());
        assert_eq!(
            parse_status("in preparation"),
            Some(ExecutionStatus::PreparationStarted)
        );
        assert_eq!(
            parse_status("شرع في الاعداد لتنفيذ"),
            Some(ExecutionStatus::PreparationStarted)
        );
        assert_eq!(parse_status("تم تنفيذه"), Some(ExecutionStatus::Executed));
        assert_eq!(
            parse_status("في انتظار التنفيذ"),
            Some(ExecutionStatus::AwaitingExecution)
        );
        assert_eq!(
            parse_status("awaiting execution"),
            Some(ExecutionStatus::AwaitingExecution)
        );
        assert_eq!(parse_status("Réalisé"), Some(ExecutionStatus::Executed));
        assert_eq!(parse_status("under_way"), Some(ExecutionStatus::UnderWay));
        assert_eq!(parse_status("more or less"), None);
    }
}
