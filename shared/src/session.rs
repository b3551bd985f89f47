//! The session document: one Automerge document per listening session (schema v1).
//!
//! ```text
//! ROOT
//! ├─ schema: uint              document schema version (1)
//! ├─ type: "tachkhis.session"
//! ├─ id: str                   the session's UUID (also the document id)
//! ├─ meta: map                 plain fields, last writer per field
//! │   ├─ pole_id: str          ├─ group_kind: str (GroupKind code)
//! │   ├─ date: "YYYY-MM-DD"    ├─ facilitators: str
//! │   ├─ created_at: int (ms)  ├─ created_by: str
//! │   └─ closed_at: int (ms) | null
//! ├─ douars: map  douar_id -> true            a set that merges
//! ├─ attendance: map  category -> counter     AttendanceCategory codes; counters add
//! ├─ proposals: map  uuid -> map              keyed by id, never by position
//! │   ├─ problem: str   ├─ solution: str   ├─ sector: str | null (Sector code)
//! │   ├─ douar_id: str | null              ├─ raised_by: str (sub-group, free text)
//! │   ├─ created_at: int (ms) ├─ created_by: str ├─ deleted: bool
//! │   ├─ rank: f64 (ordering key, larger = higher) └─ votes: counter
//! └─ notes: text                             concurrent typing merges
//! ```
//!
//! Every change is committed with the author in the message and the time in seconds. No other
//! module touches these paths: read with [`SessionDoc::read`], write with the typed methods.

use std::collections::BTreeMap;

