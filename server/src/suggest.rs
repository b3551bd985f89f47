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
//!    lexicon ([`LEXICON`]).
//! 2. Text similarity is the cosine of their term sets weighted by rarity (idf); concepts weigh
//!    more than plain words.
//! 3. Place and sector scale it: the same douar keeps it, the same pole lowers it a little,
//!    elsewhere more; sectors that disagree lower it.
//!
//! Proposals whose score reaches the threshold are linked; each connected group is a
//! suggestion, its confidence the mean score of its links. Candidate pairs come from an inverted
//! index by (term, pole) and by rare term, so the work grows with the pairs that share words,
//! not with the square of the number of proposals.

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
    /// Largest posting list used to find candidates (larger ones are too common to tell).
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
            max_postings: 3000,
        }
    }
}

/// Words that carry no meaning for grouping (comparison keys, after normalisation).
const STOP_WORDS: &[&str] = &[
    // Arabic
    "في",
    "من",
    "الي",
    "علي",
    "عن",
    "مع",
    "و",
    "او",
    "ثم",
    "هذا",
    "هذه",
    "ذلك",
    "تلك",
    "التي",
    "الذي",
    "الذين",
    "ان",
    "لا",
    "لم",
    "لن",
    "ما",
    "قد",
    "كل",
    "بعض",
    "غير",
    "بين",
    "عند",
    "هو",
    "هي",
    "هم",
    "نحن",
    "انا",
    "كان",
    "كانت",
    "يكون",
    "تم",
    "به",
    "بها",
    "له",
    "لها",
    "لهم",
    "فيه",
    "فيها",
    "منه",
    "منها",
    "عليه",
    "عليها",
    "اجل",
    "حتي",
    "كما",
    "اي",
    "ذات",
    "دوار",
    "الدوار",
    "بالدوار",
    "للدوار",
    "دواوير",
    "الدواوير",
    "جماعه",
    "الجماعه",
    "بالجماعه",
    "للجماعه",
    "مشكل",
    "مشكله",
    "المشكل",
    "غياب",
    "انعدام",
    "قله",
    "ضعف",
    "نقص",
    "عدم",
    "توفير",
    "توفر",
    "وجود",
    "اجل",
    "ضروره",
    "ساكنه",
    "الساكنه",
    "لساكنه",
    "للساكنه",
    "سكان",
    "السكان",
    "بسبب",
    "خاصه",
    "جدا",
    "كثيره",
    "كبير",
    "حول",
    // Darija
    "ديال",
    "ديال",
    "فين",
    "بزاف",
    "حنا",
    "كاين",
    "ماكاينش",
    "ماكاين",
    "راه",
    "عندنا",
    // French
    "de",
    "la",
    "le",
    "les",
    "des",
    "du",
    "au",
    "aux",
    "et",
    "a",
    "en",
    "un",
    "une",
    "pour",
    "par",
    "sur",
    "dans",
    "d",
    "l",
    "il",
    "y",
    "pas",
    "ne",
    "est",
    "sont",
    "avec",
    "sans",
    "plus",
    "manque",
    "absence",
    "probleme",
    "besoin",
    "douar",
    "commune",
    "population",
    "tres",
];

