//! The gender report: what each kind of group asked for per sector, pole and douar, who came
//! to each pole's sessions, and the projects that answer needs raised mostly by women
//! (`shared::api::gender` says what each figure counts). A handful of queries whatever the
//! size: the alive needs' project links, then the live proposals with their session and need
//! in one pass that builds every place's counts and every project's, the attendance and the
//! sessions per pole, and the listed projects' names.

use std::collections::{HashMap, HashSet};

use rusqlite::Transaction;
use tachkhis_shared::{
    GroupKind, Sector,
    api::gender::{
        ByGroup, GenderReport, GenderRow, Participation, WomenNeed, WomenProject, mostly,
    },
    codes::AttendanceCategory,
};

use super::reports::{Place, places};
use crate::export::{Cell, Table, join_list};
use crate::http::error::{AppError, AppResult};

/// What one place gathers while the proposals are read.
#[derive(Default)]
struct Acc {
    proposals: [i64; 7],
    /// Per need, its proposals there by group kind.
    needs: HashMap<i64, [i64; 7]>,
}

impl Acc {
    fn add(&mut self, group: usize, need: Option<i64>) {
        self.proposals[group] += 1;
        if let Some(n) = need {
            self.needs.entry(n).or_default()[group] += 1;
        }
    }

    fn row(self, place: RowPlace, titles: &HashMap<i64, (String, Option<Sector>)>) -> GenderRow {
        let mut needs = [0i64; 7];
        let mut women_needs = Vec::new();
        for (need_id, by) in &self.needs {
            for (g, c) in by.iter().enumerate() {
                if *c > 0 {
                    needs[g] += 1;
                }
            }
            let total: i64 = by.iter().sum();
            if mostly(by[0], total)
                && let Some((title, sector)) = titles.get(need_id)
            {
                women_needs.push(WomenNeed {
                    need_id: *need_id,
                    title: title.clone(),
                    sector: sector.clone(),
                    proposals: total,
                    from_women: by[0],
                    from_men: by[1],
                });
            }
        }
        women_needs.sort_by(|a, b| {
            b.from_women
                .cmp(&a.from_women)
                .then(a.need_id.cmp(&b.need_id))
        });
        GenderRow {
            key: place.key,
            name_ar: place.name_ar,
            name_fr: place.name_fr,
            pole_id: place.pole_id,
            unknown: place.unknown,
            proposals: ByGroup::from_array(self.proposals),
            needs: ByGroup::from_array(needs),
            needs_total: self.needs.len() as i64,
            women_needs,
        }
    }
}

struct RowPlace {
    key: String,
    name_ar: String,
    name_fr: String,
    pole_id: Option<String>,
    unknown: bool,
}

impl RowPlace {
    fn known(p: &Place) -> RowPlace {
        RowPlace {
            key: p.id.clone(),
            name_ar: p.name_ar.clone(),
            name_fr: p.name_fr.clone(),
            pole_id: p.pole_id.clone(),
            unknown: false,
        }
    }

    /// A code the commune's lists do not have, named by itself.
    fn unknown(key: &str) -> RowPlace {
        RowPlace {
            key: key.to_string(),
            name_ar: key.to_string(),
            name_fr: key.to_string(),
            pole_id: None,
            unknown: true,
        }
    }
}

/// Rows for the known places in order (zeros where nothing came), then the codes met that the
/// lists do not have, in code order.
fn rows_for(
    known: Vec<RowPlace>,
    mut acc: HashMap<String, Acc>,
    titles: &HashMap<i64, (String, Option<Sector>)>,
) -> Vec<GenderRow> {
    let mut out: Vec<GenderRow> = known
        .into_iter()
        .map(|p| {
            let a = acc.remove(&p.key).unwrap_or_default();
            a.row(p, titles)
        })
        .collect();
    let mut rest: Vec<(String, Acc)> = acc.into_iter().collect();
    rest.sort_by(|a, b| a.0.cmp(&b.0));
    out.extend(
        rest.into_iter()
            .map(|(key, a)| a.row(RowPlace::unknown(&key), titles)),
    );
    out
}

fn sector_place(s: &Sector) -> RowPlace {
    let labels = s.labels();
    RowPlace {
        key: s.code().to_string(),
        name_ar: labels.ar,
        name_fr: labels.fr,
        pole_id: None,
        unknown: !s.is_known(),
    }
}

