//! The procedure's dated steps and its rules (issue 14). A rule never blocks a write: a late
//! dispatch is recorded and shown, with its reason or as "reason missing"; everything that is
//! missing or late is one list ([`rules`]), computed on read from the steps, the bodies'
//! opinions, the settings and today's date.
//!
//! The rules: the draft reaches the bodies at least `dispatch_days_before_session` (30) days
//! before the session that votes it (Decree 2.16.301 art. 10; the session is the vote's date,
//! or a planned `council_session` step's before the vote); an ordinary session sits in
//! February, May or October; the vote carries every body's opinion (art. 11); the quorum (more
//! than half the members); the visa's deadline, `visa_deadline_days` from the date sent to the
//! governor. The vote and the governor's answer change the version (freeze, executable, a new
//! draft), so they have their own writes here, each one transaction with its audit entry.

use std::collections::HashSet;

use rusqlite::{OptionalExtension, Transaction, params};
use tachkhis_shared::{
    api::procedure::{
        GovernorInput, MAX_NOTE_CHARS, MAX_REFERENCE_CHARS, ProcedureRule, ProcedureSettings,
        ProcedureView, RuleItem, RuleStatus, SessionKind, Step, StepDone, StepInput, StepKind,
        Version, VersionKind, VersionStatus, VisaInput, VisaOutcome, VoteDetails, VoteInput,
        VoteResult, WARN_DAYS_AHEAD, date_of_day, day_number, month_of, ordinary_month,
    },
    codes::ErrorCode,
};

use super::attachments;
use crate::{
    db::{
        now_secs,
        row::{code, opt_code},
    },
    http::error::{AppError, AppResult},
    users::auth::{self, AuthUser},
};

fn invalid(message: impl Into<String>) -> AppError {
    AppError::bad_request(ErrorCode::InvalidProcedure, message)
}

fn invalid_vote(message: impl Into<String>) -> AppError {
    AppError::bad_request(ErrorCode::InvalidVote, message)
}

fn state(message: impl Into<String>) -> AppError {
    AppError::ConflictCode(ErrorCode::VersionState, message.into())
}

/// Today's date on the server (UTC), the day the rules are checked on.
pub fn today() -> i64 {
    now_secs().div_euclid(86_400)
}

/// The steps recorded through [`create_step`]; the vote and the governor's steps have their
/// own writes, which change the version.
fn plain_kind(kind: &StepKind) -> bool {
    matches!(
        kind,
        StepKind::LaunchMeeting
            | StepKind::Diagnosis
            | StepKind::Ranking
            | StepKind::BureauApproval
            | StepKind::SentToBodies
            | StepKind::CouncilSession
    )
}

fn order_of(kind: &StepKind) -> usize {
    StepKind::ALL
        .iter()
        .position(|k| k == kind)
        .unwrap_or(StepKind::ALL.len())
}

pub fn settings(tx: &Transaction<'_>) -> AppResult<ProcedureSettings> {
    let read = |key: &str, default: u32| -> AppResult<u32> {
        let v: Option<String> = tx
            .query_row(
                "SELECT value FROM procedure_settings WHERE key = ?1",
                [key],
                |r| r.get(0),
            )
            .optional()?;
        Ok(v.and_then(|v| v.parse().ok()).unwrap_or(default))
    };
    Ok(ProcedureSettings {
        visa_deadline_days: read("visa_deadline_days", 20)?,
        dispatch_days_before_session: read("dispatch_days_before_session", 30)?,
    })
}

/// Most days a setting may hold (a year).
pub const MAX_SETTING_DAYS: u32 = 366;

/// Sets the procedure's settings (1 to 366 days each). Audited.
pub fn set_settings(
    tx: &Transaction<'_>,
    user: &AuthUser,
    s: &ProcedureSettings,
) -> AppResult<ProcedureSettings> {
    for (field, v) in [
        ("visa_deadline_days", s.visa_deadline_days),
        (
            "dispatch_days_before_session",
            s.dispatch_days_before_session,
        ),
    ] {
        if v == 0 || v > MAX_SETTING_DAYS {
            return Err(invalid(format!(
                "{field}: between 1 and {MAX_SETTING_DAYS} days"
            )));
        }
        tx.execute(
            "INSERT INTO procedure_settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![field, v.to_string()],
        )?;
    }
    auth::audit(
        tx,
        Some(user.id),
        "procedure_settings",
        None,
        Some(&format!(
            "visa_deadline_days={}, dispatch_days_before_session={}",
            s.visa_deadline_days, s.dispatch_days_before_session
        )),
    )?;
    settings(tx)
}

