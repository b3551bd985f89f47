//! Suggestions: proposals that likely say the same thing, from [`crate::suggest`], and the
//! office's rejections of them.

use super::*;
use crate::db::row::uuid_col;

/// Groups of proposals that say the same thing, best first: either a new need (unplaced
/// proposals alike), or unplaced proposals to add to the live need their look-alikes are in.
pub fn suggestions(tx: &Transaction<'_>, limit: usize) -> AppResult<Vec<Suggestion>> {
    struct Row {
        id: String,
        uuid: Uuid,
        problem: String,
        need: Option<i64>,
    }
    let mut session_douars: HashMap<String, Vec<String>> = HashMap::new();
    {
        let mut stmt = tx.prepare("SELECT session_id, douar_id FROM session_douars")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            session_douars.entry(r.get(0)?).or_default().push(r.get(1)?);
        }
    }
    let mut rows: Vec<Row> = Vec::new();
    let mut items: Vec<suggest::Item> = Vec::new();
    {
        let mut stmt = tx.prepare(
            "SELECT p.id, p.problem, p.problem_norm, p.solution_norm, p.sector, p.douar_id, p.session_id, s.pole_id, m.need_id
             FROM proposals p JOIN sessions s ON s.id = p.session_id
             LEFT JOIN need_members m ON m.proposal_id = p.id
             LEFT JOIN needs n ON n.id = m.need_id
             WHERE p.deleted = 0 AND (m.need_id IS NULL OR n.closed_at IS NULL)
             ORDER BY p.id",
        )?;
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            let problem_norm: String = r.get(2)?;
            let solution_norm: String = r.get(3)?;
            let douar: Option<String> = r.get(5)?;
            let session: String = r.get(6)?;
            let douars = match douar {
                Some(d) => vec![d],
                None => session_douars.get(&session).cloned().unwrap_or_default(),
            };
            items.push(suggest::Item {
                text_norm: format!("{problem_norm} {solution_norm}"),
                sector: r.get(4)?,
                pole: r.get(7)?,
                douars,
                need: r.get(8)?,
            });
            rows.push(Row {
                id: r.get(0)?,
                uuid: uuid_col(r, 0)?,
                problem: r.get(1)?,
                need: r.get(8)?,
            });
        }
    }
    let index: HashMap<&str, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let mut rejected: HashSet<(usize, usize)> = HashSet::new();
    {
        let mut stmt = tx.prepare("SELECT proposal_a, proposal_b FROM suggestion_rejections")?;
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            let (a, b): (String, String) = (r.get(0)?, r.get(1)?);
            if let (Some(&i), Some(&j)) = (index.get(a.as_str()), index.get(b.as_str())) {
                rejected.insert((i.min(j), i.max(j)));
            }
        }
    }
    let places = territory_places(tx)?;
    let lex = office_lexicon(tx)?;
    let learned = learned(tx)?;
    let groups = suggest::suggest_with(
        &items,
        &rejected,
        &places,
        &suggest::Params::tuned(),
        &lex,
        &learned,
    );
    let mut titles: HashMap<i64, String> = HashMap::new();
    let mut by_need: HashMap<i64, Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        if let Some(n) = r.need {
            by_need.entry(n).or_default().push(i);
        }
    }
    let mut out = Vec::new();
    for g in groups {
        let unplaced: Vec<usize> = g
            .members
            .iter()
            .copied()
            .filter(|m| rows[*m].need.is_none())
            .collect();
        if unplaced.is_empty() {
            continue;
        }
        let mut need_votes: BTreeMap<i64, usize> = BTreeMap::new();
        for m in &g.members {
            if let Some(n) = rows[*m].need {
                *need_votes.entry(n).or_insert(0) += 1;
            }
        }
        let need_id = need_votes
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(n, _)| *n);
        if need_id.is_none() && unplaced.len() < 2 {
            continue;
        }
        let need_title = match need_id {
            Some(n) => Some(match titles.get(&n) {
                Some(t) => t.clone(),
                None => {
                    let t: String =
                        tx.query_row("SELECT title FROM needs WHERE id = ?1", [n], |r| r.get(0))?;
                    titles.insert(n, t.clone());
                    t
                }
            }),
            None => None,
        };
        let first_sector = &items[g.members[0]].sector;
        let same_sector = if g.members.iter().all(|m| &items[*m].sector == first_sector) {
            first_sector.clone()
        } else {
            None
        };
        let first_pole = &items[g.members[0]].pole;
        let same_pole = g
            .members
            .iter()
            .all(|m| &items[*m].pole == first_pole)
            .then(|| first_pole.clone());
        let douar_ids: BTreeSet<String> = g
            .members
            .iter()
            .flat_map(|m| items[*m].douars.iter().cloned())
            .collect();
        let proposed_title = unplaced
            .iter()
            .map(|m| rows[*m].problem.trim())
            .filter(|t| !t.is_empty())
            .min_by_key(|t| t.chars().count())
            .unwrap_or_default()
            .to_string();
        // Into a need: the reason is what these proposals share with the need's own (its
        // title and every member, not only those the engine grouped them with).
        let shared_words = match need_id {
            Some(n) => {
                let title: String =
                    tx.query_row("SELECT title_norm FROM needs WHERE id = ?1", [n], |r| {
                        r.get(0)
                    })?;
                let need_texts: Vec<&str> = std::iter::once(title.as_str())
                    .chain(
                        by_need
                            .get(&n)
                            .into_iter()
                            .flatten()
                            .map(|m| items[*m].text_norm.as_str()),
                    )
                    .collect();
                let late: Vec<&str> = unplaced
                    .iter()
                    .map(|m| items[*m].text_norm.as_str())
                    .collect();
                let why = suggest::relate::shared_reason(&lex, &places, &late, &need_texts);
                if why.is_empty() { g.shared_terms } else { why }
            }
            None => g.shared_terms,
        };
        let mut proposal_ids: Vec<Uuid> = unplaced.iter().map(|m| rows[*m].uuid).collect();
        proposal_ids.sort();
        out.push(Suggestion {
            proposal_ids,
            need_id,
            need_title,
            confidence: g.confidence,
            reason: SuggestionReason {
                shared_words,
                same_sector: same_sector.map(|s| Sector::parse(&s)),
                douar_ids: douar_ids.into_iter().collect(),
                same_pole,
            },
            proposed_title,
        });
        if out.len() >= limit {
            break;
        }
    }
    Ok(out)
}

