//! The territory as the commune's staff keep it: poles, douars (aliases, centre, population,
//! retired, merged into another) and other named places (`/api/territory…`, the territory
//! file in `file.rs`).
//!
//! Every change is made on a [`Model`] of the whole territory in memory (a commune has tens
//! or hundreds of douars), checked whole with [`Model::problems`] (names unique once
//! normalised, poles and douars that exist, no merge cycle), then written as the difference
//! from what was read, in the caller's transaction, with one audit entry. So the API's
//! actions and the import apply the same rules.
//!
//! Douar ids are stable text: documents on tablets keep them forever. A new douar's id comes
//! from its Latin name (`ait-lami`, `ait-lami-2`), and never changes with a rename. A merged
//! douar stays (its name shows on the sessions that name it), marked `merged_into`; the
//! projections (`session_douars`, `proposals.douar_id`) and the project and place links move
//! to the target at the merge, and the projection follows `merged_into` whenever it runs
//! again (`resolve_douar`), so a rebuild reads the same.

pub mod file;

use std::collections::{BTreeMap, HashMap};

use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::json;
use tachkhis_shared::{
    api::territory::{
        DouarInput, DouarPatch, MergeDouar, Order, PlaceInput, PoleInput, PolePatch, Territory,
    },
    codes::{ErrorCode, PlaceKind},
    reference::{Douar, Place, Pole},
    text::normalize,
};

use crate::{
    db::now_secs,
    http::error::{AppError, AppResult},
    users::auth,
};

/// Longest name or alias, in characters (the tablets' limit for names).
pub const MAX_NAME_CHARS: usize = 200;
/// Most aliases of one douar or place.
pub const MAX_ALIASES: usize = 50;

/// The whole territory, as read, then changed in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub poles: Vec<Pole>,
    pub douars: Vec<Douar>,
    pub places: Vec<Place>,
}

