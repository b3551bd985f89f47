//! Exact amounts of money in Moroccan dirhams (MAD).
//!
//! Amounts are [`Decimal`]s with two decimals, never floats, so sums of contributions come out
//! to the centime. [`parse_mad`] reads what people type or what documents print (French-style
//! "20 870 000,00", plain "20870000.00", Arabic-Indic digits…) and refuses anything it would
//! have to guess.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign};
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The most integer digits (significant, leading zeros aside) an amount may have: below
/// one quadrillion dirhams.
pub const MAX_INTEGER_DIGITS: usize = 15;

/// An amount in dirhams.
///
/// Compares by value (`1.5` == `1.50`). Displays as "20870000.00" (always two decimals, no
/// grouping, `.` decimal), which is also its serde form: a string, in JSON and in postcard.
/// Deserialising accepts any plain decimal string with at most two decimals ("5", "5.5",
/// "-5.00").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Mad(pub Decimal);

impl Mad {
    /// Zero dirhams, "0.00".
    pub fn zero() -> Mad {
        Mad(Decimal::new(0, 2))
    }

    /// Whole centimes: `Mad::from_centimes(2_087_000_000)` is 20 870 000,00 MAD.
    pub fn from_centimes(centimes: i64) -> Mad {
        Mad(Decimal::new(centimes, 2))
    }

    /// The French form of the seed documents: "20 870 000,00" (ASCII space between groups of
    /// three digits, comma before the two decimals). [`parse_mad`] reads it back.
    pub fn format_fr(&self) -> String {
        let (negative, int, dec) = self.parts();
        let mut out = String::with_capacity(int.len() + int.len() / 3 + 4);
        if negative {
            out.push('-');
        }
        for (i, digit) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                out.push(' ');
            }
            out.push(digit);
        }
        out.push(',');
        out.push_str(&dec);
        out
    }

    /// Sign, integer digits and the two decimal digits, rounded to the centime.
    fn parts(&self) -> (bool, String, String) {
        let mut value = self.0.round_dp(2);
        value.rescale(2);
        let digits = value.mantissa().unsigned_abs().to_string();
        let digits = format!("{digits:0>3}");
        let (int, dec) = digits.split_at(digits.len() - 2);
        (
            value.is_sign_negative() && !value.is_zero(),
            int.to_owned(),
            dec.to_owned(),
        )
    }
}

impl fmt::Display for Mad {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (negative, int, dec) = self.parts();
        let sign = if negative { "-" } else { "" };
        write!(f, "{sign}{int}.{dec}")
    }
}

impl FromStr for Mad {
    type Err = MoneyError;

    /// The same as [`parse_mad`].
    fn from_str(s: &str) -> Result<Mad, MoneyError> {
        parse_mad(s)
    }
}

impl From<Mad> for Decimal {
    fn from(value: Mad) -> Decimal {
        value.0
    }
}

impl Add for Mad {
    type Output = Mad;

    fn add(self, rhs: Mad) -> Mad {
        Mad(self.0 + rhs.0)
    }
}

impl AddAssign for Mad {
    fn add_assign(&mut self, rhs: Mad) {
        self.0 += rhs.0;
    }
}

impl Sum for Mad {
    fn sum<I: Iterator<Item = Mad>>(iter: I) -> Mad {
        iter.fold(Mad::zero(), Add::add)
    }
}

impl<'a> Sum<&'a Mad> for Mad {
    fn sum<I: Iterator<Item = &'a Mad>>(iter: I) -> Mad {
        iter.copied().sum()
    }
}

impl Serialize for Mad {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Mad {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Mad, D::Error> {
        struct Visitor;

        impl serde::de::Visitor<'_> for Visitor {
            type Value = Mad;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an amount in MAD as a decimal string with at most two decimals")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Mad, E> {
                let mut value = Decimal::from_str_exact(v).map_err(E::custom)?;
                if value.scale() > 2 {
                    return Err(E::custom(MoneyError::TooManyDecimals));
                }
                value.rescale(2);
                Ok(Mad(value))
            }
        }

        deserializer.deserialize_str(Visitor)
    }
}

