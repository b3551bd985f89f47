//! The session document: one Automerge document per listening session (schema v2).
//!
//! ```text
//! ROOT
//! ├─ schema: uint              the version the document was created with (1 or 2)
//! ├─ type: "tachkhis.session"
//! ├─ id: str                   the session's UUID (also the document id)
//! ├─ meta: map                 plain fields, last writer per field
//! │   ├─ pole_id: str          ├─ group_kind: str (GroupKind code)
//! │   ├─ date: "YYYY-MM-DD"    ├─ facilitators: str
//! │   ├─ created_at: int (ms)  ├─ created_by: str
//! │   ├─ closed_at: int (ms) | null
//! │   ├─ start_time: "HH:MM" | null     (v2)   ├─ end_time: "HH:MM" | null   (v2)
//! │   └─ place: str                     (v2)   └─ note_taker: str            (v2)
//! ├─ douars: map  douar_id -> true            a set that merges
//! ├─ attendance: map  category -> counter     AttendanceCategory codes; counters add
//! ├─ associations: map  uuid -> map    (v2)   associations/cooperatives represented
//! │   ├─ name: str   ├─ count: counter (members present; counts add)   └─ deleted: bool
//! ├─ proposals: map  uuid -> map              keyed by id, never by position
//! │   ├─ problem: str   ├─ solution: str   ├─ sector: str | null (Sector code)
//! │   ├─ douar_id: str | null              ├─ raised_by: str (sub-group, free text)
//! │   ├─ created_at: int (ms) ├─ created_by: str ├─ deleted: bool
//! │   ├─ rank: f64 (ordering key, larger = higher) ├─ votes: counter
//! │   └─ edited_at: int (ms)            (v2)   set by every write to the proposal
//! └─ notes: text                             concurrent typing merges
//! ```
//!
//! Versions. v2 only adds keys (marked above) to v1; nothing of v1 changes meaning or type.
//! [`SessionDoc::read`] reads both: a key v2 added that is absent reads as its default (no
//! time, empty text, no association, no `edited_at`). A v2 writer editing a v1 document adds
//! keys and leaves `schema` at 1, so a tablet still running the v1 app keeps reading it (a v1
//! reader ignores keys it does not know). New documents are created as v2 with every
//! container in the genesis change. A v1 document gets its `associations` map from the first
//! tablet that records one; two tablets doing that offline create two maps under one key, and
//! the reader takes the union of both, so no association is lost (see `assoc_maps`).
//!
//! Times. `start_time` and `end_time` are each "HH:MM" (24 h, 00:00-23:59) or absent. An end
//! earlier than the start is accepted and means the meeting went past midnight: the two
//! fields can be set on two tablets and merged, so their order cannot be a schema rule; the
//! screen points it out instead.
//!
//! "After closing". Closing sets `closed_at`; later edits are still accepted. Every write to
//! a proposal sets its `edited_at`, so a proposal with `edited_at > closed_at` was created or
//! changed after the session was closed ([`Session::edited_after_close`]).
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

pub const SCHEMA_VERSION: u64 = 2;
/// The oldest schema version this code still reads.
pub const MIN_SCHEMA_VERSION: u64 = 1;
pub const DOC_TYPE: &str = "tachkhis.session";

/// Upper bounds that keep a document (and a tablet) usable; beyond them the input is refused.
pub const MAX_TEXT_CHARS: usize = 4_000;
pub const MAX_NOTES_CHARS: usize = 100_000;
pub const MAX_NAME_CHARS: usize = 200;
/// A count (people in one attendance category, an association's members, votes): far above
/// any meeting, far below what overflows a sum.
pub const MAX_COUNT: i64 = 100_000;
/// Douars one session is about, and the length of a place id (pole, douar).
pub const MAX_DOUARS: usize = 200;
pub const MAX_ID_CHARS: usize = 64;

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
    #[error("no association with id {0}")]
    UnknownAssociation(Uuid),
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

/// The metadata schema v2 added: optional, editable at any time (absent in v1 documents).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SessionDetails {
    /// `HH:MM`, 24 h.
    #[serde(default)]
    pub start_time: Option<String>,
    /// `HH:MM`, 24 h; earlier than the start means the meeting went past midnight.
    #[serde(default)]
    pub end_time: Option<String>,
    /// Where the meeting was held (a school, the association's hall), as typed.
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub note_taker: String,
}

impl SessionDetails {
    pub fn validate(&self) -> Result<(), DocError> {
        for t in [&self.start_time, &self.end_time].into_iter().flatten() {
            validate_time(t).map_err(DocError::Invalid)?;
        }
        check_len("place", &self.place, MAX_NAME_CHARS)?;
        check_len("note_taker", &self.note_taker, MAX_NAME_CHARS)?;
        Ok(())
    }

