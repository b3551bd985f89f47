//! A project's whole story (issue 15, dash): one dated list, oldest first, from the first
//! listening session that raised one of its needs to its last payment. Each entry says what
//! happened in the data's own words and names its source.
//!
//! Built on what exists, never a second copy: the sessions and proposals come from the
//! programme's trace (`programme::project_trace`), where the project stands from the shared
//! `execution::project_progress`; then the needs' links, the approved priority rankings, the
//! PAC's votes and visas, the execution records with their amounts and funding, the documents,
//! the office's timeline and the indicators' values, one query each.

use std::collections::{BTreeMap, HashMap};

use rusqlite::Transaction;
use tachkhis_shared::{
    api::dashboard::{ProjectStory, StoryEntry, StoryKind},
    api::priorities::ApprovedRank,
    codes::{ExecutionDocumentKind, ExecutionStatus, FundingKind},
    money::Mad,
};

use super::{project_progress, stored_mad};
use crate::{db::row, http::error::AppResult, programme};

/// A project's story; `None` when the project does not exist.
pub fn project_story(tx: &Transaction<'_>, project_id: i64) -> AppResult<Option<ProjectStory>> {
    let Some(trace) = programme::project_trace(tx, project_id)? else {
        return Ok(None);
    };
    let Some(progress) = project_progress(tx, project_id)? else {
        return Ok(None);
    };
    // (sort key, entry): the key puts a budget year's record at the year's start and the last
    // payment at its end; entries of one key keep the kinds' order.
    let mut entries: Vec<(String, StoryEntry)> = Vec::new();
    let mut push = |key: String, e: StoryEntry| entries.push((key, e));

    // The sessions, each once, with the proposals of the project's needs raised there.
    let name_map = |sql: &str| -> AppResult<HashMap<String, (String, String)>> {
        let mut stmt = tx.prepare(sql)?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
        Ok(rows.collect::<Result<_, _>>()?)
    };
    let poles = name_map("SELECT id, name_ar, name_fr FROM poles")?;
    let douars = name_map("SELECT id, name_ar, name_fr FROM douars")?;
    let mut sessions: BTreeMap<(String, String), (StoryEntry, Vec<String>)> = BTreeMap::new();
    for need in &trace.needs {
        for p in &need.proposals {
            if p.deleted {
                continue;
            }
            let s = &p.session;
            let (_, texts) = sessions
                .entry((s.date.clone(), s.id.to_string()))
                .or_insert_with(|| {
                    let mut e = StoryEntry::new(
                        s.date.clone(),
                        StoryKind::Session,
                        format!("session:{}", s.id),
                    );
                    let pole = poles.get(&s.pole_id);
                    let names = |fr: bool| {
                        let mut parts: Vec<String> = Vec::new();
                        if let Some((ar, f)) = pole {
                            parts.push(if fr { f.clone() } else { ar.clone() });
                        }
                        for d in &s.douar_ids {
                            if let Some((ar, f)) = douars.get(d) {
                                parts.push(if fr { f.clone() } else { ar.clone() });
                            }
                        }
                        parts.join("، ")
                    };
                    e.place_ar = names(false);
                    e.place_fr = names(true).replace("، ", ", ");
                    e.group_kind = Some(s.group_kind.clone());
                    e.count = Some(s.present);
                    (e, Vec::new())
                });
            let text = if p.solution.is_empty() {
                p.problem.clone()
            } else {
                format!("{} — {}", p.problem, p.solution)
            };
            if !texts.contains(&text) {
                texts.push(text);
            }
        }
    }
    for ((date, _), (mut e, texts)) in sessions {
        e.text_ar = texts.join(" | ");
        e.text_fr = e.text_ar.clone();
        push(date, e);
    }

    // The needs' links to the project (the consolidation action that made each).
    {
        let mut stmt = tx.prepare(
            "SELECT n.id, n.title, date(a.at, 'unixepoch') FROM need_projects np
             JOIN needs n ON n.id = np.need_id AND n.closed_at IS NULL
             JOIN consolidation_actions a ON a.id = np.action_id
             WHERE np.project_id = ?1 ORDER BY a.at, n.id",
        )?;
        let mut rows = stmt.query([project_id])?;
        while let Some(r) = rows.next()? {
            let date: String = r.get(2)?;
            let mut e = StoryEntry::new(
                date.clone(),
                StoryKind::NeedLinked,
                format!("need:{}", r.get::<_, i64>(0)?),
            );
            e.text_ar = r.get(1)?;
            e.text_fr = e.text_ar.clone();
            push(date, e);
        }
    }

    // Each approved priority ranking, with the project's place in it.
    {
        let mut stmt = tx.prepare(
            "SELECT id, date(at, 'unixepoch'), ranking FROM priority_approvals ORDER BY id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let ranking: String = r.get(2)?;
            let Ok(ranks) = serde_json::from_str::<Vec<ApprovedRank>>(&ranking) else {
                continue;
            };
            if let Some(rank) = ranks.iter().find(|x| x.project_id == project_id) {
                let date: String = r.get(1)?;
                let mut e = StoryEntry::new(
                    date.clone(),
                    StoryKind::Ranked,
                    format!("priority_approvals:{}", r.get::<_, i64>(0)?),
                );
                e.count = Some(i64::from(rank.rank));
                push(date, e);
            }
        }
    }

    // The PAC's adopting votes and visas (versions voted, executable or since superseded).
    {
        let mut stmt = tx.prepare(
            "SELECT s.id, s.kind, s.date, s.reference, v.number, s.illustrative
             FROM procedure_steps s JOIN pac_versions v ON v.id = s.version_id
             LEFT JOIN council_votes c ON c.step_id = s.id
             WHERE v.status IN ('voted', 'executable', 'superseded')
               AND ((s.kind = 'vote' AND c.result = 'adopted') OR s.kind = 'visa')
             ORDER BY s.date, s.id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let kind = if r.get::<_, String>(1)? == "vote" {
                StoryKind::Vote
            } else {
                StoryKind::Visa
            };
            let date: String = r.get(2)?;
            let mut e = StoryEntry::new(
                date.clone(),
                kind,
                format!("procedure_steps:{}", r.get::<_, i64>(0)?),
            );
            e.text_ar = r.get(3)?;
            e.text_fr = e.text_ar.clone();
            e.count = Some(r.get(4)?);
            e.illustrative = r.get(5)?;
            push(date, e);
        }
    }

    // The execution records, their amounts (all funders) and funding sources.
    let mut amounts: HashMap<i64, (Mad, Mad, Mad)> = HashMap::new();
    {
        let mut stmt = tx.prepare(
            "SELECT a.record_id, a.programmed, a.committed, a.paid FROM execution_amounts a
             JOIN execution_records r ON r.id = a.record_id WHERE r.project_id = ?1",
        )?;
        let mut rows = stmt.query([project_id])?;
        while let Some(r) = rows.next()? {
            let t = amounts.entry(r.get(0)?).or_default();
            t.0 += stored_mad(&r.get::<_, String>(1)?)?;
            t.1 += stored_mad(&r.get::<_, String>(2)?)?;
            t.2 += stored_mad(&r.get::<_, String>(3)?)?;
        }
    }
    let mut funding: HashMap<i64, (Vec<String>, Vec<String>)> = HashMap::new();
    {
        let mut stmt = tx.prepare(
            "SELECT f.record_id, f.kind, f.budget_year, f.label, f.amount FROM execution_funding f
             JOIN execution_records r ON r.id = f.record_id WHERE r.project_id = ?1
             ORDER BY f.record_id, f.position",
        )?;
        let mut rows = stmt.query([project_id])?;
        while let Some(r) = rows.next()? {
            let labels = row::code::<FundingKind>(r, 1)?.labels();
            let year = r
                .get::<_, Option<i32>>(2)?
                .map(|y| format!(" {y}"))
                .unwrap_or_default();
            let label: String = r.get(3)?;
            let label = if label.is_empty() {
                String::new()
            } else {
                format!(" ({label})")
            };
            let amount = match r.get::<_, Option<String>>(4)? {
                Some(t) => format!(": {}", stored_mad(&t)?.format_fr()),
                None => String::new(),
            };
            let f = funding.entry(r.get(0)?).or_default();
            f.0.push(format!("{}{year}{label}{amount}", labels.ar));
            f.1.push(format!("{}{year}{label}{amount}", labels.fr));
        }
    }
    let mut last_payment: Option<(i32, i64, Mad, bool)> = None;
    {
        let mut stmt = tx.prepare(
            "SELECT id, year, status, status_reason, start_date, end_date, provisional_reception,
                    final_reception, note, illustrative
             FROM execution_records WHERE project_id = ?1 ORDER BY year",
        )?;
        let mut rows = stmt.query([project_id])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let year: i32 = r.get(1)?;
            let illustrative: bool = r.get(9)?;
            let source = format!("execution_records:{id}");
            let mut e = StoryEntry::new(year.to_string(), StoryKind::Record, source.clone());
            e.status = Some(row::code::<ExecutionStatus>(r, 2)?);
            let (programmed, committed, paid) = amounts.get(&id).copied().unwrap_or_default();
            e.programmed = Some(programmed);
            e.committed = Some(committed);
            e.paid = Some(paid);
            let (ar, fr) = funding.remove(&id).unwrap_or_default();
            let reason: String = r.get(3)?;
            let note: String = r.get(8)?;
            let extra: Vec<String> = [reason, note]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect();
            e.text_ar = ar
                .into_iter()
                .chain(extra.iter().cloned())
                .collect::<Vec<_>>()
                .join(" | ");
            e.text_fr = fr.into_iter().chain(extra).collect::<Vec<_>>().join(" | ");
            e.illustrative = illustrative;
            push(format!("{year}-00-00"), e);
            for (col, kind) in [
                (4, StoryKind::Started),
                (5, StoryKind::Ended),
                (6, StoryKind::ProvisionalReception),
                (7, StoryKind::FinalReception),
            ] {
                if let Some(date) = r.get::<_, Option<String>>(col)? {
                    let mut e = StoryEntry::new(date.clone(), kind, source.clone());
                    e.illustrative = illustrative;
                    push(date, e);
                }
            }
            if paid.0 > rust_decimal::Decimal::ZERO {
                last_payment = Some((year, id, paid, illustrative));
            }
        }
    }
    if let Some((year, id, paid, illustrative)) = last_payment {
        let mut e = StoryEntry::new(
            year.to_string(),
            StoryKind::LastPayment,
            format!("execution_records:{id}"),
        );
        e.paid = Some(paid);
        e.illustrative = illustrative;
        push(format!("{year}-99-99"), e);
    }

    // Documents referred to (dated, or by their budget year).
    {
        let mut stmt = tx.prepare(
            "SELECT id, year, kind, number, dated, label, illustrative FROM execution_documents
             WHERE project_id = ?1 AND (dated IS NOT NULL OR year IS NOT NULL) ORDER BY id",
        )?;
        let mut rows = stmt.query([project_id])?;
        while let Some(r) = rows.next()? {
            let (date, key) = match (r.get::<_, Option<String>>(4)?, r.get::<_, Option<i32>>(1)?) {
                (Some(d), _) => (d.clone(), d),
                (None, Some(y)) => (y.to_string(), format!("{y}-00-01")),
                (None, None) => continue,
            };
            let mut e = StoryEntry::new(
                date,
                StoryKind::Document,
                format!("execution_documents:{}", r.get::<_, i64>(0)?),
            );
            e.document = Some(row::code::<ExecutionDocumentKind>(r, 2)?);
            let number: String = r.get(3)?;
            let label: String = r.get(5)?;
            e.text_ar = [number, label]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" — ");
            e.text_fr = e.text_ar.clone();
            e.illustrative = r.get(6)?;
            push(key, e);
        }
    }

    // The office's timeline.
    {
        let mut stmt = tx.prepare(
            "SELECT id, happened_on, text_ar, text_fr, illustrative FROM project_timeline
             WHERE project_id = ?1 ORDER BY happened_on, id",
        )?;
        let mut rows = stmt.query([project_id])?;
        while let Some(r) = rows.next()? {
            let date: String = r.get(1)?;
            let mut e = StoryEntry::new(
                date.clone(),
                StoryKind::Timeline,
                format!("project_timeline:{}", r.get::<_, i64>(0)?),
            );
            e.text_ar = r.get(2)?;
            let fr: String = r.get(3)?;
            e.text_fr = if fr.is_empty() { e.text_ar.clone() } else { fr };
            e.illustrative = r.get(4)?;
            push(date, e);
        }
    }

    // The indicators' values reached, each against the target of its year (or the last).
    {
        let mut stmt = tx.prepare(
            "SELECT i.id, i.label_ar, i.label_fr, i.unit, v.year, v.value, v.illustrative,
                    COALESCE(
                        (SELECT t.value FROM indicator_targets t
                         WHERE t.indicator_id = i.id AND t.year = v.year),
                        (SELECT t.value FROM indicator_targets t
                         WHERE t.indicator_id = i.id ORDER BY t.year DESC LIMIT 1))
             FROM indicator_values v JOIN project_indicators i ON i.id = v.indicator_id
             WHERE i.project_id = ?1 ORDER BY v.year, i.position",
        )?;
        let mut rows = stmt.query([project_id])?;
        while let Some(r) = rows.next()? {
            let year: i32 = r.get(4)?;
            let mut e = StoryEntry::new(
                year.to_string(),
                StoryKind::IndicatorValue,
                format!("indicator_values:{}:{year}", r.get::<_, i64>(0)?),
            );
            let (ar, fr, unit, value): (String, String, String, String) =
                (r.get(1)?, r.get(2)?, r.get(3)?, r.get(5)?);
            let target = r
                .get::<_, Option<String>>(7)?
                .map(|t| format!(" / {t}"))
                .unwrap_or_default();
            e.text_ar = format!("{ar}: {value}{target} {unit}")
                .trim_end()
                .to_string();
            let fr = if fr.is_empty() { ar } else { fr };
            e.text_fr = format!("{fr}: {value}{target} {unit}")
                .trim_end()
                .to_string();
            e.illustrative = r.get(6)?;
            push(format!("{year}-99-98"), e);
        }
    }

    entries.sort_by(|(ka, a), (kb, b)| ka.cmp(kb).then(a.kind.cmp(&b.kind)));
    let project = trace.project;
    Ok(Some(ProjectStory {
        project_id,
        number: project.input.number,
        title_ar: project.input.title_ar,
        title_fr: project.input.title_fr,
        progress,
        entries: entries.into_iter().map(|(_, e)| e).collect(),
    }))
}
