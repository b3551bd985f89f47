//! From a proposal's comparison key to what the engine compares: concepts of the lexicon
//! (`lexicon.tsv`, words of one meaning in every script), named places, and the other words.
//!
//! People write one need in four scripts: Arabic, Darija in Arabic letters, Darija in Latin
//! letters with digits (arabizi: "tri9", "9antra", "lma"), and French, often without accents,
//! with typos and words run together. So a word is looked up, in this order: as it is; its
//! stem (article, attached prepositions, plural and feminine endings); without a one-letter
//! preposition ("لتاكوديت", "lambulance"); one edit away from a lexicon word ("قننطرة"); by
//! its consonant skeleton, where arabizi is first written in Arabic letters (3→ع, 7→ح, 9→ق,
//! 2→ء, 5→خ, 8→ه, vowels dropped, emphatic letters folded: "tri9" and "طريق" are both ت ر ق);
//! and split in two known words ("الطريقالمعبدة"). A word found nowhere is kept as its
//! skeleton (Arabic, arabizi) or its stem (French), so it still matches its other spellings.

use std::collections::{HashMap, HashSet};

use tachkhis_shared::text::normalize;

/// What place means for a concept (see the lexicon's header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Service,
    Work,
    /// Staff or service of a facility (a doctor, a teacher): the facility a proposal names
    /// when two name different ones (a work), one need for the commune otherwise (most have
    /// one health centre).
    Facility,
    Context,
}

#[derive(Debug, Clone)]
pub struct Concept {
    pub name: String,
    pub scope: Scope,
}

/// The lexicon, read from its TSV text.
#[derive(Clone)]
pub struct Lexicon {
    stop: HashSet<String>,
    words: HashMap<String, u32>,
    /// Entries of several words, by their first word: (the words, concept).
    phrases: HashMap<String, Vec<(Vec<String>, u32)>>,
    /// Every lexicon word with one letter deleted (words of 4 letters or more): the concept,
    /// or None when two concepts meet there.
    fuzzy: HashMap<String, Option<u32>>,
    /// Consonant skeletons of the lexicon's words (3 letters or more), None when ambiguous.
    skeletons: HashMap<String, Option<u32>>,
    /// The same of its Darija words in Latin letters only: a Latin word without digits may be
    /// French, and French words meet Arabic ones by skeleton by chance ("public" بلك, "nhar"
    /// نهر), so it is read by skeleton only against what people type in Latin letters.
    latin_skeletons: HashMap<String, Option<u32>>,
    pub concepts: Vec<Concept>,
}

/// The one-letter prepositions and conjunctions that stick to an Arabic word (و ب ل ف ك,
/// and Darija's د).
const ARABIC_PREFIXES: &[char] = &['و', 'ب', 'ل', 'ف', 'ك', 'د'];

pub fn is_arabic(c: char) -> bool {
    ('\u{0600}'..='\u{06FF}').contains(&c)
}

/// Light stemming of one comparison-key word: the Arabic article with the prepositions that
/// stick to it, plural and feminine endings; the French plural. Keeps at least three letters.
pub fn stem(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    if chars.first().is_some_and(|c| is_arabic(*c)) {
        let mut s: &[char] = &chars;
        for prefix in ["وال", "بال", "كال", "فال", "دال", "لل", "ال"] {
            let p: Vec<char> = prefix.chars().collect();
            if s.len() >= p.len() + 3 && s.starts_with(&p) {
                s = &s[p.len()..];
                break;
            }
        }
        for suffix in ["ات", "ين", "ون", "يه", "ه", "ي"] {
            let p: Vec<char> = suffix.chars().collect();
            if s.len() >= p.len() + 3 && s.ends_with(&p) {
                s = &s[..s.len() - p.len()];
                break;
            }
        }
        s.iter().collect()
    } else if chars.len() > 3 && matches!(chars.last(), Some('s' | 'x')) {
        chars[..chars.len() - 1].iter().collect()
    } else {
        word.to_string()
    }
}