/// Why an amount was refused. The UI translates by variant; the messages are for logs and
/// developers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("no amount was given")]
    Empty,
    #[error("amounts cannot be negative")]
    Negative,
    #[error(
        "ambiguous amount: a single '.' or ',' followed by exactly three digits could separate \
         thousands or decimals; write 1000 or 1 000 for a thousand, 1,00 or 1.00 for one"
    )]
    Ambiguous,
    #[error("not an amount: {reason}")]
    Invalid { reason: String },
    #[error("amounts have at most two decimals (centimes)")]
    TooManyDecimals,
    #[error("amount too large: more than 15 digits before the decimals")]
    TooLarge,
}

fn invalid(reason: impl Into<String>) -> MoneyError {
    MoneyError::Invalid {
        reason: reason.into(),
    }
}

/// Currency words accepted after the number (compared in lowercase, longest first).
const SUFFIXES: [&str; 6] = ["درهم", "د.م.", "د.م", "mad", "dhs", "dh"];

/// A separator between digits, as typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sep {
    /// Any run of spaces (ASCII, no-break U+00A0, narrow no-break U+202F, thin U+2009):
    /// thousands only.
    Space,
    Dot,
    Comma,
    /// Arabic thousands separator ٬ (U+066C): thousands only.
    ArabicThousands,
    /// Arabic decimal separator ٫ (U+066B): decimal only.
    ArabicDecimal,
}

impl Sep {
    fn of(c: char) -> Option<Sep> {
        match c {
            ' ' | '\u{00A0}' | '\u{202F}' | '\u{2009}' => Some(Sep::Space),
            '.' => Some(Sep::Dot),
            ',' => Some(Sep::Comma),
            '\u{066C}' => Some(Sep::ArabicThousands),
            '\u{066B}' => Some(Sep::ArabicDecimal),
            _ => None,
        }
    }
}

