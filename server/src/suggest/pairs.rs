//! The second reading: whether two proposals say the same need, as a probability, and the
//! groups that follow from it.
//!
//! The cosine of two proposals' vectors says how much they share, but not what sharing that
//! means: two proposals that share "transport" and nothing else are often two needs (school
//! transport, the ambulance), two that share "ambulance" are one; two that are spelled alike
//! but read as different concepts may be one need typed twice. A small model of boosted
//! decision trees (`pairs.model`, fitted on the labelled sets of `benches/suggest/` by
//! `benches/suggest/fit.py`) weighs twenty figures of a pair ([`FEATURES`]): the engine's
//! score, what they share by kind of term, what only one of them needs, where they are, the
//! sector, how alike their letters are (character trigrams, which tolerate spelling), and
//! what the labelled sets of other communes say of the terms the two hold ([`Assoc`]).
//! The pairs weighed are those that share a term, and those that share none but hold two
//! terms the table says go together (`Params::assoc_link`): about one pair of one need in
//! ten shares no term ("the children walk 7 km" and "school transport").
//!
//! In a batch the size of a whole commune (`Params::neighbourhood_items`), a second model
//! (`pairs2.model`, fitted by the same script) reads the same figures and the pair's
//! neighbourhood in the first model's probabilities ([`NEIGHBOURHOOD`], [`Neighbours`]):
//! the third proposals both go with, and whether each is the other's best match.
//!
//! The groups are then made by average linkage: the two groups whose pairs are most alike on
//! average are joined, while that average reaches a bar that rises with the smaller group
//! (`Params::link`, `link_small`, `link_large` after the second model; `first_link` after
//! the first alone). A group joins another only if its members
//! are like the other's members on the whole, not through one link, so one ambiguous
//! proposal does not chain two needs together. Then [`refine`] lets a member leave a group
//! it barely belongs to, or move to one it fits much better, since the linkage never undoes
//! a merge.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::sync::LazyLock;

use super::{Engine, Kind, Params, Scope, Sharing, Side, built_in_or, unit};

/// The figures the model reads, in its order (the dump's header for fitting).
pub const FEATURES: [&str; 20] = [
    "score",
    "service",
    "work",
    "facility",
    "pair",
    "place",
    "word",
    "context",
    "unshared",
    "max_shared",
    "jaccard",
    "place_conflict",
    "one_place",
    "same_sector",
    "same_pole",
    "trigrams",
    "assoc_max",
    "assoc_min",
    "assoc_mean",
    "assoc_pos",
];

/// The figures of a pair's neighbourhood, read by the second model after [`FEATURES`]: two
/// proposals that each go with the same third ones are one need more often than their own
/// figures say ("the children walk 7 km" and "a bus for the pupils" both go with "school
/// transport"), and two that each go with others far better than with each other less
/// often. From the first model's probabilities `q` ([`Neighbours`]).
pub const NEIGHBOURHOOD: [&str; 9] = [
    "first",
    "shared_max",
    "shared_sum",
    "shared_cos",
    "shared_count",
    "rank_min",
    "rank_max",
    "degree_min",
    "degree_max",
];

/// The smallest first probability that makes two proposals neighbours ([`Neighbours`]).
const NEIGHBOUR_FLOOR: f32 = 0.05;

/// The association table, in the repository ([`Assoc`]), gzipped: its text is 6.8 MB, over
/// the 4 MiB a tracked file may weigh, and 2 MB compressed.
pub const ASSOC_GZ: &[u8] = include_bytes!("pairs.assoc.gz");

/// `TACHKHIS_SUGGEST_ASSOC=<file>` reads another table, as text or gzipped.
static ASSOC: LazyLock<Assoc> = LazyLock::new(|| {
    let bytes = match std::env::var_os("TACHKHIS_SUGGEST_ASSOC").map(std::fs::read) {
        Some(Ok(bytes)) => bytes,
        Some(Err(e)) => {
            tracing::warn!("TACHKHIS_SUGGEST_ASSOC unreadable ({e}): the built-in table is used");
            ASSOC_GZ.to_vec()
        }
        None => ASSOC_GZ.to_vec(),
    };
    match assoc_text(&bytes) {
        Ok(text) => Assoc::parse(&text),
        Err(e) => {
            tracing::error!("the association table is unreadable ({e}): suggestions go without it");
            Assoc::default()
        }
    }
});

/// The text of a table file: gunzipped when it starts with gzip's magic bytes.
fn assoc_text(bytes: &[u8]) -> std::io::Result<String> {
    use std::io::Read;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut text = String::new();
        flate2::read::GzDecoder::new(bytes).read_to_string(&mut text)?;
        Ok(text)
    } else {
        String::from_utf8(bytes.to_vec())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }
}

pub fn assoc() -> &'static Assoc {
    &ASSOC
}

/// What the labelled sets say of two terms found in two proposals: the log-odds, against
/// any pair of proposals, that two proposals holding them are one need ("ambulance" and
/// "women give birth on the road" raise it; "transport" and "ambulance" lower it). Learned
/// by `benches/suggest/fit.py` from terms of several communes only (never a place), so it
/// reads what people of any commune say of a need, beyond the lexicon's synonyms.
#[derive(Debug, Default)]
pub struct Assoc {
    index: HashMap<String, u32>,
    scores: HashMap<(u32, u32), f32>,
    /// Per term: the other terms it goes with at [`PARTNER_FLOOR`] or more, highest first.
    partners: HashMap<u32, Vec<(u32, f32)>>,
}

