//! The one validating read of a session document (`read`, and `read_meta` for the metadata).

use super::*;

impl SessionDoc {
    /// Reads the metadata and the douars only (cheap whatever the number of proposals).
    pub fn read_meta(&self) -> Result<(SessionMeta, Vec<String>), SchemaError> {
        let meta = obj_of(&self.doc, &automerge::ROOT, "meta", ObjType::Map)?;
        Ok((read_meta(&self.doc, &meta)?, read_douars(&self.doc)?))
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

        let attendance = self.read_attendance()?;

        let props_obj = obj_of(d, &root, "proposals", ObjType::Map)?;
        let mut proposals = Vec::new();
        for item in d.map_range(&props_obj, ..) {
            let obj = match item.value.clone().into_value() {
                Value::Object(ObjType::Map) => Some(item.id()),
                _ => None,
            };
            proposals.push(self.read_proposal_entry(&item.key, obj)?);
        }
        // Two tablets adding at once give their proposals one rank: the id decides, the same
        // on every tablet and on the server (`ORDER BY rank DESC, id`).
        crate::sort::sort_by(&mut proposals, |a, b| {
            b.rank.total_cmp(&a.rank).then(a.id.cmp(&b.id))
        });

        let notes = self.read_notes()?;

        let associations = self.read_associations()?;
        let photos = self.read_photos()?;
        let corrections = self.read_corrections()?;

        Ok(Session {
            id,
            schema,
            meta,
            douar_ids,
            attendance,
            proposals,
            notes,
            associations,
            photos,
            corrections,
        })
    }

