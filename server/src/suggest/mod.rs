//! Suggestions: groups of proposals that say the same thing, across spellings, dialect and
//! script, ranked by confidence. Pure computation (no SQL): the consolidation module feeds it
//! the proposals and turns its groups into `Suggestion`s.
//!
//! How two proposals are compared:
//! 1. Their text (problem and solution) is reduced to *terms*: the comparison key
//!    (`shared::text::normalize`: tatweel, harakat, hamza, keheh… folded), split into words,
//!    stop words dropped, light stemming (Arabic article and attached prepositions, plural and
//!    feminine endings; French plural), then words of one meaning in Arabic, French, Darija or
//!    Tamazight (e.g. "الماء", "الما", "eau", "aman") mapped to one *concept* by a small domain
//!    lexicon (`lexicon.txt`).
//! 2. Text similarity: when both name concepts, 60% from the concepts they share (weighted by
//!    rarity, the mean of weighted Jaccard and overlap) and 40% from the idf cosine of their
//!    other words; otherwise the word cosine alone. Words seen once in the whole set are left
//!    out: they cannot match anything.
//! 3. Place and sector scale it: the same douar keeps it, the same pole lowers it a little,
//!    another pole so much that only near-identical text would pass (a road in one pole and a
//!    road in another are two needs), except for commune-wide concepts (one ambulance, one
//!    market for the whole commune); sectors that disagree lower it.
//!
//! Grouping is leader clustering (see [`suggest`]): each proposal joins the group whose first
//! proposal it is most like, so every member is compared with one reference and groups do not
//! drift through chains of look-alikes. Leaders are found through an inverted index, so the
//! work grows with the number of groups per pole, not with the square of the proposals.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use tachkhis_shared::text::normalize;

/// One proposal as the engine sees it.
#[derive(Debug, Clone)]
pub struct Item {
    /// The comparison key of the problem and the solution (`normalize`d).
    pub text_norm: String,
    pub sector: Option<String>,
    pub pole: String,
    /// The douar it is about, or its session's douars when it names none.
    pub douars: Vec<String>,
}

/// A group of items (indices into the input) thought to say the same thing.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub members: Vec<usize>,
    pub confidence: f32,
    /// Terms most members share, most telling first (for the reason shown to people).
    pub shared_terms: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
pub struct Params {
    /// Smallest score that links two proposals.
    pub threshold: f32,
    /// Place factors: the same douar, the same pole, elsewhere.
    pub same_douar: f32,
    pub same_pole: f32,
    pub elsewhere: f32,
    /// Sector factor when both have a sector and they differ.
    pub other_sector: f32,
    /// Longest list of leaders scanned for a plain word (words that common tell nothing);
    /// concepts are always scanned.
    pub max_postings: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            threshold: 0.38,
            same_douar: 1.0,
            same_pole: 0.85,
            elsewhere: 0.35,
            other_sector: 0.7,
            max_postings: 200,
        }
    }
}

/// The lexicon, as data: stop words, concepts (words of one meaning in every script people
/// write) and the concepts that are the commune's need rather than a douar's. See the file's
/// header for its format.
const LEXICON_TXT: &str = include_str!("lexicon.txt");

/// Share of the text score that comes from concepts, when both proposals have some.
const CONCEPT_SHARE: f32 = 0.6;

fn is_arabic(c: char) -> bool {
    ('\u{0600}'..='\u{06FF}').contains(&c)
}

