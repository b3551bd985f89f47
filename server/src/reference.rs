//! The reference lists from the database: the commune, its poles and douars (with their
//! aliases), the other named places, with the fixed lists of sectors and group kinds; what a
//! tablet needs to open sessions offline.
//!
//! `poles` and `douars` hold only what a new session may be recorded in: apps from before the
//! territory screens offer every entry of those lists. Retired poles, and retired or merged
//! douars, are in `former_poles` and `former_douars`, for the names of the sessions that were
//! recorded in them.

use rusqlite::{OptionalExtension, Transaction};
use tachkhis_shared::reference::{Commune, Reference};

use crate::{http::error::AppResult, territory::Model};

/// The whole reference payload, places in the order the commune gave them.
pub fn load(tx: &Transaction<'_>) -> AppResult<Reference> {
    let commune = tx
        .query_row(
            "SELECT id, name_ar, name_fr FROM communes ORDER BY id LIMIT 1",
            [],
            |r| {
                Ok(Commune {
                    id: r.get(0)?,
                    name_ar: r.get(1)?,
                    name_fr: r.get(2)?,
                })
            },
        )
        .optional()?;
    let model = Model::load(tx)?;
    let (douars, former_douars) = model.douars.iter().cloned().partition(|d| model.offered(d));
    let (former_poles, poles) = model.poles.iter().cloned().partition(|p| p.retired);
    Ok(Reference {
        commune,
        poles,
        douars,
        sectors: Reference::sector_labels(),
        group_kinds: Reference::group_kind_labels(),
        former_poles,
        former_douars,
        places: model.places.into_iter().filter(|p| !p.retired).collect(),
    })
}
