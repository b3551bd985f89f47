//! The follow-up's dashboards (issue 15, dash): execution by programme, budget year, funding
//! source (kind and budget year), status, pole and douar, for the council and the office.
//!
//! One call answers a screen from a fixed number of queries whatever the size: the shared
//! [`super::progress`] (cost, current status, indicators: four queries), then the projects in
//! scope, the records with their amounts, the funding lines, the projects' poles and douars and
//! the names (eight more). Everything is summed in Rust, exactly (`Mad`), and the financial
//! completion (paid against programmed and against cost) is kept apart from the physical
//! progress (the mean of the indicators' percent reached, from `progress`).

use std::collections::{BTreeMap, HashMap, HashSet};

use rusqlite::Transaction;
use rust_decimal::{Decimal, RoundingStrategy};
use tachkhis_shared::{
    api::dashboard::{Choice, Dashboard, DashboardChart, DashboardRow},
    api::execution::ProjectProgress,
    api::monitoring::Quantity,
    codes::{ExecutionStatus, FundingKind},
    money::Mad,
};

use super::{percent, progress, stored_mad};
use crate::{
    db::row,
    document::{html::Lang, svg},
    export::{Cell, Table},
    http::error::AppResult,
};

/// The dashboard's filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub year: Option<i32>,
    pub programme_id: Option<i64>,
    pub pole_id: Option<String>,
}

/// One execution record in scope, its amounts summed over its funders.
struct Rec {
    id: i64,
    project_id: i64,
    year: i32,
    status: ExecutionStatus,
    programmed: Mad,
    committed: Mad,
    paid: Mad,
}

#[derive(Default)]
struct Acc {
    projects: HashSet<i64>,
    with_records: HashSet<i64>,
    records: i64,
    cost: Mad,
    programmed: Mad,
    committed: Mad,
    paid: Mad,
    stated: Option<Mad>,
    indicators: i64,
    indicator_sum: Decimal,
}

impl Acc {
    fn add_project(&mut self, p: Option<&ProjectProgress>, id: i64) {
        if !self.projects.insert(id) {
            return;
        }
        let Some(p) = p else { return };
        self.cost += p.cost.unwrap_or_default();
        for i in &p.indicators {
            if let Some(pc) = &i.percent {
                self.indicators += 1;
                self.indicator_sum += pc.0;
            }
        }
    }

    fn add_record(&mut self, r: &Rec, amounts: bool) {
        self.records += 1;
        self.with_records.insert(r.project_id);
        if amounts {
            self.programmed += r.programmed;
            self.committed += r.committed;
            self.paid += r.paid;
        }
    }

    fn row(&self, key: String, label_ar: String, label_fr: String) -> DashboardRow {
        let physical_percent = (self.indicators > 0).then(|| {
            Quantity(
                (self.indicator_sum / Decimal::from(self.indicators))
                    .round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero),
            )
        });
        DashboardRow {
            key,
            label_ar,
            label_fr,
            projects: self.projects.len() as i64,
            with_records: self.with_records.len() as i64,
            records: self.records,
            cost: self.cost,
            programmed: self.programmed,
            committed: self.committed,
            paid: self.paid,
            stated: self.stated,
            paid_of_programmed: percent(self.paid.0, self.programmed.0),
            paid_of_cost: percent(self.paid.0, self.cost.0),
            indicators: self.indicators,
            physical_percent,
        }
    }
}

/// A record's funding line: kind, budget year, the amount written on it.
type FundingLine = (FundingKind, Option<i32>, Option<Mad>);

/// Names of a view's keys, in display order: (key, ar, fr).
type Names = Vec<(String, String, String)>;

