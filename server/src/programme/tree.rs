//! The programme's structure: axes > programmes > projects with totals at each level, and the
//! programme table.

use super::*;

pub(super) struct AxisRow {
    pub(super) id: i64,
    pub(super) position: i64,
    pub(super) name_ar: String,
    pub(super) name_fr: String,
    pub(super) name_en: String,
}

pub(super) struct ProgrammeRow {
    pub(super) id: i64,
    pub(super) axis_id: i64,
    pub(super) position: i64,
    pub(super) name_ar: String,
    pub(super) name_fr: String,
    pub(super) name_en: String,
}

pub(super) fn axes(tx: &Transaction<'_>) -> AppResult<Vec<AxisRow>> {
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

pub(super) fn programmes(tx: &Transaction<'_>) -> AppResult<Vec<ProgrammeRow>> {
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
        "SELECT p.programme_id, p.commune_contribution, p.partners_contribution,
                (SELECT count(*) FROM project_partner_shares s
                 WHERE s.project_id = p.id AND s.amount IS NULL)
         FROM projects p WHERE p.programme_id IS NOT NULL",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        per_programme
            .entry(r.get(0)?)
            .or_insert_with(zero_totals)
            .add(db_mad(r.get(1)?)?, db_mad(r.get(2)?)?, r.get(3)?);
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
            unknown_partner_shares: t.unknown_partner_shares,
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
                p.commune_contribution, p.partners_contribution, p.start_year, p.end_year, NULL,
                (SELECT count(*) FROM need_projects np JOIN needs n ON n.id = np.need_id
                 WHERE np.project_id = p.id AND n.closed_at IS NULL),
                (SELECT count(*) FROM project_partner_shares s
                 WHERE s.project_id = p.id AND s.amount IS NULL)
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
            sector: crate::db::row::opt_code(r, 6)?,
            commune_contribution: commune,
            partners_contribution: partners,
            start_year: r.get(9)?,
            end_year: r.get(10)?,
            status: None,
            needs: r.get(12)?,
            unknown_partner_shares: r.get(13)?,
        };
        by_programme.entry(r.get(2)?).or_default().push(summary);
    }
    drop(rows);
    // The status derived from the execution records (issue 15, exec).
    let statuses = crate::execution::current_statuses(tx)?;
    for s in by_programme.values_mut().flatten() {
        s.status = statuses.get(&s.id).cloned();
    }
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
            totals.add(
                summary.commune_contribution,
                summary.partners_contribution,
                summary.unknown_partner_shares,
            );
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

pub(super) const PROJECT_SQL: &str =
    "SELECT p.id, p.number, coalesce(p.programme_id, 0), coalesce(g.axis_id, 0),
        p.title_ar, p.title_fr, p.title_en, p.description, p.sector, p.location,
        p.beneficiaries_women, p.beneficiaries_men, p.commune_contribution, p.partners_contribution,
        p.start_year, p.end_year, p.duration_months, p.owner,
        p.prerequisite_land, p.prerequisite_studies, p.programme_note, p.placeholder,
        p.updated_at
     FROM projects p LEFT JOIN programmes g ON g.id = p.programme_id
     WHERE ?1 IS NULL OR p.id = ?1 ORDER BY p.number";