impl Model {
    pub fn load(tx: &Transaction<'_>) -> AppResult<Model> {
        let poles = tx
            .prepare(
                "SELECT id, name_ar, name_fr, illustrative, coalesce(number, position + 1),
                        retired_at IS NOT NULL
                 FROM poles ORDER BY position, id",
            )?
            .query_map([], |r| {
                Ok(Pole {
                    id: r.get(0)?,
                    name_ar: r.get(1)?,
                    name_fr: r.get(2)?,
                    illustrative: r.get(3)?,
                    number: u32::try_from(r.get::<_, i64>(4)?).unwrap_or(0),
                    retired: r.get(5)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut aliases: HashMap<String, Vec<String>> = HashMap::new();
        {
            let mut stmt =
                tx.prepare("SELECT douar_id, alias FROM douar_aliases ORDER BY douar_id, rowid")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                aliases.entry(r.get(0)?).or_default().push(r.get(1)?);
            }
        }
        let douars = tx
            .prepare(
                "SELECT d.id, d.pole_id, d.name_ar, d.name_fr, d.illustrative, d.centre,
                        d.population, d.retired_at IS NOT NULL, d.merged_into
                 FROM douars d LEFT JOIN poles p ON p.id = d.pole_id
                 ORDER BY p.position, d.position, d.id",
            )?
            .query_map([], |r| {
                Ok(Douar {
                    id: r.get(0)?,
                    pole_id: r.get(1)?,
                    name_ar: r.get(2)?,
                    name_fr: r.get(3)?,
                    aliases: Vec::new(),
                    illustrative: r.get(4)?,
                    centre: r.get(5)?,
                    population: r
                        .get::<_, Option<i64>>(6)?
                        .and_then(|p| u32::try_from(p).ok()),
                    retired: r.get(7)?,
                    merged_into: r.get(8)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .map(|mut d| {
                d.aliases = aliases.remove(&d.id).unwrap_or_default();
                d
            })
            .collect();
        let mut place_aliases: HashMap<i64, Vec<String>> = HashMap::new();
        {
            let mut stmt =
                tx.prepare("SELECT place_id, alias FROM place_aliases ORDER BY place_id, rowid")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                place_aliases.entry(r.get(0)?).or_default().push(r.get(1)?);
            }
        }
        let mut place_douars: HashMap<i64, Vec<String>> = HashMap::new();
        {
            let mut stmt = tx.prepare(
                "SELECT x.place_id, x.douar_id FROM place_douars x
                 LEFT JOIN douars d ON d.id = x.douar_id LEFT JOIN poles p ON p.id = d.pole_id
                 ORDER BY x.place_id, p.position, d.position, x.douar_id",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                place_douars.entry(r.get(0)?).or_default().push(r.get(1)?);
            }
        }
        let places = tx
            .prepare(
                "SELECT id, kind, name_ar, name_fr, retired_at IS NOT NULL FROM places
                 ORDER BY position, id",
            )?
            .query_map([], |r| {
                Ok(Place {
                    id: r.get(0)?,
                    kind: PlaceKind::parse(&r.get::<_, String>(1)?),
                    name_ar: r.get(2)?,
                    name_fr: r.get(3)?,
                    aliases: Vec::new(),
                    douar_ids: Vec::new(),
                    retired: r.get(4)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .map(|mut p| {
                p.aliases = place_aliases.remove(&p.id).unwrap_or_default();
                p.douar_ids = place_douars.remove(&p.id).unwrap_or_default();
                p
            })
            .collect();
        Ok(Model {
            poles,
            douars,
            places,
        })
    }

    pub fn into_territory(self) -> Territory {
        Territory {
            poles: self.poles,
            douars: self.douars,
            places: self.places,
        }
    }

    pub fn pole(&self, id: &str) -> Option<&Pole> {
        self.poles.iter().find(|p| p.id == id)
    }

    pub fn douar(&self, id: &str) -> Option<&Douar> {
        self.douars.iter().find(|d| d.id == id)
    }

    fn douar_mut(&mut self, id: &str) -> AppResult<&mut Douar> {
        self.douars
            .iter_mut()
            .find(|d| d.id == id)
            .ok_or_else(|| AppError::NotFound(format!("no douar '{id}'")))
    }

    fn pole_mut(&mut self, id: &str) -> AppResult<&mut Pole> {
        self.poles
            .iter_mut()
            .find(|p| p.id == id)
            .ok_or_else(|| AppError::NotFound(format!("no pole '{id}'")))
    }

    /// The douar a document's id reads as: itself, or where its merges lead.
    pub fn resolve(&self, id: &str) -> Option<&Douar> {
        let mut d = self.douar(id)?;
        for _ in 0..=self.douars.len() {
            match &d.merged_into {
                Some(next) => d = self.douar(next)?,
                None => return Some(d),
            }
        }
        None
    }

    /// Whether a douar may be chosen for new work: in use, and in a pole in use.
    pub fn offered(&self, d: &Douar) -> bool {
        !d.retired && d.merged_into.is_none() && self.pole(&d.pole_id).is_some_and(|p| !p.retired)
    }

    /// The douar (not merged, other than `except`) that has `key` as a name or alias.
    pub fn douar_with_key(&self, key: &str, except: Option<&str>) -> Option<&Douar> {
        if key.is_empty() {
            return None;
        }
        self.douars.iter().find(|d| {
            d.merged_into.is_none()
                && Some(d.id.as_str()) != except
                && douar_keys(d).any(|k| k == key)
        })
    }

    /// Every rule broken, each with what it is about (a douar id, a pole id, `place:N`) and the
    /// error code that says it.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let mut numbers: HashMap<u32, &str> = HashMap::new();
        let mut pole_names: HashMap<String, &str> = HashMap::new();
        for p in &self.poles {
            check_name(&mut out, &p.id, "the pole's Arabic name", &p.name_ar, true);
            check_name(&mut out, &p.id, "the pole's French name", &p.name_fr, false);
            if p.number == 0 {
                out.push(Problem::new(
                    &p.id,
                    ErrorCode::InvalidTerritory,
                    "a pole's number is 1 or more",
                ));
            }
            if p.retired {
                continue;
            }
            if let Some(other) = numbers.insert(p.number, &p.id) {
                out.push(Problem::new(
                    &p.id,
                    ErrorCode::DuplicateName,
                    format!("pole number {} is already pole '{other}''s", p.number),
                ));
            }
            for name in [&p.name_ar, &p.name_fr] {
                let key = normalize(name);
                if key.is_empty() {
                    continue;
                }
                match pole_names.get(&key) {
                    Some(other) if *other != p.id => out.push(Problem::new(
                        &p.id,
                        ErrorCode::DuplicateName,
                        format!("the pole name '{name}' is already pole '{other}''s"),
                    )),
                    _ => {
                        pole_names.insert(key, &p.id);
                    }
                }
            }
        }
        let mut keys: HashMap<String, &str> = HashMap::new();
        for d in &self.douars {
            check_name(&mut out, &d.id, "the douar's Arabic name", &d.name_ar, true);
            check_name(&mut out, &d.id, "the douar's Latin name", &d.name_fr, false);
            if d.aliases.len() > MAX_ALIASES {
                out.push(Problem::new(
                    &d.id,
                    ErrorCode::InvalidTerritory,
                    format!("at most {MAX_ALIASES} aliases"),
                ));
            }
            for a in &d.aliases {
                check_name(&mut out, &d.id, "an alias", a, true);
            }
            match self.pole(&d.pole_id) {
                None => out.push(Problem::new(
                    &d.id,
                    ErrorCode::UnknownPole,
                    format!("unknown pole '{}'", d.pole_id),
                )),
                Some(p) if p.retired && !d.retired && d.merged_into.is_none() => {
                    out.push(Problem::new(
                        &d.id,
                        ErrorCode::InvalidTerritory,
                        format!(
                            "pole {} is retired: a douar in use cannot be in it",
                            p.number
                        ),
                    ))
                }
                Some(_) => {}
            }
            if let Some(target) = &d.merged_into {
                if self.resolve(&d.id).is_none() {
                    out.push(Problem::new(
                        &d.id,
                        ErrorCode::MergeCycle,
                        format!("merging '{}' into '{target}' makes a cycle", d.name_ar),
                    ));
                }
                continue;
            }
            let mut own: Vec<String> = douar_keys(d).collect();
            own.sort();
            own.dedup();
            for key in own {
                match keys.get(&key) {
                    Some(other) => {
                        let name = self.douar(other).map_or("", |o| o.name_ar.as_str());
                        let mut p = Problem::new(
                            &d.id,
                            ErrorCode::DuplicateName,
                            format!(
                                "duplicate douar name: '{}' is already a name of douar '{name}' ({other})",
                                shown_key(d, &key)
                            ),
                        );
                        p.with = Some(other.to_string());
                        out.push(p);
                    }
                    None => {
                        keys.insert(key, &d.id);
                    }
                }
            }
        }
        let mut place_keys: HashMap<(String, String), i64> = HashMap::new();
        for p in &self.places {
            let id = format!("place:{}", p.id);
            if !p.kind.is_known() {
                out.push(Problem::new(
                    &id,
                    ErrorCode::InvalidTerritory,
                    format!(
                        "unknown place kind '{}' (the kinds are: {})",
                        p.kind,
                        kind_codes()
                    ),
                ));
            }
            check_name(&mut out, &id, "the place's Arabic name", &p.name_ar, true);
            check_name(&mut out, &id, "the place's French name", &p.name_fr, false);
            if p.aliases.len() > MAX_ALIASES {
                out.push(Problem::new(
                    &id,
                    ErrorCode::InvalidTerritory,
                    format!("at most {MAX_ALIASES} aliases"),
                ));
            }
            for a in &p.aliases {
                check_name(&mut out, &id, "an alias", a, true);
            }
            for d in &p.douar_ids {
                if self.douar(d).is_none() {
                    out.push(Problem::new(
                        &id,
                        ErrorCode::UnknownDouar,
                        format!("unknown douar '{d}'"),
                    ));
                }
            }
            if p.retired {
                continue;
            }
            let key = (p.kind.code().to_string(), normalize(&p.name_ar));
            if let Some(other) = place_keys.insert(key, p.id)
                && other != p.id
            {
                out.push(Problem::new(
                    &id,
                    ErrorCode::DuplicateName,
                    format!("there is already a place '{}' of this kind", p.name_ar),
                ));
            }
        }
        out
    }

    /// The first problem this model has that `before` did not, as an API error (400 with its
    /// code): a change is judged by what it breaks, not by what was already there.
    fn check_against(&self, before: &Model) -> AppResult<()> {
        let old = before.problems();
        match self.problems().into_iter().find(|p| !old.contains(p)) {
            None => Ok(()),
            Some(p) => Err(AppError::bad_request(p.code, p.reason)),
        }
    }

    /// A new douar id from its names: the Latin name as a slug, unique among the douars.
    pub fn new_douar_id(&self, name_fr: &str, name_ar: &str) -> String {
        let base = slug(name_fr);
        let base = if base.is_empty() {
            // An Arabic-only name: a number the commune's ids do not have yet.
            let _ = name_ar;
            "douar".to_string()
        } else {
            base
        };
        unique_id(&base, |id| self.douar(id).is_some())
    }

    pub fn new_pole_id(&self, number: u32) -> String {
        unique_id(&format!("pole-{number}"), |id| self.pole(id).is_some())
    }

    /// Writes what differs from `before`, in `tx`. Ids of new places are given by SQLite
    /// (those with id 0 or less in the model), and written back into the model.
    pub fn save(&mut self, tx: &Transaction<'_>, before: &Model) -> AppResult<()> {
        let now = now_secs();
        let commune: Option<String> = tx
            .query_row("SELECT id FROM communes ORDER BY id LIMIT 1", [], |r| {
                r.get(0)
            })
            .optional()?;
        let old_poles: HashMap<&str, (usize, &Pole)> = before
            .poles
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.as_str(), (i, p)))
            .collect();
        for (i, p) in self.poles.iter().enumerate() {
            match old_poles.get(p.id.as_str()) {
                None => {
                    let commune = commune.clone().ok_or_else(|| {
                        AppError::bad_request(
                            ErrorCode::SetupRequired,
                            "the commune is not set up yet",
                        )
                    })?;
                    tx.execute(
                        "INSERT INTO poles (id, commune_id, position, name_ar, name_fr, number, retired_at,
                                            illustrative)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                        params![p.id, commune, i as i64, p.name_ar, p.name_fr, p.number,
                                p.retired.then_some(now), p.illustrative],
                    )?;
                }
                Some((j, old)) if *j != i || *old != p => {
                    tx.execute(
                        "UPDATE poles SET position = ?2, name_ar = ?3, name_fr = ?4, number = ?5,
                           retired_at = CASE WHEN ?6 THEN coalesce(retired_at, ?7) END
                         WHERE id = ?1",
                        params![
                            p.id, i as i64, p.name_ar, p.name_fr, p.number, p.retired, now
                        ],
                    )?;
                }
                Some(_) => {}
            }
        }
        // Positions count within each pole, in the model's order.
        let mut next_position: HashMap<&str, i64> = HashMap::new();
        let old_douars: HashMap<&str, &Douar> =
            before.douars.iter().map(|d| (d.id.as_str(), d)).collect();
        let old_positions = douar_positions(before);
        for d in &self.douars {
            let position = next_position.entry(d.pole_id.as_str()).or_insert(0);
            let pos = *position;
            *position += 1;
            match old_douars.get(d.id.as_str()) {
                None => {
                    tx.execute(
                        "INSERT INTO douars (id, pole_id, position, name_ar, name_fr, name_norm, centre,
                                             population, retired_at, merged_into, illustrative)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                        params![d.id, d.pole_id, pos, d.name_ar, d.name_fr, normalize(&d.name_ar),
                                d.centre, d.population, d.retired.then_some(now), d.merged_into,
                                d.illustrative],
                    )?;
                    write_aliases(tx, &d.id, &d.aliases)?;
                    known_at_last(tx, &d.id, d.merged_into.as_deref())?;
                }
                Some(old) => {
                    if *old != d || old_positions.get(d.id.as_str()) != Some(&pos) {
                        tx.execute(
                            "UPDATE douars SET pole_id = ?2, position = ?3, name_ar = ?4, name_fr = ?5,
                               name_norm = ?6, centre = ?7, population = ?8,
                               retired_at = CASE WHEN ?9 THEN coalesce(retired_at, ?11) END,
                               merged_into = ?10,
                               merged_at = CASE WHEN ?10 IS NULL THEN NULL ELSE coalesce(merged_at, ?11) END,
                               illustrative = ?12
                             WHERE id = ?1",
                            params![d.id, d.pole_id, pos, d.name_ar, d.name_fr, normalize(&d.name_ar),
                                    d.centre, d.population, d.retired, d.merged_into, now,
                                    d.illustrative],
                        )?;
                    }
                    if old.aliases != d.aliases {
                        tx.execute("DELETE FROM douar_aliases WHERE douar_id = ?1", [&d.id])?;
                        write_aliases(tx, &d.id, &d.aliases)?;
                    }
                }
            }
        }
        let old_places: HashMap<i64, (usize, &Place)> = before
            .places
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id, (i, p)))
            .collect();
        let kept: std::collections::HashSet<i64> = self.places.iter().map(|p| p.id).collect();
        for old in &before.places {
            if !kept.contains(&old.id) {
                tx.execute("DELETE FROM places WHERE id = ?1", [old.id])?;
            }
        }
        for (i, p) in self.places.iter_mut().enumerate() {
            let old = old_places.get(&p.id);
            if old.is_some_and(|(j, o)| *j == i && *o == p) {
                continue;
            }
            if old.is_none() {
                tx.execute(
                    "INSERT INTO places (kind, name_ar, name_fr, name_norm, position, retired_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        p.kind.code(),
                        p.name_ar,
                        p.name_fr,
                        normalize(&p.name_ar),
                        i as i64,
                        p.retired.then_some(now)
                    ],
                )?;
                p.id = tx.last_insert_rowid();
            } else {
                tx.execute(
                    "UPDATE places SET kind = ?2, name_ar = ?3, name_fr = ?4, name_norm = ?5, position = ?6,
                       retired_at = CASE WHEN ?7 THEN coalesce(retired_at, ?8) END
                     WHERE id = ?1",
                    params![p.id, p.kind.code(), p.name_ar, p.name_fr, normalize(&p.name_ar), i as i64, p.retired, now],
                )?;
                tx.execute("DELETE FROM place_aliases WHERE place_id = ?1", [p.id])?;
                tx.execute("DELETE FROM place_douars WHERE place_id = ?1", [p.id])?;
            }
            for a in &p.aliases {
                tx.execute(
                    "INSERT OR IGNORE INTO place_aliases (place_id, alias, alias_norm) VALUES (?1, ?2, ?3)",
                    params![p.id, a, normalize(a)],
                )?;
            }
            for d in &p.douar_ids {
                tx.execute(
                    "INSERT OR IGNORE INTO place_douars (place_id, douar_id) VALUES (?1, ?2)",
                    params![p.id, d],
                )?;
            }
        }
        Ok(())
    }
}

fn douar_positions(m: &Model) -> HashMap<&str, i64> {
    let mut next: HashMap<&str, i64> = HashMap::new();
    m.douars
        .iter()
        .map(|d| {
            let n = next.entry(d.pole_id.as_str()).or_insert(0);
            let pos = *n;
            *n += 1;
            (d.id.as_str(), pos)
        })
        .collect()
}

fn write_aliases(tx: &Transaction<'_>, id: &str, aliases: &[String]) -> AppResult<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT OR IGNORE INTO douar_aliases (douar_id, alias, alias_norm) VALUES (?1, ?2, ?3)",
    )?;
    for a in aliases {
        stmt.execute(params![id, a, normalize(a)])?;
    }
    Ok(())
}

/// A rule broken: about what (douar id, pole id, `place:N`), its code, and why in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub about: String,
    /// The other one a clash is with, when there is one.
    pub with: Option<String>,
    pub code: ErrorCode,
    pub reason: String,
}

