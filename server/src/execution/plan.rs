//! The rolling three-year programming (Law 113.14 art. 78; issue 15, plan3): one plan per
//! first year (`three_year_plans`), its resources per year as the office enters them
//! (`three_year_resources`), and its expenditure, read from the programmed amounts of the
//! execution records of its three years, per programme and project: never typed twice, so the
//! table's expenditure equals the programmed amounts by construction. The actuals (committed,
//! paid) are read beside, in their own fields. A plan is rolled forward into the next year's
//! (the two overlapping years' resources copied, the new third year open); the old one stays.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, Transaction, params};
use tachkhis_shared::{
    api::plan::{
        MAX_LABEL_CHARS, MAX_RESOURCE_LINES, NewPlanInput, PlanProgramme, PlanProject, PlanSummary,
        PlanTable, PlanYear, ResourceLine, ResourcesInput, YearMoney,
    },
    codes::{ErrorCode, ResourceKind},
    money::{Mad, parse_mad},
};

use super::stored_mad;
use crate::{
    db::{now_secs, row::code},
    export::{Cell, Row, Table},
    http::error::{AppError, AppResult},
    users::auth::{self, AuthUser},
};

/// Years a plan covers.
pub const YEARS: i32 = 3;

fn bad(message: impl Into<String>) -> AppError {
    AppError::bad_request(ErrorCode::BadBody, message)
}

fn check_year(year: i32) -> AppResult<()> {
    if !(2000..=2100).contains(&year) {
        return Err(bad(format!(
            "first_year: between 2000 and 2100, not {year}"
        )));
    }
    Ok(())
}

const SUMMARY_SQL: &str = "SELECT p.id, p.first_year, f.first_year, p.note, p.illustrative,
        p.created_at
    FROM three_year_plans p LEFT JOIN three_year_plans f ON f.id = p.rolled_from";

fn summary_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, PlanSummary)> {
    Ok((
        r.get(0)?,
        PlanSummary {
            first_year: r.get(1)?,
            rolled_from: r.get(2)?,
            note: r.get(3)?,
            illustrative: r.get(4)?,
            created_at: r.get(5)?,
        },
    ))
}

/// Every plan, newest first year first.
pub fn list(tx: &Transaction<'_>) -> AppResult<Vec<PlanSummary>> {
    Ok(tx
        .prepare(&format!("{SUMMARY_SQL} ORDER BY p.first_year DESC"))?
        .query_map([], summary_row)?
        .map(|r| r.map(|(_, s)| s))
        .collect::<Result<_, _>>()?)
}

fn find(tx: &Transaction<'_>, first_year: i32) -> AppResult<Option<(i64, PlanSummary)>> {
    Ok(tx
        .query_row(
            &format!("{SUMMARY_SQL} WHERE p.first_year = ?1"),
            [first_year],
            summary_row,
        )
        .optional()?)
}

fn find_or_404(tx: &Transaction<'_>, first_year: i32) -> AppResult<(i64, PlanSummary)> {
    find(tx, first_year)?
        .ok_or_else(|| AppError::NotFound(format!("no three-year plan starts in {first_year}")))
}

fn resources(tx: &Transaction<'_>, plan_id: i64) -> AppResult<Vec<ResourceLine>> {
    tx.prepare(
        "SELECT r.year, r.kind, r.partner_id, p.name_ar, r.label, r.amount
             FROM three_year_resources r LEFT JOIN partners p ON p.id = r.partner_id
             WHERE r.plan_id = ?1 ORDER BY r.year, r.position",
    )?
    .query_map([plan_id], |r| {
        Ok((
            r.get::<_, i32>(0)?,
            code::<ResourceKind>(r, 1)?,
            r.get::<_, Option<i64>>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
        ))
    })?
    .collect::<Result<Vec<_>, _>>()?
    .into_iter()
    .map(|(year, kind, partner_id, partner_name, label, amount)| {
        Ok(ResourceLine {
            year,
            kind,
            partner_id,
            partner_name,
            label,
            amount: stored_mad(&amount)?,
        })
    })
    .collect::<AppResult<_>>()
}

