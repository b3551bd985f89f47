//! Reference data: the fixed lists every session uses (group kinds, sectors, attendance
//! categories) and the shape of a commune's places (poles, douars).
//!
//! Codes are stable ASCII identifiers stored in documents and SQL; labels live in the client's
//! message catalogues and in the reference endpoint, never in code paths that compare.

use serde::{Deserialize, Serialize};

use crate::codes::{GroupKind, Sector};

/// A cluster of douars the commune is split into for the diagnosis.

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pole {
    pub id: String,
    pub name_ar: String,
    pub name_fr: String,
    /// True when the data is an illustration (the seed does not name the poles).
    pub illustrative: bool,
}

/// A village. The Arabic name is the key people recognise; the Latin transliteration varies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Douar {
    pub id: String,
    pub pole_id: String,
    pub name_ar: String,
    pub name_fr: String,
    /// Other spellings met in documents ("اولادسكيبر" for "اولاد سكير").
    pub aliases: Vec<String>,
    /// True when the assignment of this douar to its pole is an illustration.
    pub illustrative: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Commune {
    pub id: String,
    pub name_ar: String,
    pub name_fr: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CodeLabel {
    pub code: String,
    pub ar: String,
    pub fr: String,
}

/// Everything a tablet needs to open a session offline; served by `GET /api/reference`
/// and cached by the client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reference {
    pub commune: Option<Commune>,
    pub poles: Vec<Pole>,
    pub douars: Vec<Douar>,
    pub sectors: Vec<CodeLabel>,
    pub group_kinds: Vec<CodeLabel>,
}

impl Reference {
    pub fn douars_of<'a>(&'a self, pole_id: &'a str) -> impl Iterator<Item = &'a Douar> + 'a {
        self.douars.iter().filter(move |d| d.pole_id == pole_id)
    }

    pub fn sector_labels() -> Vec<CodeLabel> {
        Sector::ALL
            .iter()
            .map(|s| {
                let l = s.labels();
                CodeLabel {
                    code: s.code().into(),
                    ar: l.ar,
                    fr: l.fr,
                }
            })
            .collect()
    }

    pub fn group_kind_labels() -> Vec<CodeLabel> {
        GroupKind::ALL
            .iter()
            .map(|g| {
                let l = g.labels();
                CodeLabel {
                    code: g.code().into(),
                    ar: l.ar,
                    fr: l.fr,
                }
            })
            .collect()
    }
}