impl Problem {
    fn new(about: &str, code: ErrorCode, reason: impl Into<String>) -> Problem {
        Problem {
            about: about.to_string(),
            with: None,
            code,
            reason: reason.into(),
        }
    }
}

fn check_name(out: &mut Vec<Problem>, about: &str, what: &str, name: &str, required: bool) {
    if required && normalize(name).is_empty() {
        out.push(Problem::new(
            about,
            ErrorCode::InvalidTerritory,
            format!("{what} is required"),
        ));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        out.push(Problem::new(
            about,
            ErrorCode::InvalidTerritory,
            format!("{what} is longer than {MAX_NAME_CHARS} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        out.push(Problem::new(
            about,
            ErrorCode::InvalidTerritory,
            format!("{what} holds control characters"),
        ));
    }
}

/// The comparison keys of a douar: its names and aliases, normalised.
pub fn douar_keys(d: &Douar) -> impl Iterator<Item = String> + '_ {
    [&d.name_ar, &d.name_fr]
        .into_iter()
        .chain(&d.aliases)
        .map(|n| normalize(n))
        .filter(|k| !k.is_empty())
}

fn shown_key(d: &Douar, key: &str) -> String {
    [&d.name_ar, &d.name_fr]
        .into_iter()
        .chain(&d.aliases)
        .find(|n| normalize(n) == key)
        .cloned()
        .unwrap_or_else(|| key.to_string())
}