/// The lowest log-odds kept in [`Assoc::partners`].
const PARTNER_FLOOR: f32 = 2.0;

impl Assoc {
    /// One term a line, numbered from 0 in their order: `<term>\t<n>:<log-odds> ...`, the
    /// pairs it makes with terms of lines `n` up to its own (a term being `c:<concept name>`
    /// or `w:<word as the engine keys it>`); `#` starts a comment; an unreadable pair is
    /// skipped.
    pub fn parse(text: &str) -> Assoc {
        let mut t = Assoc::default();
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let (key, pairs) = line.split_once('\t').unwrap_or((line, ""));
            let next = t.index.len() as u32;
            let me = *t.index.entry(key.to_string()).or_insert(next);
            for pair in pairs.split(' ') {
                let Some((other, score)) = pair.split_once(':') else {
                    continue;
                };
                let (Ok(other), Ok(score)) = (other.parse::<u32>(), score.parse::<f32>()) else {
                    continue;
                };
                if other <= me && score.is_finite() {
                    t.scores.insert((other, me), score);
                }
            }
        }
        for (&(a, b), &s) in &t.scores {
            if a != b && s >= PARTNER_FLOOR {
                t.partners.entry(a).or_default().push((b, s));
                t.partners.entry(b).or_default().push((a, s));
            }
        }
        for list in t.partners.values_mut() {
            list.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
        }
        t
    }

    /// The terms `t` goes with at [`PARTNER_FLOOR`] or more, highest first.
    fn partners(&self, t: u32) -> &[(u32, f32)] {
        self.partners.get(&t).map_or(&[], Vec::as_slice)
    }

    pub fn index(&self, key: &str) -> Option<u32> {
        self.index.get(key).copied()
    }

    fn score(&self, a: u32, b: u32) -> Option<f32> {
        self.scores.get(&(a.min(b), a.max(b))).copied()
    }
}

/// The fitted model, in the repository.
pub const MODEL_TXT: &str = include_str!("pairs.model");

/// `TACHKHIS_SUGGEST_MODEL=<file>` reads another model (to try a fit without rebuilding).
static MODEL: LazyLock<Model> =
    LazyLock::new(|| Model::parse(&built_in_or("TACHKHIS_SUGGEST_MODEL", MODEL_TXT)));

#[derive(Debug, Clone, Copy)]
struct Node {
    feature: usize,
    threshold: f32,
    left: u32,
    right: u32,
    value: f32,
    leaf: bool,
}

/// Boosted trees: the probability is the logistic of `base` plus one leaf of each tree.
#[derive(Debug, Default)]
pub struct Model {
    base: f32,
    trees: Vec<Vec<Node>>,
}

impl Model {
    /// A model of the figures of [`FEATURES`] (the first reading).
    pub fn parse(text: &str) -> Model {
        Model::parse_width(text, FEATURES.len())
    }

    /// The model file: a line `base <value>`, then one line a node:
    /// `<tree> <node> <feature> <threshold> <left> <right> <value> <leaf 0|1>` (a node goes
    /// left when the feature is at most the threshold). Unreadable lines, and nodes of a
    /// feature at or past `width`, are skipped.
    pub fn parse_width(text: &str, width: usize) -> Model {
        let mut m = Model::default();
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let f: Vec<&str> = line.split_whitespace().collect();
            match f[..] {
                ["base", v] => m.base = v.parse().unwrap_or(0.0),
                [tree, _, feature, threshold, left, right, value, leaf] => {
                    let (Ok(tree), Ok(feature), Ok(threshold), Ok(left), Ok(right), Ok(value)) = (
                        tree.parse::<usize>(),
                        feature.parse::<usize>(),
                        threshold.parse::<f32>(),
                        left.parse::<u32>(),
                        right.parse::<u32>(),
                        value.parse::<f32>(),
                    ) else {
                        continue;
                    };
                    if feature >= width {
                        continue;
                    }
                    if m.trees.len() <= tree {
                        m.trees.resize(tree + 1, Vec::new());
                    }
                    m.trees[tree].push(Node {
                        feature,
                        threshold,
                        left,
                        right,
                        value,
                        leaf: leaf == "1",
                    });
                }
                _ => {}
            }
        }
        // A tree whose links point outside it would loop or panic: dropped.
        m.trees.retain(|t| {
            !t.is_empty()
                && t.iter().all(|n| {
                    n.leaf || ((n.left as usize) < t.len() && (n.right as usize) < t.len())
                })
        });
        m
    }

    /// Whether the file held any tree (an empty second model leaves the first reading).
    pub fn is_empty(&self) -> bool {
        self.trees.is_empty()
    }

    /// The probability for these figures (a figure missing from `f` counts as 0).
    pub fn prob(&self, f: &[f32]) -> f32 {
        let mut raw = self.base;
        for tree in &self.trees {
            let mut k = 0usize;
            // At most as many steps as nodes, whatever the file says.
            for _ in 0..tree.len() {
                let n = tree[k];
                if n.leaf {
                    raw += n.value;
                    break;
                }
                k = if f.get(n.feature).copied().unwrap_or(0.0) <= n.threshold {
                    n.left
                } else {
                    n.right
                } as usize;
            }
        }
        1.0 / (1.0 + (-raw).exp())
    }
}

pub fn model() -> &'static Model {
    &MODEL
}

/// The second model, in the repository: it reads [`FEATURES`] then [`NEIGHBOURHOOD`].
pub const MODEL2_TXT: &str = include_str!("pairs2.model");