/// Words of one meaning in Arabic, Darija, French and Tamazight (Latin and Tifinagh), grouped
/// under a concept. The first word names the concept in the reasons shown to people. Entries
/// are written as people type them; they are normalised and stemmed like the proposals.
pub const LEXICON: &[(&str, &[&str])] = &[
    (
        "الماء",
        &[
            "ماء",
            "مياه",
            "الما",
            "شروب",
            "للشرب",
            "الشرب",
            "سقايه",
            "صنبور",
            "سقايات",
            "eau",
            "eaux",
            "potable",
            "robinet",
            "aman",
            "ⴰⵎⴰⵏ",
        ],
    ),
    ("بئر", &["بئر", "ابار", "بير", "ثقب", "puits", "forage"]),
    (
        "خزان",
        &["خزان", "صهريج", "reservoir", "citerne", "chateau"],
    ),
    (
        "طريق",
        &[
            "طريق",
            "طرق",
            "مسلك",
            "مسالك",
            "طرقيه",
            "الطريق",
            "الطرقان",
            "الطرقات",
            "تعبيد",
            "معبده",
            "piste",
            "pistes",
            "route",
            "routes",
            "chemin",
            "goudronnage",
            "goudron",
            "routier",
            "abrid",
            "ⴰⴱⵔⵉⴷ",
        ],
    ),
    (
        "قنطره",
        &["قنطره", "قناطر", "جسر", "منشاه", "pont", "ponts", "ouvrage"],
    ),
    (
        "مدرسه",
        &[
            "مدرسه",
            "مدارس",
            "مدرسيه",
            "مدرسي",
            "اعداديه",
            "تمدرس",
            "قسم",
            "اقسام",
            "ecole",
            "ecoles",
            "scolaire",
            "college",
            "classe",
            "classes",
            "tinmel",
            "ⵜⵉⵏⵎⵍ",
        ],
    ),
    (
        "نقل",
        &["نقل", "حافله", "الكار", "transport", "bus", "autocar"],
    ),
    (
        "صحه",
        &[
            "صحه",
            "صحي",
            "صحيه",
            "مستوصف",
            "مستشفي",
            "سبيطار",
            "طبيب",
            "ممرض",
            "ممرضه",
            "توليد",
            "dispensaire",
            "sante",
            "medecin",
            "infirmier",
            "infirmiere",
            "hopital",
            "accouchement",
            "sanitaire",
        ],
    ),
    ("اسعاف", &["اسعاف", "ambulance"]),
    (
        "كهرباء",
        &[
            "كهرباء",
            "كهربه",
            "كهربائي",
            "كهربائيه",
            "الضو",
            "ضوء",
            "electricite",
            "electrification",
            "electrique",
            "tifawt",
            "ⵜⵉⴼⴰⵡⵜ",
        ],
    ),
    (
        "اناره",
        &[
            "اناره",
            "انارة",
            "اعمده",
            "eclairage",
            "lampadaire",
            "lampadaires",
        ],
    ),
    (
        "تطهير",
        &["تطهير", "صرف", "مجاري", "assainissement", "egout", "egouts"],
    ),
    (
        "نفايات",
        &["نفايات", "ازبال", "الزبل", "ordures", "dechets", "dechet"],
    ),
    (
        "ملعب",
        &[
            "ملعب",
            "ملاعب",
            "رياضه",
            "رياضي",
            "رياضيه",
            "كره",
            "القدم",
            "terrain",
            "stade",
            "sport",
            "sportif",
            "sportive",
            "football",
        ],
    ),
    (
        "شباب",
        &["شباب", "الشباب", "jeunes", "jeunesse", "ilmezziyen"],
    ),
    (
        "نساء",
        &[
            "نساء",
            "النساء",
            "مراه",
            "المراه",
            "نسويه",
            "femme",
            "femmes",
            "feminin",
        ],
    ),
    (
        "تعاونيه",
        &["تعاونيه", "تعاونيات", "cooperative", "cooperatives"],
    ),
    (
        "اميه",
        &["اميه", "محو", "alphabetisation", "analphabetisme"],
    ),
    (
        "روض",
        &["روض", "رياض", "اولي", "prescolaire", "creche", "maternelle"],
    ),
    (
        "سقي",
        &[
            "سقي",
            "ساقيه",
            "سواقي",
            "خطاره",
            "irrigation",
            "seguia",
            "seguias",
            "targa",
            "ⵜⴰⵔⴳⴰ",
        ],
    ),
    (
        "فيضان",
        &[
            "فيضان",
            "فيضانات",
            "سيول",
            "حمله",
            "inondation",
            "inondations",
            "crue",
            "crues",
        ],
    ),
    ("سوق", &["سوق", "اسواق", "souk", "marche"]),
    ("مكتبه", &["مكتبه", "خزانه", "bibliotheque", "mediatheque"]),
    (
        "تغطيه",
        &[
            "تغطيه",
            "انترنت",
            "الانترنيت",
            "هاتف",
            "internet",
            "couverture",
            "antenne",
        ],
    ),
    (
        "شغل",
        &["شغل", "تشغيل", "بطاله", "emploi", "chomage", "travail"],
    ),
    ("مسجد", &["مسجد", "مساجد", "mosquee"]),
    ("مقبره", &["مقبره", "مقابر", "cimetiere"]),
    (
        "فلاحه",
        &[
            "فلاحه",
            "فلاح",
            "فلاحين",
            "مواشي",
            "ماشيه",
            "agriculture",
            "agricole",
            "betail",
        ],
    ),
    (
        "معاق",
        &[
            "اعاقه",
            "معاق",
            "معاقين",
            "handicap",
            "handicapes",
            "handicapees",
        ],
    ),
    ("ثقافه", &["ثقافه", "ثقافي", "culture", "culturel"]),
];

