//! The programme's structure as the office edits it: strategic axes and their programmes
//! (names in Arabic and French, order). Create, rename, reorder, move a programme to another
//! axis, delete when empty (409 otherwise: a project or a programme would lose its place).
//!
//! Every change is an action of the office's log (a `consolidation_actions` row of an `axis_*`
//! or `programme_*` kind, with an `audit_log` entry), so the office has one log and one undo
//! (`POST /api/actions/{id}/undo` comes here for these kinds). Its effects are rows of
//! `structure_edits`: for each axis or programme it touched, each field that changed, with
//! the value before and after; a row's existence is the field `exists`. Undo is the same for
//! every kind: allowed while every field is still as the action left it (checked on the
//! present state, as consolidation's undo is), then each field goes back to its value before,
//! recorded as an action of its own. Ids are never reused (a new row takes an id above any
//! the log has seen), so a deleted row comes back by undo under its own id.
//!
//! Names are unique among axes, and among all programmes (the project import finds a
//! programme by its name), compared normalised, Arabic and French alike.

use std::collections::{BTreeMap, HashMap};

use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::json;
use tachkhis_shared::{
    api::consolidation::{ActionDone, ActionEntry},
    api::programme::{MoveProgramme, NewProgramme, StructureDone, StructureNames, StructureOrder},
    codes::{ActionKind, ErrorCode},
    permissions::Action,
    text::normalize,
};

use crate::{
    http::error::{AppError, AppResult},
    users::auth::AuthUser,
};

/// Longest name of an axis or a programme, in characters.
pub const MAX_NAME_CHARS: usize = 300;
/// Most axes, or programmes of one axis, an order may name.
pub const MAX_ORDER: usize = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Entity {
    Axis,
    Programme,
}

impl Entity {
    fn code(self) -> &'static str {
        match self {
            Entity::Axis => "axis",
            Entity::Programme => "programme",
        }
    }

    fn parse(code: &str) -> AppResult<Self> {
        match code {
            "axis" => Ok(Entity::Axis),
            "programme" => Ok(Entity::Programme),
            other => Err(AppError::internal(format!("structure entity {other:?}"))),
        }
    }
}

/// An axis or a programme as stored (`axis_id` for a programme only).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Node {
    name_ar: String,
    name_fr: String,
    position: i64,
    axis_id: Option<i64>,
}

const FIELDS: [&str; 5] = ["exists", "name_ar", "name_fr", "position", "axis_id"];

/// A field of a node (absent: `exists` is "0", every other field NULL), as `structure_edits`
/// stores it.
fn field(node: Option<&Node>, field: &str) -> Option<String> {
    match (field, node) {
        ("exists", n) => Some(if n.is_some() { "1" } else { "0" }.to_string()),
        (_, None) => None,
        ("name_ar", Some(n)) => Some(n.name_ar.clone()),
        ("name_fr", Some(n)) => Some(n.name_fr.clone()),
        ("position", Some(n)) => Some(n.position.to_string()),
        ("axis_id", Some(n)) => n.axis_id.map(|a| a.to_string()),
        _ => None,
    }
}

fn read_node(tx: &Transaction<'_>, entity: Entity, id: i64) -> AppResult<Option<Node>> {
    let sql = match entity {
        Entity::Axis => "SELECT name_ar, name_fr, position, NULL FROM axes WHERE id = ?1",
        Entity::Programme => {
            "SELECT name_ar, name_fr, position, axis_id FROM programmes WHERE id = ?1"
        }
    };
    Ok(tx
        .prepare_cached(sql)?
        .query_row([id], |r| {
            Ok(Node {
                name_ar: r.get(0)?,
                name_fr: r.get(1)?,
                position: r.get(2)?,
                axis_id: r.get(3)?,
            })
        })
        .optional()?)
}

fn existing(tx: &Transaction<'_>, entity: Entity, id: i64) -> AppResult<Node> {
    read_node(tx, entity, id)?
        .ok_or_else(|| AppError::NotFound(format!("no {} {id}", entity.code())))
}