    /// True when both times are set and the end is earlier than the start (past midnight, or
    /// a slip of the finger: the screen asks to check).
    pub fn ends_before_start(&self) -> bool {
        matches!((&self.start_time, &self.end_time), (Some(s), Some(e)) if e < s)
    }
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
    /// Start and end time, place and note-taker (v2; defaults in a v1 document).
    pub details: SessionDetails,
}

impl SessionMeta {
    /// The opening fields, as the new-session form holds them.
    pub fn opening(&self, douar_ids: &[String]) -> NewSession {
        NewSession {
            pole_id: self.pole_id.clone(),
            douar_ids: douar_ids.to_vec(),
            group_kind: self.group_kind,
            date: self.date.clone(),
            facilitators: self.facilitators.clone(),
        }
    }
}

/// An association or cooperative represented at the meeting (v2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Association {
    pub id: Uuid,
    pub name: String,
    /// Its members present; a counter, so two tablets counting add up. Read as at least zero.
    pub count: i64,
    pub deleted: bool,
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
    /// When the proposal was last written (v2; `None` for a proposal only v1 code touched).
    pub edited_at: Option<i64>,
}

impl Proposal {
    /// The last time the proposal is known to have changed.
    pub fn last_change(&self) -> i64 {
        self.edited_at
            .unwrap_or(self.created_at)
            .max(self.created_at)
    }
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
    /// Associations and cooperatives represented, removed ones included, by name (v2).
    pub associations: Vec<Association>,
}

impl Session {
    /// The bounds the app keeps when it writes (text lengths, counts, one id per record),
    /// checked on a document as received: a document from a broken or hostile app that breaks
    /// them is kept but set aside, never projected. `read` does not check these, so a tablet
    /// can still open such a document and export it.
    pub fn check_limits(&self) -> Result<(), SchemaError> {
        fn text(path: String, value: &str, max: usize) -> Result<(), SchemaError> {
            let n = value.chars().count();
            if n > max {
                return Err(schema_err(
                    path,
                    format!("{n} characters, more than the {max} the app allows"),
                ));
            }
            Ok(())
        }
        fn count(path: String, n: i64, min: i64) -> Result<(), SchemaError> {
            if !(min..=MAX_COUNT).contains(&n) {
                return Err(schema_err(
                    path,
                    format!("{n} is outside {min} to {MAX_COUNT}"),
                ));
            }
            Ok(())
        }
        let m = &self.meta;
        text("meta.pole_id".into(), &m.pole_id, MAX_ID_CHARS)?;
        text("meta.facilitators".into(), &m.facilitators, MAX_NAME_CHARS)?;
        text("meta.created_by".into(), &m.created_by, MAX_NAME_CHARS)?;
        text("meta.place".into(), &m.details.place, MAX_NAME_CHARS)?;
        text("meta.note_taker".into(), &m.details.note_taker, MAX_NAME_CHARS)?;
        text("notes".into(), &self.notes, MAX_NOTES_CHARS)?;
        if self.douar_ids.len() > MAX_DOUARS {
            return Err(schema_err(
                "douars",
                format!("{} douars, more than {MAX_DOUARS}", self.douar_ids.len()),
            ));
        }
        for d in &self.douar_ids {
            text(format!("douars.{d}"), d, MAX_ID_CHARS)?;
        }
        // Counters below zero read as zero (two people pressing "-" at once); only the top
        // is a limit.
        for (category, n) in &self.attendance.0 {
            count(format!("attendance.{}", category.code()), *n, i64::MIN)?;
        }
        let mut seen = std::collections::BTreeSet::new();
        for p in &self.proposals {
            let path = |field: &str| format!("proposals.{}.{field}", p.id);
            if !seen.insert(p.id) {
                return Err(schema_err(
                    format!("proposals.{}", p.id),
                    "the same proposal id is written twice (in two spellings)",
                ));
            }
            text(path("problem"), &p.problem, MAX_TEXT_CHARS)?;
            text(path("solution"), &p.solution, MAX_TEXT_CHARS)?;
            text(path("raised_by"), &p.raised_by, MAX_NAME_CHARS)?;
            text(path("created_by"), &p.created_by, MAX_NAME_CHARS)?;
            if let Some(d) = &p.douar_id {
                text(path("douar"), d, MAX_ID_CHARS)?;
            }
            count(path("votes"), p.votes, -MAX_COUNT)?;
            if !p.rank.is_finite() {
                return Err(schema_err(path("rank"), "not a finite number"));
            }
        }
        // Associations read as the union of concurrent maps: one id is kept once by `read`.
        for a in &self.associations {
            text(format!("associations.{}.name", a.id), &a.name, MAX_NAME_CHARS)?;
            count(format!("associations.{}.count", a.id), a.count, i64::MIN)?;
        }
        Ok(())
    }