/// Reads an amount in dirhams, exactly, scaled to two decimals.
///
/// Accepted: "20 870 000,00" (space, no-break or narrow no-break space between thousands,
/// comma decimal), "20870000.00", "20870000", "20.870.000,00", "20,870,000.00",
/// "20.870.000", "1,5", "1.50", ".5", Arabic-Indic or Persian digits with the Arabic
/// separators ("٣٥٠٬٠٠٠٫٥٠"), surrounding whitespace and a trailing "MAD", "DH", "DHS",
/// "درهم" or "د.م." (any case, with or without a space before it).
///
/// Refused:
/// * [`MoneyError::Empty`]: nothing but whitespace (and perhaps the currency);
/// * [`MoneyError::Negative`]: a minus sign ("-5", "5-") or accounting parentheses ("(5)");
/// * [`MoneyError::Ambiguous`]: a single '.' or ',' followed by exactly three digits after
///   one to three digits ("1,000", "1.000", "250.000"): thousands or decimals, nobody can
///   tell. "1.000,50", "20.870.000" and "1 000,000" are not ambiguous ("1 000,000" has too
///   many decimals, since the space already groups the thousands), nor is "0,500" or
///   "1000.000" (a thousands group cannot follow "0" or four digits: too many decimals);
/// * [`MoneyError::Invalid`]: letters or other characters, groups that are not of three digits
///   ("1 00 000,00"), two kinds of thousands separators, a separator at the start or end;
/// * [`MoneyError::TooManyDecimals`]: more than two decimals;
/// * [`MoneyError::TooLarge`]: more than 15 integer digits.
pub fn parse_mad(input: &str) -> Result<Mad, MoneyError> {
    let text = strip_currency(input.trim());
    if text.is_empty() {
        return Err(MoneyError::Empty);
    }
    if text.starts_with(['-', '\u{2212}', '\u{2013}'])
        || text.ends_with(['-', '\u{2212}', '\u{2013}'])
        || (text.starts_with('(') && text.ends_with(')'))
    {
        return Err(MoneyError::Negative);
    }

    // Digit runs and the separators between them.
    let mut groups: Vec<String> = vec![String::new()];
    let mut seps: Vec<Sep> = Vec::new();
    for c in text.chars() {
        if let Some(d) = digit(c) {
            if let Some(last) = groups.last_mut() {
                last.push(d);
            }
        } else if let Some(sep) = Sep::of(c) {
            // A run of spaces is one separator.
            if sep == Sep::Space
                && seps.last() == Some(&Sep::Space)
                && groups[groups.len() - 1].is_empty()
            {
                continue;
            }
            seps.push(sep);
            groups.push(String::new());
        } else if c == '+' {
            return Err(invalid("unexpected '+' sign"));
        } else {
            return Err(invalid(format!("unexpected character {c:?}")));
        }
    }
    if groups.iter().all(String::is_empty) {
        return Err(invalid("no digits"));
    }

    let decimal_at = decimal_separator(&groups, &seps)?;
    let (int_groups, int_seps, decimals) = match decimal_at {
        Some(i) => {
            if i + 2 != groups.len() {
                return Err(invalid("separators after the decimal separator"));
            }
            (&groups[..=i], &seps[..i], Some(groups[i + 1].as_str()))
        }
        None => (&groups[..], &seps[..], None),
    };

    // The integer part: either one run of digits, or groups of three after a first group of
    // one to three, all separated by the same thousands separator.
    if let Some(first) = int_seps.first() {
        if int_seps.iter().any(|s| s != first) {
            return Err(invalid("two different thousands separators"));
        }
        let lead = &int_groups[0];
        if lead.is_empty() {
            return Err(invalid("the amount starts with a separator"));
        }
        if lead.len() > 3 || int_groups[1..].iter().any(|g| g.len() != 3) {
            return Err(invalid("thousands groups must have three digits"));
        }
    }
    let integer: String = int_groups.concat();
    if integer.is_empty() && decimals.is_none() {
        return Err(invalid("no digits"));
    }
    if integer.trim_start_matches('0').len() > MAX_INTEGER_DIGITS {
        return Err(MoneyError::TooLarge);
    }

    let decimals = decimals.unwrap_or("");
    if decimal_at.is_some() && decimals.is_empty() {
        return Err(invalid("no digits after the decimal separator"));
    }
    if decimals.len() > 2 {
        return Err(MoneyError::TooManyDecimals);
    }

    // At most 15 + 2 significant digits: fits an i64.
    let mut centimes: i64 = 0;
    for d in integer
        .bytes()
        .chain(decimals.bytes())
        .chain(std::iter::repeat_n(b'0', 2 - decimals.len()))
    {
        centimes = centimes * 10 + i64::from(d - b'0');
    }
    Ok(Mad::from_centimes(centimes))
}

/// Which separator, if any, is the decimal one (its index in `seps`).
fn decimal_separator(groups: &[String], seps: &[Sep]) -> Result<Option<usize>, MoneyError> {
    let count = |kind: Sep| seps.iter().filter(|&&s| s == kind).count();
    let last_of = |kind: Sep| seps.iter().rposition(|&s| s == kind);
    let (dots, commas) = (count(Sep::Dot), count(Sep::Comma));

    if let Some(i) = last_of(Sep::ArabicDecimal) {
        if count(Sep::ArabicDecimal) > 1 || dots + commas > 0 {
            return Err(invalid("more than one decimal separator"));
        }
        return Ok(Some(i));
    }
    match (dots, commas) {
        (0, 0) => Ok(None),
        (_, 0) | (0, _) => {
            let kind = if dots > 0 { Sep::Dot } else { Sep::Comma };
            let i = last_of(kind).unwrap_or_default();
            if count(kind) > 1 {
                // Only thousands can repeat: "20.870.000".
                return Ok(None);
            }
            let other_thousands = seps
                .iter()
                .any(|&s| s == Sep::Space || s == Sep::ArabicThousands);
            if other_thousands {
                // Spaces already group the thousands: "20 870 000,00".
                return Ok(Some(i));
            }
            let (before, after) = (&groups[i], &groups[i + 1]);
            let could_be_thousands = after.len() == 3
                && (1..=3).contains(&before.len())
                && !before.starts_with('0')
                && i + 2 == groups.len();
            if could_be_thousands {
                return Err(MoneyError::Ambiguous);
            }
            Ok(Some(i))
        }
        _ => {
            // Both: the last one is the decimal separator and appears once.
            let (di, ci) = (last_of(Sep::Dot), last_of(Sep::Comma));
            let (kind, i) = if di > ci {
                (Sep::Dot, di)
            } else {
                (Sep::Comma, ci)
            };
            if count(kind) > 1 {
                return Err(invalid("more than one decimal separator"));
            }
            Ok(i)
        }
    }
}