/// Makes the stored row what `node` says (absent: deleted), and records every field that
/// changed under `action`.
fn write_node(
    tx: &Transaction<'_>,
    action: i64,
    entity: Entity,
    id: i64,
    node: Option<&Node>,
) -> AppResult<()> {
    let before = read_node(tx, entity, id)?;
    if before.as_ref() == node {
        return Ok(());
    }
    let table = match entity {
        Entity::Axis => "axes",
        Entity::Programme => "programmes",
    };
    match (&before, node) {
        (_, None) => {
            tx.execute(&format!("DELETE FROM {table} WHERE id = ?1"), [id])?;
        }
        (None, Some(n)) => match entity {
            Entity::Axis => {
                tx.execute(
                    "INSERT INTO axes (id, position, name_ar, name_fr) VALUES (?1, ?2, ?3, ?4)",
                    params![id, n.position, n.name_ar, n.name_fr],
                )?;
            }
            Entity::Programme => {
                tx.execute(
                    "INSERT INTO programmes (id, axis_id, position, name_ar, name_fr)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![id, n.axis_id, n.position, n.name_ar, n.name_fr],
                )?;
            }
        },
        (Some(_), Some(n)) => match entity {
            Entity::Axis => {
                tx.execute(
                    "UPDATE axes SET position = ?2, name_ar = ?3, name_fr = ?4 WHERE id = ?1",
                    params![id, n.position, n.name_ar, n.name_fr],
                )?;
            }
            Entity::Programme => {
                tx.execute(
                    "UPDATE programmes SET axis_id = ?2, position = ?3, name_ar = ?4, name_fr = ?5
                     WHERE id = ?1",
                    params![id, n.axis_id, n.position, n.name_ar, n.name_fr],
                )?;
            }
        },
    }
    let mut insert = tx.prepare_cached(
        "INSERT INTO structure_edits (action_id, entity, entity_id, field, before, after)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for f in FIELDS {
        let (b, a) = (field(before.as_ref(), f), field(node, f));
        if b != a {
            insert.execute(params![action, entity.code(), id, f, b, a])?;
        }
    }
    Ok(())
}

/// The office log's row for a change of the structure, with its audit entry.
fn begin(
    tx: &Transaction<'_>,
    user: &AuthUser,
    kind: ActionKind,
    detail: serde_json::Value,
) -> AppResult<i64> {
    crate::consolidation::log_action(tx, user, "programme", kind, detail)
}

/// An id above every id the table has and the log has seen, so that a deleted row's id is
/// never given to another (its undo brings it back under that id).
fn next_id(tx: &Transaction<'_>, entity: Entity) -> AppResult<i64> {
    let sql = match entity {
        Entity::Axis => {
            "SELECT max(coalesce((SELECT max(id) FROM axes), 0),
                        coalesce((SELECT max(entity_id) FROM structure_edits WHERE entity = 'axis'), 0))"
        }
        Entity::Programme => {
            "SELECT max(coalesce((SELECT max(id) FROM programmes), 0),
                        coalesce((SELECT max(entity_id) FROM structure_edits WHERE entity = 'programme'), 0))"
        }
    };
    Ok(tx.query_row(sql, [], |r| r.get::<_, i64>(0))? + 1)
}

fn invalid(message: impl Into<String>) -> AppError {
    AppError::bad_request(ErrorCode::InvalidStructure, message)
}

