//! The monitoring system (Decree 2.16.301 art. 6; issue 13): indicators per project, each an
//! output or a result, with its unit, baseline and a target per year of the programme.
//! The execution follow-up (issue 15) fills in the values reached, year by year, beside the
//! targets (`indicator_targets` has one row per indicator and year; its values table will too).
//!
//! Values are [`Quantity`]: exact decimals (never floats), sent as strings ("12.5"). Inputs
//! carry them as typed ([`IndicatorInput`]) so that the server can name the field of a value
//! it cannot read; [`parse_quantity`] is the one reading, on the server and in the office's
//! forms.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::codes::IndicatorKind;
use crate::text::fold_digit;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Most integer digits of a value (as amounts: below one quadrillion).
pub const MAX_QUANTITY_INTEGER_DIGITS: usize = 15;
/// Most decimals of a value (a rate in % with four decimals is plenty; more is a typo).
pub const MAX_QUANTITY_DECIMALS: u32 = 6;

/// An indicator's value: a non-negative exact decimal, shown and sent without trailing zeros
/// ("12.5", "1200"). Compares by value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Quantity(pub Decimal);

impl Quantity {
    /// The French form the office reads in its forms and files: "1 200,5".
    pub fn format_fr(&self) -> String {
        let text = self.to_string();
        let (int, dec) = text.split_once('.').unwrap_or((&text, ""));
        let mut out = String::with_capacity(text.len() + int.len() / 3 + 1);
        for (i, digit) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                out.push(' ');
            }
            out.push(digit);
        }
        if !dec.is_empty() {
            out.push(',');
            out.push_str(dec);
        }
        out
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.normalize())
    }
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Quantity, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        parse_quantity(&text).map_err(serde::de::Error::custom)
    }
}

/// Reads a value as people type it: ASCII or Arabic-Indic digits, spaces (or the Arabic
/// thousands sign) between groups of three, one decimal separator (`.`, `,` or `٫`).
/// Refused: negative values, letters, two decimal separators, and a comma followed by exactly
/// three digits after a non-zero integer ("1,500": fifteen hundred in English, one and a half
/// in French; the office writes "1500" or "1,5"), never guessed. A dot is always the decimal
/// point: it is the API's and the export's form ("37.125"), and thousands are grouped with
/// spaces in the commune's documents.
pub fn parse_quantity(input: &str) -> Result<Quantity, String> {
    let text = input.trim();
    if text.is_empty() {
        return Err("no value was given".into());
    }
    if text.starts_with(['-', '\u{2212}']) {
        return Err(format!("'{text}': values cannot be negative"));
    }
    let mut int = String::new();
    let mut dec: Option<String> = None;
    let mut comma = false;
    for c in text.chars() {
        let c = fold_digit(c);
        match c {
            '0'..='9' => match &mut dec {
                Some(d) => d.push(c),
                None => int.push(c),
            },
            ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}' | '\u{066c}' if dec.is_none() => {}
            '.' | ',' | '\u{066b}' if dec.is_none() => {
                comma = c == ',';
                dec = Some(String::new());
            }
            '.' | ',' | '\u{066b}' => {
                return Err(format!(
                    "'{text}': two decimal separators; write 1200.5 or 1 200,5"
                ));
            }
            _ => return Err(format!("'{text}' is not a number")),
        }
    }
    if int.is_empty() && dec.as_deref().is_none_or(str::is_empty) {
        return Err(format!("'{text}' is not a number"));
    }
    if let Some(d) = &dec {
        if d.is_empty() {
            return Err(format!("'{text}': no digits after the decimal separator"));
        }
        if comma && d.len() == 3 && !int.trim_start_matches('0').is_empty() && !text.contains(' ') {
            return Err(format!(
                "'{text}' is ambiguous (thousands or decimals?): write {int}{d} for the whole number, or {int},{} with fewer decimals",
                d.trim_end_matches('0')
            ));
        }
        if d.len() > MAX_QUANTITY_DECIMALS as usize {
            return Err(format!(
                "'{text}': at most {MAX_QUANTITY_DECIMALS} decimals"
            ));
        }
    }
    if int.trim_start_matches('0').len() > MAX_QUANTITY_INTEGER_DIGITS {
        return Err(format!("'{text}' is too large"));
    }
    let plain = match &dec {
        Some(d) => format!("{}.{d}", if int.is_empty() { "0" } else { &int }),
        None => int,
    };
    Decimal::from_str_exact(&plain)
        .map(|d| Quantity(d.normalize()))
        .map_err(|e| format!("'{text}' is not a number ({e})"))
}

