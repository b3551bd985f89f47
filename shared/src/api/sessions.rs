//! Sessions as the office reads them: the projection of their documents.

use crate::codes::{AttendanceCategory, GroupKind, Sector};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// One session as listed (projection of its document).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SessionSummary {
    pub id: Uuid,
    pub pole_id: String,
    pub group_kind: GroupKind,
    pub date: String,
    pub facilitators: String,
    pub douar_ids: Vec<String>,
    pub present: i64,
    pub proposals: i64,
    pub closed_at: Option<i64>,
    /// Unix time (seconds) the server last stored a change of this session.
    pub updated_at: i64,
    // Schema v2 (defaults: an older server, or a v1 document, has none of these).
    /// `HH:MM`, 24 h.
    #[serde(default)]
    pub start_time: Option<String>,
    /// `HH:MM`, 24 h; earlier than the start means the meeting went past midnight.
    #[serde(default)]
    pub end_time: Option<String>,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub note_taker: String,
    /// Proposals created or changed after `closed_at`.
    #[serde(default)]
    pub edited_after_close: i64,
    /// The schema version the session's document was created with.
    #[serde(default = "schema_v1")]
    pub schema_version: u64,
}

fn schema_v1() -> u64 {
    1
}

/// An association or cooperative represented at a session, with its members present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AssociationRow {
    pub id: Uuid,
    pub name: String,
    pub count: i64,
    /// Removed on the tablet (kept, so that it can be restored).
    pub deleted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AttendanceRow {
    pub category: AttendanceCategory,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ProposalRow {
    pub id: Uuid,
    pub problem: String,
    pub solution: String,
    pub sector: Option<Sector>,
    pub douar_id: Option<String>,
    pub raised_by: String,
    pub created_at: i64,
    pub created_by: String,
    pub deleted: bool,
    pub votes: i64,
    /// Milliseconds; `None` for a proposal written only by v1 code.
    #[serde(default)]
    pub edited_at: Option<i64>,
    /// Created or changed after the session was closed.
    #[serde(default)]
    pub edited_after_close: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SessionDetail {
    #[serde(flatten)]
    pub summary: SessionSummary,
    pub notes: String,
    pub attendance: Vec<AttendanceRow>,
    /// Deleted proposals included (marked), highest rank first.
    pub proposal_list: Vec<ProposalRow>,
    /// Removed ones included (marked), by name.
    #[serde(default)]
    pub associations: Vec<AssociationRow>,
}

/// A document the server keeps but does not project, because it breaks the schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct QuarantinedDoc {
    pub doc_id: Uuid,
    pub reason: String,
    pub since: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client built against this crate still reads what a server from before schema v2
    /// sends, and the reverse.
    #[test]
    fn session_json_without_v2_fields_parses() {
        let old = r#"{"id":"7b7a3f0e-3c1d-4e55-9a51-0d7f5a1e2c01","pole_id":"pole-1",
            "group_kind":"women","date":"2022-07-14","facilitators":"","douar_ids":["idouz"],
            "present":3,"proposals":1,"closed_at":null,"updated_at":5,"notes":"",
            "attendance":[],"proposal_list":[{"id":"00000000-0000-4000-8000-000000000001",
            "problem":"p","solution":"s","sector":null,"douar_id":null,"raised_by":"",
            "created_at":1,"created_by":"a","deleted":false,"votes":2}]}"#;
        let d: SessionDetail = serde_json::from_str(old).unwrap();
        assert_eq!(d.summary.schema_version, 1);
        assert_eq!(d.summary.place, "");
        assert_eq!(d.summary.start_time, None);
        assert!(d.associations.is_empty());
        assert_eq!(d.proposal_list[0].edited_at, None);
        assert!(!d.proposal_list[0].edited_after_close);
        let back: SessionDetail =
            serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
        assert_eq!(back, d);
    }
}