/// The names trimmed and checked: Arabic required, lengths, and unique among the entity's
/// rows other than `except`.
fn checked_names(
    tx: &Transaction<'_>,
    entity: Entity,
    name_ar: &str,
    name_fr: &str,
    except: Option<i64>,
) -> AppResult<(String, String)> {
    let (ar, fr) = (name_ar.trim().to_string(), name_fr.trim().to_string());
    let mut reasons = Vec::new();
    if ar.is_empty() {
        reasons.push(format!(
            "the {}'s Arabic name (name_ar) is required",
            entity.code()
        ));
    }
    for (key, value) in [("name_ar", &ar), ("name_fr", &fr)] {
        if value.chars().count() > MAX_NAME_CHARS {
            reasons.push(format!("{key} is at most {MAX_NAME_CHARS} characters"));
        }
        if value.chars().any(char::is_control) {
            reasons.push(format!("{key} has control characters"));
        }
    }
    if reasons.is_empty() {
        for name in [&ar, &fr] {
            if let Some(other) = name_taken(tx, entity, name, except)? {
                reasons.push(format!(
                    "the name '{name}' is already {} {other}'s",
                    entity.code()
                ));
            }
        }
    }
    if reasons.is_empty() {
        Ok((ar, fr))
    } else {
        Err(invalid(reasons.join("; ")))
    }
}

/// The axis (or programme) other than `except` with a name that reads as `name` normalised.
fn name_taken(
    tx: &Transaction<'_>,
    entity: Entity,
    name: &str,
    except: Option<i64>,
) -> AppResult<Option<i64>> {
    let key = normalize(name);
    if key.is_empty() {
        return Ok(None);
    }
    let sql = match entity {
        Entity::Axis => "SELECT id, name_ar, name_fr FROM axes ORDER BY id",
        Entity::Programme => "SELECT id, name_ar, name_fr FROM programmes ORDER BY id",
    };
    let mut stmt = tx.prepare_cached(sql)?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        if Some(id) == except {
            continue;
        }
        for n in [r.get::<_, String>(1)?, r.get::<_, String>(2)?] {
            if !n.trim().is_empty() && normalize(&n) == key {
                return Ok(Some(id));
            }
        }
    }
    Ok(None)
}

fn axis_exists(tx: &Transaction<'_>, id: i64) -> AppResult<bool> {
    Ok(tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM axes WHERE id = ?1)")?
        .query_row([id], |r| r.get(0))?)
}

/// The position after the last of the axes, or of the programmes of `axis`.
fn next_position(tx: &Transaction<'_>, axis: Option<i64>) -> AppResult<i64> {
    Ok(match axis {
        None => tx.query_row("SELECT coalesce(max(position), 0) + 1 FROM axes", [], |r| {
            r.get(0)
        })?,
        Some(a) => tx.query_row(
            "SELECT coalesce(max(position), 0) + 1 FROM programmes WHERE axis_id = ?1",
            [a],
            |r| r.get(0),
        )?,
    })
}

/// The axes, or the programmes of `axis`, in their order.
fn siblings(tx: &Transaction<'_>, axis: Option<i64>) -> AppResult<Vec<i64>> {
    Ok(match axis {
        None => tx
            .prepare_cached("SELECT id FROM axes ORDER BY position, id")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?,
        Some(a) => tx
            .prepare_cached("SELECT id FROM programmes WHERE axis_id = ?1 ORDER BY position, id")?
            .query_map([a], |r| r.get(0))?
            .collect::<Result<_, _>>()?,
    })
}

/// How many programmes an axis holds, or projects a programme.
fn holds(tx: &Transaction<'_>, entity: Entity, id: i64) -> AppResult<i64> {
    let sql = match entity {
        Entity::Axis => "SELECT count(*) FROM programmes WHERE axis_id = ?1",
        Entity::Programme => "SELECT count(*) FROM projects WHERE programme_id = ?1",
    };
    Ok(tx.prepare_cached(sql)?.query_row([id], |r| r.get(0))?)
}

fn done(action_id: i64, id: Option<i64>) -> StructureDone {
    StructureDone { action_id, id }
}

pub fn create_axis(
    tx: &Transaction<'_>,
    user: &AuthUser,
    body: &StructureNames,
) -> AppResult<StructureDone> {
    let (name_ar, name_fr) = checked_names(tx, Entity::Axis, &body.name_ar, &body.name_fr, None)?;
    let id = next_id(tx, Entity::Axis)?;
    let action = begin(
        tx,
        user,
        ActionKind::AxisCreate,
        json!({ "axis": id, "title": name_ar, "name_fr": name_fr }),
    )?;
    let node = Node {
        name_ar,
        name_fr,
        position: next_position(tx, None)?,
        axis_id: None,
    };
    write_node(tx, action, Entity::Axis, id, Some(&node))?;
    Ok(done(action, Some(id)))
}

