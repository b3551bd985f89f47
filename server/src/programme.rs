//! The programme: axes > programmes > projects, the project sheet (validated, written with its
//! douars, poles and partners in the caller's transaction), the programme table, a project's
//! trace back to the sessions, needs per pole and douar, and the projects export. The CSV/XLSX
//! import is in [`import`].
//!
//! Amounts are stored as exact decimal text ("20870000.00"); an unknown amount is NULL, counted
//! as zero in totals (which say how many projects had none).

pub mod import;

use std::collections::{BTreeMap, HashMap, HashSet};

use rusqlite::{OptionalExtension, Transaction, params};
use rust_decimal::Decimal;
use serde_json::json;
use tachkhis_shared::{
    GroupKind, Sector,
    api::AttendanceRow,
    money::Mad,
    programme::{
        AxisNode, AxisTotal, GroupCount, MAX_YEAR, MIN_YEAR, NeedsByPlace, PartnerShare, PlaceNeed,
        PlaceNeeds, ProgrammeNode, ProgrammeTable, ProgrammeTableRow, ProgrammeTree, Project,
        ProjectInput, ProjectSummary, ProjectTrace, Totals, TraceNeed, TraceProposal, TraceSession,
    },
    text::normalize,
};
use uuid::Uuid;

use crate::{
    auth,
    db::now_secs,
    error::{AppError, AppResult},
    export::{Cell, Row, Table, join_list},
};

/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 500;
/// Longest free text (description, indicators…), in characters.
pub const MAX_TEXT_CHARS: usize = 10_000;
pub const MAX_PARTNERS: usize = 50;
pub const MAX_PLACES: usize = 500;
/// Longest duration, in months.
pub const MAX_DURATION_MONTHS: i32 = 1200;

/// Amounts stop below one quadrillion dirhams (as `parse_mad` does), so sums never overflow.
fn max_amount() -> Decimal {
    Decimal::from(1_000_000_000_000_000_i64)
}

/// A stored amount. Written by this module as `Mad::to_string`, read exactly.
fn db_mad(text: Option<String>) -> rusqlite::Result<Option<Mad>> {
    text.map(|t| {
        let mut d = Decimal::from_str_exact(t.trim()).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(
                0,
                rusqlite::types::Type::Text,
                format!("stored amount {t:?}: {e}").into(),
            )
        })?;
        d.rescale(2);
        Ok(Mad(d))
    })
    .transpose()
}

impl TotalsExt for Totals {
    fn add(&mut self, commune: Option<Mad>, partners: Option<Mad>) {
        self.projects += 1;
        match commune {
            Some(c) => self.commune += c,
            None => self.without_commune_amount += 1,
        }
        if let Some(p) = partners {
            self.partners += p;
        }
    }

    fn merge(&mut self, other: &Totals) {
        self.projects += other.projects;
        self.commune += other.commune;
        self.partners += other.partners;
        self.without_commune_amount += other.without_commune_amount;
    }
}

trait TotalsExt {
    fn add(&mut self, commune: Option<Mad>, partners: Option<Mad>);
    fn merge(&mut self, other: &Totals);
}

fn zero_totals() -> Totals {
    Totals {
        projects: 0,
        commune: Mad::zero(),
        partners: Mad::zero(),
        without_commune_amount: 0,
    }
}

struct AxisRow {
    id: i64,
    position: i64,
    name_ar: String,
    name_fr: String,
    name_en: String,
}

struct ProgrammeRow {
    id: i64,
    axis_id: i64,
    position: i64,
    name_ar: String,
    name_fr: String,
    name_en: String,
}