const STEP_SQL: &str = "SELECT s.id, v.number, s.kind, s.body_id, b.name_ar, s.date, s.end_date,
        s.reference, s.note, s.late_reason, s.session_kind, u.username, s.recorded_at,
        s.illustrative, cv.session_kind, cv.members_total, cv.members_present, cv.votes_for,
        cv.votes_against, cv.abstentions, cv.result, a.id, a.sha256, a.content_type,
        a.file_name, a.size, a.uploaded_at
    FROM procedure_steps s
    JOIN pac_versions v ON v.id = s.version_id
    LEFT JOIN bodies b ON b.id = s.body_id
    LEFT JOIN users u ON u.id = s.recorded_by
    LEFT JOIN council_votes cv ON cv.step_id = s.id
    LEFT JOIN attachments a ON a.id = s.attachment_id";

fn step_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Step> {
    let vote = match r.get::<_, Option<String>>(14)? {
        Some(kind) => Some(VoteDetails {
            session_kind: SessionKind::parse(&kind),
            members_total: r.get(15)?,
            members_present: r.get(16)?,
            votes_for: r.get(17)?,
            votes_against: r.get(18)?,
            abstentions: r.get(19)?,
            result: code(r, 20)?,
        }),
        None => None,
    };
    let attachment = match r.get::<_, Option<i64>>(21)? {
        Some(id) => Some(tachkhis_shared::api::procedure::Attachment {
            id,
            sha256: r.get(22)?,
            content_type: r.get(23)?,
            file_name: r.get(24)?,
            size: r.get(25)?,
            uploaded_at: r.get(26)?,
        }),
        None => None,
    };
    Ok(Step {
        id: r.get(0)?,
        version: r.get(1)?,
        kind: code(r, 2)?,
        body_id: r.get(3)?,
        body_name: r.get(4)?,
        date: r.get(5)?,
        end_date: r.get(6)?,
        reference: r.get(7)?,
        note: r.get(8)?,
        late_reason: r.get(9)?,
        session_kind: opt_code(r, 10)?,
        recorded_by: r.get(11)?,
        recorded_at: r.get(12)?,
        illustrative: r.get(13)?,
        vote,
        attachment,
    })
}

/// A version's steps in the procedure's order (by date, then kind).
pub fn steps_of(tx: &Transaction<'_>, version_id: i64) -> AppResult<Vec<Step>> {
    let mut steps: Vec<Step> = tx
        .prepare_cached(&format!("{STEP_SQL} WHERE s.version_id = ?1"))?
        .query_map([version_id], step_row)?
        .collect::<Result<_, _>>()?;
    steps.sort_by(|a, b| {
        (&a.date, order_of(&a.kind), a.id).cmp(&(&b.date, order_of(&b.kind), b.id))
    });
    Ok(steps)
}

fn step(tx: &Transaction<'_>, id: i64) -> AppResult<Option<Step>> {
    Ok(tx
        .query_row(&format!("{STEP_SQL} WHERE s.id = ?1"), [id], step_row)
        .optional()?)
}