pub fn create_programme(
    tx: &Transaction<'_>,
    user: &AuthUser,
    body: &NewProgramme,
) -> AppResult<StructureDone> {
    if !axis_exists(tx, body.axis_id)? {
        return Err(invalid(format!("no axis {}", body.axis_id)));
    }
    let (name_ar, name_fr) =
        checked_names(tx, Entity::Programme, &body.name_ar, &body.name_fr, None)?;
    let id = next_id(tx, Entity::Programme)?;
    let action = begin(
        tx,
        user,
        ActionKind::ProgrammeCreate,
        json!({ "programme": id, "axis": body.axis_id, "title": name_ar, "name_fr": name_fr }),
    )?;
    let node = Node {
        name_ar,
        name_fr,
        position: next_position(tx, Some(body.axis_id))?,
        axis_id: Some(body.axis_id),
    };
    write_node(tx, action, Entity::Programme, id, Some(&node))?;
    Ok(done(action, Some(id)))
}

fn rename(
    tx: &Transaction<'_>,
    user: &AuthUser,
    entity: Entity,
    id: i64,
    body: &StructureNames,
) -> AppResult<StructureDone> {
    let node = existing(tx, entity, id)?;
    let (name_ar, name_fr) = checked_names(tx, entity, &body.name_ar, &body.name_fr, Some(id))?;
    if name_ar == node.name_ar && name_fr == node.name_fr {
        return Err(AppError::Conflict(format!(
            "{} {id} already has these names",
            entity.code()
        )));
    }
    let kind = match entity {
        Entity::Axis => ActionKind::AxisRename,
        Entity::Programme => ActionKind::ProgrammeRename,
    };
    let action = begin(
        tx,
        user,
        kind,
        json!({ entity.code(): id, "title": name_ar, "name_fr": name_fr, "before": node.name_ar }),
    )?;
    let renamed = Node {
        name_ar,
        name_fr,
        ..node
    };
    write_node(tx, action, entity, id, Some(&renamed))?;
    Ok(done(action, Some(id)))
}

pub fn rename_axis(
    tx: &Transaction<'_>,
    user: &AuthUser,
    id: i64,
    body: &StructureNames,
) -> AppResult<StructureDone> {
    rename(tx, user, Entity::Axis, id, body)
}

pub fn rename_programme(
    tx: &Transaction<'_>,
    user: &AuthUser,
    id: i64,
    body: &StructureNames,
) -> AppResult<StructureDone> {
    rename(tx, user, Entity::Programme, id, body)
}

/// Positions 1..n in the order given, which must name every sibling once.
fn reorder(
    tx: &Transaction<'_>,
    user: &AuthUser,
    axis: Option<i64>,
    body: &StructureOrder,
) -> AppResult<StructureDone> {
    let (entity, what) = match axis {
        None => (Entity::Axis, "every axis".to_string()),
        Some(a) => {
            existing(tx, Entity::Axis, a)?;
            (Entity::Programme, format!("every programme of axis {a}"))
        }
    };
    if body.ids.len() > MAX_ORDER {
        return Err(invalid(format!("an order names at most {MAX_ORDER} ids")));
    }
    let now = siblings(tx, axis)?;
    let mut seen = std::collections::HashSet::new();
    let repeated: Vec<String> = body
        .ids
        .iter()
        .filter(|id| !seen.insert(**id))
        .map(i64::to_string)
        .collect();
    let unknown: Vec<String> = body
        .ids
        .iter()
        .filter(|id| !now.contains(id))
        .map(i64::to_string)
        .collect();
    let missing: Vec<String> = now
        .iter()
        .filter(|id| !body.ids.contains(id))
        .map(i64::to_string)
        .collect();
    let mut reasons = Vec::new();
    for (list, says) in [
        (&repeated, "named more than once"),
        (&unknown, "not among them"),
        (&missing, "missing"),
    ] {
        if !list.is_empty() {
            reasons.push(format!("{says}: {}", list.join(", ")));
        }
    }
    if !reasons.is_empty() {
        return Err(invalid(format!(
            "the order must name {what}, each once ({})",
            reasons.join("; ")
        )));
    }
    let mut changes = Vec::new();
    for (k, id) in body.ids.iter().enumerate() {
        let node = existing(tx, entity, *id)?;
        let position = k as i64 + 1;
        if node.position != position {
            changes.push((*id, Node { position, ..node }));
        }
    }
    if changes.is_empty() {
        return Err(AppError::Conflict(format!(
            "{what} is already in this order"
        )));
    }
    let (kind, detail) = match axis {
        None => (ActionKind::AxisReorder, json!({ "ids": body.ids })),
        Some(a) => {
            let title = existing(tx, Entity::Axis, a)?.name_ar;
            (
                ActionKind::ProgrammeReorder,
                json!({ "axis": a, "title": title, "ids": body.ids }),
            )
        }
    };
    let action = begin(tx, user, kind, detail)?;
    for (id, node) in &changes {
        write_node(tx, action, entity, *id, Some(node))?;
    }
    Ok(done(action, axis))
}