/// The whole report, read in the caller's transaction.
pub fn gender_report(tx: &Transaction<'_>) -> AppResult<GenderReport> {
    let (poles, douars) = places(tx)?;
    let titles: HashMap<i64, (String, Option<Sector>)> = tx
        .prepare("SELECT id, title, sector FROM needs WHERE closed_at IS NULL")?
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                (
                    r.get(1)?,
                    r.get::<_, Option<String>>(2)?.map(|s| Sector::parse(&s)),
                ),
            ))
        })?
        .collect::<Result<_, _>>()?;

    let mut by_sector: HashMap<String, Acc> = HashMap::new();
    let mut no_sector = Acc::default();
    let mut by_pole: HashMap<String, Acc> = HashMap::new();
    let mut by_douar: HashMap<String, Acc> = HashMap::new();
    let mut total = Acc::default();
    // The projects are counted in the same pass, through each alive need's links.
    let mut links: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut projects: HashMap<i64, ProjectAcc> = HashMap::new();
    {
        let mut stmt = tx.prepare(
            "SELECT np.need_id, np.project_id FROM need_projects np
             JOIN needs n ON n.id = np.need_id AND n.closed_at IS NULL",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (need, project): (i64, i64) = (r.get(0)?, r.get(1)?);
            links.entry(need).or_default().push(project);
            projects.entry(project).or_default().needs += 1;
        }
    }
    // Group kinds are a handful of codes: parse each once.
    let mut kinds: HashMap<String, usize> = HashMap::new();
    let mut stmt = tx.prepare(
        "SELECT s.pole_id, s.group_kind, p.douar_id, p.sector, n.id, s.rowid
         FROM proposals p
         JOIN sessions s ON s.id = p.session_id
         LEFT JOIN need_members nm ON nm.proposal_id = p.id
         LEFT JOIN needs n ON n.id = nm.need_id AND n.closed_at IS NULL
         WHERE p.deleted = 0",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let kind = r.get_ref(1)?.as_str().map_err(AppError::internal)?;
        let group = match kinds.get(kind) {
            Some(g) => *g,
            None => {
                let g = ByGroup::index(&GroupKind::parse(kind));
                kinds.insert(kind.to_string(), g);
                g
            }
        };
        let need: Option<i64> = r.get(4)?;
        let pole = r.get_ref(0)?.as_str().map_err(AppError::internal)?;
        add(&mut by_pole, pole, group, need);
        if let Some(d) = r.get_ref(2)?.as_str_or_null().map_err(AppError::internal)? {
            add(&mut by_douar, d, group, need);
        }
        match r.get_ref(3)?.as_str_or_null().map_err(AppError::internal)? {
            Some(s) => add(&mut by_sector, s, group, need),
            None => no_sector.add(group, need),
        }
        total.add(group, need);
        if let Some(linked) = need.and_then(|n| links.get(&n)) {
            let session: i64 = r.get(5)?;
            for project in linked {
                let p = projects.entry(*project).or_default();
                p.proposals += 1;
                p.sessions.insert(session);
                if group == 0 {
                    p.from_women += 1;
                    p.women_sessions.insert(session);
                }
            }
        }
    }
    drop(rows);
    drop(stmt);

    // Sectors: the known ones in order, then unknown codes, then "no sector".
    let mut sectors: Vec<RowPlace> = Sector::ALL.iter().map(sector_place).collect();
    let mut unknown_sectors: Vec<&String> = by_sector
        .keys()
        .filter(|k| Sector::from_code(k).is_none())
        .collect();
    unknown_sectors.sort();
    sectors.extend(
        unknown_sectors
            .into_iter()
            .map(|k| sector_place(&Sector::parse(k))),
    );
    let mut by_sector_rows = rows_for(sectors, by_sector, &titles);
    if no_sector.proposals.iter().sum::<i64>() > 0 {
        by_sector_rows.push(no_sector.row(
            RowPlace {
                key: String::new(),
                name_ar: "بدون قطاع".into(),
                name_fr: "Sans secteur".into(),
                pole_id: None,
                unknown: false,
            },
            &titles,
        ));
    }

    let report = GenderReport {
        by_sector: by_sector_rows,
        by_pole: rows_for(
            poles.iter().map(RowPlace::known).collect(),
            by_pole,
            &titles,
        ),
        by_douar: rows_for(
            douars.iter().map(RowPlace::known).collect(),
            by_douar,
            &titles,
        ),
        total: total.row(
            RowPlace {
                key: String::new(),
                name_ar: "الجماعة".into(),
                name_fr: "Commune".into(),
                pole_id: None,
                unknown: false,
            },
            &titles,
        ),
        participation: Vec::new(),
        participation_total: empty_participation(),
        projects: women_projects(tx, projects)?,
    };
    participation(tx, &poles, report)
}

