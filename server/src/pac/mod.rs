//! The PAC's versions (issue 14): at most one `draft` (the live programme tables); a vote
//! `adopted` freezes it (`voted`, with a `snapshot` of every project as it stood); the visa
//! makes it `executable` (the older executable `superseded`); a refused visa makes it
//! `refused` and opens an `after_refusal` draft, a request to deliberate again a
//! `redeliberation` draft, and the secretariat opens an `update` draft with its reason.
//! Any two versions compare per project number, and a frozen version against the live
//! programme. The procedure's steps and rules are in [`procedure`], signed documents in
//! [`attachments`]; handlers in `http::routes::procedure` only check the table and call these.

pub mod attachments;
pub mod procedure;

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, Transaction, params};
use tachkhis_shared::{
    api::procedure::{
        Comparison, FieldChange, OpenVersionInput, ProjectChange, Snapshot, SnapshotProject,
        SnapshotTotals, Version, VersionKind, VersionStatus,
    },
    codes::ErrorCode,
    money::Mad,
};

use crate::{
    db::{now_secs, row::code},
    http::error::{AppError, AppResult},
    users::auth::{self, AuthUser},
};

/// Longest reason for opening a version, in characters.
pub const MAX_REASON_CHARS: usize = 2000;

const VERSION_SQL: &str = "SELECT v.id, v.number, p.number, v.kind, v.status, v.reason,
        v.opened_at, uo.username, v.frozen_at, uf.username, v.snapshot IS NOT NULL,
        v.illustrative
    FROM pac_versions v
    LEFT JOIN pac_versions p ON p.id = v.parent_id
    LEFT JOIN users uo ON uo.id = v.opened_by
    LEFT JOIN users uf ON uf.id = v.frozen_by";

fn version_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Version> {
    Ok(Version {
        id: r.get(0)?,
        number: r.get(1)?,
        parent: r.get(2)?,
        kind: code(r, 3)?,
        status: code(r, 4)?,
        reason: r.get(5)?,
        opened_at: r.get(6)?,
        opened_by: r.get(7)?,
        frozen_at: r.get(8)?,
        frozen_by: r.get(9)?,
        frozen: r.get(10)?,
        illustrative: r.get(11)?,
    })
}

/// Every version, newest first.
pub fn list_versions(tx: &Transaction<'_>) -> AppResult<Vec<Version>> {
    Ok(tx
        .prepare_cached(&format!("{VERSION_SQL} ORDER BY v.number DESC"))?
        .query_map([], version_row)?
        .collect::<Result<_, _>>()?)
}

pub fn version_by_number(tx: &Transaction<'_>, number: i64) -> AppResult<Option<Version>> {
    Ok(tx
        .query_row(
            &format!("{VERSION_SQL} WHERE v.number = ?1"),
            [number],
            version_row,
        )
        .optional()?)
}

/// A version by number, or 404.
pub fn version_or_404(tx: &Transaction<'_>, number: i64) -> AppResult<Version> {
    version_by_number(tx, number)?.ok_or_else(|| AppError::NotFound(format!("no version {number}")))
}

pub fn version_by_id(tx: &Transaction<'_>, id: i64) -> AppResult<Version> {
    tx.query_row(&format!("{VERSION_SQL} WHERE v.id = ?1"), [id], version_row)
        .optional()?
        .ok_or_else(|| AppError::internal(format!("version id {id} vanished")))
}

/// The draft, if one is open.
pub fn draft(tx: &Transaction<'_>) -> AppResult<Option<Version>> {
    Ok(tx
        .query_row(
            &format!("{VERSION_SQL} WHERE v.status = 'draft'"),
            [],
            version_row,
        )
        .optional()?)
}

/// The version the procedure screen opens on: the draft, else the newest.
pub fn current(tx: &Transaction<'_>) -> AppResult<Version> {
    if let Some(d) = draft(tx)? {
        return Ok(d);
    }
    tx.query_row(
        &format!("{VERSION_SQL} ORDER BY v.number DESC LIMIT 1"),
        [],
        version_row,
    )
    .optional()?
    .ok_or_else(|| AppError::internal("no PAC version (migration 0016 inserts the first)"))
}

