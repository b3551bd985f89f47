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
//! ├─ douars: map  douar_id -> true            a set that merges; meta.douar_order: list of
//! │                                           str, the order picked (see `corrections`)
//! ├─ attendance: map  category -> counter     AttendanceCategory codes; counters add
//! ├─ associations: map  uuid -> map    (v2)   associations/cooperatives represented
//! │   ├─ name: str   ├─ count: counter (members present; counts add)   └─ deleted: bool
//! ├─ proposals: map  uuid -> map              keyed by id, never by position
//! │   ├─ problem: str   ├─ solution: str   ├─ sector: str | null (Sector code)
//! │   ├─ douar_id: str | null              ├─ raised_by: str (sub-group, free text)
//! │   ├─ created_at: int (ms) ├─ created_by: str ├─ deleted: bool
//! │   ├─ rank: f64 (group's order, larger = higher; a new one goes below the lowest) ├─ votes: counter
//! │   └─ edited_at: int (ms)            (v2)   set by every write to the proposal
//! ├─ notes: text                             concurrent typing merges
//! └─ photos: map  sha256 hex -> map    (v2, photos) the photos taken at the meeting
//!     ├─ kind: str (PhotoKind code)  ├─ caption: str  ├─ taken_at: int (ms)  ├─ taken_by: str
//!     └─ bytes: uint (compressed size)  ├─ mime: str ("image/webp" | "image/jpeg")  └─ deleted: bool
//! └─ corrections: map  uuid -> map  (v2, corrections) pole, douars or group corrected after
//!     creation: field, from, to, at, by (see the `corrections` module)
//! ```
//!
//! Photos. The document names each photo by the SHA-256 of its compressed bytes and holds
//! only what describes it; the bytes live beside the document (the tablet's IndexedDB, the
//! server's `photo_blobs`, the session file), so a photo never makes the document heavy and
//! the same photo added on two tablets is one entry. `photos` came after v2 shipped and, like
//! `associations` in a v1 document, is created by the first tablet that adds a photo (the
//! reader takes the union of concurrent maps); readers that do not know it ignore it, so the
//! schema version stays 2.
//!
//! Versions. v2 only adds keys (marked above) to v1; nothing of v1 changes meaning or type.
//! [`SessionDoc::read`] reads both: a key v2 added that is absent reads as its default (no
//! time, empty text, no association, no `edited_at`). A v2 writer editing a v1 document adds
//! keys and leaves `schema` at 1, so a tablet still running the v1 app keeps reading it (a v1
//! reader ignores keys it does not know). New documents are created as v2 with every
//! container in the genesis change. A v1 document gets its `associations` map from the first
//! tablet that records one; two tablets doing that offline create two maps under one key, and
//! the reader takes the union of both, so no association is lost (see `root_maps`).
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

use crate::codes::{AttendanceCategory, GroupKind, PhotoKind, Sector};

mod changed;
mod corrections;
pub mod limits;
mod read;
mod schema;
#[cfg(test)]
mod tests;
mod write;

use schema::*;

pub use changed::Touched;
pub use corrections::{CorrectedField, Correction, OpeningChoices};

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
/// Photos one session may name (removed ones included), and the largest a photo's bytes may
/// be. A photo is resized to about 1600 px and compressed to ~300 KB on the tablet; 1 MiB
/// leaves room for a browser whose WebP encoder is poor, and 40 × 1 MiB bounds a session.
pub const MAX_PHOTOS: usize = 40;
pub const MAX_PHOTO_BYTES: u64 = 1024 * 1024;
/// Corrections of a session's pole, douars or group: a handful in any real session.
pub const MAX_CORRECTIONS: usize = 500;
/// The image types a photo may be (checked by their first bytes, [`photo_mime_of`]).
pub const PHOTO_MIMES: &[&str] = &["image/webp", "image/jpeg"];

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
            group_kind: self.group_kind.clone(),
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

    /// Whether it was created or changed after a session closed at `closed_at`
    /// ([`Session::edited_after_close`]).
    pub fn edited_after(&self, closed_at: Option<i64>) -> bool {
        closed_at.is_some_and(|closed| self.last_change() > closed)
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

/// A photo taken at the meeting, as the document describes it (its bytes are elsewhere).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Photo {
    /// SHA-256 of the compressed bytes, 64 lowercase hex digits: the photo's name everywhere.
    pub hash: String,
    pub kind: PhotoKind,
    pub caption: String,
    pub taken_at: i64,
    pub taken_by: String,
    /// Size of the compressed bytes.
    pub bytes: u64,
    pub mime: String,
    pub deleted: bool,
}