fn add(map: &mut HashMap<String, Acc>, key: &str, group: usize, need: Option<i64>) {
    match map.get_mut(key) {
        Some(a) => a.add(group, need),
        None => {
            let mut a = Acc::default();
            a.add(group, need);
            map.insert(key.to_string(), a);
        }
    }
}

fn empty_participation() -> Participation {
    Participation {
        pole_id: String::new(),
        name_ar: "الجماعة".into(),
        name_fr: "Commune".into(),
        unknown: false,
        women: 0,
        men: 0,
        youth_women: 0,
        youth_men: 0,
        disabled_women: 0,
        disabled_men: 0,
        sessions: ByGroup::default(),
    }
}

/// Attendance summed per pole and sessions counted per pole and group kind.
fn participation(
    tx: &Transaction<'_>,
    poles: &[Place],
    mut report: GenderReport,
) -> AppResult<GenderReport> {
    let mut by_pole: HashMap<String, Participation> = HashMap::new();
    let blank = |id: &str| Participation {
        pole_id: id.to_string(),
        name_ar: id.to_string(),
        name_fr: id.to_string(),
        unknown: true,
        ..empty_participation()
    };
    let mut stmt = tx.prepare(
        "SELECT s.pole_id, a.category, sum(a.count)
         FROM attendance a JOIN sessions s ON s.id = a.session_id GROUP BY 1, 2",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let pole: String = r.get(0)?;
        let category: String = r.get(1)?;
        let n: i64 = r.get(2)?;
        let p = by_pole.entry(pole.clone()).or_insert_with(|| blank(&pole));
        for t in [&mut *p, &mut report.participation_total] {
            // A category a newer app counts is in no column (not a person of these).
            match AttendanceCategory::parse(&category) {
                AttendanceCategory::Women => t.women += n,
                AttendanceCategory::Men => t.men += n,
                AttendanceCategory::YouthWomen => t.youth_women += n,
                AttendanceCategory::YouthMen => t.youth_men += n,
                AttendanceCategory::DisabledWomen => t.disabled_women += n,
                AttendanceCategory::DisabledMen => t.disabled_men += n,
                AttendanceCategory::Unknown(_) => {}
            }
        }
    }
    drop(rows);
    drop(stmt);
    let mut stmt =
        tx.prepare("SELECT pole_id, group_kind, count(*) FROM sessions GROUP BY 1, 2")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let pole: String = r.get(0)?;
        let kind: String = r.get(1)?;
        let n: i64 = r.get(2)?;
        let g = ByGroup::index(&GroupKind::parse(&kind));
        let p = by_pole.entry(pole.clone()).or_insert_with(|| blank(&pole));
        for t in [&mut *p, &mut report.participation_total] {
            let mut a = t.sessions.to_array();
            a[g] += n;
            t.sessions = ByGroup::from_array(a);
        }
    }
    drop(rows);
    for pole in poles {
        let mut p = by_pole.remove(&pole.id).unwrap_or_else(|| blank(&pole.id));
        p.name_ar = pole.name_ar.clone();
        p.name_fr = pole.name_fr.clone();
        p.unknown = false;
        report.participation.push(p);
    }
    let mut rest: Vec<Participation> = by_pole.into_values().collect();
    rest.sort_by(|a, b| a.pole_id.cmp(&b.pole_id));
    report.participation.extend(rest);
    Ok(report)
}

/// What a project gathers through its linked alive needs.
#[derive(Default)]
struct ProjectAcc {
    needs: i64,
    proposals: i64,
    from_women: i64,
    /// Sessions by rowid (cheaper to hash than their text ids).
    sessions: HashSet<i64>,
    women_sessions: HashSet<i64>,
}