pub fn reorder_axes(
    tx: &Transaction<'_>,
    user: &AuthUser,
    body: &StructureOrder,
) -> AppResult<StructureDone> {
    reorder(tx, user, None, body)
}

pub fn reorder_programmes(
    tx: &Transaction<'_>,
    user: &AuthUser,
    axis: i64,
    body: &StructureOrder,
) -> AppResult<StructureDone> {
    reorder(tx, user, Some(axis), body)
}

/// A programme goes last in another axis.
pub fn move_programme(
    tx: &Transaction<'_>,
    user: &AuthUser,
    id: i64,
    body: &MoveProgramme,
) -> AppResult<StructureDone> {
    let node = existing(tx, Entity::Programme, id)?;
    if !axis_exists(tx, body.axis_id)? {
        return Err(invalid(format!("no axis {}", body.axis_id)));
    }
    if node.axis_id == Some(body.axis_id) {
        return Err(AppError::Conflict(format!(
            "programme {id} is already in axis {}",
            body.axis_id
        )));
    }
    let action = begin(
        tx,
        user,
        ActionKind::ProgrammeMove,
        json!({ "programme": id, "title": node.name_ar, "from": node.axis_id, "to": body.axis_id }),
    )?;
    let moved = Node {
        position: next_position(tx, Some(body.axis_id))?,
        axis_id: Some(body.axis_id),
        ..node
    };
    write_node(tx, action, Entity::Programme, id, Some(&moved))?;
    Ok(done(action, Some(id)))
}

/// Deletes an axis without programmes, or a programme without projects; 409 otherwise.
fn delete(
    tx: &Transaction<'_>,
    user: &AuthUser,
    entity: Entity,
    id: i64,
) -> AppResult<StructureDone> {
    let node = existing(tx, entity, id)?;
    let held = holds(tx, entity, id)?;
    if held > 0 {
        return Err(AppError::Conflict(match entity {
            Entity::Axis => format!(
                "axis {id} still has {held} programme(s): move them to another axis or delete them first"
            ),
            Entity::Programme => format!(
                "programme {id} still has {held} project(s): move them to another programme or delete them first"
            ),
        }));
    }
    let kind = match entity {
        Entity::Axis => ActionKind::AxisDelete,
        Entity::Programme => ActionKind::ProgrammeDelete,
    };
    let action = begin(
        tx,
        user,
        kind,
        json!({ entity.code(): id, "title": node.name_ar, "name_fr": node.name_fr }),
    )?;
    write_node(tx, action, entity, id, None)?;
    Ok(done(action, Some(id)))
}

pub fn delete_axis(tx: &Transaction<'_>, user: &AuthUser, id: i64) -> AppResult<StructureDone> {
    delete(tx, user, Entity::Axis, id)
}