fn axes(tx: &Transaction<'_>) -> AppResult<Vec<AxisRow>> {
    Ok(tx
        .prepare("SELECT id, position, name_ar, name_fr, name_en FROM axes ORDER BY position, id")?
        .query_map([], |r| {
            Ok(AxisRow {
                id: r.get(0)?,
                position: r.get(1)?,
                name_ar: r.get(2)?,
                name_fr: r.get(3)?,
                name_en: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}

fn programmes(tx: &Transaction<'_>) -> AppResult<Vec<ProgrammeRow>> {
    Ok(tx
        .prepare(
            "SELECT p.id, p.axis_id, p.position, p.name_ar, p.name_fr, p.name_en FROM programmes p
             JOIN axes a ON a.id = p.axis_id ORDER BY a.position, a.id, p.position, p.id",
        )?
        .query_map([], |r| {
            Ok(ProgrammeRow {
                id: r.get(0)?,
                axis_id: r.get(1)?,
                position: r.get(2)?,
                name_ar: r.get(3)?,
                name_fr: r.get(4)?,
                name_en: r.get(5)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}

/// The programme table: per axis and programme, the number of projects and the commune and
/// partner totals, then per-axis subtotals and the grand total. Three queries whatever the
/// number of projects.
pub fn programme_table(tx: &Transaction<'_>) -> AppResult<ProgrammeTable> {
    let mut per_programme: HashMap<i64, Totals> = HashMap::new();
    let mut stmt = tx.prepare(
        "SELECT programme_id, commune_contribution, partners_contribution FROM projects
         WHERE programme_id IS NOT NULL",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        per_programme
            .entry(r.get(0)?)
            .or_insert_with(zero_totals)
            .add(db_mad(r.get(1)?)?, db_mad(r.get(2)?)?);
    }
    drop(rows);
    let axes = axes(tx)?;
    let axis_of: HashMap<i64, &AxisRow> = axes.iter().map(|a| (a.id, a)).collect();
    let mut table = ProgrammeTable {
        rows: Vec::new(),
        axes: Vec::new(),
        total: zero_totals(),
    };
    let mut axis_totals: BTreeMap<(i64, i64), Totals> = BTreeMap::new();
    for p in programmes(tx)? {
        let Some(axis) = axis_of.get(&p.axis_id) else {
            continue;
        };
        let t = per_programme.remove(&p.id).unwrap_or_else(zero_totals);
        axis_totals
            .entry((axis.position, axis.id))
            .or_insert_with(zero_totals)
            .merge(&t);
        table.total.merge(&t);
        table.rows.push(ProgrammeTableRow {
            axis_id: axis.id,
            axis_ar: axis.name_ar.clone(),
            axis_fr: axis.name_fr.clone(),
            axis_en: axis.name_en.clone(),
            programme_id: p.id,
            programme_ar: p.name_ar,
            programme_fr: p.name_fr,
            programme_en: p.name_en,
            projects: t.projects,
            commune_contribution: t.commune,
            partners_contribution: t.partners,
        });
    }
    for a in &axes {
        let totals = axis_totals
            .remove(&(a.position, a.id))
            .unwrap_or_else(zero_totals);
        table.axes.push(AxisTotal {
            axis_id: a.id,
            axis_ar: a.name_ar.clone(),
            axis_fr: a.name_fr.clone(),
            axis_en: a.name_en.clone(),
            totals,
        });
    }
    Ok(table)
}

/// The columns of the seed's `programmes.csv`.
pub const PROGRAMME_TABLE_COLUMNS: &[&str] = &[
    "axis_ar",
    "axis_en",
    "programme_ar",
    "programme_en",
    "projects",
    "commune_contribution_mad",
    "partners_contribution_mad",
];

/// The programme table as a file. Without totals it is the seed's `programmes.csv` layout; with
/// them (XLSX), each axis is followed by its subtotal and the table ends with the grand total.
pub fn programme_table_file(table: &ProgrammeTable, with_totals: bool) -> Table {
    let mut out = Table::new("programme-table", PROGRAMME_TABLE_COLUMNS, true);
    let total_row = |label_ar: String, label_en: String, t: &Totals| Row {
        cells: vec![
            Cell::Text(label_ar),
            Cell::Text(label_en),
            Cell::Empty,
            Cell::Empty,
            Cell::Int(t.projects),
            Cell::Money(t.commune),
            Cell::Money(t.partners),
        ],
        total: true,
    };
    for (i, row) in table.rows.iter().enumerate() {
        out.push(vec![
            Cell::text(&row.axis_ar),
            Cell::text(&row.axis_en),
            Cell::text(&row.programme_ar),
            Cell::text(&row.programme_en),
            Cell::Int(row.projects),
            Cell::Money(row.commune_contribution),
            Cell::Money(row.partners_contribution),
        ]);
        let axis_ends = table
            .rows
            .get(i + 1)
            .is_none_or(|n| n.axis_id != row.axis_id);
        if with_totals
            && axis_ends
            && let Some(a) = table.axes.iter().find(|a| a.axis_id == row.axis_id)
        {
            out.rows.push(total_row(
                format!("مجموع المحور: {}", a.axis_ar),
                format!("Axis total: {}", a.axis_en),
                &a.totals,
            ));
        }
    }
    if with_totals {
        out.rows.push(total_row(
            "المجموع".into(),
            "Grand total".into(),
            &table.total,
        ));
    }
    out
}

/// `GET /api/programme`: the tree with totals at each level.
pub fn programme_tree(tx: &Transaction<'_>) -> AppResult<ProgrammeTree> {
    let mut by_programme: HashMap<i64, Vec<ProjectSummary>> = HashMap::new();
    let mut stmt = tx.prepare(
        "SELECT p.id, p.number, p.programme_id, p.title_ar, p.title_fr, p.placeholder, p.sector,
                p.commune_contribution, p.partners_contribution, p.start_year, p.end_year, p.status,
                (SELECT count(*) FROM need_projects np JOIN needs n ON n.id = np.need_id
                 WHERE np.project_id = p.id AND n.closed_at IS NULL)
         FROM projects p WHERE p.programme_id IS NOT NULL ORDER BY p.number",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let commune = db_mad(r.get(7)?)?;
        let partners = db_mad(r.get(8)?)?;
        let summary = ProjectSummary {
            id: r.get(0)?,
            number: r.get(1)?,
            title_ar: r.get(3)?,
            title_fr: r.get(4)?,
            placeholder: r.get(5)?,
            sector: r.get(6)?,
            commune_contribution: commune,
            partners_contribution: partners,
            start_year: r.get(9)?,
            end_year: r.get(10)?,
            status: r.get(11)?,
            needs: r.get(12)?,
        };
        by_programme.entry(r.get(2)?).or_default().push(summary);
    }
    drop(rows);
    let mut tree = ProgrammeTree {
        axes: axes(tx)?
            .into_iter()
            .map(|a| AxisNode {
                id: a.id,
                position: a.position,
                name_ar: a.name_ar,
                name_fr: a.name_fr,
                name_en: a.name_en,
                totals: zero_totals(),
                programmes: Vec::new(),
            })
            .collect(),
        totals: zero_totals(),
    };
    for p in programmes(tx)? {
        let mut totals = zero_totals();
        let mut projects = Vec::new();
        for summary in by_programme.remove(&p.id).unwrap_or_default() {
            totals.add(summary.commune_contribution, summary.partners_contribution);
            projects.push(summary);
        }
        if let Some(axis) = tree.axes.iter_mut().find(|a| a.id == p.axis_id) {
            axis.totals.merge(&totals);
            tree.totals.merge(&totals);
            axis.programmes.push(ProgrammeNode {
                id: p.id,
                position: p.position,
                name_ar: p.name_ar,
                name_fr: p.name_fr,
                name_en: p.name_en,
                totals,
                projects,
            });
        }
    }
    Ok(tree)
}

const PROJECT_SQL: &str =
    "SELECT p.id, p.number, coalesce(p.programme_id, 0), coalesce(g.axis_id, 0),
        p.title_ar, p.title_fr, p.title_en, p.description, p.sector, p.location,
        p.beneficiaries_women, p.beneficiaries_men, p.commune_contribution, p.partners_contribution,
        p.start_year, p.end_year, p.duration_months, p.owner, p.funding_source, p.status,
        p.prerequisite_land, p.prerequisite_studies, p.indicators, p.programme_note, p.placeholder,
        p.updated_at
     FROM projects p LEFT JOIN programmes g ON g.id = p.programme_id
     WHERE ?1 IS NULL OR p.id = ?1 ORDER BY p.number";

/// Projects with their douars, poles, partners and alive needs: every project (`None`) or one.
/// Five queries whatever the number of projects.
pub fn load_projects(tx: &Transaction<'_>, only: Option<i64>) -> AppResult<Vec<Project>> {
    let mut projects: Vec<Project> = tx
        .prepare(PROJECT_SQL)?
        .query_map([only], |r| {
            let commune = db_mad(r.get(12)?)?;
            let partners = db_mad(r.get(13)?)?;
            let total_cost = match (commune, partners) {
                (None, None) => None,
                (c, p) => Some(c.unwrap_or_default() + p.unwrap_or_default()),
            };
            Ok(Project {
                id: r.get(0)?,
                axis_id: r.get(3)?,
                need_ids: Vec::new(),
                total_cost,
                updated_at: r.get(25)?,
                input: ProjectInput {
                    number: r.get(1)?,
                    programme_id: r.get(2)?,
                    title_ar: r.get(4)?,
                    title_fr: r.get(5)?,
                    title_en: r.get(6)?,
                    description: r.get(7)?,
                    sector: r.get(8)?,
                    location: r.get(9)?,
                    douar_ids: Vec::new(),
                    pole_ids: Vec::new(),
                    beneficiaries_women: r.get(10)?,
                    beneficiaries_men: r.get(11)?,
                    commune_contribution: commune,
                    partners_contribution: partners,
                    partners: Vec::new(),
                    start_year: r.get(14)?,
                    end_year: r.get(15)?,
                    duration_months: r.get(16)?,
                    owner: r.get(17)?,
                    funding_source: r.get(18)?,
                    status: r.get(19)?,
                    prerequisite_land: r.get(20)?,
                    prerequisite_studies: r.get(21)?,
                    indicators: r.get(22)?,
                    programme_note: r.get(23)?,
                    placeholder: r.get(24)?,
                },
            })
        })?
        .collect::<Result<_, _>>()?;
    let index: HashMap<i64, usize> = projects
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id, i))
        .collect();
    let mut attach =
        |sql: &str,
         f: &mut dyn FnMut(&mut Project, &rusqlite::Row<'_>) -> rusqlite::Result<()>|
         -> AppResult<()> {
            let mut stmt = tx.prepare(sql)?;
            let mut rows = stmt.query([only])?;
            while let Some(r) = rows.next()? {
                if let Some(&i) = index.get(&r.get::<_, i64>(0)?) {
                    f(&mut projects[i], r)?;
                }
            }
            Ok(())
        };
    attach(
        "SELECT x.project_id, x.douar_id FROM project_douars x
         LEFT JOIN douars d ON d.id = x.douar_id LEFT JOIN poles o ON o.id = d.pole_id
         WHERE ?1 IS NULL OR x.project_id = ?1 ORDER BY x.project_id, o.position, d.position, x.douar_id",
        &mut |p, r| {
            p.input.douar_ids.push(r.get(1)?);
            Ok(())
        },
    )?;
    attach(
        "SELECT x.project_id, x.pole_id FROM project_poles x LEFT JOIN poles o ON o.id = x.pole_id
         WHERE ?1 IS NULL OR x.project_id = ?1 ORDER BY x.project_id, o.position, x.pole_id",
        &mut |p, r| {
            p.input.pole_ids.push(r.get(1)?);
            Ok(())
        },
    )?;
    attach(
        "SELECT project_id, name, amount FROM project_partners
         WHERE ?1 IS NULL OR project_id = ?1 ORDER BY project_id, position",
        &mut |p, r| {
            let amount = db_mad(r.get(2)?)?.unwrap_or_default();
            p.input.partners.push(PartnerShare {
                name: r.get(1)?,
                amount,
            });
            Ok(())
        },
    )?;
    attach(
        "SELECT np.project_id, np.need_id FROM need_projects np JOIN needs n ON n.id = np.need_id
         WHERE n.closed_at IS NULL AND (?1 IS NULL OR np.project_id = ?1) ORDER BY np.project_id, np.need_id",
        &mut |p, r| {
            p.need_ids.push(r.get(1)?);
            Ok(())
        },
    )?;
    Ok(projects)
}

pub fn get_project(tx: &Transaction<'_>, id: i64) -> AppResult<Option<Project>> {
    Ok(load_projects(tx, Some(id))?.into_iter().next())
}

/// What ids and names a project sheet may refer to.
pub struct Lookups {
    programmes: HashMap<i64, i64>,
    programme_names: HashMap<String, i64>,
    douars: HashSet<String>,
    douar_names: HashMap<String, String>,
    poles: HashSet<String>,
    pole_names: HashMap<String, String>,
}

impl Lookups {
    pub fn load(tx: &Transaction<'_>) -> AppResult<Lookups> {
        let mut lk = Lookups {
            programmes: HashMap::new(),
            programme_names: HashMap::new(),
            douars: HashSet::new(),
            douar_names: HashMap::new(),
            poles: HashSet::new(),
            pole_names: HashMap::new(),
        };
        for p in programmes(tx)? {
            lk.programmes.insert(p.id, p.axis_id);
            for name in [&p.name_ar, &p.name_fr, &p.name_en] {
                if !name.trim().is_empty() {
                    lk.programme_names.entry(normalize(name)).or_insert(p.id);
                }
            }
        }
        let mut stmt = tx.prepare("SELECT id, name_ar, name_fr FROM poles")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            for name in [r.get::<_, String>(1)?, r.get(2)?] {
                lk.pole_names.entry(normalize(&name)).or_insert(id.clone());
            }
            lk.poles.insert(id);
        }
        drop(rows);
        let mut stmt = tx.prepare(
            "SELECT id, name_norm AS n FROM douars UNION ALL SELECT id, name_fr FROM douars
             UNION ALL SELECT douar_id, alias_norm FROM douar_aliases",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            let name: String = r.get(1)?;
            lk.douar_names.entry(normalize(&name)).or_insert(id.clone());
            lk.douars.insert(id);
        }
        Ok(lk)
    }

    /// A programme by id or by its Arabic, French or English name.
    pub fn programme(&self, text: &str) -> Option<i64> {
        let t = text.trim();
        t.parse::<i64>()
            .ok()
            .filter(|id| self.programmes.contains_key(id))
            .or_else(|| self.programme_names.get(&normalize(t)).copied())
    }

    /// A douar by id, Arabic or French name, or alias.
    pub fn douar(&self, text: &str) -> Option<String> {
        let t = text.trim();
        if self.douars.contains(t) {
            return Some(t.to_string());
        }
        self.douar_names.get(&normalize(t)).cloned()
    }

    pub fn pole(&self, text: &str) -> Option<String> {
        let t = text.trim();
        if self.poles.contains(t) {
            return Some(t.to_string());
        }
        self.pole_names.get(&normalize(t)).cloned()
    }

    pub fn axis_of(&self, programme_id: i64) -> Option<i64> {
        self.programmes.get(&programme_id).copied()
    }
}

fn too_long(field: &str, value: &str, max: usize, reasons: &mut Vec<String>) {
    if value.chars().count() > max {
        reasons.push(format!("{field} is longer than {max} characters"));
    }
}

fn check_amount(field: &str, value: Option<Mad>, reasons: &mut Vec<String>) {
    if let Some(m) = value {
        if m.0.is_sign_negative() && !m.0.is_zero() {
            reasons.push(format!("{field} cannot be negative"));
        } else if m.0 >= max_amount() {
            reasons.push(format!("{field} is too large"));
        } else if m.0.scale() > 2 && m.0.round_dp(2) != m.0 {
            reasons.push(format!("{field} has more than two decimals"));
        }
    }
}

fn dedup_keep_order(list: &mut Vec<String>) {
    let mut seen = HashSet::new();
    list.retain(|x| seen.insert(x.clone()));
}

/// Checks a sheet against the rules and the known ids, and puts it in its stored form
/// (trimmed titles, ids without repeats, the partners' total as the sum of their shares).
/// Every problem found is reported, not only the first. Number uniqueness is the caller's.
pub fn check_input(input: &mut ProjectInput, lk: &Lookups) -> Vec<String> {
    let mut reasons = Vec::new();
    if input.number <= 0 {
        reasons.push(format!(
            "the project number must be positive (got {})",
            input.number
        ));
    }
    input.title_ar = input.title_ar.trim().to_string();
    input.title_fr = input.title_fr.trim().to_string();
    input.title_en = input.title_en.trim().to_string();
    if input.title_ar.is_empty() {
        reasons.push("the Arabic title (title_ar) is required".into());
    }
    for (field, value) in [
        ("title_ar", &input.title_ar),
        ("title_fr", &input.title_fr),
        ("title_en", &input.title_en),
    ] {
        too_long(field, value, MAX_TITLE_CHARS, &mut reasons);
    }
    for (field, value) in [
        ("description", &input.description),
        ("location", &input.location),
        ("owner", &input.owner),
        ("prerequisite_land", &input.prerequisite_land),
        ("prerequisite_studies", &input.prerequisite_studies),
        ("indicators", &input.indicators),
    ] {
        too_long(field, value, MAX_TEXT_CHARS, &mut reasons);
    }
    for (field, value) in [
        ("funding_source", &input.funding_source),
        ("status", &input.status),
        ("programme_note", &input.programme_note),
    ] {
        too_long(
            field,
            value.as_deref().unwrap_or(""),
            MAX_TEXT_CHARS,
            &mut reasons,
        );
    }
    if lk.axis_of(input.programme_id).is_none() {
        reasons.push(format!("unknown programme id {}", input.programme_id));
    }
    if let Some(s) = &input.sector
        && Sector::from_code(s).is_none()
    {
        reasons.push(format!("unknown sector '{s}'"));
    }
    dedup_keep_order(&mut input.douar_ids);
    dedup_keep_order(&mut input.pole_ids);
    if input.douar_ids.len() > MAX_PLACES || input.pole_ids.len() > MAX_PLACES {
        reasons.push(format!("at most {MAX_PLACES} douars and poles"));
    }
    for d in &input.douar_ids {
        if !lk.douars.contains(d) {
            reasons.push(format!("unknown douar id '{d}'"));
        }
    }
    for p in &input.pole_ids {
        if !lk.poles.contains(p) {
            reasons.push(format!("unknown pole id '{p}'"));
        }
    }
    for (field, value) in [
        ("beneficiaries_women", input.beneficiaries_women),
        ("beneficiaries_men", input.beneficiaries_men),
    ] {
        if value.is_some_and(|v| v < 0) {
            reasons.push(format!("{field} cannot be negative"));
        }
    }
    check_amount(
        "commune_contribution",
        input.commune_contribution,
        &mut reasons,
    );
    check_amount(
        "partners_contribution",
        input.partners_contribution,
        &mut reasons,
    );
    if input.partners.len() > MAX_PARTNERS {
        reasons.push(format!("at most {MAX_PARTNERS} partners"));
    }
    for (i, p) in input.partners.iter_mut().enumerate() {
        p.name = p.name.trim().to_string();
        if p.name.is_empty() {
            reasons.push(format!("partner {} has no name", i + 1));
        }
        too_long("a partner's name", &p.name, MAX_TITLE_CHARS, &mut reasons);
        check_amount(
            &format!("the amount of partner {}", i + 1),
            Some(p.amount),
            &mut reasons,
        );
    }
    let shares_ok = input.partners.len() <= MAX_PARTNERS
        && input
            .partners
            .iter()
            .all(|p| !p.amount.0.is_sign_negative() && p.amount.0 < max_amount());
    if !input.partners.is_empty() && shares_ok {
        let sum: Mad = input.partners.iter().map(|p| p.amount).sum();
        match input.partners_contribution {
            Some(given) if given != sum => reasons.push(format!(
                "partners_contribution ({given}) is not the sum of the partners' shares ({sum})"
            )),
            _ => input.partners_contribution = Some(sum),
        }
    }
    for (field, value) in [
        ("start_year", input.start_year),
        ("end_year", input.end_year),
    ] {
        if value.is_some_and(|y| !(MIN_YEAR..=MAX_YEAR).contains(&y)) {
            reasons.push(format!("{field} must be between {MIN_YEAR} and {MAX_YEAR}"));
        }
    }
    if let (Some(s), Some(e)) = (input.start_year, input.end_year)
        && s > e
    {
        reasons.push(format!("start_year ({s}) is after end_year ({e})"));
    }
    if input
        .duration_months
        .is_some_and(|d| !(1..=MAX_DURATION_MONTHS).contains(&d))
    {
        reasons.push(format!(
            "duration_months must be between 1 and {MAX_DURATION_MONTHS}"
        ));
    }
    for opt in [
        &mut input.sector,
        &mut input.funding_source,
        &mut input.status,
        &mut input.programme_note,
    ] {
        if opt.as_deref().is_some_and(|s| s.trim().is_empty()) {
            *opt = None;
        }
    }
    reasons
}

fn invalid(reasons: Vec<String>) -> AppError {
    AppError::bad_request("invalid_project", reasons.join("; "))
}

fn project_with_number(tx: &Transaction<'_>, number: i64) -> AppResult<Option<i64>> {
    Ok(tx
        .query_row("SELECT id FROM projects WHERE number = ?1", [number], |r| {
            r.get(0)
        })
        .optional()?)
}

/// Writes a checked sheet: a new row (`id` None) or over the row `id`, with its douars, poles
/// and partners replaced. Returns the project's id.
pub fn write_project(tx: &Transaction<'_>, id: Option<i64>, p: &ProjectInput) -> AppResult<i64> {
    let amount = |m: Option<Mad>| m.map(|m| m.to_string());
    // A new project starts as a bare row that the update below fills, so that one statement
    // lists the columns.
    let id = match id {
        Some(id) => {
            for table in ["project_douars", "project_poles", "project_partners"] {
                tx.execute(&format!("DELETE FROM {table} WHERE project_id = ?1"), [id])?;
            }
            id
        }
        None => {
            tx.execute(
                "INSERT INTO projects (number, title_ar) VALUES (?1, ?2)",
                params![p.number, p.title_ar],
            )?;
            tx.last_insert_rowid()
        }
    };
    tx.prepare_cached(
        "UPDATE projects SET number = ?1, programme_id = ?2, title_ar = ?3, title_fr = ?4,
            title_en = ?5, description = ?6, sector = ?7, location = ?8,
            beneficiaries_women = ?9, beneficiaries_men = ?10, commune_contribution = ?11,
            partners_contribution = ?12, start_year = ?13, end_year = ?14,
            duration_months = ?15, owner = ?16, funding_source = ?17, status = ?18,
            prerequisite_land = ?19, prerequisite_studies = ?20, indicators = ?21,
            programme_note = ?22, placeholder = ?23, updated_at = ?24
         WHERE id = ?25",
    )?
    .execute(params![
        p.number,
        p.programme_id,
        p.title_ar,
        p.title_fr,
        p.title_en,
        p.description,
        p.sector,
        p.location,
        p.beneficiaries_women,
        p.beneficiaries_men,
        amount(p.commune_contribution),
        amount(p.partners_contribution),
        p.start_year,
        p.end_year,
        p.duration_months,
        p.owner,
        p.funding_source,
        p.status,
        p.prerequisite_land,
        p.prerequisite_studies,
        p.indicators,
        p.programme_note,
        p.placeholder,
        now_secs(),
        id,
    ])?;
    let mut douar =
        tx.prepare_cached("INSERT INTO project_douars (project_id, douar_id) VALUES (?1, ?2)")?;
    for d in &p.douar_ids {
        douar.execute(params![id, d])?;
    }
    let mut pole =
        tx.prepare_cached("INSERT INTO project_poles (project_id, pole_id) VALUES (?1, ?2)")?;
    for o in &p.pole_ids {
        pole.execute(params![id, o])?;
    }
    let mut partner = tx.prepare_cached(
        "INSERT INTO project_partners (project_id, position, name, amount) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (i, s) in p.partners.iter().enumerate() {
        partner.execute(params![id, i as i64, s.name, s.amount.to_string()])?;
    }
    Ok(id)
}

fn sheet_json(p: &ProjectInput) -> serde_json::Value {
    serde_json::to_value(p).unwrap_or(serde_json::Value::Null)
}

/// Creates a project (office and admin); 400 with every problem, or a taken number.
pub fn create_project(
    tx: &Transaction<'_>,
    user_id: Option<i64>,
    mut input: ProjectInput,
) -> AppResult<Project> {
    let lk = Lookups::load(tx)?;
    let mut reasons = check_input(&mut input, &lk);
    if project_with_number(tx, input.number)?.is_some() {
        reasons.push(format!("project number {} is already taken", input.number));
    }
    if !reasons.is_empty() {
        return Err(invalid(reasons));
    }
    let id = write_project(tx, None, &input)?;
    auth::audit(
        tx,
        user_id,
        "project.create",
        Some(&format!("project:{id}")),
        Some(&sheet_json(&input).to_string()),
    )?;
    get_project(tx, id)?.ok_or_else(|| AppError::internal("project vanished"))
}

/// Replaces a project's sheet; 404 for an unknown project.
pub fn update_project(
    tx: &Transaction<'_>,
    user_id: Option<i64>,
    id: i64,
    mut input: ProjectInput,
) -> AppResult<Project> {
    let before =
        get_project(tx, id)?.ok_or_else(|| AppError::NotFound(format!("no project {id}")))?;
    let lk = Lookups::load(tx)?;
    let mut reasons = check_input(&mut input, &lk);
    if project_with_number(tx, input.number)?.is_some_and(|other| other != id) {
        reasons.push(format!("project number {} is already taken", input.number));
    }
    if !reasons.is_empty() {
        return Err(invalid(reasons));
    }
    write_project(tx, Some(id), &input)?;
    auth::audit(
        tx,
        user_id,
        "project.update",
        Some(&format!("project:{id}")),
        Some(
            &json!({"before": sheet_json(&before.input), "after": sheet_json(&input)}).to_string(),
        ),
    )?;
    get_project(tx, id)?.ok_or_else(|| AppError::internal("project vanished"))
}

/// Deletes a project; its links to needs go with it (the audit entry names them).
pub fn delete_project(tx: &Transaction<'_>, user_id: Option<i64>, id: i64) -> AppResult<()> {
    let before =
        get_project(tx, id)?.ok_or_else(|| AppError::NotFound(format!("no project {id}")))?;
    tx.execute("DELETE FROM projects WHERE id = ?1", [id])?;
    auth::audit(
        tx,
        user_id,
        "project.delete",
        Some(&format!("project:{id}")),
        Some(&json!({"sheet": sheet_json(&before.input), "need_ids": before.need_ids}).to_string()),
    )?;
    Ok(())
}

/// Why a project is there: its alive needs, their proposals (in session date order) and each
/// proposal's session. A handful of queries whatever the size of the trace.
pub fn project_trace(tx: &Transaction<'_>, id: i64) -> AppResult<Option<ProjectTrace>> {
    let Some(project) = get_project(tx, id)? else {
        return Ok(None);
    };
    let mut needs: Vec<TraceNeed> = tx
        .prepare(
            "SELECT n.id, n.title, n.sector, n.description FROM need_projects np
             JOIN needs n ON n.id = np.need_id
             WHERE np.project_id = ?1 AND n.closed_at IS NULL ORDER BY n.id",
        )?
        .query_map([id], |r| {
            Ok(TraceNeed {
                id: r.get(0)?,
                title: r.get(1)?,
                sector: r.get(2)?,
                description: r.get(3)?,
                proposals: Vec::new(),
            })
        })?
        .collect::<Result<_, _>>()?;
    // The sessions behind the project, each read once.
    const SESSIONS_OF_PROJECT: &str = "SELECT DISTINCT p.session_id FROM need_projects np
        JOIN needs n ON n.id = np.need_id AND n.closed_at IS NULL
        JOIN need_members nm ON nm.need_id = np.need_id
        JOIN proposals p ON p.id = nm.proposal_id
        WHERE np.project_id = ?1";
    let mut sessions: HashMap<String, TraceSession> = HashMap::new();
    let mut stmt = tx.prepare(&format!(
        "SELECT id, pole_id, group_kind, date, present FROM sessions WHERE id IN ({SESSIONS_OF_PROJECT})"
    ))?;
    let mut rows = stmt.query([id])?;
    while let Some(r) = rows.next()? {
        let sid: String = r.get(0)?;
        sessions.insert(
            sid.clone(),
            TraceSession {
                id: Uuid::parse_str(&sid).unwrap_or_default(),
                pole_id: r.get(1)?,
                douar_ids: Vec::new(),
                group_kind: r.get(2)?,
                date: r.get(3)?,
                attendance: Vec::new(),
                present: r.get(4)?,
            },
        );
    }
    drop(rows);
    let mut stmt = tx.prepare(&format!(
        "SELECT session_id, douar_id FROM session_douars WHERE session_id IN ({SESSIONS_OF_PROJECT})
         ORDER BY session_id, douar_id"
    ))?;
    let mut rows = stmt.query([id])?;
    while let Some(r) = rows.next()? {
        if let Some(s) = sessions.get_mut(&r.get::<_, String>(0)?) {
            s.douar_ids.push(r.get(1)?);
        }
    }
    drop(rows);
    let mut stmt = tx.prepare(&format!(
        "SELECT session_id, category, count FROM attendance WHERE session_id IN ({SESSIONS_OF_PROJECT})
         ORDER BY session_id, rowid"
    ))?;
    let mut rows = stmt.query([id])?;
    while let Some(r) = rows.next()? {
        if let Some(s) = sessions.get_mut(&r.get::<_, String>(0)?) {
            s.attendance.push(AttendanceRow {
                category: r.get(1)?,
                count: r.get(2)?,
            });
        }
    }
    drop(rows);
    let need_index: HashMap<i64, usize> =
        needs.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
    let mut stmt = tx.prepare(
        "SELECT nm.need_id, p.id, p.problem, p.solution, p.sector, p.douar_id, p.deleted, p.votes,
                p.session_id
         FROM need_projects np
         JOIN needs n ON n.id = np.need_id AND n.closed_at IS NULL
         JOIN need_members nm ON nm.need_id = np.need_id
         JOIN proposals p ON p.id = nm.proposal_id
         JOIN sessions s ON s.id = p.session_id
         WHERE np.project_id = ?1 ORDER BY s.date, s.id, p.rank DESC, p.id",
    )?;
    let mut rows = stmt.query([id])?;
    while let Some(r) = rows.next()? {
        let (Some(&ni), Some(session)) = (
            need_index.get(&r.get::<_, i64>(0)?),
            sessions.get(&r.get::<_, String>(8)?),
        ) else {
            continue;
        };
        let pid: String = r.get(1)?;
        needs[ni].proposals.push(TraceProposal {
            id: Uuid::parse_str(&pid).unwrap_or_default(),
            problem: r.get(2)?,
            solution: r.get(3)?,
            sector: r.get(4)?,
            douar_id: r.get(5)?,
            deleted: r.get(6)?,
            votes: r.get(7)?,
            session: session.clone(),
        });
    }
    drop(rows);
    let sessions_by_group = GroupKind::ALL
        .iter()
        .filter_map(|g| {
            let n = sessions
                .values()
                .filter(|s| s.group_kind == g.code())
                .count() as i64;
            (n > 0).then(|| GroupCount {
                group_kind: g.code().to_string(),
                sessions: n,
            })
        })
        .collect();
    Ok(Some(ProjectTrace {
        project,
        needs,
        sessions: sessions.len() as i64,
        present: sessions.values().map(|s| s.present).sum(),
        sessions_by_group,
    }))
}

/// Needs per pole and per douar: for each place, the alive needs with how many proposals
/// (withdrawn ones left out) came from there, and how many of those from women's sessions.
pub fn needs_by_place(tx: &Transaction<'_>) -> AppResult<NeedsByPlace> {
    type Counts = BTreeMap<i64, (i64, i64)>;
    let mut by_pole: HashMap<String, Counts> = HashMap::new();
    let mut by_douar: HashMap<String, Counts> = HashMap::new();
    let mut stmt = tx.prepare(
        "SELECT s.pole_id, p.douar_id, nm.need_id, s.group_kind = 'women', count(*)
         FROM need_members nm
         JOIN needs n ON n.id = nm.need_id AND n.closed_at IS NULL
         JOIN proposals p ON p.id = nm.proposal_id AND p.deleted = 0
         JOIN sessions s ON s.id = p.session_id
         GROUP BY 1, 2, 3, 4",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let pole: String = r.get(0)?;
        let douar: Option<String> = r.get(1)?;
        let need: i64 = r.get(2)?;
        let women: bool = r.get(3)?;
        let n: i64 = r.get(4)?;
        let bump = |map: &mut HashMap<String, Counts>, key: String| {
            let c = map.entry(key).or_default().entry(need).or_default();
            c.0 += n;
            if women {
                c.1 += n;
            }
        };
        bump(&mut by_pole, pole);
        if let Some(d) = douar {
            bump(&mut by_douar, d);
        }
    }
    drop(rows);
    let titles: HashMap<i64, (String, Option<String>)> = tx
        .prepare("SELECT id, title, sector FROM needs WHERE closed_at IS NULL")?
        .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?
        .collect::<Result<_, _>>()?;
    let place_needs = |counts: Option<Counts>| -> Vec<PlaceNeed> {
        let mut list: Vec<PlaceNeed> = counts
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(need_id, (proposals, from_women))| {
                let (title, sector) = titles.get(&need_id)?.clone();
                Some(PlaceNeed {
                    need_id,
                    title,
                    sector,
                    proposals,
                    from_women,
                })
            })
            .collect();
        list.sort_by(|a, b| {
            b.proposals
                .cmp(&a.proposals)
                .then(a.need_id.cmp(&b.need_id))
        });
        list
    };
    let poles = tx
        .prepare("SELECT id, name_ar, name_fr FROM poles ORDER BY position, id")?
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<Vec<(String, String, String)>, _>>()?
        .into_iter()
        .map(|(id, name_ar, name_fr)| PlaceNeeds {
            needs: place_needs(by_pole.remove(&id)),
            id,
            name_ar,
            name_fr,
            pole_id: None,
        })
        .collect();
    let douars = tx
        .prepare(
            "SELECT d.id, d.name_ar, d.name_fr, d.pole_id FROM douars d JOIN poles p ON p.id = d.pole_id
             ORDER BY p.position, d.position, d.id",
        )?
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<Result<Vec<(String, String, String, String)>, _>>()?
        .into_iter()
        .map(|(id, name_ar, name_fr, pole_id)| PlaceNeeds {
            needs: place_needs(by_douar.remove(&id)),
            id,
            name_ar,
            name_fr,
            pole_id: Some(pole_id),
        })
        .collect();
    Ok(NeedsByPlace { poles, douars })
}

/// Every project as a row of the import format ([`import::COLUMNS`]) followed by the columns
/// the import ignores (`axis_ar`, `programme_ar`, `needs`): export → import round-trips.
pub fn projects_table(tx: &Transaction<'_>) -> AppResult<Table> {
    let names: HashMap<i64, (String, String)> = tx
        .prepare(
            "SELECT p.id, a.name_ar, p.name_ar FROM programmes p JOIN axes a ON a.id = p.axis_id",
        )?
        .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?
        .collect::<Result<_, _>>()?;
    let mut columns: Vec<&str> = import::COLUMNS.to_vec();
    columns.extend(import::INFO_COLUMNS);
    let mut table = Table::new("projects", &columns, true);
    for p in load_projects(tx, None)? {
        let i = &p.input;
        let (axis_ar, programme_ar) = names.get(&i.programme_id).cloned().unwrap_or_default();
        let partners = join_list(
            i.partners
                .iter()
                .map(|s| format!("{}={}", s.name, s.amount)),
        );
        let mut cells = Vec::with_capacity(columns.len());
        for column in import::COLUMNS {
            cells.push(match *column {
                "number" => Cell::Int(i.number),
                "programme" => Cell::Int(i.programme_id),
                "title_ar" => Cell::text(&i.title_ar),
                "title_fr" => Cell::text(&i.title_fr),
                "title_en" => Cell::text(&i.title_en),
                "description" => Cell::text(&i.description),
                "sector" => Cell::opt_text(i.sector.clone()),
                "location" => Cell::text(&i.location),
                "douars" => Cell::Text(join_list(&i.douar_ids)),
                "poles" => Cell::Text(join_list(&i.pole_ids)),
                "beneficiaries_women" => Cell::opt_int(i.beneficiaries_women),
                "beneficiaries_men" => Cell::opt_int(i.beneficiaries_men),
                "commune_contribution_mad" => Cell::opt_money(i.commune_contribution),
                "partners_contribution_mad" => Cell::opt_money(i.partners_contribution),
                "partners" => Cell::Text(partners.clone()),
                "start_year" => Cell::opt_int(i.start_year.map(i64::from)),
                "end_year" => Cell::opt_int(i.end_year.map(i64::from)),
                "duration_months" => Cell::opt_int(i.duration_months.map(i64::from)),
                "owner" => Cell::text(&i.owner),
                "funding_source" => Cell::opt_text(i.funding_source.clone()),
                "status" => Cell::opt_text(i.status.clone()),
                "prerequisite_land" => Cell::text(&i.prerequisite_land),
                "prerequisite_studies" => Cell::text(&i.prerequisite_studies),
                "indicators" => Cell::text(&i.indicators),
                "programme_note" => Cell::opt_text(i.programme_note.clone()),
                "placeholder" => Cell::Flag(i.placeholder),
                other => return Err(AppError::internal(format!("column {other} not exported"))),
            });
        }
        cells.push(Cell::Text(axis_ar));
        cells.push(Cell::Text(programme_ar));
        cells.push(Cell::Text(join_list(
            p.need_ids.iter().map(|n| n.to_string()),
        )));
        table.push(cells);
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{db::Db, demo};

    #[test]
    fn the_demo_programme_table_is_the_seed_table_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.db")).unwrap();
        db.write_blocking(demo::load_if_empty).unwrap();
        let table = db.read_blocking(programme_table).unwrap();
        let csv = programme_table_file(&table, false).to_csv().unwrap();
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            include_str!("../demo/programmes.csv")
        );
        assert_eq!(table.total.projects, 43);
        assert_eq!(table.total.commune.to_string(), "52150000.00");
        assert_eq!(table.total.partners.to_string(), "104150000.00");
        // The six named projects have no amounts.
        assert_eq!(table.total.without_commune_amount, 6);
        let tree = db.read_blocking(programme_tree).unwrap();
        assert_eq!(tree.totals, table.total);
        let axis_sum: i64 = tree.axes.iter().map(|a| a.totals.projects).sum();
        assert_eq!(axis_sum, 43);
    }
}