/// The programmed, committed and paid amounts of every record of `from..=to`, per project and
/// year (all funders together): the one reading of the expenditure.
pub fn amounts_by_project_year(
    tx: &Transaction<'_>,
    from: i32,
    to: i32,
) -> AppResult<BTreeMap<(i64, i32), YearMoney>> {
    let mut out: BTreeMap<(i64, i32), YearMoney> = BTreeMap::new();
    let mut stmt = tx.prepare(
        "SELECT r.project_id, r.year, a.programmed, a.committed, a.paid
         FROM execution_records r JOIN execution_amounts a ON a.record_id = r.id
         WHERE r.year BETWEEN ?1 AND ?2",
    )?;
    let rows = stmt.query_map([from, to], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i32>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    for row in rows {
        let (project, year, programmed, committed, paid) = row?;
        let m = out.entry((project, year)).or_default();
        m.programmed += stored_mad(&programmed)?;
        m.committed += stored_mad(&committed)?;
        m.paid += stored_mad(&paid)?;
    }
    Ok(out)
}

fn add(into: &mut YearMoney, m: &YearMoney) {
    into.programmed += m.programmed;
    into.committed += m.committed;
    into.paid += m.paid;
}

fn zero_years() -> Vec<YearMoney> {
    (0..YEARS)
        .map(|_| YearMoney {
            programmed: Mad::zero(),
            committed: Mad::zero(),
            paid: Mad::zero(),
        })
        .collect()
}

/// The three-year table of the plan starting in `first_year` (404 without one).
pub fn table(tx: &Transaction<'_>, first_year: i32) -> AppResult<PlanTable> {
    let (id, plan) = find_or_404(tx, first_year)?;
    let resources = resources(tx, id)?;
    let amounts = amounts_by_project_year(tx, first_year, first_year + YEARS - 1)?;
    // Projects with a record in the plan's years, grouped by programme in the programme's
    // order (axis, programme, project number).
    let mut stmt = tx.prepare(
        "SELECT p.id, p.number, p.title_ar, p.title_fr, g.id, COALESCE(g.name_ar, ''),
                COALESCE(g.name_fr, '')
         FROM projects p
         LEFT JOIN programmes g ON g.id = p.programme_id
         LEFT JOIN axes a ON a.id = g.axis_id
         WHERE EXISTS (SELECT 1 FROM execution_records r
                       WHERE r.project_id = p.id AND r.year BETWEEN ?1 AND ?2)
         ORDER BY a.position IS NULL, a.position, g.position, p.number",
    )?;
    let rows = stmt
        .query_map([first_year, first_year + YEARS - 1], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<i64>>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut programmes: Vec<PlanProgramme> = Vec::new();
    for (pid, number, title_ar, title_fr, gid, g_ar, g_fr) in rows {
        if programmes.last().is_none_or(|g| g.programme_id != gid) {
            programmes.push(PlanProgramme {
                programme_id: gid,
                name_ar: g_ar,
                name_fr: g_fr,
                projects: Vec::new(),
                years: zero_years(),
            });
        }
        let block = programmes.last_mut().expect("pushed above");
        let mut years = zero_years();
        for (i, y) in (first_year..first_year + YEARS).enumerate() {
            if let Some(m) = amounts.get(&(pid, y)) {
                years[i] = m.clone();
                add(&mut block.years[i], m);
            }
        }
        block.projects.push(PlanProject {
            project_id: pid,
            number,
            title_ar,
            title_fr,
            years,
        });
    }
    let years = (first_year..first_year + YEARS)
        .enumerate()
        .map(|(i, year)| {
            let res: Mad = resources
                .iter()
                .filter(|r| r.year == year)
                .map(|r| r.amount)
                .sum();
            let mut spent = YearMoney::default();
            for g in &programmes {
                add(&mut spent, &g.years[i]);
            }
            PlanYear {
                year,
                resources: res,
                expenditure: spent.programmed,
                balance: Mad(res.0 - spent.programmed.0),
                committed: spent.committed,
                paid: spent.paid,
            }
        })
        .collect();
    Ok(PlanTable {
        plan,
        years,
        resources,
        programmes,
    })
}

/// A new plan with no resources yet (409 when that first year has one). Audited.
pub fn create(tx: &Transaction<'_>, user: &AuthUser, input: &NewPlanInput) -> AppResult<PlanTable> {
    check_year(input.first_year)?;
    let note = input.note.trim();
    if note.chars().count() > MAX_LABEL_CHARS {
        return Err(bad(format!("note: at most {MAX_LABEL_CHARS} characters")));
    }
    if find(tx, input.first_year)?.is_some() {
        return Err(AppError::Conflict(format!(
            "a three-year plan starting in {} exists already",
            input.first_year
        )));
    }
    let now = now_secs();
    tx.execute(
        "INSERT INTO three_year_plans (first_year, note, created_by, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?4)",
        params![input.first_year, note, user.id, now],
    )?;
    auth::audit(
        tx,
        Some(user.id),
        "plan_create",
        Some(&format!("plan:{}", input.first_year)),
        None,
    )?;
    table(tx, input.first_year)
}

/// A line as the audit log writes it.
fn line_text(r: &ResourceLine) -> String {
    format!(
        "{} {}{} {}",
        r.year,
        r.kind.code(),
        r.partner_id.map(|p| format!("#{p}")).unwrap_or_default(),
        r.amount
    )
}

/// Replaces the plan's resources with `input` (each line checked: a year of the plan, a known
/// kind, a partner that exists and only on a `partners` line, an amount ≥ 0). Audited with the
/// lines before and after.
pub fn set_resources(
    tx: &Transaction<'_>,
    user: &AuthUser,
    first_year: i32,
    input: &ResourcesInput,
) -> AppResult<PlanTable> {
    let (id, _) = find_or_404(tx, first_year)?;
    if input.resources.len() > MAX_RESOURCE_LINES {
        return Err(bad(format!(
            "resources: at most {MAX_RESOURCE_LINES} lines"
        )));
    }
    let mut lines = Vec::with_capacity(input.resources.len());
    for (i, r) in input.resources.iter().enumerate() {
        let n = i + 1;
        if !(first_year..first_year + YEARS).contains(&r.year) {
            return Err(bad(format!(
                "line {n}: year {} is not one of the plan's ({first_year}-{})",
                r.year,
                first_year + YEARS - 1
            )));
        }
        let kind = ResourceKind::from_code(&r.kind).ok_or_else(|| {
            bad(format!(
                "line {n}: kind {:?} is not own_resources, surplus, partners or other",
                r.kind
            ))
        })?;
        if let Some(p) = r.partner_id {
            if kind != ResourceKind::Partners {
                return Err(bad(format!(
                    "line {n}: a partner belongs on a partners line"
                )));
            }
            let exists: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM partners WHERE id = ?1)",
                [p],
                |r| r.get(0),
            )?;
            if !exists {
                return Err(bad(format!("line {n}: no partner {p}")));
            }
        }
        let label = r.label.trim();
        if label.chars().count() > MAX_LABEL_CHARS {
            return Err(bad(format!(
                "line {n}: label at most {MAX_LABEL_CHARS} characters"
            )));
        }
        let amount = parse_mad(&r.amount)
            .map_err(|e| bad(format!("line {n}: amount {:?}: {e}", r.amount)))?;
        if amount.0.is_sign_negative() {
            return Err(bad(format!("line {n}: amount must not be negative")));
        }
        lines.push((r.year, kind, r.partner_id, label.to_string(), amount));
    }
    if let Some(note) = &input.note
        && note.trim().chars().count() > MAX_LABEL_CHARS
    {
        return Err(bad(format!("note: at most {MAX_LABEL_CHARS} characters")));
    }
    let before: Vec<String> = resources(tx, id)?.iter().map(line_text).collect();
    tx.execute("DELETE FROM three_year_resources WHERE plan_id = ?1", [id])?;
    let mut position: BTreeMap<i32, i64> = BTreeMap::new();
    for (year, kind, partner, label, amount) in &lines {
        let pos = position.entry(*year).or_default();
        *pos += 1;
        tx.execute(
            "INSERT INTO three_year_resources (plan_id, year, position, kind, partner_id, label,
                                               amount)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                id,
                year,
                *pos,
                kind.code(),
                partner,
                label,
                amount.to_string()
            ],
        )?;
    }
    if let Some(note) = &input.note {
        tx.execute(
            "UPDATE three_year_plans SET note = ?2 WHERE id = ?1",
            params![id, note.trim()],
        )?;
    }
    tx.execute(
        "UPDATE three_year_plans SET updated_at = ?2 WHERE id = ?1",
        params![id, now_secs()],
    )?;
    let after: Vec<String> = resources(tx, id)?.iter().map(line_text).collect();
    auth::audit(
        tx,
        Some(user.id),
        "plan_resources",
        Some(&format!("plan:{first_year}")),
        Some(&format!(
            "before: [{}]; after: [{}]",
            before.join(", "),
            after.join(", ")
        )),
    )?;
    table(tx, first_year)
}

