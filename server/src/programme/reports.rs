//! Reports: needs per pole and douar, and the projects export.

use super::*;

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
                    sector: sector.map(|s: String| Sector::parse(&s)),
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
    let (poles, douars) = places(tx)?;
    let as_needs = |list: Vec<Place>, counts: &mut HashMap<String, Counts>| {
        list.into_iter()
            .map(|p| PlaceNeeds {
                needs: place_needs(counts.remove(&p.id)),
                id: p.id,
                name_ar: p.name_ar,
                name_fr: p.name_fr,
                pole_id: p.pole_id,
            })
            .collect()
    };
    let poles = as_needs(poles, &mut by_pole);
    let douars = as_needs(douars, &mut by_douar);
    Ok(NeedsByPlace { poles, douars })
}

/// A pole or a douar as the reports list it.
pub struct Place {
    pub id: String,
    pub name_ar: String,
    pub name_fr: String,
    /// For a douar, its pole.
    pub pole_id: Option<String>,
}

/// Every pole in order, and every douar in pole then douar order: the places of the reports
/// (needs per place, the gender report).
pub fn places(tx: &Transaction<'_>) -> AppResult<(Vec<Place>, Vec<Place>)> {
    let poles = tx
        .prepare("SELECT id, name_ar, name_fr FROM poles ORDER BY position, id")?
        .query_map([], |r| {
            Ok(Place {
                id: r.get(0)?,
                name_ar: r.get(1)?,
                name_fr: r.get(2)?,
                pole_id: None,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let douars = tx
        .prepare(
            // A merged douar's proposals read as its target's: it has no row of its own.
            "SELECT d.id, d.name_ar, d.name_fr, d.pole_id FROM douars d JOIN poles p ON p.id = d.pole_id
             WHERE d.merged_into IS NULL ORDER BY p.position, d.position, d.id",
        )?
        .query_map([], |r| {
            Ok(Place {
                id: r.get(0)?,
                name_ar: r.get(1)?,
                name_fr: r.get(2)?,
                pole_id: Some(r.get(3)?),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((poles, douars))
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
    let sheet_texts = crate::execution::legacy::sheet_texts(tx)?;
    for p in load_projects(tx, None)? {
        let i = &p.input;
        let (axis_ar, programme_ar) = names.get(&i.programme_id).cloned().unwrap_or_default();
        let partners = join_list(i.partners.iter().map(|s| match s.amount {
            Some(a) => format!("{}={a}", s.name),
            None => s.name.clone(),
        }));
        let mut cells = Vec::with_capacity(columns.len());
        for column in import::COLUMNS {
            cells.push(match *column {
                "number" => Cell::Int(i.number),
                "programme" => Cell::Int(i.programme_id),
                "title_ar" => Cell::text(&i.title_ar),
                "title_fr" => Cell::text(&i.title_fr),
                "title_en" => Cell::text(&i.title_en),
                "description" => Cell::text(&i.description),
                "sector" => Cell::opt_text(i.sector.as_ref().map(|s| s.code().to_string())),
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
                // Derived from the execution records (issue 15, exec), written so that the
                // import reads them back into the same record.
                "funding_source" => {
                    Cell::opt_text(sheet_texts.get(&p.id).and_then(|t| t.0.clone()))
                }
                "status" => Cell::opt_text(sheet_texts.get(&p.id).and_then(|t| t.1.clone())),
                "prerequisite_land" => Cell::text(&i.prerequisite_land),
                "prerequisite_studies" => Cell::text(&i.prerequisite_studies),
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