fn step_version_id(tx: &Transaction<'_>, step_id: i64) -> AppResult<Option<i64>> {
    Ok(tx
        .query_row(
            "SELECT version_id FROM procedure_steps WHERE id = ?1",
            [step_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// A body not retired, with whether it gave an opinion on the version.
fn bodies_with_opinion(
    tx: &Transaction<'_>,
    version_id: i64,
) -> AppResult<Vec<(i64, String, bool)>> {
    Ok(tx
        .prepare_cached(
            "SELECT b.id, b.name_ar,
                    EXISTS (SELECT 1 FROM opinions o WHERE o.body_id = b.id AND o.version_id = ?1)
             FROM bodies b WHERE b.retired = 0 ORDER BY b.position, b.id",
        )?
        .query_map([version_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?)
}

fn item(rule: ProcedureRule, status: RuleStatus, detail: String) -> RuleItem {
    RuleItem {
        rule,
        status,
        step_kind: None,
        step_id: None,
        body_id: None,
        body_name: None,
        due: None,
        late_reason: None,
        days: None,
        detail,
    }
}

/// What is missing or late on `version`, checked on day `today` (days since 1970), most
/// urgent first.
pub fn rules(
    version: &Version,
    steps: &[Step],
    bodies: &[(i64, String, bool)],
    settings: &ProcedureSettings,
    today: i64,
) -> Vec<RuleItem> {
    let mut out = Vec::new();
    let open = matches!(version.status, VersionStatus::Draft | VersionStatus::Voted);
    let closed = matches!(
        version.status,
        VersionStatus::Refused | VersionStatus::Superseded
    );
    let of = |k: StepKind| steps.iter().filter(move |s| s.kind == k);
    let adopted = of(StepKind::Vote).find(|s| {
        s.vote
            .as_ref()
            .is_some_and(|v| v.result == VoteResult::Adopted)
    });
    let last_vote = of(StepKind::Vote).next_back();
    // The session that votes, counted from its opening: the latest session recorded on or
    // before the adopting vote (a session may open days before it votes), else the vote's
    // own date; with no adopted vote, the latest planned session, else the last vote.
    let session: Option<&str> = match adopted {
        Some(vote) => of(StepKind::CouncilSession)
            .rfind(|s| s.date <= vote.date)
            .map(|s| s.date.as_str())
            .or(Some(vote.date.as_str())),
        None => of(StepKind::CouncilSession)
            .next_back()
            .or(last_vote)
            .map(|s| s.date.as_str()),
    };
    let d = i64::from(settings.dispatch_days_before_session);

    // Decree art. 10: the dispatch at least D days before the session.
    let dispatches: Vec<&Step> = of(StepKind::SentToBodies).collect();
    if let Some(session) = session.and_then(|s| day_number(s).map(|n| (s, n))) {
        let due = session.1 - d;
        for s in &dispatches {
            let Some(sent) = day_number(&s.date) else {
                continue;
            };
            if session.1 - sent < d {
                let mut i = item(
                    ProcedureRule::DispatchBeforeSession,
                    if s.late_reason
                        .as_deref()
                        .is_some_and(|r| !r.trim().is_empty())
                    {
                        RuleStatus::Late
                    } else {
                        RuleStatus::ReasonMissing
                    },
                    format!(
                        "sent to the bodies on {}, {} days before the session of {} \
                         (at least {d} required)",
                        s.date,
                        session.1 - sent,
                        session.0
                    ),
                );
                i.step_kind = Some(StepKind::SentToBodies);
                i.step_id = Some(s.id);
                i.body_id = s.body_id;
                i.body_name = s.body_name.clone();
                i.due = Some(date_of_day(due));
                i.late_reason = s.late_reason.clone();
                i.days = Some(sent - due);
                out.push(i);
            }
        }
        if dispatches.is_empty() && !closed {
            let mut i = item(
                ProcedureRule::DispatchBeforeSession,
                if today > due {
                    RuleStatus::Overdue
                } else {
                    RuleStatus::Upcoming
                },
                format!(
                    "send the draft to the bodies by {} ({d} days before the session of {})",
                    date_of_day(due),
                    session.0
                ),
            );
            i.step_kind = Some(StepKind::SentToBodies);
            i.due = Some(date_of_day(due));
            i.days = Some(today - due);
            out.push(i);
        }
    }

    // Ordinary sessions: February, May, October.
    let mut seen = HashSet::new();
    for s in steps {
        let kind = match (&s.kind, &s.vote) {
            (StepKind::Vote, Some(v)) => Some(&v.session_kind),
            (StepKind::CouncilSession, _) => {
                Some(s.session_kind.as_ref().unwrap_or(&SessionKind::Ordinary))
            }
            _ => None,
        };
        if kind == Some(&SessionKind::Ordinary)
            && month_of(&s.date).is_some_and(|m| !ordinary_month(m))
            && seen.insert(s.date.clone())
        {
            let mut i = item(
                ProcedureRule::SessionMonth,
                RuleStatus::Warning,
                format!(
                    "an ordinary session on {} is outside February, May and October \
                     (record it as extraordinary if it was)",
                    s.date
                ),
            );
            i.step_kind = Some(s.kind.clone());
            i.step_id = Some(s.id);
            out.push(i);
        }
    }

    // Decree art. 11: the vote carries every body's opinion.
    if !closed {
        for (id, name, _) in bodies.iter().filter(|b| !b.2) {
            let (status, due) = match (adopted, session.and_then(day_number)) {
                (Some(_), _) => (RuleStatus::Warning, None),
                (None, Some(s)) if today > s => (RuleStatus::Overdue, Some(s)),
                (None, Some(s)) => (RuleStatus::Upcoming, Some(s)),
                (None, None) => (RuleStatus::Upcoming, None),
            };
            if !open && adopted.is_none() {
                continue;
            }
            let mut i = item(
                ProcedureRule::BodyOpinion,
                status,
                if adopted.is_some() {
                    format!("voted without an opinion from {name}")
                } else {
                    format!("no opinion from {name} yet; the vote carries it")
                },
            );
            i.body_id = Some(*id);
            i.body_name = Some(name.clone());
            i.due = due.map(date_of_day);
            i.days = due.map(|d| today - d);
            out.push(i);
        }
    }

    // The quorum: more than half the members.
    if let Some(s) = last_vote
        && let Some(v) = &s.vote
        && u64::from(v.members_present) * 2 <= u64::from(v.members_total)
    {
        let mut i = item(
            ProcedureRule::Quorum,
            RuleStatus::Warning,
            format!(
                "{} members present of {}: the quorum (more than half) was not met",
                v.members_present, v.members_total
            ),
        );
        i.step_kind = Some(StepKind::Vote);
        i.step_id = Some(s.id);
        out.push(i);
    }

    // The visa's deadline from the date sent.
    let sent = of(StepKind::SentToGovernor).next_back();
    let answer = steps.iter().find(|s| {
        matches!(
            s.kind,
            StepKind::Visa | StepKind::VisaRefused | StepKind::RedeliberationRequested
        )
    });
    if let Some(sent) = sent
        && let Some(sent_day) = day_number(&sent.date)
    {
        let due = sent_day + i64::from(settings.visa_deadline_days);
        match answer.and_then(|a| day_number(&a.date).map(|n| (a, n))) {
            Some((a, n)) if n > due => {
                let mut i = item(
                    ProcedureRule::VisaDeadline,
                    RuleStatus::Late,
                    format!(
                        "the governor answered on {}, after the deadline of {}",
                        a.date,
                        date_of_day(due)
                    ),
                );
                i.step_kind = Some(a.kind.clone());
                i.step_id = Some(a.id);
                i.due = Some(date_of_day(due));
                i.late_reason = a.late_reason.clone();
                i.days = Some(n - due);
                out.push(i);
            }
            Some(_) => {}
            None if version.status == VersionStatus::Voted => {
                let left = due - today;
                let status = if left < 0 {
                    RuleStatus::Overdue
                } else {
                    RuleStatus::Upcoming
                };
                let mut i = item(
                    ProcedureRule::VisaDeadline,
                    status,
                    if left < 0 {
                        format!(
                            "the visa's deadline ({}) is past: sent on {}",
                            date_of_day(due),
                            sent.date
                        )
                    } else {
                        format!(
                            "the governor's answer is due by {} ({left} days left{})",
                            date_of_day(due),
                            if left <= WARN_DAYS_AHEAD {
                                ", soon"
                            } else {
                                ""
                            }
                        )
                    },
                );
                i.step_kind = Some(StepKind::Visa);
                i.due = Some(date_of_day(due));
                i.days = Some(today - due);
                out.push(i);
            }
            None => {}
        }
    }

    // Steps not recorded. Past ones (a later step exists) are gaps in the record; the next
    // ones are what comes.
    if !closed {
        let mut expected: Vec<StepKind> = match version.kind {
            VersionKind::Initial => vec![
                StepKind::LaunchMeeting,
                StepKind::Diagnosis,
                StepKind::Ranking,
                StepKind::BureauApproval,
            ],
            _ => vec![StepKind::BureauApproval],
        };
        if dispatches.is_empty() && session.is_none() {
            expected.push(StepKind::SentToBodies);
        }
        if adopted.is_none() {
            if session.is_none() {
                expected.push(StepKind::CouncilSession);
            }
            expected.push(StepKind::Vote);
        } else if sent.is_none() && version.status == VersionStatus::Voted {
            expected.push(StepKind::SentToGovernor);
        }
        let latest = steps.iter().map(|s| order_of(&s.kind)).max();
        for kind in expected {
            if steps.iter().any(|s| s.kind == kind) {
                continue;
            }
            let gap = latest.is_some_and(|l| l > order_of(&kind));
            if !open && !gap {
                continue;
            }
            let mut i = item(
                ProcedureRule::StepMissing,
                if gap {
                    RuleStatus::Warning
                } else {
                    RuleStatus::Upcoming
                },
                format!("no '{}' step recorded", kind.code()),
            );
            i.step_kind = Some(kind);
            out.push(i);
        }
    }

    let weight = |s: &RuleStatus| match s {
        RuleStatus::Overdue => 0,
        RuleStatus::ReasonMissing => 1,
        RuleStatus::Warning => 2,
        RuleStatus::Upcoming => 3,
        RuleStatus::Late => 4,
        RuleStatus::Unknown(_) => 5,
    };
    out.sort_by(|a, b| {
        (weight(&a.status), a.due.is_none(), &a.due).cmp(&(
            weight(&b.status),
            b.due.is_none(),
            &b.due,
        ))
    });
    out
}

/// The rules of one version as they stand today.
pub fn rules_of(tx: &Transaction<'_>, version: &Version) -> AppResult<Vec<RuleItem>> {
    let steps = steps_of(tx, version.id)?;
    let bodies = bodies_with_opinion(tx, version.id)?;
    Ok(rules(version, &steps, &bodies, &settings(tx)?, today()))
}

/// `GET /api/procedure`: the version asked (by number), else the current one.
pub fn view(tx: &Transaction<'_>, number: Option<i64>) -> AppResult<ProcedureView> {
    let version = match number {
        Some(n) => super::version_or_404(tx, n)?,
        None => super::current(tx)?,
    };
    let steps = steps_of(tx, version.id)?;
    let bodies = bodies_with_opinion(tx, version.id)?;
    let settings = settings(tx)?;
    let today = today();
    let rules = rules(&version, &steps, &bodies, &settings, today);
    let live_differs = version.status != VersionStatus::Draft
        && super::draft(tx)?.is_none()
        && super::live_differs(tx)?;
    Ok(ProcedureView {
        versions: super::list_versions(tx)?,
        version,
        steps,
        rules,
        settings,
        today: date_of_day(today),
        live_differs,
    })
}

fn check_text(field: &str, text: &str, max: usize) -> AppResult<()> {
    if text.chars().count() > max {
        return Err(invalid(format!("{field}: at most {max} characters")));
    }
    Ok(())
}

fn check_date(field: &str, date: &str) -> AppResult<()> {
    if day_number(date).is_none() {
        return Err(invalid(format!(
            "{field}: '{date}' is not a date (YYYY-MM-DD)"
        )));
    }
    Ok(())
}

fn check_common(
    tx: &Transaction<'_>,
    date: &str,
    reference: &str,
    note: &str,
    attachment_id: Option<i64>,
) -> AppResult<()> {
    check_date("date", date)?;
    check_text("reference", reference, MAX_REFERENCE_CHARS)?;
    check_text("note", note, MAX_NOTE_CHARS)?;
    attachments::check_exists(tx, attachment_id)
}

/// Checks a plain step's input (400 naming the field).
fn check_input(tx: &Transaction<'_>, input: &StepInput) -> AppResult<()> {
    if !plain_kind(&input.kind) {
        return Err(invalid(format!(
            "kind: '{}' is recorded through the vote or the governor's forms, or is unknown",
            input.kind.code()
        )));
    }
    check_common(
        tx,
        &input.date,
        &input.reference,
        &input.note,
        input.attachment_id,
    )?;
    if let Some(r) = &input.late_reason {
        check_text("late_reason", r, MAX_NOTE_CHARS)?;
    }
    match (&input.end_date, &input.kind) {
        (Some(end), StepKind::Diagnosis | StepKind::Ranking) => {
            check_date("end_date", end)?;
            if end < &input.date {
                return Err(invalid("end_date: before the date"));
            }
        }
        (Some(_), _) => return Err(invalid("end_date: only a period (diagnosis, ranking) ends")),
        (None, _) => {}
    }
    if let Some(body) = input.body_id {
        if input.kind != StepKind::SentToBodies {
            return Err(invalid("body_id: only a dispatch to the bodies names one"));
        }
        let known: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM bodies WHERE id = ?1)",
            [body],
            |r| r.get(0),
        )?;
        if !known {
            return Err(invalid(format!("body_id: no body {body}")));
        }
    }
    match &input.session_kind {
        Some(k) if !k.is_known() => Err(invalid("session_kind: ordinary or extraordinary")),
        Some(_) if input.kind != StepKind::CouncilSession => {
            Err(invalid("session_kind: only a council session has one"))
        }
        _ => Ok(()),
    }
}

fn clean_reason(r: &Option<String>) -> Option<String> {
    r.as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string)
}

fn done(
    tx: &Transaction<'_>,
    step_id: i64,
    version_id: i64,
    new_draft: Option<Version>,
) -> AppResult<StepDone> {
    let version = super::version_by_id(tx, version_id)?;
    Ok(StepDone {
        step: step(tx, step_id)?.ok_or_else(|| AppError::internal("step vanished"))?,
        rules: rules_of(tx, &version)?,
        version,
        new_draft,
    })
}

/// Records a plain step on the version asked, else the current one. Audited.
pub fn create_step(
    tx: &Transaction<'_>,
    user: &AuthUser,
    input: &StepInput,
) -> AppResult<StepDone> {
    check_input(tx, input)?;
    let version = match input.version {
        Some(n) => super::version_by_number(tx, n)?
            .ok_or_else(|| invalid(format!("version: no version {n}")))?,
        None => super::current(tx)?,
    };
    let session_kind = match input.kind {
        StepKind::CouncilSession => {
            Some(input.session_kind.clone().unwrap_or(SessionKind::Ordinary))
        }
        _ => None,
    };
    tx.execute(
        "INSERT INTO procedure_steps (version_id, kind, body_id, date, end_date, reference, note,
                                      late_reason, session_kind, attachment_id, recorded_by,
                                      recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            version.id,
            input.kind.code(),
            input.body_id,
            input.date,
            input.end_date,
            input.reference.trim(),
            input.note.trim(),
            clean_reason(&input.late_reason),
            session_kind.as_ref().map(|k| k.code().to_string()),
            input.attachment_id,
            user.id,
            now_secs()
        ],
    )?;
    let id = tx.last_insert_rowid();
    auth::audit(
        tx,
        Some(user.id),
        "procedure_step_create",
        Some(&format!("step:{id}")),
        Some(&format!(
            "version {}: {} {}",
            version.number,
            input.kind.code(),
            input.date
        )),
    )?;
    done(tx, id, version.id, None)
}

/// Changes a step: its date, reference, note, late reason, attachment… (its kind stays).
/// A corrected date keeps the order that recording the steps checked: the vote, then the
/// dispatch to the governor, then the governor's answer (the visa's deadline is counted
/// between the last two).
fn check_order(
    tx: &Transaction<'_>,
    version_id: i64,
    kind: &StepKind,
    date: &str,
) -> AppResult<()> {
    let steps = steps_of(tx, version_id)?;
    let first = |k: StepKind| steps.iter().find(|s| s.kind == k).map(|s| s.date.clone());
    let answer = steps
        .iter()
        .find(|s| {
            matches!(
                s.kind,
                StepKind::Visa | StepKind::VisaRefused | StepKind::RedeliberationRequested
            )
        })
        .map(|s| s.date.clone());
    match kind {
        StepKind::Vote => {
            if let Some(sent) = first(StepKind::SentToGovernor)
                && date > sent.as_str()
            {
                return Err(invalid(format!(
                    "date: after it was sent to the governor on {sent}"
                )));
            }
        }
        StepKind::SentToGovernor => {
            if let Some(voted) = adopted_on(tx, version_id)?
                && date < voted.as_str()
            {
                return Err(invalid(format!("date: before the vote of {voted}")));
            }
            if let Some(answer) = answer
                && date > answer.as_str()
            {
                return Err(invalid(format!(
                    "date: after the governor's answer of {answer}"
                )));
            }
        }
        StepKind::Visa | StepKind::VisaRefused | StepKind::RedeliberationRequested => {
            if let Some(sent) = first(StepKind::SentToGovernor)
                && date < sent.as_str()
            {
                return Err(invalid(format!(
                    "date: before it was sent to the governor on {sent}"
                )));
            }
        }
        _ => {}
    }
    Ok(())
}

/// A vote's counts are not changed here. Audited.
pub fn update_step(
    tx: &Transaction<'_>,
    user: &AuthUser,
    id: i64,
    input: &StepInput,
) -> AppResult<StepDone> {
    let old = step(tx, id)?.ok_or_else(|| AppError::NotFound(format!("no step {id}")))?;
    if old.kind != input.kind {
        return Err(invalid(format!(
            "kind: a step's kind stays '{}' (delete it and record another)",
            old.kind.code()
        )));
    }
    if plain_kind(&input.kind) {
        check_input(tx, input)?;
    } else {
        check_common(
            tx,
            &input.date,
            &input.reference,
            &input.note,
            input.attachment_id,
        )?;
        if input.end_date.is_some() || input.body_id.is_some() || input.session_kind.is_some() {
            return Err(invalid(
                "end_date, body_id, session_kind: not on this kind of step",
            ));
        }
        if let Some(r) = &input.late_reason {
            check_text("late_reason", r, MAX_NOTE_CHARS)?;
        }
    }
    let version_id = step_version_id(tx, id)?.ok_or_else(|| AppError::internal("no version"))?;
    check_order(tx, version_id, &input.kind, &input.date)?;
    let session_kind = match input.kind {
        StepKind::CouncilSession => Some(
            input
                .session_kind
                .clone()
                .or(old.session_kind)
                .unwrap_or(SessionKind::Ordinary),
        ),
        _ => None,
    };
    tx.execute(
        "UPDATE procedure_steps SET body_id = ?2, date = ?3, end_date = ?4, reference = ?5,
                note = ?6, late_reason = ?7, session_kind = ?8, attachment_id = ?9,
                recorded_by = ?10, recorded_at = ?11, illustrative = 0
         WHERE id = ?1",
        params![
            id,
            input.body_id,
            input.date,
            input.end_date,
            input.reference.trim(),
            input.note.trim(),
            clean_reason(&input.late_reason),
            session_kind.as_ref().map(|k| k.code().to_string()),
            input.attachment_id,
            user.id,
            now_secs()
        ],
    )?;
    auth::audit(
        tx,
        Some(user.id),
        "procedure_step_update",
        Some(&format!("step:{id}")),
        Some(&format!(
            "{} {} (was {})",
            input.kind.code(),
            input.date,
            old.date
        )),
    )?;
    done(tx, id, version_id, None)
}

/// Deletes a step recorded by mistake. The vote and the governor's answer changed the version
/// (frozen, executable, a new draft): those stay (409). Audited.
pub fn delete_step(tx: &Transaction<'_>, user: &AuthUser, id: i64) -> AppResult<ProcedureView> {
    let old = step(tx, id)?.ok_or_else(|| AppError::NotFound(format!("no step {id}")))?;
    let changed_state = match &old.kind {
        StepKind::Vote => old
            .vote
            .as_ref()
            .is_some_and(|v| v.result == VoteResult::Adopted),
        StepKind::Visa | StepKind::VisaRefused | StepKind::RedeliberationRequested => true,
        _ => false,
    };
    if changed_state {
        return Err(state(format!(
            "the '{}' step changed version {}'s state: it is kept (correct its date or \
             reference instead)",
            old.kind.code(),
            old.version
        )));
    }
    tx.execute("DELETE FROM procedure_steps WHERE id = ?1", [id])?;
    auth::audit(
        tx,
        Some(user.id),
        "procedure_step_delete",
        Some(&format!("step:{id}")),
        Some(&format!(
            "version {}: {} {}",
            old.version,
            old.kind.code(),
            old.date
        )),
    )?;
    view(tx, Some(old.version))
}

/// Checks a vote (400 `invalid_vote` naming the field).
pub fn check_vote(v: &VoteInput) -> AppResult<()> {
    if !v.session_kind.is_known() {
        return Err(invalid_vote("session_kind: ordinary or extraordinary"));
    }
    if !v.result.is_known() {
        return Err(invalid_vote("result: adopted or rejected"));
    }
    if v.members_total == 0 {
        return Err(invalid_vote("members_total: the council has members"));
    }
    if v.members_present > v.members_total {
        return Err(invalid_vote(format!(
            "members_present: {} present of {} members",
            v.members_present, v.members_total
        )));
    }
    let cast = u64::from(v.votes_for) + u64::from(v.votes_against) + u64::from(v.abstentions);
    if cast > u64::from(v.members_present) {
        return Err(invalid_vote(format!(
            "votes_for: for, against and abstentions add up to {cast}, more than the {} \
             members present",
            v.members_present
        )));
    }
    // Law 113.14: decisions by the majority of the votes cast (abstentions not counted).
    let majority = v.votes_for > v.votes_against;
    match (&v.result, majority) {
        (VoteResult::Adopted, false) => Err(invalid_vote(format!(
            "result: adopted with {} for and {} against (a majority of votes cast is needed)",
            v.votes_for, v.votes_against
        ))),
        (VoteResult::Rejected, true) => Err(invalid_vote(format!(
            "result: rejected with {} for and {} against",
            v.votes_for, v.votes_against
        ))),
        _ => Ok(()),
    }
}

/// The council's session and vote on the draft (409 without one); adopted freezes it.
pub fn record_vote(tx: &Transaction<'_>, user: &AuthUser, v: &VoteInput) -> AppResult<StepDone> {
    check_common(tx, &v.date, &v.reference, &v.note, v.attachment_id)?;
    check_vote(v)?;
    let draft = super::draft(tx)?
        .ok_or_else(|| state("no draft is open: the council votes a draft version"))?;
    let id = insert_step(
        tx,
        user,
        draft.id,
        StepKind::Vote,
        &v.date,
        &v.reference,
        &v.note,
        v.attachment_id,
    )?;
    tx.execute(
        "INSERT INTO council_votes (step_id, session_kind, members_total, members_present,
                                    votes_for, votes_against, abstentions, result)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            id,
            v.session_kind.code(),
            v.members_total,
            v.members_present,
            v.votes_for,
            v.votes_against,
            v.abstentions,
            v.result.code()
        ],
    )?;
    if v.result == VoteResult::Adopted {
        super::freeze(tx, Some(user), draft.id)?;
    }
    auth::audit(
        tx,
        Some(user.id),
        "council_vote",
        Some(&format!("version:{}", draft.number)),
        Some(&format!(
            "{} {} ({} for, {} against, {} abstentions; {} present of {})",
            v.result.code(),
            v.date,
            v.votes_for,
            v.votes_against,
            v.abstentions,
            v.members_present,
            v.members_total
        )),
    )?;
    done(tx, id, draft.id, None)
}