/// The plan of `first_year + 1`, made from the plan of `first_year`: the two overlapping
/// years' resources copied, the new third year open (no resources). The old plan is kept.
/// 404 without the plan of `first_year`, 409 when the next one exists. Audited.
pub fn roll_forward(
    tx: &Transaction<'_>,
    user: &AuthUser,
    first_year: i32,
) -> AppResult<PlanTable> {
    let (id, _) = find_or_404(tx, first_year)?;
    let next = first_year + 1;
    check_year(next)?;
    if find(tx, next)?.is_some() {
        return Err(AppError::Conflict(format!(
            "the plan starting in {next} exists already: the plan of {first_year} was rolled \
             forward before"
        )));
    }
    let now = now_secs();
    tx.execute(
        "INSERT INTO three_year_plans (first_year, rolled_from, note, created_by, created_at,
                                       updated_at)
         VALUES (?1, ?2, '', ?3, ?4, ?4)",
        params![next, id, user.id, now],
    )?;
    let new_id = tx.last_insert_rowid();
    let copied = tx.execute(
        "INSERT INTO three_year_resources (plan_id, year, position, kind, partner_id, label,
                                           amount)
         SELECT ?2, year, position, kind, partner_id, label, amount
         FROM three_year_resources WHERE plan_id = ?1 AND year >= ?3",
        params![id, new_id, next],
    )?;
    auth::audit(
        tx,
        Some(user.id),
        "plan_roll_forward",
        Some(&format!("plan:{next}")),
        Some(&format!(
            "from plan:{first_year}, {copied} resource lines carried"
        )),
    )?;
    table(tx, next)
}

