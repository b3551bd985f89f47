//! Money (`shared::money::parse_mad`) and text (`shared::text::normalize`): strings built from
//! the characters these functions treat specially, strings from `arbitrary`, and mutations of
//! real examples. Both must never panic and must keep their promises (round trips,
//! idempotence).

use arbitrary::{Arbitrary, Unstructured};
use tachkhis_shared::{
    money::{Mad, parse_mad},
    text::{contains_normalized, normalize, tokens},
};

use crate::{Outcome, Target, mutate::mutate, rng::Rng};

/// Pieces amounts are made of, as people type them or documents print them.
const MONEY_ATOMS: &[&str] = &[
    "0",
    "1",
    "2",
    "5",
    "9",
    "00",
    "000",
    "123",
    "999",
    "20",
    "870",
    "١",
    "٣",
    "٥",
    "٠",
    "۱",
    "۹",
    "٠٠٠",
    "۰۰۰",
    " ",
    " ",
    "\u{00A0}",
    "\u{202F}",
    "\u{2009}",
    ".",
    ",",
    "٬",
    "٫",
    "-",
    "−",
    "–",
    "+",
    "(",
    ")",
    "MAD",
    "mad",
    "DH",
    "Dh",
    "dhs",
    "درهم",
    "د.م.",
    "د.م",
    "e",
    "E",
    "x",
    "\t",
    "\n",
    "١٢٣٤٥٦٧٨٩٠",
    "1234567890",
    "999999999999999",
    "0000000000000000000",
    "ß",
    "İ",
    "\u{0301}",
    "𝟏",
    "¹",
    "①",
    "½",
];

const MONEY_EXAMPLES: &[&str] = &[
    "20 870 000,00",
    "20870000.00",
    "20.870.000,00",
    "20,870,000.00",
    "20.870.000",
    "1,5",
    "1.50",
    ".5",
    "٣٥٠٬٠٠٠٫٥٠",
    "1 000 MAD",
    "12 500,00 DH",
    "999 999 999 999 999,99",
    "0,00",
    "1.000,50",
];

/// Characters `normalize` folds, drops, keeps or decomposes, and some it was not written for.
const TEXT_ATOMS: &[&str] = &[
    "ا",
    "أ",
    "إ",
    "آ",
    "ٱ",
    "ى",
    "ي",
    "ة",
    "ه",
    "ک",
    "ڭ",
    "گ",
    "ی",
    "ے",
    "ؤ",
    "ئ",
    "ء",
    "ـ",
    "\u{064B}",
    "\u{0650}",
    "\u{0651}",
    "\u{0670}",
    "\u{0674}",
    "\u{06D6}",
    "\u{08D3}",
    "\u{0610}",
    "٠",
    "٩",
    "۰",
    "۹",
    "ⴰ",
    "ⵣ",
    "ⵯ",
    "\u{2D70}",
    "\u{2D7F}",
    "\u{200B}",
    "\u{200C}",
    "\u{200D}",
    "\u{200E}",
    "\u{202E}",
    "\u{2066}",
    "\u{FEFF}",
    "\u{00AD}",
    "\u{FE0F}",
    "\u{E0100}",
    "\u{0600}",
    " ",
    "  ",
    "\t",
    "\n",
    "\u{00A0}",
    "\u{3000}",
    "،",
    "؛",
    "؟",
    "٫",
    "٬",
    "۔",
    ".",
    "-",
    "'",
    "É",
    "é",
    "e\u{0301}",
    "İ",
    "ß",
    "ẞ",
    "ﬁ",
    "Ａ",
    "ｶ",
    "①",
    "²",
    "½",
    "ﷺ",
    "ﷻ",
    "﷽",
    "ﻻ",
    "ﺍ",
    "ﻼ",
    "\u{FDFA}",
    "Σ",
    "ς",
    "Ω",
    "ǅ",
    "ǈ",
    "\u{0345}",
    "\u{0903}",
    "\u{093F}",
    "क",
    "\u{0E31}",
    "😀",
    "👩\u{200D}👩",
    "\u{1F1F2}\u{1F1E6}",
    "\u{0}",
    "\u{7f}",
    "\u{85}",
    "\u{2028}",
    "\u{1D400}",
    "\u{1D7CE}",
    "Ⅻ",
    "ⅻ",
    "㎏",
    "㍱",
    "\u{1E9E}",
    "\u{0130}",
    "\u{03D3}",
    "\u{1FBE}",
    "\u{2126}",
    "\u{212A}",
    "\u{FB1D}",
    "\u{1AB0}",
    "\u{1DC0}",
    "\u{20D0}",
    "\u{FE20}",
];

const TEXT_EXAMPLES: &[&str] = &[
    "الطريق إلى الدوار مقطوعة في الشتاء",
    "الفتىـان",
    "مسؤول مسئول مسوول",
    "Électricité à Aït-Abbou",
    "ⵜⴰⵎⴰⵣⵉⵖⵜ ⵰ ⴰⵎⴰⵏ",
    "اولادسكيبر المصلى",
    "﷽ ﷺ",
    "ＡＢＣ ｶﾀｶﾅ ﬁne",
];

fn from_atoms(rng: &mut Rng, atoms: &[&str], max: usize) -> String {
    let n = 1 + rng.below(max);
    (0..n).map(|_| *rng.pick(atoms)).collect()
}

