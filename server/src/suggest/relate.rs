//! Relating texts one to one, outside grouping: why a proposal that came late fits the need it
//! is suggested into, and which of the programme's projects probably answer a need.
//!
//! Both read texts the way grouping does ([`super::read_terms`]: places named, concepts,
//! words by skeleton or stem), so a reason shown here is in the same words as a suggestion's.
//! A need is the bag of its title, description and members (a term many members hold weighs
//! more); a project is its titles, description and location. Projects are few (tens), so the
//! rarity of a term (idf) is taken over the projects and the need together.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{Cache, Kind, Lexicon, Places, Scope, read_terms};

/// One text read: its terms (key, shown, kind), each once, and the places it names.
struct Read {
    terms: Vec<(String, String, Kind)>,
    places: Vec<u32>,
}

fn read(lex: &Lexicon, places: &Places, text_norm: &str, cache: &mut Cache) -> Read {
    let mut named = Vec::new();
    let mut terms = read_terms(lex, places, text_norm, &mut named, cache);
    let mut seen = HashSet::new();
    terms.retain(|(k, _, _)| seen.insert(k.clone()));
    Read {
        terms,
        places: named,
    }
}

/// What a late proposal shares with the need it is suggested into, for the reason shown: the
/// places both name, then the concepts and words the proposals hold and at least one of the
/// need's members (or its title) holds too, the most held by the need first; at most six.
pub fn shared_reason(lex: &Lexicon, places: &Places, late: &[&str], need: &[&str]) -> Vec<String> {
    let mut cache = Cache::default();
    let mut held: HashMap<String, u32> = HashMap::new();
    for t in need {
        for (k, _, _) in read(lex, places, t, &mut cache).terms {
            *held.entry(k).or_insert(0) += 1;
        }
    }
    // (is a place, need count, first seen) per term of the late proposals.
    let mut mine: Vec<(bool, u32, usize, String)> = Vec::new();
    let mut seen = HashSet::new();
    for t in late {
        for (k, shown, kind) in read(lex, places, t, &mut cache).terms {
            if kind == Kind::Pair {
                continue;
            }
            let Some(&n) = held.get(&k) else { continue };
            if !seen.insert(k) {
                continue;
            }
            let at = mine.len();
            mine.push((kind == Kind::Place, n, at, shown));
        }
    }
    mine.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    let mut out: Vec<String> = Vec::new();
    for (.., s) in mine {
        if !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
        if out.len() == 6 {
            break;
        }
    }
    out
}

/// A need or a project as compared here.
#[derive(Debug, Clone, Default)]
pub struct Described {
    /// Comparison keys (`normalize`d): a need's title, description and members; a project's
    /// titles, description and location.
    pub texts: Vec<String>,
    pub sector: Option<String>,
    /// The douars it is about: a need's members' douars, a project's linked douars.
    pub douars: Vec<String>,
}

/// A project that probably answers the need, with why.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectFit {
    /// Index into the projects given.
    pub project: usize,
    /// 0 to 1.
    pub score: f32,
    /// The places both are about, by name.
    pub places: Vec<String>,
    /// Concepts (by name) and words (as written) both hold, most telling first.
    pub shared: Vec<String>,
    pub same_sector: bool,
}

/// What place says of a need and a project that share their topic: both about one place
/// (a douar, or a place in it), the project is there; both about places, none in common,
/// it is elsewhere; otherwise not known.
const PLACE_SAME: f32 = 1.0;
const PLACE_OTHER: f32 = 0.35;
const PLACE_UNKNOWN: f32 = 0.7;
const OTHER_SECTOR: f32 = 0.7;
/// Below this a project is not worth showing.
const MIN_SCORE: f32 = 0.08;

/// Term weights as in grouping, without places (they count through [`PLACE_SAME`]…).
fn base(kind: Kind) -> f32 {
    match kind {
        Kind::Concept(Scope::Context) => super::W_CONTEXT,
        Kind::Concept(_) => super::W_CONCEPT,
        Kind::Pair => super::W_PAIR,
        Kind::Place => 0.0,
        Kind::Word => super::W_WORD,
    }
}

/// Where a text is about: the douars of the places it names, or (when it names none) the
/// douars it was given; and the named places themselves.
fn whereabouts(places: &Places, named: &[u32], given: &[String]) -> (HashSet<String>, Vec<u32>) {
    let mut douars: HashSet<String> = HashSet::new();
    for p in named {
        douars.extend(places.list[*p as usize].douars.iter().cloned());
    }
    if named.is_empty() {
        douars.extend(given.iter().cloned());
    }
    (douars, named.to_vec())
}

