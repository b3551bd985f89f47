//! Text normalisation for comparison and search.
//!
//! What a person typed is always kept for display. This module only computes the *comparison
//! key*: the form under which two spellings of the same word compare equal, used by search,
//! duplicate detection and sorting. The key is never shown to anyone.
//!
//! [`normalize`] folds, in one pass over the input:
//!
//! * **Arabic**: tatweel (ـ U+0640) removed; harakat (U+064B–U+065F), superscript alef (U+0670),
//!   Quranic annotation marks (U+0610–U+061A, U+06D6–U+06ED, U+08D3–U+08FF) and high hamza
//!   (U+0674) removed; alef variants أ إ آ ٱ ٲ ٳ ٵ → ا; alef maksura ى → ي; teh marbuta ة → ه;
//!   Persian/Urdu/Maghrebi kaf forms (ک ڪ ګ ڬ ڭ ڮ and gaf گ, U+06A9–U+06AF) → ك, because
//!   in Morocco ڭ and گ are only alternative spellings of a /g/ that is also written ك;
//!   Farsi yeh ی, yeh barree ے ۓ → ي; heh forms (ہ ۂ ۃ ھ ە ۀ) → ه.
//! * **Hamza carriers**: ؤ → و and ئ → ي (and ٶ → و, ٸ → ي). This is a deliberate choice:
//!   the carrier is what people vary most ("مسؤول", "مسئول", "مسوول"), dropping the hamza
//!   maps the first and the third together. The bare hamza ء is kept, it is a letter.
//! * **Digits**: Arabic-Indic ٠–٩ and Extended Arabic-Indic (Persian) ۰–۹ → ASCII 0–9; other
//!   compatibility digits (full-width, superscript, circled) through NFKD.
//! * **Latin, Greek, Cyrillic…**: NFKD (compatibility decomposition, so ligatures, full-width
//!   letters and Arabic presentation forms copied out of PDFs fold to plain letters), then the
//!   generic combining diacritics (U+0300–U+036F and the other "Combining Diacritical Marks"
//!   blocks) are dropped and letters are lowercased: "Électricité" → "electricite".
//!   Combining marks that belong to a script (Devanagari vowel signs…) are kept.
//! * **Tifinagh** (U+2D30–U+2D7F) is kept exactly as typed (no NFKD: ⵯ stays ⵯ), except the
//!   separator mark ⵰ which, as punctuation, becomes a space.
//! * **Invisible characters** (ZWSP, ZWNJ, ZWJ, LRM/RLM, ALM, bidi embeddings and isolates,
//!   word joiner, soft hyphen, BOM, variation selectors, Arabic number signs U+0600–U+0605)
//!   are removed without leaving a space: "a\u{200C}b" is "ab".
//! * **Everything else that is not a letter, digit or script mark** (punctuation such as ، ؛ ؟
//!   ٫ ٬ ۔ and all ASCII punctuation, symbols, emoji, controls, whitespace) becomes a space.
//!   So "8,5" becomes "8 5" and "Aït-Abbou" becomes "ait abbou".
//! * Whitespace runs collapse to one ASCII space; the key is trimmed.
//!
//! Not handled here, on purpose: spelling variants that are not orthographic noise, such as
//! the two spellings of the douar "اولادسكيبر" / "اولاد سكير" (a missing space *and* a
//! different letter). Those are place-name aliases, kept with the douar.
//!
//! The key is idempotent (`normalize(&normalize(x)) == normalize(x)`), contains only
//! characters that map to themselves, and never contains a tatweel, a haraka, a double space
//! or a leading/trailing space.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// The comparison key of `input`: see the module documentation for what is folded.
///
/// Single pass, one allocation (pre-sized to the input length, which is an upper bound for
/// Arabic and Latin input; NFKD of rare compatibility characters may grow it).
pub fn normalize(input: &str) -> String {
    let mut out = Normalizer {
        out: String::with_capacity(input.len()),
        pending_space: false,
    };
    for c in input.chars() {
        out.push_input(c);
    }
    out.out
}