fn arbitrary_string(rng: &mut Rng) -> String {
    let n = rng.below(256);
    let seed = rng.bytes(n);
    String::arbitrary(&mut Unstructured::new(&seed)).unwrap_or_default()
}

/// Mutates the bytes of `s` and keeps what is still UTF-8 (lossily).
fn mutated(rng: &mut Rng, s: &str) -> String {
    let mut b = s.as_bytes().to_vec();
    mutate(rng, &mut b, &[], 4096);
    String::from_utf8_lossy(&b).into_owned()
}

pub struct MoneyTarget;

impl MoneyTarget {
    pub fn new() -> MoneyTarget {
        MoneyTarget
    }
}

impl Default for MoneyTarget {
    fn default() -> Self {
        Self::new()
    }
}

impl Target for MoneyTarget {
    fn generate(&mut self, rng: &mut Rng) -> Vec<u8> {
        match rng.below(6) {
            0 | 1 => from_atoms(rng, MONEY_ATOMS, 12),
            2 => {
                let s = rng_pick_str(rng, MONEY_EXAMPLES);
                mutated(rng, s)
            }
            3 => {
                // A valid amount written in one of the forms, perhaps with the currency.
                let centimes = rng.next_u64() % 100_000_000_000_000_000;
                let m = Mad::from_centimes(centimes as i64);
                let mut s = if rng.chance(1, 2) {
                    m.format_fr()
                } else {
                    m.to_string()
                };
                if rng.chance(1, 3) {
                    s.push_str(rng_pick_str(rng, &[" MAD", "DH", " درهم", " د.م."]));
                }
                s
            }
            4 => arbitrary_string(rng),
            _ => {
                let mut s = rng_pick_str(rng, MONEY_EXAMPLES).to_owned();
                let at = s
                    .char_indices()
                    .map(|(i, _)| i)
                    .nth(rng.below(s.chars().count() + 1))
                    .unwrap_or(s.len());
                s.insert_str(at, rng_pick_str(rng, MONEY_ATOMS));
                s
            }
        }
        .into_bytes()
    }

    fn execute(&mut self, input: &[u8]) -> Outcome {
        let text = String::from_utf8_lossy(input);
        let m = match parse_mad(&text) {
            Ok(m) => m,
            Err(_) => return Outcome::Refused,
        };
        if m.0.is_sign_negative() && !m.0.is_zero() {
            return Outcome::Broken(format!("{text:?} parsed as a negative amount {m}"));
        }
        if m.0.scale() != 2 {
            return Outcome::Broken(format!("{text:?} parsed with scale {}", m.0.scale()));
        }
        for shown in [m.format_fr(), m.to_string()] {
            match parse_mad(&shown) {
                Ok(back) if back == m => {}
                other => {
                    return Outcome::Broken(format!(
                        "{text:?} parsed as {m}, shown as {shown:?}, which reads back as {other:?}"
                    ));
                }
            }
        }
        match serde_json::to_string(&m).map(|j| serde_json::from_str::<Mad>(&j)) {
            Ok(Ok(back)) if back == m => Outcome::Accepted,
            other => Outcome::Broken(format!("{m} does not survive JSON: {other:?}")),
        }
    }
}

pub struct TextTarget;

impl TextTarget {
    pub fn new() -> TextTarget {
        TextTarget
    }
}

impl Default for TextTarget {
    fn default() -> Self {
        Self::new()
    }
}

fn rng_pick_str<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len())]
}

impl Target for TextTarget {
    fn generate(&mut self, rng: &mut Rng) -> Vec<u8> {
        match rng.below(5) {
            0 | 1 => from_atoms(rng, TEXT_ATOMS, 24),
            2 => {
                let s = rng_pick_str(rng, TEXT_EXAMPLES);
                mutated(rng, s)
            }
            3 => arbitrary_string(rng),
            _ => {
                // Any code point, several of them.
                let n = 1 + rng.below(8);
                (0..n)
                    .filter_map(|_| char::from_u32((rng.next_u64() % 0x11_0000) as u32))
                    .collect()
            }
        }
        .into_bytes()
    }

    fn execute(&mut self, input: &[u8]) -> Outcome {
        let text = String::from_utf8_lossy(input);
        let key = normalize(&text);
        let again = normalize(&key);
        if again != key {
            return Outcome::Broken(format!(
                "not idempotent: {text:?} -> {key:?} -> {again:?} ({})",
                codepoints(&text)
            ));
        }
        if key.starts_with(' ') || key.ends_with(' ') || key.contains("  ") {
            return Outcome::Broken(format!("spaces left in the key {key:?} of {text:?}"));
        }
        let joined = tokens(&text).join(" ");
        if joined != key {
            return Outcome::Broken(format!("tokens {joined:?} differ from the key {key:?}"));
        }
        if !contains_normalized(&text, &text) || !contains_normalized(&text, "") {
            return Outcome::Broken(format!("{text:?} does not contain itself"));
        }
        Outcome::Accepted
    }
}

fn codepoints(s: &str) -> String {
    s.chars()
        .map(|c| format!("U+{:04X}", c as u32))
        .collect::<Vec<_>>()
        .join(" ")
}
