//! The programme: axes > programmes > projects, the project sheet (validated, written with its
//! douars, poles and partners in the caller's transaction), the programme table, a project's
//! trace back to the sessions, needs per pole and douar, the gender report (`gender.rs`), and
//! the projects export. The CSV/XLSX import is in [`import`].
//!
//! Amounts are stored as exact decimal text ("20870000.00"); an unknown amount is NULL, counted
//! as zero in totals (which say how many projects had none).

mod gender;
pub mod import;
pub mod partners;
mod reports;
mod sheet;
pub mod structure;
#[cfg(test)]
mod tests;
mod trace;
mod tree;

pub use gender::*;
pub use reports::*;
pub use sheet::*;
pub use trace::*;
pub use tree::*;

use std::collections::{BTreeMap, HashMap, HashSet};

use rusqlite::{OptionalExtension, Transaction, params};
use rust_decimal::Decimal;
use serde_json::json;
use tachkhis_shared::{
    GroupKind, Sector,
    api::AttendanceRow,
    api::programme::{
        AxisNode, AxisTotal, GroupCount, MAX_YEAR, MIN_YEAR, NeedsByPlace, PartnerShare, PlaceNeed,
        PlaceNeeds, ProgrammeNode, ProgrammeTable, ProgrammeTableRow, ProgrammeTree, Project,
        ProjectInput, ProjectSummary, ProjectTrace, Totals, TraceNeed, TraceProposal, TraceSession,
    },
    money::Mad,
    text::normalize,
};

use crate::{
    db::now_secs,
    export::{Cell, Row, Table, join_list},
    http::error::{AppError, AppResult},
    users::auth,
};

/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 500;
/// Longest free text (description, indicators…), in characters.
pub const MAX_TEXT_CHARS: usize = 10_000;
pub const MAX_PARTNERS: usize = 50;
pub const MAX_PLACES: usize = 500;
/// Longest duration, in months.
pub const MAX_DURATION_MONTHS: i32 = 1200;

/// Amounts stop below one quadrillion dirhams (as `parse_mad` does), so sums never overflow.
fn max_amount() -> Decimal {
    Decimal::from(1_000_000_000_000_000_i64)
}

/// A stored amount. Written by this module as `Mad::to_string`, read exactly.
pub(crate) fn db_mad(text: Option<String>) -> rusqlite::Result<Option<Mad>> {
    text.map(|t| {
        let mut d = Decimal::from_str_exact(t.trim()).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(
                0,
                rusqlite::types::Type::Text,
                format!("stored amount {t:?}: {e}").into(),
            )
        })?;
        d.rescale(2);
        Ok(Mad(d))
    })
    .transpose()
}

impl TotalsExt for Totals {
    fn add(&mut self, commune: Option<Mad>, partners: Option<Mad>, unknown_shares: i64) {
        self.projects += 1;
        self.unknown_partner_shares += unknown_shares;
        match commune {
            Some(c) => self.commune += c,
            None => self.without_commune_amount += 1,
        }
        if let Some(p) = partners {
            self.partners += p;
        }
    }

    fn merge(&mut self, other: &Totals) {
        self.projects += other.projects;
        self.commune += other.commune;
        self.partners += other.partners;
        self.without_commune_amount += other.without_commune_amount;
        self.unknown_partner_shares += other.unknown_partner_shares;
    }
}

trait TotalsExt {
    fn add(&mut self, commune: Option<Mad>, partners: Option<Mad>, unknown_shares: i64);
    fn merge(&mut self, other: &Totals);
}

fn zero_totals() -> Totals {
    Totals {
        projects: 0,
        commune: Mad::zero(),
        partners: Mad::zero(),
        without_commune_amount: 0,
        unknown_partner_shares: 0,
    }
}