/// One target: the value the indicator should reach in a year of the programme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Target {
    pub year: i32,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "12.5"))]
    pub value: Quantity,
}

/// A target as typed: the value is read by [`parse_quantity`] (a blank value: no target for
/// that year).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TargetInput {
    pub year: i32,
    #[serde(default)]
    pub value: String,
}

/// What the office enters for an indicator (`POST /api/projects/{id}/indicators`,
/// `PUT /api/indicators/{id}`). Missing fields take their default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(default)]
pub struct IndicatorInput {
    /// `output` or `result`. Required for a new indicator; only an indicator carried over from
    /// the project sheet's old free-text field may stay without one until it is classified.
    pub kind: Option<IndicatorKind>,
    /// Required, not blank.
    pub label_ar: String,
    pub label_fr: String,
    /// "km", "أسرة", "%"…
    pub unit: String,
    /// As typed ("1 200,5", "١٢"); blank: not known.
    pub baseline_value: String,
    pub baseline_year: Option<i32>,
    /// At most one per year; years within the programme's when the commune's mandate is set.
    pub targets: Vec<TargetInput>,
    /// Who or what provides the figure ("المصلحة التقنية للجماعة", "ONEE").
    pub source: String,
}

/// An indicator as the server returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Indicator {
    pub id: i64,
    pub project_id: i64,
    /// Order within the project, from 1.
    pub position: i64,
    /// `None`: carried over from the old free-text field, not classified yet.
    pub kind: Option<IndicatorKind>,
    pub label_ar: String,
    pub label_fr: String,
    pub unit: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub baseline_value: Option<Quantity>,
    pub baseline_year: Option<i32>,
    /// By year.
    pub targets: Vec<Target>,
    pub source: String,
    /// Demo data made up for illustration (the seed gives no indicators).
    pub illustrative: bool,
    /// Unix seconds of the last change.
    pub updated_at: i64,
}

/// `GET /api/projects/{id}/indicators`: a project's indicators, in order, and the programme's
/// years (the columns of the targets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ProjectIndicators {
    pub project_id: i64,
    pub number: i64,
    /// The commune's programme years (mandate start to end), or empty when not set up.
    pub years: Vec<i32>,
    pub indicators: Vec<Indicator>,
}

/// `PUT /api/projects/{id}/indicators/order`: every indicator of the project, once, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IndicatorOrder {
    pub ids: Vec<i64>,
}

/// One indicator an import created or updated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ImportedIndicator {
    /// The line of the file.
    pub line: u64,
    pub project_number: i64,
    pub label_ar: String,
}

/// `POST /api/indicators/import` succeeded (or would have, with `dry_run`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IndicatorImportReport {
    pub created: Vec<ImportedIndicator>,
    pub updated: Vec<ImportedIndicator>,
    /// Rows identical to the indicator they name.
    pub unchanged: u64,
    /// Headers the import does not know, ignored.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored_columns: Vec<String>,
    /// Nothing was written: the file was only checked.
    pub dry_run: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> String {
        parse_quantity(s)
            .map(|q| q.to_string())
            .unwrap_or_else(|e| format!("ERR {e}"))
    }

    #[test]
    fn values_as_people_type_them() {
        assert_eq!(q("12"), "12");
        assert_eq!(q("12,5"), "12.5");
        assert_eq!(q("12.50"), "12.5");
        assert_eq!(q("1 200,5"), "1200.5");
        assert_eq!(q("١٢٫٥"), "12.5");
        assert_eq!(q("١٬٢٠٠"), "1200");
        assert_eq!(q("0,125"), "0.125");
        assert_eq!(q("1 500,250"), "1500.25");
        assert_eq!(q(",5"), "0.5");
        assert_eq!(q("37.125"), "37.125", "the API's own form");
        assert!(q("1,500").starts_with("ERR"), "ambiguous");
        assert!(q("-3").starts_with("ERR"));
        assert!(q("12a").starts_with("ERR"));
        assert!(q("1.2.3").starts_with("ERR"));
        assert!(q("").starts_with("ERR"));
        assert!(q("1.1234567").starts_with("ERR"));
        assert!(q("1234567890123456").starts_with("ERR"));
    }

    #[test]
    fn french_form_and_json_round_trip() {
        let v = parse_quantity("1200.5").unwrap();
        assert_eq!(v.format_fr(), "1 200,5");
        assert_eq!(parse_quantity(&v.format_fr()).unwrap(), v);
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(json, "\"1200.5\"");
        assert_eq!(serde_json::from_str::<Quantity>(&json).unwrap(), v);
        assert_eq!(parse_quantity("8").unwrap().format_fr(), "8");
    }
}