    pub fn live_proposals(&self) -> impl Iterator<Item = &Proposal> {
        self.proposals.iter().filter(|p| !p.deleted)
    }

    pub fn live_associations(&self) -> impl Iterator<Item = &Association> {
        self.associations.iter().filter(|a| !a.deleted)
    }

    pub fn is_closed(&self) -> bool {
        self.meta.closed_at.is_some()
    }

    /// Whether the proposal was created or changed after the session was closed.
    pub fn edited_after_close(&self, p: &Proposal) -> bool {
        self.meta
            .closed_at
            .is_some_and(|closed| p.last_change() > closed)
    }
}

/// Checks an `HH:MM` time of day (24 h, Western digits as the forms write them).
pub fn validate_time(time: &str) -> Result<(), String> {
    let b = time.as_bytes();
    let ok = b.len() == 5
        && b[2] == b':'
        && [0, 1, 3, 4].iter().all(|&i| b[i].is_ascii_digit())
        && (b[0] - b'0') * 10 + (b[1] - b'0') < 24
        && b[3] <= b'5';
    if ok {
        Ok(())
    } else {
        Err(format!("'{time}' is not a time of day (HH:MM)"))
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
        Self::create_with_details(id, init, &SessionDetails::default(), ctx, actor)
    }

    /// [`Self::create`] with the v2 details (times, place, note-taker) filled in at once.
    pub fn create_with_details(
        id: Uuid,
        init: &NewSession,
        details: &SessionDetails,
        ctx: &EditCtx,
        actor: Option<ActorId>,
    ) -> Result<Self, DocError> {
        if init.pole_id.trim().is_empty() {
            return Err(DocError::Invalid("a session needs a pole".into()));
        }
        validate_date(&init.date).map_err(DocError::Invalid)?;
        check_len("facilitators", &init.facilitators, MAX_NAME_CHARS)?;
        details.validate()?;
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
        doc.put(&meta, "start_time", opt_str(details.start_time.as_deref()))?;
        doc.put(&meta, "end_time", opt_str(details.end_time.as_deref()))?;
        doc.put(&meta, "place", details.place.as_str())?;
        doc.put(&meta, "note_taker", details.note_taker.as_str())?;
        let douars = doc.put_object(automerge::ROOT, "douars", ObjType::Map)?;
        for d in &init.douar_ids {
            doc.put(&douars, d.as_str(), true)?;
        }
        let attendance = doc.put_object(automerge::ROOT, "attendance", ObjType::Map)?;
        for c in AttendanceCategory::ALL {
            doc.put(&attendance, c.code(), ScalarValue::counter(0))?;
        }
        doc.put_object(automerge::ROOT, "associations", ObjType::Map)?;
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
        self.doc.put(&p, "edited_at", ctx.now_ms)?;
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
        let mut changed = false;
        if current.problem != input.problem {
            self.doc.put(&obj, "problem", input.problem.as_str())?;
            changed = true;
        }
        if current.solution != input.solution {
            self.doc.put(&obj, "solution", input.solution.as_str())?;
            changed = true;
        }
        if current.sector != input.sector {
            self.doc
                .put(&obj, "sector", opt_str(input.sector.map(Sector::code)))?;
            changed = true;
        }
        if current.douar_id != input.douar_id {
            self.doc
                .put(&obj, "douar_id", opt_str(input.douar_id.as_deref()))?;
            changed = true;
        }
        if current.raised_by != input.raised_by {
            self.doc.put(&obj, "raised_by", input.raised_by.as_str())?;
            changed = true;
        }
        if changed {
            self.doc.put(&obj, "edited_at", ctx.now_ms)?;
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
        self.doc.put(&obj, "edited_at", ctx.now_ms)?;
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
        self.doc.put(&obj, "edited_at", ctx.now_ms)?;
        self.doc.commit_with(ctx.commit_options());
        Ok(())
    }

    /// Moves a proposal one place up (`up`) or down among the proposals not deleted, as the
    /// group ranks them. Only the moved proposal's rank changes (to a value between its new
    /// neighbours), so two tablets moving different proposals both keep their move; when the
    /// neighbours' ranks leave no room in between, the ranks of the live proposals are spread
    /// out again. Returns false when the proposal is already first (or last).
    pub fn move_proposal(&mut self, id: Uuid, up: bool, ctx: &EditCtx) -> Result<bool, DocError> {
        let mut live = self.live_ranks()?;
        let Some(i) = live.iter().position(|(pid, _)| *pid == id) else {
            return Err(DocError::UnknownProposal(id));
        };
        // `live` is highest rank first: "up" is towards index 0.
        let target = if up { i.checked_sub(1) } else { Some(i + 1) };
        let Some(target) = target.filter(|t| *t < live.len()) else {
            return Ok(false);
        };
        let neighbour = live[target].1;
        let beyond = if up {
            target.checked_sub(1).map(|b| live[b].1)
        } else {
            live.get(target + 1).map(|b| b.1)
        };
        let rank = match beyond {
            Some(b) => neighbour / 2.0 + b / 2.0,
            None if up => neighbour + 1.0,
            None => neighbour - 1.0,
        };
        let strictly_between = match (up, beyond) {
            (true, Some(b)) => rank > neighbour && rank < b,
            (false, Some(b)) => rank < neighbour && rank > b,
            (true, None) => rank > neighbour,
            (false, None) => rank < neighbour,
        };
        if strictly_between && rank.is_finite() {
            self.set_proposal_rank(id, rank, ctx)?;
            return Ok(true);
        }
        // No room: write the new order with evenly spaced ranks below the current top.
        let moved = live.remove(i);
        live.insert(target, moved);
        let top = live
            .iter()
            .map(|(_, r)| *r)
            .fold(f64::MIN, f64::max)
            .max(0.0);
        for (n, (pid, old)) in live.iter().enumerate() {
            let rank = top - 1000.0 * n as f64;
            if *old != rank || *pid == id {
                let obj = self.proposal_obj(*pid)?;
                self.doc.put(&obj, "rank", rank)?;
                if *pid == id {
                    self.doc.put(&obj, "edited_at", ctx.now_ms)?;
                }
            }
        }
        self.doc.commit_with(ctx.commit_options());
        Ok(true)
    }

    /// (id, rank) of the proposals not deleted, highest rank first (ties by id, as `read`).
    fn live_ranks(&self) -> Result<Vec<(Uuid, f64)>, DocError> {
        let props = self.obj(&automerge::ROOT, "proposals")?;
        let mut out = Vec::new();
        for item in self.doc.map_range(&props, ..) {
            let Ok(pid) = Uuid::parse_str(&item.key) else {
                continue;
            };
            let obj = item.id();
            let p = self.read_proposal(pid, &obj)?;
            if !p.deleted {
                out.push((pid, p.rank));
            }
        }
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(out)
    }

    pub fn add_votes(&mut self, id: Uuid, delta: i64, ctx: &EditCtx) -> Result<(), DocError> {
        let obj = self.proposal_obj(id)?;
        self.doc.increment(&obj, "votes", delta)?;
        self.doc.put(&obj, "edited_at", ctx.now_ms)?;
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

    /// Changes metadata fields that differ (each a plain field, so two tablets changing two
    /// different fields both keep theirs); the douar set gains and loses only what changed.
    /// Reads only the metadata and the douars, not the proposals.
    pub fn update_meta(
        &mut self,
        init: &NewSession,
        details: &SessionDetails,
        ctx: &EditCtx,
    ) -> Result<(), DocError> {
        if init.pole_id.trim().is_empty() {
            return Err(DocError::Invalid("a session needs a pole".into()));
        }
        validate_date(&init.date).map_err(DocError::Invalid)?;
        check_len("facilitators", &init.facilitators, MAX_NAME_CHARS)?;
        details.validate()?;
        let meta = self.obj(&automerge::ROOT, "meta")?;
        let current = read_meta(&self.doc, &meta)?;
        let current_douars = read_douars(&self.doc)?;
        if current.pole_id != init.pole_id {
            self.doc.put(&meta, "pole_id", init.pole_id.as_str())?;
        }
        if current.group_kind != init.group_kind {
            self.doc.put(&meta, "group_kind", init.group_kind.code())?;
        }
        if current.date != init.date {
            self.doc.put(&meta, "date", init.date.as_str())?;
        }
        if current.facilitators != init.facilitators {
            self.doc
                .put(&meta, "facilitators", init.facilitators.as_str())?;
        }
        let (old, new) = (&current.details, details);
        if old.start_time != new.start_time {
            self.doc
                .put(&meta, "start_time", opt_str(new.start_time.as_deref()))?;
        }
        if old.end_time != new.end_time {
            self.doc
                .put(&meta, "end_time", opt_str(new.end_time.as_deref()))?;
        }
        if old.place != new.place {
            self.doc.put(&meta, "place", new.place.as_str())?;
        }
        if old.note_taker != new.note_taker {
            self.doc.put(&meta, "note_taker", new.note_taker.as_str())?;
        }
        let douars = self.obj(&automerge::ROOT, "douars")?;
        for d in &current_douars {
            if !init.douar_ids.contains(d) {
                self.doc.delete(&douars, d.as_str())?;
            }
        }
        for d in &init.douar_ids {
            if !current_douars.contains(d) {
                self.doc.put(&douars, d.as_str(), true)?;
            }
        }
        self.doc.commit_with(ctx.commit_options());
        Ok(())
    }

    /// Closes the session; later edits are still accepted (and known as made after closing).
    /// Closing a closed session keeps the first closing time.
    pub fn close(&mut self, ctx: &EditCtx) -> Result<(), DocError> {
        let meta = self.obj(&automerge::ROOT, "meta")?;
        if opt_int(&self.doc, &meta, "closed_at", "meta.closed_at")?.is_some() {
            return Ok(());
        }
        self.doc.put(&meta, "closed_at", ctx.now_ms)?;
        self.doc.commit_with(ctx.commit_options());
        Ok(())
    }

    /// Every `associations` map under the root: one in a v2 document; in a v1 document none
    /// until the first association, or several when tablets added the first one concurrently
    /// (a conflict Automerge keeps). The winning map comes first; new entries go there.
    fn assoc_maps(&self) -> Result<Vec<ObjId>, DocError> {
        let winner = match self.doc.get(automerge::ROOT, "associations")? {
            Some((Value::Object(ObjType::Map), id)) => id,
            Some(_) => return Err(schema_err("associations", "expected a Map").into()),
            None => return Ok(Vec::new()),
        };
        let mut maps = vec![winner.clone()];
        for (value, id) in self.doc.get_all(automerge::ROOT, "associations")? {
            if matches!(value, Value::Object(ObjType::Map)) && id != winner {
                maps.push(id);
            }
        }
        Ok(maps)
    }

    fn association_obj(&self, id: Uuid) -> Result<ObjId, DocError> {
        let key = id.to_string();
        for map in self.assoc_maps()? {
            if let Some((Value::Object(ObjType::Map), obj)) = self.doc.get(&map, key.as_str())? {
                return Ok(obj);
            }
        }
        Err(DocError::UnknownAssociation(id))
    }

    /// Records an association or cooperative represented, with `count` members present.
    /// Two tablets adding the same name make two entries: both are shown, and either can be
    /// removed.
    pub fn add_association(
        &mut self,
        name: &str,
        count: i64,
        ctx: &EditCtx,
    ) -> Result<Uuid, DocError> {
        self.add_association_with_id(Uuid::new_v4(), name, count, ctx)
    }

    pub fn add_association_with_id(
        &mut self,
        id: Uuid,
        name: &str,
        count: i64,
        ctx: &EditCtx,
    ) -> Result<Uuid, DocError> {
        if name.trim().is_empty() {
            return Err(DocError::Invalid("an association needs a name".into()));
        }
        check_len("association name", name, MAX_NAME_CHARS)?;
        if count < 0 {
            return Err(DocError::Invalid("a count cannot be negative".into()));
        }
        if self.association_obj(id).is_ok() {
            return Err(DocError::Invalid(format!(
                "an association with id {id} already exists"
            )));
        }
        let map = match self.assoc_maps()?.into_iter().next() {
            Some(map) => map,
            None => self
                .doc
                .put_object(automerge::ROOT, "associations", ObjType::Map)?,
        };
        let a = self.doc.put_object(&map, id.to_string(), ObjType::Map)?;
        self.doc.put(&a, "name", name)?;
        self.doc.put(&a, "count", ScalarValue::counter(count))?;
        self.doc.put(&a, "deleted", false)?;
        self.doc.commit_with(ctx.commit_options());
        Ok(id)
    }

    /// Adds `delta` (+1 or -1 from the stepper) to an association's count.
    pub fn add_association_count(
        &mut self,
        id: Uuid,
        delta: i64,
        ctx: &EditCtx,
    ) -> Result<(), DocError> {
        let obj = self.association_obj(id)?;
        self.doc.increment(&obj, "count", delta)?;
        self.doc.commit_with(ctx.commit_options());
        Ok(())
    }

    pub fn rename_association(
        &mut self,
        id: Uuid,
        name: &str,
        ctx: &EditCtx,
    ) -> Result<(), DocError> {
        if name.trim().is_empty() {
            return Err(DocError::Invalid("an association needs a name".into()));
        }
        check_len("association name", name, MAX_NAME_CHARS)?;
        let obj = self.association_obj(id)?;
        self.doc.put(&obj, "name", name)?;
        self.doc.commit_with(ctx.commit_options());
        Ok(())
    }

    /// Removing keeps the entry (marked) so that it can be restored.
    pub fn set_association_deleted(
        &mut self,
        id: Uuid,
        deleted: bool,
        ctx: &EditCtx,
    ) -> Result<(), DocError> {
        let obj = self.association_obj(id)?;
        self.doc.put(&obj, "deleted", deleted)?;
        self.doc.commit_with(ctx.commit_options());
        Ok(())
    }

    /// Reads the metadata and the douars only (cheap whatever the number of proposals).
    pub fn read_meta(&self) -> Result<(SessionMeta, Vec<String>), SchemaError> {
        let meta = obj_of(&self.doc, &automerge::ROOT, "meta", ObjType::Map)?;
        Ok((read_meta(&self.doc, &meta)?, read_douars(&self.doc)?))
    }

    /// Changes one or more of the v2 details on top of what the document holds now (so that
    /// a field another tablet changed meanwhile is not written back).
    pub fn update_details(
        &mut self,
        change: impl FnOnce(&mut SessionDetails),
        ctx: &EditCtx,
    ) -> Result<(), DocError> {
        let (meta, douars) = self.read_meta()?;
        let mut details = meta.details.clone();
        change(&mut details);
        self.update_meta(&meta.opening(&douars), &details, ctx)
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
        if !(MIN_SCHEMA_VERSION..=SCHEMA_VERSION).contains(&schema) {
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
        let meta = read_meta(d, &meta_obj)?;
        let douar_ids = read_douars(d)?;

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

        let associations = self.read_associations()?;

        Ok(Session {
            id,
            schema,
            meta,
            douar_ids,
            attendance,
            proposals,
            notes,
            associations,
        })
    }

    /// The union of every `associations` map (see [`Self::assoc_maps`]), by name then id.
    fn read_associations(&self) -> Result<Vec<Association>, SchemaError> {
        let maps = self.assoc_maps().map_err(|e| match e {
            DocError::Schema(e) => e,
            other => schema_err("associations", other.to_string()),
        })?;
        let mut out: Vec<Association> = Vec::new();
        for map in maps {
            for item in self.doc.map_range(&map, ..) {
                let path = format!("associations.{}", item.key);
                let id = Uuid::parse_str(&item.key)
                    .map_err(|_| schema_err(path.clone(), "key is not a UUID"))?;
                if out.iter().any(|a| a.id == id) {
                    continue;
                }
                let obj = match item.value.clone().into_value() {
                    Value::Object(ObjType::Map) => item.id(),
                    _ => return Err(schema_err(path, "not a map")),
                };
                let f = |key: &str| scalar(&self.doc, &obj, key);
                let name = as_req_str(
                    f("name").map_err(|e| schema_err(format!("{path}.name"), e.reason))?,
                    &format!("{path}.name"),
                )?;
                let count =
                    match f("count").map_err(|e| schema_err(format!("{path}.count"), e.reason))? {
                        Some(ScalarValue::Counter(c)) => i64::from(&c).max(0),
                        Some(ScalarValue::Int(i)) => i.max(0),
                        Some(ScalarValue::Uint(u)) => i64::try_from(u).unwrap_or(i64::MAX),
                        None => 0,
                        _ => return Err(schema_err(format!("{path}.count"), "not a number")),
                    };
                let deleted = match f("deleted")
                    .map_err(|e| schema_err(format!("{path}.deleted"), e.reason))?
                {
                    Some(ScalarValue::Boolean(b)) => b,
                    None => false,
                    _ => return Err(schema_err(format!("{path}.deleted"), "not a boolean")),
                };
                out.push(Association {
                    id,
                    name,
                    count,
                    deleted,
                });
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        Ok(out)
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
            edited_at: as_opt_int(field("edited_at")?, &path("edited_at"))?,
        })
    }
}

fn read_meta(d: &AutoCommit, meta_obj: &ObjId) -> Result<SessionMeta, SchemaError> {
    let group_code = req_str(d, meta_obj, "group_kind", "meta.group_kind")?;
    let group_kind = GroupKind::from_code(&group_code).ok_or_else(|| {
        schema_err(
            "meta.group_kind",
            format!("unknown group kind '{group_code}'"),
        )
    })?;
    let date = req_str(d, meta_obj, "date", "meta.date")?;
    validate_date(&date).map_err(|r| schema_err("meta.date", r))?;
    let time = |key: &str| -> Result<Option<String>, SchemaError> {
        let path = format!("meta.{key}");
        let value = as_opt_string(
            scalar(d, meta_obj, key).map_err(|e| schema_err(&path, e.reason))?,
            &path,
        )?;
        if let Some(t) = &value {
            validate_time(t).map_err(|r| schema_err(&path, r))?;
        }
        Ok(value)
    };
    let text = |key: &str| -> Result<String, SchemaError> {
        let path = format!("meta.{key}");
        Ok(as_opt_string(
            scalar(d, meta_obj, key).map_err(|e| schema_err(&path, e.reason))?,
            &path,
        )?
        .unwrap_or_default())
    };
    Ok(SessionMeta {
        pole_id: req_str(d, meta_obj, "pole_id", "meta.pole_id")?,
        group_kind,
        date,
        facilitators: req_str(d, meta_obj, "facilitators", "meta.facilitators")?,
        created_at: req_int(d, meta_obj, "created_at", "meta.created_at")?,
        created_by: req_str(d, meta_obj, "created_by", "meta.created_by")?,
        closed_at: opt_int(d, meta_obj, "closed_at", "meta.closed_at")?,
        details: SessionDetails {
            start_time: time("start_time")?,
            end_time: time("end_time")?,
            place: text("place")?,
            note_taker: text("note_taker")?,
        },
    })
}

fn read_douars(d: &AutoCommit) -> Result<Vec<String>, SchemaError> {
    let douars_obj = obj_of(d, &automerge::ROOT, "douars", ObjType::Map)?;
    Ok(d
        .map_range(&douars_obj, ..)
        .filter(|item| matches!(item.value.clone().into_value(), Value::Scalar(s) if matches!(s.as_ref(), ScalarValue::Boolean(true))))
        .map(|item| item.key.to_string())
        .collect())
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

    #[test]
    fn times_are_checked() {
        for ok in ["00:00", "09:30", "23:59", "14:05"] {
            assert!(validate_time(ok).is_ok(), "{ok}");
        }
        for bad in [
            "24:00",
            "9:30",
            "09:60",
            "0930",
            "09h30",
            "٠٩:٣٠",
            "",
            "09:30:00",
        ] {
            assert!(validate_time(bad).is_err(), "{bad}");
        }
        let ctx = EditCtx::new("a", 0);
        let bad = SessionDetails {
            start_time: Some("25:00".into()),
            ..SessionDetails::default()
        };
        assert!(
            SessionDoc::create_with_details(Uuid::new_v4(), &new_session(), &bad, &ctx, None)
                .is_err()
        );
        let late = SessionDetails {
            start_time: Some("21:00".into()),
            end_time: Some("00:30".into()),
            ..SessionDetails::default()
        };
        // Past midnight is accepted, and pointed out.
        assert!(late.ends_before_start());
        let doc =
            SessionDoc::create_with_details(Uuid::new_v4(), &new_session(), &late, &ctx, None)
                .unwrap();
        assert_eq!(doc.read().unwrap().meta.details, late);
    }

    #[test]
    fn details_are_written_field_by_field() {
        let ctx = EditCtx::new("a", 0);
        let mut doc = SessionDoc::create(Uuid::new_v4(), &new_session(), &ctx, None).unwrap();
        let s = doc.read().unwrap();
        assert_eq!(s.schema, SCHEMA_VERSION);
        assert_eq!(s.meta.details, SessionDetails::default());
        let details = SessionDetails {
            start_time: Some("09:15".into()),
            end_time: Some("11:40".into()),
            place: "دار الجمعية ⵜⴰⴷⴷⴰⵔⵜ".into(),
            note_taker: "Aicha".into(),
        };
        let mut init = new_session();
        init.douar_ids = vec!["idouz".into(), "tizi".into()];
        doc.update_meta(&init, &details, &ctx).unwrap();
        let s = doc.read().unwrap();
        assert_eq!(s.meta.details, details);
        assert_eq!(s.douar_ids, vec!["idouz".to_string(), "tizi".to_string()]);
        let heads = doc.heads();
        // Nothing differs: nothing written.
        doc.update_meta(&init, &details, &ctx).unwrap();
        assert_eq!(doc.heads(), heads);
        let mut cleared = details.clone();
        cleared.end_time = None;
        doc.update_meta(&init, &cleared, &ctx).unwrap();
        assert_eq!(doc.read().unwrap().meta.details.end_time, None);
    }

    #[test]
    fn associations_count_and_can_be_removed_and_restored() {
        let ctx = EditCtx::new("a", 0);
        let mut doc = SessionDoc::create(Uuid::new_v4(), &new_session(), &ctx, None).unwrap();
        assert!(doc.add_association("  ", 0, &ctx).is_err());
        assert!(doc.add_association("x", -1, &ctx).is_err());
        let coop = doc.add_association("تعاونية الأركان", 2, &ctx).unwrap();
        let assoc = doc.add_association("Association Tifawin", 0, &ctx).unwrap();
        doc.add_association_count(coop, 1, &ctx).unwrap();
        doc.add_association_count(assoc, -1, &ctx).unwrap();
        doc.set_association_deleted(assoc, true, &ctx).unwrap();
        let s = doc.read().unwrap();
        assert_eq!(s.associations.len(), 2);
        let live: Vec<_> = s.live_associations().collect();
        assert_eq!(live.len(), 1);
        assert_eq!((live[0].id, live[0].count), (coop, 3));
        // Below zero reads as zero.
        assert_eq!(
            s.associations.iter().find(|a| a.id == assoc).unwrap().count,
            0
        );
        doc.set_association_deleted(assoc, false, &ctx).unwrap();
        doc.rename_association(assoc, "Association Tifaouine", &ctx)
            .unwrap();
        let s = doc.read().unwrap();
        assert_eq!(s.live_associations().count(), 2);
        assert!(
            s.associations
                .iter()
                .any(|a| a.name == "Association Tifaouine")
        );
        assert!(matches!(
            doc.add_association_count(Uuid::new_v4(), 1, &ctx),
            Err(DocError::UnknownAssociation(_))
        ));
    }

    fn order(doc: &SessionDoc) -> Vec<Uuid> {
        doc.read().unwrap().live_proposals().map(|p| p.id).collect()
    }

    #[test]
    fn proposals_move_up_and_down() {
        let mut doc =
            SessionDoc::create(Uuid::new_v4(), &new_session(), &EditCtx::new("a", 0), None)
                .unwrap();
        let ids: Vec<Uuid> = (0..4)
            .map(|i| {
                doc.add_proposal(&input(&format!("p{i}")), &EditCtx::new("a", 1000 * i))
                    .unwrap()
            })
            .collect();
        let ctx = EditCtx::new("a", 10_000);
        // Newest first.
        assert_eq!(order(&doc), vec![ids[3], ids[2], ids[1], ids[0]]);
        assert!(!doc.move_proposal(ids[3], true, &ctx).unwrap());
        assert!(!doc.move_proposal(ids[0], false, &ctx).unwrap());
        assert!(doc.move_proposal(ids[0], true, &ctx).unwrap());
        assert_eq!(order(&doc), vec![ids[3], ids[2], ids[0], ids[1]]);
        assert!(doc.move_proposal(ids[3], false, &ctx).unwrap());
        assert_eq!(order(&doc), vec![ids[2], ids[3], ids[0], ids[1]]);
        // Deleted proposals are skipped.
        doc.set_proposal_deleted(ids[3], true, &ctx).unwrap();
        assert!(doc.move_proposal(ids[0], true, &ctx).unwrap());
        assert_eq!(order(&doc), vec![ids[0], ids[2], ids[1]]);
        // Many moves between the same two neighbours exhaust the room between their ranks:
        // the order still comes out right.
        doc.set_proposal_deleted(ids[3], false, &ctx).unwrap();
        for _ in 0..200 {
            doc.move_proposal(ids[1], true, &ctx).unwrap();
            doc.move_proposal(ids[1], false, &ctx).unwrap();
        }
        let before = order(&doc);
        let at = before.iter().position(|p| *p == ids[1]).unwrap();
        assert!(doc.move_proposal(ids[1], true, &ctx).unwrap());
        let after = order(&doc);
        assert_eq!(after[at - 1], ids[1]);
        assert_eq!(after.len(), before.len());
    }

    #[test]
    fn edits_after_closing_are_known() {
        let t = |s: i64| EditCtx::new("a", 1_000_000 + s * 1000);
        let mut doc = SessionDoc::create(Uuid::new_v4(), &new_session(), &t(0), None).unwrap();
        let before = doc.add_proposal(&input("before"), &t(1)).unwrap();
        let edited = doc.add_proposal(&input("edited"), &t(2)).unwrap();
        let voted = doc.add_proposal(&input("voted"), &t(3)).unwrap();
        doc.close(&t(10)).unwrap();
        doc.close(&t(20)).unwrap();
        let s = doc.read().unwrap();
        assert_eq!(s.meta.closed_at, Some(t(10).now_ms));
        assert!(s.proposals.iter().all(|p| !s.edited_after_close(p)));
        let mut form = input("edited, later");
        form.raised_by = "youth".into();
        doc.update_proposal(edited, &form, &t(11)).unwrap();
        doc.add_votes(voted, 1, &t(12)).unwrap();
        let added = doc.add_proposal(&input("added"), &t(13)).unwrap();
        let s = doc.read().unwrap();
        let after: BTreeMap<Uuid, bool> = s
            .proposals
            .iter()
            .map(|p| (p.id, s.edited_after_close(p)))
            .collect();
        assert!(!after[&before]);
        assert!(after[&edited] && after[&voted] && after[&added]);
        // An update that changes nothing is not an edit.
        let heads = doc.heads();
        doc.update_proposal(before, &input("before"), &t(14))
            .unwrap();
        assert_eq!(doc.heads(), heads);
    }
}