/// Arabizi (or any Latin word) in Arabic letters, vowels as long letters: "tri9" → "تريق".
pub fn to_arabic(word: &str) -> String {
    let b: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len() * 2);
    let mut i = 0;
    while i < b.len() {
        let next = b.get(i + 1).copied();
        let two = match (b[i], next) {
            ('c' | 's', Some('h')) => Some('ش'),
            ('k', Some('h')) => Some('خ'),
            ('g', Some('h')) => Some('غ'),
            ('t', Some('h')) => Some('ت'),
            ('d', Some('j')) => Some('ج'),
            ('o', Some('u')) => Some('و'),
            _ => None,
        };
        if let Some(c) = two {
            out.push(c);
            i += 2;
            continue;
        }
        let c = match b[i] {
            '2' => 'ء',
            '3' => 'ع',
            '5' => 'خ',
            '7' => 'ح',
            '8' => 'ه',
            '9' => 'ق',
            'a' => 'ا',
            'i' | 'y' => 'ي',
            'o' | 'u' | 'w' => 'و',
            'e' => {
                i += 1;
                continue;
            }
            'b' | 'p' => 'ب',
            'c' if matches!(next, Some('e' | 'i')) => 'س',
            'c' | 'k' | 'g' => 'ك',
            'd' => 'د',
            'f' | 'v' => 'ف',
            'h' => 'ه',
            'j' => 'ج',
            'l' => 'ل',
            'm' => 'م',
            'n' => 'ن',
            'q' => 'ق',
            'r' => 'ر',
            's' => 'س',
            't' => 'ت',
            'x' => 'ش',
            'z' => 'ز',
            c => c,
        };
        out.push(c);
        i += 1;
    }
    out
}

/// The consonant skeleton of an Arabic-letter word: long vowels and hamza dropped (the first
/// letter kept when `outer`), emphatic letters folded to their plain ones, a final heh
/// dropped, doubled letters once. Spelling variants and arabizi meet here.
pub fn skeleton(word: &str, outer: bool) -> String {
    let mut out = String::with_capacity(word.len());
    let mut last: Option<char> = None;
    let n = word.chars().count();
    for (i, c) in word.chars().enumerate() {
        let folded = match c {
            'ا' | 'و' | 'ي' | 'ء' => {
                if i == 0 && outer {
                    'ا'
                } else {
                    continue;
                }
            }
            'ه' if i + 1 == n && i > 0 => continue,
            'ط' => 'ت',
            'ص' => 'س',
            'ض' | 'ظ' | 'ذ' => 'د',
            'ث' => 'ت',
            c => c,
        };
        if last != Some(folded) {
            out.push(folded);
        }
        last = Some(folded);
    }
    out
}

/// A key of a tolerance map reads as the concept that claims it, or as none when two do.
fn claim(map: &mut HashMap<String, Option<u32>>, key: String, id: u32) {
    let e = map.entry(key).or_insert(Some(id));
    if *e != Some(id) {
        *e = None;
    }
}

/// The skeleton of a Latin place name part: "ou" as one vowel, vowels dropped but the first
/// letter, doubled letters once ("Ouled"/"Oulad" → "uld", "Tagoudit"/"Taguedit" → "tgdt").
pub fn latin_skeleton(word: &str, outer: bool) -> String {
    // Arabizi digits as French spellings write the letter: "lmlla7a" is "Lmellaha", "9saba"
    // "Ksaba", "5ndaq" "Khandaq"; ع and ء are vowels to French ("3in" is "Ain").
    let w = word
        .replace("ou", "u")
        .replace('5', "kh")
        .replace(['7', '8'], "h")
        .replace(['9', 'q'], "k")
        .replace(['3', '2'], "a");
    let mut out = String::with_capacity(w.len());
    let mut last: Option<char> = None;
    for (i, c) in w.chars().enumerate() {
        if matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'w') && !(i == 0 && outer) {
            continue;
        }
        if last != Some(c) {
            out.push(c);
        }
        last = Some(c);
    }
    out
}

