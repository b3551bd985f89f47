//! The annual evaluation report (issue 15, plan3): for a year, the projects planned (a record
//! of that year) against those executed, programmed against paid, the completion rates per
//! programme, axis, pole and douar (a project's poles and douars come from its sheet), the
//! delays and their causes (records suspended, awaiting execution, or still not executed
//! after their first planned year, with their reasons and timeline entries), the changes to
//! the programme (issue 14's versions compared) and the office's own text
//! (`evaluation_reports`). Printed the PAC document's way (`crate::document`'s helpers and
//! stylesheet), with SVG charts; also as XLSX tables. And the reminder: the evaluation of the
//! year before is due before the council's May session.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use rusqlite::{OptionalExtension, Transaction, params};
use rust_decimal::Decimal;
use tachkhis_shared::{
    api::{
        plan::{
            CompletionRow, DelayLine, Evaluation, EvaluationReminder, EvaluationText,
            MAX_TEXT_CHARS, TimelineNote,
        },
        procedure::{add_days, date_of_day, day_number},
    },
    codes::{ErrorCode, ExecutionStatus},
    money::Mad,
};

use super::{percent, stored_mad};
use crate::{
    db::{now_secs, row::code},
    document::{
        html::{Lang, amount, date, esc},
        svg,
    },
    export::{Cell, Table},
    http::error::{AppError, AppResult},
    pac,
    users::auth::{self, AuthUser},
};

/// Days before the session the reminder shows from.
pub const REMINDER_DAYS: i64 = 30;

fn bad(message: impl Into<String>) -> AppError {
    AppError::bad_request(ErrorCode::BadBody, message)
}

/// 400 for a year outside the schema's range.
pub fn check_year(year: i32) -> AppResult<()> {
    if !(2000..=2100).contains(&year) {
        return Err(AppError::bad_request(
            ErrorCode::BadQuery,
            format!("year: between 2000 and 2100, not {year}"),
        ));
    }
    Ok(())
}

/// One record of the year with what the groups need.
struct Rec {
    project_id: i64,
    status: ExecutionStatus,
    programmed: Mad,
    committed: Mad,
    paid: Mad,
}

/// A group being summed.
#[derive(Default)]
struct Acc {
    name_ar: String,
    name_fr: String,
    order: (i64, i64),
    planned: i64,
    executed: i64,
    programmed: Mad,
    paid: Mad,
}

impl Acc {
    fn take(&mut self, r: &Rec) {
        self.planned += 1;
        if r.status == ExecutionStatus::Executed {
            self.executed += 1;
        }
        self.programmed += r.programmed;
        self.paid += r.paid;
    }
}

fn rows_of(groups: BTreeMap<String, Acc>) -> Vec<CompletionRow> {
    let mut v: Vec<(String, Acc)> = groups.into_iter().collect();
    v.sort_by_key(|a| (a.0.is_empty(), a.1.order));
    v.into_iter()
        .map(|(key, a)| CompletionRow {
            key,
            name_ar: a.name_ar,
            name_fr: a.name_fr,
            planned: a.planned,
            executed: a.executed,
            completion_percent: percent(Decimal::from(a.executed), Decimal::from(a.planned)),
            programmed: a.programmed,
            paid: a.paid,
            paid_percent: percent(a.paid.0, a.programmed.0),
        })
        .collect()
}

/// Names of a group kind: id → (ar, fr, order).
type Names = HashMap<String, (String, String, (i64, i64))>;

fn names(tx: &Transaction<'_>, sql: &str) -> AppResult<Names> {
    Ok(tx
        .prepare(sql)?
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                (
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    (r.get::<_, i64>(3)?, r.get::<_, i64>(4)?),
                ),
            ))
        })?
        .collect::<Result<_, _>>()?)
}

/// Project id → the ids of its groups of one kind (from its sheet).
fn memberships(tx: &Transaction<'_>, sql: &str) -> AppResult<HashMap<i64, Vec<String>>> {
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    let mut stmt = tx.prepare(sql)?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
    for row in rows {
        let (p, g) = row?;
        out.entry(p).or_default().push(g);
    }
    Ok(out)
}