/// The territory's names as the engine recognises them in the text: every douar (a merged
/// one as the douar it became) and every named place, with their aliases.
pub fn territory_places(tx: &Transaction<'_>) -> AppResult<suggest::Places> {
    let m = crate::territory::Model::load(tx)?;
    let mut list = Vec::with_capacity(m.douars.len() + m.places.len());
    for d in &m.douars {
        let id = d.merged_into.clone().unwrap_or_else(|| d.id.clone());
        list.push(suggest::PlaceName {
            id: id.clone(),
            shown: d.name_ar.clone(),
            names: [&d.name_ar, &d.name_fr]
                .into_iter()
                .chain(&d.aliases)
                .cloned()
                .collect(),
            douars: vec![id],
        });
    }
    for p in m.places.iter().filter(|p| !p.retired) {
        list.push(suggest::PlaceName {
            id: format!("place:{}", p.id),
            shown: p.name_ar.clone(),
            names: [&p.name_ar, &p.name_fr]
                .into_iter()
                .chain(&p.aliases)
                .cloned()
                .collect(),
            douars: p.douar_ids.clone(),
        });
    }
    Ok(suggest::Places::new(list))
}

/// Records that these proposals are not alike: no pair of them is suggested together again.
pub fn reject_suggestion(
    tx: &Transaction<'_>,
    user: &AuthUser,
    body: &RejectSuggestion,
) -> AppResult<()> {
    let ids = checked_ids(tx, &body.proposal_ids, false)?;
    if ids.len() < 2 {
        return Err(AppError::bad_request(
            ErrorCode::BadRequest,
            "a suggestion to reject has at least two proposals",
        ));
    }
    if ids.len() > 200 {
        return Err(AppError::bad_request(
            ErrorCode::TooMany,
            "reject at most 200 proposals at once",
        ));
    }
    let now = now_secs();
    let mut apart = Vec::new();
    let mut stmt = tx.prepare_cached(
        "INSERT OR IGNORE INTO suggestion_rejections (proposal_a, proposal_b, at, user_id) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (i, a) in ids.iter().enumerate() {
        for b in &ids[i + 1..] {
            let (x, y) = if a < b { (a, b) } else { (b, a) };
            if stmt.execute(params![x, y, now, user.id])? == 1 {
                apart.push((x.to_string(), y.to_string(), false));
            }
        }
    }
    learn_pairs(tx, &apart, None)?;
    auth::audit(
        tx,
        Some(user.id),
        "suggestion.reject",
        None,
        Some(&json!({ "proposal_ids": ids }).to_string()),
    )?;
    Ok(())
}

