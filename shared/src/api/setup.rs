//! The first run's set-up: `GET /api/setup`, `POST /api/setup`.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Whether the server still waits for its set-up (no secret: anyone may ask).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SetupStatus {
    pub needed: bool,
}

/// The commune as set up on the first run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CommuneSetup {
    pub name_ar: String,
    pub name_fr: String,
    pub province: String,
    pub region: String,
    /// First and last years of the PAC's mandate, e.g. 2023 and 2028.
    pub mandate_start: i32,
    pub mandate_end: i32,
}

/// `POST /api/setup`: the code `tachkhis serve` printed, the commune and the first admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SetupRequest {
    pub code: String,
    pub commune: CommuneSetup,
    pub admin_username: String,
    pub admin_password: String,
}

/// The alphabet of set-up codes: no 0/O, 1/I/L, 2/Z, 5/S, 8/B, so a code read off a screen and
/// typed on a tablet is typed right.
pub const SETUP_CODE_ALPHABET: &[u8] = b"34679ACDEFGHJKMNPQRTUVWXY";
pub const SETUP_CODE_LEN: usize = 12;

/// A typed code as the server compares it: spaces and dashes dropped, upper case.
pub fn normalise_setup_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

/// Parses a mandate written `2023-2028` (or with `/`, or Arabic-Indic digits).
pub fn parse_mandate(text: &str) -> Option<(i32, i32)> {
    let folded: String = text.chars().map(crate::text::fold_digit).collect();
    let (a, b) = folded.split_once(['-', '/', '–'])?;
    let (a, b) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    valid_mandate(a, b).then_some((a, b))
}

/// A PAC covers a council's mandate: a few years, starting from 2000 on.
pub fn valid_mandate(start: i32, end: i32) -> bool {
    (2000..=2100).contains(&start) && start < end && end - start <= 10
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mandates_parse_and_bad_ones_do_not() {
        assert_eq!(parse_mandate("2023-2028"), Some((2023, 2028)));
        assert_eq!(parse_mandate(" 2023 / 2028 "), Some((2023, 2028)));
        assert_eq!(parse_mandate("٢٠٢٣-٢٠٢٨"), Some((2023, 2028)));
        assert_eq!(parse_mandate("2028-2023"), None);
        assert_eq!(parse_mandate("2023"), None);
        assert_eq!(parse_mandate("1990-2100"), None);
    }

    #[test]
    fn codes_are_compared_as_typed_loosely() {
        assert_eq!(normalise_setup_code(" abcd-efgh hjkm "), "ABCDEFGHHJKM");
    }
}