fn names(tx: &Transaction<'_>, sql: &str) -> AppResult<Names> {
    let mut stmt = tx.prepare(sql)?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, rusqlite::types::Value>(0).map(|v| match v {
                rusqlite::types::Value::Integer(i) => i.to_string(),
                rusqlite::types::Value::Text(t) => t,
                _ => String::new(),
            })?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Lines of a view in the order of `order` (keys absent from it last, in key order), only
/// those with at least one project.
fn ordered(accs: BTreeMap<String, Acc>, order: &Names, none: (&str, &str)) -> Vec<DashboardRow> {
    let mut accs = accs;
    let mut out = Vec::new();
    for (key, ar, fr) in order {
        if let Some(a) = accs.remove(key) {
            out.push(a.row(key.clone(), ar.clone(), fr.clone()));
        }
    }
    for (key, a) in accs {
        let (ar, fr) = if key.is_empty() {
            (none.0.to_string(), none.1.to_string())
        } else {
            (key.clone(), key.clone())
        };
        out.push(a.row(key, ar, fr));
    }
    out
}

/// The dashboard under `filter`, its charts drawn in `lang`.
pub fn dashboard(tx: &Transaction<'_>, filter: &Filter, lang: Lang) -> AppResult<Dashboard> {
    let progress = progress(tx, None)?;
    // The projects the programme and pole filters keep, with their programme.
    let mut projects: Vec<(i64, Option<i64>)> = Vec::new();
    {
        let mut stmt = tx.prepare(
            "SELECT p.id, p.programme_id FROM projects p
             WHERE (?1 IS NULL OR p.programme_id = ?1)
               AND (?2 IS NULL OR p.id IN (SELECT project_id FROM project_poles WHERE pole_id = ?2))
             ORDER BY p.number",
        )?;
        let rows = stmt.query_map(
            rusqlite::params![filter.programme_id, filter.pole_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        for row in rows {
            projects.push(row?);
        }
    }
    let in_scope: HashSet<i64> = projects.iter().map(|(id, _)| *id).collect();
    // The records of the year (or every year), amounts summed per record.
    let mut records: Vec<Rec> = Vec::new();
    {
        let mut index: HashMap<i64, usize> = HashMap::new();
        let mut stmt = tx.prepare(
            "SELECT r.id, r.project_id, r.year, r.status, a.programmed, a.committed, a.paid
             FROM execution_records r LEFT JOIN execution_amounts a ON a.record_id = r.id
             WHERE ?1 IS NULL OR r.year = ?1 ORDER BY r.year, r.project_id",
        )?;
        let mut rows = stmt.query([filter.year])?;
        while let Some(r) = rows.next()? {
            let project_id: i64 = r.get(1)?;
            if !in_scope.contains(&project_id) {
                continue;
            }
            let id: i64 = r.get(0)?;
            let i = *index.entry(id).or_insert_with(|| {
                records.push(Rec {
                    id,
                    project_id,
                    year: 0,
                    status: ExecutionStatus::Planned,
                    programmed: Mad::zero(),
                    committed: Mad::zero(),
                    paid: Mad::zero(),
                });
                records.len() - 1
            });
            let rec = &mut records[i];
            rec.year = r.get(2)?;
            rec.status = row::code::<ExecutionStatus>(r, 3)?;
            for (col, slot) in [
                (4, &mut rec.programmed),
                (5, &mut rec.committed),
                (6, &mut rec.paid),
            ] {
                if let Some(text) = r.get::<_, Option<String>>(col)? {
                    *slot += stored_mad(&text)?;
                }
            }
        }
    }
    let mut by_project: HashMap<i64, Vec<usize>> = HashMap::new();
    for (i, r) in records.iter().enumerate() {
        by_project.entry(r.project_id).or_default().push(i);
    }
    // Funding lines per record: (kind, budget year, stated amount).
    let mut funding: HashMap<i64, Vec<FundingLine>> = HashMap::new();
    {
        let mut stmt = tx.prepare(
            "SELECT f.record_id, f.kind, f.budget_year, f.amount FROM execution_funding f
             JOIN execution_records r ON r.id = f.record_id
             WHERE ?1 IS NULL OR r.year = ?1 ORDER BY f.record_id, f.position",
        )?;
        let mut rows = stmt.query([filter.year])?;
        while let Some(r) = rows.next()? {
            let amount = match r.get::<_, Option<String>>(3)? {
                Some(t) => Some(stored_mad(&t)?),
                None => None,
            };
            funding.entry(r.get(0)?).or_default().push((
                row::code::<FundingKind>(r, 1)?,
                r.get(2)?,
                amount,
            ));
        }
    }
    let located = |sql: &str| -> AppResult<HashMap<i64, Vec<String>>> {
        let mut out: HashMap<i64, Vec<String>> = HashMap::new();
        let mut stmt = tx.prepare(sql)?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            out.entry(r.get(0)?).or_default().push(r.get(1)?);
        }
        Ok(out)
    };
    let poles_of = located("SELECT project_id, pole_id FROM project_poles")?;
    let douars_of = located("SELECT project_id, douar_id FROM project_douars")?;
    let programme_names = names(
        tx,
        "SELECT g.id, g.name_ar, g.name_fr FROM programmes g JOIN axes a ON a.id = g.axis_id
         ORDER BY a.position, g.position, g.id",
    )?;
    let pole_names = names(
        tx,
        "SELECT id, name_ar, name_fr FROM poles ORDER BY position, id",
    )?;
    let douar_names = names(
        tx,
        "SELECT d.id, d.name_ar, d.name_fr FROM douars d JOIN poles p ON p.id = d.pole_id
         ORDER BY p.position, d.position, d.id",
    )?;
    let years: Vec<i32> = tx
        .prepare("SELECT DISTINCT year FROM execution_records ORDER BY year")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;

    // Views keyed by a project's place (programme, pole, douar, status): its records follow it.
    let per_project = |keys_of: &dyn Fn(i64, Option<i64>) -> Vec<String>| {
        let mut accs: BTreeMap<String, Acc> = BTreeMap::new();
        for (id, programme) in &projects {
            for key in keys_of(*id, *programme) {
                let acc = accs.entry(key).or_default();
                acc.add_project(progress.get(id), *id);
                for &i in by_project.get(id).map(Vec::as_slice).unwrap_or_default() {
                    acc.add_record(&records[i], true);
                }
            }
        }
        accs
    };
    let mut totals = Acc::default();
    for (id, _) in &projects {
        totals.add_project(progress.get(id), *id);
    }
    for r in &records {
        totals.add_record(r, true);
    }
    let by_programme =
        per_project(&|_, programme| vec![programme.map(|p| p.to_string()).unwrap_or_default()]);
    let by_pole = per_project(&|id, _| poles_of.get(&id).cloned().unwrap_or_default());
    let by_douar = per_project(&|id, _| douars_of.get(&id).cloned().unwrap_or_default());
    let year_status: HashMap<i64, ExecutionStatus> = records
        .iter()
        .map(|r| (r.project_id, r.status.clone()))
        .collect();
    let by_status = per_project(&|id, _| {
        let status = match filter.year {
            Some(_) => year_status.get(&id).cloned(),
            None => progress
                .get(&id)
                .and_then(|p| p.status.as_ref())
                .map(|s| s.status.clone()),
        };
        vec![status.map(|s| s.code().to_string()).unwrap_or_default()]
    });
    // Views keyed by the record (year, funding source).
    let mut by_year: BTreeMap<String, Acc> = BTreeMap::new();
    let mut by_funding: BTreeMap<String, Acc> = BTreeMap::new();
    let mut funding_names: Names = Vec::new();
    for kind in FundingKind::ALL {
        let mut years_of_kind: Vec<Option<i32>> = funding
            .values()
            .flatten()
            .filter(|(k, _, _)| k == kind)
            .map(|(_, y, _)| *y)
            .collect();
        years_of_kind.sort();
        years_of_kind.dedup();
        for y in years_of_kind {
            let labels = kind.labels();
            let (key, ar, fr) = match y {
                Some(y) => (
                    format!("{}:{y}", kind.code()),
                    format!("{} {y}", labels.ar),
                    format!("{} {y}", labels.fr),
                ),
                None => (kind.code().to_string(), labels.ar, labels.fr),
            };
            funding_names.push((key, ar, fr));
        }
    }
    for r in &records {
        let acc = by_year.entry(r.year.to_string()).or_default();
        acc.add_project(progress.get(&r.project_id), r.project_id);
        acc.add_record(r, true);
        let lines = funding.get(&r.id).map(Vec::as_slice).unwrap_or_default();
        if lines.is_empty() {
            let acc = by_funding.entry(String::new()).or_default();
            acc.add_project(progress.get(&r.project_id), r.project_id);
            acc.add_record(r, true);
        }
        let mut seen: HashSet<String> = HashSet::new();
        for (kind, y, amount) in lines {
            let key = match y {
                Some(y) => format!("{}:{y}", kind.code()),
                None => kind.code().to_string(),
            };
            let acc = by_funding.entry(key.clone()).or_default();
            if let Some(a) = amount {
                acc.stated = Some(acc.stated.unwrap_or_default() + *a);
            }
            if seen.insert(key) {
                acc.add_project(progress.get(&r.project_id), r.project_id);
                acc.add_record(r, lines.len() == 1);
            }
        }
    }
    let year_names: Names = years
        .iter()
        .map(|y| (y.to_string(), y.to_string(), y.to_string()))
        .collect();
    let status_names: Names = ExecutionStatus::ALL
        .iter()
        .map(|s| {
            let l = s.labels();
            (s.code().to_string(), l.ar, l.fr)
        })
        .collect();
    let by_year = ordered(by_year, &year_names, ("", ""));
    let mut dashboard = Dashboard {
        year: filter.year,
        programme_id: filter.programme_id,
        pole_id: filter.pole_id.clone(),
        years,
        programmes: choices(&programme_names),
        poles: choices(&pole_names),
        totals: totals.row(String::new(), "المجموع".into(), "Total".into()),
        by_programme: ordered(
            by_programme,
            &programme_names,
            ("بدون برنامج", "Sans programme"),
        ),
        by_year,
        by_funding: ordered(
            by_funding,
            &funding_names,
            ("مصدر غير محدد", "Source non indiquée"),
        ),
        by_status: ordered(
            by_status,
            &status_names,
            ("لم يبرمج بعد", "Pas encore programmé"),
        ),
        by_pole: ordered(by_pole, &pole_names, ("", "")),
        by_douar: ordered(by_douar, &douar_names, ("", "")),
        charts: Vec::new(),
    };
    dashboard.charts = charts(&dashboard, lang);
    Ok(dashboard)
}

fn choices(names: &Names) -> Vec<Choice> {
    names
        .iter()
        .map(|(key, ar, fr)| Choice {
            key: key.clone(),
            label_ar: ar.clone(),
            label_fr: fr.clone(),
        })
        .collect()
}

/// The views in order: (name, table title ar, fr, rows).
pub fn views(d: &Dashboard) -> [(&'static str, &'static str, &'static str, &[DashboardRow]); 6] {
    [
        (
            "programme",
            "حسب البرنامج",
            "Par programme",
            &d.by_programme,
        ),
        ("year", "حسب السنة", "Par année", &d.by_year),
        (
            "funding",
            "حسب مصدر التمويل",
            "Par source de financement",
            &d.by_funding,
        ),
        ("status", "حسب الوضعية", "Par statut", &d.by_status),
        ("pole", "حسب القطب", "Par pôle", &d.by_pole),
        ("douar", "حسب الدوار", "Par douar", &d.by_douar),
    ]
}

fn charts(d: &Dashboard, lang: Lang) -> Vec<DashboardChart> {
    views(d)
        .into_iter()
        .map(|(view, _, _, rows)| DashboardChart {
            view: view.to_string(),
            svg: svg::execution_amounts(rows, lang, &format!("svg-{view}")),
        })
        .collect()
}

/// The dashboard's tables for CSV (one table: every view, a column naming it) or XLSX (one
/// sheet per view). Amounts exact, percents as their decimal text.
pub fn tables(d: &Dashboard, lang: Lang, one: bool) -> Vec<Table> {
    let columns = [
        "view",
        "key",
        "label",
        "projects",
        "with_records",
        "records",
        "cost",
        "programmed",
        "committed",
        "paid",
        "stated",
        "paid_of_programmed_percent",
        "paid_of_cost_percent",
        "indicators",
        "physical_percent",
    ];
    let rtl = lang == Lang::Ar;
    let line = |view: &str, r: &DashboardRow| -> Vec<Cell> {
        let pc = |q: &Option<Quantity>| Cell::opt_text(q.as_ref().map(|q| q.0.to_string()));
        vec![
            Cell::text(view),
            Cell::text(&r.key),
            Cell::text(lang.t(&r.label_ar, &r.label_fr)),
            Cell::Int(r.projects),
            Cell::Int(r.with_records),
            Cell::Int(r.records),
            Cell::Money(r.cost),
            Cell::Money(r.programmed),
            Cell::Money(r.committed),
            Cell::Money(r.paid),
            Cell::opt_money(r.stated),
            pc(&r.paid_of_programmed),
            pc(&r.paid_of_cost),
            Cell::Int(r.indicators),
            pc(&r.physical_percent),
        ]
    };
    if one {
        let mut t = Table::new("dashboard", &columns, rtl);
        t.push(line("total", &d.totals));
        for (view, _, _, rows) in views(d) {
            for r in rows {
                t.push(line(view, r));
            }
        }
        return vec![t];
    }
    let mut total = Table::new(lang.t("المجموع", "Total"), &columns, rtl);
    total.push(line("total", &d.totals));
    let mut out = vec![total];
    for (view, ar, fr, rows) in views(d) {
        let mut t = Table::new(lang.t(ar, fr), &columns, rtl);
        for r in rows {
            t.push(line(view, r));
        }
        out.push(t);
    }
    out
}