/// `TACHKHIS_SUGGEST_MODEL2=<file>` reads another (an empty file: the first reading alone).
static MODEL2: LazyLock<Model> = LazyLock::new(|| {
    Model::parse_width(
        &built_in_or("TACHKHIS_SUGGEST_MODEL2", MODEL2_TXT),
        FEATURES.len() + NEIGHBOURHOOD.len(),
    )
});

pub fn model2() -> &'static Model {
    &MODEL2
}

impl Engine<'_> {
    /// The score of `i` against `j` alone ([`Engine::score`] with a group of one).
    pub(super) fn pair_score(&self, i: usize, j: usize) -> f32 {
        let p = &self.p;
        let (a, b) = (&p.vecs[i], &p.vecs[j]);
        let mut dot = 0.0f32;
        let mut sharing = Sharing::default();
        shared(a, b, |x, y| {
            dot += a[x].1 * b[y].1;
            sharing.add(p.kinds[a[x].0 as usize]);
        });
        if dot <= 0.0 || !sharing.telling {
            return 0.0;
        }
        self.scaled(
            i,
            dot.min(1.0),
            sharing,
            Side {
                places: &p.places[j],
                douars: &p.douars[j],
                poles: &[p.poles[j]],
                strong: p.strong[j],
                sector: self.items[j].sector.as_ref(),
            },
        )
    }

    /// The figures of a pair, in the order of [`FEATURES`].
    pub(super) fn features(&self, i: usize, j: usize) -> [f32; FEATURES.len()] {
        let p = &self.p;
        let mut f = [0.0f32; FEATURES.len()];
        f[0] = self.pair_score(i, j);
        let strong = |t: u32| p.kinds[t as usize].is_need();
        let (a, b) = (&p.vecs[i], &p.vecs[j]);
        let (mut x, mut y) = (0, 0);
        let (mut shared_strong, mut only) = (0u32, 0u32);
        loop {
            let order = match (a.get(x), b.get(y)) {
                (None, None) => break,
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some(s), Some(t)) => s.0.cmp(&t.0),
            };
            match order {
                Ordering::Less => {
                    only += strong(a[x].0) as u32;
                    x += 1;
                }
                Ordering::Greater => {
                    only += strong(b[y].0) as u32;
                    y += 1;
                }
                Ordering::Equal => {
                    let t = a[x].0;
                    // Its share of the cosine: the same for a batch of five or of five hundred.
                    let w = a[x].1 * b[y].1;
                    let slot = match p.kinds[t as usize] {
                        Kind::Concept(Scope::Service) => 1,
                        Kind::Concept(Scope::Work) => 2,
                        Kind::Concept(Scope::Facility) => 3,
                        Kind::Pair => 4,
                        Kind::Place => 5,
                        Kind::Word => 6,
                        Kind::Concept(Scope::Context) => 7,
                    };
                    f[slot] += w;
                    if strong(t) {
                        shared_strong += 1;
                        f[9] = f[9].max(w);
                    }
                    x += 1;
                    y += 1;
                }
            }
        }
        f[8] = only as f32;
        f[10] = shared_strong as f32 / (shared_strong + only).max(1) as f32;
        let (pa, pb) = (&p.places[i], &p.places[j]);
        f[11] = (!pa.is_empty() && !pb.is_empty() && !self.places.compatible(pa, pb)) as u8 as f32;
        f[12] = (pa.is_empty() != pb.is_empty()) as u8 as f32;
        f[13] = (self.items[i].sector == self.items[j].sector) as u8 as f32;
        f[14] = (p.poles[i] == p.poles[j]) as u8 as f32;
        f[15] = sparse_dot(&p.trigrams[i], &p.trigrams[j]);
        let all = p.assoc_n[i] * p.assoc_n[j];
        if all > 0 {
            // A pair of terms the table does not hold counts as 0: nothing known.
            let table = assoc();
            let (mut max, mut min, mut sum, mut pos, mut known) =
                (f32::MIN, f32::MAX, 0.0f32, 0.0f32, 0u32);
            for a in &p.assoc[i] {
                for b in &p.assoc[j] {
                    if let Some(s) = table.score(*a, *b) {
                        max = max.max(s);
                        min = min.min(s);
                        sum += s;
                        pos += s.max(0.0);
                        known += 1;
                    }
                }
            }
            if known < all {
                max = max.max(0.0);
                min = min.min(0.0);
            }
            f[16] = max;
            f[17] = min;
            f[18] = sum / all as f32;
            f[19] = pos / (all as f32).sqrt();
        }
        f
    }
}

/// Calls `f` with the positions of each term two sorted vectors share.
fn shared(a: &[(u32, f32)], b: &[(u32, f32)], mut f: impl FnMut(usize, usize)) {
    let (mut x, mut y) = (0, 0);
    while x < a.len() && y < b.len() {
        match a[x].0.cmp(&b[y].0) {
            Ordering::Less => x += 1,
            Ordering::Greater => y += 1,
            Ordering::Equal => {
                f(x, y);
                x += 1;
                y += 1;
            }
        }
    }
}

fn sparse_dot(a: &[(u32, f32)], b: &[(u32, f32)]) -> f32 {
    let mut dot = 0.0f32;
    shared(a, b, |x, y| dot += a[x].1 * b[y].1);
    dot
}

