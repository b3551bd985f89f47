//! Suggestions: groups of proposals that express the same need, across spellings, dialect,
//! script and poles, ranked by confidence. Pure computation (no SQL): the consolidation
//! module feeds it the proposals and the territory's names, and turns its groups into
//! `Suggestion`s.
//!
//! How a proposal is read ([`words`], [`places`]): its comparison key is split in words; the
//! places it names (the territory's douars and named places, any spelling or script) are
//! found first; the other words become concepts of the lexicon (`lexicon.tsv`, words of one
//! meaning in Arabic, Darija in both scripts and French: "إسعاف", "lambulance", "لانبيلانص"),
//! or stay words compared by their skeleton (Arabic letters, arabizi transliterated) or stem
//! (French). Each proposal is then a vector: concepts, pairs of concepts (school + transport
//! is school transport, not a school), places and words, weighted by rarity (idf), unit length.
//!
//! How two are compared: the cosine of their vectors, scaled by place and sector. What place
//! means depends on what they share. A shared *service* concept (an ambulance, school
//! transport, a doctor) is one need for the whole commune: place does not matter. Otherwise
//! they are works in a place: when both name places and no place is common (or a douar of one
//! is where the other's place is), they are two needs (the road to one douar and the road to
//! another); when only one or neither names a place, the douar the facilitator picked and the
//! session's pole are weak evidence only.
//!
//! How they are grouped ([`pairs`]): the score alone does not say what sharing means (two
//! proposals that share "transport" are often two needs, two that share "ambulance" one), so
//! a model fitted on labelled sets turns the figures of each pair of proposals that share a
//! term into the probability that they are one need, and average linkage joins the groups
//! whose pairs are alike on average. A batch larger than any commune's diagnosis
//! (`Params::pair_items`) is grouped by the centroid pass instead: each proposal joins the
//! group whose centroid (the sum of its members' vectors) it is most like, if that reaches
//! the threshold, or starts one; then every proposal is taken out and put back where it fits
//! best, twice; groups are found through an index of their terms, so the work grows with
//! the groups a proposal shares a term with, not with the square of the proposals.
//!
//! Grouping is deterministic: proposals are taken in the order of their content (text,
//! sector, pole, douars), never of their ids or of the input, and every tie is broken by that
//! order.

pub mod pairs;
pub mod places;
pub mod relate;
pub mod words;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::LazyLock;

pub use places::{PlaceName, Places};
pub use words::{Lexicon, Scope, stem};

/// One proposal as the engine sees it.
#[derive(Debug, Clone)]
pub struct Item {
    /// The comparison key of the problem and the solution (`normalize`d).
    pub text_norm: String,
    pub sector: Option<String>,
    pub pole: String,
    /// The douar it is about, or its session's douars when it names none.
    pub douars: Vec<String>,
    /// The need the office put it in, if any: a fact the groups keep (two proposals of one
    /// need stay together, of two needs apart).
    pub need: Option<i64>,
}

/// A group of items (indices into the input) thought to say the same thing.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub members: Vec<usize>,
    pub confidence: f32,
    /// What most members share, for the reason shown to people: the places they name (by
    /// their name), then concepts (by their name) and words (as written), most telling first.
    pub shared_terms: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
pub struct Params {
    /// Smallest score that puts a proposal in a group.
    pub threshold: f32,
    /// Both name places, none in common: two works in two places.
    pub place_conflict: f32,
    /// One names a place, the other's douar is not there.
    pub one_named: f32,
    /// Neither names a place: other douars of the same pole, or elsewhere.
    pub same_pole: f32,
    pub elsewhere: f32,
    /// Smallest centroid cosine that merges two groups.
    pub merge: f32,
    /// Smallest average probability (of their pairs being one need, read by the second
    /// model) that joins two groups when one of them is a proposal alone (or a need of the
    /// office).
    pub link: f32,
    /// The same when the smaller group has 2 or 3 proposals, and when it has 4 or more.
    /// Between two large groups an average is no longer a few chance links but many, and
    /// on the labelled sets, with the first model's probabilities (`first_link`), two large
    /// groups of related needs (the water network and the tank, the cooperative and its
    /// training) reached 0.3 more often than two halves of one need: merges of groups of 4
    /// or more between 0.3 and 0.4 were 9% right, a proposal joining a small group between
    /// 0.22 and 0.3 was 60% right. The second model's bars are the first's times 1.35,
    /// chosen on the spent sets.
    pub link_small: f32,
    pub link_large: f32,
    /// The three bars (`link`, `link_small`, `link_large`) when the first model alone reads
    /// the pairs: its probabilities are less sure than the second's, so its bars are lower.
    pub first_link: [f32; 3],
    /// Smallest batch read by the second model ([`pairs::NEIGHBOURHOOD`]). Its figures depend
    /// on how many proposals surround a pair: fitted on whole communes (400-450 proposals),
    /// on 300 proposals drawn from spent sets it grouped worse than the first model alone
    /// (F1 0.816 against 0.819), and on 50 far worse (0.651 against 0.740), where two
    /// proposals whose fellows are not there yet look like each other's best match.
    pub neighbourhood_items: usize,
    /// After the linkage, a member whose average probability with the rest of its group is
    /// below `leave` leaves it, and one whose average with another group is above its own
    /// by `move_by` (and reaches the bar to join it) moves there; twice.
    pub leave: f32,
    pub move_by: f32,
    /// Two proposals that share no term are weighed by the pair model when they hold two
    /// terms whose log-odds in the association table reach this (infinite: never).
    pub assoc_link: f32,
    /// Largest batch grouped by the pair model and linkage; a larger one (more than any
    /// commune's diagnosis) is grouped by the centroid pass alone.
    pub pair_items: usize,
    /// Both name what they need, and nothing of it is common.
    pub topic_conflict: f32,
    /// Sector factor when both have a sector and they differ (facilitators pick a debatable
    /// sector about one time in twelve).
    pub other_sector: f32,
    /// Longest list of groups scanned for a plain word (words that common tell nothing);
    /// concepts and places are always scanned.
    pub max_postings: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            threshold: 0.35,
            place_conflict: 0.3,
            one_named: 0.6,
            same_pole: 0.35,
            elsewhere: 0.3,
            other_sector: 0.6,
            topic_conflict: 0.5,
            merge: 0.5,
            link: 0.30,
            link_small: 0.36,
            link_large: 0.61,
            first_link: [0.22, 0.27, 0.45],
            neighbourhood_items: 400,
            leave: 0.15,
            move_by: 0.1,
            assoc_link: 3.0,
            pair_items: 3000,
            max_postings: 300,
        }
    }
}

impl Params {
    /// The defaults, with `TACHKHIS_SUGGEST_PARAMS="threshold=0.35,merge=0.45"` applied (to
    /// try other values on the labelled sets without rebuilding; unknown names are ignored).
    pub fn tuned() -> Params {
        let mut p = Params::default();
        let Ok(spec) = std::env::var("TACHKHIS_SUGGEST_PARAMS") else {
            return p;
        };
        for (k, v) in spec.split(',').filter_map(|kv| kv.split_once('=')) {
            let Ok(v) = v.trim().parse::<f32>() else {
                continue;
            };
            match k.trim() {
                "threshold" => p.threshold = v,
                "place_conflict" => p.place_conflict = v,
                "one_named" => p.one_named = v,
                "same_pole" => p.same_pole = v,
                "elsewhere" => p.elsewhere = v,
                "merge" => p.merge = v,
                "link" => p.link = v,
                "link_small" => p.link_small = v,
                "link_large" => p.link_large = v,
                "first_link" => p.first_link[0] = v,
                "first_link_small" => p.first_link[1] = v,
                "first_link_large" => p.first_link[2] = v,
                "neighbourhood_items" => p.neighbourhood_items = v as usize,
                "leave" => p.leave = v,
                "move_by" => p.move_by = v,
                "assoc_link" => p.assoc_link = v,
                "pair_items" => p.pair_items = v as usize,
                "topic_conflict" => p.topic_conflict = v,
                "other_sector" => p.other_sector = v,
                _ => {}
            }
        }
        p
    }
}

/// The lexicon file, in the repository: the engine's knowledge of words, as data.
pub const LEXICON_TSV: &str = include_str!("lexicon.tsv");

/// `TACHKHIS_LEXICON=<file>` reads another lexicon file instead of the built-in one (to try
/// a lexicon on the labelled sets without rebuilding); unreadable, the built-in one is used.
static LEX: LazyLock<Lexicon> =
    LazyLock::new(|| Lexicon::parse(&built_in_or("TACHKHIS_LEXICON", LEXICON_TSV)));

