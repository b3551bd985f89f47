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
    /// The number people call the pole by ("القطب 3"); 0 from a server before it existed.
    #[serde(default)]
    pub number: u32,
    /// Retired: kept for the sessions that name it, never offered for a new session.
    #[serde(default)]
    pub retired: bool,
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
    /// The commune's centre (chef-lieu).
    #[serde(default)]
    pub centre: bool,
    #[serde(default)]
    pub population: Option<u32>,
    /// Retired: kept for the sessions that name it, never offered for a new session.
    #[serde(default)]
    pub retired: bool,
    /// The douar this one turned out to be: the server reads its sessions as that one's.
    #[serde(default)]
    pub merged_into: Option<String>,
}

/// Another named place the diagnosis speaks of (a river, a market, a school, a road).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Place {
    pub id: i64,
    /// A `PlaceKind` code.
    pub kind: crate::codes::PlaceKind,
    pub name_ar: String,
    pub name_fr: String,
    pub aliases: Vec<String>,
    /// The douars it belongs to or runs through.
    pub douar_ids: Vec<String>,
    #[serde(default)]
    pub retired: bool,
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
    /// The poles offered for a new session (none retired).
    pub poles: Vec<Pole>,
    /// The douars offered for a new session: none retired or merged. Apps before the
    /// territory screens offer every douar of this list, so the others are kept apart.
    pub douars: Vec<Douar>,
    pub sectors: Vec<CodeLabel>,
    pub group_kinds: Vec<CodeLabel>,
    /// Retired poles: their names, for the sessions recorded in them.
    #[serde(default)]
    pub former_poles: Vec<Pole>,
    /// Retired and merged douars: their names, for the sessions recorded in them.
    #[serde(default)]
    pub former_douars: Vec<Douar>,
    /// Other named places (none retired).
    #[serde(default)]
    pub places: Vec<Place>,
}

impl Reference {
    /// A pole by id, offered or former (a session keeps the pole it was recorded in).
    pub fn pole(&self, id: &str) -> Option<&Pole> {
        self.poles
            .iter()
            .chain(&self.former_poles)
            .find(|p| p.id == id)
    }

    /// A douar by id, offered or former (retired, or merged into another).
    pub fn douar(&self, id: &str) -> Option<&Douar> {
        self.douars
            .iter()
            .chain(&self.former_douars)
            .find(|d| d.id == id)
    }

    /// The douars a new session in `pole_id` may be recorded in (none retired or merged, even
    /// from a server that would list them).
    pub fn douars_of<'a>(&'a self, pole_id: &'a str) -> impl Iterator<Item = &'a Douar> + 'a {
        self.douars
            .iter()
            .filter(move |d| d.pole_id == pole_id && !d.retired && d.merged_into.is_none())
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

    /// The reference as the server sent it before the territory screens (and as tablets have
    /// it cached): it still reads, the new fields at their defaults.
    const OLD: &str = r#"{"commune":{"id":"demo","name_ar":"ج","name_fr":"C"},
        "poles":[{"id":"pole-1","name_ar":"القطب 1","name_fr":"Pôle 1","illustrative":true}],
        "douars":[{"id":"idouz","pole_id":"pole-1","name_ar":"ادوز","name_fr":"Idouz",
                   "aliases":["إدوز"],"illustrative":true}],
        "sectors":[],"group_kinds":[]}"#;

    /// The struct an app before the territory screens reads the payload into.
    #[derive(Deserialize)]
    struct OldReference {
        poles: Vec<OldPole>,
        douars: Vec<OldDouar>,
    }
    #[derive(Deserialize)]
    struct OldPole {
        id: String,
    }
    #[derive(Deserialize)]
    struct OldDouar {
        id: String,
        pole_id: String,
    }

    fn douar(id: &str, retired: bool, merged_into: Option<&str>) -> Douar {
        Douar {
            id: id.into(),
            pole_id: "pole-1".into(),
            name_ar: id.into(),
            name_fr: String::new(),
            aliases: Vec::new(),
            illustrative: false,
            centre: false,
            population: None,
            retired,
            merged_into: merged_into.map(String::from),
        }
    }

    #[test]
    fn an_old_payload_reads_with_defaults() {
        let r: Reference = serde_json::from_str(OLD).unwrap();
        assert_eq!(r.douars[0].merged_into, None);
        assert!(!r.douars[0].retired && !r.poles[0].retired);
        assert_eq!(r.poles[0].number, 0);
        assert!(r.former_douars.is_empty() && r.places.is_empty());
        assert_eq!(r.douar("idouz").map(|d| d.name_ar.as_str()), Some("ادوز"));
    }

    /// An old app reads a new payload, and finds in its lists only what may be chosen for a
    /// new session; a new app still names the former douars.
    #[test]
    fn an_old_app_reads_a_new_payload_and_sees_only_offered_douars() {
        let mut r: Reference = serde_json::from_str(OLD).unwrap();
        r.former_douars = vec![
            douar("gone", true, None),
            douar("merged", false, Some("idouz")),
        ];
        let json = serde_json::to_string(&r).unwrap();
        let old: OldReference = serde_json::from_str(&json).unwrap();
        assert_eq!(old.poles[0].id, "pole-1");
        let ids: Vec<&str> = old.douars.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["idouz"]);
        assert_eq!(old.douars[0].pole_id, "pole-1");
        let back: Reference = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
        assert_eq!(back.douar("gone").map(|d| d.retired), Some(true));
        assert_eq!(
            back.douar("merged").and_then(|d| d.merged_into.as_deref()),
            Some("idouz")
        );
        // A new session is never offered a retired or merged douar, even from a server that
        // would list one.
        r.douars.push(douar("listed-but-retired", true, None));
        let offered: Vec<&str> = r.douars_of("pole-1").map(|d| d.id.as_str()).collect();
        assert_eq!(offered, ["idouz"]);
    }
}