pub fn kind_codes() -> String {
    PlaceKind::ALL
        .iter()
        .map(PlaceKind::code)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `Aït-Abbou` → `ait-abbou`: ASCII letters and digits of the normalised name, `-` between.
fn slug(name: &str) -> String {
    let key = normalize(name);
    let mut out = String::new();
    for c in key.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-')
        .chars()
        .take(40)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

fn unique_id(base: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|id| !taken(id))
        .unwrap_or_else(|| base.to_string())
}

/// Trims aliases, drops blank and repeated ones and those written as a name is. A spelling
/// that differs only in what normalising folds ("إدوز" for "ادوز") is kept: people search
/// with it and want to see it.
fn tidy_aliases(name_ar: &str, name_fr: &str, aliases: &[String]) -> Vec<String> {
    let mut seen: Vec<&str> = vec![name_ar.trim(), name_fr.trim()];
    let mut out: Vec<String> = Vec::new();
    for a in aliases {
        let a = a.trim();
        if normalize(a).is_empty() || seen.contains(&a) {
            continue;
        }
        seen.push(a);
        out.push(a.to_string());
    }
    out
}

/// Writes the model if it breaks no rule, with one audit entry (`territory.<action>`).
fn commit(
    tx: &Transaction<'_>,
    user_id: Option<i64>,
    before: &Model,
    mut after: Model,
    action: &str,
    target: &str,
    detail: serde_json::Value,
) -> AppResult<Model> {
    after.check_against(before)?;
    after.save(tx, before)?;
    auth::audit(
        tx,
        user_id,
        &format!("territory.{action}"),
        Some(target),
        Some(&detail.to_string()),
    )?;
    Ok(after)
}

/// The territory, every pole, douar and place.
pub fn load(tx: &Transaction<'_>) -> AppResult<Territory> {
    Ok(Model::load(tx)?.into_territory())
}

pub fn create_pole(tx: &Transaction<'_>, user: Option<i64>, input: PoleInput) -> AppResult<Pole> {
    let before = Model::load(tx)?;
    let mut after = before.clone();
    let number = input.number.unwrap_or_else(|| {
        after
            .poles
            .iter()
            .filter(|p| !p.retired)
            .map(|p| p.number)
            .max()
            .unwrap_or(0)
            + 1
    });
    let pole = Pole {
        id: after.new_pole_id(number),
        name_ar: input.name_ar.trim().to_string(),
        name_fr: input.name_fr.trim().to_string(),
        illustrative: false,
        number,
        retired: false,
    };
    after.poles.push(pole.clone());
    commit(
        tx,
        user,
        &before,
        after,
        "pole.create",
        &format!("pole:{}", pole.id),
        json!(pole),
    )?;
    Ok(pole)
}

pub fn patch_pole(
    tx: &Transaction<'_>,
    user: Option<i64>,
    id: &str,
    patch: PolePatch,
) -> AppResult<Pole> {
    let before = Model::load(tx)?;
    let mut after = before.clone();
    let old = before
        .pole(id)
        .cloned()
        .ok_or_else(|| AppError::NotFound(format!("no pole '{id}'")))?;
    if patch.retired == Some(true) && !old.retired {
        let in_use: Vec<&str> = after
            .douars
            .iter()
            .filter(|d| d.pole_id == id && !d.retired && d.merged_into.is_none())
            .map(|d| d.name_ar.as_str())
            .collect();
        if !in_use.is_empty() {
            return Err(AppError::Conflict(format!(
                "pole {} still has douars in use ({}): move or retire them first",
                old.number,
                in_use.join("، ")
            )));
        }
    }
    let p = after.pole_mut(id)?;
    if let Some(n) = patch.number {
        p.number = n;
    }
    if let Some(n) = patch.name_ar {
        p.name_ar = n.trim().to_string();
    }
    if let Some(n) = patch.name_fr {
        p.name_fr = n.trim().to_string();
    }
    if let Some(r) = patch.retired {
        p.retired = r;
    }
    let new = p.clone();
    commit(
        tx,
        user,
        &before,
        after,
        "pole.update",
        &format!("pole:{id}"),
        json!({"before": old, "after": new}),
    )?;
    Ok(new)
}

/// Puts the poles in the order of `order.ids` (every pole once).
pub fn order_poles(tx: &Transaction<'_>, user: Option<i64>, order: Order) -> AppResult<Territory> {
    let before = Model::load(tx)?;
    let mut after = before.clone();
    after.poles = reorder(&before.poles, &order.ids, |p| &p.id, "pole")?;
    let m = commit(
        tx,
        user,
        &before,
        after,
        "pole.order",
        "poles",
        json!(order.ids),
    )?;
    Ok(m.into_territory())
}

/// Puts the douars of one pole in the order of `order.ids` (every douar of the pole once).
pub fn order_douars(
    tx: &Transaction<'_>,
    user: Option<i64>,
    pole_id: &str,
    order: Order,
) -> AppResult<Territory> {
    let before = Model::load(tx)?;
    before
        .pole(pole_id)
        .ok_or_else(|| AppError::NotFound(format!("no pole '{pole_id}'")))?;
    let of_pole: Vec<Douar> = before
        .douars
        .iter()
        .filter(|d| d.pole_id == pole_id)
        .cloned()
        .collect();
    let ordered = reorder(&of_pole, &order.ids, |d| &d.id, "douar of this pole")?;
    let mut after = before.clone();
    after.douars.retain(|d| d.pole_id != pole_id);
    after.douars.extend(ordered);
    let m = commit(
        tx,
        user,
        &before,
        after,
        "douar.order",
        &format!("pole:{pole_id}"),
        json!(order.ids),
    )?;
    Ok(m.into_territory())
}

fn reorder<T: Clone>(
    items: &[T],
    ids: &[String],
    id: impl Fn(&T) -> &String,
    what: &str,
) -> AppResult<Vec<T>> {
    let mut out = Vec::with_capacity(items.len());
    for want in ids {
        match items.iter().find(|x| id(x) == want) {
            Some(x) if !out.iter().any(|o: &T| id(o) == want) => out.push(x.clone()),
            Some(_) => {
                return Err(AppError::bad_request(
                    ErrorCode::InvalidTerritory,
                    format!("'{want}' is twice in the order"),
                ));
            }
            None => {
                return Err(AppError::bad_request(
                    ErrorCode::InvalidTerritory,
                    format!("'{want}' is not a {what}"),
                ));
            }
        }
    }
    if out.len() != items.len() {
        let missing: Vec<&str> = items
            .iter()
            .map(|x| id(x).as_str())
            .filter(|x| !ids.iter().any(|i| i == x))
            .collect();
        return Err(AppError::bad_request(
            ErrorCode::InvalidTerritory,
            format!(
                "the order must name every {what}; missing: {}",
                missing.join(", ")
            ),
        ));
    }
    Ok(out)
}

pub fn create_douar(
    tx: &Transaction<'_>,
    user: Option<i64>,
    input: DouarInput,
) -> AppResult<Douar> {
    let before = Model::load(tx)?;
    let mut after = before.clone();
    match before.pole(&input.pole_id) {
        None => {
            return Err(AppError::bad_request(
                ErrorCode::UnknownPole,
                format!("unknown pole '{}'", input.pole_id),
            ));
        }
        Some(p) if p.retired => {
            return Err(AppError::bad_request(
                ErrorCode::InvalidTerritory,
                format!(
                    "pole {} is retired: a new douar goes in a pole in use",
                    p.number
                ),
            ));
        }
        Some(_) => {}
    }
    let (name_ar, name_fr) = (
        input.name_ar.trim().to_string(),
        input.name_fr.trim().to_string(),
    );
    let douar = Douar {
        id: after.new_douar_id(&name_fr, &name_ar),
        pole_id: input.pole_id,
        aliases: tidy_aliases(&name_ar, &name_fr, &input.aliases),
        name_ar,
        name_fr,
        illustrative: false,
        centre: input.centre,
        population: input.population,
        retired: false,
        merged_into: None,
    };
    // After the pole's last douar.
    let at = after
        .douars
        .iter()
        .rposition(|d| d.pole_id == douar.pole_id)
        .map_or(after.douars.len(), |i| i + 1);
    after.douars.insert(at, douar.clone());
    commit(
        tx,
        user,
        &before,
        after,
        "douar.create",
        &format!("douar:{}", douar.id),
        json!(douar),
    )?;
    Ok(douar)
}

pub fn patch_douar(
    tx: &Transaction<'_>,
    user: Option<i64>,
    id: &str,
    patch: DouarPatch,
) -> AppResult<Douar> {
    let before = Model::load(tx)?;
    let mut after = before.clone();
    let old = before
        .douar(id)
        .cloned()
        .ok_or_else(|| AppError::NotFound(format!("no douar '{id}'")))?;
    if let Some(target) = &old.merged_into {
        return Err(AppError::Conflict(format!(
            "douar '{}' is merged into '{target}': change that one",
            old.name_ar
        )));
    }
    if let Some(pole) = &patch.pole_id
        && before.pole(pole).is_none()
    {
        return Err(AppError::bad_request(
            ErrorCode::UnknownPole,
            format!("unknown pole '{pole}'"),
        ));
    }
    let d = after.douar_mut(id)?;
    if let Some(n) = patch.name_ar {
        d.name_ar = n.trim().to_string();
    }
    if let Some(n) = patch.name_fr {
        d.name_fr = n.trim().to_string();
    }
    if let Some(a) = patch.aliases {
        d.aliases = a;
    }
    d.aliases = tidy_aliases(&d.name_ar, &d.name_fr, &d.aliases);
    if let Some(c) = patch.centre {
        d.centre = c;
    }
    if let Some(p) = patch.population {
        d.population = p;
    }
    if let Some(r) = patch.retired {
        d.retired = r;
    }
    let new = d.clone();
    if let Some(pole) = patch.pole_id
        && pole != old.pole_id
    {
        // A move: to the end of the new pole.
        let i = after
            .douars
            .iter()
            .position(|x| x.id == id)
            .ok_or_else(|| AppError::NotFound(format!("no douar '{id}'")))?;
        let mut moved = after.douars.remove(i);
        moved.pole_id = pole;
        let at = after
            .douars
            .iter()
            .rposition(|x| x.pole_id == moved.pole_id)
            .map_or(after.douars.len(), |i| i + 1);
        after.douars.insert(at, moved);
    }
    let new = after.douar(id).cloned().unwrap_or(new);
    commit(
        tx,
        user,
        &before,
        after,
        "douar.update",
        &format!("douar:{id}"),
        json!({"before": old, "after": new}),
    )?;
    Ok(new)
}

/// What a merge moved, for its audit entry and answer.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Moved {
    pub sessions: usize,
    pub proposals: usize,
    pub projects: usize,
    pub places: usize,
}

