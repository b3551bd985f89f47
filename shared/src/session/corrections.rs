//! Corrections of a session's opening choices (its pole, its douars, its group) after it was
//! created, and the order in which its douars were picked.
//!
//! ```text
//! meta.douar_order: list of str   the douar ids in the order picked (LWW: replaced whole)
//! corrections: map  uuid -> map   one entry per field corrected, created by the first
//!     ├─ field: "pole" | "douars" | "group"          tablet that corrects (like `photos`)
//!     ├─ from: str   ├─ to: str     pole id, group code, or douar ids joined by ","
//!     └─ at: int (ms)  └─ by: str
//! ```
//!
//! The values themselves stay where they always were (`meta.pole_id`, `meta.group_kind`, the
//! `douars` set), so a tablet on an older app reads a corrected session as it is now. Two
//! tablets correcting the pole at once: Automerge keeps one value on both (the same one, after
//! they merge), and the log holds both corrections, each from the same old value; the screen
//! names the value kept ([`Session::concurrent_correction`]). The douars' membership is the
//! set (so a douar added on one tablet and another removed on the other both hold); their
//! order is `douar_order`, last writer wins, and a douar the list does not name comes after.

use super::read::{read_douars, read_meta};
use super::*;

/// Which opening choice a correction changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CorrectedField {
    Pole,
    Douars,
    Group,
}

impl CorrectedField {
    pub const ALL: [CorrectedField; 3] = [Self::Pole, Self::Douars, Self::Group];

    pub fn code(self) -> &'static str {
        match self {
            Self::Pole => "pole",
            Self::Douars => "douars",
            Self::Group => "group",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.code() == code)
    }
}

/// One correction as the document logs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Correction {
    pub id: Uuid,
    pub field: CorrectedField,
    /// The pole id, the group code, or the douar ids in order joined by ",".
    pub from: String,
    pub to: String,
    pub at: i64,
    pub by: String,
}

impl Correction {
    /// The douar ids of a `Douars` correction's `from` or `to`.
    pub fn douar_ids(value: &str) -> Vec<String> {
        value
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }
}

/// What a facilitator sets when correcting: the choices as they should be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningChoices {
    pub pole_id: String,
    /// In the order picked.
    pub douar_ids: Vec<String>,
    pub group_kind: GroupKind,
}

impl OpeningChoices {
    pub fn validate(&self) -> Result<(), DocError> {
        check_place(&self.pole_id, &self.douar_ids)?;
        if !self.group_kind.is_known() {
            return Err(DocError::Invalid(format!(
                "unknown group {}",
                self.group_kind.code()
            )));
        }
        Ok(())
    }
}

/// The pole and douars a session may name: a pole, one douar at least, ids within bounds, no
/// douar twice.
pub(super) fn check_place(pole_id: &str, douar_ids: &[String]) -> Result<(), DocError> {
    if pole_id.trim().is_empty() {
        return Err(DocError::Invalid("a session needs a pole".into()));
    }
    check_len("pole", pole_id, MAX_ID_CHARS)?;
    if douar_ids.is_empty() {
        return Err(DocError::Invalid("a session needs a douar".into()));
    }
    if douar_ids.len() > MAX_DOUARS {
        return Err(DocError::Invalid(format!(
            "a session names at most {MAX_DOUARS} douars"
        )));
    }
    for (i, d) in douar_ids.iter().enumerate() {
        if d.trim().is_empty() || d.contains(',') {
            return Err(DocError::Invalid(format!("not a douar id: {d:?}")));
        }
        check_len("douar", d, MAX_ID_CHARS)?;
        if douar_ids[..i].contains(d) {
            return Err(DocError::Invalid(format!("douar {d} named twice")));
        }
    }
    Ok(())
}

impl SessionDoc {
    /// Writes the douars' order (in the same change as the caller's other writes).
    pub(super) fn put_douar_order(&mut self, douar_ids: &[String]) -> Result<(), DocError> {
        let meta = self.obj(&automerge::ROOT, "meta")?;
        let list = self.doc.put_object(&meta, "douar_order", ObjType::List)?;
        for (i, d) in douar_ids.iter().enumerate() {
            self.doc.insert(&list, i, d.as_str())?;
        }
        Ok(())
    }