/// The words of the comparison key of `input`, in order (empty for blank input).
pub fn tokens(input: &str) -> Vec<String> {
    normalize(input)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether the key of `needle` occurs in the key of `haystack` (a blank needle always matches).
///
/// "مستشفى الأطفال" contains "مستشفي", "ELECTRICITÉ" contains "electricite".
pub fn contains_normalized(haystack: &str, needle: &str) -> bool {
    let needle = normalize(needle);
    needle.is_empty() || normalize(haystack).contains(&needle)
}

/// The one place Arabic-Indic digits are folded (the search key, [`ascii_digits`], amounts,
/// dates and times typed on the tablet all go through it): an Arabic-Indic (٠–٩) or Extended
/// Arabic-Indic/Persian (۰–۹) digit becomes its ASCII digit; any other character stays.
pub fn fold_digit(c: char) -> char {
    let base = match c {
        '\u{0660}'..='\u{0669}' => 0x0660,
        '\u{06F0}'..='\u{06F9}' => 0x06F0,
        _ => return c,
    };
    // The offset is 0..=9, so the addition stays in ASCII.
    char::from_u32(u32::from(b'0') + (c as u32 - base)).unwrap_or(c)
}

/// `input` with its Arabic-Indic and Persian digits as ASCII ([`fold_digit`]), every other
/// character untouched, separators included ("٣٥٠٫٥" → "350٫5"). Meant for numeric input
/// fields, before they are parsed.
pub fn ascii_digits(input: &str) -> String {
    input.chars().map(fold_digit).collect()
}

/// What one character becomes in the key.
enum Step {
    /// Removed without a trace (diacritics, tatweel, invisible characters).
    Drop,
    /// A word boundary (punctuation, symbols, whitespace).
    Space,
    /// This character (already folded).
    Keep(char),
    /// Needs the general path: NFKD, combining marks, lowercase.
    General,
}

/// The direct mappings: ASCII, the Arabic block, Tifinagh, invisible characters.
fn classify(c: char) -> Step {
    if c.is_ascii() {
        return if c.is_ascii_alphanumeric() {
            Step::Keep(c.to_ascii_lowercase())
        } else {
            Step::Space
        };
    }
    match c {
        // Tatweel and Arabic marks.
        '\u{0640}'
        | '\u{0610}'..='\u{061A}'
        | '\u{064B}'..='\u{065F}'
        | '\u{0670}'
        | '\u{0674}'
        | '\u{06D6}'..='\u{06ED}'
        | '\u{08D3}'..='\u{08FF}' => Step::Drop,
        // Alef variants.
        '\u{0622}' | '\u{0623}' | '\u{0625}' | '\u{0671}' | '\u{0672}' | '\u{0673}'
        | '\u{0675}' => Step::Keep('\u{0627}'),
        // Hamza on waw.
        '\u{0624}' | '\u{0676}' => Step::Keep('\u{0648}'),
        // Hamza on yeh, alef maksura, Farsi yeh, yeh barree.
        '\u{0626}' | '\u{0678}' | '\u{0649}' | '\u{06CC}' | '\u{06D2}' | '\u{06D3}' => {
            Step::Keep('\u{064A}')
        }
        // Teh marbuta and heh forms.
        '\u{0629}' | '\u{06BE}' | '\u{06C0}' | '\u{06C1}' | '\u{06C2}' | '\u{06C3}'
        | '\u{06D5}' => Step::Keep('\u{0647}'),
        // Kaf and gaf forms.
        '\u{06A9}'..='\u{06AF}' => Step::Keep('\u{0643}'),
        '\u{0660}'..='\u{0669}' | '\u{06F0}'..='\u{06F9}' => Step::Keep(fold_digit(c)),
        // The common Arabic letters (the folded ones are matched above): fast path.
        '\u{0621}'..='\u{063A}' | '\u{0641}'..='\u{064A}' => Step::Keep(c),
        // Arabic number signs (format characters written before a number).
        '\u{0600}'..='\u{0605}' => Step::Drop,
        // Tifinagh: kept as typed, the separator mark is punctuation.
        '\u{2D70}' => Step::Space,
        '\u{2D30}'..='\u{2D7F}' => Step::Keep(c),
        // Invisible characters.
        '\u{00AD}'
        | '\u{061C}'
        | '\u{180E}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}'
        | '\u{E0100}'..='\u{E01EF}' => Step::Drop,
        _ => Step::General,
    }
}

/// Generic combining diacritics, dropped: the accents of Latin, Greek, Cyrillic.
fn is_generic_diacritic(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036F}'
            | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{FE20}'..='\u{FE2F}'
    )
}