/// Projects whose linked alive needs' live proposals came mostly from women's sessions, in
/// the order of the saved ranking (`priorities::ranking`), ties by programme number.
fn women_projects(
    tx: &Transaction<'_>,
    mut counts: HashMap<i64, ProjectAcc>,
) -> AppResult<Vec<WomenProject>> {
    counts.retain(|_, c| mostly(c.from_women, c.proposals));
    let mut out = Vec::new();
    if counts.is_empty() {
        return Ok(out);
    }
    let mut stmt =
        tx.prepare("SELECT id, number, title_ar, title_fr FROM projects ORDER BY number")?;
    let ranks: HashMap<i64, (u32, bool)> = crate::priorities::ranking(tx)?
        .into_iter()
        .map(|r| (r.project_id, (r.rank, r.tied)))
        .collect();
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        if let Some(c) = counts.get(&id) {
            let (rank, tied) = ranks.get(&id).map_or((None, false), |&(r, t)| (Some(r), t));
            out.push(WomenProject {
                project_id: id,
                number: r.get(1)?,
                rank,
                tied,
                title_ar: r.get(2)?,
                title_fr: r.get(3)?,
                needs: c.needs,
                proposals: c.proposals,
                from_women: c.from_women,
                sessions: c.sessions.len() as i64,
                women_sessions: c.women_sessions.len() as i64,
            });
        }
    }
    out.sort_by_key(|p| (p.rank.is_none(), p.rank, p.number));
    Ok(out)
}

/// Column headers "Arabic / French" of the group kinds, after `prefix_ar` / `prefix_fr`.
fn group_headers(prefix_ar: &str, prefix_fr: &str) -> Vec<String> {
    ByGroup::COLUMNS
        .iter()
        .map(|g| {
            let (ar, fr) = match g {
                Some(g) => {
                    let l = g.labels();
                    (l.ar, l.fr)
                }
                None => ("أخرى".to_string(), "Autres".to_string()),
            };
            format!("{prefix_ar}: {ar} / {prefix_fr} : {fr}")
        })
        .collect()
}

fn group_cells(b: ByGroup) -> impl Iterator<Item = Cell> {
    b.to_array().into_iter().map(Cell::Int)
}

fn rows_table(name: &str, rows: &[GenderRow], total: Option<&GenderRow>) -> Table {
    let mut columns = vec![
        "الرمز / Code".to_string(),
        "الاسم / Nom".to_string(),
        "Nom (fr)".to_string(),
    ];
    columns.extend(group_headers("المقترحات", "Propositions"));
    columns.push("مجموع المقترحات / Total propositions".into());
    columns.extend(group_headers("الحاجيات", "Besoins"));
    columns.push("مجموع الحاجيات / Total besoins".into());
    columns.push("حاجيات أغلبها من النساء / Besoins surtout des femmes".into());
    let mut table = Table {
        name: name.to_string(),
        columns,
        rows: Vec::new(),
        right_to_left: true,
    };
    let cells = |r: &GenderRow| {
        let mut c = vec![
            Cell::text(&r.key),
            Cell::text(&r.name_ar),
            Cell::text(&r.name_fr),
        ];
        c.extend(group_cells(r.proposals));
        c.push(Cell::Int(r.proposals.total()));
        c.extend(group_cells(r.needs));
        c.push(Cell::Int(r.needs_total));
        c.push(Cell::Text(join_list(r.women_needs.iter().map(|n| {
            format!("{} ({}/{})", n.title, n.from_women, n.proposals)
        }))));
        c
    };
    for r in rows {
        table.push(cells(r));
    }
    if let Some(t) = total {
        table.rows.push(crate::export::Row {
            cells: cells(t),
            total: true,
        });
    }
    table
}