/// An ASCII, Arabic-Indic or Persian digit, as ASCII.
fn digit(c: char) -> Option<char> {
    let c = crate::text::fold_digit(c);
    c.is_ascii_digit().then_some(c)
}

/// `text` without a trailing currency word (and the whitespace before it).
fn strip_currency(text: &str) -> &str {
    for suffix in SUFFIXES {
        let Some(at) = text.len().checked_sub(suffix.len()) else {
            continue;
        };
        if text.is_char_boundary(at) && text[at..].to_lowercase() == suffix {
            return text[..at].trim_end();
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn mad(s: &str) -> Mad {
        Mad(Decimal::from_str_exact(s).unwrap_or_else(|e| panic!("{s}: {e}")))
    }

    fn ok(input: &str, expected: &str) {
        assert_eq!(parse_mad(input), Ok(mad(expected)), "{input:?}");
        assert_eq!(
            parse_mad(input).map(|m| m.to_string()),
            Ok(format!("{:.2}", mad(expected).0)),
            "{input:?} keeps two decimals"
        );
    }

    fn err(input: &str, expected: MoneyError) {
        assert_eq!(parse_mad(input), Err(expected), "{input:?}");
    }

    fn invalid_(input: &str) {
        assert!(
            matches!(parse_mad(input), Err(MoneyError::Invalid { .. })),
            "{input:?} gave {:?}",
            parse_mad(input)
        );
    }

    #[test]
    fn accepted_forms() {
        ok("20 870 000,00", "20870000.00");
        ok("20\u{00A0}870\u{00A0}000,00", "20870000.00");
        ok("20\u{202F}870\u{202F}000,00", "20870000.00");
        ok("20870000.00", "20870000.00");
        ok("20870000", "20870000");
        ok("20.870.000,00", "20870000");
        ok("20,870,000.00", "20870000");
        ok("20.870.000", "20870000");
        ok("20,870,000", "20870000");
        ok("20 870 000", "20870000");
        ok("350 000,00", "350000");
        ok("0", "0");
        ok("0,00", "0");
        ok("1.000,50", "1000.50");
        ok("1,000.5", "1000.50");
        ok("1,5", "1.50");
        ok("1.50", "1.50");
        ok("1.5", "1.50");
        ok(".5", "0.50");
        ok("007", "7");
        ok("  1 234,56 \n", "1234.56");
        ok("1  000", "1000");
    }

    #[test]
    fn arabic_digits_and_separators() {
        ok("٣٥٠٠٠٠", "350000");
        ok("۳۵۰۰۰۰", "350000");
        ok("٣٥٠٬٠٠٠٫٥٠", "350000.50");
        ok("٣٥٠٠٠٠٫٥", "350000.50");
        ok("٣٥٠ ٠٠٠,٠٠", "350000");
        err("٣٥٠٫٠٠٠", MoneyError::TooManyDecimals);
        invalid_("١٫٢٫٣");
    }

    #[test]
    fn currency_suffixes() {
        ok("350 000,00 MAD", "350000");
        ok("350000MAD", "350000");
        ok("350 000 DH", "350000");
        ok("350 000 dh", "350000");
        ok("350 000 Dhs", "350000");
        ok("٣٥٠٠٠٠ درهم", "350000");
        ok("350000 د.م.", "350000");
        err("MAD", MoneyError::Empty);
        invalid_("MAD 350000");
        invalid_("350000 EUR");
    }

    #[test]
    fn rejections() {
        err("", MoneyError::Empty);
        err("   ", MoneyError::Empty);
        err("-5", MoneyError::Negative);
        err("−5", MoneyError::Negative);
        err("5-", MoneyError::Negative);
        err("(5)", MoneyError::Negative);
        err("- 1 000,00 MAD", MoneyError::Negative);
        err("1,000", MoneyError::Ambiguous);
        err("1.000", MoneyError::Ambiguous);
        err("250.000", MoneyError::Ambiguous);
        err("0,500", MoneyError::TooManyDecimals);
        err("1000.000", MoneyError::TooManyDecimals);
        err("1 000,000", MoneyError::TooManyDecimals);
        err("1.555", MoneyError::Ambiguous);
        err("1.5555", MoneyError::TooManyDecimals);
        err("1,000.555", MoneyError::TooManyDecimals);
        invalid_("1 00 000,00");
        invalid_("10 00");
        invalid_("1234 567");
        invalid_("1.000 000");
        invalid_("1,000,00.00");
        invalid_("1.000.000,00,00");
        invalid_("1,000.000,00");
        invalid_("12a");
        invalid_("abc");
        invalid_("1e5");
        invalid_("+5");
        invalid_("5.");
        invalid_(",");
        invalid_(".");
        invalid_("1..000");
        invalid_(",5,");
        invalid_("5 %");
        err("1234567890123456", MoneyError::TooLarge);
        err("1 234 567 890 123 456,00", MoneyError::TooLarge);
        ok("123456789012345", "123456789012345");
        ok("000123456789012345.99", "123456789012345.99");
    }

    #[test]
    fn every_error_has_a_message() {
        for e in [
            MoneyError::Empty,
            MoneyError::Negative,
            MoneyError::Ambiguous,
            invalid("x"),
            MoneyError::TooManyDecimals,
            MoneyError::TooLarge,
        ] {
            assert!(!e.to_string().is_empty());
        }
        assert_eq!(invalid("x").to_string(), "not an amount: x");
    }

    #[test]
    fn display_and_format_fr() {
        assert_eq!(mad("20870000").to_string(), "20870000.00");
        assert_eq!(mad("20870000").format_fr(), "20 870 000,00");
        assert_eq!(mad("350000").format_fr(), "350 000,00");
        assert_eq!(mad("1000.5").format_fr(), "1 000,50");
        assert_eq!(mad("999.99").format_fr(), "999,99");
        assert_eq!(mad("0.05").to_string(), "0.05");
        assert_eq!(mad("0.05").format_fr(), "0,05");
        assert_eq!(Mad::zero().to_string(), "0.00");
        assert_eq!(Mad::default().to_string(), "0.00");
        assert_eq!(Mad::default().format_fr(), "0,00");
        assert_eq!(Mad::default(), Mad::zero());
        assert_eq!(mad("-1234.5").to_string(), "-1234.50");
        assert_eq!(mad("-1234.5").format_fr(), "-1 234,50");
        assert_eq!(mad("1.005").to_string(), "1.00"); // banker's rounding, display only
        assert_eq!(
            Mad::from_centimes(2_087_000_000).format_fr(),
            "20 870 000,00"
        );
    }

    #[test]
    fn serde_is_a_two_decimal_string() {
        let m = parse_mad("20 870 000,00").unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"20870000.00\"");
        assert_eq!(serde_json::to_string(&mad("5")).unwrap(), "\"5.00\"");
        let back: Mad = serde_json::from_str("\"20870000.00\"").unwrap();
        assert_eq!(back, m);
        let back: Mad = serde_json::from_str("\"5\"").unwrap();
        assert_eq!(back.0.scale(), 2);
        assert!(serde_json::from_str::<Mad>("\"5.001\"").is_err());
        assert!(serde_json::from_str::<Mad>("\"20 870 000,00\"").is_err());
        assert!(serde_json::from_str::<Mad>("5").is_err());
    }

    /// The programme table: `programmes.csv` (plain) against the Arabic document (French style).
    const PROGRAMMES: [(&str, &str, &str, &str); 7] = [
        (
            "20870000.00",
            "20 870 000,00",
            "61800000.00",
            "61 800 000,00",
        ),
        (
            "21200000.00",
            "21 200 000,00",
            "27900000.00",
            "27 900 000,00",
        ),
        ("350000.00", "350 000,00", "0.00", ""),
        ("2550000.00", "2 550 000,00", "0.00", ""),
        ("5720000.00", "5 720 000,00", "9500000.00", "9 500 000,00"),
        ("1060000.00", "1 060 000,00", "2950000.00", "2 950 000,00"),
        ("400000.00", "400 000,00", "2000000.00", "2 000 000,00"),
    ];

    #[test]
    fn seed_programme_amounts() {
        let mut commune = Vec::new();
        let mut partners = Vec::new();
        for (csv_c, doc_c, csv_p, doc_p) in PROGRAMMES {
            let c = parse_mad(csv_c).unwrap();
            assert_eq!(parse_mad(doc_c).unwrap(), c);
            assert_eq!(c.format_fr(), doc_c);
            assert_eq!(c.to_string(), csv_c);
            let p = parse_mad(csv_p).unwrap();
            // An empty cell in the document means no partner contribution.
            if doc_p.is_empty() {
                assert_eq!(p, Mad::zero());
            } else {
                assert_eq!(parse_mad(doc_p).unwrap(), p);
                assert_eq!(p.format_fr(), doc_p);
            }
            commune.push(c);
            partners.push(p);
        }
        // The document's "المجموع" row.
        let total_c: Mad = commune.iter().sum();
        let total_p: Mad = partners.into_iter().sum();
        assert_eq!(total_c.format_fr(), "52 150 000,00");
        assert_eq!(total_p.format_fr(), "104 150 000,00");
        assert_eq!(total_c, parse_mad("52 150 000,00").unwrap());
        assert_eq!((total_c + total_p).to_string(), "156300000.00");
    }

    #[test]
    fn sums_are_exact() {
        // 0.10 + 0.20 is 0.30, ten thousand times.
        let dime = parse_mad("0,10").unwrap();
        let sum: Mad = std::iter::repeat_n(dime, 10_000).sum();
        assert_eq!(sum, parse_mad("1 000,00").unwrap());
        let mut acc = Mad::zero();
        acc += parse_mad("0.1").unwrap();
        acc += parse_mad("0.2").unwrap();
        assert_eq!(acc, parse_mad("0.3").unwrap());
        assert_eq!(acc.to_string(), "0.30");
        let empty: Mad = std::iter::empty::<Mad>().sum();
        assert_eq!(empty.to_string(), "0.00");
    }

    #[test]
    fn from_str() {
        assert_eq!("1 000,00".parse::<Mad>(), Ok(mad("1000")));
        assert_eq!("1,000".parse::<Mad>(), Err(MoneyError::Ambiguous));
    }

    fn amount() -> impl Strategy<Value = Mad> {
        (0..=2_u32).prop_flat_map(|scale| {
            (0..10_i64.pow(13) * 10_i64.pow(scale)).prop_map(move |m| Mad(Decimal::new(m, scale)))
        })
    }

    proptest! {
        #[test]
        fn round_trips(m in amount()) {
            prop_assert_eq!(parse_mad(&m.format_fr()), Ok(m));
            prop_assert_eq!(parse_mad(&m.to_string()), Ok(m));
            prop_assert_eq!(parse_mad(&format!("{} MAD", m.format_fr())), Ok(m));
            let json = serde_json::to_string(&m).unwrap();
            prop_assert_eq!(serde_json::from_str::<Mad>(&json).unwrap(), m);
            let arabic: String = m
                .format_fr()
                .chars()
                .map(|c| match c.to_digit(10) {
                    Some(d) => char::from_u32(0x0660 + d).unwrap_or(c),
                    None => c,
                })
                .collect();
            prop_assert_eq!(parse_mad(&arabic), Ok(m));
        }

        #[test]
        fn sums_match_centime_arithmetic(cents in proptest::collection::vec(0..10_i64.pow(15), 0..50)) {
            let total: Mad = cents.iter().map(|&c| Mad::from_centimes(c)).sum();
            prop_assert_eq!(total, Mad::from_centimes(cents.iter().sum()));
        }

        #[test]
        fn never_panics(s in any::<String>()) {
            let _ = parse_mad(&s);
        }

        #[test]
        fn never_panics_on_amount_like_input(s in "[0-9٠-٩ .,٫٬()\\-]{0,24}( ?(MAD|DH|درهم))?") {
            if let Ok(m) = parse_mad(&s) {
                prop_assert!(m.0 >= Decimal::ZERO);
                prop_assert_eq!(m.0.scale(), 2);
            }
        }
    }
}