/// Opens a new draft from `parent` (409 `draft_exists` while one is open). Audited.
pub fn open_draft(
    tx: &Transaction<'_>,
    user: Option<&AuthUser>,
    parent: Option<i64>,
    kind: VersionKind,
    reason: &str,
    illustrative: bool,
) -> AppResult<Version> {
    if let Some(d) = draft(tx)? {
        return Err(AppError::ConflictCode(
            ErrorCode::DraftExists,
            format!(
                "version {} is a draft already: one draft at a time (vote it first)",
                d.number
            ),
        ));
    }
    let number: i64 = tx.query_row(
        "SELECT COALESCE(MAX(number), 0) + 1 FROM pac_versions",
        [],
        |r| r.get(0),
    )?;
    let user_id = user.map(|u| u.id);
    tx.execute(
        "INSERT INTO pac_versions (number, parent_id, kind, status, reason, opened_at, opened_by,
                                   illustrative)
         VALUES (?1, ?2, ?3, 'draft', ?4, ?5, ?6, ?7)",
        params![
            number,
            parent,
            kind.code(),
            reason,
            now_secs(),
            user_id,
            illustrative
        ],
    )?;
    let id = tx.last_insert_rowid();
    auth::audit(
        tx,
        user_id,
        "pac_version_open",
        Some(&format!("version:{number}")),
        Some(&format!("{}: {reason}", kind.code())),
    )?;
    version_by_id(tx, id)
}

/// The secretariat opens an `update` draft from the newest version (the PAC's update from
/// its third year): the reason is required.
pub fn open_update(
    tx: &Transaction<'_>,
    user: &AuthUser,
    input: &OpenVersionInput,
) -> AppResult<Version> {
    let reason = input.reason.trim();
    if reason.is_empty() {
        return Err(AppError::bad_request(
            ErrorCode::InvalidProcedure,
            "reason: say why the programme is updated",
        ));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(AppError::bad_request(
            ErrorCode::InvalidProcedure,
            format!("reason: at most {MAX_REASON_CHARS} characters"),
        ));
    }
    // The update from the third year (issue 15, plan3; Law 113.14 art. 78): not before the
    // PAC's third year (its mandate's first year + 2), by the server's date.
    let mandate_start: Option<i32> = tx
        .query_row("SELECT mandate_start FROM communes LIMIT 1", [], |r| {
            r.get(0)
        })
        .optional()?
        .flatten();
    if let Some(start) = mandate_start {
        let year: i32 = tachkhis_shared::api::procedure::date_of_day(procedure::today())[..4]
            .parse()
            .unwrap_or(i32::MAX);
        if year < start + 2 {
            return Err(AppError::ConflictCode(
                ErrorCode::VersionState,
                format!(
                    "the PAC is updated from its third year: {} for a programme starting in \
                     {start}, not in {year}",
                    start + 2
                ),
            ));
        }
    }
    // A voted version awaiting the governor's answer keeps the next draft for that answer: a
    // refusal or a request to deliberate again opens it, and could not if an update had.
    let awaiting: Option<i64> = tx
        .query_row(
            "SELECT number FROM pac_versions WHERE status = 'voted' ORDER BY number DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(number) = awaiting {
        return Err(AppError::ConflictCode(
            ErrorCode::VersionState,
            format!(
                "version {number} is voted and awaits the governor's answer: record the visa, \
                 its refusal or a request to deliberate again first"
            ),
        ));
    }
    let parent = current(tx)?;
    open_draft(
        tx,
        Some(user),
        Some(parent.id),
        VersionKind::Update,
        reason,
        false,
    )
}

/// Freezes the draft `version_id` as voted: its snapshot of the live programme, who, when.
pub fn freeze(tx: &Transaction<'_>, user: Option<&AuthUser>, version_id: i64) -> AppResult<()> {
    let snapshot = serde_json::to_string(&live_snapshot(tx)?).map_err(AppError::internal)?;
    // The document as voted: read here, in the vote's transaction, after its step and
    // counts are written (its later steps are read live when it is printed).
    let document = Some(crate::document::frozen_json(tx)?);
    tx.execute(
        "UPDATE pac_versions SET status = 'voted', frozen_at = ?2, frozen_by = ?3,
                snapshot = ?4, document = ?5
         WHERE id = ?1 AND status = 'draft'",
        params![
            version_id,
            now_secs(),
            user.map(|u| u.id),
            snapshot,
            document
        ],
    )?;
    Ok(())
}

/// Sets a version's status (the visa, a refusal).
pub fn set_status(tx: &Transaction<'_>, version_id: i64, status: VersionStatus) -> AppResult<()> {
    tx.execute(
        "UPDATE pac_versions SET status = ?2 WHERE id = ?1",
        params![version_id, status.code()],
    )?;
    Ok(())
}

/// The visa: this version executable, any older executable one superseded.
pub fn make_executable(tx: &Transaction<'_>, version_id: i64) -> AppResult<()> {
    tx.execute(
        "UPDATE pac_versions SET status = 'superseded'
         WHERE status = 'executable' AND id <> ?1",
        [version_id],
    )?;
    set_status(tx, version_id, VersionStatus::Executable)
}