/// Character trigrams of each word (with a space on both sides), weighted by tf-idf over the
/// items, unit length, sorted: how alike two texts are as typed.
pub(super) fn trigrams(texts: &[&str]) -> Vec<Vec<(u32, f32)>> {
    let mut ids: HashMap<[char; 3], u32> = HashMap::new();
    let mut df: Vec<u32> = Vec::new();
    let counted: Vec<Vec<(u32, u32)>> = texts
        .iter()
        .map(|t| {
            let mut v: Vec<u32> = Vec::new();
            for w in t.split(' ').filter(|w| !w.is_empty()) {
                let chars: Vec<char> = std::iter::once(' ')
                    .chain(w.chars())
                    .chain(std::iter::once(' '))
                    .collect();
                for g in chars.windows(3) {
                    let next = ids.len() as u32;
                    let id = *ids.entry([g[0], g[1], g[2]]).or_insert(next);
                    if id as usize == df.len() {
                        df.push(0);
                    }
                    v.push(id);
                }
            }
            v.sort_unstable();
            let mut c: Vec<(u32, u32)> = Vec::new();
            for id in v {
                match c.last_mut() {
                    Some((last, n)) if *last == id => *n += 1,
                    _ => c.push((id, 1)),
                }
            }
            for (id, _) in &c {
                df[*id as usize] += 1;
            }
            c
        })
        .collect();
    let n = texts.len().max(1) as f32;
    counted
        .into_iter()
        .map(|c| {
            let mut v: Vec<(u32, f32)> = c
                .into_iter()
                .map(|(id, k)| {
                    (
                        id,
                        (1.0 + (k as f32).ln()) * (n / df[id as usize] as f32).ln(),
                    )
                })
                .filter(|(_, w)| *w > 0.0)
                .collect();
            unit(&mut v);
            v
        })
        .collect()
}

/// Pairs of proposals worth a probability, found through the terms they share, with the
/// probability when it is at least `floor`: the first model's, or in a batch of at least
/// `Params::neighbourhood_items` the second model's, which reads the first's probabilities
/// of the pairs around it too (the second element: whether it did). Proposals are numbered
/// by their place in `order` (content order), the lower first in each pair.
pub(super) fn candidate_links(
    engine: &Engine<'_>,
    order: &[usize],
    floor: f32,
) -> (Vec<(u32, u32, f32)>, bool) {
    let p = &engine.p;
    let model = model();
    let mut index: HashMap<u32, Vec<u32>> = HashMap::new();
    for (k, i) in order.iter().enumerate() {
        for (t, _) in &p.vecs[*i] {
            if p.kinds[*t as usize] != Kind::Concept(Scope::Context) {
                index.entry(*t).or_default().push(k as u32);
            }
        }
    }
    // A term shared by most proposals of a large batch tells nothing and would make every
    // pair a candidate; in a small batch every pair is worth weighing.
    let common = (order.len() / 2).max(50);
    // Two proposals that share no term, but hold two terms that the other communes' labels
    // say go together ("the children walk 7 km" and "school transport"), are weighed too.
    let table = assoc();
    let bar = engine.params.assoc_link;
    let mut by_assoc: HashMap<u32, Vec<u32>> = HashMap::new();
    if bar.is_finite() {
        for (k, i) in order.iter().enumerate() {
            for t in &p.assoc[*i] {
                by_assoc.entry(*t).or_default().push(k as u32);
            }
        }
    }
    let dump = std::env::var_os("TACHKHIS_SUGGEST_FEATURES");
    let mut dumped = String::new();
    let mut links = Vec::new();
    // Every pair weighed, with its figures and its first probability, kept for the second
    // reading (or the dump); without either, a pair is kept or dropped as it is weighed.
    // The second model reads a batch large enough for a pair's neighbourhood to mean what
    // it meant in the whole communes it was fitted on.
    let model2 = model2();
    let second = order.len() >= engine.params.neighbourhood_items && !model2.is_empty();
    let keep = second || dump.is_some();
    let mut first: Vec<(u32, u32, [f32; FEATURES.len()], f32)> = Vec::new();
    let mut seen: Vec<u32> = vec![u32::MAX; order.len()];
    let mut candidates: Vec<u32> = Vec::new();
    for (a, &i) in order.iter().enumerate() {
        candidates.clear();
        // The proposals holding a term `i` holds, then those holding a term one of its
        // terms goes with.
        let sharing = p.vecs[i].iter().filter_map(|(t, _)| index.get(t));
        let partnered = p.assoc[i]
            .iter()
            .flat_map(|t| table.partners(*t).iter().take_while(|x| x.1 >= bar))
            .filter_map(|(u, _)| by_assoc.get(u));
        for list in sharing.chain(partnered) {
            if list.len() > common {
                continue;
            }
            for &b in list {
                if (b as usize) > a && seen[b as usize] != a as u32 {
                    seen[b as usize] = a as u32;
                    candidates.push(b);
                }
            }
        }
        candidates.sort_unstable();
        for &b in &candidates {
            let j = order[b as usize];
            let f = engine.features(i, j);
            if dump.is_some() {
                let fs: Vec<String> = f.iter().map(|x| format!("{x:.5}")).collect();
                dumped.push_str(&format!("F\t{i}\t{j}\t{}\n", fs.join("\t")));
            }
            let prob = capped(&f, model.prob(&f));
            if keep {
                first.push((a as u32, b, f, prob));
            } else if prob >= floor {
                links.push((a as u32, b, prob));
            }
        }
    }
    // The second reading: the same figures and the pair's neighbourhood in the first.
    if keep {
        let around = Neighbours::new(order.len(), first.iter().map(|(a, b, _, q)| (*a, *b, *q)));
        for (a, b, f, q) in first {
            let n = around.figures(a, b, q);
            if dump.is_some() {
                let ns: Vec<String> = n.iter().map(|x| format!("{x:.5}")).collect();
                let (i, j) = (order[a as usize], order[b as usize]);
                dumped.push_str(&format!("S\t{i}\t{j}\t{}\n", ns.join("\t")));
            }
            let prob = if second {
                let mut all = [0.0f32; FEATURES.len() + NEIGHBOURHOOD.len()];
                all[..FEATURES.len()].copy_from_slice(&f);
                all[FEATURES.len()..].copy_from_slice(&n);
                capped(&f, model2.prob(&all))
            } else {
                q
            };
            if prob >= floor {
                links.push((a, b, prob));
            }
        }
    }
    if let Some(path) = dump {
        // Each item's text (to find its row) and its terms as the association table keys
        // them (to learn the table).
        let texts: String = engine
            .items
            .iter()
            .enumerate()
            .map(|(i, it)| {
                let keys: Vec<&str> = engine.p.raw_keys(i).collect();
                format!("T\t{i}\t{}\nK\t{i}\t{}\n", it.text_norm, keys.join("\t"))
            })
            .collect();
        if let Err(e) = std::fs::write(path, texts + &dumped) {
            tracing::warn!("TACHKHIS_SUGGEST_FEATURES not written: {e}");
        }
    }
    (links, second)
}