/// Checks merging `from` into `into` on the model and applies it there (names become aliases).
pub fn merge_in_model(m: &mut Model, from: &str, into: &str) -> Result<(), Problem> {
    let src = m.douar(from).cloned().ok_or_else(|| {
        Problem::new(
            from,
            ErrorCode::UnknownDouar,
            format!("unknown douar '{from}'"),
        )
    })?;
    let dst = m.douar(into).cloned().ok_or_else(|| {
        Problem::new(
            from,
            ErrorCode::UnknownDouar,
            format!("unknown douar '{into}'"),
        )
    })?;
    if from == into {
        return Err(Problem::new(
            from,
            ErrorCode::BadMerge,
            format!("douar '{}' cannot be merged into itself", src.name_ar),
        ));
    }
    if let Some(t) = &src.merged_into {
        return Err(Problem::new(
            from,
            ErrorCode::BadMerge,
            format!("douar '{}' is already merged into '{t}'", src.name_ar),
        ));
    }
    if dst.merged_into.is_some() {
        // Would the target's chain lead back here?
        let mut at = dst.merged_into.clone();
        let mut steps = 0;
        while let Some(next) = at {
            if next == from {
                return Err(Problem::new(
                    from,
                    ErrorCode::MergeCycle,
                    format!(
                        "'{}' is merged into '{}': merging back would make a cycle",
                        dst.name_ar, src.name_ar
                    ),
                ));
            }
            steps += 1;
            if steps > m.douars.len() {
                break;
            }
            at = m.douar(&next).and_then(|d| d.merged_into.clone());
        }
        let end = m.resolve(into).map_or(String::new(), |d| d.name_ar.clone());
        return Err(Problem::new(
            from,
            ErrorCode::BadMerge,
            format!(
                "douar '{}' is merged into another ('{end}'): merge into that one",
                dst.name_ar
            ),
        ));
    }
    if dst.retired {
        return Err(Problem::new(
            from,
            ErrorCode::BadMerge,
            format!(
                "douar '{}' is retired: merge into a douar in use",
                dst.name_ar
            ),
        ));
    }
    let mut names = dst.aliases.clone();
    names.extend([src.name_ar.clone(), src.name_fr.clone()]);
    names.extend(src.aliases.iter().cloned());
    for d in m.douars.iter_mut() {
        if d.id == into {
            d.aliases = tidy_aliases(&dst.name_ar, &dst.name_fr, &names);
        } else if d.id == from {
            d.aliases.clear();
            d.merged_into = Some(into.to_string());
            d.centre = false;
        } else if d.merged_into.as_deref() == Some(from) {
            // Chains stay one step long: what was merged here now reads as the target.
            d.merged_into = Some(into.to_string());
        }
    }
    for p in m.places.iter_mut() {
        let had = p.douar_ids.iter().any(|d| d == from);
        p.douar_ids.retain(|d| d != from);
        if had && !p.douar_ids.iter().any(|d| d == into) {
            p.douar_ids.push(into.to_string());
        }
    }
    Ok(())
}