/// The projects that probably answer `need`, best first (ties: the order given), at most
/// `limit`: the cosine of their telling terms (concepts, pairs of concepts, words; weighed
/// by rarity among the projects), times what place and sector say. A project that shares
/// nothing telling with the need is never proposed.
pub fn rank_projects(
    lex: &Lexicon,
    places: &Places,
    need: &Described,
    projects: &[Described],
    limit: usize,
) -> Vec<ProjectFit> {
    let mut cache = Cache::default();
    // The need: each term counted by how many of its texts hold it.
    let mut need_terms: BTreeMap<String, (u32, String, Kind)> = BTreeMap::new();
    let mut need_named: BTreeMap<u32, u32> = BTreeMap::new();
    for t in &need.texts {
        let r = read(lex, places, t, &mut cache);
        for p in r.places {
            *need_named.entry(p).or_insert(0) += 1;
        }
        for (k, s, kind) in r.terms {
            need_terms.entry(k).or_insert((0, s, kind)).0 += 1;
        }
    }
    // The places the need is most about (one member naming another douar does not count).
    let most = need_named.values().copied().max().unwrap_or(0);
    let need_places: Vec<u32> = need_named
        .iter()
        .filter(|(_, c)| **c * 2 >= most && most > 0)
        .map(|(p, _)| *p)
        .collect();
    let (need_douars, _) = whereabouts(places, &need_places, &need.douars);
    let reads: Vec<(Read, Vec<String>)> = projects
        .iter()
        .map(|p| {
            let mut terms: Vec<(String, String, Kind)> = Vec::new();
            let mut named: Vec<u32> = Vec::new();
            let mut seen = HashSet::new();
            for t in &p.texts {
                let r = read(lex, places, t, &mut cache);
                named.extend(r.places);
                terms.extend(r.terms.into_iter().filter(|(k, ..)| seen.insert(k.clone())));
            }
            named.sort_unstable();
            named.dedup();
            (
                Read {
                    terms,
                    places: named,
                },
                p.douars.clone(),
            )
        })
        .collect();
    let total = (projects.len() + 1) as f32;
    let mut df: HashMap<&str, u32> = HashMap::new();
    for (r, _) in &reads {
        for (k, ..) in &r.terms {
            *df.entry(k.as_str()).or_insert(1) += 1;
        }
    }
    let idf = |k: &str| (1.0 + total / *df.get(k).unwrap_or(&1) as f32).ln();
    let need_vec: HashMap<&str, f32> = need_terms
        .iter()
        .map(|(k, (n, _, kind))| (k.as_str(), base(*kind) * idf(k) * (*n as f32).sqrt()))
        .filter(|(_, w)| *w > 0.0)
        .collect();
    let need_norm = need_vec.values().map(|w| w * w).sum::<f32>().sqrt();
    if need_norm <= 0.0 {
        return Vec::new();
    }
    let mut out: Vec<ProjectFit> = Vec::new();
    for (i, ((r, douars), p)) in reads.iter().zip(projects).enumerate() {
        let (mut dot, mut norm2) = (0.0f32, 0.0f32);
        let (mut telling, mut service, mut work) = (false, false, false);
        let mut shared: Vec<(f32, &str)> = Vec::new();
        for (k, shown, kind) in &r.terms {
            let w = base(*kind) * idf(k);
            norm2 += w * w;
            if let Some(nw) = need_vec.get(k.as_str()) {
                dot += w * nw;
                if *kind != Kind::Concept(Scope::Context) {
                    telling = true;
                }
                service |= *kind == Kind::Concept(Scope::Service);
                work |= matches!(kind, Kind::Concept(Scope::Work | Scope::Facility));
                if *kind != Kind::Pair && !shown.is_empty() {
                    shared.push((w * nw, shown.as_str()));
                }
            }
        }
        if !telling || norm2 <= 0.0 {
            continue;
        }
        let cos = dot / (norm2.sqrt() * need_norm);
        let (project_douars, project_places) = whereabouts(places, &r.places, douars);
        let common_places: Vec<String> = project_places
            .iter()
            .filter(|p| need_places.contains(p))
            .map(|p| places.list[*p as usize].shown.clone())
            .collect();
        let meets =
            !common_places.is_empty() || need_douars.iter().any(|d| project_douars.contains(d));
        let place = if meets {
            PLACE_SAME
        } else if service && !work {
            // A service is for the whole commune: where the project is says little. Sharing
            // a work too (a road, a bridge), the place is the work's.
            1.0
        } else if need_douars.is_empty() || project_douars.is_empty() {
            PLACE_UNKNOWN
        } else {
            PLACE_OTHER
        };
        let same_sector = p.sector.is_some() && p.sector == need.sector;
        let sector = match (&p.sector, &need.sector) {
            (Some(a), Some(b)) if a != b => OTHER_SECTOR,
            _ => 1.0,
        };
        // A shared place counts for more than the cosine says: the need's place may be one
        // of many the project covers.
        let score = (cos * place * sector * if meets { 1.25 } else { 1.0 }).min(1.0);
        if score < MIN_SCORE {
            continue;
        }
        shared.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        let mut words: Vec<String> = Vec::new();
        for (_, s) in shared {
            if !words.iter().any(|w| w == s) {
                words.push(s.to_string());
            }
            if words.len() == 6 {
                break;
            }
        }
        let mut places_shown: Vec<String> = common_places;
        if places_shown.is_empty() && meets {
            // Met through the douars given (a need's members, a project's list): name them
            // as the territory does, when it knows them.
            let mut ds: Vec<&String> = need_douars
                .iter()
                .filter(|d| project_douars.contains(*d))
                .collect();
            ds.sort();
            for d in ds.into_iter().take(3) {
                if let Some(pl) = places.list.iter().find(|pl| &pl.id == d) {
                    places_shown.push(pl.shown.clone());
                }
            }
        }
        out.push(ProjectFit {
            project: i,
            score,
            places: places_shown,
            shared: words,
            same_sector,
        });
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.project.cmp(&b.project)));
    out.truncate(limit);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suggest::{LEX, PlaceName};
    use tachkhis_shared::text::normalize;

    fn douar(id: &str, names: &[&str]) -> PlaceName {
        PlaceName {
            id: id.into(),
            shown: names[0].into(),
            names: names.iter().map(|n| n.to_string()).collect(),
            douars: vec![id.into()],
        }
    }

    fn described(texts: &[&str], sector: Option<&str>, douars: &[&str]) -> Described {
        Described {
            texts: texts.iter().map(|t| normalize(t)).collect(),
            sector: sector.map(String::from),
            douars: douars.iter().map(|d| d.to_string()).collect(),
        }
    }

    fn territory() -> Places {
        Places::new(vec![
            douar("idouz", &["ادوز", "Idouz"]),
            douar("ait-lami", &["ايت لامي", "Ait Lami"]),
            douar("el-fayda", &["الفيضة", "El Fayda"]),
        ])
    }

    #[test]
    fn the_road_to_a_douar_finds_the_road_project_there_first() {
        let places = territory();
        let projects = vec![
            described(&["تعبيد الطريق الى ايت لامي"], Some("roads"), &["ait-lami"]),
            described(&["بناء قنطرة على الواد بالفيضة"], Some("roads"), &[]),
            described(&["تعبيد المسالك بادوز"], Some("roads"), &[]),
            described(&["بناء ملعب رياضي"], Some("youth_sports"), &[]),
        ];
        let need = described(
            &[
                "الطريق الى ادوز غير معبدة",
                "tri9 dyal idouz kolha 7ofar",
                "La piste vers Idouz est impraticable",
            ],
            Some("roads"),
            &["idouz"],
        );
        let fits = rank_projects(&LEX, &places, &need, &projects, 5);
        assert_eq!(fits[0].project, 2, "{fits:?}");
        assert_eq!(fits[0].places, vec!["ادوز".to_string()]);
        assert!(fits[0].same_sector);
        assert!(!fits[0].shared.is_empty(), "{fits:?}");
        // The road elsewhere comes after; the sports ground shares nothing.
        assert!(fits.iter().all(|f| f.project != 3), "{fits:?}");
        if let Some(other) = fits.iter().find(|f| f.project == 0) {
            assert!(other.score < fits[0].score);
        }
    }

    #[test]
    fn a_service_need_finds_its_project_wherever_it_is() {
        let places = territory();
        let projects = vec![
            described(&["تعبيد الطريق الى ايت لامي"], None, &["ait-lami"]),
            described(&["اقتناء سيارة إسعاف"], None, &["el-fayda"]),
        ];
        let need = described(
            &["Pas d'ambulance", "ma kaynach lambulance"],
            None,
            &["idouz"],
        );
        let fits = rank_projects(&LEX, &places, &need, &projects, 5);
        assert_eq!(fits.len(), 1, "{fits:?}");
        assert_eq!(fits[0].project, 1);
        assert!(fits[0].score > 0.3, "{fits:?}");
    }

    #[test]
    fn the_reason_of_a_late_arrival_is_what_it_shares_with_the_need() {
        let places = territory();
        let need = [
            normalize("الطريق الى ادوز غير معبدة"),
            normalize("La piste vers Idouz est impraticable"),
        ];
        let late = normalize("tri9 l idouz kolha 7ofar");
        let need: Vec<&str> = need.iter().map(String::as_str).collect();
        let why = shared_reason(&LEX, &places, &[late.as_str()], &need);
        assert_eq!(why.first().map(String::as_str), Some("ادوز"), "{why:?}");
        assert!(why.iter().any(|w| w == "طريق"), "{why:?}");
    }
}