fn group_by(recs: &[Rec], member: &HashMap<i64, Vec<String>>, names: &Names) -> Vec<CompletionRow> {
    let mut groups: BTreeMap<String, Acc> = BTreeMap::new();
    for r in recs {
        let keys = member.get(&r.project_id).cloned().unwrap_or_default();
        let keys = if keys.is_empty() {
            vec![String::new()]
        } else {
            keys
        };
        for k in keys {
            let acc = groups.entry(k.clone()).or_insert_with(|| {
                let (ar, fr, order) = names.get(&k).cloned().unwrap_or_else(|| {
                    (
                        "بدون".to_string(),
                        "aucun".to_string(),
                        (i64::MAX, i64::MAX),
                    )
                });
                Acc {
                    name_ar: ar,
                    name_fr: fr,
                    order,
                    ..Acc::default()
                }
            });
            acc.take(r);
        }
    }
    rows_of(groups)
}

/// The office's text of a year's report (empty when none was written).
pub fn text(tx: &Transaction<'_>, year: i32) -> AppResult<EvaluationText> {
    Ok(tx
        .query_row(
            "SELECT summary_ar, summary_fr, changes_ar, changes_fr, session_date, presented_on
             FROM evaluation_reports WHERE year = ?1",
            [year],
            |r| {
                Ok(EvaluationText {
                    summary_ar: r.get(0)?,
                    summary_fr: r.get(1)?,
                    changes_ar: r.get(2)?,
                    changes_fr: r.get(3)?,
                    session_date: r.get(4)?,
                    presented_on: r.get(5)?,
                })
            },
        )
        .optional()?
        .unwrap_or_default())
}

/// The evaluation of `year`, from the execution records (amounts summed over funders).
pub fn evaluation(tx: &Transaction<'_>, year: i32) -> AppResult<Evaluation> {
    check_year(year)?;
    let mut recs: Vec<Rec> = Vec::new();
    let mut reasons: HashMap<i64, String> = HashMap::new();
    let illustrative: bool;
    {
        let mut stmt = tx.prepare(
            "SELECT r.project_id, r.status, r.status_reason, a.programmed, a.committed, a.paid
             FROM execution_records r LEFT JOIN execution_amounts a ON a.record_id = r.id
             WHERE r.year = ?1 ORDER BY r.project_id",
        )?;
        let rows = stmt.query_map([year], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                code::<ExecutionStatus>(r, 1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })?;
        for row in rows {
            let (project_id, status, reason, p, c, d) = row?;
            let read = |s: Option<String>| -> AppResult<Mad> {
                s.as_deref().map_or(Ok(Mad::zero()), stored_mad)
            };
            let (p, c, d) = (read(p)?, read(c)?, read(d)?);
            match recs.last_mut() {
                Some(last) if last.project_id == project_id => {
                    last.programmed += p;
                    last.committed += c;
                    last.paid += d;
                }
                _ => {
                    reasons.insert(project_id, reason);
                    recs.push(Rec {
                        project_id,
                        status,
                        programmed: p,
                        committed: c,
                        paid: d,
                    });
                }
            }
        }
        illustrative = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM execution_records WHERE year = ?1 AND illustrative)",
            [year],
            |r| r.get(0),
        )?;
    }
    let planned = recs.len() as i64;
    let executed = recs
        .iter()
        .filter(|r| r.status == ExecutionStatus::Executed)
        .count() as i64;
    let programmed: Mad = recs.iter().map(|r| r.programmed).sum();
    let committed: Mad = recs.iter().map(|r| r.committed).sum();
    let paid: Mad = recs.iter().map(|r| r.paid).sum();
    let mut by_status: BTreeMap<usize, (String, i64)> = BTreeMap::new();
    for r in &recs {
        let order = ExecutionStatus::ALL
            .iter()
            .position(|s| *s == r.status)
            .unwrap_or(usize::MAX);
        by_status
            .entry(order)
            .or_insert_with(|| (r.status.code().to_string(), 0))
            .1 += 1;
    }

    let programme_names = names(
        tx,
        "SELECT CAST(g.id AS TEXT), g.name_ar, g.name_fr, a.position, g.position
         FROM programmes g JOIN axes a ON a.id = g.axis_id",
    )?;
    let axis_names = names(
        tx,
        "SELECT CAST(id AS TEXT), name_ar, name_fr, position, 0 FROM axes",
    )?;
    let pole_names = names(tx, "SELECT id, name_ar, name_fr, position, 0 FROM poles")?;
    let douar_names = names(
        tx,
        "SELECT d.id, d.name_ar, d.name_fr, p.position, d.position
         FROM douars d JOIN poles p ON p.id = d.pole_id",
    )?;
    let by_programme = group_by(
        &recs,
        &memberships(
            tx,
            "SELECT id, CAST(programme_id AS TEXT) FROM projects WHERE programme_id IS NOT NULL",
        )?,
        &programme_names,
    );
    let by_axis = group_by(
        &recs,
        &memberships(
            tx,
            "SELECT p.id, CAST(g.axis_id AS TEXT) FROM projects p
             JOIN programmes g ON g.id = p.programme_id",
        )?,
        &axis_names,
    );
    let by_pole = group_by(
        &recs,
        &memberships(tx, "SELECT project_id, pole_id FROM project_poles")?,
        &pole_names,
    );
    let by_douar = group_by(
        &recs,
        &memberships(tx, "SELECT project_id, douar_id FROM project_douars")?,
        &douar_names,
    );

    let delays = delays(tx, year, &recs, &reasons)?;
    let changes = match tx
        .query_row(
            "SELECT number FROM pac_versions WHERE status <> 'draft' ORDER BY number DESC LIMIT 1",
            [],
            |r| r.get::<_, i64>(0),
        )
        .optional()?
    {
        // The newest frozen version against the programme as it stands.
        Some(n) => pac::comparison(tx, n, None).ok(),
        None => None,
    };
    Ok(Evaluation {
        year,
        planned,
        executed,
        completion_percent: percent(Decimal::from(executed), Decimal::from(planned)),
        programmed,
        committed,
        paid,
        paid_percent: percent(paid.0, programmed.0),
        by_status: by_status.into_values().collect(),
        by_programme,
        by_axis,
        by_pole,
        by_douar,
        delays,
        changes,
        text: text(tx, year)?,
        illustrative,
    })
}