    /// Corrects the pole, the douars and the group to `to`; each field that differs from the
    /// document's current value is written and logged, all in one change. Returns whether
    /// anything changed (a correction to the current values writes nothing).
    pub fn correct_opening(
        &mut self,
        to: &OpeningChoices,
        ctx: &EditCtx,
    ) -> Result<bool, DocError> {
        to.validate()?;
        let meta_obj = self.obj(&automerge::ROOT, "meta")?;
        let meta = read_meta(&self.doc, &meta_obj)?;
        let douars = read_douars(&self.doc)?;
        let mut log = Vec::new();
        if meta.pole_id != to.pole_id {
            self.doc.put(&meta_obj, "pole_id", to.pole_id.as_str())?;
            log.push((
                CorrectedField::Pole,
                meta.pole_id.clone(),
                to.pole_id.clone(),
            ));
        }
        if meta.group_kind != to.group_kind {
            self.doc
                .put(&meta_obj, "group_kind", to.group_kind.code())?;
            log.push((
                CorrectedField::Group,
                meta.group_kind.code().to_string(),
                to.group_kind.code().to_string(),
            ));
        }
        if douars != to.douar_ids {
            let set = self.obj(&automerge::ROOT, "douars")?;
            for d in &douars {
                if !to.douar_ids.contains(d) {
                    self.doc.delete(&set, d.as_str())?;
                }
            }
            for d in &to.douar_ids {
                if !douars.contains(d) {
                    self.doc.put(&set, d.as_str(), true)?;
                }
            }
            self.put_douar_order(&to.douar_ids)?;
            log.push((
                CorrectedField::Douars,
                douars.join(","),
                to.douar_ids.join(","),
            ));
        }
        if log.is_empty() {
            return Ok(false);
        }
        if self.read_corrections()?.len() + log.len() > MAX_CORRECTIONS {
            // Nothing of this change is kept: the puts above are rolled back.
            self.doc.rollback();
            return Err(DocError::Invalid(format!(
                "a session keeps at most {MAX_CORRECTIONS} corrections"
            )));
        }
        let map = match self.root_maps("corrections")?.into_iter().next() {
            Some(map) => map,
            None => self
                .doc
                .put_object(automerge::ROOT, "corrections", ObjType::Map)?,
        };
        for (field, from, to) in log {
            let entry = self
                .doc
                .put_object(&map, Uuid::new_v4().to_string(), ObjType::Map)?;
            self.doc.put(&entry, "field", field.code())?;
            self.doc.put(&entry, "from", from)?;
            self.doc.put(&entry, "to", to)?;
            self.doc.put(&entry, "at", ctx.now_ms)?;
            self.doc.put(&entry, "by", ctx.author.as_str())?;
        }
        self.doc.commit_with(ctx.commit_options());
        Ok(true)
    }

    /// The log of corrections, oldest first. An entry a newer app wrote about a field this
    /// one does not know is skipped; one that is not a map of strings is a schema error.
    pub fn read_corrections(&self) -> Result<Vec<Correction>, SchemaError> {
        let maps = self.root_maps("corrections").map_err(|e| match e {
            DocError::Schema(e) => e,
            other => schema_err("corrections", other.to_string()),
        })?;
        let mut out: Vec<Correction> = Vec::new();
        for map in maps {
            for item in self.doc.map_range(&map, ..) {
                let path = format!("corrections.{}", item.key);
                let id = Uuid::parse_str(&item.key)
                    .map_err(|_| schema_err(path.clone(), "key is not a UUID"))?;
                let obj = match item.value.clone().into_value() {
                    Value::Object(ObjType::Map) => item.id(),
                    _ => return Err(schema_err(path, "not a map")),
                };
                let text = |key: &str| req_str(&self.doc, &obj, key, &format!("{path}.{key}"));
                let Some(field) = CorrectedField::parse(&text("field")?) else {
                    continue;
                };
                if out.iter().any(|c| c.id == id) {
                    continue;
                }
                out.push(Correction {
                    id,
                    field,
                    from: text("from")?,
                    to: text("to")?,
                    at: req_int(&self.doc, &obj, "at", &format!("{path}.at"))?,
                    by: text("by")?,
                });
            }
        }
        crate::sort::sort_by(&mut out, |a, b| a.at.cmp(&b.at).then(a.id.cmp(&b.id)));
        Ok(out)
    }
}

/// The douar ids in the order picked: the set's members ordered by `douar_order`, those it
/// does not name (a v1/v2 document, or a douar added concurrently) after, by id.
pub(super) fn order_douars(d: &AutoCommit, mut set: Vec<String>) -> Vec<String> {
    let order: Vec<String> = match obj_of(d, &automerge::ROOT, "meta", ObjType::Map)
        .ok()
        .and_then(|meta| match d.get(&meta, "douar_order") {
            Ok(Some((Value::Object(ObjType::List), list))) => Some(list),
            _ => None,
        }) {
        Some(list) => d
            .list_range(&list, ..)
            .filter_map(|item| match item.value.into_value() {
                Value::Scalar(s) => match s.as_ref() {
                    ScalarValue::Str(s) => Some(s.to_string()),
                    _ => None,
                },
                _ => None,
            })
            .collect(),
        None => Vec::new(),
    };
    let position = |id: &String| order.iter().position(|o| o == id).unwrap_or(usize::MAX);
    set.sort_by(|a, b| position(a).cmp(&position(b)).then(a.cmp(b)));
    set
}

impl Session {
    /// The last two corrections of `field` when they were made on two tablets from the same
    /// value to different ones (neither saw the other's): the document kept one value (the
    /// current one), and the screen says which, and what the other tablet chose.
    pub fn concurrent_correction(
        &self,
        field: CorrectedField,
    ) -> Option<(&Correction, &Correction)> {
        let of_field: Vec<&Correction> = self
            .corrections
            .iter()
            .filter(|c| c.field == field)
            .collect();
        let [.., before, last] = of_field.as_slice() else {
            return None;
        };
        (before.from == last.from && before.to != last.to).then_some((*before, *last))
    }
}