/// The highest probability of two proposals naming places that conflict and sharing no
/// service ([`candidate_links`]).
const PLACE_CONFLICT_MAX: f32 = 0.1;

/// Two works at two places that conflict (the nurse of one dispensary and of another, the
/// roads to two douars) are two needs, whatever the other communes' labels say of their
/// words; only a service shared makes them one.
fn capped(f: &[f32; FEATURES.len()], prob: f32) -> f32 {
    if f[11] > 0.0 && f[1] <= 0.0 {
        prob.min(PLACE_CONFLICT_MAX)
    } else {
        prob
    }
}

/// Each proposal's neighbours in the first reading (first probability at least
/// [`NEIGHBOUR_FLOOR`]), sorted, with the sum and the highest of those probabilities.
struct Neighbours {
    of: Vec<Vec<(u32, f32)>>,
    degree: Vec<f32>,
    top: Vec<f32>,
}

impl Neighbours {
    fn new(n: usize, pairs: impl Iterator<Item = (u32, u32, f32)>) -> Neighbours {
        let mut of: Vec<Vec<(u32, f32)>> = vec![Vec::new(); n];
        for (a, b, q) in pairs.filter(|p| p.2 >= NEIGHBOUR_FLOOR) {
            of[a as usize].push((b, q));
            of[b as usize].push((a, q));
        }
        for list in &mut of {
            list.sort_unstable_by_key(|x| x.0);
        }
        let degree = of.iter().map(|l| l.iter().map(|x| x.1).sum()).collect();
        let top = of
            .iter()
            .map(|l| l.iter().map(|x| x.1).fold(0.0f32, f32::max))
            .collect();
        Neighbours { of, degree, top }
    }

    /// The figures of [`NEIGHBOURHOOD`] for the pair `a`, `b` of first probability `q`.
    fn figures(&self, a: u32, b: u32, q: f32) -> [f32; NEIGHBOURHOOD.len()] {
        let (la, lb) = (&self.of[a as usize], &self.of[b as usize]);
        let (mut max, mut sum, mut count) = (0.0f32, 0.0f32, 0u32);
        shared(la, lb, |x, y| {
            let k = la[x].0;
            if k != a && k != b {
                max = max.max(la[x].1.min(lb[y].1));
                sum += la[x].1 * lb[y].1;
                count += 1;
            }
        });
        // Their degrees without the pair itself.
        let own = if q >= NEIGHBOUR_FLOOR { q } else { 0.0 };
        let (da, db) = (self.degree[a as usize] - own, self.degree[b as usize] - own);
        let cos = sum / (da.max(1e-6) * db.max(1e-6)).sqrt();
        let rank = |t: f32| if t > 0.0 { q / t } else { 0.0 };
        let (ra, rb) = (rank(self.top[a as usize]), rank(self.top[b as usize]));
        [
            q,
            max,
            sum,
            cos,
            count as f32,
            ra.min(rb),
            ra.max(rb),
            da.min(db),
            da.max(db),
        ]
    }
}

/// An entry of the merge queue: the average, then the nodes (smaller first wins a tie).
#[derive(PartialEq)]
struct Candidate {
    avg: f32,
    a: u32,
    b: u32,
}