    /// Attendance per category, as counted (below zero included: see [`Attendance::get`]).
    pub fn read_attendance(&self) -> Result<Attendance, SchemaError> {
        let d = &self.doc;
        let root = automerge::ROOT;
        let att_obj = obj_of(d, &root, "attendance", ObjType::Map)?;
        let mut attendance = Attendance::default();
        for item in d.map_range(&att_obj, ..) {
            // A category a newer app counts is kept as it is.
            let category = code_of(&item.key, AttendanceCategory::parse)
                .map_err(|r| schema_err(format!("attendance.{}", item.key), r))?;
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

        Ok(attendance)
    }

    pub fn read_notes(&self) -> Result<String, SchemaError> {
        let notes_obj = obj_of(&self.doc, &automerge::ROOT, "notes", ObjType::Text)?;
        self.doc
            .text(&notes_obj)
            .map_err(|e| schema_err("notes", e.to_string()))
    }

    /// The proposal under `key` in the proposals map, read and checked as [`Self::read`] reads
    /// each one; `None` when the map has no such key.
    pub fn read_proposal_at(&self, key: &str) -> Result<Option<Proposal>, SchemaError> {
        let props_obj = obj_of(&self.doc, &automerge::ROOT, "proposals", ObjType::Map)?;
        let obj = match self.doc.get(&props_obj, key) {
            Ok(None) => return Ok(None),
            Ok(Some((Value::Object(ObjType::Map), obj))) => Some(obj),
            Ok(Some(_)) => None,
            Err(e) => return Err(schema_err(format!("proposals.{key}"), e.to_string())),
        };
        self.read_proposal_entry(key, obj).map(Some)
    }

    /// One entry of the proposals map: its key must be a UUID, its value a map (`obj`).
    fn read_proposal_entry(&self, key: &str, obj: Option<ObjId>) -> Result<Proposal, SchemaError> {
        let pid = Uuid::parse_str(key)
            .map_err(|_| schema_err(format!("proposals.{key}"), "key is not a UUID"))?;
        let Some(obj) = obj else {
            return Err(schema_err(format!("proposals.{pid}"), "not a map"));
        };
        self.read_proposal(pid, &obj)
    }

    /// The union of every `photos` map (created like v1's `associations`), oldest first. A
    /// key that is not a SHA-256 is a schema error: the name is what the bytes are fetched by.
    pub fn read_photos(&self) -> Result<Vec<Photo>, SchemaError> {
        let maps = self.root_maps("photos").map_err(|e| match e {
            DocError::Schema(e) => e,
            other => schema_err("photos", other.to_string()),
        })?;
        let mut out: Vec<Photo> = Vec::new();
        for map in maps {
            for item in self.doc.map_range(&map, ..) {
                let path = format!("photos.{}", item.key);
                if !is_photo_hash(&item.key) {
                    return Err(schema_err(path, "key is not a SHA-256 in lowercase hex"));
                }
                let obj = match item.value.clone().into_value() {
                    Value::Object(ObjType::Map) => item.id(),
                    _ => return Err(schema_err(path, "not a map")),
                };
                let f = |key: &str| {
                    scalar(&self.doc, &obj, key)
                        .map_err(|e| schema_err(format!("{path}.{key}"), e.reason))
                };
                let kind_code = as_req_str(f("kind")?, &format!("{path}.kind"))?;
                let kind = code_of(&kind_code, PhotoKind::parse)
                    .map_err(|r| schema_err(format!("{path}.kind"), r))?;
                let bytes = as_opt_int(f("bytes")?, &format!("{path}.bytes"))?.unwrap_or(0);
                let deleted = match f("deleted")? {
                    Some(ScalarValue::Boolean(b)) => b,
                    None => false,
                    _ => return Err(schema_err(format!("{path}.deleted"), "not a boolean")),
                };
                let photo = Photo {
                    hash: item.key.to_string(),
                    kind,
                    caption: as_opt_string(f("caption")?, &format!("{path}.caption"))?
                        .unwrap_or_default(),
                    taken_at: as_opt_int(f("taken_at")?, &format!("{path}.taken_at"))?
                        .ok_or_else(|| schema_err(format!("{path}.taken_at"), "missing"))?,
                    taken_by: as_opt_string(f("taken_by")?, &format!("{path}.taken_by"))?
                        .unwrap_or_default(),
                    bytes: u64::try_from(bytes)
                        .map_err(|_| schema_err(format!("{path}.bytes"), "negative"))?,
                    mime: as_opt_string(f("mime")?, &format!("{path}.mime"))?.unwrap_or_default(),
                    deleted,
                };
                // One photo added on two tablets before either had a `photos` map is in both
                // maps: the first taking (time, author) stands.
                match out.iter_mut().find(|p| p.hash == photo.hash) {
                    Some(seen) if photo.taken_at < seen.taken_at => *seen = photo,
                    Some(_) => {}
                    None => out.push(photo),
                }
            }
        }
        crate::sort::sort_by(&mut out, |a, b| {
            a.taken_at.cmp(&b.taken_at).then(a.hash.cmp(&b.hash))
        });
        Ok(out)
    }

    /// The union of every `associations` map (see [`Self::root_maps`]), by name then id.
    pub fn read_associations(&self) -> Result<Vec<Association>, SchemaError> {
        let maps = self.root_maps("associations").map_err(|e| match e {
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
        crate::sort::sort_by(&mut out, |a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    pub(super) fn read_proposal(&self, id: Uuid, obj: &ObjId) -> Result<Proposal, SchemaError> {
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
        let sector = match as_opt_string(field("sector")?, &path("sector"))? {
            None => None,
            Some(code) => {
                Some(code_of(&code, Sector::parse).map_err(|r| schema_err(path("sector"), r))?)
            }
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

pub(super) fn read_meta(d: &AutoCommit, meta_obj: &ObjId) -> Result<SessionMeta, SchemaError> {
    let group_code = req_str(d, meta_obj, "group_kind", "meta.group_kind")?;
    let group_kind =
        code_of(&group_code, GroupKind::parse).map_err(|r| schema_err("meta.group_kind", r))?;
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

pub(super) fn read_douars(d: &AutoCommit) -> Result<Vec<String>, SchemaError> {
    let douars_obj = obj_of(d, &automerge::ROOT, "douars", ObjType::Map)?;
    Ok(d
        .map_range(&douars_obj, ..)
        .filter(|item| matches!(item.value.clone().into_value(), Value::Scalar(s) if matches!(s.as_ref(), ScalarValue::Boolean(true))))
        .map(|item| item.key.to_string())
        .collect::<Vec<_>>())
    .map(|set| super::corrections::order_douars(d, set))
}

/// A code as the document holds it: one this build does not know (a newer app's) reads as
/// `Unknown`, never as a schema error; only what cannot be a code is refused.
pub(super) fn code_of<T>(code: &str, parse: fn(&str) -> T) -> Result<T, String> {
    if code.is_empty() || code.chars().count() > crate::codes::MAX_CODE_CHARS {
        return Err(format!("not a code: {} characters", code.chars().count()));
    }
    Ok(parse(code))
}