/// Every project of the live programme as a frozen version keeps it, ranked by the saved
/// ranking, in number order.
pub fn live_snapshot(tx: &Transaction<'_>) -> AppResult<Snapshot> {
    let ranks: BTreeMap<i64, (u32, u64)> = crate::priorities::ranking(tx)?
        .into_iter()
        .map(|r| (r.project_id, (r.rank, r.total)))
        .collect();
    let mut stmt = tx.prepare(
        "SELECT p.id, p.number, p.title_ar, p.title_fr, COALESCE(a.name_ar, ''),
                COALESCE(g.name_ar, ''), p.commune_contribution, p.partners_contribution,
                p.start_year, p.end_year
         FROM projects p
         LEFT JOIN programmes g ON g.id = p.programme_id
         LEFT JOIN axes a ON a.id = g.axis_id
         ORDER BY p.number",
    )?;
    let projects = stmt
        .query_map([], |r| {
            let id: i64 = r.get(0)?;
            let commune = crate::programme::db_mad(r.get(6)?)?;
            let partners = crate::programme::db_mad(r.get(7)?)?;
            let total = match (&commune, &partners) {
                (None, None) => None,
                (c, p) => Some(c.unwrap_or_default() + p.unwrap_or_default()),
            };
            let rank = ranks.get(&id);
            Ok(SnapshotProject {
                number: r.get(1)?,
                title_ar: r.get(2)?,
                title_fr: r.get(3)?,
                axis_ar: r.get(4)?,
                programme_ar: r.get(5)?,
                commune,
                partners,
                total,
                rank: rank.map(|r| r.0),
                score: rank.map(|r| r.1),
                start_year: r.get(8)?,
                end_year: r.get(9)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let totals = totals(&projects);
    Ok(Snapshot { projects, totals })
}

fn totals(projects: &[SnapshotProject]) -> SnapshotTotals {
    let sum = |f: fn(&SnapshotProject) -> &Option<Mad>| -> Mad {
        projects.iter().filter_map(|p| *f(p)).sum()
    };
    SnapshotTotals {
        projects: projects.len() as i64,
        commune: sum(|p| &p.commune),
        partners: sum(|p| &p.partners),
        total: sum(|p| &p.total),
    }
}

/// A frozen version's snapshot (`None` for a draft never frozen).
pub fn snapshot_of(tx: &Transaction<'_>, version_id: i64) -> AppResult<Option<Snapshot>> {
    let text: Option<String> = tx.query_row(
        "SELECT snapshot FROM pac_versions WHERE id = ?1",
        [version_id],
        |r| r.get(0),
    )?;
    text.map(|t| serde_json::from_str(&t).map_err(AppError::internal))
        .transpose()
}

/// The snapshot a comparison reads: the frozen one, or the live programme for the draft.
fn comparable(tx: &Transaction<'_>, v: &Version) -> AppResult<Snapshot> {
    match snapshot_of(tx, v.id)? {
        Some(s) => Ok(s),
        None if v.status == VersionStatus::Draft => live_snapshot(tx),
        None => Err(AppError::ConflictCode(
            ErrorCode::VersionState,
            format!("version {} holds no snapshot", v.number),
        )),
    }
}

/// Compares version `from` with version `to`, or with the live programme (`to` = `None`).
pub fn comparison(tx: &Transaction<'_>, from: i64, to: Option<i64>) -> AppResult<Comparison> {
    let a = comparable(tx, &version_or_404(tx, from)?)?;
    let b = match to {
        Some(n) => comparable(tx, &version_or_404(tx, n)?)?,
        None => live_snapshot(tx)?,
    };
    Ok(compare(from, to, &a, &b))
}

fn shown<T: ToString>(v: &Option<T>) -> Option<String> {
    v.as_ref().map(ToString::to_string)
}

/// Per project number: added, removed, and for those in both, each field that differs.
pub fn compare(from: i64, to: Option<i64>, a: &Snapshot, b: &Snapshot) -> Comparison {
    let old: BTreeMap<i64, &SnapshotProject> = a.projects.iter().map(|p| (p.number, p)).collect();
    let new: BTreeMap<i64, &SnapshotProject> = b.projects.iter().map(|p| (p.number, p)).collect();
    let added = new
        .iter()
        .filter(|(n, _)| !old.contains_key(n))
        .map(|(_, p)| (*p).clone())
        .collect();
    let removed = old
        .iter()
        .filter(|(n, _)| !new.contains_key(n))
        .map(|(_, p)| (*p).clone())
        .collect();
    let mut changed = Vec::new();
    for (n, o) in &old {
        let Some(p) = new.get(n) else { continue };
        let fields: [(&str, Option<String>, Option<String>); 8] = [
            (
                "title_ar",
                Some(o.title_ar.clone()),
                Some(p.title_ar.clone()),
            ),
            (
                "programme_ar",
                Some(o.programme_ar.clone()),
                Some(p.programme_ar.clone()),
            ),
            ("commune", shown(&o.commune), shown(&p.commune)),
            ("partners", shown(&o.partners), shown(&p.partners)),
            ("total", shown(&o.total), shown(&p.total)),
            ("rank", shown(&o.rank), shown(&p.rank)),
            ("start_year", shown(&o.start_year), shown(&p.start_year)),
            ("end_year", shown(&o.end_year), shown(&p.end_year)),
        ];
        let changes: Vec<FieldChange> = fields
            .into_iter()
            .filter(|(_, x, y)| x != y)
            .map(|(field, from, to)| FieldChange {
                field: field.to_string(),
                from,
                to,
            })
            .collect();
        if !changes.is_empty() {
            changed.push(ProjectChange {
                number: *n,
                title_ar: p.title_ar.clone(),
                changes,
            });
        }
    }
    Comparison {
        from,
        to,
        added,
        removed,
        changed,
        totals_from: a.totals.clone(),
        totals_to: b.totals.clone(),
    }
}

/// Whether the live programme differs from the newest frozen version (the procedure screen
/// says so when no draft is open).
pub fn live_differs(tx: &Transaction<'_>) -> AppResult<bool> {
    let newest_frozen: Option<i64> = tx
        .query_row(
            "SELECT id FROM pac_versions WHERE snapshot IS NOT NULL ORDER BY number DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let Some(id) = newest_frozen else {
        return Ok(false);
    };
    let Some(frozen) = snapshot_of(tx, id)? else {
        return Ok(false);
    };
    let live = live_snapshot(tx)?;
    Ok(frozen.projects != live.projects)
}

/// The demo's procedure on version 1 (called from `demo.rs`): the seed's dates (launch
/// 21/06/2022, diagnosis July-September 2022, ranking October-November 2022, the vote on
/// 07/02/2023 at the ordinary February session, the visa on 11/07/2023); what the seed does
/// not give (the bureau's approval, the dispatch to the bodies and to the governor, every
/// reference, the vote's counts) is made up and marked `illustrative = 1`. Version 1 is frozen
/// from the demo programme and made executable; no draft follows it.
/// (kind, date, end, reference, note, illustrative)
type DemoStep<'a> = (&'a str, &'a str, Option<&'a str>, &'a str, &'a str, bool);

pub fn load_demo(tx: &Transaction<'_>) -> AppResult<()> {
    let v1: i64 = tx.query_row(
        "SELECT id FROM pac_versions WHERE number = 1 AND status = 'draft'",
        [],
        |r| r.get(0),
    )?;
    let now = now_secs();
    let steps: [DemoStep<'_>; 8] = [
        (
            "launch_meeting",
            "2022-06-21",
            None,
            "",
            "اللقاء التواصلي لإطلاق إعداد البرنامج",
            false,
        ),
        (
            "diagnosis",
            "2022-07-01",
            Some("2022-09-30"),
            "",
            "التشخيص التشاركي (يوليوز - شتنبر 2022)",
            false,
        ),
        (
            "ranking",
            "2022-10-01",
            Some("2022-11-30"),
            "",
            "ترتيب الأولويات (أكتوبر - نونبر 2022)",
            false,
        ),
        (
            "bureau_approval",
            "2022-12-01",
            None,
            "محضر رقم 12/2022 (توضيحي)",
            "",
            true,
        ),
        (
            "sent_to_bodies",
            "2022-12-05",
            None,
            "إرسالية رقم 345 (توضيحي)",
            "اللجان: دجنبر 2022 - يناير 2023",
            true,
        ),
        (
            "vote",
            "2023-02-07",
            None,
            "مقرر رقم 01/2023 (توضيحي)",
            "دورة فبراير العادية",
            true,
        ),
        (
            "sent_to_governor",
            "2023-06-23",
            None,
            "إرسالية رقم 58 (توضيحي)",
            "",
            true,
        ),
        (
            "visa",
            "2023-07-11",
            None,
            "تأشيرة رقم 2023/117 (توضيحي)",
            "",
            false,
        ),
    ];
    for (kind, date, end, reference, note, illustrative) in steps {
        tx.execute(
            "INSERT INTO procedure_steps (version_id, kind, date, end_date, reference, note,
                                          recorded_at, illustrative)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                v1,
                kind,
                date,
                end,
                reference,
                note,
                now,
                illustrative || !reference.is_empty()
            ],
        )?;
        if kind == "vote" {
            // Made up: the seed gives the date and the session, not the counts.
            tx.execute(
                "INSERT INTO council_votes (step_id, session_kind, members_total,
                                            members_present, votes_for, votes_against,
                                            abstentions, result)
                 VALUES (?1, 'ordinary', 23, 19, 17, 0, 2, 'adopted')",
                [tx.last_insert_rowid()],
            )?;
            freeze(tx, None, v1)?;
        }
    }
    make_executable(tx, v1)
}
