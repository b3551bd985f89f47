//! Reference data: the fixed lists every session uses (group kinds, sectors, attendance
//! categories) and the shape of a commune's places (poles, douars).
//!
//! Codes are stable ASCII identifiers stored in documents and SQL; labels live in the client's
//! message catalogues and in the reference endpoint, never in code paths that compare.

use serde::{Deserialize, Serialize};

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code stored in documents and SQL.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

code_enum! {
    /// The social group a listening session is held with (product.md, step 2).
    GroupKind {
        Women => "women",
        Men => "men",
        Youth => "youth",
        Disability => "disability",
        Associations => "associations",
        Mixed => "mixed",
    }
}

code_enum! {
    /// Sectors covering the commune's competences (Organic Law 113.14), used to classify
    /// every proposal.
    Sector {
        Roads => "roads",
        DrinkingWater => "drinking_water",
        Electricity => "electricity",
        Sanitation => "sanitation",
        Health => "health",
        Education => "education",
        YouthSports => "youth_sports",
        WomenFamily => "women_family",
        Culture => "culture",
        Economy => "economy",
        Environment => "environment",
        Governance => "governance",
        Social => "social",
    }
}

code_enum! {
    /// Attendance is counted per category; each is an Automerge counter in the document so
    /// that two facilitators counting at the door add up.
    AttendanceCategory {
        Women => "women",
        Men => "men",
        YouthWomen => "youth_women",
        YouthMen => "youth_men",
        DisabledWomen => "disabled_women",
        DisabledMen => "disabled_men",
    }
}

impl AttendanceCategory {
    /// Whether the category is part of the head count (youth and disability are subsets of
    /// the women and men present, not extra people).
    pub fn counts_in_total(self) -> bool {
        matches!(self, AttendanceCategory::Women | AttendanceCategory::Men)
    }
}

/// Labels of a code in the two languages of the interface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Labels {
    pub ar: String,
    pub fr: String,
}

impl Sector {
    /// Arabic and French names, used by the reference endpoint and by exports.
    pub fn labels(self) -> Labels {
        let (ar, fr) = match self {
            Sector::Roads => ("الطرق والمسالك", "Routes et pistes"),
            Sector::DrinkingWater => ("الماء الصالح للشرب", "Eau potable"),
            Sector::Electricity => ("الكهرباء والإنارة العمومية", "Électricité et éclairage"),
            Sector::Sanitation => ("التطهير والنفايات", "Assainissement et déchets"),
            Sector::Health => ("الصحة", "Santé"),
            Sector::Education => ("التعليم والدعم المدرسي", "Éducation et soutien scolaire"),
            Sector::YouthSports => ("الشباب والرياضة", "Jeunesse et sports"),
            Sector::WomenFamily => ("المرأة والأسرة", "Femme et famille"),
            Sector::Culture => ("الثقافة والمكتبات", "Culture et bibliothèques"),
            Sector::Economy => ("الاقتصاد المحلي والفلاحة", "Économie locale et agriculture"),
            Sector::Environment => ("البيئة", "Environnement"),
            Sector::Governance => ("الحكامة والإدارة", "Gouvernance et administration"),
            Sector::Social => ("الشؤون الاجتماعية والإعاقة", "Social et handicap"),
        };
        Labels {
            ar: ar.into(),
            fr: fr.into(),
        }
    }
}

impl GroupKind {
    pub fn labels(self) -> Labels {
        let (ar, fr) = match self {
            GroupKind::Women => ("النساء", "Femmes"),
            GroupKind::Men => ("الرجال", "Hommes"),
            GroupKind::Youth => ("الشباب", "Jeunes"),
            GroupKind::Disability => (
                "الأشخاص في وضعية إعاقة",
                "Personnes en situation de handicap",
            ),
            GroupKind::Associations => ("الجمعيات والتعاونيات", "Associations et coopératives"),
            GroupKind::Mixed => ("مختلطة", "Mixte"),
        };
        Labels {
            ar: ar.into(),
            fr: fr.into(),
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for s in Sector::ALL {
            assert_eq!(Sector::from_code(s.code()), Some(*s));
            assert_eq!(
                serde_json::to_string(s).unwrap(),
                format!("\"{}\"", s.code())
            );
        }
        for g in GroupKind::ALL {
            assert_eq!(GroupKind::from_code(g.code()), Some(*g));
        }
        for c in AttendanceCategory::ALL {
            assert_eq!(AttendanceCategory::from_code(c.code()), Some(*c));
        }
        assert_eq!(Sector::from_code("nope"), None);
    }
}