/// Moves the projection's rows and the project links of `from` to `into`.
pub fn move_links(tx: &Transaction<'_>, from: &str, into: &str) -> AppResult<Moved> {
    tx.execute(
        "INSERT OR IGNORE INTO session_douars (session_id, douar_id, unknown)
         SELECT session_id, ?2, 0 FROM session_douars WHERE douar_id = ?1",
        params![from, into],
    )?;
    let sessions = tx.execute("DELETE FROM session_douars WHERE douar_id = ?1", [from])?;
    let proposals = tx.execute(
        "UPDATE proposals SET douar_id = ?2, douar_unknown = 0 WHERE douar_id = ?1",
        params![from, into],
    )?;
    tx.execute(
        "INSERT OR IGNORE INTO project_douars (project_id, douar_id)
         SELECT project_id, ?2 FROM project_douars WHERE douar_id = ?1",
        params![from, into],
    )?;
    let projects = tx.execute("DELETE FROM project_douars WHERE douar_id = ?1", [from])?;
    // Place links are moved on the model (`merge_in_model`), written by `save`.
    let places: i64 = tx.query_row(
        "SELECT count(*) FROM place_douars WHERE douar_id = ?1",
        [from],
        |r| r.get(0),
    )?;
    Ok(Moved {
        sessions,
        proposals,
        projects,
        places: usize::try_from(places).unwrap_or(0),
    })
}