/// The text of the file the environment variable `var` names, or `built_in` (a file of the
/// repository) when it names none or it cannot be read: to try another lexicon or model on
/// the labelled sets without rebuilding.
fn built_in_or(var: &str, built_in: &str) -> String {
    match std::env::var_os(var).map(std::fs::read_to_string) {
        Some(Ok(text)) => text,
        Some(Err(e)) => {
            tracing::warn!("{var} unreadable ({e}): the built-in file is used");
            built_in.to_string()
        }
        None => built_in.to_string(),
    }
}

/// The lexicon file as read, to extend with the office's own synonyms.
pub fn lexicon() -> &'static Lexicon {
    &LEX
}

/// Base weights of the kinds of term (times their idf).
const W_CONCEPT: f32 = 1.6;
const W_CONTEXT: f32 = 0.5;
const W_PAIR: f32 = 1.0;
const W_PLACE: f32 = 1.2;
const W_WORD: f32 = 1.0;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Concept(Scope),
    Pair,
    Place,
    Word,
}

impl Kind {
    /// A concept that says what is needed (not who or where).
    fn is_need(self) -> bool {
        matches!(
            self,
            Kind::Concept(Scope::Service | Scope::Work | Scope::Facility)
        )
    }
}

/// Scales a sparse vector to unit length (an empty or zero one stays as it is).
fn unit(v: &mut [(u32, f32)]) {
    let norm = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, w) in v {
            *w /= norm;
        }
    }
}

/// Everything the engine knows of the items, in content order.
struct Prepared {
    /// Item indices in content order.
    order: Vec<usize>,
    /// Per item: (term, weight), unit length, sorted by term.
    vecs: Vec<Vec<(u32, f32)>>,
    /// Per item: the places it names, sorted.
    places: Vec<Vec<u32>>,
    douars: Vec<Vec<u32>>,
    poles: Vec<u32>,
    /// Per item: whether it names a concept that is a need (not context).
    strong: Vec<bool>,
    kinds: Vec<Kind>,
    shown: Vec<String>,
    /// Per place of the territory: its douars, numbered like `douars`.
    place_douars: Vec<Vec<u32>>,
    /// Per item: its character trigrams ([`pairs::trigrams`]), when the pair model is used.
    trigrams: Vec<Vec<(u32, f32)>>,
    /// Per item: its concepts and words as the association table knows them (sorted), and
    /// how many concepts and words it has in all ([`pairs::Assoc`]).
    assoc: Vec<Vec<u32>>,
    assoc_n: Vec<u32>,
    /// Per term: its key in the association table (`c:<concept>` or `w:<word>`).
    assoc_keys: Vec<Option<String>>,
    /// Per item: every term it holds, even one no other item has.
    terms: Vec<Vec<u32>>,
}

impl Prepared {
    /// An item's concepts and words, keyed as in the association table.
    fn raw_keys(&self, i: usize) -> impl Iterator<Item = &str> {
        self.terms[i]
            .iter()
            .filter_map(|t| self.assoc_keys.get(*t as usize)?.as_deref())
    }
}

/// How each word was read, kept from one proposal to the next.
#[derive(Default)]
struct Cache {
    words: HashMap<String, words::Reading>,
    /// The same, for Latin words read in a French text (no arabizi skeleton).
    french: HashMap<String, words::Reading>,
    places: HashMap<String, places::WordKeys>,
}

impl Cache {
    fn reading(&mut self, lex: &Lexicon, w: &str, darija: bool) -> &words::Reading {
        let map = if darija {
            &mut self.words
        } else {
            &mut self.french
        };
        if !map.contains_key(w) {
            map.insert(w.to_string(), lex.read_in(w, darija));
        }
        &map[w]
    }
}

/// The terms of one comparison key: (key, shown, kind), repeats included.
fn read_terms(
    lex: &Lexicon,
    places: &Places,
    text_norm: &str,
    named: &mut Vec<u32>,
    cache: &mut Cache,
) -> Vec<(String, String, Kind)> {
    let words: Vec<&str> = text_norm.split(' ').filter(|w| !w.is_empty()).collect();
    let darija = words::may_be_darija(&words);
    let mut out = Vec::new();
    // Each word of a proper name: whether the name is a douar's.
    let mut in_place: Vec<Option<bool>> = vec![None; words.len()];
    let found = places.find(&words, &mut cache.places);
    // A name made of common words only ("السبيطار" for the health centre, "البير" for the
    // well) is the place when nothing else is named; beside a real name ("السبيطار ديال
    // امزري") it is only a word. Common means the lexicon has each word as written: a douar
    // "الملاحه" that is one letter from "الملوحة" (salinity) is a proper name.
    // Only read when a name is found (most proposals name none).
    let mut known: Vec<bool> = Vec::new();
    if !found.is_empty() {
        known = words.iter().map(|w| lex.is_known(w)).collect();
        for i in 0..words.len() {
            // "لدار الشباب": a phrase of the lexicon, its first word with a preposition.
            if let Some((n, _)) = lex.phrase_at(&words[i..]) {
                known[i..i + n].iter_mut().for_each(|k| *k = true);
            }
        }
    }
    let common = |range: &std::ops::Range<usize>| known[range.clone()].iter().all(|k| *k);
    let flags: Vec<bool> = found.iter().map(|(_, r)| common(r)).collect();
    let any_proper = flags.iter().any(|c| !c);
    for ((p, range), is_common) in found.into_iter().zip(flags) {
        if is_common && any_proper {
            continue;
        }
        let place = &places.list[p as usize];
        out.push((format!("@{p}"), place.shown.clone(), Kind::Place));
        named.push(p);
        if !is_common {
            let douar = !place.id.starts_with("place:");
            for i in range {
                in_place[i] = Some(douar);
            }
        }
    }
    let mut concepts: Vec<u32> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        // A proper name is the place, not words: a douar's name says nothing of the need
        // ("عين" in "عين الشعير" is no spring); another place's name keeps the words the
        // lexicon has as written ("مدارس" in "مجموعة مدارس الحجر"), not by tolerance.
        match in_place[i] {
            Some(true) => {
                i += 1;
                continue;
            }
            Some(false) if !known[i] => {
                i += 1;
                continue;
            }
            _ => {}
        }
        if let Some((n, c)) = lex.phrase_at(&words[i..]) {
            concepts.push(c);
            i += n;
            continue;
        }
        match cache.reading(lex, words[i], darija) {
            words::Reading::Stop => {}
            words::Reading::Concepts(cs) => concepts.extend(cs),
            words::Reading::Word(k) if in_place[i].is_none() => {
                out.push((k.clone(), words[i].to_string(), Kind::Word))
            }
            words::Reading::Word(_) => {}
        }
        i += 1;
    }
    concepts.sort_unstable();
    concepts.dedup();
    for c in &concepts {
        let concept = &lex.concepts[*c as usize];
        out.push((
            format!("#{c}"),
            concept.name.clone(),
            Kind::Concept(concept.scope),
        ));
    }
    let strong: Vec<u32> = concepts
        .iter()
        .copied()
        .filter(|c| lex.concepts[*c as usize].scope != Scope::Context)
        .take(6)
        .collect();
    for (i, a) in strong.iter().enumerate() {
        for b in &strong[i + 1..] {
            out.push((format!("#{a}+{b}"), String::new(), Kind::Pair));
        }
    }
    named.sort_unstable();
    named.dedup();
    out
}

