//! The project sheet: loaded, validated, written with its douars, poles and partners.

use super::*;
use tachkhis_shared::codes::ErrorCode;

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
                updated_at: r.get(22)?,
                current_status: None,
                input: ProjectInput {
                    number: r.get(1)?,
                    programme_id: r.get(2)?,
                    title_ar: r.get(4)?,
                    title_fr: r.get(5)?,
                    title_en: r.get(6)?,
                    description: r.get(7)?,
                    sector: crate::db::row::opt_code(r, 8)?,
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
                    prerequisite_land: r.get(18)?,
                    prerequisite_studies: r.get(19)?,
                    programme_note: r.get(20)?,
                    placeholder: r.get(21)?,
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
        "SELECT s.project_id, s.partner_id,
                CASE WHEN trim(x.name_ar) = '' THEN x.name_fr ELSE x.name_ar END, s.amount
         FROM project_partner_shares s JOIN partners x ON x.id = s.partner_id
         WHERE ?1 IS NULL OR s.project_id = ?1 ORDER BY s.project_id, s.position",
        &mut |p, r| {
            p.input.partners.push(PartnerShare {
                partner_id: Some(r.get(1)?),
                name: r.get(2)?,
                amount: db_mad(r.get(3)?)?,
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
    // The status derived from the execution records (issue 15, exec).
    let mut statuses = crate::execution::current_statuses(tx)?;
    for p in &mut projects {
        p.current_status = statuses.remove(&p.id);
    }
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
    /// Partner id → the name a share shows (Arabic, or French when there is none).
    partners: HashMap<i64, String>,
    partner_names: HashMap<String, i64>,
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
            partners: HashMap::new(),
            partner_names: HashMap::new(),
        };
        for p in super::partners::list_partners(tx)? {
            for name in [&p.name_ar, &p.name_fr] {
                if !name.trim().is_empty() {
                    lk.partner_names.entry(normalize(name)).or_insert(p.id);
                }
            }
            lk.partners.insert(p.id, super::partners::shown_name(&p));
        }
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
            // A merged douar's names are its target's aliases: only the target answers them.
            "SELECT id, name_norm AS n FROM douars WHERE merged_into IS NULL
             UNION ALL SELECT id, name_fr FROM douars WHERE merged_into IS NULL
             UNION ALL SELECT a.douar_id, a.alias_norm FROM douar_aliases a
               JOIN douars d ON d.id = a.douar_id WHERE d.merged_into IS NULL",
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

    /// Every douar of the commune, by id (a commune-wide project's douars).
    pub fn all_douars(&self) -> Vec<String> {
        let mut all: Vec<String> = self.douars.iter().cloned().collect();
        all.sort();
        all
    }

    pub fn pole(&self, text: &str) -> Option<String> {
        let t = text.trim();
        if self.poles.contains(t) {
            return Some(t.to_string());
        }
        self.pole_names.get(&normalize(t)).cloned()
    }

    /// A partner of the list by its Arabic or French name, compared normalised.
    pub fn partner(&self, name: &str) -> Option<i64> {
        self.partner_names.get(&normalize(name)).copied()
    }

    pub fn axis_of(&self, programme_id: i64) -> Option<i64> {
        self.programmes.get(&programme_id).copied()
    }
}

pub(super) fn too_long(field: &str, value: &str, max: usize, reasons: &mut Vec<String>) {
    if value.chars().count() > max {
        reasons.push(format!("{field} is longer than {max} characters"));
    }
}

pub(super) fn check_amount(field: &str, value: Option<Mad>, reasons: &mut Vec<String>) {
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

pub(super) fn dedup_keep_order(list: &mut Vec<String>) {
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
    ] {
        too_long(field, value, MAX_TEXT_CHARS, &mut reasons);
    }
    too_long(
        "programme_note",
        input.programme_note.as_deref().unwrap_or(""),
        MAX_TEXT_CHARS,
        &mut reasons,
    );
    if lk.axis_of(input.programme_id).is_none() {
        reasons.push(format!("unknown programme id {}", input.programme_id));
    }
    if input
        .sector
        .as_ref()
        .is_some_and(|s| s.code().trim().is_empty())
    {
        input.sector = None;
    }
    if let Some(s) = &input.sector
        && !s.is_known()
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
    let mut seen_partners = HashSet::new();
    for (i, p) in input.partners.iter_mut().enumerate() {
        p.name = p.name.trim().to_string();
        match p.partner_id {
            Some(id) => match lk.partners.get(&id) {
                Some(name) => p.name = name.clone(),
                None => reasons.push(format!("partner {}: unknown partner id {id}", i + 1)),
            },
            None if p.name.is_empty() => reasons.push(format!("partner {} has no name", i + 1)),
            // A name not in the list yet is added to it when the sheet is written.
            None => p.partner_id = lk.partner(&p.name),
        }
        too_long("a partner's name", &p.name, MAX_TITLE_CHARS, &mut reasons);
        let key = p
            .partner_id
            .map_or_else(|| normalize(&p.name), |id| id.to_string());
        if !p.name.is_empty() && !seen_partners.insert(key) {
            reasons.push(format!("partner '{}' is named twice", p.name));
        }
        check_amount(
            &format!("the amount of partner {}", i + 1),
            p.amount,
            &mut reasons,
        );
    }
    let shares_ok = input.partners.len() <= MAX_PARTNERS
        && input.partners.iter().all(|p| {
            p.amount
                .is_none_or(|a| !a.0.is_sign_negative() && a.0 < max_amount())
        });
    if !input.partners.is_empty() && shares_ok {
        // The total counts the known shares. When some are not known yet, a total given for
        // all of them (a commune often knows the sum before the split) is kept if it covers
        // the known ones.
        let known: Vec<Mad> = input.partners.iter().filter_map(|p| p.amount).collect();
        let sum: Mad = known.iter().copied().sum();
        let all_known = known.len() == input.partners.len();
        match input.partners_contribution {
            Some(given) if all_known && given != sum => reasons.push(format!(
                "partners_contribution ({given}) is not the sum of the partners' shares ({sum})"
            )),
            Some(given) if given < sum => reasons.push(format!(
                "partners_contribution ({given}) is less than the partners' known shares ({sum})"
            )),
            Some(_) if !all_known => {}
            _ if known.is_empty() => input.partners_contribution = None,
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
    if input
        .programme_note
        .as_deref()
        .is_some_and(|s| s.trim().is_empty())
    {
        input.programme_note = None;
    }
    reasons
}

pub(super) fn invalid(reasons: Vec<String>) -> AppError {
    AppError::bad_request(ErrorCode::InvalidProject, reasons.join("; "))
}

pub fn project_with_number(tx: &Transaction<'_>, number: i64) -> AppResult<Option<i64>> {
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
            for table in ["project_douars", "project_poles", "project_partner_shares"] {
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
            duration_months = ?15, owner = ?16,
            prerequisite_land = ?17, prerequisite_studies = ?18,
            programme_note = ?19, placeholder = ?20, updated_at = ?21
         WHERE id = ?22",
    )?
    .execute(params![
        p.number,
        p.programme_id,
        p.title_ar,
        p.title_fr,
        p.title_en,
        p.description,
        p.sector.as_ref().map(Sector::code),
        p.location,
        p.beneficiaries_women,
        p.beneficiaries_men,
        amount(p.commune_contribution),
        amount(p.partners_contribution),
        p.start_year,
        p.end_year,
        p.duration_months,
        p.owner,
        p.prerequisite_land,
        p.prerequisite_studies,
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
        "INSERT INTO project_partner_shares (project_id, position, partner_id, amount)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (i, s) in p.partners.iter().enumerate() {
        let partner_id = match s.partner_id {
            Some(pid) => pid,
            None => super::partners::partner_by_name(tx, &s.name)?,
        };
        partner.execute(params![id, i as i64, partner_id, amount(s.amount)])?;
    }
    Ok(id)
}

pub(super) fn sheet_json(p: &ProjectInput) -> serde_json::Value {
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
