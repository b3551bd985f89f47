//! The reference lists from the database: the commune, its poles and douars (with their
//! aliases), with the fixed lists of sectors and group kinds; what a tablet needs to open
//! sessions offline.

use rusqlite::{OptionalExtension, Transaction};
use tachkhis_shared::reference::{Commune, Douar, Pole, Reference};

use crate::http::error::AppResult;

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
    let poles = tx
        .prepare("SELECT id, name_ar, name_fr, illustrative FROM poles ORDER BY position")?
        .query_map([], |r| {
            Ok(Pole {
                id: r.get(0)?,
                name_ar: r.get(1)?,
                name_fr: r.get(2)?,
                illustrative: r.get(3)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut aliases =
        tx.prepare("SELECT alias FROM douar_aliases WHERE douar_id = ?1 ORDER BY alias")?;
    let rows = tx
        .prepare(
            "SELECT d.id, d.pole_id, d.name_ar, d.name_fr, d.illustrative FROM douars d
             JOIN poles p ON p.id = d.pole_id ORDER BY p.position, d.position",
        )?
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut douars = Vec::with_capacity(rows.len());
    for (id, pole_id, name_ar, name_fr, illustrative) in rows {
        let alias_list = aliases
            .query_map([&id], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        douars.push(Douar {
            id,
            pole_id,
            name_ar,
            name_fr,
            aliases: alias_list,
            illustrative,
        });
    }
    Ok(Reference {
        commune,
        poles,
        douars,
        sectors: Reference::sector_labels(),
        group_kinds: Reference::group_kind_labels(),
    })
}