/// `by_pairs`: the pair model will weigh the pairs, so the association table is read.
fn prepare(
    items: &[Item],
    places: &Places,
    lex: &Lexicon,
    learned: &Learned,
    by_pairs: bool,
) -> Prepared {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|a, b| {
        let (x, y) = (&items[*a], &items[*b]);
        x.text_norm
            .cmp(&y.text_norm)
            .then(x.sector.cmp(&y.sector))
            .then(x.pole.cmp(&y.pole))
            .then(x.douars.cmp(&y.douars))
    });
    let n = items.len();
    let mut ids: HashMap<String, u32> = HashMap::new();
    let mut kinds = Vec::new();
    let mut shown = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    let mut df: Vec<u32> = Vec::new();
    let mut raw: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut named: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut douar_ids: HashMap<&str, u32> = HashMap::new();
    let mut pole_ids: HashMap<&str, u32> = HashMap::new();
    let mut douars: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut poles: Vec<u32> = vec![0; n];
    let mut cache = Cache::default();
    let bridges = learned.bridges();
    for &i in &order {
        let item = &items[i];
        let mut terms = read_terms(lex, places, &item.text_norm, &mut named[i], &mut cache);
        if !bridges.is_empty() {
            // A learned pair reads as one concept: each side also holds the other's.
            let extra: Vec<(String, String, Kind)> = terms
                .iter()
                .filter_map(|(k, ..)| bridges.get(k))
                .flatten()
                .filter(|other| !terms.iter().any(|(k, ..)| k == *other))
                .filter_map(|other| {
                    let c = other[1..].parse::<usize>().ok()?;
                    let concept = lex.concepts.get(c)?;
                    Some((
                        other.clone(),
                        concept.name.clone(),
                        Kind::Concept(concept.scope),
                    ))
                })
                .collect();
            terms.extend(extra);
        }
        let mut v: Vec<u32> = terms
            .into_iter()
            .map(|(key, show, kind)| {
                let next = ids.len() as u32;
                *ids.entry(key).or_insert_with_key(|key| {
                    keys.push(key.clone());
                    kinds.push(match kind {
                        Kind::Concept(scope) => Kind::Concept(learned.scope(key, scope)),
                        other => other,
                    });
                    shown.push(show);
                    df.push(0);
                    next
                })
            })
            .collect();
        v.sort_unstable();
        v.dedup();
        for t in &v {
            df[*t as usize] += 1;
        }
        raw[i] = v;
        let mut d: Vec<u32> = item
            .douars
            .iter()
            .map(|d| {
                let next = douar_ids.len() as u32;
                *douar_ids.entry(d.as_str()).or_insert(next)
            })
            .collect();
        d.sort_unstable();
        d.dedup();
        douars[i] = d;
        let next = pole_ids.len() as u32;
        poles[i] = *pole_ids.entry(item.pole.as_str()).or_insert(next);
    }
    // The centroid pass of a large batch does not read the table: not even loaded.
    let empty = pairs::Assoc::default();
    let table = if by_pairs { pairs::assoc() } else { &empty };
    let assoc_keys: Vec<Option<String>> = keys
        .iter()
        .filter(|_| by_pairs)
        .zip(&kinds)
        .map(|(key, kind)| match kind {
            Kind::Concept(_) => key
                .strip_prefix('#')
                .and_then(|c| c.parse::<usize>().ok())
                .and_then(|c| lex.concepts.get(c))
                .map(|c| format!("c:{}", c.name)),
            Kind::Word => Some(format!("w:{key}")),
            Kind::Pair | Kind::Place => None,
        })
        .collect();
    // A concept whose scope the office taught otherwise is this commune's own: what other
    // communes say of it does not hold here.
    let assoc_ids: Vec<Option<u32>> = assoc_keys
        .iter()
        .zip(keys.iter().zip(&kinds))
        .map(|(k, (key, kind))| {
            let taught = match kind {
                Kind::Concept(scope) => key
                    .strip_prefix('#')
                    .and_then(|c| c.parse::<usize>().ok())
                    .and_then(|c| lex.concepts.get(c))
                    .is_some_and(|c| c.scope != *scope),
                _ => false,
            };
            k.as_deref()
                .filter(|_| !taught)
                .and_then(|k| table.index(k))
        })
        .collect();
    let assoc_n: Vec<u32> = raw
        .iter()
        .map(|v| {
            v.iter()
                .filter(|t| matches!(assoc_keys.get(**t as usize), Some(Some(_))))
                .count() as u32
        })
        .collect();
    let assoc: Vec<Vec<u32>> = raw
        .iter()
        .map(|v| {
            let mut a: Vec<u32> = v
                .iter()
                .filter_map(|t| assoc_ids.get(*t as usize).copied().flatten())
                .collect();
            a.sort_unstable();
            a.dedup();
            a
        })
        .collect();
    let total = n.max(1) as f32;
    let weight: Vec<f32> = df
        .iter()
        .zip(&kinds)
        .zip(&keys)
        .map(|((d, k), key)| {
            let base = match k {
                Kind::Concept(Scope::Context) => W_CONTEXT,
                Kind::Concept(_) => W_CONCEPT,
                Kind::Pair => W_PAIR,
                Kind::Place => W_PLACE,
                Kind::Word => W_WORD,
            };
            base * (1.0 + total / *d as f32).ln() * learned.factor(key)
        })
        .collect();
    let vecs: Vec<Vec<(u32, f32)>> = raw
        .iter()
        .map(|v| {
            // A term no other proposal has cannot match anything: it would only dilute.
            let mut v: Vec<(u32, f32)> = v
                .iter()
                .filter(|t| df[**t as usize] > 1)
                .map(|t| (*t, weight[*t as usize]))
                .collect();
            unit(&mut v);
            v
        })
        .collect();
    let place_douars = places
        .list
        .iter()
        .map(|place| {
            place
                .douars
                .iter()
                .map(|d| {
                    let next = douar_ids.len() as u32;
                    *douar_ids.entry(d.as_str()).or_insert(next)
                })
                .collect()
        })
        .collect();
    let strong = vecs
        .iter()
        .map(|v: &Vec<(u32, f32)>| v.iter().any(|(t, _)| kinds[*t as usize].is_need()))
        .collect();
    Prepared {
        order,
        strong,
        vecs,
        places: named,
        douars,
        poles,
        kinds,
        shown,
        place_douars,
        trigrams: Vec::new(),
        assoc,
        assoc_n,
        assoc_keys,
        terms: raw,
    }
}

/// What the terms two sides share say, by their kind.
#[derive(Default, Clone, Copy)]
struct Sharing {
    service: bool,
    work: bool,
    facility: bool,
    /// Something else than context (who or where) is shared.
    telling: bool,
}

impl Sharing {
    fn add(&mut self, kind: Kind) {
        match kind {
            Kind::Concept(Scope::Service) => self.service = true,
            Kind::Concept(Scope::Work) => self.work = true,
            Kind::Concept(Scope::Facility) => self.facility = true,
            Kind::Concept(Scope::Context) => return,
            _ => {}
        }
        self.telling = true;
    }
}

/// The other side of a score: a group or one proposal.
struct Side<'s> {
    places: &'s [u32],
    douars: &'s [u32],
    poles: &'s [u32],
    /// It says what it needs (most members do).
    strong: bool,
    sector: Option<&'s String>,
}

/// A group being built: the sum of its members' vectors, and where they are.
#[derive(Default)]
struct Building {
    members: Vec<usize>,
    centroid: HashMap<u32, f32>,
    norm2: f32,
    places: HashMap<u32, u32>,
    douars: HashMap<u32, u32>,
    poles: HashMap<u32, u32>,
    /// The keys of the three counts above.
    place_list: Vec<u32>,
    douar_list: Vec<u32>,
    pole_list: Vec<u32>,
    sectors: HashMap<Option<String>, u32>,
    /// Members that name a concept that is a need.
    strong: u32,
}

fn bump<K: std::hash::Hash + Eq>(map: &mut HashMap<K, u32>, k: K, add: bool) {
    if add {
        *map.entry(k).or_insert(0) += 1;
    } else if let Some(c) = map.get_mut(&k) {
        *c -= 1;
        if *c == 0 {
            map.remove(&k);
        }
    }
}

/// `bump` for a count kept beside the list of its keys (read on every comparison).
fn bump_listed(map: &mut HashMap<u32, u32>, keys: &mut Vec<u32>, k: u32, add: bool) {
    let was = map.contains_key(&k);
    bump(map, k, add);
    match (was, map.contains_key(&k)) {
        (false, true) => keys.push(k),
        (true, false) => keys.retain(|x| *x != k),
        _ => {}
    }
}

impl Building {
    /// The places its members name most (a group is about them; one member that names
    /// another place does not make every place welcome).
    fn main_places(&self) -> Vec<u32> {
        let most = self.places.values().copied().max().unwrap_or(0);
        self.place_list
            .iter()
            .copied()
            .filter(|p| self.places[p] == most)
            .collect()
    }

    fn change(&mut self, p: &Prepared, items: &[Item], i: usize, add: bool) {
        let sign = if add { 1.0 } else { -1.0 };
        for (t, w) in &p.vecs[i] {
            let c = self.centroid.entry(*t).or_insert(0.0);
            let old = *c;
            *c += sign * w;
            self.norm2 += *c * *c - old * old;
            if c.abs() < 1e-6 {
                self.centroid.remove(t);
            }
        }
        if self.norm2 < 1e-9 {
            self.norm2 = 0.0;
        }
        for x in &p.places[i] {
            bump_listed(&mut self.places, &mut self.place_list, *x, add);
        }
        for d in &p.douars[i] {
            bump_listed(&mut self.douars, &mut self.douar_list, *d, add);
        }
        bump_listed(&mut self.poles, &mut self.pole_list, p.poles[i], add);
        bump(&mut self.sectors, items[i].sector.clone(), add);
        if p.strong[i] {
            if add {
                self.strong += 1;
            } else {
                self.strong -= 1;
            }
        }
        if add {
            self.members.push(i);
        } else {
            self.members.retain(|m| *m != i);
        }
    }
}

struct Engine<'a> {
    items: &'a [Item],
    places: &'a Places,
    params: &'a Params,
    p: Prepared,
}