/// The records of the year behind their plan: suspended or awaiting execution, or not
/// executed (nor dropped) in a year after the first one a record planned them.
fn delays(
    tx: &Transaction<'_>,
    year: i32,
    recs: &[Rec],
    reasons: &HashMap<i64, String>,
) -> AppResult<Vec<DelayLine>> {
    let mut out = Vec::new();
    let end = format!("{year}-12-31");
    for r in recs {
        let first: i32 = tx.query_row(
            "SELECT min(year) FROM execution_records WHERE project_id = ?1",
            [r.project_id],
            |x| x.get(0),
        )?;
        let late = match r.status {
            ExecutionStatus::Suspended | ExecutionStatus::AwaitingExecution => true,
            ExecutionStatus::Executed | ExecutionStatus::Dropped => false,
            _ => first < year,
        };
        if !late {
            continue;
        }
        let (number, title_ar, title_fr): (i64, String, String) = tx.query_row(
            "SELECT number, title_ar, title_fr FROM projects WHERE id = ?1",
            [r.project_id],
            |x| Ok((x.get(0)?, x.get(1)?, x.get(2)?)),
        )?;
        let timeline = tx
            .prepare_cached(
                "SELECT happened_on, text_ar, text_fr FROM project_timeline
                 WHERE project_id = ?1 AND happened_on <= ?2 ORDER BY happened_on, id",
            )?
            .query_map(params![r.project_id, end], |x| {
                Ok(TimelineNote {
                    happened_on: x.get(0)?,
                    text_ar: x.get(1)?,
                    text_fr: x.get(2)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        out.push(DelayLine {
            project_id: r.project_id,
            number,
            title_ar,
            title_fr,
            status: r.status.clone(),
            planned_year: first,
            years_late: year - first,
            reason: reasons.get(&r.project_id).cloned().unwrap_or_default(),
            timeline,
        });
    }
    out.sort_by_key(|d| (std::cmp::Reverse(d.years_late), d.number));
    Ok(out)
}

fn check_date(field: &str, d: &Option<String>) -> AppResult<Option<String>> {
    match d.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) if day_number(s).is_some() => Ok(Some(s.to_string())),
        Some(s) => Err(bad(format!("{field}: {s:?} is not a YYYY-MM-DD date"))),
    }
}

/// Writes the office's text of the year's report (summary, changes, the session it goes to,
/// the day it was presented). Audited with what changed.
pub fn set_text(
    tx: &Transaction<'_>,
    user: &AuthUser,
    year: i32,
    input: &EvaluationText,
) -> AppResult<Evaluation> {
    check_year(year)?;
    for (field, v) in [
        ("summary_ar", &input.summary_ar),
        ("summary_fr", &input.summary_fr),
        ("changes_ar", &input.changes_ar),
        ("changes_fr", &input.changes_fr),
    ] {
        if v.chars().count() > MAX_TEXT_CHARS {
            return Err(bad(format!("{field}: at most {MAX_TEXT_CHARS} characters")));
        }
    }
    let session = check_date("session_date", &input.session_date)?;
    let presented = check_date("presented_on", &input.presented_on)?;
    let before = text(tx, year)?;
    tx.execute(
        "INSERT INTO evaluation_reports (year, summary_ar, summary_fr, changes_ar, changes_fr,
                                         session_date, presented_on, updated_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (year) DO UPDATE SET summary_ar = excluded.summary_ar,
             summary_fr = excluded.summary_fr, changes_ar = excluded.changes_ar,
             changes_fr = excluded.changes_fr, session_date = excluded.session_date,
             presented_on = excluded.presented_on, updated_by = excluded.updated_by,
             updated_at = excluded.updated_at",
        params![
            year,
            input.summary_ar.trim(),
            input.summary_fr.trim(),
            input.changes_ar.trim(),
            input.changes_fr.trim(),
            session,
            presented,
            user.id,
            now_secs()
        ],
    )?;
    let after = text(tx, year)?;
    let json = |t: &EvaluationText| serde_json::to_string(t).unwrap_or_default();
    auth::audit(
        tx,
        Some(user.id),
        "evaluation_text",
        Some(&format!("evaluation:{year}")),
        Some(&format!(
            "before: {}; after: {}",
            json(&before),
            json(&after)
        )),
    )?;
    evaluation(tx, year)
}

/// The reminder on day `today` (a day number): the evaluation of the year before is due
/// before the session written on the report, else the first council session the procedure
/// recorded for this year, else May 1st (practice: the May session). Shown from
/// [`REMINDER_DAYS`] before it until the report is recorded as presented.
pub fn reminder(tx: &Transaction<'_>, today: i64) -> AppResult<Option<EvaluationReminder>> {
    let this_year: i32 = date_of_day(today)[..4].parse().unwrap_or(2000);
    let year = this_year - 1;
    let t = text(tx, year)?;
    if t.presented_on.is_some() {
        return Ok(None);
    }
    let planned: Option<String> = tx
        .query_row(
            "SELECT min(date) FROM procedure_steps
             WHERE kind = 'council_session' AND date BETWEEN ?1 AND ?2",
            params![format!("{this_year}-01-01"), format!("{this_year}-12-31")],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    let (session, source) = match (t.session_date, planned) {
        (Some(d), _) => (d, "report"),
        (None, Some(d)) => (d, "procedure"),
        (None, None) => (format!("{this_year}-05-01"), "practice"),
    };
    let Some(day) = day_number(&session) else {
        return Ok(None);
    };
    let from = add_days(&session, -REMINDER_DAYS).and_then(|d| day_number(&d));
    if from.is_some_and(|f| today < f) {
        return Ok(None);
    }
    Ok(Some(EvaluationReminder {
        year,
        session_date: session,
        source: source.to_string(),
        days_left: day - today,
    }))
}

/// The sections of the printed report: id, Arabic and French title.
pub const SECTIONS: [(&str, &str, &str); 6] = [
    ("summary", "ملخص", "Synthèse"),
    (
        "figures",
        "المشاريع المبرمجة والمنجزة",
        "Projets programmés et exécutés",
    ),
    ("completion", "نسب الإنجاز", "Taux de réalisation"),
    (
        "delays",
        "التأخيرات وأسبابها",
        "Les retards et leurs causes",
    ),
    (
        "changes",
        "تغييرات البرنامج وأسبابها",
        "Les changements du programme et leurs raisons",
    ),
    ("text", "ملاحظات المكتب", "Observations du bureau"),
];

/// A status code in words; a code this build does not know reads as itself (`labels` of
/// `Unknown`).
fn status_label(code_: &str, l: Lang) -> String {
    let labels = ExecutionStatus::parse(code_).labels();
    l.t(&labels.ar, &labels.fr).to_string()
}

fn pct(p: &Option<tachkhis_shared::api::monitoring::Quantity>) -> String {
    match p {
        Some(q) => format!("<span dir=\"ltr\">{}%</span>", q.0),
        None => "—".into(),
    }
}

/// The head of a printed page (the PAC document's stylesheet, its language and direction).
pub fn page_open(o: &mut String, l: Lang, title: &str, stylesheet: &str, class: &str) {
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"{}\" dir=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<link rel=\"stylesheet\" href=\"{}\">\n</head>\n\
         <body class=\"pac pac-{} {}\">\n",
        l.code(),
        l.dir(),
        esc(title),
        esc(stylesheet),
        l.code(),
        class
    );
}

/// Whole MAD, for a bar's length (the text beside it keeps the centimes).
fn whole(m: &Mad) -> i64 {
    m.0.trunc().try_into().unwrap_or(i64::MAX)
}

fn completion_chart(rows: &[CompletionRow], l: Lang, test: &str) -> String {
    let bars: Vec<svg::Row> = rows
        .iter()
        .map(|r| svg::Row {
            label: l.name(&r.name_ar, &r.name_fr).to_string(),
            bars: vec![
                svg::Bar {
                    class: "planned",
                    value: r.planned,
                    text: r.planned.to_string(),
                },
                svg::Bar {
                    class: "executed",
                    value: r.executed,
                    text: r.executed.to_string(),
                },
            ],
        })
        .collect();
    svg::chart(
        &bars,
        &[
            ("planned", l.t("مبرمجة", "Programmés")),
            ("executed", l.t("منجزة", "Exécutés")),
        ],
        true,
        l,
        test,
    )
}

fn money_chart(rows: &[CompletionRow], l: Lang, test: &str) -> String {
    let bars: Vec<svg::Row> = rows
        .iter()
        .map(|r| svg::Row {
            label: l.name(&r.name_ar, &r.name_fr).to_string(),
            bars: vec![
                svg::Bar {
                    class: "programmed",
                    value: whole(&r.programmed),
                    text: r.programmed.format_fr(),
                },
                svg::Bar {
                    class: "paid",
                    value: whole(&r.paid),
                    text: r.paid.format_fr(),
                },
            ],
        })
        .collect();
    svg::chart(
        &bars,
        &[
            ("programmed", l.t("المبرمج", "Programmé")),
            ("paid", l.t("المؤدى", "Payé")),
        ],
        true,
        l,
        test,
    )
}

fn completion_table(o: &mut String, rows: &[CompletionRow], l: Lang, head: &str, test: &str) {
    let _ = write!(
        o,
        "<table data-test=\"{test}\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>\
         <th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        head,
        l.t("مبرمجة", "Programmés"),
        l.t("منجزة", "Exécutés"),
        l.t("نسبة الإنجاز", "Taux de réalisation"),
        l.t("المبرمج (درهم)", "Programmé (DH)"),
        l.t("المؤدى (درهم)", "Payé (DH)"),
        l.t("نسبة الأداء", "Taux de paiement"),
    );
    for r in rows {
        let _ = write!(
            o,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td></tr>",
            esc(l.name(&r.name_ar, &r.name_fr)),
            r.planned,
            r.executed,
            pct(&r.completion_percent),
            amount(Some(&r.programmed)),
            amount(Some(&r.paid)),
            pct(&r.paid_percent),
        );
    }
    o.push_str("</tbody></table>\n");
}

fn paragraphs(o: &mut String, text: &str, l: Lang) {
    if text.trim().is_empty() {
        let _ = write!(
            o,
            "<p class=\"empty\">{}</p>",
            l.t(
                "لم يكتب المكتب شيئا بعد.",
                "Le bureau n'a encore rien écrit."
            )
        );
        return;
    }
    for p in text.split("\n\n").filter(|p| !p.trim().is_empty()) {
        let _ = write!(o, "<p>{}</p>", esc(p.trim()).replace('\n', "<br>"));
    }
}

/// The report as one printable page in Arabic (right to left) or French.
pub fn render(e: &Evaluation, commune: (&str, &str), l: Lang, stylesheet: &str) -> String {
    let mut o = String::with_capacity(64 * 1024);
    let title = format!(
        "{} {} — {}",
        l.t(
            "تقرير التقييم السنوي لبرنامج عمل الجماعة",
            "Rapport d'évaluation annuelle du PAC"
        ),
        e.year,
        l.name(commune.0, commune.1)
    );
    page_open(&mut o, l, &title, stylesheet, "evaluation");
    let _ = write!(
        o,
        "<header class=\"cover\" data-test=\"evaluation-cover\"><div class=\"kingdom\">{}</div>\
         <h1>{}</h1><div class=\"commune\">{}</div>",
        l.t("المملكة المغربية", "Royaume du Maroc"),
        esc(l.t(
            "تقرير التقييم السنوي لتنفيذ برنامج عمل الجماعة",
            "Rapport d'évaluation annuelle de l'exécution du PAC"
        )),
        esc(l.name(commune.0, commune.1)),
    );
    let _ = write!(
        o,
        "<div class=\"version\">{} <span dir=\"ltr\">{}</span></div>",
        l.t("سنة", "Année"),
        e.year
    );
    if let Some(d) = &e.text.session_date {
        let _ = write!(
            o,
            "<div class=\"version\">{} {}</div>",
            l.t(
                "يعرض على دورة المجلس بتاريخ",
                "Présenté au conseil en sa session du"
            ),
            date(d)
        );
    }
    if e.illustrative {
        let _ = write!(
            o,
            "<p class=\"illustrative-note\">{}</p>",
            l.t(
                "بعض معطيات التنفيذ توضيحية (معطيات تجريبية).",
                "Une partie des données d'exécution est illustrative (données de démonstration)."
            )
        );
    }
    o.push_str("</header>\n");
    for (i, (id, ar, fr)) in SECTIONS.iter().enumerate() {
        let _ = write!(
            o,
            "<section class=\"part\" id=\"s-{id}\" data-section=\"{id}\">\n\
             <h2><span class=\"n\">{}.</span> {}</h2>\n",
            i + 1,
            l.t(ar, fr)
        );
        match *id {
            "summary" => paragraphs(&mut o, l.t(&e.text.summary_ar, &e.text.summary_fr), l),
            "figures" => figures(&mut o, e, l),
            "completion" => completion(&mut o, e, l),
            "delays" => delays_html(&mut o, e, l),
            "changes" => changes_html(&mut o, e, l),
            _ => {
                let _ = write!(
                    o,
                    "<p class=\"hint\">{}</p>",
                    l.t(
                        "هذا التقرير مبني على سجلات التنفيذ لكل مشروع وسنة.",
                        "Ce rapport est établi à partir des fiches d'exécution par projet et par année."
                    )
                );
            }
        }
        o.push_str("</section>\n");
    }
    o.push_str("</body>\n</html>\n");
    o
}

fn figures(o: &mut String, e: &Evaluation, l: Lang) {
    let _ = write!(
        o,
        "<table class=\"facts\" data-test=\"evaluation-figures\"><tbody>\
         <tr><th>{}</th><td class=\"num\">{}</td></tr>\
         <tr><th>{}</th><td class=\"num\">{}</td></tr>\
         <tr><th>{}</th><td class=\"num\">{}</td></tr>\
         <tr><th>{}</th><td class=\"num\">{}</td></tr>\
         <tr><th>{}</th><td class=\"num\">{}</td></tr>\
         <tr><th>{}</th><td class=\"num\">{}</td></tr>\
         <tr><th>{}</th><td class=\"num\">{}</td></tr></tbody></table>",
        l.t("المشاريع المبرمجة", "Projets programmés"),
        e.planned,
        l.t("المشاريع المنجزة", "Projets exécutés"),
        e.executed,
        l.t("نسبة الإنجاز", "Taux de réalisation"),
        pct(&e.completion_percent),
        l.t("المبالغ المبرمجة (درهم)", "Montants programmés (DH)"),
        amount(Some(&e.programmed)),
        l.t("المبالغ الملتزم بها (درهم)", "Montants engagés (DH)"),
        amount(Some(&e.committed)),
        l.t("المبالغ المؤداة (درهم)", "Montants payés (DH)"),
        amount(Some(&e.paid)),
        l.t("نسبة الأداء", "Taux de paiement"),
        pct(&e.paid_percent),
    );
    let _ = write!(
        o,
        "<h3>{}</h3><table data-test=\"evaluation-status\"><thead><tr><th>{}</th><th>{}</th>\
         </tr></thead><tbody>",
        l.t("المشاريع حسب الوضعية", "Projets par état"),
        l.t("الوضعية", "État"),
        l.t("العدد", "Nombre")
    );
    for (s, n) in &e.by_status {
        let _ = write!(
            o,
            "<tr><td>{}</td><td class=\"num\">{n}</td></tr>",
            esc(&status_label(s, l))
        );
    }
    o.push_str("</tbody></table>\n");
}

fn completion(o: &mut String, e: &Evaluation, l: Lang) {
    for (rows, ar, fr, test) in [
        (
            &e.by_programme,
            "حسب البرنامج",
            "Par programme",
            "programme",
        ),
        (&e.by_axis, "حسب المحور", "Par axe", "axis"),
        (&e.by_pole, "حسب القطب", "Par pôle", "pole"),
        (&e.by_douar, "حسب الدوار", "Par douar", "douar"),
    ] {
        let _ = write!(o, "<h3>{}</h3>", l.t(ar, fr));
        if rows.is_empty() {
            let _ = write!(
                o,
                "<p class=\"empty\">{}</p>",
                l.t(
                    "لا سجل تنفيذ لهذه السنة.",
                    "Aucune fiche d'exécution pour cette année."
                )
            );
            continue;
        }
        completion_table(o, rows, l, l.t(ar, fr), &format!("completion-{test}"));
        if test == "programme" || test == "pole" {
            let _ = write!(
                o,
                "<figure class=\"chart\">{}<figcaption>{}</figcaption></figure>\
                 <figure class=\"chart\">{}<figcaption>{}</figcaption></figure>",
                completion_chart(rows, l, &format!("svg-completion-{test}")),
                l.t(
                    "المشاريع المبرمجة والمنجزة",
                    "Projets programmés et exécutés"
                ),
                money_chart(rows, l, &format!("svg-money-{test}")),
                l.t("المبرمج والمؤدى (درهم)", "Programmé et payé (DH)"),
            );
        }
    }
}

fn delays_html(o: &mut String, e: &Evaluation, l: Lang) {
    if e.delays.is_empty() {
        let _ = write!(
            o,
            "<p class=\"empty\">{}</p>",
            l.t("لا تأخير مسجل.", "Aucun retard enregistré.")
        );
        return;
    }
    let _ = write!(
        o,
        "<table data-test=\"evaluation-delays\"><thead><tr><th>{}</th><th>{}</th><th>{}</th>\
         <th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        l.t("رقم", "N°"),
        l.t("المشروع", "Projet"),
        l.t("الوضعية", "État"),
        l.t("السنة المبرمجة أولا", "Année prévue"),
        l.t("السبب", "Cause"),
        l.t("المراحل", "Chronologie"),
    );
    for d in &e.delays {
        let mut timeline = String::new();
        for t in &d.timeline {
            let _ = write!(
                timeline,
                "<div>{} {}</div>",
                date(&t.happened_on),
                esc(l.name(&t.text_ar, &t.text_fr))
            );
        }
        let _ = write!(
            o,
            "<tr><td class=\"num\">{}</td><td>{}</td><td class=\"late\">{}</td>\
             <td class=\"num\"><span dir=\"ltr\">{}</span></td><td>{}</td><td>{}</td></tr>",
            d.number,
            esc(l.name(&d.title_ar, &d.title_fr)),
            esc(&status_label(d.status.code(), l)),
            d.planned_year,
            esc(&d.reason),
            timeline
        );
    }
    o.push_str("</tbody></table>\n");
}

fn changes_html(o: &mut String, e: &Evaluation, l: Lang) {
    paragraphs(o, l.t(&e.text.changes_ar, &e.text.changes_fr), l);
    let Some(c) = &e.changes else {
        let _ = write!(
            o,
            "<p class=\"empty\">{}</p>",
            l.t(
                "لا نسخة مصادق عليها للمقارنة.",
                "Aucune version votée à comparer."
            )
        );
        return;
    };
    let _ = write!(
        o,
        "<h3>{} {} {}</h3>",
        l.t("مقارنة النسخة", "Comparaison de la version"),
        c.from,
        l.t("بالبرنامج الحالي", "avec le programme actuel")
    );
    if c.added.is_empty() && c.removed.is_empty() && c.changed.is_empty() {
        let _ = write!(
            o,
            "<p class=\"empty\">{}</p>",
            l.t("لا تغيير.", "Aucun changement.")
        );
        return;
    }
    let _ = write!(
        o,
        "<table data-test=\"evaluation-changes\"><thead><tr><th>{}</th><th>{}</th><th>{}</th>\
         </tr></thead><tbody>",
        l.t("رقم", "N°"),
        l.t("المشروع", "Projet"),
        l.t("التغيير", "Changement")
    );
    for p in &c.added {
        let _ = write!(
            o,
            "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            p.number,
            esc(l.name(&p.title_ar, &p.title_fr)),
            l.t("أضيف", "ajouté")
        );
    }
    for p in &c.removed {
        let _ = write!(
            o,
            "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            p.number,
            esc(l.name(&p.title_ar, &p.title_fr)),
            l.t("حذف", "retiré")
        );
    }
    for p in &c.changed {
        let what: Vec<String> = p
            .changes
            .iter()
            .map(|f| {
                format!(
                    "{}: {} → {}",
                    esc(&f.field),
                    esc(f.from.as_deref().unwrap_or("—")),
                    esc(f.to.as_deref().unwrap_or("—"))
                )
            })
            .collect();
        let _ = write!(
            o,
            "<tr><td class=\"num\">{}</td><td>{}</td><td dir=\"ltr\">{}</td></tr>",
            p.number,
            esc(&p.title_ar),
            what.join("<br>")
        );
    }
    o.push_str("</tbody></table>\n");
}

/// The report's tables as XLSX sheets: the figures, completion per programme, axis, pole and
/// douar, the delays.
pub fn xlsx_tables(e: &Evaluation) -> Vec<Table> {
    let mut figures = Table::new("figures", &["البيان", "القيمة"], true);
    let q = |p: &Option<tachkhis_shared::api::monitoring::Quantity>| {
        Cell::opt_text(p.as_ref().map(|q| q.0.to_string()))
    };
    figures.push(vec![Cell::text("المشاريع المبرمجة"), Cell::Int(e.planned)]);
    figures.push(vec![Cell::text("المشاريع المنجزة"), Cell::Int(e.executed)]);
    figures.push(vec![Cell::text("نسبة الإنجاز %"), q(&e.completion_percent)]);
    figures.push(vec![Cell::text("المبرمج"), Cell::Money(e.programmed)]);
    figures.push(vec![Cell::text("الملتزم به"), Cell::Money(e.committed)]);
    figures.push(vec![Cell::text("المؤدى"), Cell::Money(e.paid)]);
    figures.push(vec![Cell::text("نسبة الأداء %"), q(&e.paid_percent)]);
    let mut out = vec![figures];
    for (rows, name, head) in [
        (&e.by_programme, "by_programme", "البرنامج"),
        (&e.by_axis, "by_axis", "المحور"),
        (&e.by_pole, "by_pole", "القطب"),
        (&e.by_douar, "by_douar", "الدوار"),
    ] {
        let mut t = Table::new(
            name,
            &[
                head,
                "مبرمجة",
                "منجزة",
                "نسبة الإنجاز %",
                "المبرمج",
                "المؤدى",
                "نسبة الأداء %",
            ],
            true,
        );
        for r in rows {
            t.push(vec![
                Cell::text(&r.name_ar),
                Cell::Int(r.planned),
                Cell::Int(r.executed),
                q(&r.completion_percent),
                Cell::Money(r.programmed),
                Cell::Money(r.paid),
                q(&r.paid_percent),
            ]);
        }
        out.push(t);
    }
    let mut delays = Table::new(
        "delays",
        &[
            "رقم المشروع",
            "المشروع",
            "الوضعية",
            "السنة المبرمجة أولا",
            "سنوات التأخير",
            "السبب",
        ],
        true,
    );
    for d in &e.delays {
        let labels = d.status.labels();
        delays.push(vec![
            Cell::Int(d.number),
            Cell::text(&d.title_ar),
            Cell::text(labels.ar.clone()),
            Cell::Int(i64::from(d.planned_year)),
            Cell::Int(i64::from(d.years_late)),
            Cell::text(&d.reason),
        ]);
    }
    out.push(delays);
    out
}