/// The programme's projects that probably answer need `need`, best first (issue 18): its
/// title, description and live proposals against each project's titles, description and
/// location, by [`suggest::relate::rank_projects`]. Projects already linked and placeholders
/// (a number without a title) are left out. A need that does not exist is 404; a closed one
/// still gets its answer (it is read-only, the office may look).
pub fn project_suggestions(
    tx: &Transaction<'_>,
    need: i64,
    limit: usize,
) -> AppResult<Vec<ProjectSuggestion>> {
    let row: Option<(String, String, Option<String>)> = tx
        .query_row(
            "SELECT title_norm, description, sector FROM needs WHERE id = ?1",
            [need],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((title_norm, description, sector)) = row else {
        return Err(AppError::NotFound(format!("no need {need}")));
    };
    let mut described = suggest::relate::Described {
        texts: vec![title_norm, normalize(&description)],
        sector,
        douars: Vec::new(),
    };
    {
        let mut stmt = tx.prepare(
            "SELECT p.problem_norm, p.solution_norm, p.douar_id,
                    (SELECT group_concat(sd.douar_id, ' ') FROM session_douars sd WHERE sd.session_id = p.session_id)
             FROM need_members m JOIN proposals p ON p.id = m.proposal_id
             WHERE m.need_id = ?1 AND p.deleted = 0 ORDER BY p.id",
        )?;
        let mut q = stmt.query([need])?;
        let mut douars: BTreeSet<String> = BTreeSet::new();
        while let Some(r) = q.next()? {
            let (problem, solution): (String, String) = (r.get(0)?, r.get(1)?);
            described.texts.push(format!("{problem} {solution}"));
            match r.get::<_, Option<String>>(2)? {
                Some(d) => {
                    douars.insert(d);
                }
                None => {
                    let s: Option<String> = r.get(3)?;
                    douars.extend(s.unwrap_or_default().split(' ').map(String::from));
                }
            }
        }
        douars.remove("");
        described.douars = douars.into_iter().collect();
    }
    struct Project {
        id: i64,
        number: i64,
        title_ar: String,
        title_fr: String,
    }
    let mut projects: Vec<Project> = Vec::new();
    let mut texts: Vec<suggest::relate::Described> = Vec::new();
    {
        let mut stmt = tx.prepare(
            "SELECT id, number, title_ar, title_fr, title_en, description, location, sector,
                    (SELECT group_concat(douar_id, ' ') FROM project_douars d WHERE d.project_id = projects.id)
             FROM projects
             WHERE placeholder = 0
               AND id NOT IN (SELECT project_id FROM need_projects WHERE need_id = ?1)
             ORDER BY number",
        )?;
        let mut q = stmt.query([need])?;
        while let Some(r) = q.next()? {
            let words: Vec<String> = (2..=6)
                .map(|c| r.get::<_, String>(c).map(|t| normalize(&t)))
                .collect::<Result<_, _>>()?;
            let douars: Option<String> = r.get(8)?;
            texts.push(suggest::relate::Described {
                texts: words.into_iter().filter(|t| !t.is_empty()).collect(),
                sector: r.get(7)?,
                douars: douars
                    .unwrap_or_default()
                    .split(' ')
                    .filter(|d| !d.is_empty())
                    .map(String::from)
                    .collect(),
            });
            projects.push(Project {
                id: r.get(0)?,
                number: r.get(1)?,
                title_ar: r.get(2)?,
                title_fr: r.get(3)?,
            });
        }
    }
    let lex = office_lexicon(tx)?;
    let places = territory_places(tx)?;
    let fits = suggest::relate::rank_projects(&lex, &places, &described, &texts, limit);
    Ok(fits
        .into_iter()
        .map(|f| {
            let p = &projects[f.project];
            ProjectSuggestion {
                project_id: p.id,
                number: p.number,
                title_ar: p.title_ar.clone(),
                title_fr: p.title_fr.clone(),
                confidence: f.score,
                places: f.places,
                shared_words: f.shared,
                same_sector: f
                    .same_sector
                    .then(|| described.sector.as_deref().map(Sector::parse))
                    .flatten(),
            }
        })
        .collect())
}
