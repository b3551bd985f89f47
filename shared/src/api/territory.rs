//! The territory as its staff keep it (`/api/territory…`): poles, douars and other named
//! places, every one of them, retired and merged included (the tablets' reference data
//! keeps those apart).

use serde::{Deserialize, Deserializer, Serialize};

#[cfg(feature = "openapi")]
use utoipa::{IntoParams, ToSchema};

use crate::codes::PlaceKind;
use crate::reference::{Douar, Place, Pole};

/// Everything, in the commune's order: poles by position, douars by pole then position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Territory {
    pub poles: Vec<Pole>,
    pub douars: Vec<Douar>,
    pub places: Vec<Place>,
}

/// A new pole. Without a number it gets the next one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PoleInput {
    #[serde(default)]
    pub number: Option<u32>,
    pub name_ar: String,
    #[serde(default)]
    pub name_fr: String,
}

/// A pole's change: only the fields given change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PolePatch {
    #[serde(default)]
    pub number: Option<u32>,
    #[serde(default)]
    pub name_ar: Option<String>,
    #[serde(default)]
    pub name_fr: Option<String>,
    /// `true` retires the pole (refused while it has douars in use), `false` brings it back.
    #[serde(default)]
    pub retired: Option<bool>,
}

/// A new douar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DouarInput {
    pub pole_id: String,
    pub name_ar: String,
    /// The Latin transliteration; it also makes the douar's id when there is one.
    #[serde(default)]
    pub name_fr: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub centre: bool,
    #[serde(default)]
    pub population: Option<u32>,
}

/// A douar's change: only the fields given change. `aliases` is the whole new list (so adding
/// and removing an alias are one call each); `population: null` clears it; `pole_id` moves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DouarPatch {
    #[serde(default)]
    pub pole_id: Option<String>,
    #[serde(default)]
    pub name_ar: Option<String>,
    #[serde(default)]
    pub name_fr: Option<String>,
    #[serde(default)]
    pub aliases: Option<Vec<String>>,
    #[serde(default)]
    pub centre: Option<bool>,
    #[serde(default, deserialize_with = "given")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u32>))]
    pub population: Option<Option<u32>>,
    #[serde(default)]
    pub retired: Option<bool>,
}

/// A field that is present (even `null`) reads as `Some`, an absent one as `None` (default).
fn given<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// Merge the douar of the path into `into`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MergeDouar {
    pub into: String,
}

/// A new order: every id of the list being ordered (all poles, or all douars of one pole).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Order {
    pub ids: Vec<String>,
}

/// A place, whole (create, or replace).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PlaceInput {
    pub kind: PlaceKind,
    pub name_ar: String,
    #[serde(default)]
    pub name_fr: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub douar_ids: Vec<String>,
    #[serde(default)]
    pub retired: bool,
}

/// Query of the territory's file routes.
#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(IntoParams))]
pub struct TerritoryFileParams {
    /// `csv` or `xlsx` (default `xlsx`; an import guesses from the file).
    pub format: Option<String>,
    /// CSV only: `douars` (default) or `places`, the two CSV files.
    pub part: Option<String>,
    /// `1`: check the file and say what would change, write nothing.
    pub dry_run: Option<String>,
}

/// What an import did, or would do (dry run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TerritoryImportReport {
    pub dry_run: bool,
    pub poles_created: Vec<String>,
    pub poles_updated: Vec<String>,
    pub douars_created: Vec<String>,
    pub douars_updated: Vec<String>,
    pub places_created: Vec<String>,
    pub places_updated: Vec<String>,
    /// Rows that change nothing.
    pub unchanged: u32,
    /// Each change in words ("douars line 4: 'ادوز' moves to pole 2").
    pub changes: Vec<String>,
    /// Columns the import does not read, as the file names them ("douars: Remarques").
    pub ignored_columns: Vec<String>,
}

/// A bad line of a territory file: its sheet (`douars` or `places`), its line (the header is
/// 1; 0 is the file itself) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TerritoryImportError {
    pub sheet: String,
    pub line: u64,
    pub reason: String,
}

/// The 400 of a refused territory file: `{error: "bad_import", message, errors}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TerritoryImportErrorBody {
    pub error: crate::codes::ErrorCode,
    pub message: String,
    pub errors: Vec<TerritoryImportError>,
}