impl Eq for Candidate {}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.avg
            .total_cmp(&other.avg)
            .then(other.a.cmp(&self.a))
            .then(other.b.cmp(&self.b))
    }
}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Average linkage of `n` proposals over the links (pairs of proposals with their
/// probability; a missing pair counts as 0): the two groups of highest average probability
/// over their pairs join while it reaches `threshold(size of one, size of the other)`.
/// `apart(a, b)` says two groups must never join (a pair a person rejected). Returns the
/// groups, each as its proposals.
pub(super) fn link(
    n: usize,
    links: &[(u32, u32, f32)],
    threshold: impl Fn(f32, f32) -> f32,
    apart: impl Fn(&[u32], &[u32]) -> bool,
) -> Vec<Vec<u32>> {
    let mut size: Vec<f32> = vec![1.0; n];
    // Sum of the probabilities of the pairs between two live groups.
    let mut adj: Vec<BTreeMap<u32, f32>> = vec![BTreeMap::new(); n];
    for &(a, b, p) in links {
        *adj[a as usize].entry(b).or_insert(0.0) += p;
        *adj[b as usize].entry(a).or_insert(0.0) += p;
    }
    let mut members: Vec<Vec<u32>> = (0..n as u32).map(|k| vec![k]).collect();
    let mut alive = vec![true; n];
    let mut heap = BinaryHeap::new();
    let avg = |adj: &Vec<BTreeMap<u32, f32>>, size: &Vec<f32>, a: u32, b: u32| {
        adj[a as usize].get(&b).copied().unwrap_or(0.0) / (size[a as usize] * size[b as usize])
    };
    for (a, m) in adj.iter().enumerate() {
        for &b in m.keys().filter(|b| **b as usize > a) {
            let v = avg(&adj, &size, a as u32, b);
            if v >= threshold(1.0, 1.0) {
                heap.push(Candidate {
                    avg: v,
                    a: a as u32,
                    b,
                });
            }
        }
    }
    while let Some(Candidate { avg: v, a, b }) = heap.pop() {
        if !alive[a as usize] || !alive[b as usize] {
            continue;
        }
        // Stale: the average changed since it was queued, or a group grew and asks more.
        if (avg(&adj, &size, a, b) - v).abs() > 1e-6
            || v < threshold(size[a as usize], size[b as usize])
        {
            continue;
        }
        if apart(&members[a as usize], &members[b as usize]) {
            continue;
        }
        // b joins a (a is the smaller number: the one first in content order).
        let (a, b) = (a.min(b), a.max(b));
        alive[b as usize] = false;
        let moved = std::mem::take(&mut members[b as usize]);
        members[a as usize].extend(moved);
        size[a as usize] += size[b as usize];
        let from_b = std::mem::take(&mut adj[b as usize]);
        for (c, s) in from_b {
            if c == a {
                continue;
            }
            adj[c as usize].remove(&b);
            *adj[c as usize].entry(a).or_insert(0.0) += s;
            *adj[a as usize].entry(c).or_insert(0.0) += s;
        }
        adj[a as usize].remove(&b);
        let neighbours: Vec<u32> = adj[a as usize].keys().copied().collect();
        for c in neighbours {
            let v = avg(&adj, &size, a, c);
            if v >= threshold(size[a as usize], size[c as usize]) {
                heap.push(Candidate {
                    avg: v,
                    a: a.min(c),
                    b: a.max(c),
                });
            }
        }
    }
    (0..n)
        .filter(|k| alive[*k])
        .map(|k| std::mem::take(&mut members[k]))
        .collect()
}

/// Average linkage is greedy: a merge is never undone, so a proposal can stay in the group
/// it joined first though another suits it better, or be carried along by a merge of
/// groups it is barely linked to. Twice, from the groups as they stand: a member whose
/// average probability with the rest of its group is below `params.leave` leaves it (alone),
/// and one whose average with another group is above its own by `params.move_by`, and
/// reaches the bar of a proposal joining that group, moves to the best such group, unless
/// `apart` forbids it. `fixed` members (the office's needs) stay.
pub(super) fn refine(
    mut groups: Vec<Vec<u32>>,
    links: &[(u32, u32, f32)],
    params: &Params,
    bar: impl Fn(f32, f32) -> f32,
    apart: impl Fn(&[u32], &[u32]) -> bool,
    fixed: impl Fn(u32) -> bool,
) -> Vec<Vec<u32>> {
    let n = groups.iter().map(Vec::len).sum::<usize>();
    let mut adj: Vec<Vec<(u32, f32)>> = vec![Vec::new(); n];
    for &(a, b, p) in links {
        adj[a as usize].push((b, p));
        adj[b as usize].push((a, p));
    }
    for _ in 0..2 {
        let mut group_of = vec![0usize; n];
        for (g, members) in groups.iter().enumerate() {
            for x in members {
                group_of[*x as usize] = g;
            }
        }
        let mut moves: Vec<(u32, Option<usize>)> = Vec::new();
        for x in (0..n as u32).filter(|x| !fixed(*x)) {
            let mine = group_of[x as usize];
            let size = groups[mine].len() as f32;
            if size < 2.0 {
                continue;
            }
            let mut sums: BTreeMap<usize, f32> = BTreeMap::new();
            for &(y, p) in &adj[x as usize] {
                *sums.entry(group_of[y as usize]).or_insert(0.0) += p;
            }
            let own = sums.get(&mine).copied().unwrap_or(0.0) / (size - 1.0);
            let mut best: Option<(f32, usize)> = None;
            for (&g, &sum) in sums.iter().filter(|(g, _)| **g != mine) {
                let len = groups[g].len() as f32;
                let v = sum / len;
                // Ties go to the group of the lowest number (the linkage's order).
                if v >= bar(1.0, len)
                    && v > own + params.move_by
                    && best.is_none_or(|(b, _)| v > b)
                    && !apart(&[x], &groups[g])
                {
                    best = Some((v, g));
                }
            }
            match best {
                Some((_, g)) => moves.push((x, Some(g))),
                None if own < params.leave => moves.push((x, None)),
                None => {}
            }
        }
        if moves.is_empty() {
            break;
        }
        for (x, to) in moves {
            groups[group_of[x as usize]].retain(|y| *y != x);
            match to {
                Some(g) => groups[g].push(x),
                None => groups.push(vec![x]),
            }
        }
        groups.retain(|g| !g.is_empty());
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_table_unzips_whole_and_reads_as_its_text_would() {
        let text = assoc_text(ASSOC_GZ).expect("the built-in table unzips");
        let t = Assoc::parse(&text);
        assert!(t.index.len() >= 1000, "{} terms", t.index.len());
        assert!(t.scores.len() >= 100_000, "{} pairs", t.scores.len());
        // Read from a text file (`TACHKHIS_SUGGEST_ASSOC`), the same table.
        let plain = assoc_text(text.as_bytes()).expect("text reads as itself");
        assert_eq!(Assoc::parse(&plain).scores, t.scores);
        // A truncated file is an error, not a panic nor half a table.
        assert!(assoc_text(&ASSOC_GZ[..ASSOC_GZ.len() / 2]).is_err());
        // The ambulance goes with pregnant women (the table's first lines).
        let (a, b) = (t.index("c:إسعاف").unwrap(), t.index("c:حوامل").unwrap());
        assert!(t.score(a, b).is_some_and(|s| s >= 2.0));
    }

    #[test]
    fn the_built_in_model_reads_whole_and_gives_probabilities() {
        let m = Model::parse(MODEL_TXT);
        assert!(m.trees.len() >= 50, "{} trees", m.trees.len());
        let none = [0.0f32; FEATURES.len()];
        let mut alike = none;
        alike[0] = 0.9; // the engine's score
        alike[1] = 0.6; // a service shared
        alike[10] = 1.0; // every need named is shared
        alike[15] = 0.7; // spelled alike
        let (low, high) = (m.prob(&none), m.prob(&alike));
        assert!((0.0..1.0).contains(&low) && (0.0..=1.0).contains(&high));
        assert!(
            high > 0.5 && low < 0.2,
            "alike {high}, nothing shared {low}"
        );
    }

    #[test]
    fn the_second_model_reads_whole_and_weighs_the_neighbourhood() {
        let m = model2();
        assert!(m.trees.len() >= 20, "{} trees", m.trees.len());
        // A pair of middling figures, first probability 0.3: sharing three neighbours that
        // both go with strongly makes it likelier; neither being the other's best, less.
        let n = FEATURES.len();
        let mut f = [0.0f32; FEATURES.len() + NEIGHBOURHOOD.len()];
        f[0] = 0.3; // the engine's score
        f[1] = 0.3; // a service shared
        f[10] = 0.5;
        f[15] = 0.2;
        f[n] = 0.3;
        f[n + 5] = 0.5;
        f[n + 6] = 1.0;
        f[n + 7] = 1.5;
        f[n + 8] = 2.0;
        let alone = m.prob(&f);
        let mut shared = f;
        shared[n + 1] = 0.8;
        shared[n + 2] = 1.6;
        shared[n + 3] = 0.9;
        shared[n + 4] = 3.0;
        let mut elsewhere = f;
        elsewhere[n + 5] = 0.3;
        elsewhere[n + 6] = 0.35;
        let (shared, elsewhere) = (m.prob(&shared), m.prob(&elsewhere));
        assert!(
            shared > alone + 0.1 && elsewhere < alone,
            "shared {shared}, alone {alone}, each better elsewhere {elsewhere}"
        );
    }

    #[test]
    fn a_pair_is_read_with_the_neighbours_both_go_with() {
        // 0 and 1 both go with 2 ("school transport"); 0 goes best with 3; 4 is alone.
        let n = Neighbours::new(
            5,
            [
                (0, 2, 0.8),
                (1, 2, 0.6),
                (0, 1, 0.2),
                (0, 3, 0.9),
                (1, 4, 0.01),
            ]
            .into_iter(),
        );
        let f = n.figures(0, 1, 0.2);
        let want = [
            0.2,  // the first probability
            0.6,  // the best shared neighbour: min(0.8, 0.6)
            0.48, // 0.8 x 0.6
            0.48 / (1.7f32 * 0.6).sqrt(),
            1.0,       // one neighbour shared
            0.2 / 0.9, // 0's best is 3, far better
            0.2 / 0.6, // 1's best is 2
            0.6,       // degrees without the pair (0.01 is no neighbour)
            1.7,
        ];
        for (k, (got, want)) in f.iter().zip(want).enumerate() {
            assert!(
                (got - want).abs() < 1e-5,
                "{}: {got} against {want}",
                NEIGHBOURHOOD[k]
            );
        }
        // Nothing shared, and 4 has no neighbour: all zero but 3's degree.
        let mut lone = [0.0; NEIGHBOURHOOD.len()];
        lone[8] = 0.9;
        assert_eq!(n.figures(3, 4, 0.0), lone);
    }

    #[test]
    fn a_broken_model_file_is_read_without_panic() {
        let text = "base 0.5\n0 0 3 0.5 1 2 0 0\n0 1 0 0 0 0 1.0 1\n0 2 0 0 0 0 -1.0 1\n\
                    1 0 2 0.1 7 9 0 0\n2 0 99 0.1 1 2 0 0\nnonsense\n3 x y\n";
        let m = Model::parse(text);
        // Tree 1 points outside itself, tree 2 reads a feature that does not exist.
        assert_eq!(m.trees.len(), 1);
        let mut f = [0.0f32; FEATURES.len()];
        assert!((m.prob(&f) - 1.0 / (1.0 + (-1.5f32).exp())).abs() < 1e-6);
        f[3] = 1.0;
        assert!((m.prob(&f) - 1.0 / (1.0 + (0.5f32).exp())).abs() < 1e-6);
        assert_eq!(Model::parse("").prob(&f), 0.5);
    }

    #[test]
    fn the_association_table_reads_both_ways_and_skips_broken_lines() {
        let t = Assoc::parse(
            "# comment\nc:إسعاف\nw:ambulance\t0:2.5\nw:a\t1:nan 7:1.0 x 2\n\nw:b\t2:y\n",
        );
        let (a, b) = (t.index("c:إسعاف").unwrap(), t.index("w:ambulance").unwrap());
        assert_eq!(t.score(a, b), Some(2.5));
        assert_eq!(t.score(b, a), Some(2.5));
        let (c, d) = (t.index("w:a").unwrap(), t.index("w:b").unwrap());
        assert_eq!(
            (t.score(b, c), t.score(c, d), t.scores.len()),
            (None, None, 1),
            "a score that is not a number, a term not yet read, a pair without a score"
        );
        let built_in = assoc();
        assert!(built_in.scores.len() > 1000, "{}", built_in.scores.len());
    }

    #[test]
    fn linkage_joins_on_average_and_keeps_rejected_pairs_apart() {
        // 0-1 alike, 1-2 alike, 0-2 unlike: 2 joins {0, 1} only if the average reaches.
        let links = [(0, 1, 0.9), (1, 2, 0.8), (0, 2, 0.0), (3, 4, 0.35)];
        let sorted = |mut c: Vec<Vec<u32>>| {
            for g in &mut c {
                g.sort();
            }
            c.sort();
            c
        };
        let never = |_: &[u32], _: &[u32]| false;
        assert_eq!(
            sorted(link(5, &links, |_, _| 0.3, never)),
            vec![vec![0, 1, 2], vec![3, 4]]
        );
        assert_eq!(
            sorted(link(5, &links, |_, _| 0.5, never)),
            vec![vec![0, 1], vec![2], vec![3], vec![4]]
        );
        // A person said 0 and 2 are not alike: 2 never joins 0's group.
        let rejected = |a: &[u32], b: &[u32]| {
            (a.contains(&0) && b.contains(&2)) || (a.contains(&2) && b.contains(&0))
        };
        assert_eq!(
            sorted(link(5, &links, |_, _| 0.3, rejected)),
            vec![vec![0, 1], vec![2], vec![3, 4]]
        );
    }

    #[test]
    fn refining_moves_a_member_to_the_group_it_fits_and_lets_a_stray_go() {
        // {0, 1, 2} tight; 3 was carried into their group but is linked to {4, 5, 6};
        // 7 sits in {4, 5, 6, 7} with links of 0.1 only.
        let mut links = Vec::new();
        for g in [[0, 1, 2], [4, 5, 6]] {
            for x in 0..3 {
                for y in x + 1..3 {
                    links.push((g[x], g[y], 0.9));
                }
            }
        }
        for x in [0, 1, 2] {
            links.push((x, 3, 0.2));
        }
        for x in [4, 5, 6] {
            links.push((x, 3, 0.8));
            links.push((x, 7, 0.1));
        }
        let groups = vec![vec![0, 1, 2, 3], vec![4, 5, 6, 7]];
        let never = |_: &[u32], _: &[u32]| false;
        let params = Params::default();
        let sorted = |mut c: Vec<Vec<u32>>| {
            for g in &mut c {
                g.sort();
            }
            c.sort();
            c
        };
        let bar = |_: f32, _: f32| 0.22;
        assert_eq!(
            sorted(refine(groups.clone(), &links, &params, bar, never, |_| {
                false
            })),
            vec![vec![0, 1, 2], vec![3, 4, 5, 6], vec![7]]
        );
        // A member of the office's need stays; a pair a person rejected is not made.
        assert_eq!(
            sorted(refine(groups.clone(), &links, &params, bar, never, |x| x
                == 3
                || x == 7)),
            sorted(groups.clone())
        );
        let rejected = |a: &[u32], b: &[u32]| a.contains(&3) && b.contains(&5);
        assert_eq!(
            sorted(refine(groups, &links, &params, bar, rejected, |_| false)),
            vec![vec![0, 1, 2, 3], vec![4, 5, 6], vec![7]]
        );
    }

    #[test]
    fn two_large_groups_need_a_higher_average_than_a_proposal_joining_one() {
        // Two groups of four, each tight, linked by 0.35 on average between them; and a
        // proposal 8 linked by 0.25 on average to the first group.
        let mut links = Vec::new();
        for (a, b) in [(0, 4), (4, 8)] {
            for x in a..b {
                for y in x + 1..b {
                    links.push((x, y, 0.9));
                }
            }
        }
        for x in 0..4 {
            for y in 4..8 {
                links.push((x, y, 0.35));
            }
            links.push((x, 8, 0.25));
        }
        let never = |_: &[u32], _: &[u32]| false;
        let bar = |x: f32, y: f32| if x.min(y) >= 4.0 { 0.4 } else { 0.22 };
        let mut groups = link(9, &links, bar, never);
        for g in &mut groups {
            g.sort();
        }
        groups.sort();
        assert_eq!(groups, vec![vec![0, 1, 2, 3, 8], vec![4, 5, 6, 7]]);
        // With one threshold for all, the two groups join.
        assert_eq!(link(9, &links, |_, _| 0.3, never).len(), 2);
        assert!(
            link(9, &links, |_, _| 0.3, never)
                .iter()
                .any(|g| g.len() == 8)
        );
    }
}
