//! The office's own synonyms ("these words mean the same"): word groups added in the app,
//! each logged, read by the suggestion engine beside the lexicon file.

use super::*;
use tachkhis_shared::api::consolidation::{NewSynonym, OfficeSynonym};

const MAX_WORDS: usize = 50;
const MAX_WORD_CHARS: usize = 100;
/// Live groups at most: each one is read at every suggestion run.
const MAX_GROUPS: i64 = 2_000;

fn parse_scope(s: &str) -> Option<suggest::Scope> {
    match s {
        "service" => Some(suggest::Scope::Service),
        "work" => Some(suggest::Scope::Work),
        "facility" => Some(suggest::Scope::Facility),
        "context" => Some(suggest::Scope::Context),
        _ => None,
    }
}

/// The live groups, oldest first.
pub fn list_synonyms(tx: &Transaction<'_>) -> AppResult<Vec<OfficeSynonym>> {
    let mut stmt = tx.prepare(
        "SELECT s.id, s.words, s.scope, s.created_at, u.username
         FROM office_synonyms s LEFT JOIN users u ON u.id = s.created_by
         WHERE s.removed_at IS NULL ORDER BY s.id",
    )?;
    let mut q = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = q.next()? {
        let words: String = r.get(1)?;
        out.push(OfficeSynonym {
            id: r.get(0)?,
            words: serde_json::from_str(&words).map_err(AppError::internal)?,
            scope: r.get(2)?,
            created_at: r.get(3)?,
            created_by: r.get(4)?,
        });
    }
    Ok(out)
}

/// The lexicon file with the office's groups added, as the engine reads it.
pub fn office_lexicon(tx: &Transaction<'_>) -> AppResult<suggest::Lexicon> {
    let mut lex = suggest::lexicon().clone();
    for s in list_synonyms(tx)? {
        let scope = parse_scope(&s.scope).unwrap_or(suggest::Scope::Work);
        lex.add_group(&s.words, scope);
    }
    Ok(lex)
}

/// Adds a group: at least two distinct words (after normalisation), logged.
pub fn add_synonym(
    tx: &Transaction<'_>,
    user: &AuthUser,
    body: &NewSynonym,
) -> AppResult<OfficeSynonym> {
    let scope = body.scope.as_deref().unwrap_or("work");
    if parse_scope(scope).is_none() {
        return Err(AppError::bad_request(
            ErrorCode::BadRequest,
            "scope is one of service, work, facility, context",
        ));
    }
    if body.words.len() > MAX_WORDS {
        return Err(AppError::bad_request(
            ErrorCode::TooMany,
            format!("a group has at most {MAX_WORDS} words"),
        ));
    }
    let mut words: Vec<String> = Vec::new();
    let mut keys: BTreeSet<String> = BTreeSet::new();
    for w in &body.words {
        let w = w.trim();
        if w.chars().count() > MAX_WORD_CHARS {
            return Err(AppError::bad_request(
                ErrorCode::BadRequest,
                format!("a word has at most {MAX_WORD_CHARS} characters"),
            ));
        }
        let key = normalize(w);
        if key.is_empty() || !keys.insert(key) {
            continue;
        }
        words.push(w.to_string());
    }
    if words.len() < 2 {
        return Err(AppError::bad_request(
            ErrorCode::BadRequest,
            "a group of synonyms has at least two different words",
        ));
    }
    let live: i64 = tx.query_row(
        "SELECT count(*) FROM office_synonyms WHERE removed_at IS NULL",
        [],
        |r| r.get(0),
    )?;
    if live >= MAX_GROUPS {
        return Err(AppError::bad_request(
            ErrorCode::TooMany,
            format!("at most {MAX_GROUPS} groups of synonyms: remove some first"),
        ));
    }
    let now = now_secs();
    let json_words = serde_json::to_string(&words).map_err(AppError::internal)?;
    tx.execute(
        "INSERT INTO office_synonyms (words, scope, created_at, created_by) VALUES (?1, ?2, ?3, ?4)",
        params![json_words, scope, now, user.id],
    )?;
    let id = tx.last_insert_rowid();
    auth::audit(
        tx,
        Some(user.id),
        "synonym.add",
        Some(&id.to_string()),
        Some(&json!({ "words": words, "scope": scope }).to_string()),
    )?;
    Ok(OfficeSynonym {
        id,
        words,
        scope: scope.to_string(),
        created_at: now,
        created_by: Some(user.username.clone()),
    })
}

/// Removes a live group (kept with who and when), logged.
pub fn remove_synonym(tx: &Transaction<'_>, user: &AuthUser, id: i64) -> AppResult<()> {
    let words: Option<String> = tx
        .query_row(
            "SELECT words FROM office_synonyms WHERE id = ?1 AND removed_at IS NULL",
            [id],
            |r| r.get(0),
        )
        .optional()?;
    let Some(words) = words else {
        return Err(AppError::NotFound(format!("no group of synonyms {id}")));
    };
    tx.execute(
        "UPDATE office_synonyms SET removed_at = ?1, removed_by = ?2 WHERE id = ?3",
        params![now_secs(), user.id, id],
    )?;
    auth::audit(
        tx,
        Some(user.id),
        "synonym.remove",
        Some(&id.to_string()),
        Some(
            &json!({ "words": serde_json::from_str::<Vec<String>>(&words).unwrap_or_default() })
                .to_string(),
        ),
    )?;
    Ok(())
}