pub fn merge_douar(
    tx: &Transaction<'_>,
    user: Option<i64>,
    from: &str,
    input: MergeDouar,
) -> AppResult<Douar> {
    let before = Model::load(tx)?;
    if before.douar(from).is_none() {
        return Err(AppError::NotFound(format!("no douar '{from}'")));
    }
    let mut after = before.clone();
    merge_in_model(&mut after, from, &input.into)
        .map_err(|p| AppError::bad_request(p.code, p.reason))?;
    let moved = move_links(tx, from, &input.into)?;
    let target = after.douar(&input.into).cloned();
    commit(
        tx,
        user,
        &before,
        after,
        "douar.merge",
        &format!("douar:{from}"),
        json!({"from": from, "into": input.into, "moved": moved}),
    )?;
    target.ok_or_else(|| AppError::internal("merge target vanished"))
}

/// Sessions and proposals that named `id` before the territory had it (a tablet's douar list
/// ahead of the server's) now name a known douar. The projection rewrites only the rows a
/// document's changes touch, so the rows already projected are brought up to date here.
fn known_at_last(tx: &Transaction<'_>, id: &str, merged_into: Option<&str>) -> AppResult<()> {
    if let Some(into) = merged_into {
        move_links(tx, id, into)?;
        return Ok(());
    }
    tx.execute(
        "UPDATE session_douars SET unknown = 0 WHERE douar_id = ?1 AND unknown",
        [id],
    )?;
    tx.execute(
        "UPDATE proposals SET douar_unknown = 0 WHERE douar_id = ?1 AND douar_unknown",
        [id],
    )?;
    Ok(())
}

