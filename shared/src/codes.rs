//! Codes: the stable ASCII identifiers stored in documents and SQL (group kinds, sectors,
//! attendance categories); labels live in the client's message catalogues and in the
//! reference endpoint, never in code paths that compare.

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