impl Engine<'_> {
    /// How alike two groups are: the cosine of their centroids, unless they are works in
    /// places that conflict or name different needs.
    fn group_score(&self, a: &Building, b: &Building) -> f32 {
        if a.norm2 <= 0.0 || b.norm2 <= 0.0 {
            return 0.0;
        }
        let (small, big) = if a.centroid.len() <= b.centroid.len() {
            (a, b)
        } else {
            (b, a)
        };
        let mut dot = 0.0f32;
        let (mut service, mut work, mut facility) = (false, false, false);
        for (t, w) in &small.centroid {
            if let Some(c) = big.centroid.get(t) {
                dot += w * c;
                match self.p.kinds[*t as usize] {
                    Kind::Concept(Scope::Service) => service = true,
                    Kind::Concept(Scope::Work) => work = true,
                    Kind::Concept(Scope::Facility) => facility = true,
                    _ => {}
                }
            }
        }
        let cos = dot / (a.norm2.sqrt() * b.norm2.sqrt());
        if service {
            return cos;
        }
        // Both say what they need and nothing of it is common (the track to a douar and its
        // water network): two needs, however much place they share.
        let strong = |g: &Building| g.strong * 2 > g.members.len() as u32;
        let topic = if !work && !facility && strong(a) && strong(b) {
            self.params.topic_conflict
        } else {
            1.0
        };
        let cos = cos * topic;
        cos * self.place_factor(
            facility,
            (&a.main_places(), &a.douar_list, &a.pole_list),
            (&b.main_places(), &b.douar_list, &b.pole_list),
        )
    }

    /// What place says of two works, each given as (places named, douars picked, poles).
    /// Staff of a facility (`facility`) is one need for the commune unless both name a
    /// facility: then it is a work of the facilities named.
    fn place_factor(
        &self,
        facility: bool,
        a: (&[u32], &[u32], &[u32]),
        b: (&[u32], &[u32], &[u32]),
    ) -> f32 {
        if facility && (a.0.is_empty() || b.0.is_empty()) {
            return 1.0;
        }
        let prm = self.params;
        let meets = |x: &[u32], y: &[u32]| x.iter().any(|d| y.contains(d));
        let there = |places: &[u32]| -> Vec<u32> {
            places
                .iter()
                .flat_map(|p| self.p.place_douars[*p as usize].iter().copied())
                .collect()
        };
        match (a.0.is_empty(), b.0.is_empty()) {
            (false, false) => {
                if self.places.compatible(a.0, b.0) {
                    1.0
                } else {
                    prm.place_conflict
                }
            }
            (false, true) => {
                if meets(&there(a.0), b.1) {
                    1.0
                } else {
                    prm.one_named
                }
            }
            (true, false) => {
                if meets(&there(b.0), a.1) {
                    1.0
                } else {
                    prm.one_named
                }
            }
            (true, true) => {
                if meets(a.1, b.1) {
                    1.0
                } else if meets(a.2, b.2) {
                    prm.same_pole
                } else {
                    prm.elsewhere
                }
            }
        }
    }

    /// How well item `i` fits group `g`, from 0 to 1.
    fn score(&self, i: usize, g: &Building) -> f32 {
        self.score_from(i, g, 0.0)
    }

    /// [`Engine::score`], or 0 when it cannot reach `floor` (place, sector and topic only
    /// lower the cosine, so a cosine under `floor` is not worth reading them).
    fn score_from(&self, i: usize, g: &Building, floor: f32) -> f32 {
        if g.norm2 <= 0.0 {
            return 0.0;
        }
        let mut dot = 0.0f32;
        let mut sharing = Sharing::default();
        for (t, w) in &self.p.vecs[i] {
            if let Some(c) = g.centroid.get(t) {
                dot += w * c;
                sharing.add(self.p.kinds[*t as usize]);
            }
        }
        // Sharing only who or where (women, the river) says nothing of the need.
        if dot <= 0.0 || !sharing.telling {
            return 0.0;
        }
        let cos = (dot / g.norm2.sqrt()).min(1.0);
        if cos < floor {
            return 0.0;
        }
        // The sector most members gave (ties: the smallest code, for determinism).
        let sector = g
            .sectors
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .and_then(|(s, _)| s.as_ref());
        self.scaled(
            i,
            cos,
            sharing,
            Side {
                places: &g.main_places(),
                douars: &g.douar_list,
                poles: &g.pole_list,
                strong: g.strong * 2 > g.members.len() as u32,
                sector,
            },
        )
    }

    /// The cosine of item `i` and `other`, times what their topics, places and sectors say.
    fn scaled(&self, i: usize, cos: f32, sharing: Sharing, other: Side<'_>) -> f32 {
        let prm = self.params;
        // Both say what they need and it is not the same thing: a road and a water network in
        // one douar are two needs, however much else they share.
        let topic = if !sharing.service
            && !sharing.work
            && !sharing.facility
            && self.p.strong[i]
            && other.strong
        {
            prm.topic_conflict
        } else {
            1.0
        };
        let place = if sharing.service {
            1.0
        } else {
            self.place_factor(
                sharing.facility,
                (&self.p.places[i], &self.p.douars[i], &[self.p.poles[i]]),
                (other.places, other.douars, other.poles),
            )
        };
        let sector = match (&self.items[i].sector, other.sector) {
            (Some(a), Some(b)) if a != b => prm.other_sector,
            _ => 1.0,
        };
        cos * place * sector * topic
    }
}

/// Smallest probability kept as a link (lower ones weigh nothing in an average).
const LINK_FLOOR: f32 = 0.05;

/// Groups of at least two items, best first. `rejected` holds pairs (lower index first) a
/// person said are not alike: they never share a group.
pub fn suggest(
    items: &[Item],
    rejected: &HashSet<(usize, usize)>,
    places: &Places,
    params: &Params,
) -> Vec<Group> {
    suggest_with(items, rejected, places, params, &LEX, &Learned::default())
}

/// What the office's decisions taught: per term (concept, place, word, as the engine keys
/// them), how often two proposals that share it were put together and kept apart.
#[derive(Debug, Clone, Default)]
pub struct Learned {
    pub counts: HashMap<String, (u32, u32)>,
}

impl Learned {
    /// The term's weight factor: 1 unless the office kept pairs sharing it apart more often
    /// than it put them together, then lower (at least 0.5). Only down, and only for terms
    /// mostly rejected: raising confirmed terms (factors up to 2) outweighed the places, and
    /// lowering every term by its share of rejections cost recall (on the tuning set's second
    /// half, F1 0.854 before: 0.785 and 0.799 after).
    pub fn factor(&self, key: &str) -> f32 {
        // The lexicon's concepts (and pairs of them) are not lowered: a concept is shared by
        // needs the office keeps apart for their place or detail (the lighting of the centre
        // and of the douars), and lowering it cost every need of it (second tuning set, second
        // half after learning: F1 0.546 with concepts lowered, 0.607 without, as before).
        if key.starts_with('#') {
            return 1.0;
        }
        match self.counts.get(key) {
            None => 1.0,
            Some((together, apart)) => {
                if apart <= together {
                    1.0
                } else {
                    ((*together as f32 + 1.0) / (*apart as f32 + 1.0))
                        .sqrt()
                        .max(0.5)
                }
            }
        }
    }

    /// Counts one decision on two proposals: the terms they share get it.
    pub fn record(&mut self, a: &[String], b: &[String], together: bool) {
        for key in a.iter().filter(|k| b.contains(k)) {
            self.add(key.clone(), together);
        }
    }

    /// [`Learned::record`], and when each proposal names one need-concept and they share
    /// none (a wheelchair and a ramp, a doctor and the dispensary), that pair of concepts
    /// gets it too: put together often enough, it reads as one ([`Learned::bridges`]).
    /// Proposals with several topics teach no pair: which of them made the office's choice
    /// is not known.
    pub fn record_in(&mut self, lex: &Lexicon, a: &[String], b: &[String], together: bool) {
        self.record(a, b, together);
        let strong = |x: &[String]| -> Vec<String> {
            x.iter()
                .filter(|k| is_concept_key(k))
                .filter(|k| {
                    k[1..]
                        .parse::<usize>()
                        .ok()
                        .and_then(|c| lex.concepts.get(c))
                        .is_some_and(|c| c.scope != Scope::Context)
                })
                .cloned()
                .collect()
        };
        let (sa, sb) = (strong(a), strong(b));
        if sa.len() == 1 && sb.len() == 1 && sa[0] != sb[0] {
            self.add(bridge_key(&sa[0], &sb[0]), together);
        }
        // Two proposals that name places, none in common, and share a need-concept: whether
        // the office put them together says whether, in this commune, that concept is one
        // need for all (the lighting of every douar as one programme) or one per place (the
        // lighting of the centre apart from the douars'): [`Learned::scope`].
        let named = |x: &[String]| -> Vec<String> {
            x.iter().filter(|k| k.starts_with('@')).cloned().collect()
        };
        let (pa, pb) = (named(a), named(b));
        if !pa.is_empty() && !pb.is_empty() && !pa.iter().any(|k| pb.contains(k)) {
            for k in sa.iter().filter(|k| sb.contains(k)) {
                self.add(format!("{SCOPE_MARK}{k}"), together);
            }
        }
    }

