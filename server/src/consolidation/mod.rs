//! Consolidation: the design office groups proposals into needs.
//!
//! Invariants, kept by every function here in one transaction:
//! - a proposal is in at most one need (`need_members` is keyed by the proposal), or in none;
//! - every placement change is a row of `proposal_moves` (the proposal's lineage), every change
//!   of a need's fields a row of `need_edits` (with the value before), every link change a row
//!   of `need_link_changes`, all under one `consolidation_actions` row with who and when, and an
//!   `audit_log` entry;
//! - an action can be undone while what it changed is still as it left it; the undo is an
//!   action too, so the log stays complete;
//! - proposals are the projection of the tablets' documents: a proposal edited on a tablet keeps
//!   its place (same id); one deleted on a tablet keeps its place and shows as withdrawn, and is
//!   left out of every count.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use rusqlite::{OptionalExtension, Transaction, params, params_from_iter, types::Value};
use serde_json::json;
use tachkhis_shared::{
    GroupKind, Sector,
    api::consolidation::{
        ActionDone, ActionEntry, Lineage, LineageStep, MergeInto, MoveProposals, NeedDetail,
        NeedPatch, NeedSummary, NewNeed, OfficeProposal, ProjectSuggestion, ProposalFilter,
        ProposalPage, ProposalStatus, RejectSuggestion, SplitNeed, Suggestion, SuggestionReason,
    },
    codes::{ActionKind, ErrorCode, NeedField},
    text::normalize,
};
use uuid::Uuid;

use crate::{
    db::now_secs,
    http::error::{AppError, AppResult},
    suggest,
    users::auth::{self, AuthUser},
};

pub const MAX_TITLE_CHARS: usize = 300;
pub const MAX_DESCRIPTION_CHARS: usize = 10_000;
/// Most proposals one action may move.
pub const MAX_PROPOSALS_PER_ACTION: usize = 10_000;
pub const DEFAULT_PAGE: u32 = 500;
pub const MAX_PAGE: u32 = 5_000;

mod actions;
mod learn;
mod read;
mod suggestions;
mod synonyms;
mod undo;

pub use actions::*;
pub use learn::*;
pub use read::*;
pub use suggestions::*;
pub use synonyms::*;
pub use undo::*;
