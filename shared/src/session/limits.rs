//! The bounds the app keeps when it writes, one check per part of a session:
//! [`Session::check_limits`] runs them all in order; the server's incremental projection runs
//! only those of the parts a change touched (a part's verdict depends on that part alone).

use super::*;

fn text(path: String, value: &str, max: usize) -> Result<(), SchemaError> {
    let n = value.chars().count();
    if n > max {
        return Err(schema_err(
            path,
            format!("{n} characters, more than the {max} the app allows"),
        ));
    }
    Ok(())
}

fn count(path: String, n: i64, min: i64) -> Result<(), SchemaError> {
    if !(min..=MAX_COUNT).contains(&n) {
        return Err(schema_err(
            path,
            format!("{n} is outside {min} to {MAX_COUNT}"),
        ));
    }
    Ok(())
}

pub fn meta(m: &SessionMeta) -> Result<(), SchemaError> {
    text("meta.pole_id".into(), &m.pole_id, MAX_ID_CHARS)?;
    text("meta.facilitators".into(), &m.facilitators, MAX_NAME_CHARS)?;
    text("meta.created_by".into(), &m.created_by, MAX_NAME_CHARS)?;
    text("meta.place".into(), &m.details.place, MAX_NAME_CHARS)?;
    text(
        "meta.note_taker".into(),
        &m.details.note_taker,
        MAX_NAME_CHARS,
    )
}

pub fn notes(notes: &str) -> Result<(), SchemaError> {
    text("notes".into(), notes, MAX_NOTES_CHARS)
}

pub fn douars(douar_ids: &[String]) -> Result<(), SchemaError> {
    if douar_ids.len() > MAX_DOUARS {
        return Err(schema_err(
            "douars",
            format!("{} douars, more than {MAX_DOUARS}", douar_ids.len()),
        ));
    }
    for d in douar_ids {
        text(format!("douars.{d}"), d, MAX_ID_CHARS)?;
    }
    Ok(())
}

pub fn attendance(attendance: &Attendance) -> Result<(), SchemaError> {
    // Counters below zero read as zero (two people pressing "-" at once); only the top is a
    // limit.
    for (category, n) in &attendance.0 {
        count(format!("attendance.{}", category.code()), *n, i64::MIN)?;
    }
    Ok(())
}

/// One proposal's fields (that no two proposals share an id is the whole session's check).
pub fn proposal(p: &Proposal) -> Result<(), SchemaError> {
    let path = |field: &str| format!("proposals.{}.{field}", p.id);
    text(path("problem"), &p.problem, MAX_TEXT_CHARS)?;
    text(path("solution"), &p.solution, MAX_TEXT_CHARS)?;
    text(path("raised_by"), &p.raised_by, MAX_NAME_CHARS)?;
    text(path("created_by"), &p.created_by, MAX_NAME_CHARS)?;
    if let Some(d) = &p.douar_id {
        text(path("douar"), d, MAX_ID_CHARS)?;
    }
    count(path("votes"), p.votes, -MAX_COUNT)?;
    if !p.rank.is_finite() {
        return Err(schema_err(path("rank"), "not a finite number"));
    }
    Ok(())
}

pub fn associations(associations: &[Association]) -> Result<(), SchemaError> {
    // Associations read as the union of concurrent maps: one id is kept once by `read`.
    for a in associations {
        text(
            format!("associations.{}.name", a.id),
            &a.name,
            MAX_NAME_CHARS,
        )?;
        count(format!("associations.{}.count", a.id), a.count, i64::MIN)?;
    }
    Ok(())
}

pub fn photos(photos: &[Photo]) -> Result<(), SchemaError> {
    if photos.len() > MAX_PHOTOS {
        return Err(schema_err(
            "photos",
            format!("{} photos, more than {MAX_PHOTOS}", photos.len()),
        ));
    }
    for p in photos {
        let path = |field: &str| format!("photos.{}.{field}", p.hash);
        text(path("caption"), &p.caption, MAX_NAME_CHARS)?;
        text(path("taken_by"), &p.taken_by, MAX_NAME_CHARS)?;
        if p.bytes > MAX_PHOTO_BYTES {
            return Err(schema_err(
                path("bytes"),
                format!("{} bytes, more than {MAX_PHOTO_BYTES}", p.bytes),
            ));
        }
        text(path("mime"), &p.mime, MAX_ID_CHARS)?;
    }
    Ok(())
}

pub fn corrections(corrections: &[Correction]) -> Result<(), SchemaError> {
    if corrections.len() > MAX_CORRECTIONS {
        return Err(schema_err(
            "corrections",
            format!(
                "{} corrections, more than {MAX_CORRECTIONS}",
                corrections.len()
            ),
        ));
    }
    // A douars value is at most every douar a session may name, joined by commas.
    let douars_chars = MAX_DOUARS * (MAX_ID_CHARS + 1);
    for c in corrections {
        let path = |field: &str| format!("corrections.{}.{field}", c.id);
        text(path("from"), &c.from, douars_chars)?;
        text(path("to"), &c.to, douars_chars)?;
        text(path("by"), &c.by, MAX_NAME_CHARS)?;
    }
    Ok(())
}