/// What the tablet knows of a photo it has just compressed and stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoInput {
    pub hash: String,
    pub kind: PhotoKind,
    pub caption: String,
    pub bytes: u64,
    pub mime: String,
}

impl PhotoInput {
    pub fn validate(&self) -> Result<(), DocError> {
        if !is_photo_hash(&self.hash) {
            return Err(DocError::Invalid(
                "a photo's name is its SHA-256 in 64 lowercase hex digits".into(),
            ));
        }
        if !self.kind.is_known() {
            return Err(DocError::Invalid(format!(
                "unknown photo kind {}",
                self.kind.code()
            )));
        }
        check_len("caption", &self.caption, MAX_NAME_CHARS)?;
        if self.bytes == 0 || self.bytes > MAX_PHOTO_BYTES {
            return Err(DocError::Invalid(format!(
                "a photo is 1 to {MAX_PHOTO_BYTES} bytes, not {}",
                self.bytes
            )));
        }
        if !PHOTO_MIMES.contains(&self.mime.as_str()) {
            return Err(DocError::Invalid(format!(
                "a photo is WebP or JPEG, not {}",
                self.mime
            )));
        }
        Ok(())
    }
}

/// Whether `s` can name a photo: a SHA-256 in lowercase hex.
pub fn is_photo_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The image type of `bytes` by its first bytes (magic numbers), if it is one a photo may be.
pub fn photo_mime_of(bytes: &[u8]) -> Option<&'static str> {
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.len() >= 3 && bytes[..3] == [0xFF, 0xD8, 0xFF] {
        Some("image/jpeg")
    } else {
        None
    }
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
            .map(|c| self.get(c.clone()))
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
    /// Photos, removed ones included, oldest first (absent before the first photo).
    #[serde(default)]
    pub photos: Vec<Photo>,
    /// Corrections of the pole, douars or group after creation, oldest first.
    #[serde(default)]
    pub corrections: Vec<Correction>,
}

impl Session {
    /// The bounds the app keeps when it writes (text lengths, counts, one id per record),
    /// checked on a document as received: a document from a broken or hostile app that breaks
    /// them is kept but set aside, never projected. `read` does not check these, so a tablet
    /// can still open such a document and export it.
    pub fn check_limits(&self) -> Result<(), SchemaError> {
        limits::meta(&self.meta)?;
        limits::notes(&self.notes)?;
        limits::douars(&self.douar_ids)?;
        limits::attendance(&self.attendance)?;
        let mut seen = std::collections::BTreeSet::new();
        for p in &self.proposals {
            if !seen.insert(p.id) {
                return Err(schema_err(
                    format!("proposals.{}", p.id),
                    "the same proposal id is written twice (in two spellings)",
                ));
            }
            limits::proposal(p)?;
        }
        limits::associations(&self.associations)?;
        limits::photos(&self.photos)?;
        limits::corrections(&self.corrections)
    }

    pub fn live_proposals(&self) -> impl Iterator<Item = &Proposal> {
        self.proposals.iter().filter(|p| !p.deleted)
    }

    pub fn live_photos(&self) -> impl Iterator<Item = &Photo> {
        self.photos.iter().filter(|p| !p.deleted)
    }

    pub fn live_associations(&self) -> impl Iterator<Item = &Association> {
        self.associations.iter().filter(|a| !a.deleted)
    }

    pub fn is_closed(&self) -> bool {
        self.meta.closed_at.is_some()
    }

    /// Whether the proposal was created or changed after the session was closed.
    pub fn edited_after_close(&self, p: &Proposal) -> bool {
        p.edited_after(self.meta.closed_at)
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
