//! The open data as CSV tables, from the same [`OpenData`] the JSON file is (and from the same
//! [`PublicProject`]s the pages render): projects (with status and progress), funding (the
//! commune and each partner), asks (sessions per douar and group), proposals (approved texts
//! only). Each answer carries the licence in a `Link: <url>; rel="license"` header when it has
//! an address; the JSON file holds the statement itself.

use tachkhis_shared::api::public::OpenData;

use crate::export::{Cell, Table};

/// The CSV files, by name (the path under `/p/data/`).
pub const FILES: [&str; 4] = ["projects", "funding", "asks", "proposals"];

/// One of [`FILES`] as a table; `None` for another name.
pub fn table(data: &OpenData, file: &str) -> Option<Table> {
    let mut t;
    match file {
        "projects" => {
            t = Table::new(
                "projects",
                &[
                    "number",
                    "title_ar",
                    "title_fr",
                    "sector",
                    "programme_ar",
                    "poles_ar",
                    "douars_ar",
                    "cost",
                    "commune_contribution",
                    "status",
                    "status_year",
                    "programmed",
                    "committed",
                    "paid",
                    "financial_percent",
                    "sessions",
                    "proposals",
                    "approved_texts",
                ],
                true,
            );
            for p in &data.projects {
                let names = |v: &[tachkhis_shared::api::public::Named]| {
                    v.iter()
                        .map(|n| n.name_ar.as_str())
                        .collect::<Vec<_>>()
                        .join(" | ")
                };
                t.push(vec![
                    Cell::Int(p.number),
                    Cell::text(&p.title_ar),
                    Cell::text(&p.title_fr),
                    Cell::opt_text(p.sector.clone()),
                    Cell::opt_text(p.programme.as_ref().map(|g| g.name_ar.clone())),
                    Cell::text(names(&p.poles)),
                    Cell::text(names(&p.douars)),
                    Cell::opt_money(p.cost),
                    Cell::opt_money(p.commune_contribution),
                    Cell::opt_text(p.status.as_ref().map(|s| s.status.code().to_string())),
                    Cell::opt_int(p.status.as_ref().map(|s| i64::from(s.year))),
                    Cell::Money(p.programmed),
                    Cell::Money(p.committed),
                    Cell::Money(p.paid),
                    Cell::opt_text(p.financial_percent.as_ref().map(|q| q.0.to_string())),
                    Cell::Int(p.why.sessions),
                    Cell::Int(p.why.proposals),
                    Cell::Int(p.why.texts.len() as i64),
                ]);
            }
        }
        "funding" => {
            t = Table::new(
                "funding",
                &["number", "funder", "name_ar", "name_fr", "amount"],
                true,
            );
            for p in &data.projects {
                t.push(vec![
                    Cell::Int(p.number),
                    Cell::text("commune"),
                    Cell::text(&data.commune_ar),
                    Cell::text(&data.commune_fr),
                    Cell::opt_money(p.commune_contribution),
                ]);
                for f in &p.partners {
                    t.push(vec![
                        Cell::Int(p.number),
                        Cell::text("partner"),
                        Cell::text(&f.name_ar),
                        Cell::text(&f.name_fr),
                        Cell::opt_money(f.amount),
                    ]);
                }
            }
        }
        "asks" => {
            t = Table::new(
                "asks",
                &[
                    "number", "douar_id", "douar_ar", "douar_fr", "group", "sessions",
                ],
                true,
            );
            for p in &data.projects {
                for a in &p.why.by_douar_group {
                    t.push(vec![
                        Cell::Int(p.number),
                        Cell::text(&a.douar.id),
                        Cell::text(&a.douar.name_ar),
                        Cell::text(&a.douar.name_fr),
                        Cell::text(a.group_kind.code()),
                        Cell::Int(a.sessions),
                    ]);
                }
            }
        }
        "proposals" => {
            t = Table::new(
                "proposals",
                &[
                    "number",
                    "problem",
                    "solution",
                    "douar_ar",
                    "group",
                    "session_date",
                ],
                true,
            );
            for p in &data.projects {
                for x in &p.why.texts {
                    t.push(vec![
                        Cell::Int(p.number),
                        Cell::text(&x.problem),
                        Cell::text(&x.solution),
                        Cell::opt_text(x.douar.as_ref().map(|d| d.name_ar.clone())),
                        Cell::text(x.group_kind.code()),
                        Cell::text(&x.session_date),
                    ]);
                }
            }
        }
        _ => return None,
    }
    Some(t)
}