pub fn delete_programme(
    tx: &Transaction<'_>,
    user: &AuthUser,
    id: i64,
) -> AppResult<StructureDone> {
    delete(tx, user, Entity::Programme, id)
}

// ---------------------------------------------------------------------------------------------
// Undo

/// Whether an action of the office's log is a change of the structure (undone here).
pub fn is_structure(kind: &ActionKind) -> bool {
    matches!(
        kind,
        ActionKind::AxisCreate
            | ActionKind::AxisRename
            | ActionKind::AxisReorder
            | ActionKind::AxisDelete
            | ActionKind::ProgrammeCreate
            | ActionKind::ProgrammeRename
            | ActionKind::ProgrammeReorder
            | ActionKind::ProgrammeMove
            | ActionKind::ProgrammeDelete
    )
}

/// (entity, id) → field → (value before the action, value after it).
type Edits = BTreeMap<(Entity, i64), BTreeMap<String, (Option<String>, Option<String>)>>;

/// The effects of `actions`, each field's first "before" and last "after".
fn edits_of(tx: &Transaction<'_>, actions: &[i64]) -> AppResult<HashMap<i64, Edits>> {
    let ids = serde_json::to_string(actions).map_err(AppError::internal)?;
    let mut out: HashMap<i64, Edits> = HashMap::new();
    let mut stmt = tx.prepare_cached(
        "SELECT action_id, entity, entity_id, field, before, after FROM structure_edits
         WHERE action_id IN (SELECT value FROM json_each(?1)) ORDER BY id",
    )?;
    let mut rows = stmt.query([ids])?;
    while let Some(r) = rows.next()? {
        let entity = Entity::parse(&r.get::<_, String>(1)?)?;
        let (before, after): (Option<String>, Option<String>) = (r.get(4)?, r.get(5)?);
        out.entry(r.get(0)?)
            .or_default()
            .entry((entity, r.get(2)?))
            .or_default()
            .entry(r.get(3)?)
            .and_modify(|v| v.1 = after.clone())
            .or_insert((before, after));
    }
    Ok(out)
}

/// What each node is to become when `edits` are undone: its present state with every changed
/// field back to its value before (`None`: it is to be deleted).
fn restored(
    now: Option<&Node>,
    changed: &BTreeMap<String, (Option<String>, Option<String>)>,
) -> Option<Node> {
    let value = |f: &str| match changed.get(f) {
        Some((before, _)) => before.clone(),
        None => field(now, f),
    };
    if value("exists").as_deref() != Some("1") {
        return None;
    }
    Some(Node {
        name_ar: value("name_ar").unwrap_or_default(),
        name_fr: value("name_fr").unwrap_or_default(),
        position: value("position").and_then(|p| p.parse().ok()).unwrap_or(0),
        axis_id: value("axis_id").and_then(|a| a.parse().ok()),
    })
}