fn kind_label(kind: &ResourceKind, ar: bool) -> &'static str {
    match (kind, ar) {
        (ResourceKind::OwnResources, true) => "الموارد الذاتية",
        (ResourceKind::OwnResources, false) => "Ressources propres",
        (ResourceKind::Surplus, true) => "الفائض المرحل",
        (ResourceKind::Surplus, false) => "Excédent reporté",
        (ResourceKind::Partners, true) => "مساهمات الشركاء المتوقعة",
        (ResourceKind::Partners, false) => "Contributions attendues des partenaires",
        (_, true) => "موارد أخرى",
        (_, false) => "Autres ressources",
    }
}

/// The resource kind's label (Arabic or French), for the print and the XLSX.
pub fn resource_label(kind: &ResourceKind, ar: bool) -> &'static str {
    kind_label(kind, ar)
}

/// The table as XLSX sheets: expenditure per programme and project (programmed per year, then
/// the actuals in their own columns), the resources, the balance per year.
pub fn xlsx_tables(t: &PlanTable) -> Vec<Table> {
    let y = t.plan.first_year;
    let mut heads: Vec<String> = vec!["البرنامج".into(), "رقم المشروع".into(), "المشروع".into()];
    for i in 0..YEARS {
        heads.push(format!("المبرمج {}", y + i));
    }
    heads.push("مجموع المبرمج".into());
    for i in 0..YEARS {
        heads.push(format!("الملتزم به {} (فعلي)", y + i));
        heads.push(format!("المؤدى {} (فعلي)", y + i));
    }
    let cols: Vec<&str> = heads.iter().map(String::as_str).collect();
    let mut spend = Table::new("expenditure", &cols, true);
    let line = |label: &str, number: Cell, title: &str, years: &[YearMoney]| -> Vec<Cell> {
        let mut cells = vec![Cell::text(label), number, Cell::text(title)];
        cells.extend(years.iter().map(|m| Cell::Money(m.programmed)));
        cells.push(Cell::Money(years.iter().map(|m| m.programmed).sum()));
        for m in years {
            cells.push(Cell::Money(m.committed));
            cells.push(Cell::Money(m.paid));
        }
        cells
    };
    let mut total = zero_years();
    for g in &t.programmes {
        for p in &g.projects {
            spend.push(line(&g.name_ar, Cell::Int(p.number), &p.title_ar, &p.years));
        }
        spend.rows.push(Row {
            cells: line(&g.name_ar, Cell::Empty, "المجموع الفرعي", &g.years),
            total: true,
        });
        for (i, m) in g.years.iter().enumerate() {
            add(&mut total[i], m);
        }
    }
    spend.rows.push(Row {
        cells: line("المجموع", Cell::Empty, "", &total),
        total: true,
    });
    let mut res = Table::new(
        "resources",
        &["السنة", "النوع", "الشريك", "البيان", "المبلغ"],
        true,
    );
    for r in &t.resources {
        res.push(vec![
            Cell::Int(i64::from(r.year)),
            Cell::text(kind_label(&r.kind, true)),
            Cell::opt_text(r.partner_name.clone()),
            Cell::text(&r.label),
            Cell::Money(r.amount),
        ]);
    }
    let mut balance = Table::new(
        "balance",
        &[
            "السنة",
            "الموارد",
            "النفقات (المبرمج)",
            "الرصيد",
            "الملتزم به (فعلي)",
            "المؤدى (فعلي)",
        ],
        true,
    );
    for yr in &t.years {
        balance.push(vec![
            Cell::Int(i64::from(yr.year)),
            Cell::Money(yr.resources),
            Cell::Money(yr.expenditure),
            Cell::Money(yr.balance),
            Cell::Money(yr.committed),
            Cell::Money(yr.paid),
        ]);
    }
    vec![spend, res, balance]
}