use automerge::{
    ActorId, AutoCommit, ChangeHash, ObjId, ObjType, ReadDoc, ScalarValue, Value,
    transaction::{CommitOptions, Transactable},
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::reference::{AttendanceCategory, GroupKind, Sector};

pub const SCHEMA_VERSION: u64 = 1;
pub const DOC_TYPE: &str = "tachkhis.session";

/// Upper bounds that keep a document (and a tablet) usable; beyond them the input is refused.
pub const MAX_TEXT_CHARS: usize = 4_000;
pub const MAX_NOTES_CHARS: usize = 100_000;
pub const MAX_NAME_CHARS: usize = 200;

#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone, Serialize, Deserialize)]
#[error("{path}: {reason}")]
pub struct SchemaError {
    /// Where in the document the problem is (`proposals.<id>.sector`).
    pub path: String,
    pub reason: String,
}

fn schema_err(path: impl Into<String>, reason: impl Into<String>) -> SchemaError {
    SchemaError {
        path: path.into(),
        reason: reason.into(),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DocError {
    #[error("the document bytes could not be read: {0}")]
    Load(#[source] Box<automerge::AutomergeError>),
    #[error("invalid input: {0}")]
    Invalid(String),
    #[error("no proposal with id {0}")]
    UnknownProposal(Uuid),
    #[error("the document does not follow the session schema: {0}")]
    Schema(#[from] SchemaError),
    #[error("automerge: {0}")]
    Automerge(#[source] Box<automerge::AutomergeError>),
}

impl From<automerge::AutomergeError> for DocError {
    fn from(e: automerge::AutomergeError) -> Self {
        DocError::Automerge(Box::new(e))
    }
}

/// Who makes a change and when; recorded in the change.
#[derive(Debug, Clone)]
pub struct EditCtx {
    pub author: String,
    pub now_ms: i64,
}

impl EditCtx {
    pub fn new(author: impl Into<String>, now_ms: i64) -> Self {
        Self {
            author: author.into(),
            now_ms,
        }
    }

    fn commit_options(&self) -> CommitOptions {
        CommitOptions::default()
            .with_message(self.author.clone())
            .with_time(self.now_ms.div_euclid(1000))
    }
}

/// What a facilitator fills in to open a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSession {
    pub pole_id: String,
    pub douar_ids: Vec<String>,
    pub group_kind: GroupKind,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub facilitators: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionMeta {
    pub pole_id: String,
    pub group_kind: GroupKind,
    pub date: String,
    pub facilitators: String,
    pub created_at: i64,
    pub created_by: String,
    pub closed_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    pub id: Uuid,
    pub problem: String,
    pub solution: String,
    pub sector: Option<Sector>,
    pub douar_id: Option<String>,
    pub raised_by: String,
    pub created_at: i64,
    pub created_by: String,
    pub deleted: bool,
    pub rank: f64,
    pub votes: i64,
}

/// The fields of a proposal a facilitator types.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProposalInput {
    pub problem: String,
    pub solution: String,
    pub sector: Option<Sector>,
    pub douar_id: Option<String>,
    pub raised_by: String,
}

impl ProposalInput {
    pub fn validate(&self) -> Result<(), DocError> {
        if self.problem.trim().is_empty() && self.solution.trim().is_empty() {
            return Err(DocError::Invalid(
                "a proposal needs a problem or a solution".into(),
            ));
        }
        check_len("problem", &self.problem, MAX_TEXT_CHARS)?;
        check_len("solution", &self.solution, MAX_TEXT_CHARS)?;
        check_len("raised_by", &self.raised_by, MAX_NAME_CHARS)?;
        Ok(())
    }
}

fn check_len(field: &str, value: &str, max: usize) -> Result<(), DocError> {
    if value.chars().count() > max {
        return Err(DocError::Invalid(format!(
            "{field} is longer than {max} characters"
        )));
    }
    Ok(())
}

/// Attendance per category; counts below zero (two people pressing "-" at once) read as zero.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Attendance(pub BTreeMap<AttendanceCategory, i64>);

impl Attendance {
    pub fn get(&self, category: AttendanceCategory) -> i64 {
        self.0.get(&category).copied().unwrap_or(0).max(0)
    }

    /// People present: women plus men (youth and disability are subsets of them).
    pub fn total(&self) -> i64 {
        AttendanceCategory::ALL
            .iter()
            .filter(|c| c.counts_in_total())
            .map(|c| self.get(*c))
            .sum()
    }
}

/// A whole session as read from its document, validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub id: Uuid,
    pub schema: u64,
    pub meta: SessionMeta,
    pub douar_ids: Vec<String>,
    pub attendance: Attendance,
    /// All proposals, deleted ones included, highest rank first.
    pub proposals: Vec<Proposal>,
    pub notes: String,
}

impl Session {
    pub fn live_proposals(&self) -> impl Iterator<Item = &Proposal> {
        self.proposals.iter().filter(|p| !p.deleted)
    }
}

/// Checks a `YYYY-MM-DD` date (written by hand: a date library costs the tablet bundle ~20 KB
/// for this one check).
pub fn validate_date(date: &str) -> Result<(), String> {
    let bad = || format!("'{date}' is not a date (YYYY-MM-DD)");
    let b = date.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return Err(bad());
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if y == 0 || d == 0 || d > days {
        return Err(bad());
    }
    Ok(())
}

/// A session document with typed access. Wraps the Automerge document; the raw paths stay here.
#[derive(Debug, Clone)]
pub struct SessionDoc {
    doc: AutoCommit,
}

impl SessionDoc {
    /// Creates the document of a new session: its genesis change holds every container, so
    /// that later edits from any tablet land in the same objects.
    pub fn create(
        id: Uuid,
        init: &NewSession,
        ctx: &EditCtx,
        actor: Option<ActorId>,
    ) -> Result<Self, DocError> {
        if init.pole_id.trim().is_empty() {
            return Err(DocError::Invalid("a session needs a pole".into()));
        }
        validate_date(&init.date).map_err(DocError::Invalid)?;
        check_len("facilitators", &init.facilitators, MAX_NAME_CHARS)?;
        let mut doc = AutoCommit::new();
        if let Some(actor) = actor {
            doc.set_actor(actor);
        }
        doc.put(automerge::ROOT, "schema", ScalarValue::Uint(SCHEMA_VERSION))?;
        doc.put(automerge::ROOT, "type", DOC_TYPE)?;
        doc.put(automerge::ROOT, "id", id.to_string())?;
        let meta = doc.put_object(automerge::ROOT, "meta", ObjType::Map)?;
        doc.put(&meta, "pole_id", init.pole_id.as_str())?;
        doc.put(&meta, "group_kind", init.group_kind.code())?;
        doc.put(&meta, "date", init.date.as_str())?;
        doc.put(&meta, "facilitators", init.facilitators.as_str())?;
        doc.put(&meta, "created_at", init_ms(ctx))?;
        doc.put(&meta, "created_by", ctx.author.as_str())?;
        doc.put(&meta, "closed_at", ScalarValue::Null)?;
        let douars = doc.put_object(automerge::ROOT, "douars", ObjType::Map)?;
        for d in &init.douar_ids {
            doc.put(&douars, d.as_str(), true)?;
        }
        let attendance = doc.put_object(automerge::ROOT, "attendance", ObjType::Map)?;
        for c in AttendanceCategory::ALL {
            doc.put(&attendance, c.code(), ScalarValue::counter(0))?;
        }
        doc.put_object(automerge::ROOT, "proposals", ObjType::Map)?;
        doc.put_object(automerge::ROOT, "notes", ObjType::Text)?;
        doc.commit_with(ctx.commit_options());
        Ok(Self { doc })
    }

    /// An empty document, to be filled by sync (a second tablet, or the server).
    pub fn empty(actor: Option<ActorId>) -> Self {
        let mut doc = AutoCommit::new();
        if let Some(actor) = actor {
            doc.set_actor(actor);
        }
        Self { doc }
    }

    pub fn load(bytes: &[u8], actor: Option<ActorId>) -> Result<Self, DocError> {
        let mut doc = AutoCommit::load(bytes).map_err(|e| DocError::Load(Box::new(e)))?;
        if let Some(actor) = actor {
            doc.set_actor(actor);
        }
        Ok(Self { doc })
    }

    pub fn from_automerge(doc: AutoCommit) -> Self {
        Self { doc }
    }

    pub fn automerge(&self) -> &AutoCommit {
        &self.doc
    }

    /// For the sync engine; changes through this bypass validation.
    pub fn automerge_mut(&mut self) -> &mut AutoCommit {
        &mut self.doc
    }

    pub fn into_automerge(self) -> AutoCommit {
        self.doc
    }

    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    pub fn save_incremental(&mut self) -> Vec<u8> {
        self.doc.save_incremental()
    }

    pub fn heads(&mut self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    /// True while the document has no change at all (an empty shell awaiting sync).
    pub fn is_empty(&mut self) -> bool {
        self.doc.get_heads().is_empty()
    }

    /// Merges another replica of the same session (a file from another tablet).
    pub fn merge(&mut self, other: &mut SessionDoc) -> Result<(), DocError> {
        self.doc.merge(&mut other.doc)?;
        Ok(())
    }

    fn obj(&self, parent: &ObjId, key: &str) -> Result<ObjId, DocError> {
        match self.doc.get(parent, key)? {
            Some((Value::Object(_), id)) => Ok(id),
            _ => Err(schema_err(key, "missing object").into()),
        }
    }

    fn proposal_obj(&self, id: Uuid) -> Result<ObjId, DocError> {
        let proposals = self.obj(&automerge::ROOT, "proposals")?;
        match self.doc.get(&proposals, id.to_string())? {
            Some((Value::Object(ObjType::Map), obj)) => Ok(obj),
            _ => Err(DocError::UnknownProposal(id)),
        }
    }

    /// Adds a proposal and returns its id. Newest proposals rank highest.
    pub fn add_proposal(&mut self, input: &ProposalInput, ctx: &EditCtx) -> Result<Uuid, DocError> {
        self.add_proposal_with_id(Uuid::new_v4(), input, ctx)
    }

    pub fn add_proposal_with_id(
        &mut self,
        id: Uuid,
        input: &ProposalInput,
        ctx: &EditCtx,
    ) -> Result<Uuid, DocError> {
        input.validate()?;
        let proposals = self.obj(&automerge::ROOT, "proposals")?;
        if self.doc.get(&proposals, id.to_string())?.is_some() {
            return Err(DocError::Invalid(format!(
                "a proposal with id {id} already exists"
            )));
        }
        let p = self
            .doc
            .put_object(&proposals, id.to_string(), ObjType::Map)?;
        self.doc.put(&p, "problem", input.problem.as_str())?;
        self.doc.put(&p, "solution", input.solution.as_str())?;
        self.doc
            .put(&p, "sector", opt_str(input.sector.map(Sector::code)))?;
        self.doc
            .put(&p, "douar_id", opt_str(input.douar_id.as_deref()))?;
        self.doc.put(&p, "raised_by", input.raised_by.as_str())?;
        self.doc.put(&p, "created_at", init_ms(ctx))?;
        self.doc.put(&p, "created_by", ctx.author.as_str())?;
        self.doc.put(&p, "deleted", false)?;
        self.doc.put(&p, "rank", ctx.now_ms as f64)?;
        self.doc.put(&p, "votes", ScalarValue::counter(0))?;
        self.doc.commit_with(ctx.commit_options());
        Ok(id)
    }

    /// Writes only the fields that differ, so that two tablets editing different fields of one
    /// proposal both keep their edit.
    pub fn update_proposal(
        &mut self,
        id: Uuid,
        input: &ProposalInput,
        ctx: &EditCtx,
    ) -> Result<(), DocError> {
        input.validate()?;
        let obj = self.proposal_obj(id)?;
        let current = self.read_proposal(id, &obj).map_err(DocError::Schema)?;
        if current.problem != input.problem {
            self.doc.put(&obj, "problem", input.problem.as_str())?;
        }
        if current.solution != input.solution {
            self.doc.put(&obj, "solution", input.solution.as_str())?;
        }
        if current.sector != input.sector {
            self.doc
                .put(&obj, "sector", opt_str(input.sector.map(Sector::code)))?;
        }
        if current.douar_id != input.douar_id {
            self.doc
                .put(&obj, "douar_id", opt_str(input.douar_id.as_deref()))?;
        }
        if current.raised_by != input.raised_by {
            self.doc.put(&obj, "raised_by", input.raised_by.as_str())?;
        }
        self.doc.commit_with(ctx.commit_options());
        Ok(())
    }

    /// Deleting keeps the proposal (marked deleted) so that it can be restored.
    pub fn set_proposal_deleted(
        &mut self,
        id: Uuid,
        deleted: bool,
        ctx: &EditCtx,
    ) -> Result<(), DocError> {
        let obj = self.proposal_obj(id)?;
        self.doc.put(&obj, "deleted", deleted)?;
        self.doc.commit_with(ctx.commit_options());
        Ok(())
    }

    pub fn set_proposal_rank(
        &mut self,
        id: Uuid,
        rank: f64,
        ctx: &EditCtx,
    ) -> Result<(), DocError> {
        if !rank.is_finite() {
            return Err(DocError::Invalid("rank must be a finite number".into()));
        }
        let obj = self.proposal_obj(id)?;
        self.doc.put(&obj, "rank", rank)?;
        self.doc.commit_with(ctx.commit_options());
        Ok(())
    }

    pub fn add_votes(&mut self, id: Uuid, delta: i64, ctx: &EditCtx) -> Result<(), DocError> {
        let obj = self.proposal_obj(id)?;
        self.doc.increment(&obj, "votes", delta)?;
        self.doc.commit_with(ctx.commit_options());
        Ok(())
    }

    /// Adds `delta` (+1 or -1 from the steppers) to a category's counter.
    pub fn add_attendance(
        &mut self,
        category: AttendanceCategory,
        delta: i64,
        ctx: &EditCtx,
    ) -> Result<(), DocError> {
        let att = self.obj(&automerge::ROOT, "attendance")?;
        self.doc.increment(&att, category.code(), delta)?;
        self.doc.commit_with(ctx.commit_options());
        Ok(())
    }

    /// Replaces the notes by `text`, as a minimal set of splices so concurrent typing merges.
    pub fn set_notes(&mut self, text: &str, ctx: &EditCtx) -> Result<(), DocError> {
        check_len("notes", text, MAX_NOTES_CHARS)?;
        let notes = self.obj(&automerge::ROOT, "notes")?;
        self.doc.update_text(&notes, text)?;
        self.doc.commit_with(ctx.commit_options());
        Ok(())
    }

    /// Changes metadata fields that differ; the douar set gains and loses only what changed.
    pub fn update_meta(&mut self, init: &NewSession, ctx: &EditCtx) -> Result<(), DocError> {
        validate_date(&init.date).map_err(DocError::Invalid)?;
        check_len("facilitators", &init.facilitators, MAX_NAME_CHARS)?;
        let current = self.read()?;
        let meta = self.obj(&automerge::ROOT, "meta")?;
        if current.meta.pole_id != init.pole_id {
            self.doc.put(&meta, "pole_id", init.pole_id.as_str())?;
        }
        if current.meta.group_kind != init.group_kind {
            self.doc.put(&meta, "group_kind", init.group_kind.code())?;
        }
        if current.meta.date != init.date {
            self.doc.put(&meta, "date", init.date.as_str())?;
        }
        if current.meta.facilitators != init.facilitators {
            self.doc
                .put(&meta, "facilitators", init.facilitators.as_str())?;
        }
        let douars = self.obj(&automerge::ROOT, "douars")?;
        for d in &current.douar_ids {
            if !init.douar_ids.contains(d) {
                self.doc.delete(&douars, d.as_str())?;
            }
        }
        for d in &init.douar_ids {
            if !current.douar_ids.contains(d) {
                self.doc.put(&douars, d.as_str(), true)?;
            }
        }
        self.doc.commit_with(ctx.commit_options());
        Ok(())
    }

    /// Closes the session; later edits are still accepted.
    pub fn close(&mut self, ctx: &EditCtx) -> Result<(), DocError> {
        let meta = self.obj(&automerge::ROOT, "meta")?;
        self.doc.put(&meta, "closed_at", ctx.now_ms)?;
        self.doc.commit_with(ctx.commit_options());
        Ok(())
    }

    /// Reads and validates the whole session. An error means the document breaks the schema.
    pub fn read(&self) -> Result<Session, SchemaError> {
        let d = &self.doc;
        let root = automerge::ROOT;
        let schema = match scalar(d, &root, "schema")? {
            Some(ScalarValue::Uint(v)) => v,
            Some(ScalarValue::Int(v)) if v >= 0 => v as u64,
            _ => return Err(schema_err("schema", "missing schema version")),
        };
        if schema == 0 || schema > SCHEMA_VERSION {
            return Err(schema_err(
                "schema",
                format!("unknown schema version {schema}"),
            ));
        }
        if req_str(d, &root, "type", "type")? != DOC_TYPE {
            return Err(schema_err("type", "not a session document"));
        }
        let id_text = req_str(d, &root, "id", "id")?;
        let id = Uuid::parse_str(&id_text).map_err(|_| schema_err("id", "not a UUID"))?;

        let meta_obj = obj_of(d, &root, "meta", ObjType::Map)?;
        let group_code = req_str(d, &meta_obj, "group_kind", "meta.group_kind")?;
        let group_kind = GroupKind::from_code(&group_code).ok_or_else(|| {
            schema_err(
                "meta.group_kind",
                format!("unknown group kind '{group_code}'"),
            )
        })?;
        let date = req_str(d, &meta_obj, "date", "meta.date")?;
        validate_date(&date).map_err(|r| schema_err("meta.date", r))?;
        let meta = SessionMeta {
            pole_id: req_str(d, &meta_obj, "pole_id", "meta.pole_id")?,
            group_kind,
            date,
            facilitators: req_str(d, &meta_obj, "facilitators", "meta.facilitators")?,
            created_at: req_int(d, &meta_obj, "created_at", "meta.created_at")?,
            created_by: req_str(d, &meta_obj, "created_by", "meta.created_by")?,
            closed_at: opt_int(d, &meta_obj, "closed_at", "meta.closed_at")?,
        };

        let douars_obj = obj_of(d, &root, "douars", ObjType::Map)?;
        let douar_ids: Vec<String> = d
            .map_range(&douars_obj, ..)
            .filter(|item| matches!(item.value.clone().into_value(), Value::Scalar(s) if matches!(s.as_ref(), ScalarValue::Boolean(true))))
            .map(|item| item.key.to_string())
            .collect();

        let att_obj = obj_of(d, &root, "attendance", ObjType::Map)?;
        let mut attendance = Attendance::default();
        for item in d.map_range(&att_obj, ..) {
            let category = AttendanceCategory::from_code(&item.key).ok_or_else(|| {
                schema_err(format!("attendance.{}", item.key), "unknown category")
            })?;
            let n = match item.value.into_value() {
                Value::Scalar(s) => match s.as_ref() {
                    ScalarValue::Counter(c) => i64::from(c),
                    ScalarValue::Int(i) => *i,
                    ScalarValue::Uint(u) => i64::try_from(*u).unwrap_or(i64::MAX),
                    _ => {
                        return Err(schema_err(
                            format!("attendance.{}", item.key),
                            "not a number",
                        ));
                    }
                },
                _ => {
                    return Err(schema_err(
                        format!("attendance.{}", item.key),
                        "not a number",
                    ));
                }
            };
            attendance.0.insert(category, n);
        }

        let props_obj = obj_of(d, &root, "proposals", ObjType::Map)?;
        let mut proposals = Vec::new();
        for item in d.map_range(&props_obj, ..) {
            let pid = Uuid::parse_str(&item.key)
                .map_err(|_| schema_err(format!("proposals.{}", item.key), "key is not a UUID"))?;
            let obj = match item.value.clone().into_value() {
                Value::Object(ObjType::Map) => item.id(),
                _ => return Err(schema_err(format!("proposals.{pid}"), "not a map")),
            };
            proposals.push(self.read_proposal(pid, &obj)?);
        }
        proposals.sort_by(|a, b| b.rank.total_cmp(&a.rank).then(a.id.cmp(&b.id)));

        let notes_obj = obj_of(d, &root, "notes", ObjType::Text)?;
        let notes = d
            .text(&notes_obj)
            .map_err(|e| schema_err("notes", e.to_string()))?;

        Ok(Session {
            id,
            schema,
            meta,
            douar_ids,
            attendance,
            proposals,
            notes,
        })
    }

    fn read_proposal(&self, id: Uuid, obj: &ObjId) -> Result<Proposal, SchemaError> {
        // One pass over the proposal's fields: much cheaper than a lookup per field.
        let mut fields: Vec<(String, Option<ScalarValue>)> = Vec::with_capacity(12);
        for item in self.doc.map_range(obj, ..) {
            let value = match item.value.into_value() {
                Value::Scalar(s) => Some(s.into_owned()),
                Value::Object(_) => None,
            };
            fields.push((item.key.into_owned(), value));
        }
        let path = |f: &str| format!("proposals.{id}.{f}");
        let field = |key: &str| -> Result<Option<ScalarValue>, SchemaError> {
            match fields.iter().find(|(k, _)| k == key) {
                None => Ok(None),
                Some((_, Some(v))) => Ok(Some(v.clone())),
                Some((_, None)) => Err(schema_err(
                    path(key),
                    "an object where a value was expected",
                )),
            }
        };
        let sector =
            match as_opt_string(field("sector")?, &path("sector"))? {
                None => None,
                Some(code) => Some(Sector::from_code(&code).ok_or_else(|| {
                    schema_err(path("sector"), format!("unknown sector '{code}'"))
                })?),
            };
        let rank = match field("rank")? {
            Some(ScalarValue::F64(f)) if f.is_finite() => f,
            Some(ScalarValue::Int(i)) => i as f64,
            Some(ScalarValue::Uint(u)) => u as f64,
            None => 0.0,
            _ => return Err(schema_err(path("rank"), "not a number")),
        };
        let votes = match field("votes")? {
            Some(ScalarValue::Counter(c)) => i64::from(&c).max(0),
            Some(ScalarValue::Int(i)) => i.max(0),
            None => 0,
            _ => return Err(schema_err(path("votes"), "not a number")),
        };
        let deleted = match field("deleted")? {
            Some(ScalarValue::Boolean(b)) => b,
            None => false,
            _ => return Err(schema_err(path("deleted"), "not a boolean")),
        };
        Ok(Proposal {
            id,
            problem: as_req_str(field("problem")?, &path("problem"))?,
            solution: as_req_str(field("solution")?, &path("solution"))?,
            sector,
            douar_id: as_opt_string(field("douar_id")?, &path("douar_id"))?,
            raised_by: as_opt_string(field("raised_by")?, &path("raised_by"))?.unwrap_or_default(),
            created_at: as_opt_int(field("created_at")?, &path("created_at"))?
                .ok_or_else(|| schema_err(path("created_at"), "missing"))?,
            created_by: as_opt_string(field("created_by")?, &path("created_by"))?
                .unwrap_or_default(),
            deleted,
            rank,
            votes,
        })
    }
}

fn init_ms(ctx: &EditCtx) -> i64 {
    ctx.now_ms
}

fn opt_str(v: Option<&str>) -> ScalarValue {
    match v {
        Some(s) => ScalarValue::Str(s.into()),
        None => ScalarValue::Null,
    }
}

fn scalar(d: &AutoCommit, obj: &ObjId, key: &str) -> Result<Option<ScalarValue>, SchemaError> {
    match d.get(obj, key) {
        Ok(Some((Value::Scalar(s), _))) => Ok(Some(s.into_owned())),
        Ok(Some((Value::Object(_), _))) => {
            Err(schema_err(key, "an object where a value was expected"))
        }
        Ok(None) => Ok(None),
        Err(e) => Err(schema_err(key, e.to_string())),
    }
}

fn obj_of(d: &AutoCommit, parent: &ObjId, key: &str, kind: ObjType) -> Result<ObjId, SchemaError> {
    match d.get(parent, key) {
        Ok(Some((Value::Object(t), id))) if t == kind => Ok(id),
        Ok(Some(_)) => Err(schema_err(key, format!("expected a {kind:?}"))),
        Ok(None) => Err(schema_err(key, "missing")),
        Err(e) => Err(schema_err(key, e.to_string())),
    }
}

fn req_str(d: &AutoCommit, obj: &ObjId, key: &str, path: &str) -> Result<String, SchemaError> {
    as_req_str(
        scalar(d, obj, key).map_err(|e| schema_err(path, e.reason))?,
        path,
    )
}

fn as_req_str(v: Option<ScalarValue>, path: &str) -> Result<String, SchemaError> {
    match v {
        Some(ScalarValue::Str(s)) => Ok(s.to_string()),
        Some(_) => Err(schema_err(path, "not a string")),
        None => Err(schema_err(path, "missing")),
    }
}

fn as_opt_string(v: Option<ScalarValue>, path: &str) -> Result<Option<String>, SchemaError> {
    match v {
        Some(ScalarValue::Str(s)) => Ok(Some(s.to_string())),
        Some(ScalarValue::Null) | None => Ok(None),
        Some(_) => Err(schema_err(path, "not a string")),
    }
}

fn req_int(d: &AutoCommit, obj: &ObjId, key: &str, path: &str) -> Result<i64, SchemaError> {
    opt_int(d, obj, key, path)?.ok_or_else(|| schema_err(path, "missing"))
}

fn opt_int(d: &AutoCommit, obj: &ObjId, key: &str, path: &str) -> Result<Option<i64>, SchemaError> {
    as_opt_int(
        scalar(d, obj, key).map_err(|e| schema_err(path, e.reason))?,
        path,
    )
}

fn as_opt_int(v: Option<ScalarValue>, path: &str) -> Result<Option<i64>, SchemaError> {
    match v {
        Some(ScalarValue::Int(i)) => Ok(Some(i)),
        Some(ScalarValue::Uint(u)) => i64::try_from(u)
            .map(Some)
            .map_err(|_| schema_err(path, "too large")),
        Some(ScalarValue::Timestamp(t)) => Ok(Some(t)),
        Some(ScalarValue::Null) | None => Ok(None),
        Some(_) => Err(schema_err(path, "not an integer")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn new_session() -> NewSession {
        NewSession {
            pole_id: "pole-1".into(),
            douar_ids: vec!["idouz".into(), "el-jrif".into()],
            group_kind: GroupKind::Women,
            date: "2022-07-14".into(),
            facilitators: "فاطمة، خديجة".into(),
        }
    }

    fn input(problem: &str) -> ProposalInput {
        ProposalInput {
            problem: problem.into(),
            solution: "بناء".into(),
            sector: Some(Sector::Roads),
            douar_id: Some("idouz".into()),
            raised_by: String::new(),
        }
    }

    #[test]
    fn create_read_round_trip() {
        let id = Uuid::new_v4();
        let ctx = EditCtx::new("fatima", 1_657_800_000_000);
        let mut doc = SessionDoc::create(id, &new_session(), &ctx, None).unwrap();
        let pid = doc
            .add_proposal(&input("الطريق مقطوعة في الشتاء"), &ctx)
            .unwrap();
        doc.add_attendance(AttendanceCategory::Women, 3, &ctx)
            .unwrap();
        doc.add_attendance(AttendanceCategory::YouthWomen, 1, &ctx)
            .unwrap();
        doc.set_notes("ملاحظات", &ctx).unwrap();
        let bytes = doc.save();
        let loaded = SessionDoc::load(&bytes, None).unwrap();
        let s = loaded.read().unwrap();
        assert_eq!(s.id, id);
        assert_eq!(s.meta.group_kind, GroupKind::Women);
        assert_eq!(s.douar_ids.len(), 2);
        assert_eq!(s.attendance.total(), 3);
        assert_eq!(s.attendance.get(AttendanceCategory::YouthWomen), 1);
        assert_eq!(s.proposals.len(), 1);
        assert_eq!(s.proposals[0].id, pid);
        assert_eq!(s.proposals[0].sector, Some(Sector::Roads));
        assert_eq!(s.notes, "ملاحظات");
    }

    #[test]
    fn dates_are_checked() {
        for ok in ["2022-07-14", "2024-02-29", "2000-02-29", "2023-12-31"] {
            assert!(validate_date(ok).is_ok(), "{ok}");
        }
        for bad in [
            "2023-02-29",
            "1900-02-29",
            "07/02/2023",
            "2023-13-01",
            "2023-04-31",
            "2023-1-01",
            "٢٠٢٣-٠٢-٠٧",
            "",
            "0000-01-01",
        ] {
            assert!(validate_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rejects_bad_input() {
        let ctx = EditCtx::new("a", 0);
        let mut bad = new_session();
        bad.date = "07/02/2023".into();
        assert!(SessionDoc::create(Uuid::new_v4(), &bad, &ctx, None).is_err());
        let mut doc = SessionDoc::create(Uuid::new_v4(), &new_session(), &ctx, None).unwrap();
        assert!(doc.add_proposal(&ProposalInput::default(), &ctx).is_err());
        assert!(matches!(
            doc.update_proposal(Uuid::new_v4(), &input("x"), &ctx),
            Err(DocError::UnknownProposal(_))
        ));
    }

    #[test]
    fn schema_violations_are_reported() {
        let ctx = EditCtx::new("a", 0);
        let mut doc = SessionDoc::create(Uuid::new_v4(), &new_session(), &ctx, None).unwrap();
        let meta = doc.obj(&automerge::ROOT, "meta").unwrap();
        doc.automerge_mut()
            .put(&meta, "group_kind", "aliens")
            .unwrap();
        let err = doc.read().unwrap_err();
        assert_eq!(err.path, "meta.group_kind");
        assert!(SessionDoc::empty(None).read().is_err());
    }

    #[test]
    fn deleted_proposals_can_be_restored() {
        let ctx = EditCtx::new("a", 0);
        let mut doc = SessionDoc::create(Uuid::new_v4(), &new_session(), &ctx, None).unwrap();
        let pid = doc.add_proposal(&input("x"), &ctx).unwrap();
        doc.set_proposal_deleted(pid, true, &ctx).unwrap();
        assert_eq!(doc.read().unwrap().live_proposals().count(), 0);
        doc.set_proposal_deleted(pid, false, &ctx).unwrap();
        assert_eq!(doc.read().unwrap().live_proposals().count(), 1);
    }
}