/// A word's skeleton in Arabic letters, whatever its script.
fn any_skeleton(word: &str) -> String {
    if word.chars().next().is_some_and(is_arabic) {
        skeleton(&stem(word), true)
    } else {
        skeleton(&to_arabic(word), true)
    }
}

/// The deletions a typo may explain: any letter of a Latin word; of an Arabic word, a long
/// vowel or hamza only ("مستصف" for "مستوصف"), never a consonant: "الصيف" (summer) is not
/// "الرصيف" (pavement), nor "الناس" (people) "النفاس" (childbirth).
fn typo_deletions(word: &str) -> impl Iterator<Item = String> + '_ {
    let arabic = word.chars().next().is_some_and(is_arabic);
    let chars: Vec<char> = word.chars().collect();
    deletions(word)
        .enumerate()
        .filter(move |(k, _)| !arabic || matches!(chars[*k], 'ا' | 'و' | 'ي' | 'ء' | 'ه'))
        .map(|(_, d)| d)
}

fn deletions(word: &str) -> impl Iterator<Item = String> + '_ {
    let chars: Vec<char> = word.chars().collect();
    (0..chars.len()).map(move |i| {
        chars
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, c)| *c)
            .collect()
    })
}

/// Whether a comparison key's Latin words may be Darija (arabizi): some word has digits
/// ("tri9") or is a Darija word that French does not have ("dyal", "bzaf"), or no word is
/// one of French's own ("de", "pour", "les").
pub fn may_be_darija(words: &[&str]) -> bool {
    const DARIJA: &[&str] = &[
        "dyal",
        "dial",
        "diyal",
        "bzaf",
        "bzzaf",
        "kayn",
        "kayna",
        "kaynin",
        "kaynch",
        "kaynach",
        "makaynch",
        "makaynach",
        "khassna",
        "khasna",
        "khas",
        "bghina",
        "walo",
        "chi",
        "hna",
        "bach",
        "wach",
        "ghir",
        "daba",
        "kolchi",
        "f",
        "fi",
        "w",
        "ma",
        "mn",
        "had",
        "hadi",
        "lina",
        "3la",
        "m3a",
        "7ta",
    ];
    const FRENCH: &[&str] = &[
        "de", "des", "du", "les", "le", "pour", "et", "au", "aux", "dans", "sur", "avec", "sans",
        "par", "pas", "une", "un", "est", "sont", "qui", "que", "ne", "ou", "en", "plus", "tres",
        "nos", "notre", "leur", "leurs", "ces", "cette", "son", "ses", "pendant", "entre",
    ];
    let latin = |w: &&&str| w.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    let arabizi = |w: &&&str| {
        w.chars().any(|c| c.is_ascii_digit()) && w.chars().any(|c| c.is_ascii_alphabetic())
    };
    if words
        .iter()
        .filter(latin)
        .any(|w| arabizi(&w) || DARIJA.contains(w))
    {
        return true;
    }
    !words.iter().filter(latin).any(|w| FRENCH.contains(w))
}

/// How a word of a proposal was read.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    Stop,
    Concepts(Vec<u32>),
    /// A word of no concept, as the key it is compared by.
    Word(String),
}