/// Concepts whose need is the commune's, not a douar's (one ambulance, one market): for these
/// the place of the meeting does not lower the score.
const COMMUNE_WIDE: &[&str] = &["اسعاف", "سوق", "مكتبه", "شغل"];

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
}

static LEX: LazyLock<Lexicon> = LazyLock::new(|| {
    let stop = STOP_WORDS.iter().map(|w| normalize(w)).collect();
    let mut concepts = HashMap::new();
    for (name, words) in LEXICON {
        for w in *words {
            for token in normalize(w).split(' ') {
                concepts.entry(stem(token)).or_insert(*name);
                concepts.entry(token.to_string()).or_insert(*name);
            }
        }
    }
    Lexicon { stop, concepts }
});

/// The terms of a comparison key: concepts as "#name", other words as their stem. Sorted,
/// without repeats.
pub fn terms(text_norm: &str) -> Vec<String> {
    let lex = &*LEX;
    let mut out: Vec<String> = Vec::new();
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
            Some(name) => out.push(format!("#{name}")),
            None => {
                let s = stem(word);
                if !lex.stop.contains(&s) {
                    out.push(s);
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

struct Vectors {
    /// per item: concept term ids, sorted
    concepts: Vec<Vec<u32>>,
    /// per item: (word term id, idf weight), sorted; words seen once in the whole set are left
    /// out (they cannot match anything, they would only dilute)
    words: Vec<Vec<(u32, f32)>>,
    word_norms: Vec<f32>,
    /// every term of each item (concepts and words, seen once or not), for finding candidates
    all: Vec<Vec<u32>>,
    names: Vec<String>,
    commune_wide: Vec<bool>,
}

fn vectorize(items: &[Item]) -> Vectors {
    let mut ids: HashMap<String, u32> = HashMap::new();
    let mut names: Vec<String> = Vec::new();
    let mut all: Vec<Vec<u32>> = Vec::with_capacity(items.len());
    let mut df: Vec<u32> = Vec::new();
    for item in items {
        let mut v: Vec<u32> = terms(&item.text_norm)
            .into_iter()
            .map(|t| {
                *ids.entry(t.clone()).or_insert_with(|| {
                    names.push(t);
                    df.push(0);
                    (names.len() - 1) as u32
                })
            })
            .collect();
        v.sort_unstable();
        for t in &v {
            df[*t as usize] += 1;
        }
        all.push(v);
    }
    let is_concept: Vec<bool> = names.iter().map(|n| n.starts_with('#')).collect();
    let commune_wide: Vec<bool> = names
        .iter()
        .map(|n| COMMUNE_WIDE.iter().any(|c| n.strip_prefix('#') == Some(c)))
        .collect();
    let n = items.len().max(1) as f32;
    let idf: Vec<f32> = df.iter().map(|d| (1.0 + n / *d as f32).ln()).collect();
    let mut concepts = Vec::with_capacity(all.len());
    let mut words = Vec::with_capacity(all.len());
    let mut word_norms = Vec::with_capacity(all.len());
    for v in &all {
        concepts.push(
            v.iter()
                .copied()
                .filter(|t| is_concept[*t as usize])
                .collect::<Vec<u32>>(),
        );
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
        words,
        word_norms,
        all,
        names,
        commune_wide,
    }
}

fn word_cosine(v: &Vectors, a: usize, b: usize) -> f32 {
    let (x, y) = (&v.words[a], &v.words[b]);
    let (mut i, mut j, mut dot) = (0, 0, 0.0f32);
    while i < x.len() && j < y.len() {
        match x[i].0.cmp(&y[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                dot += x[i].1 * y[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    let denom = v.word_norms[a] * v.word_norms[b];
    if denom > 0.0 { dot / denom } else { 0.0 }
}

/// How alike two items are, from 0 to 1 (text, place and sector).
fn pair_score(items: &[Item], p: &Params, v: &Vectors, a: usize, b: usize) -> f32 {
    let (ca, cb) = (&v.concepts[a], &v.concepts[b]);
    let shared: Vec<u32> = ca.iter().copied().filter(|c| cb.contains(c)).collect();
    let words = word_cosine(v, a, b);
    let text = if ca.is_empty() || cb.is_empty() {
        words
    } else {
        // Jaccard punishes a proposal that names more things (water, a well, a tank); the
        // overlap coefficient does not; their mean sits between.
        let union = ca.len() + cb.len() - shared.len();
        let jaccard = shared.len() as f32 / union as f32;
        let overlap = shared.len() as f32 / ca.len().min(cb.len()) as f32;
        CONCEPT_SHARE * (jaccard + overlap) / 2.0 + (1.0 - CONCEPT_SHARE) * words
    };
    let (x, y) = (&items[a], &items[b]);
    let commune_wide = !shared.is_empty() && shared.iter().all(|c| v.commune_wide[*c as usize]);
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

struct UnionFind {
    parent: Vec<u32>,
}

impl UnionFind {
    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let up = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = up;
            x = up;
        }
        x
    }

    fn union(&mut self, a: u32, b: u32) -> u32 {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.parent[rb as usize] = ra;
        }
        ra
    }
}

/// Groups of at least two items whose links reach the threshold, best first. `rejected`
/// holds pairs (lower index first) a person said are not alike: they are never linked.
pub fn suggest<'a>(
    items: &'a [Item],
    rejected: &HashSet<(usize, usize)>,
    p: &Params,
) -> Vec<Group> {
    let v = vectorize(items);
    // Candidate pairs: items that share a term in the same douar, in the same pole, or anywhere;
    // a posting list too long to tell anything is skipped.
    let mut places: HashMap<&str, u32> = HashMap::new();
    let mut place_of = |name: &'a str| {
        let next = places.len() as u32;
        *places.entry(name).or_insert(next)
    };
    let keys: Vec<[u32; 2]> = items
        .iter()
        .map(|item| {
            let douar = item
                .douars
                .first()
                .map_or(u32::MAX, |d| place_of(d.as_str()));
            [douar, place_of(item.pole.as_str())]
        })
        .collect();
    let mut postings: HashMap<(u32, u32), Vec<u32>> = HashMap::new();
    let mut global: Vec<Vec<u32>> = vec![Vec::new(); v.names.len()];
    for (i, terms) in v.all.iter().enumerate() {
        for t in terms {
            for place in keys[i] {
                if place != u32::MAX {
                    postings.entry((*t, place)).or_default().push(i as u32);
                }
            }
            global[*t as usize].push(i as u32);
        }
    }
    let mut uf = UnionFind {
        parent: (0..items.len() as u32).collect(),
    };
    // Sum and count of link scores per component root, merged as components join.
    let mut score_sum = vec![0.0f32; items.len()];
    let mut score_n = vec![0u32; items.len()];
    let mut seen = vec![u32::MAX; items.len()];
    let mut candidates: Vec<u32> = Vec::new();
    for (i, &[douar, pole]) in keys.iter().enumerate() {
        candidates.clear();
        for t in &v.all[i] {
            let lists = [
                postings.get(&(*t, douar)).map(Vec::as_slice),
                postings.get(&(*t, pole)).map(Vec::as_slice),
                Some(global[*t as usize].as_slice()),
            ];
            for list in lists.into_iter().flatten() {
                if list.len() > p.max_postings {
                    continue;
                }
                // Postings are in increasing order: only look at later items.
                let start = list.partition_point(|j| *j <= i as u32);
                for j in &list[start..] {
                    if seen[*j as usize] != i as u32 {
                        seen[*j as usize] = i as u32;
                        candidates.push(*j);
                    }
                }
            }
        }
        for &j in &candidates {
            let j = j as usize;
            if rejected.contains(&(i, j)) {
                continue;
            }
            let s = pair_score(items, p, &v, i, j);
            if s >= p.threshold {
                let (ri, rj) = (uf.find(i as u32), uf.find(j as u32));
                let root = uf.union(ri, rj) as usize;
                let other = if root == ri as usize { rj } else { ri } as usize;
                if other != root {
                    score_sum[root] += score_sum[other];
                    score_n[root] += score_n[other];
                }
                score_sum[root] += s;
                score_n[root] += 1;
            }
        }
    }
    let mut groups: HashMap<u32, Vec<usize>> = HashMap::new();
    for i in 0..items.len() {
        let r = uf.find(i as u32);
        groups.entry(r).or_default().push(i);
    }
    let mut out: Vec<Group> = groups
        .into_iter()
        .filter(|(_, m)| m.len() >= 2)
        .map(|(root, members)| {
            let confidence =
                (score_sum[root as usize] / score_n[root as usize].max(1) as f32).min(1.0);
            let shared_terms = shared_terms(&v, &members);
            Group {
                members,
                confidence,
                shared_terms,
            }
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
        .map(|(t, _, _)| v.names[t as usize].trim_start_matches('#').to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(a.contains(&"#مدرسه".to_string()), "{a:?}");
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
        assert!(groups[0].shared_terms.contains(&"صحه".to_string()));
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