/// Light stemming of one comparison-key word: the Arabic article with the prepositions that
/// stick to it, plural and feminine endings; the French plural. Keeps at least three letters.
pub fn stem(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    if chars.first().is_some_and(|c| is_arabic(*c)) {
        let mut s: &[char] = &chars;
        for prefix in ["وال", "بال", "كال", "فال", "لل", "ال"] {
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

struct Lexicon {
    stop: HashSet<String>,
    /// stem → concept name
    concepts: HashMap<String, &'static str>,
    /// Concepts whose need is the commune's, not a douar's (one ambulance, one market).
    commune_wide: Vec<&'static str>,
}

/// Reads `lexicon.txt` (a line each: `stop: …`, `concept NAME: …`, `commune-wide: …`).
fn parse_lexicon(text: &'static str) -> Lexicon {
    let mut lex = Lexicon {
        stop: HashSet::new(),
        concepts: HashMap::new(),
        commune_wide: Vec::new(),
    };
    let list = |words: &'static str| words.split(',').map(str::trim).filter(|w| !w.is_empty());
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((head, words)) = line.split_once(':') else {
            continue;
        };
        match head.trim() {
            "stop" => lex.stop.extend(list(words).map(normalize)),
            "commune-wide" => lex.commune_wide.extend(list(words)),
            head => {
                let Some(name) = head.strip_prefix("concept ").map(str::trim) else {
                    continue;
                };
                for w in list(words) {
                    for token in normalize(w).split(' ') {
                        lex.concepts.entry(stem(token)).or_insert(name);
                        lex.concepts.entry(token.to_string()).or_insert(name);
                    }
                }
            }
        }
    }
    lex
}

static LEX: LazyLock<Lexicon> = LazyLock::new(|| parse_lexicon(LEXICON_TXT));

/// The terms of a comparison key: concepts as "#name", other words as their stem. Sorted,
/// without repeats.
pub fn terms(text_norm: &str) -> Vec<String> {
    let mut out: Vec<String> = terms_with_words(text_norm)
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Each term with the word of the text it came from (shown to people instead of a stem), in
/// text order, repeats included.
fn terms_with_words(text_norm: &str) -> Vec<(String, &str)> {
    let lex = &*LEX;
    let mut out = Vec::new();
    for word in text_norm.split(' ') {
        if word.is_empty() || lex.stop.contains(word) || word.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        if word.chars().count() < 2 {
            continue;
        }
        let concept = lex
            .concepts
            .get(word)
            .or_else(|| lex.concepts.get(&stem(word)));
        match concept {
            Some(name) => out.push((format!("#{name}"), word)),
            None => {
                let s = stem(word);
                if !lex.stop.contains(&s) {
                    out.push((s, word));
                }
            }
        }
    }
    out
}

struct Vectors {
    /// per item: (concept term id, idf weight), sorted
    concepts: Vec<Vec<(u32, f32)>>,
    concept_sums: Vec<f32>,
    /// per item: (word term id, idf weight), sorted; words seen once in the whole set are left
    /// out (they cannot match anything, they would only dilute)
    words: Vec<Vec<(u32, f32)>>,
    word_norms: Vec<f32>,
    /// every term of each item (concepts and words, seen once or not), for finding candidates
    all: Vec<Vec<u32>>,
    names: Vec<String>,
    /// what people see for each term: a concept's name, or a word of the text
    shown: Vec<String>,
    is_concept: Vec<bool>,
    commune_wide: Vec<bool>,
}

fn vectorize(items: &[Item]) -> Vectors {
    let mut ids: HashMap<String, u32> = HashMap::new();
    let mut names: Vec<String> = Vec::new();
    let mut shown: Vec<String> = Vec::new();
    let mut all: Vec<Vec<u32>> = Vec::with_capacity(items.len());
    let mut df: Vec<u32> = Vec::new();
    for item in items {
        let mut v: Vec<u32> = terms_with_words(&item.text_norm)
            .into_iter()
            .map(|(t, word)| {
                *ids.entry(t.clone()).or_insert_with(|| {
                    // A concept is shown by its name; a plain term by the first word that gave it.
                    shown.push(match t.strip_prefix('#') {
                        Some(name) => name.to_string(),
                        None => word.to_string(),
                    });
                    names.push(t);
                    df.push(0);
                    (names.len() - 1) as u32
                })
            })
            .collect();
        v.sort_unstable();
        v.dedup();
        for t in &v {
            df[*t as usize] += 1;
        }
        all.push(v);
    }
    let is_concept: Vec<bool> = names.iter().map(|n| n.starts_with('#')).collect();
    let commune_wide: Vec<bool> = names
        .iter()
        .map(|n| {
            LEX.commune_wide
                .iter()
                .any(|c| n.strip_prefix('#') == Some(*c))
        })
        .collect();
    let n = items.len().max(1) as f32;
    let idf: Vec<f32> = df.iter().map(|d| (1.0 + n / *d as f32).ln()).collect();
    let mut concepts = Vec::with_capacity(all.len());
    let mut concept_sums = Vec::with_capacity(all.len());
    let mut words = Vec::with_capacity(all.len());
    let mut word_norms = Vec::with_capacity(all.len());
    for v in &all {
        let c: Vec<(u32, f32)> = v
            .iter()
            .filter(|t| is_concept[**t as usize])
            .map(|t| (*t, idf[*t as usize]))
            .collect();
        concept_sums.push(c.iter().map(|(_, w)| w).sum());
        concepts.push(c);
        let w: Vec<(u32, f32)> = v
            .iter()
            .filter(|t| !is_concept[**t as usize] && df[**t as usize] > 1)
            .map(|t| (*t, idf[*t as usize]))
            .collect();
        word_norms.push(w.iter().map(|(_, x)| x * x).sum::<f32>().sqrt());
        words.push(w);
    }
    Vectors {
        concepts,
        concept_sums,
        words,
        word_norms,
        all,
        names,
        shown,
        is_concept,
        commune_wide,
    }
}

/// Walks two sorted weighted lists; calls `shared` with both weights of each common term.
fn intersect(x: &[(u32, f32)], y: &[(u32, f32)], mut shared: impl FnMut(u32, f32, f32)) {
    let (mut i, mut j) = (0, 0);
    while i < x.len() && j < y.len() {
        match x[i].0.cmp(&y[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared(x[i].0, x[i].1, y[j].1);
                i += 1;
                j += 1;
            }
        }
    }
}

/// How alike two items are, from 0 to 1 (text, place and sector).
fn pair_score(items: &[Item], p: &Params, v: &Vectors, a: usize, b: usize) -> f32 {
    let mut dot = 0.0f32;
    intersect(&v.words[a], &v.words[b], |_, x, y| dot += x * y);
    let norms = v.word_norms[a] * v.word_norms[b];
    let words = if norms > 0.0 { dot / norms } else { 0.0 };
    let (mut shared, mut shared_any, mut all_commune_wide) = (0.0f32, false, true);
    intersect(&v.concepts[a], &v.concepts[b], |t, w, _| {
        shared += w;
        shared_any = true;
        all_commune_wide &= v.commune_wide[t as usize];
    });
    let (sa, sb) = (v.concept_sums[a], v.concept_sums[b]);
    let text = if sa <= 0.0 || sb <= 0.0 {
        words
    } else {
        // Weighted by rarity: sharing "ambulance" says more than sharing "health". Jaccard
        // punishes a proposal that names more things (water, a well, a tank); the overlap
        // coefficient does not; their mean sits between.
        let jaccard = shared / (sa + sb - shared);
        let overlap = shared / sa.min(sb);
        CONCEPT_SHARE * (jaccard + overlap) / 2.0 + (1.0 - CONCEPT_SHARE) * words
    };
    let (x, y) = (&items[a], &items[b]);
    let commune_wide = shared_any && all_commune_wide;
    let place = if commune_wide || x.douars.iter().any(|d| y.douars.contains(d)) {
        p.same_douar
    } else if x.pole == y.pole {
        p.same_pole
    } else {
        p.elsewhere
    };
    let sector = match (&x.sector, &y.sector) {
        (Some(s), Some(t)) if s != t => p.other_sector,
        _ => 1.0,
    };
    text * place * sector
}

struct Building {
    leader: u32,
    members: Vec<usize>,
    score_sum: f32,
}

/// Groups of at least two items, best first. Leader clustering: each item joins the group
/// whose first item (its leader) it is most like, if that reaches the threshold, or starts a
/// group. Every member is compared with its leader, so groups do not drift the way chains of
/// pairwise links do. Leaders are found through an index by (term, pole), and by term alone
/// for commune-wide concepts. `rejected` holds pairs (lower index first) a person said are not
/// alike: they never join each other.
pub fn suggest(items: &[Item], rejected: &HashSet<(usize, usize)>, p: &Params) -> Vec<Group> {
    const COMMUNE: u32 = u32::MAX;
    let v = vectorize(items);
    let mut poles: HashMap<&str, u32> = HashMap::new();
    let pole_of: Vec<u32> = items
        .iter()
        .map(|item| {
            let next = poles.len() as u32;
            *poles.entry(item.pole.as_str()).or_insert(next)
        })
        .collect();
    let mut leaders: HashMap<(u32, u32), Vec<u32>> = HashMap::new();
    let mut groups: Vec<Building> = Vec::new();
    let mut seen: Vec<u32> = Vec::new();
    for (i, &pole) in pole_of.iter().enumerate() {
        let mut best: Option<(f32, u32)> = None;
        for &t in &v.all[i] {
            for key in [(t, pole), (t, COMMUNE)] {
                let Some(list) = leaders.get(&key) else {
                    continue;
                };
                if list.len() > p.max_postings && !v.is_concept[t as usize] {
                    continue;
                }
                for &g in list {
                    if seen[g as usize] == i as u32 {
                        continue;
                    }
                    seen[g as usize] = i as u32;
                    let leader = groups[g as usize].leader as usize;
                    if rejected.contains(&(leader.min(i), leader.max(i))) {
                        continue;
                    }
                    let s = pair_score(items, p, &v, leader, i);
                    if s >= p.threshold && best.is_none_or(|(b, _)| s > b) {
                        best = Some((s, g));
                    }
                }
            }
        }
        match best {
            Some((s, g)) => {
                let group = &mut groups[g as usize];
                group.members.push(i);
                group.score_sum += s;
            }
            None => {
                let g = groups.len() as u32;
                groups.push(Building {
                    leader: i as u32,
                    members: vec![i],
                    score_sum: 0.0,
                });
                seen.push(u32::MAX);
                for &t in &v.all[i] {
                    leaders.entry((t, pole)).or_default().push(g);
                    if v.commune_wide[t as usize] {
                        leaders.entry((t, COMMUNE)).or_default().push(g);
                    }
                }
            }
        }
    }
    let mut out: Vec<Group> = groups
        .into_iter()
        .filter(|g| g.members.len() >= 2)
        .map(|g| Group {
            confidence: (g.score_sum / (g.members.len() - 1) as f32).min(1.0),
            shared_terms: shared_terms(&v, &g.members),
            members: g.members,
        })
        .collect();
    out.sort_by(|a, b| {
        b.confidence
            .total_cmp(&a.confidence)
            .then(b.members.len().cmp(&a.members.len()))
            .then(a.members[0].cmp(&b.members[0]))
    });
    out
}

/// Terms held by at least half the members, heaviest first, at most six; concepts are shown
/// by their Arabic name.
fn shared_terms(v: &Vectors, members: &[usize]) -> Vec<String> {
    let mut counts: HashMap<u32, (usize, f32)> = HashMap::new();
    for m in members {
        for t in &v.all[*m] {
            let e = counts
                .entry(*t)
                .or_insert((0, v.names[*t as usize].starts_with('#') as u8 as f32));
            e.0 += 1;
        }
    }
    let mut shared: Vec<(u32, usize, f32)> = counts
        .into_iter()
        .filter(|(_, (n, _))| n * 2 >= members.len())
        .map(|(t, (n, w))| (t, n, w))
        .collect();
    shared.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.total_cmp(&a.2)).then(a.0.cmp(&b.0)));
    shared
        .into_iter()
        .take(6)
        .map(|(t, _, _)| v.shown[t as usize].clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every concept, stop word and commune-wide concept of the file is read.
    #[test]
    fn the_lexicon_file_reads_whole() {
        let lex = parse_lexicon(LEXICON_TXT);
        let names: HashSet<&str> = lex.concepts.values().copied().collect();
        let declared = LEXICON_TXT
            .lines()
            .filter(|l| l.starts_with("concept "))
            .count();
        assert_eq!(names.len(), declared);
        assert_eq!(lex.commune_wide.len(), 4);
        for c in &lex.commune_wide {
            assert!(names.contains(c), "{c} is not a concept");
        }
        assert!(lex.stop.contains(&normalize("في")));
        assert!(lex.stop.contains(&normalize("ديال")));
        assert_eq!(
            lex.concepts.get(&stem(&normalize("ambulance"))),
            Some(&"إسعاف")
        );
        assert_eq!(lex.concepts.get(&normalize("ⴰⵎⴰⵏ")), Some(&"الماء"));
    }

    fn item(text: &str, sector: Option<&str>, pole: &str, douar: &str) -> Item {
        Item {
            text_norm: normalize(text),
            sector: sector.map(String::from),
            pole: pole.into(),
            douars: vec![douar.into()],
        }
    }

    #[test]
    fn spelling_variants_give_the_same_terms() {
        let a = terms(&normalize("إصلاح الطريـــق المؤدية إلى المدرسة"));
        let b = terms(&normalize("اصلاح الطريق المؤديه الى المدرسه"));
        assert_eq!(a, b);
        assert!(a.contains(&"#طريق".to_string()), "{a:?}");
        assert!(a.contains(&"#مدرسة".to_string()), "{a:?}");
    }

    #[test]
    fn french_and_arabic_words_meet_in_concepts() {
        let ar = terms(&normalize("الربط بشبكة الماء الصالح للشرب"));
        let fr = terms(&normalize("Raccordement au réseau d'eau potable"));
        assert!(ar.contains(&"#الماء".to_string()) && fr.contains(&"#الماء".to_string()));
    }

    #[test]
    fn alike_proposals_group_and_others_stay_apart() {
        let items = vec![
            item("بناء مستوصف بالدوار", Some("health"), "p1", "d1"),
            item("بناء مستوصف في الدوار", Some("health"), "p1", "d1"),
            item("Construction d'un dispensaire", Some("health"), "p1", "d1"),
            item(
                "تعبيد الطريق الرابطة بين الدوار والمركز",
                Some("roads"),
                "p1",
                "d1",
            ),
            item("ملعب لكرة القدم للشباب", Some("youth_sports"), "p2", "d5"),
        ];
        let groups = suggest(&items, &HashSet::new(), &Params::default());
        assert_eq!(groups.len(), 1, "{groups:?}");
        let mut m = groups[0].members.clone();
        m.sort();
        assert_eq!(m, vec![0, 1, 2]);
        assert!(groups[0].confidence > 0.38 && groups[0].confidence <= 1.0);
        assert!(groups[0].shared_terms.contains(&"صحة".to_string()));
    }

    #[test]
    fn a_rejected_pair_is_not_linked() {
        let items = vec![
            item("بناء مستوصف", Some("health"), "p1", "d1"),
            item("بناء مستوصف", Some("health"), "p1", "d1"),
        ];
        let mut rejected = HashSet::new();
        rejected.insert((0, 1));
        assert!(suggest(&items, &rejected, &Params::default()).is_empty());
    }

    #[test]
    fn stemming_keeps_short_words() {
        assert_eq!(stem("الماء"), "ماء");
        assert_eq!(stem("الما"), "الما");
        assert_eq!(stem("المدارس"), "مدارس");
        assert_eq!(stem("routes"), "route");
        assert_eq!(stem("bus"), "bus");
    }
}