/// The report as the sheets of one workbook: by sector, by pole, by douar (each with the
/// commune's total), participation, the needs raised mostly by women, the projects.
pub fn gender_tables(r: &GenderReport) -> Vec<Table> {
    let mut tables = vec![
        rows_table("القطاعات - Secteurs", &r.by_sector, Some(&r.total)),
        rows_table("الأقطاب - Pôles", &r.by_pole, Some(&r.total)),
        rows_table("الدواوير - Douars", &r.by_douar, Some(&r.total)),
    ];

    let mut columns: Vec<String> = [
        "الرمز / Code",
        "القطب / Pôle",
        "Pôle (fr)",
        "النساء / Femmes",
        "الرجال / Hommes",
        "المجموع / Total",
        "شابات / Jeunes femmes",
        "شباب / Jeunes hommes",
        "نساء في وضعية إعاقة / Femmes handicapées",
        "رجال في وضعية إعاقة / Hommes handicapés",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    columns.extend(group_headers("الجلسات", "Séances"));
    columns.push("مجموع الجلسات / Total séances".into());
    let mut part = Table {
        name: "المشاركة - Participation".into(),
        columns,
        rows: Vec::new(),
        right_to_left: true,
    };
    let cells = |p: &Participation| {
        let mut c = vec![
            Cell::text(&p.pole_id),
            Cell::text(&p.name_ar),
            Cell::text(&p.name_fr),
            Cell::Int(p.women),
            Cell::Int(p.men),
            Cell::Int(p.women + p.men),
            Cell::Int(p.youth_women),
            Cell::Int(p.youth_men),
            Cell::Int(p.disabled_women),
            Cell::Int(p.disabled_men),
        ];
        c.extend(group_cells(p.sessions));
        c.push(Cell::Int(p.sessions.total()));
        c
    };
    for p in &r.participation {
        part.push(cells(p));
    }
    part.rows.push(crate::export::Row {
        cells: cells(&r.participation_total),
        total: true,
    });
    tables.push(part);

    let mut needs = Table::new(
        "حاجيات النساء - Besoins femmes",
        &[
            "رقم الحاجة / N° besoin",
            "الحاجة / Besoin",
            "القطاع / Secteur",
            "المقترحات / Propositions",
            "من النساء / Des femmes",
            "من الرجال / Des hommes",
            "فقط من النساء / Seulement des femmes",
        ],
        true,
    );
    for n in &r.total.women_needs {
        needs.push(vec![
            Cell::Int(n.need_id),
            Cell::text(&n.title),
            Cell::opt_text(n.sector.as_ref().map(|s| s.labels().ar)),
            Cell::Int(n.proposals),
            Cell::Int(n.from_women),
            Cell::Int(n.from_men),
            Cell::Flag(n.from_women == n.proposals),
        ]);
    }
    tables.push(needs);

    let mut projects = Table::new(
        "المشاريع - Projets",
        &[
            "الرتبة / Rang",
            "رقم المشروع / N° projet",
            "المشروع / Projet",
            "Projet (fr)",
            "الحاجيات / Besoins",
            "المقترحات / Propositions",
            "من النساء / Des femmes",
            "الجلسات / Séances",
            "جلسات النساء / Séances des femmes",
        ],
        true,
    );
    for p in &r.projects {
        projects.push(vec![
            p.rank.map_or(Cell::text(""), |r| Cell::Int(i64::from(r))),
            Cell::Int(p.number),
            Cell::text(&p.title_ar),
            Cell::text(&p.title_fr),
            Cell::Int(p.needs),
            Cell::Int(p.proposals),
            Cell::Int(p.from_women),
            Cell::Int(p.sessions),
            Cell::Int(p.women_sessions),
        ]);
    }
    tables.push(projects);
    tables
}

/// The distinct douar ids of `rows` (a check for tests: each douar once).
#[cfg(test)]
fn keys(rows: &[GenderRow]) -> std::collections::BTreeSet<&str> {
    rows.iter().map(|r| r.key.as_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_database_has_every_place_with_zeros() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Db::open(&dir.path().join("t.db")).unwrap();
        db.write_blocking(crate::demo::load_if_empty).unwrap();
        let r = db.read_blocking(gender_report).unwrap();
        assert_eq!(r.by_sector.len(), Sector::ALL.len());
        assert!(!r.by_pole.is_empty());
        assert_eq!(keys(&r.by_douar).len(), r.by_douar.len());
        assert_eq!(r.total.proposals.total(), 0);
        assert!(r.projects.is_empty());
        assert_eq!(r.participation.len(), r.by_pole.len());
        let tables = gender_tables(&r);
        assert_eq!(tables.len(), 6);
        let book = crate::export::workbook_xlsx(&tables).unwrap();
        assert_eq!(&book[..4], b"PK\x03\x04");
    }
}