#[allow(clippy::too_many_arguments)]
fn insert_step(
    tx: &Transaction<'_>,
    user: &AuthUser,
    version_id: i64,
    kind: StepKind,
    date: &str,
    reference: &str,
    note: &str,
    attachment_id: Option<i64>,
) -> AppResult<i64> {
    tx.execute(
        "INSERT INTO procedure_steps (version_id, kind, date, reference, note, attachment_id,
                                      recorded_by, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            version_id,
            kind.code(),
            date,
            reference.trim(),
            note.trim(),
            attachment_id,
            user.id,
            now_secs()
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

/// The voted version awaiting the governor (the newest `voted`), or 409.
fn awaiting_governor(tx: &Transaction<'_>) -> AppResult<Version> {
    let id: Option<i64> = tx
        .query_row(
            "SELECT id FROM pac_versions WHERE status = 'voted' ORDER BY number DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let id = id.ok_or_else(|| state("no voted version awaits the governor"))?;
    super::version_by_id(tx, id)
}

fn adopted_on(tx: &Transaction<'_>, version_id: i64) -> AppResult<Option<String>> {
    Ok(tx
        .query_row(
            "SELECT s.date FROM procedure_steps s JOIN council_votes c ON c.step_id = s.id
             WHERE s.version_id = ?1 AND c.result = 'adopted' ORDER BY s.date DESC LIMIT 1",
            [version_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// The voted version sent to the governor (once; 409 when sent already). Audited.
pub fn send_to_governor(
    tx: &Transaction<'_>,
    user: &AuthUser,
    g: &GovernorInput,
) -> AppResult<StepDone> {
    check_common(tx, &g.date, &g.reference, &g.note, g.attachment_id)?;
    let version = awaiting_governor(tx)?;
    if steps_of(tx, version.id)?
        .iter()
        .any(|s| s.kind == StepKind::SentToGovernor)
    {
        return Err(state(format!(
            "version {} was sent to the governor already (correct that step's date instead)",
            version.number
        )));
    }
    if let Some(voted) = adopted_on(tx, version.id)?
        && g.date < voted
    {
        return Err(invalid(format!("date: before the vote of {voted}")));
    }
    let id = insert_step(
        tx,
        user,
        version.id,
        StepKind::SentToGovernor,
        &g.date,
        &g.reference,
        &g.note,
        g.attachment_id,
    )?;
    auth::audit(
        tx,
        Some(user.id),
        "pac_sent_to_governor",
        Some(&format!("version:{}", version.number)),
        Some(&g.date),
    )?;
    done(tx, id, version.id, None)
}

/// The governor's answer on the version sent: the visa makes it executable (the older
/// executable superseded); a refusal makes it `refused` and opens an `after_refusal` draft; a
/// request to deliberate again makes it `superseded` by a `redeliberation` draft. Audited.
pub fn record_visa(tx: &Transaction<'_>, user: &AuthUser, v: &VisaInput) -> AppResult<StepDone> {
    check_common(tx, &v.date, &v.reference, &v.note, v.attachment_id)?;
    if !v.outcome.is_known() {
        return Err(invalid("outcome: visa, refused or redeliberation"));
    }
    let version = awaiting_governor(tx)?;
    let steps = steps_of(tx, version.id)?;
    let sent = steps
        .iter()
        .find(|s| s.kind == StepKind::SentToGovernor)
        .ok_or_else(|| {
            state(format!(
                "version {} was not sent to the governor yet (record that first)",
                version.number
            ))
        })?;
    if v.date < sent.date {
        return Err(invalid(format!(
            "date: before it was sent to the governor on {}",
            sent.date
        )));
    }
    let kind = match v.outcome {
        VisaOutcome::Visa => StepKind::Visa,
        VisaOutcome::Refused => StepKind::VisaRefused,
        _ => StepKind::RedeliberationRequested,
    };
    let id = insert_step(
        tx,
        user,
        version.id,
        kind.clone(),
        &v.date,
        &v.reference,
        &v.note,
        v.attachment_id,
    )?;
    let reason = |what: &str| {
        let note = v.note.trim();
        if note.is_empty() {
            format!("{what} {} ({})", v.date, v.reference.trim())
        } else {
            format!("{what} {}: {note}", v.date)
        }
    };
    let new_draft = match v.outcome {
        VisaOutcome::Visa => {
            super::make_executable(tx, version.id)?;
            None
        }
        VisaOutcome::Refused => {
            super::set_status(tx, version.id, VersionStatus::Refused)?;
            Some(super::open_draft(
                tx,
                Some(user),
                Some(version.id),
                VersionKind::AfterRefusal,
                &reason("visa refused on"),
                false,
            )?)
        }
        _ => {
            super::set_status(tx, version.id, VersionStatus::Superseded)?;
            Some(super::open_draft(
                tx,
                Some(user),
                Some(version.id),
                VersionKind::Redeliberation,
                &reason("deliberation asked again on"),
                false,
            )?)
        }
    };
    auth::audit(
        tx,
        Some(user.id),
        "pac_governor_answer",
        Some(&format!("version:{}", version.number)),
        Some(&format!("{} {}", kind.code(), v.date)),
    )?;
    done(tx, id, version.id, new_draft)
}
