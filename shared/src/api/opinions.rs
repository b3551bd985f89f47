//! The council's bodies and their opinions (issue 14): the standing committees and the IEECAG
//! (Law 113.14 art. 120) with their members, each body's opinion on the draft's programme and
//! per project, the office's answers to reservations, and a body's report.
//!
//! Opinions are given on the current draft version; a frozen version keeps its opinions for
//! reading (`?version=N`). A body writes one opinion per subject (the programme, or one
//! project): writing again replaces it.

use serde::{Deserialize, Serialize};

pub use crate::codes::{AnswerOutcome, BodyKind, Verdict};
use crate::permissions::Role;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Longest body name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest opinion or answer text, in characters.
pub const MAX_TEXT_CHARS: usize = 8000;
/// Most members of one body (a council has at most a few dozen members).
pub const MAX_MEMBERS: usize = 100;
/// Most bodies (three to five standing committees is the usual).
pub const MAX_BODIES: usize = 30;

impl BodyKind {
    /// The role a member of this kind of body holds.
    pub fn member_role(&self) -> Option<Role> {
        match self {
            BodyKind::Committee => Some(Role::Committee),
            BodyKind::Ieecag => Some(Role::Ieecag),
            BodyKind::Unknown(_) => None,
        }
    }
}

impl Verdict {
    /// Whether the office answers it (a reservation or an unfavourable opinion).
    pub fn needs_answer(&self) -> bool {
        matches!(self, Verdict::Reservations | Verdict::Unfavourable)
    }
}

/// A member of a body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Member {
    pub user_id: i64,
    pub username: String,
    pub display_name: Option<String>,
    pub chair: bool,
    /// A deactivated account stays a member on paper; it no longer logs in.
    pub disabled: bool,
}

/// A standing committee or the IEECAG.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CouncilBody {
    pub id: i64,
    pub kind: BodyKind,
    pub name_ar: String,
    pub name_fr: String,
    pub position: i64,
    /// No longer in place: keeps its opinions, gets no new ones.
    pub retired: bool,
    pub members: Vec<Member>,
}

/// A new body (`POST /api/bodies`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NewBody {
    pub kind: BodyKind,
    pub name_ar: String,
    #[serde(default)]
    pub name_fr: String,
}

/// A body's change (`PATCH /api/bodies/{id}`): each field given replaces the one kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BodyChange {
    #[serde(default)]
    pub name_ar: Option<String>,
    #[serde(default)]
    pub name_fr: Option<String>,
    #[serde(default)]
    pub position: Option<i64>,
    #[serde(default)]
    pub retired: Option<bool>,
}

/// One member as the administrator sets them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MemberInput {
    pub user_id: i64,
    #[serde(default)]
    pub chair: bool,
}

/// A body's whole membership (`PUT /api/bodies/{id}/members`), replacing the one kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MembersInput {
    pub members: Vec<MemberInput>,
}

/// A user who may sit in a body (`GET /api/bodies/candidates`): the active users of role
/// `committee` (for a committee) or `ieecag` (for the IEECAG).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Candidate {
    pub user_id: i64,
    pub username: String,
    pub display_name: Option<String>,
    pub role: Role,
}

/// A body's opinion (`PUT /api/bodies/{id}/opinions/programme` or
/// `…/opinions/projects/{project_id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OpinionInput {
    pub verdict: Verdict,
    /// Required for reservations and an unfavourable opinion (what the office answers).
    #[serde(default)]
    pub text: String,
    /// The date the body gave it, `YYYY-MM-DD`.
    pub date: String,
    /// The signed document (an attachment already uploaded).
    #[serde(default)]
    pub attachment_id: Option<i64>,
}

/// The office's answer to a reservation (`PUT /api/opinions/{id}/answer`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AnswerInput {
    pub outcome: AnswerOutcome,
    /// Why: what changed in the project, or why it is kept.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Answer {
    pub outcome: AnswerOutcome,
    pub text: String,
    pub answered_by: Option<String>,
    pub answered_at: i64,
}

/// A body's opinion as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Opinion {
    pub id: i64,
    pub body_id: i64,
    /// None: on the programme as a whole.
    pub project_id: Option<i64>,
    /// The project's number and title when the opinion was written (a project removed later
    /// keeps them here).
    pub project_number: Option<i64>,
    pub project_title: Option<String>,
    pub verdict: Verdict,
    pub text: String,
    pub date: String,
    pub attachment_id: Option<i64>,
    pub written_by: Option<String>,
    pub written_at: i64,
    /// Made up for the demo (the seed gives no opinions).
    pub illustrative: bool,
    pub answer: Option<Answer>,
}

impl Opinion {
    /// A reservation or unfavourable opinion the office has not answered yet.
    pub fn awaits_answer(&self) -> bool {
        self.verdict.needs_answer() && self.answer.is_none()
    }
}

/// A body and its opinions on one version: the programme's, then the projects' in programme
/// order (axis, programme, number; a project no longer in the programme last).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BodyOpinions {
    pub body: CouncilBody,
    pub programme: Option<Opinion>,
    pub projects: Vec<Opinion>,
}

/// The version the opinions are on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VersionRef {
    pub id: i64,
    pub number: i64,
    /// `draft`, `voted`, `executable`, `refused` or `superseded`.
    pub status: String,
}

impl VersionRef {
    /// Opinions are written on the draft only.
    pub fn is_draft(&self) -> bool {
        self.status == "draft"
    }
}

/// A project opinions may be given on (the live programme, in programme order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OpinionProject {
    pub id: i64,
    pub number: i64,
    pub title_ar: String,
    pub title_fr: String,
    /// Counted in the programme but not named yet (the demo's unnamed projects).
    pub placeholder: bool,
}

/// Every body's opinions on one version (`GET /api/opinions`), for the opinions screen and
/// the PAC document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VersionOpinions {
    pub version: VersionRef,
    /// Bodies in their order; a retired body only when it gave an opinion on this version.
    pub bodies: Vec<BodyOpinions>,
    /// The live programme's projects in programme order (what a member may give an opinion
    /// on while the version is the draft).
    pub projects: Vec<OpinionProject>,
    /// Reservations and unfavourable opinions not answered yet, all bodies together.
    pub awaiting_answer: usize,
    /// Some opinion here is made up (the demo).
    pub illustrative: bool,
}

/// A body's report on one version (`GET /api/bodies/{id}/report`): what it printed and the
/// PAC document carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BodyReport {
    pub version: VersionRef,
    pub opinions: BodyOpinions,
    pub favourable: usize,
    pub reservations: usize,
    pub unfavourable: usize,
    pub answered: usize,
    pub illustrative: bool,
}
