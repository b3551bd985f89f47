//! The gender report (`GET /api/reports/gender`), the equality body's (IEECAG) main input:
//! what each kind of group asked for per sector, pole and douar; who came to the sessions of
//! each pole; which projects answer needs raised mostly by women.
//!
//! Every figure counts live proposals only (withdrawn on a tablet: left out) and alive needs
//! only (closed ones: left out). A proposal belongs to its own sector, its own douar (none:
//! it counts for its pole only) and its session's pole and group kind.

use serde::{Deserialize, Serialize};

use crate::codes::{GroupKind, Sector};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// A count for each kind of group a session is held with; `other` holds group kinds a newer
/// app wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ByGroup {
    pub women: i64,
    pub men: i64,
    pub youth: i64,
    pub disability: i64,
    pub associations: i64,
    pub mixed: i64,
    #[serde(default)]
    pub other: i64,
}

impl ByGroup {
    /// The columns in order: the known group kinds, then `None` for `other`.
    pub const COLUMNS: [Option<GroupKind>; 7] = [
        Some(GroupKind::Women),
        Some(GroupKind::Men),
        Some(GroupKind::Youth),
        Some(GroupKind::Disability),
        Some(GroupKind::Associations),
        Some(GroupKind::Mixed),
        None,
    ];

    /// The column of a group kind (an unknown one is `other`, the last).
    pub fn index(kind: &GroupKind) -> usize {
        match kind {
            GroupKind::Women => 0,
            GroupKind::Men => 1,
            GroupKind::Youth => 2,
            GroupKind::Disability => 3,
            GroupKind::Associations => 4,
            GroupKind::Mixed => 5,
            GroupKind::Unknown(_) => 6,
        }
    }

    pub fn from_array(a: [i64; 7]) -> ByGroup {
        ByGroup {
            women: a[0],
            men: a[1],
            youth: a[2],
            disability: a[3],
            associations: a[4],
            mixed: a[5],
            other: a[6],
        }
    }

    pub fn to_array(self) -> [i64; 7] {
        [
            self.women,
            self.men,
            self.youth,
            self.disability,
            self.associations,
            self.mixed,
            self.other,
        ]
    }

    pub fn total(self) -> i64 {
        self.to_array().iter().sum()
    }
}

/// A need raised mostly by women in some place (more than half of its proposals there came
/// from women's sessions), with the counts there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WomenNeed {
    pub need_id: i64,
    pub title: String,
    pub sector: Option<Sector>,
    /// Its proposals in that place.
    pub proposals: i64,
    /// Of those, from women's sessions (all of them: raised only by women).
    pub from_women: i64,
    /// Of those, from men's sessions.
    pub from_men: i64,
}

/// One sector, pole or douar (or the whole commune): proposals and needs by group kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct GenderRow {
    /// The sector's code (empty for proposals without a sector), the pole's or the douar's id
    /// (empty for the commune).
    pub key: String,
    pub name_ar: String,
    pub name_fr: String,
    /// For a douar, its pole.
    pub pole_id: Option<String>,
    /// Not in the commune's lists (a sector, pole or douar a tablet wrote that the server does
    /// not know): named by its code.
    #[serde(default)]
    pub unknown: bool,
    /// Live proposals by the group kind of their session.
    pub proposals: ByGroup,
    /// Alive needs with at least one proposal from there by a group of that kind (a need
    /// raised by women and men counts in both).
    pub needs: ByGroup,
    /// Distinct alive needs with a proposal from there.
    pub needs_total: i64,
    /// The needs raised there only or mostly by women, most women's proposals first.
    pub women_needs: Vec<WomenNeed>,
}

/// Who came to the sessions of one pole (or the whole commune): attendance summed over its
/// sessions, and its sessions by group kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Participation {
    pub pole_id: String,
    pub name_ar: String,
    pub name_fr: String,
    #[serde(default)]
    pub unknown: bool,
    pub women: i64,
    pub men: i64,
    /// Youth and disability are among the women and men counted, not extra people.
    pub youth_women: i64,
    pub youth_men: i64,
    pub disabled_women: i64,
    pub disabled_men: i64,
    pub sessions: ByGroup,
}

/// A project that answers needs raised mostly by women: through its linked alive needs, more
/// than half of their live proposals came from women's sessions.
///
/// Listed in the order of the council's ranking (the Priorities screen's saved one), ties by
/// programme number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WomenProject {
    pub project_id: i64,
    pub number: i64,
    /// Its rank in the saved ranking (ties share a rank; none for a project the ranking does
    /// not list), and whether it shares it.
    pub rank: Option<u32>,
    pub tied: bool,
    pub title_ar: String,
    pub title_fr: String,
    /// Alive needs linked to it.
    pub needs: i64,
    /// Live proposals of those needs.
    pub proposals: i64,
    /// Of those, from women's sessions.
    pub from_women: i64,
    /// Distinct sessions behind those proposals, and of them women's sessions.
    pub sessions: i64,
    pub women_sessions: i64,
}

/// `GET /api/reports/gender`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct GenderReport {
    /// Every known sector in order (with zeros), then unknown codes, then proposals without a
    /// sector (key `""`) when there are any.
    pub by_sector: Vec<GenderRow>,
    /// Every pole in order, then poles sessions name that the commune does not know.
    pub by_pole: Vec<GenderRow>,
    /// Every douar (merged ones read as their target) in pole then douar order, then unknown
    /// douars.
    pub by_douar: Vec<GenderRow>,
    /// The whole commune: its `women_needs` are the needs raised only or mostly by women.
    pub total: GenderRow,
    /// Every pole in order, then unknown poles.
    pub participation: Vec<Participation>,
    pub participation_total: Participation,
    /// In programme number order.
    pub projects: Vec<WomenProject>,
}

/// Whether `part` is more than half of `whole`.
pub fn mostly(part: i64, whole: i64) -> bool {
    whole > 0 && part * 2 > whole
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mostly_is_strictly_more_than_half() {
        assert!(!mostly(0, 0));
        assert!(!mostly(1, 2));
        assert!(mostly(2, 3));
        assert!(mostly(1, 1));
        assert!(!mostly(5, 10));
    }

    #[test]
    fn group_columns_round_trip() {
        for (i, c) in ByGroup::COLUMNS.iter().enumerate() {
            let kind = c.clone().unwrap_or(GroupKind::Unknown("later".into()));
            assert_eq!(ByGroup::index(&kind), i);
        }
        let a = [1, 2, 3, 4, 5, 6, 7];
        assert_eq!(ByGroup::from_array(a).to_array(), a);
        assert_eq!(ByGroup::from_array(a).total(), 28);
        // A report from before `other` existed still reads.
        let b: ByGroup = serde_json::from_str(
            r#"{"women":1,"men":2,"youth":0,"disability":0,"associations":0,"mixed":0}"#,
        )
        .unwrap();
        assert_eq!(b.other, 0);
    }
}