    /// What place means for a concept (by its key), as the office's decisions showed it: a
    /// service the office kept apart across places at least [`SCOPE_MIN`] times, and more
    /// than twice as often as it put it together, is bound to its place here (a work).
    /// Otherwise the lexicon's scope. Only that way: a work put together across places is
    /// most often a douar and a place in it (the road to a douar and its bridge), and
    /// reading works as services on that cost the tuning set's second half F1 0.854 → 0.821.
    pub fn scope(&self, key: &str, scope: Scope) -> Scope {
        match (scope, self.counts.get(&format!("{SCOPE_MARK}{key}"))) {
            (Scope::Service, Some((together, apart)))
                if *apart >= SCOPE_MIN && *apart > 2 * *together =>
            {
                Scope::Work
            }
            _ => scope,
        }
    }

    /// What one office action taught, as stored: a pair of concepts once, however many
    /// proposals the action paired (a proposal moved into a need of twelve members taught
    /// "A goes with B" once, not twelve times; counted per pair, one move made a bridge at
    /// once, and on a new commune the bridges put unrelated proposals together: F1 0.625 →
    /// 0.522 after learning).
    pub fn as_one_action(&mut self) {
        for (term, (t, a)) in self.counts.iter_mut() {
            if is_bridge_key(term) {
                *t = (*t).min(1);
                *a = (*a).min(1);
            }
        }
    }

    fn add(&mut self, key: String, together: bool) {
        let e = self.counts.entry(key).or_default();
        if together {
            e.0 += 1;
        } else {
            e.1 += 1;
        }
    }

    /// Pairs of concepts the office put together at least [`BRIDGE_MIN`] times and kept apart
    /// at most a third as often: per concept key, the concepts it is learned to go with.
    fn bridges(&self) -> HashMap<String, Vec<String>> {
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        let mut keys: Vec<(&String, &(u32, u32))> = self
            .counts
            .iter()
            .filter(|(k, (t, a))| k.starts_with('~') && *t >= BRIDGE_MIN && *a * 3 <= *t)
            .collect();
        keys.sort();
        for (key, _) in keys {
            if let Some((x, y)) = key[1..].split_once('~') {
                out.entry(x.to_string()).or_default().push(y.to_string());
                out.entry(y.to_string()).or_default().push(x.to_string());
            }
        }
        out
    }
}

/// Times a pair of concepts must be put together before it counts as one need.
const BRIDGE_MIN: u32 = 2;

/// Prefix of a concept's scope counts in [`Learned::counts`].
const SCOPE_MARK: char = '^';
/// Decisions across places before a concept's scope is taken from the office.
const SCOPE_MIN: u32 = 2;

fn is_concept_key(k: &str) -> bool {
    k.starts_with('#') && !k.contains('+')
}

/// Whether a key of [`Learned::counts`] is a learned pair of concepts.
fn is_bridge_key(k: &str) -> bool {
    k.starts_with('~')
}

/// The key of a learned pair of concepts (order-free).
fn bridge_key(x: &str, y: &str) -> String {
    if x <= y {
        format!("~{x}~{y}")
    } else {
        format!("~{y}~{x}")
    }
}