/// The table as one printable page (the PAC document's stylesheet and helpers), Arabic right
/// to left or French: the balance per year, the resources, the expenditure per programme and
/// project, the actuals in their own columns.
pub fn render(
    t: &PlanTable,
    commune: (&str, &str),
    l: crate::document::Lang,
    stylesheet: &str,
) -> String {
    use crate::document::html::{amount, esc};
    use std::fmt::Write;
    let ar = l == crate::document::Lang::Ar;
    let y = t.plan.first_year;
    let mut o = String::with_capacity(32 * 1024);
    let title = format!(
        "{} {}-{} — {}",
        l.t("البرمجة الثلاثية", "Programmation triennale"),
        y,
        y + YEARS - 1,
        l.name(commune.0, commune.1)
    );
    super::evaluation::page_open(&mut o, l, &title, stylesheet, "plan");
    let _ = write!(
        o,
        "<h1 data-test=\"plan-title\">{}</h1><p class=\"law\">{}</p>",
        esc(&title),
        l.t(
            "القانون التنظيمي 113.14، المادة 78: تقدير الموارد والنفقات للسنوات الثلاث الأولى.",
            "Loi organique 113.14, art. 78 : estimation des ressources et des dépenses des trois premières années."
        )
    );
    if let Some(from) = t.plan.rolled_from {
        let _ = write!(
            o,
            "<p class=\"hint\">{} <span dir=\"ltr\">{from}</span></p>",
            l.t(
                "محينة انطلاقا من برمجة",
                "Actualisée à partir de la programmation de"
            )
        );
    }
    // The balance.
    let _ = write!(
        o,
        "<section class=\"part\" data-section=\"balance\"><h2>{}</h2>\
         <table data-test=\"plan-balance\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>\
         <th class=\"actuals\">{}</th><th class=\"actuals\">{}</th></tr></thead><tbody>",
        l.t("التوازن السنوي", "L'équilibre par année"),
        l.t("السنة", "Année"),
        l.t("الموارد", "Ressources"),
        l.t("النفقات (المبرمج)", "Dépenses (programmé)"),
        l.t("الرصيد", "Solde"),
        l.t("الملتزم به (فعلي)", "Engagé (réel)"),
        l.t("المؤدى (فعلي)", "Payé (réel)"),
    );
    for yr in &t.years {
        let short = if yr.balance.0.is_sign_negative() && !yr.balance.0.is_zero() {
            " class=\"num balance-short\""
        } else {
            " class=\"num\""
        };
        let _ = write!(
            o,
            "<tr><td class=\"num\"><span dir=\"ltr\">{}</span></td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td{short}>{}</td><td class=\"num actuals\">{}</td>\
             <td class=\"num actuals\">{}</td></tr>",
            yr.year,
            amount(Some(&yr.resources)),
            amount(Some(&yr.expenditure)),
            amount(Some(&yr.balance)),
            amount(Some(&yr.committed)),
            amount(Some(&yr.paid)),
        );
    }
    o.push_str("</tbody></table></section>\n");
    // The resources.
    let _ = write!(
        o,
        "<section class=\"part\" data-section=\"resources\"><h2>{}</h2>",
        l.t("الموارد", "Les ressources")
    );
    if t.resources.is_empty() {
        let _ = write!(
            o,
            "<p class=\"empty\">{}</p>",
            l.t("لم تدخل أي موارد بعد.", "Aucune ressource saisie.")
        );
    } else {
        let _ = write!(
            o,
            "<table data-test=\"plan-resources\"><thead><tr><th>{}</th><th>{}</th><th>{}</th>\
             <th>{}</th></tr></thead><tbody>",
            l.t("السنة", "Année"),
            l.t("النوع", "Nature"),
            l.t("البيان", "Libellé"),
            l.t("المبلغ (درهم)", "Montant (DH)")
        );
        for r in &t.resources {
            let label = match (&r.partner_name, r.label.is_empty()) {
                (Some(p), true) => p.clone(),
                (Some(p), false) => format!("{p} — {}", r.label),
                (None, _) => r.label.clone(),
            };
            let _ = write!(
                o,
                "<tr><td class=\"num\"><span dir=\"ltr\">{}</span></td><td>{}</td><td>{}</td>\
                 <td class=\"num\">{}</td></tr>",
                r.year,
                kind_label(&r.kind, ar),
                esc(&label),
                amount(Some(&r.amount))
            );
        }
        o.push_str("</tbody></table>");
    }
    o.push_str("</section>\n");
    // The expenditure.
    let _ = write!(
        o,
        "<section class=\"part\" data-section=\"expenditure\"><h2>{}</h2>\
         <table data-test=\"plan-expenditure\"><thead><tr><th>{}</th><th>{}</th>",
        l.t(
            "النفقات حسب البرنامج والمشروع",
            "Les dépenses par programme et projet"
        ),
        l.t("رقم", "N°"),
        l.t("المشروع", "Projet"),
    );
    for i in 0..YEARS {
        let _ = write!(o, "<th><span dir=\"ltr\">{}</span></th>", y + i);
    }
    let _ = write!(
        o,
        "<th>{}</th><th class=\"actuals\">{}</th><th class=\"actuals\">{}</th></tr></thead><tbody>",
        l.t("المجموع", "Total"),
        l.t("الملتزم به (فعلي)", "Engagé (réel)"),
        l.t("المؤدى (فعلي)", "Payé (réel)"),
    );
    let cells = |o: &mut String, years: &[YearMoney]| {
        for m in years {
            let _ = write!(o, "<td class=\"num\">{}</td>", amount(Some(&m.programmed)));
        }
        let sum = |f: fn(&YearMoney) -> Mad| years.iter().map(f).sum::<Mad>();
        let _ = write!(
            o,
            "<td class=\"num\">{}</td><td class=\"num actuals\">{}</td>\
             <td class=\"num actuals\">{}</td>",
            amount(Some(&sum(|m| m.programmed))),
            amount(Some(&sum(|m| m.committed))),
            amount(Some(&sum(|m| m.paid))),
        );
    };
    for g in &t.programmes {
        let _ = write!(
            o,
            "<tr class=\"axis-row\"><th colspan=\"{}\">{}</th></tr>",
            YEARS + 5,
            esc(l.name(&g.name_ar, &g.name_fr))
        );
        for p in &g.projects {
            let _ = write!(
                o,
                "<tr data-test=\"plan-project\"><td class=\"num\">{}</td><td>{}</td>",
                p.number,
                esc(l.name(&p.title_ar, &p.title_fr))
            );
            cells(&mut o, &p.years);
            o.push_str("</tr>");
        }
        let _ = write!(
            o,
            "<tr class=\"subtotal-row\"><td></td><td>{}</td>",
            l.t("المجموع الفرعي", "Sous-total")
        );
        cells(&mut o, &g.years);
        o.push_str("</tr>");
    }
    let total: Vec<YearMoney> = t
        .years
        .iter()
        .map(|yr| YearMoney {
            programmed: yr.expenditure,
            committed: yr.committed,
            paid: yr.paid,
        })
        .collect();
    let _ = write!(
        o,
        "<tr class=\"total-row\"><td></td><td>{}</td>",
        l.t("المجموع", "Total")
    );
    cells(&mut o, &total);
    o.push_str("</tr></tbody></table></section>\n</body>\n</html>\n");
    o
}