struct Normalizer {
    out: String,
    /// A word boundary was seen since the last character written.
    pending_space: bool,
}

impl Normalizer {
    fn push_input(&mut self, c: char) {
        match classify(c) {
            Step::Drop => {}
            Step::Space => self.pending_space = true,
            Step::Keep(k) => self.write(k),
            Step::General => decompose_compatible(c, |d| self.push_decomposed(d, 0)),
        }
    }

    /// `d` is fully decomposed (it has no further compatibility decomposition).
    fn push_decomposed(&mut self, d: char, depth: u8) {
        match classify(d) {
            Step::Drop => {}
            Step::Space => self.pending_space = true,
            Step::Keep(k) => self.write(k),
            Step::General => {
                if is_combining_mark(d) {
                    if !is_generic_diacritic(d) {
                        self.write(d);
                    }
                } else if d.is_alphanumeric() {
                    for l in d.to_lowercase() {
                        if l == d || depth > 2 {
                            self.write(l);
                        } else {
                            // A lowercase letter may decompose further ("İ" → "i̇" → "i").
                            decompose_compatible(l, |e| self.push_decomposed(e, depth + 1));
                        }
                    }
                } else {
                    self.pending_space = true;
                }
            }
        }
    }

    fn write(&mut self, c: char) {
        if self.pending_space {
            if !self.out.is_empty() {
                self.out.push(' ');
            }
            self.pending_space = false;
        }
        self.out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn same(a: &str, b: &str) {
        assert_eq!(normalize(a), normalize(b), "{a:?} vs {b:?}");
    }

    #[test]
    fn tatweel_from_the_seed() {
        // Paragraph 3 of the seed: "الفتىـان" (tatweel and alef maksura) is "الفتيان".
        same("الفتىـان", "الفتيان");
        assert_eq!(normalize("الفتىـان"), "الفتيان");
        same("الـمـخـطـط الجـمـاعـي", "المخطط الجماعي");
        same("يستـفـيدـ منـهاـ الجـمـيعـ", "يستفيد منها الجميع");
    }

    #[test]
    fn keheh_is_kaf() {
        same("التماسک", "التماسك");
        assert_eq!(normalize("التماسک الاجتماعي"), "التماسك الاجتماعي");
        same("ڪ ګ ڬ ڭ ڮ گ", "ك ك ك ك ك ك");
    }

    #[test]
    fn alef_variants() {
        same("أهداف", "اهداف");
        same("إعداد", "اعداد");
        same("آبار", "ابار");
        same("ٱلله", "الله");
        // The same with decomposed hamza/madda (alef + combining mark).
        same("ا\u{0654}هداف", "اهداف");
        same("ا\u{0653}بار", "ابار");
    }

    #[test]
    fn teh_marbuta_alef_maksura_yeh() {
        same("مدرسة", "مدرسه");
        same("مستشفى", "مستشفي");
        same("مستشفی", "مستشفي"); // Farsi yeh
        same("ے", "ي");
    }

    #[test]
    fn hamza_carriers() {
        same("مسؤول", "مسوول");
        same("بيئة", "بييه");
        assert_eq!(normalize("ء"), "ء");
    }

    #[test]
    fn harakat_and_quranic_marks() {
        same("مَدْرَسَةٌ", "مدرسة");
        same("الرَّحْمٰنِ", "الرحمن");
        same("قُلْ۝ هُوَ", "قل هو");
    }

    #[test]
    fn digits() {
        assert_eq!(normalize("٢٠٢٣"), "2023");
        assert_eq!(normalize("۲۰۲۳"), "2023");
        assert_eq!(normalize("سنة ٢٠٢٣-٢٠٢٨"), "سنه 2023 2028");
        assert_eq!(normalize("２０２３"), "2023");
    }

    #[test]
    fn ascii_digits_only_touches_digits() {
        assert_eq!(ascii_digits("٣٥٠٠٠٠"), "350000");
        assert_eq!(ascii_digits("۱۲۳"), "123");
        assert_eq!(ascii_digits("٠١٢٣٤٥٦٧٨٩"), "0123456789");
        assert_eq!(ascii_digits("۰۱۲۳۴۵۶۷۸۹"), "0123456789");
        assert_eq!(ascii_digits("٣٥٠٫٥ درهم"), "350٫5 درهم");
        assert_eq!(ascii_digits("Élec ١"), "Élec 1");
        assert_eq!(ascii_digits("١٤/٠٧/٢٠٢٢ 9h30"), "14/07/2022 9h30");
        assert_eq!(ascii_digits(""), "");
        // The characters just outside both ranges stay as they are.
        for c in [
            '\u{065F}', '\u{066A}', '\u{06EF}', '\u{06FA}', '/', 'a', '٫',
        ] {
            assert_eq!(fold_digit(c), c, "{c:?}");
        }
    }

    #[test]
    fn douar_spelling_variants_are_not_folded_here() {
        // "اولادسكيبر" and "اولاد سكير" are the same douar (Ouled Skir), but the difference is
        // a missing space and an extra letter: that is a place-name alias, not orthography.
        assert_ne!(normalize("اولادسكيبر"), normalize("اولاد سكير"));
    }

    #[test]
    fn french() {
        assert_eq!(normalize("Électricité  publique"), "electricite publique");
        same("ÉLECTRICITÉ", "electricite");
        same("Aït-Abbou", "ait abbou");
        same("Œuvre ﬁnale", "œuvre finale");
        assert_eq!(normalize("l'eau, c'est la vie !"), "l eau c est la vie");
        // Decomposed accents (e + U+0301) are the same as precomposed ones.
        same("E\u{0301}cole", "école");
        assert_eq!(normalize("İstanbul"), "istanbul");
    }

    #[test]
    fn tifinagh_kept() {
        assert_eq!(normalize("ⵜⴰⵎⴰⵣⵉⵖⵜ"), "ⵜⴰⵎⴰⵣⵉⵖⵜ");
        assert_eq!(normalize("ⴰⴳⵯⵎⵎⴰⵏ"), "ⴰⴳⵯⵎⵎⴰⵏ");
        assert_eq!(normalize("ⴰ⵰ⴱ"), "ⴰ ⴱ");
    }

    #[test]
    fn punctuation_whitespace_invisibles() {
        assert_eq!(normalize("  ماء،كهرباء؛ طرق؟  "), "ماء كهرباء طرق");
        assert_eq!(
            normalize("a\u{200C}b\u{200D}c\u{200E}d\u{200F}e\u{FEFF}"),
            "abcde"
        );
        assert_eq!(normalize("\u{FEFF}الماء"), "الماء");
        assert_eq!(normalize("a\t\n\r\u{00A0}\u{202F}\u{3000}b"), "a b");
        assert_eq!(normalize(""), "");
        assert_eq!(normalize(" ،؛ ... "), "");
    }

    #[test]
    fn presentation_forms_from_pdfs() {
        // "الماء" in presentation forms, and the lam-alef ligature.
        same("\u{FE8D}\u{FEDF}\u{FEE4}\u{FE8E}\u{FE80}", "الماء");
        same("\u{FEFB}", "لا");
        same("\u{FEF7}", "لا");
    }

    #[test]
    fn tokens_and_contains() {
        assert_eq!(
            tokens("  بناء  المسالك، الطرقية "),
            vec!["بناء", "المسالك", "الطرقيه"]
        );
        assert!(tokens(" ، ").is_empty());
        assert!(contains_normalized("بناء مستشفى الأطفال", "مستشفي الاطفال"));
        assert!(contains_normalized("Réseau d'ÉLECTRICITÉ", "electricite"));
        assert!(contains_normalized("anything", ""));
        assert!(contains_normalized("", "  "));
        assert!(!contains_normalized("", "ماء"));
        assert!(!contains_normalized("كهرباء", "ماء "));
    }

    #[test]
    fn every_single_character_is_idempotent() {
        // The key is a per-character mapping followed by space collapsing, so checking each
        // character once covers every string.
        for c in (0..=0x10FFFF_u32).filter_map(char::from_u32) {
            let key = normalize(c.encode_utf8(&mut [0; 4]));
            assert_eq!(normalize(&key), key, "U+{:04X}", c as u32);
            assert!(
                !key.starts_with(' ') && !key.ends_with(' '),
                "U+{:04X}",
                c as u32
            );
            for k in key.chars() {
                assert!(
                    k == ' ' || normalize(k.encode_utf8(&mut [0; 4])) == k.to_string(),
                    "U+{:04X} gives U+{:04X}",
                    c as u32,
                    k as u32
                );
            }
        }
    }

    fn is_removed(c: char) -> bool {
        matches!(c, '\u{0640}' | '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{06D6}'..='\u{06ED}')
    }

    /// Arabic letters, marks, digits, punctuation and a few other things.
    fn arabic_heavy() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                4 => proptest::char::range('\u{0600}', '\u{06FF}'),
                1 => proptest::char::range('\u{0750}', '\u{077F}'),
                1 => proptest::char::range('\u{08A0}', '\u{08FF}'),
                1 => proptest::char::range('\u{FB50}', '\u{FDFF}'),
                1 => proptest::char::range('\u{FE70}', '\u{FEFF}'),
                1 => proptest::char::range('\u{2D30}', '\u{2D7F}'),
                1 => proptest::char::range('\u{2000}', '\u{206F}'),
                2 => proptest::char::range(' ', '\u{024F}'),
                1 => any::<char>(),
            ],
            0..40,
        )
        .prop_map(|cs| cs.into_iter().collect())
    }

    /// Strings of the plain Arabic letters (no tatweel, no marks) and spaces.
    fn arabic_words() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                8 => proptest::char::range('\u{0621}', '\u{063A}'),
                8 => proptest::char::range('\u{0641}', '\u{064A}'),
                1 => Just(' '),
            ],
            0..30,
        )
        .prop_map(|cs| cs.into_iter().collect())
    }

    proptest! {
        #[test]
        fn idempotent(s in arabic_heavy()) {
            let key = normalize(&s);
            prop_assert_eq!(normalize(&key), key);
        }

        #[test]
        fn idempotent_any_unicode(s in any::<String>()) {
            let key = normalize(&s);
            prop_assert_eq!(normalize(&key), key);
        }

        #[test]
        fn output_is_clean(s in arabic_heavy()) {
            let key = normalize(&s);
            prop_assert!(!key.chars().any(is_removed), "{:?}", key);
            prop_assert!(!key.contains("  "));
            prop_assert!(!key.starts_with(' ') && !key.ends_with(' '));
            prop_assert!(!key.chars().any(|c| c.is_whitespace() && c != ' '));
            let joined = tokens(&s).join(" ");
            prop_assert_eq!(joined, key);
        }

        #[test]
        fn tatweel_and_harakat_do_not_change_the_key(
            s in arabic_words(),
            inserts in proptest::collection::vec(
                (any::<prop::sample::Index>(), prop_oneof![
                    Just('\u{0640}'),
                    proptest::char::range('\u{064B}', '\u{065F}'),
                    Just('\u{0670}'),
                    proptest::char::range('\u{06D6}', '\u{06ED}'),
                ]),
                0..10,
            ),
        ) {
            let mut chars: Vec<char> = s.chars().collect();
            for (at, mark) in inserts {
                let at = at.index(chars.len() + 1);
                chars.insert(at, mark);
            }
            let decorated: String = chars.into_iter().collect();
            prop_assert_eq!(normalize(&decorated), normalize(&s));
        }

        #[test]
        fn never_panics(s in any::<String>(), n in any::<String>()) {
            let _ = normalize(&s);
            let _ = tokens(&s);
            let _ = contains_normalized(&s, &n);
            let _ = ascii_digits(&s);
        }

        #[test]
        fn contains_itself(s in arabic_heavy()) {
            prop_assert!(contains_normalized(&s, &s));
        }
    }
}