/// The terms of one comparison key as the engine keys them (each once, sorted): what
/// [`Learned`] counts.
pub fn term_keys(lex: &Lexicon, places: &Places, text_norm: &str) -> Vec<String> {
    let mut named = Vec::new();
    let mut keys: Vec<String> =
        read_terms(lex, places, text_norm, &mut named, &mut Cache::default())
            .into_iter()
            .map(|(k, _, _)| k)
            .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// [`suggest`] with another lexicon (the file's with the office's synonyms added).
pub fn suggest_with(
    items: &[Item],
    rejected: &HashSet<(usize, usize)>,
    places: &Places,
    params: &Params,
    lex: &Lexicon,
    learned: &Learned,
) -> Vec<Group> {
    let by_pairs = items.len() <= params.pair_items;
    let mut p = prepare(items, places, lex, learned, by_pairs);
    if by_pairs {
        let texts: Vec<&str> = items.iter().map(|it| it.text_norm.as_str()).collect();
        p.trigrams = pairs::trigrams(&texts);
    }
    let engine = Engine {
        items,
        places,
        params,
        p,
    };
    let n = items.len();
    let mut partners: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (a, b) in rejected {
        if *a < n && *b < n {
            partners[*a].push(*b);
            partners[*b].push(*a);
        }
    }
    let groups: Vec<Building> = if by_pairs {
        link_pairs(&engine, &partners)
    } else {
        leader(&engine, &partners)
    };
    let p = &engine.p;
    let rank_of = ranks(p);
    let mut out: Vec<(Group, usize)> = groups
        .iter()
        .filter(|g| g.members.len() >= 2)
        .map(|g| {
            let mut members = g.members.clone();
            members.sort_by_key(|m| rank_of[*m]);
            let confidence =
                members.iter().map(|m| engine.score(*m, g)).sum::<f32>() / members.len() as f32;
            let first = rank_of[members[0]];
            (
                Group {
                    confidence: confidence.clamp(0.01, 1.0),
                    shared_terms: shared_terms(p, g),
                    members,
                },
                first,
            )
        })
        .collect();
    out.sort_by(|(a, fa), (b, fb)| {
        b.confidence
            .total_cmp(&a.confidence)
            .then(b.members.len().cmp(&a.members.len()))
            .then(fa.cmp(fb))
    });
    out.into_iter().map(|(g, _)| g).collect()
}

/// The pair model's groups: every proposal a node, linked by the probability that two are
/// one need ([`pairs`]), joined by average linkage.
fn link_pairs(engine: &Engine<'_>, partners: &[Vec<usize>]) -> Vec<Building> {
    let items = engine.items;
    let order = &engine.p.order;
    let need = |k: u32| items[order[k as usize]].need;
    // The office's needs are facts: the proposals of one need are one node (in content
    // order of its first member), every other proposal a node of its own.
    let mut nodes: Vec<Vec<u32>> = Vec::new();
    let mut node_need: Vec<Option<i64>> = Vec::new();
    let mut node_of: Vec<u32> = Vec::with_capacity(order.len());
    let mut need_node: HashMap<i64, u32> = HashMap::new();
    for k in 0..order.len() as u32 {
        let node = match need(k).and_then(|n| need_node.get(&n)) {
            Some(node) => *node,
            None => {
                let node = nodes.len() as u32;
                nodes.push(Vec::new());
                node_need.push(need(k));
                if let Some(n) = need(k) {
                    need_node.insert(n, node);
                }
                node
            }
        };
        nodes[node as usize].push(k);
        node_of.push(node);
    }
    // A proposal and a need: its best link to the need's members, so a late arrival like
    // one member of a large need joins it, where the average over every member would keep
    // it out (the mean of its 2, 3 or 5 best links did no better on the learning bench).
    let mut links: Vec<(u32, u32, f32)> = Vec::new();
    let mut to_need: BTreeMap<(u32, u32), f32> = BTreeMap::new();
    let params = engine.params;
    let (weighed, second) = pairs::candidate_links(engine, order, LINK_FLOOR);
    for (a, b, prob) in weighed {
        let (x, y) = (node_of[a as usize], node_of[b as usize]);
        let key = match (node_need[x as usize], node_need[y as usize]) {
            (None, None) => {
                links.push((x.min(y), x.max(y), prob));
                continue;
            }
            (Some(_), None) | (None, Some(_)) => (x.min(y), x.max(y)),
            // Two needs of the office, or one: not the engine's to change.
            (Some(_), Some(_)) => continue,
        };
        let best = to_need.entry(key).or_insert(0.0);
        *best = best.max(prob);
    }
    links.extend(to_need.into_iter().map(|((x, y), prob)| (x, y, prob)));
    let bars = if second {
        [params.link, params.link_small, params.link_large]
    } else {
        params.first_link
    };
    let bar = move |x: f32, y: f32| match x.min(y) {
        s if s >= 4.0 => bars[2],
        s if s >= 2.0 => bars[1],
        _ => bars[0],
    };
    let apart = |a: &[u32], b: &[u32]| {
        let placed = |g: &[u32]| g.iter().find_map(|k| node_need[*k as usize]);
        if let (Some(x), Some(y)) = (placed(a), placed(b))
            && x != y
        {
            return true;
        }
        // A pair a person rejected (most groups have none: nothing gathered then).
        let of = |g: &[u32]| -> Vec<usize> {
            g.iter()
                .flat_map(|k| &nodes[*k as usize])
                .map(|m| order[*m as usize])
                .filter(|i| !partners[*i].is_empty())
                .collect()
        };
        let mine = of(a);
        !mine.is_empty()
            && b.iter().flat_map(|k| &nodes[*k as usize]).any(|m| {
                mine.iter()
                    .any(|x| partners[*x].contains(&order[*m as usize]))
            })
    };
    let clusters = pairs::link(nodes.len(), &links, bar, apart);
    // The office's needs stay where the linkage put them: their proposals are facts.
    let fixed = |node: u32| node_need[node as usize].is_some();
    let clusters = pairs::refine(clusters, &links, params, bar, apart, fixed);
    let p = &engine.p;
    clusters
        .into_iter()
        .map(|c| {
            let mut g = Building::default();
            for node in c {
                for k in &nodes[node as usize] {
                    g.change(p, items, order[*k as usize], true);
                }
            }
            g
        })
        .collect()
}

/// Item order ranks (content order).
fn ranks(p: &Prepared) -> Vec<usize> {
    let mut r = vec![0; p.order.len()];
    for (k, &i) in p.order.iter().enumerate() {
        r[i] = k;
    }
    r
}

/// The centroid pass: each proposal joins the group whose centroid it is most like, if that
/// reaches the threshold, or starts one; then every proposal is taken out and put back where
/// it fits best, twice; then split groups are merged. Used instead of the pair model for a
/// batch too large to weigh its proposals pair by pair.
fn leader(engine: &Engine<'_>, partners: &[Vec<usize>]) -> Vec<Building> {
    let p = &engine.p;
    let items = engine.items;
    let params = engine.params;
    let n = items.len();
    let mut groups: Vec<Building> = Vec::new();
    let mut group_of: Vec<usize> = vec![usize::MAX; n];
    let mut index: HashMap<u32, Vec<u32>> = HashMap::new();
    let mut indexed: HashSet<(u32, u32)> = HashSet::new();
    let mut seen: Vec<usize> = Vec::new();
    for round in 0..3 {
        for (rank, &i) in p.order.iter().enumerate() {
            let stamp = round * n + rank;
            if round > 0 {
                let g = group_of[i];
                groups[g].change(p, items, i, false);
            }
            let mut best: Option<(f32, usize)> = None;
            for (t, _) in &p.vecs[i] {
                let Some(list) = index.get(t) else {
                    continue;
                };
                if list.len() > params.max_postings && p.kinds[*t as usize] == Kind::Word {
                    continue;
                }
                for &g in list {
                    let g = g as usize;
                    if seen[g] == stamp {
                        continue;
                    }
                    seen[g] = stamp;
                    if partners[i].iter().any(|x| group_of[*x] == g) {
                        continue;
                    }
                    let s = engine.score_from(i, &groups[g], params.threshold);
                    // Ties go to the group made first (content order).
                    if s >= params.threshold
                        && best.is_none_or(|(b, bg)| s > b || (s == b && g < bg))
                    {
                        best = Some((s, g));
                    }
                }
            }
            let g = match best {
                Some((_, g)) => g,
                None if round > 0 && groups[group_of[i]].members.is_empty() => group_of[i],
                None => {
                    groups.push(Building::default());
                    seen.push(usize::MAX);
                    groups.len() - 1
                }
            };
            groups[g].change(p, items, i, true);
            group_of[i] = g;
            for (t, _) in &p.vecs[i] {
                if indexed.insert((*t, g as u32)) {
                    index.entry(*t).or_default().push(g as u32);
                }
            }
        }
    }
    merge_groups(engine, &mut groups);
    groups
}

/// Groups that are one need split in two (people wrote it in two ways, and each way found
/// its own group first) are merged: biggest first, each into the biggest earlier group whose
/// centroid is close enough and whose places do not conflict.
fn merge_groups(engine: &Engine<'_>, groups: &mut [Building]) {
    let p = &engine.p;
    let mut order: Vec<usize> = (0..groups.len())
        .filter(|g| groups[*g].members.len() >= 2)
        .collect();
    order.sort_by(|a, b| {
        groups[*b]
            .members
            .len()
            .cmp(&groups[*a].members.len())
            .then(a.cmp(b))
    });
    // The heaviest concepts of each group, for finding candidates.
    let top = |g: &Building| -> Vec<u32> {
        let mut c: Vec<(u32, f32)> = g
            .centroid
            .iter()
            .filter(|(t, _)| p.kinds[**t as usize].is_need())
            .map(|(t, w)| (*t, *w))
            .collect();
        c.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        c.into_iter().take(3).map(|(t, _)| t).collect()
    };
    let mut kept: Vec<usize> = Vec::new();
    let mut index: HashMap<u32, Vec<usize>> = HashMap::new();
    for g in order {
        let mine = top(&groups[g]);
        let mut best: Option<(f32, usize)> = None;
        let mut seen: HashSet<usize> = HashSet::new();
        for t in &mine {
            for &k in index.get(t).into_iter().flatten() {
                if !seen.insert(k) {
                    continue;
                }
                let s = engine.group_score(&groups[g], &groups[k]);
                if s >= engine.params.merge
                    && best.is_none_or(|(b, bk)| s > b || (s == b && k < bk))
                {
                    best = Some((s, k));
                }
            }
        }
        match best {
            Some((_, k)) => {
                let members = std::mem::take(&mut groups[g].members);
                for m in members {
                    groups[k].change(p, engine.items, m, true);
                }
                groups[g] = Building::default();
            }
            None => {
                kept.push(g);
                for t in mine {
                    index.entry(t).or_default().push(g);
                }
            }
        }
    }
}

/// Places named by at least half the members, then terms at least half of them hold,
/// the most held first, then the heaviest; at most six.
fn shared_terms(p: &Prepared, g: &Building) -> Vec<String> {
    let half = g.members.len().div_ceil(2) as u32;
    let mut counts: HashMap<u32, u32> = HashMap::new();
    for m in &g.members {
        for (t, _) in &p.vecs[*m] {
            *counts.entry(*t).or_insert(0) += 1;
        }
    }
    let mut shared: Vec<(u32, u32, f32, bool)> = counts
        .into_iter()
        .filter(|(t, c)| *c >= half && p.kinds[*t as usize] != Kind::Pair)
        .map(|(t, c)| {
            (
                t,
                c,
                g.centroid.get(&t).copied().unwrap_or(0.0),
                p.kinds[t as usize] == Kind::Place,
            )
        })
        .collect();
    shared.sort_by(|a, b| {
        b.3.cmp(&a.3)
            .then(b.1.cmp(&a.1))
            .then(b.2.total_cmp(&a.2))
            .then(p.shown[a.0 as usize].cmp(&p.shown[b.0 as usize]))
    });
    let mut out: Vec<String> = Vec::new();
    for (t, ..) in shared {
        let s = &p.shown[t as usize];
        if !out.contains(s) {
            out.push(s.clone());
        }
        if out.len() == 6 {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tachkhis_shared::text::normalize;

    fn item(text: &str, sector: Option<&str>, pole: &str, douar: &str) -> Item {
        Item {
            text_norm: normalize(text),
            sector: sector.map(String::from),
            pole: pole.into(),
            douars: vec![douar.into()],
            need: None,
        }
    }

    #[test]
    fn learned_weights_lower_only_terms_mostly_kept_apart() {
        let places = Places::default();
        // The ambulance (a concept) and a word the lexicon does not know, in both.
        let a = term_keys(&LEX, &places, &normalize("غياب سيارة الإسعاف في تاغزوت"));
        let b = term_keys(&LEX, &places, &normalize("لانبيلانص تاغزوت"));
        let shared: Vec<&String> = a.iter().filter(|k| b.contains(k)).collect();
        let word = shared
            .iter()
            .find(|k| !k.starts_with('#'))
            .unwrap_or_else(|| panic!("a shared word: {a:?} {b:?}"))
            .to_string();
        let concept = shared
            .iter()
            .find(|k| k.starts_with('#'))
            .unwrap_or_else(|| panic!("a shared concept: {a:?} {b:?}"))
            .to_string();
        let mut l = Learned::default();
        l.record(&a, &b, true);
        assert_eq!(l.factor(&word), 1.0);
        for _ in 0..3 {
            l.record(&a, &b, false);
        }
        let f = l.factor(&word);
        assert!((0.5..1.0).contains(&f), "{f}");
        for _ in 0..20 {
            l.record(&a, &b, false);
        }
        assert_eq!(l.factor(&word), 0.5);
        // The lexicon's concepts keep their weight: lowering them cost the second tuning set
        // F1 0.607 -> 0.546 after learning.
        assert_eq!(l.factor(&concept), 1.0);
        assert_eq!(l.factor("never seen"), 1.0);
        // A term only one of them has is not counted.
        assert!(
            a.iter()
                .filter(|k| !b.contains(k))
                .all(|k| l.factor(k) == 1.0)
        );
    }

    /// Two concepts the lexicon keeps apart (wheelchairs, ramps) become one need once the
    /// office has put them together twice, and not after one time, nor when it also kept
    /// them apart as often.
    #[test]
    fn pairs_of_concepts_put_together_are_learned() {
        let items = vec![
            item("كراسي متحركة للمعاقين", Some("social"), "p1", "a"),
            item(
                "Des fauteuils roulants pour les handicapes",
                Some("social"),
                "p2",
                "b",
            ),
            item("ممرات الولوجيات للمعاقين", Some("social"), "p3", "c"),
            item(
                "rampes d'acces pour les handicapes",
                Some("social"),
                "p4",
                "d",
            ),
        ];
        let places = Places::default();
        let run = |l: &Learned| -> Vec<Vec<usize>> {
            let mut g: Vec<Vec<usize>> = suggest_with(
                &items,
                &HashSet::new(),
                &places,
                &Params::default(),
                &LEX,
                l,
            )
            .into_iter()
            .map(|g| {
                let mut m = g.members;
                m.sort();
                m
            })
            .collect();
            g.sort();
            g
        };
        assert_eq!(run(&Learned::default()), vec![vec![0, 1], vec![2, 3]]);
        let keys: Vec<Vec<String>> = items
            .iter()
            .map(|i| term_keys(&LEX, &places, &i.text_norm))
            .collect();
        let mut l = Learned::default();
        l.record_in(&LEX, &keys[0], &keys[2], true);
        assert_eq!(run(&l), vec![vec![0, 1], vec![2, 3]], "once is not enough");
        l.record_in(&LEX, &keys[1], &keys[3], true);
        assert_eq!(run(&l), vec![vec![0, 1, 2, 3]]);
        for _ in 0..2 {
            l.record_in(&LEX, &keys[0], &keys[3], false);
        }
        assert_eq!(run(&l), vec![vec![0, 1], vec![2, 3]], "kept apart as often");
    }

    /// A service the office keeps apart from one place to another (the lighting of one douar
    /// and of another, twice) is bound to its place from then on: the next suggestion keeps
    /// each place's proposals apart.
    #[test]
    fn the_office_teaches_whether_a_concept_is_bound_to_its_place() {
        let places = Places::new(vec![
            douar("tagoudit", &["تاكوديت", "Tagoudit"]),
            douar("tifert", &["تيفرت", "Tifert"]),
        ]);
        let lighting = vec![
            item("الإنارة العمومية في تاكوديت", Some("electricity"), "p1", "x"),
            item(
                "eclairage public a Tagoudit",
                Some("electricity"),
                "p2",
                "y",
            ),
            item("الإنارة العمومية في تيفرت", Some("electricity"), "p3", "z"),
            item("eclairage public a Tifert", Some("electricity"), "p4", "w"),
        ];
        let roads = vec![
            item("تعبيد الطريق في تاكوديت", Some("roads"), "p1", "x"),
            item(
                "goudronnage de la route a Tagoudit",
                Some("roads"),
                "p2",
                "y",
            ),
            item("تعبيد الطريق في تيفرت", Some("roads"), "p3", "z"),
            item("goudronnage de la route a Tifert", Some("roads"), "p4", "w"),
        ];
        let run = |items: &[Item], l: &Learned| -> Vec<Vec<usize>> {
            let mut g: Vec<Vec<usize>> =
                suggest_with(items, &HashSet::new(), &places, &Params::default(), &LEX, l)
                    .into_iter()
                    .map(|g| {
                        let mut m = g.members;
                        m.sort();
                        m
                    })
                    .collect();
            g.sort();
            g
        };
        let keys = |items: &[Item]| -> Vec<Vec<String>> {
            items
                .iter()
                .map(|i| term_keys(&LEX, &places, &i.text_norm))
                .collect()
        };
        // The lexicon: lighting is one need for the commune, a road one per place.
        assert_eq!(run(&lighting, &Learned::default()), vec![vec![0, 1, 2, 3]]);
        assert_eq!(
            run(&roads, &Learned::default()),
            vec![vec![0, 1], vec![2, 3]]
        );

        let (kl, kr) = (keys(&lighting), keys(&roads));
        let mut l = Learned::default();
        l.record_in(&LEX, &kl[0], &kl[2], false);
        assert_eq!(
            run(&lighting, &l),
            vec![vec![0, 1, 2, 3]],
            "once is not enough"
        );
        l.record_in(&LEX, &kl[1], &kl[3], false);
        assert_eq!(run(&lighting, &l), vec![vec![0, 1], vec![2, 3]]);
        // Put together as often again: the commune's way is not clear, the lexicon decides.
        l.record_in(&LEX, &kl[0], &kl[3], true);
        l.record_in(&LEX, &kl[1], &kl[2], true);
        assert_eq!(run(&lighting, &l), vec![vec![0, 1, 2, 3]]);

        // Proposals that name one place, or the same place, teach nothing of scope.
        let mut m = Learned::default();
        for _ in 0..3 {
            m.record_in(&LEX, &kl[0], &kl[1], false);
        }
        assert_eq!(run(&lighting, &m), vec![vec![0, 1, 2, 3]]);

        // Works stay bound to their place, whatever was put together.
        let mut r = Learned::default();
        for _ in 0..3 {
            r.record_in(&LEX, &kr[0], &kr[2], true);
            r.record_in(&LEX, &kr[1], &kr[3], true);
        }
        assert_eq!(run(&roads, &r), vec![vec![0, 1], vec![2, 3]]);
        // And what the lighting taught leaves the roads as they were.
        assert_eq!(run(&roads, &l), vec![vec![0, 1], vec![2, 3]]);
    }

    fn douar(id: &str, names: &[&str]) -> PlaceName {
        PlaceName {
            id: id.into(),
            shown: names[0].into(),
            names: names.iter().map(|n| n.to_string()).collect(),
            douars: vec![id.into()],
        }
    }

    fn groups_of(items: &[Item], places: &Places) -> Vec<Vec<usize>> {
        let mut g: Vec<Vec<usize>> = suggest(items, &HashSet::new(), places, &Params::default())
            .into_iter()
            .map(|g| {
                let mut m = g.members;
                m.sort();
                m
            })
            .collect();
        g.sort();
        g
    }

    #[test]
    fn proposals_sharing_no_word_group_when_other_communes_say_their_words_go_together() {
        // "Pregnant women suffer a lot" shares no word with the ambulance, but the labelled
        // sets of other communes say the two go together (the table's log-odds >= 3).
        let items = vec![
            item("غياب سيارة الإسعاف بالجماعة", Some("health"), "p1", "d1"),
            item("lambulance makaynach", Some("health"), "p2", "d5"),
            item("الحوامل كيعانيو بزاف", Some("health"), "p3", "d7"),
            item("ملعب لكرة القدم للشباب", Some("youth_sports"), "p2", "d5"),
            item(
                "تعبيد الطريق الرابطة بين الدوار والمركز",
                Some("roads"),
                "p1",
                "d1",
            ),
        ];
        let places = Places::default();
        let with = |params: &Params| {
            suggest(&items, &HashSet::new(), &places, params)
                .into_iter()
                .any(|g| g.members.contains(&0) && g.members.contains(&2))
        };
        assert!(with(&Params::default()), "{:?}", groups_of(&items, &places));
        let never = Params {
            assoc_link: f32::INFINITY,
            ..Params::default()
        };
        assert!(!with(&never), "only the table's pairs of words link them");
    }

    #[test]
    fn the_lexicon_file_reads_whole() {
        let lex = Lexicon::parse(LEXICON_TSV);
        let declared = LEXICON_TSV
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("concept\t"))
            .filter(|l| l.split('\t').nth(1).is_some_and(|s| s != "stop"))
            .count();
        assert_eq!(lex.concepts.len(), declared);
        assert!(lex.is_stop(&normalize("في")));
        assert!(lex.is_stop(&normalize("ديال")));
        assert!(lex.concepts.iter().any(|c| c.scope == Scope::Service));
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
        let groups = suggest(
            &items,
            &HashSet::new(),
            &Places::default(),
            &Params::default(),
        );
        assert_eq!(groups.len(), 1, "{groups:?}");
        let mut m = groups[0].members.clone();
        m.sort();
        assert_eq!(m, vec![0, 1, 2]);
        assert!(groups[0].confidence > 0.3 && groups[0].confidence <= 1.0);
        assert!(
            groups[0].shared_terms.contains(&"مستوصف".to_string()),
            "{groups:?}"
        );
    }

    #[test]
    fn a_rejected_pair_is_not_linked() {
        let items = vec![
            item("بناء مستوصف", Some("health"), "p1", "d1"),
            item("بناء مستوصف", Some("health"), "p1", "d1"),
        ];
        let mut rejected = HashSet::new();
        rejected.insert((0, 1));
        assert!(suggest(&items, &rejected, &Places::default(), &Params::default()).is_empty());
    }

    /// The office's needs are facts: proposals it placed in two needs are never grouped,
    /// however alike; proposals it placed in one need stay one group, however unlike; a
    /// late arrival joins the need it is like.
    #[test]
    fn the_offices_needs_are_kept() {
        let placed = |text: &str, need: i64| Item {
            need: Some(need),
            ..item(text, Some("health"), "p1", "d1")
        };
        let items = vec![
            placed("بناء مستوصف", 1),
            placed("بناء مستوصف", 2),
            placed("غياب سيارة الإسعاف", 3),
            placed("lambulance makaynach", 3),
            placed("Ecole sans eau potable", 3),
            item("غياب سيارة الإسعاف للحوامل", Some("health"), "p2", "d2"),
        ];
        assert_eq!(
            groups_of(&items, &Places::default()),
            vec![vec![2, 3, 4, 5]],
            "two needs of one text kept apart, a need kept whole, the late arrival in it"
        );
    }

    /// The same proposals in any order give the same groups (compared by content).
    #[test]
    fn the_order_of_the_input_does_not_change_the_groups() {
        let texts = [
            ("غياب سيارة الإسعاف", "p1"),
            ("ma kaynach lambulance", "p2"),
            ("Pas d'ambulance", "p3"),
            ("الطريق ديال تاكوديت خايبة", "p1"),
            ("tri9 tagoudit kolha 7ofar", "p2"),
            ("قنطرة على الواد بتيفرت", "p2"),
            ("9antra f tifert", "p3"),
            ("النقل المدرسي", "p1"),
            ("transport scolaire", "p4"),
            ("الإنارة العمومية", "p1"),
        ];
        let places = Places::new(vec![
            douar("tagoudit", &["تاكوديت", "Tagoudit"]),
            douar("tifert", &["تيفرت", "Tifert"]),
        ]);
        let items: Vec<Item> = texts.iter().map(|(t, p)| item(t, None, p, "x")).collect();
        let by_text = |items: &[Item], groups: Vec<Vec<usize>>| {
            let mut g: Vec<Vec<String>> = groups
                .into_iter()
                .map(|g| {
                    let mut t: Vec<String> =
                        g.iter().map(|i| items[*i].text_norm.clone()).collect();
                    t.sort();
                    t
                })
                .collect();
            g.sort();
            g
        };
        let first = by_text(&items, groups_of(&items, &places));
        assert!(!first.is_empty());
        let mut shuffled = items.clone();
        for k in 0..20 {
            shuffled.rotate_left(3);
            shuffled.swap(k % 10, (k * 7) % 10);
            assert_eq!(by_text(&shuffled, groups_of(&shuffled, &places)), first);
        }
    }

    #[test]
    fn place_bound_works_stay_apart_and_services_cross_poles() {
        let places = Places::new(vec![
            douar("tadert", &["تادرت", "Tadert"]),
            douar("idouz", &["إدوز", "Idouz", "Adouz"]),
        ]);
        let items = vec![
            item("تهيئة مسلك تادرت", Some("roads"), "p5", "tadert"),
            item("tri9 l tadert ma fihach goudron", Some("roads"), "p3", ""),
            item("إصلاح طريق ادوز", Some("roads"), "p5", "idouz"),
            item("Amenagement de la piste d'Adouz", Some("roads"), "p2", ""),
            item("سيارة الإسعاف", Some("health"), "p1", "a"),
            item("ambulance equipee", Some("health"), "p4", "b"),
            item("لانبيلانص للدوار", Some("health"), "p6", "c"),
        ];
        let g = groups_of(&items, &places);
        assert_eq!(g, vec![vec![0, 1], vec![2, 3], vec![4, 5, 6]], "{g:?}");
    }

    #[test]
    fn staff_of_a_facility_is_one_need_unless_two_facilities_are_named() {
        let places = Places::new(vec![
            PlaceName {
                id: "place:1".into(),
                shown: "المستوصف ديال تادرت".into(),
                names: vec!["مستوصف تادرت".into(), "dispensaire de Tadert".into()],
                douars: vec!["tadert".into()],
            },
            PlaceName {
                id: "place:2".into(),
                shown: "المستوصف ديال ادوز".into(),
                names: vec!["مستوصف ادوز".into(), "dispensaire d'Idouz".into()],
                douars: vec!["idouz".into()],
            },
        ]);
        // No facility named, three poles, three douars: one doctor for the commune.
        let items = vec![
            item("غياب طبيب قار", Some("health"), "p1", "a"),
            item("ma kaynch tbib", Some("health"), "p4", "b"),
            item("Pas de medecin permanent", Some("health"), "p6", "c"),
        ];
        assert_eq!(groups_of(&items, &places), vec![vec![0, 1, 2]]);
        // Two dispensaries named: a nurse for each is two needs.
        let items = vec![
            item("تعيين ممرض بمستوصف تادرت", Some("health"), "p1", "tadert"),
            item(
                "infirmier pour le dispensaire de Tadert",
                Some("health"),
                "p2",
                "",
            ),
            item("تعيين ممرض بمستوصف ادوز", Some("health"), "p3", "idouz"),
            item(
                "infirmier pour le dispensaire d'Idouz",
                Some("health"),
                "p4",
                "",
            ),
        ];
        assert_eq!(
            groups_of(&items, &places),
            vec![vec![0, 1], vec![2, 3]],
            "a facility named keeps its staff apart"
        );
    }

    #[test]
    fn a_douars_name_is_the_place_not_a_need() {
        let places = Places::new(vec![
            douar("mellaha", &["الملاحة", "الملاحه", "Lmellaha"]),
            douar("ain-timzguit", &["عين تيمزكيت", "Ain Timzguit"]),
        ]);
        let concepts = |text: &str| -> Vec<String> {
            term_keys(&LEX, &places, &normalize(text))
                .into_iter()
                .filter(|k| k.starts_with('#') || k.starts_with('@'))
                .collect()
        };
        let road = |text: &str| {
            let id = LEX.concepts.iter().position(|c| c.name == "طريق").unwrap();
            concepts(text).contains(&format!("#{id}"))
        };
        // "الملاحه" is one letter from "الملوحة" (salinity), "عين" is a spring: neither is
        // read in a douar's name.
        assert_eq!(concepts("الطريق ديال الملاحه خايبة").len(), 2);
        assert!(road("الطريق ديال الملاحه خايبة"));
        assert!(concepts("تعبيد الطريق إلى دوار الملاحة").contains(&"@0".to_string()));
        let ain = concepts("الطريق ديال عين تيمزكيت");
        assert!(ain.contains(&"@1".to_string()) && road("الطريق ديال عين تيمزكيت"));
        assert_eq!(ain.len(), 2, "{ain:?}");
        // Arabizi digits meet the French spelling of the name.
        assert!(concepts("triq dyal lmlla7a ma sal7a").contains(&"@0".to_string()));
    }

    #[test]
    fn one_action_teaches_a_pair_of_concepts_once() {
        let lex = &*LEX;
        let places = Places::default();
        let keys = |t: &str| term_keys(lex, &places, &normalize(t));
        let (wheelchair, ramp) = (keys("كراسي متحركة"), keys("ولوجيات"));
        let mut one_action = Learned::default();
        // One proposal moved into a need of five: five pairs, one decision.
        for _ in 0..5 {
            one_action.record_in(lex, &wheelchair, &ramp, true);
        }
        let bridge = one_action
            .counts
            .keys()
            .find(|k| is_bridge_key(k))
            .cloned()
            .expect("a pair of concepts is counted");
        assert_eq!(
            one_action.counts[&bridge].0, 5,
            "counted per pair while recording"
        );
        // What one action stores (consolidation::learn_pairs) counts it once.
        one_action.as_one_action();
        assert!(
            one_action.bridges().is_empty(),
            "one action makes no bridge"
        );
        let mut two_actions = one_action.clone();
        two_actions.counts.get_mut(&bridge).unwrap().0 += 1;
        assert!(!two_actions.bridges().is_empty(), "two actions do");
    }

    #[test]
    fn arabizi_and_french_variants_group() {
        let items = vec![
            item("ma kaynch lma f dyour", None, "p1", "a"),
            item("الما ماكاينش فالديور", None, "p1", "a"),
            item("Manque d'eau potable", None, "p1", "a"),
            item("الماء الصالح للشرب", None, "p1", "a"),
        ];
        let g = groups_of(&items, &Places::default());
        assert_eq!(g, vec![vec![0, 1, 2, 3]]);
    }
}