/// Why an action cannot be undone now, or `None`: every field it changed must still be as it
/// left it, a row it created must hold nothing, a programme it takes back must find its axis,
/// and a name it gives back must be free.
fn blocker(tx: &Transaction<'_>, entry: &ActionEntry, edits: &Edits) -> AppResult<Option<String>> {
    if entry.undone_by.is_some() {
        return Ok(Some("this action was already undone".into()));
    }
    if entry.kind == ActionKind::Undo {
        return Ok(Some("an undo cannot itself be undone".into()));
    }
    for ((entity, id), changed) in edits {
        let what = format!("{} {id}", entity.code());
        let now = read_node(tx, *entity, *id)?;
        for (f, (_, after)) in changed {
            if field(now.as_ref(), f) == *after {
                continue;
            }
            let why = match f.as_str() {
                "exists" if now.is_none() => format!("{what} was deleted since"),
                "exists" => format!("{what} exists again"),
                "name_ar" | "name_fr" => format!("{what} was renamed since"),
                "position" => format!("{what} was reordered since"),
                "axis_id" => format!("{what} was moved to another axis since"),
                other => format!("the {other} of {what} was changed since"),
            };
            return Ok(Some(format!("{why}; undo that change first")));
        }
        match restored(now.as_ref(), changed) {
            None => {
                let held = holds(tx, *entity, *id)?;
                if held > 0 {
                    return Ok(Some(match entity {
                        Entity::Axis => format!(
                            "{what} has {held} programme(s) since; move or delete them first"
                        ),
                        Entity::Programme => {
                            format!("{what} has {held} project(s) since; move or delete them first")
                        }
                    }));
                }
            }
            Some(node) => {
                if let Some(axis) = node.axis_id
                    && node.axis_id != now.as_ref().and_then(|n| n.axis_id)
                    && !axis_exists(tx, axis)?
                {
                    return Ok(Some(format!(
                        "axis {axis}, where {what} would go back, no longer exists; undo its deletion first"
                    )));
                }
                for name in [&node.name_ar, &node.name_fr] {
                    let unchanged = now
                        .as_ref()
                        .is_some_and(|n| &n.name_ar == name || &n.name_fr == name);
                    if !unchanged && let Some(other) = name_taken(tx, *entity, name, Some(*id))? {
                        return Ok(Some(format!(
                            "the name '{name}' is {} {other}'s now; rename it first",
                            entity.code()
                        )));
                    }
                }
            }
        }
    }
    Ok(None)
}

/// For the office's log: whether each structure action of `entries` can be undone now (the
/// blocker's reason, or `None`), by action id.
pub fn blockers(
    tx: &Transaction<'_>,
    entries: &[&ActionEntry],
) -> AppResult<HashMap<i64, Option<String>>> {
    let ids: Vec<i64> = entries.iter().map(|e| e.id).collect();
    let mut edits = edits_of(tx, &ids)?;
    let mut out = HashMap::new();
    for entry in entries {
        let e = edits.remove(&entry.id).unwrap_or_default();
        out.insert(entry.id, blocker(tx, entry, &e)?);
    }
    Ok(out)
}

/// Undoes a change of the structure (`entry`, read by the office log's undo): every field back
/// to its value before, deleted rows back under their own ids, created rows deleted. Recorded
/// as an undo action whose own edits later undos are checked against.
pub fn undo(tx: &Transaction<'_>, user: &AuthUser, entry: &ActionEntry) -> AppResult<ActionDone> {
    if !user.role.can(Action::EditProgramme) {
        return Err(AppError::Forbidden(format!(
            "the {} role may not {}",
            user.role.code(),
            Action::EditProgramme.what()
        )));
    }
    let edits = edits_of(tx, &[entry.id])?
        .remove(&entry.id)
        .unwrap_or_default();
    if let Some(why) = blocker(tx, entry, &edits)? {
        return Err(AppError::Conflict(why));
    }
    let action = begin(
        tx,
        user,
        ActionKind::Undo,
        json!({ "action": entry.id, "kind": entry.kind }),
    )?;
    tx.execute(
        "UPDATE consolidation_actions SET undoes = ?2 WHERE id = ?1",
        params![action, entry.id],
    )?;
    tx.execute(
        "UPDATE consolidation_actions SET undone_by = ?2 WHERE id = ?1",
        params![entry.id, action],
    )?;
    let mut targets = Vec::new();
    for ((entity, id), changed) in &edits {
        let now = read_node(tx, *entity, *id)?;
        targets.push((*entity, *id, restored(now.as_ref(), changed)));
    }
    // Rows that come back or change first, axes before programmes (a programme needs its axis);
    // rows that go last, programmes before axes.
    targets.sort_by_key(|(entity, id, node)| {
        let rank = match (node.is_none(), entity) {
            (false, Entity::Axis) => 0,
            (false, Entity::Programme) => 1,
            (true, Entity::Programme) => 2,
            (true, Entity::Axis) => 3,
        };
        (rank, *id)
    });
    for (entity, id, node) in &targets {
        write_node(tx, action, *entity, *id, node.as_ref())?;
    }
    Ok(ActionDone {
        action_id: action,
        need_id: None,
    })
}
