//! The first run: a server with no commune serves nothing but its set-up until someone who
//! holds the one-time code `tachkhis serve` printed (or an operator running `tachkhis init`)
//! gives the commune and the first administrator. Whoever reaches the server first must not
//! become its administrator, hence the code. `--demo` sets up the seed commune instead.
//!
//! Set-up is done once a commune exists: there is no flag that could disagree with the data.
//! The code is kept as its SHA-256 only (`setup_code`, one row), replaced at each start while
//! set-up is pending, and deleted by the set-up. Wrong codes are counted (`failures`) and
//! logged; with 25^12 (about 2^56) codes, guessing over HTTP is out of reach, so no wait is
//! imposed (a lockout would let anyone block the set-up).

use rand::Rng;
use rusqlite::{OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};
use tachkhis_shared::{
    api::{
        CommuneSetup, Role, SETUP_CODE_ALPHABET, SETUP_CODE_LEN, normalise_setup_code,
        valid_mandate,
    },
    codes::ErrorCode,
};

use crate::{
    db::now_secs,
    http::error::{AppError, AppResult},
    users::auth,
};

/// The commune row's id (one commune per server).
pub const COMMUNE_ID: &str = "commune";

/// Whether the server still waits for its set-up.
pub fn needed(tx: &Transaction<'_>) -> AppResult<bool> {
    let communes: i64 = tx.query_row("SELECT count(*) FROM communes", [], |r| r.get(0))?;
    Ok(communes == 0)
}

/// While set-up is pending: a new code (the previous one no longer works), to print. None
/// once set-up is done.
pub fn issue_code(tx: &Transaction<'_>) -> AppResult<Option<String>> {
    if !needed(tx)? {
        return Ok(None);
    }
    let mut rng = rand::rng();
    let code: String = (0..SETUP_CODE_LEN)
        .map(|_| SETUP_CODE_ALPHABET[rng.random_range(0..SETUP_CODE_ALPHABET.len())] as char)
        .collect();
    tx.execute(
        "INSERT INTO setup_code (id, code_sha256, created_at, failures) VALUES (1, ?1, ?2, 0)
         ON CONFLICT (id) DO UPDATE SET code_sha256 = ?1, created_at = ?2, failures = 0",
        params![code_sha256(&code), now_secs()],
    )?;
    Ok(Some(code))
}

fn code_sha256(code: &str) -> Vec<u8> {
    Sha256::digest(normalise_setup_code(code).as_bytes()).to_vec()
}

/// What a set-up attempt with a code came to. A wrong code is not an `Err`, so that the
/// transaction that counted it commits.
pub enum Attempt {
    Done,
    WrongCode { failures: i64 },
}

/// `POST /api/setup`: checks the code, then sets up as [`complete`] does.
pub fn complete_with_code(
    tx: &Transaction<'_>,
    code: &str,
    commune: &CommuneSetup,
    admin: &str,
    password: &str,
) -> AppResult<Attempt> {
    if !needed(tx)? {
        return Err(already_done());
    }
    let stored: Option<Vec<u8>> = tx
        .query_row("SELECT code_sha256 FROM setup_code WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?;
    let Some(stored) = stored else {
        return Err(AppError::Conflict(
            "no set-up code was issued: restart `tachkhis serve` to get one, or run `tachkhis init`"
                .into(),
        ));
    };
    if code_sha256(code) != stored {
        let failures: i64 = tx.query_row(
            "UPDATE setup_code SET failures = failures + 1 WHERE id = 1 RETURNING failures",
            [],
            |r| r.get(0),
        )?;
        auth::audit(
            tx,
            None,
            "setup.bad_code",
            None,
            Some(&format!("failures={failures}")),
        )?;
        return Ok(Attempt::WrongCode { failures });
    }
    complete(tx, commune, admin, password)?;
    Ok(Attempt::Done)
}

/// Creates the commune and its first administrator, once (`tachkhis init` and the API).
pub fn complete(
    tx: &Transaction<'_>,
    commune: &CommuneSetup,
    admin: &str,
    password: &str,
) -> AppResult<()> {
    if !needed(tx)? {
        return Err(already_done());
    }
    let CommuneSetup {
        name_ar,
        name_fr,
        province,
        region,
        mandate_start,
        mandate_end,
    } = commune;
    for (value, what) in [
        (name_ar, "the commune's Arabic name"),
        (name_fr, "the commune's French name"),
        (province, "the province"),
        (region, "the region"),
    ] {
        let v = value.trim();
        if v.is_empty() || v.chars().count() > 200 || v.chars().any(char::is_control) {
            return Err(AppError::bad_request(
                ErrorCode::BadCommune,
                format!("{what} must be 1 to 200 characters, without control characters"),
            ));
        }
    }
    if !valid_mandate(*mandate_start, *mandate_end) {
        return Err(AppError::bad_request(
            ErrorCode::BadCommune,
            format!(
                "the mandate {mandate_start}-{mandate_end} is not valid: first year from 2000, \
                 last year after it, at most 10 years"
            ),
        ));
    }
    tx.execute(
        "INSERT INTO communes (id, name_ar, name_fr, province, region, mandate_start, mandate_end)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            COMMUNE_ID,
            name_ar.trim(),
            name_fr.trim(),
            province.trim(),
            region.trim(),
            mandate_start,
            mandate_end
        ],
    )?;
    let admin_id = auth::create_user(tx, admin, password, Role::Admin)?;
    tx.execute("DELETE FROM setup_code", [])?;
    auth::audit(tx, Some(admin_id), "setup.done", Some(name_fr.trim()), None)?;
    Ok(())
}

fn already_done() -> AppError {
    AppError::Conflict("this server is already set up (set-up is done once)".into())
}