/// The douar a document's douar id is projected as: itself, or where its merges lead; `None`
/// for an id the server does not know (projected as it is, and flagged).
pub fn resolve_douar(tx: &Transaction<'_>, id: &str) -> AppResult<Option<String>> {
    let mut stmt = tx.prepare_cached("SELECT merged_into FROM douars WHERE id = ?1")?;
    let mut at = id.to_string();
    // A chain is one step after a merge (they are flattened); the bound guards a hand-edited
    // database.
    for _ in 0..64 {
        match stmt
            .query_row([&at], |r| r.get::<_, Option<String>>(0))
            .optional()?
        {
            None => return Ok(None),
            Some(None) => return Ok(Some(at)),
            Some(Some(next)) => at = next,
        }
    }
    Ok(None)
}

fn place_from(input: PlaceInput, id: i64) -> Place {
    let (name_ar, name_fr) = (
        input.name_ar.trim().to_string(),
        input.name_fr.trim().to_string(),
    );
    let mut douar_ids: Vec<String> = Vec::new();
    for d in input.douar_ids {
        if !douar_ids.contains(&d) {
            douar_ids.push(d);
        }
    }
    Place {
        id,
        kind: input.kind,
        aliases: tidy_aliases(&name_ar, &name_fr, &input.aliases),
        name_ar,
        name_fr,
        douar_ids,
        retired: input.retired,
    }
}

pub fn create_place(
    tx: &Transaction<'_>,
    user: Option<i64>,
    input: PlaceInput,
) -> AppResult<Place> {
    let before = Model::load(tx)?;
    let mut after = before.clone();
    after.places.push(place_from(input, 0));
    after.check_against(&before)?;
    after.save(tx, &before)?;
    let place = after
        .places
        .last()
        .cloned()
        .ok_or_else(|| AppError::internal("no place"))?;
    auth::audit(
        tx,
        user,
        "territory.place.create",
        Some(&format!("place:{}", place.id)),
        Some(&json!(place).to_string()),
    )?;
    Ok(place)
}

pub fn update_place(
    tx: &Transaction<'_>,
    user: Option<i64>,
    id: i64,
    input: PlaceInput,
) -> AppResult<Place> {
    let before = Model::load(tx)?;
    let mut after = before.clone();
    let i = after
        .places
        .iter()
        .position(|p| p.id == id)
        .ok_or_else(|| AppError::NotFound(format!("no place {id}")))?;
    let old = after.places[i].clone();
    after.places[i] = place_from(input, id);
    let new = after.places[i].clone();
    commit(
        tx,
        user,
        &before,
        after,
        "place.update",
        &format!("place:{id}"),
        json!({"before": old, "after": new}),
    )?;
    Ok(new)
}

/// Deletes a place (no document refers to places: retiring is for a place that is gone, this
/// for one entered by mistake).
pub fn delete_place(tx: &Transaction<'_>, user: Option<i64>, id: i64) -> AppResult<()> {
    let before = Model::load(tx)?;
    let mut after = before.clone();
    let i = after
        .places
        .iter()
        .position(|p| p.id == id)
        .ok_or_else(|| AppError::NotFound(format!("no place {id}")))?;
    let old = after.places.remove(i);
    commit(
        tx,
        user,
        &before,
        after,
        "place.delete",
        &format!("place:{id}"),
        json!(old),
    )?;
    Ok(())
}

/// Poles by number, for the file (`BTreeMap` so reports come in order).
pub fn poles_by_number(m: &Model) -> BTreeMap<u32, &Pole> {
    m.poles
        .iter()
        .filter(|p| !p.retired)
        .map(|p| (p.number, p))
        .collect()
}