impl Lexicon {
    pub fn parse(text: &str) -> Lexicon {
        let mut lex = Lexicon {
            stop: HashSet::new(),
            words: HashMap::new(),
            phrases: HashMap::new(),
            fuzzy: HashMap::new(),
            skeletons: HashMap::new(),
            latin_skeletons: HashMap::new(),
            concepts: Vec::new(),
        };
        let mut stems: Vec<(String, u32)> = Vec::new();
        for line in text.lines() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.len() < 3 || cols[0] == "concept" {
                continue;
            }
            let column = |k: usize| {
                cols.get(k)
                    .into_iter()
                    .flat_map(|c| c.split(','))
                    .map(normalize)
                    .filter(|w| !w.is_empty())
            };
            let scope = match cols[1].trim() {
                "stop" => {
                    lex.stop.extend((2..cols.len()).flat_map(column));
                    continue;
                }
                "service" => Scope::Service,
                "work" => Scope::Work,
                "facility" => Scope::Facility,
                _ => Scope::Context,
            };
            let id = lex.concepts.len() as u32;
            lex.concepts.push(Concept {
                name: cols[0].trim().to_string(),
                scope,
            });
            for k in 2..cols.len() {
                // Column 4: Darija in Latin letters.
                lex.add_words(id, column(k), &mut stems, k == 4);
            }
        }
        // A word as written wins over another's stem: "خزان" (tank) is not "خزانة" (library)
        // stemmed, "مكتب" (office) is not "مكتبة" (library).
        for (st, id) in stems {
            lex.words.entry(st).or_insert(id);
        }
        // Longest phrases first, so the longest one matches.
        for list in lex.phrases.values_mut() {
            list.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.1.cmp(&b.1)));
        }
        lex
    }

    fn add_words(
        &mut self,
        id: u32,
        words: impl Iterator<Item = String>,
        stems: &mut Vec<(String, u32)>,
        latin_darija: bool,
    ) {
        for w in words {
            if w.contains(' ') {
                // Compared by their stems, so "لنقل المرضى" and "نقل المريض" meet.
                let tokens: Vec<String> = w.split(' ').map(stem).collect();
                self.phrases
                    .entry(tokens[0].clone())
                    .or_default()
                    .push((tokens, id));
                continue;
            }
            self.words.entry(w.clone()).or_insert(id);
            stems.push((stem(&w), id));
            if w.chars().count() >= 4 {
                for d in typo_deletions(&w) {
                    claim(&mut self.fuzzy, d, id);
                }
            }
            let sk = any_skeleton(&w);
            if sk.chars().count() >= 3 {
                if latin_darija && !w.chars().next().is_some_and(is_arabic) {
                    claim(&mut self.latin_skeletons, sk.clone(), id);
                }
                claim(&mut self.skeletons, sk, id);
            }
        }
    }

    /// Adds words the office says mean the same: joined to the concept one of them already
    /// reads as (the lexicon's knowledge stays), or a new concept named by the first word.
    /// The office's word wins over the lexicon's for that word, stop words included.
    pub fn add_group(&mut self, typed: &[String], scope: Scope) {
        let words: Vec<String> = typed
            .iter()
            .map(|w| normalize(w))
            .filter(|w| !w.is_empty())
            .collect();
        // Shown in a suggestion's reason as the office typed it.
        let Some(first) = typed
            .iter()
            .map(|w| w.trim())
            .find(|w| !normalize(w).is_empty())
        else {
            return;
        };
        let id = match words
            .iter()
            .filter(|w| !w.contains(' '))
            .find_map(|w| self.exact(w))
        {
            Some(id) => id,
            None => {
                self.concepts.push(Concept {
                    name: first.to_string(),
                    scope,
                });
                (self.concepts.len() - 1) as u32
            }
        };
        for w in words.iter().filter(|w| !w.contains(' ')) {
            self.stop.remove(w);
            self.words.insert(w.clone(), id);
        }
        let mut stems = Vec::new();
        // The office types its words as people do: a Latin one may be read by its skeleton.
        self.add_words(id, words.into_iter(), &mut stems, true);
        for (st, id) in stems {
            self.words.entry(st).or_insert(id);
        }
        for list in self.phrases.values_mut() {
            list.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.1.cmp(&b.1)));
        }
    }

    pub fn is_stop(&self, w: &str) -> bool {
        self.stop.contains(w)
    }

    /// Whether the lexicon has the word as written (a stop word or a concept's word, with its
    /// stem or a one-letter preposition), not through any tolerance.
    pub fn is_known(&self, w: &str) -> bool {
        self.as_written(w).is_some()
    }

    /// The word's reading as the lexicon writes it, before any tolerance: a stop word or a
    /// concept's word, as written, by its stem, or after a one-letter preposition or article.
    fn as_written(&self, w: &str) -> Option<Reading> {
        if self.stop.contains(w) {
            return Some(Reading::Stop);
        }
        if let Some(c) = self.exact(w) {
            return Some(Reading::Concepts(vec![c]));
        }
        if self.stop.contains(&stem(w)) {
            return Some(Reading::Stop);
        }
        let chars: Vec<char> = w.chars().collect();
        let n = chars.len();
        let arabic = chars.first().is_some_and(|c| is_arabic(*c));
        let prefixes: &[char] = if arabic { ARABIC_PREFIXES } else { &['l', 'd'] };
        if n >= 4 && prefixes.contains(&chars[0]) {
            let rest: String = chars[1..].iter().collect();
            if self.stop.contains(&rest) {
                return Some(Reading::Stop);
            }
            if let Some(c) = self.exact(&rest).filter(|_| n >= 5) {
                return Some(Reading::Concepts(vec![c]));
            }
        }
        None
    }

    pub fn exact(&self, w: &str) -> Option<u32> {
        self.words
            .get(w)
            .or_else(|| self.words.get(&stem(w)))
            .copied()
    }

    /// The phrase of the lexicon that starts at `tokens[0]`, if any: (its length, concept).
    pub fn phrase_at(&self, tokens: &[&str]) -> Option<(usize, u32)> {
        let first = stem(tokens[0]);
        // The first word may carry a one-letter preposition ("لنقل").
        let bare: Option<String> = {
            let mut chars = tokens[0].chars();
            match chars.next() {
                Some(c) if ARABIC_PREFIXES.contains(&c) && tokens[0].chars().count() >= 4 => {
                    Some(stem(chars.as_str()))
                }
                _ => None,
            }
        };
        let lists = [Some(first), bare]
            .into_iter()
            .flatten()
            .filter_map(|f| self.phrases.get(&f));
        for list in lists {
            let found = list.iter().find(|(p, _)| {
                p.len() <= tokens.len()
                    && p[1..]
                        .iter()
                        .zip(&tokens[1..])
                        .all(|(a, b)| a == b || *a == stem(b))
            });
            if let Some((p, c)) = found {
                return Some((p.len(), *c));
            }
        }
        None
    }

    /// What one word of a comparison key says, in a text that may be Darija.
    pub fn read(&self, w: &str) -> Reading {
        self.read_in(w, true)
    }

    /// What one word says. `darija`: the text may be Darija in Latin letters, so a Latin word
    /// without digits may still be arabizi and is looked up by its consonant skeleton too;
    /// in a French text it is not ("public" is not "بوبليك"-anything, "contre" not "كونطور").
    pub fn read_in(&self, w: &str, darija: bool) -> Reading {
        if w.chars().count() < 2 || w.chars().all(|c| c.is_ascii_digit()) {
            return Reading::Stop;
        }
        if let Some(r) = self.as_written(w) {
            return r;
        }
        let s = stem(w);
        let arabic = w.chars().next().is_some_and(is_arabic);
        let chars: Vec<char> = w.chars().collect();
        let n = chars.len();
        // One edit away from a lexicon word.
        if n >= 5 {
            if let Some(Some(c)) = self.fuzzy.get(w) {
                return Reading::Concepts(vec![*c]);
            }
            // A letter typed twice ("قننطرة"), not any extra letter ("التنقل" is not "النقل").
            for (k, d) in deletions(w).enumerate() {
                let doubled = (k > 0 && chars[k - 1] == chars[k])
                    || chars.get(k + 1).is_some_and(|c| *c == chars[k]);
                if doubled && let Some(c) = self.words.get(&d) {
                    return Reading::Concepts(vec![*c]);
                }
            }
        }
        // A letter for another: only for long words ("سيارة" is not "سياحة").
        if n >= 7 {
            // In Arabic, only a long vowel or hamza for another: "الحماده" is not "الحصاده".
            for d in typo_deletions(w) {
                if let Some(Some(c)) = self.fuzzy.get(&d) {
                    return Reading::Concepts(vec![*c]);
                }
            }
        }
        // The skeleton, where arabizi meets Arabic letters.
        let latin_darija = !arabic && w.chars().any(|c| c.is_ascii_digit());
        // Arabic words of a three-letter skeleton are found as written or not at all: "بعد"
        // (after) is not "بعيد" (far).
        let sk = any_skeleton(w);
        if (arabic && sk.chars().count() >= 4) || (!arabic && (latin_darija || (darija && n >= 4)))
        {
            let skeletons = if arabic || latin_darija {
                &self.skeletons
            } else {
                &self.latin_skeletons
            };
            if let Some(Some(c)) = skeletons.get(&sk) {
                return Reading::Concepts(vec![*c]);
            }
            if !arabic && chars[0] == 'l' && n >= 4 {
                let rest: String = chars[1..].iter().collect();
                if let Some(Some(c)) = skeletons.get(&any_skeleton(&rest)) {
                    return Reading::Concepts(vec![*c]);
                }
            }
        }
        // Two words run together.
        if n >= 6 {
            for k in 3..=n - 3 {
                let (a, b): (String, String) =
                    (chars[..k].iter().collect(), chars[k..].iter().collect());
                // A word stuck to a stop word ("إسعافللقطب", "النقلديال").
                let stop = |w: &str| self.stop.contains(w) || self.stop.contains(&stem(w));
                match (self.exact(&a), self.exact(&b)) {
                    (Some(x), Some(y)) => {
                        return Reading::Concepts(if x == y { vec![x] } else { vec![x, y] });
                    }
                    (Some(x), None) if stop(&b) => return Reading::Concepts(vec![x]),
                    (None, Some(y)) if stop(&a) && n - k >= 4 => {
                        return Reading::Concepts(vec![y]);
                    }
                    _ => {}
                }
            }
        }
        // Skeletons of three letters are Arabic roots: جماعة, جمعية and جمع would meet.
        if arabic {
            let sk = skeleton(&s, true);
            Reading::Word(if sk.chars().count() >= 4 {
                format!("~{sk}")
            } else {
                s
            })
        } else if latin_darija {
            let rest = w.strip_prefix('l').filter(|r| r.len() >= 3).unwrap_or(w);
            let sk = skeleton(&to_arabic(rest), true);
            Reading::Word(if sk.chars().count() >= 4 {
                format!("~{sk}")
            } else {
                format!("={w}")
            })
        } else {
            Reading::Word(s)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex() -> Lexicon {
        Lexicon::parse(super::super::LEXICON_TSV)
    }

    fn concept(l: &Lexicon, w: &str) -> Option<String> {
        match l.read(&normalize(w)) {
            Reading::Concepts(c) => Some(l.concepts[c[0] as usize].name.clone()),
            _ => None,
        }
    }

    #[test]
    fn an_office_group_joins_the_lexicons_concept_or_makes_its_own() {
        let mut l = lex();
        assert_eq!(concept(&l, "tighremt"), None);
        l.add_group(&["القصبة".into(), "tighremt".into()], Scope::Service);
        assert_eq!(concept(&l, "tighremt"), Some("القصبة".into()));
        assert_eq!(concept(&l, "القصبة"), concept(&l, "tighremt"));
        // A word of the lexicon brings the new word into its concept.
        let ambulance = concept(&l, "ambulance").unwrap();
        l.add_group(&["ambulance".into(), "sayyara".into()], Scope::Work);
        assert_eq!(concept(&l, "sayyara"), Some(ambulance));
        // The office's word wins over a stop word.
        assert_eq!(l.read("commune"), Reading::Stop);
        l.add_group(&["commune".into(), "جماعة".into()], Scope::Context);
        assert!(concept(&l, "commune").is_some());
    }

    #[test]
    fn arabizi_meets_arabic() {
        let l = lex();
        assert_eq!(concept(&l, "tri9").as_deref(), Some("طريق"));
        assert_eq!(concept(&l, "طريق").as_deref(), Some("طريق"));
        assert_eq!(concept(&l, "9ntra").as_deref(), Some("قنطرة"));
        assert_eq!(concept(&l, "sbitar").as_deref(), Some("مستوصف"));
        assert_eq!(
            skeleton(&to_arabic("sbitar"), true),
            skeleton("سبيطار", true)
        );
        assert_eq!(skeleton(&to_arabic("tri9"), true), skeleton("طريق", true));
    }

    #[test]
    fn typos_run_together_words_and_french_without_accents() {
        let l = lex();
        assert_eq!(concept(&l, "قننطرة").as_deref(), Some("قنطرة"));
        assert_eq!(concept(&l, "lambulance").as_deref(), Some("إسعاف"));
        assert_eq!(concept(&l, "ambulence").as_deref(), Some("إسعاف"));
        assert_eq!(concept(&l, "Électricité").as_deref(), Some("كهرباء"));
        assert_eq!(concept(&l, "electricite").as_deref(), Some("كهرباء"));
        match l.read(&normalize("الطريقالمعبدة")) {
            Reading::Concepts(c) => assert!(!c.is_empty()),
            r => panic!("{r:?}"),
        }
    }

    #[test]
    fn a_regions_crops_read_alike_in_every_script() {
        let l = lex();
        for w in [
            "الصبار",
            "الهندية",
            "lhndiya",
            "cactus",
            "cochenille",
            "أكناري",
        ] {
            assert_eq!(concept(&l, w).as_deref(), Some("صبار"), "{w}");
        }
        for w in ["الضباب", "dbab", "brouillard"] {
            assert_eq!(concept(&l, w).as_deref(), Some("ضباب"), "{w}");
        }
        for w in ["الأركان", "argan", "arganier"] {
            assert_eq!(concept(&l, w).as_deref(), Some("أركان"), "{w}");
        }
    }

    #[test]
    fn office_and_library_are_two_concepts() {
        let l = lex();
        assert_eq!(concept(&l, "مكتبة").as_deref(), Some("مكتبة"));
        assert_eq!(concept(&l, "المكتبة").as_deref(), Some("مكتبة"));
        assert_eq!(concept(&l, "مكتب").as_deref(), Some("إدارة"));
        assert_eq!(concept(&l, "المكتب").as_deref(), Some("إدارة"));
    }

    #[test]
    fn french_words_in_darija_are_not_read_by_arabic_skeletons() {
        let l = lex();
        // "public" is بلك, "nhar" (day) نهر (river): French and Darija words
        // that meet an Arabic word's skeleton by chance.
        for w in ["public", "nhar", "mobile", "situation", "kaynach"] {
            assert!(matches!(l.read_in(w, true), Reading::Word(_)), "{w}");
        }
        // Latin Darija as people type it still meets its lexicon spelling.
        let darija = |w: &str| match l.read_in(w, true) {
            Reading::Concepts(c) => Some(l.concepts[c[0] as usize].name.clone()),
            _ => None,
        };
        assert_eq!(darija("sbitaar").as_deref(), Some("مستوصف"));
        assert_eq!(darija("l9antra").as_deref(), Some("قنطرة"));
        assert_eq!(darija("tri9").as_deref(), Some("طريق"));
    }

    #[test]
    fn latin_place_skeletons_meet() {
        assert_eq!(latin_skeleton("ouled", true), latin_skeleton("oulad", true));
        assert_eq!(
            latin_skeleton("lmlla7a", true),
            latin_skeleton("lmellaha", true)
        );
        assert_eq!(
            latin_skeleton("l9ntra", true),
            latin_skeleton("lkantra", true)
        );
        assert_eq!(latin_skeleton("3in", true), latin_skeleton("ain", true));
        assert_eq!(
            latin_skeleton("tagoudit", true),
            latin_skeleton("taguedit", true)
        );
    }
}
