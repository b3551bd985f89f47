//! The places a proposal names: the territory's douars (names, aliases, Latin spellings) and
//! other named places (river, market, school, road…), found in the comparison key.
//!
//! A name is matched on its skeleton (see [`super::words::skeleton`]) over one to six words,
//! so "تاكوديت"/"تكوديت", "Ouled"/"Oulad", "ايت اومغار"/"ايتومغار" meet, and a one-letter
//! preposition stuck to the first word ("لتاكوديت", "فتيفرت") is seen through. Skeletons
//! shorter than three letters match only as written (a name that short would match anything).

use std::collections::{HashMap, HashSet};

use tachkhis_shared::text::normalize;

use super::words::{is_arabic, latin_skeleton, skeleton};

/// A named place as the territory gives it.
#[derive(Debug, Clone)]
pub struct PlaceName {
    /// A douar's id, or `place:N` for another place.
    pub id: String,
    /// Shown to people (its Arabic name).
    pub shown: String,
    /// Every name and alias, any script.
    pub names: Vec<String>,
    /// The douars it is (a douar: itself) or belongs to.
    pub douars: Vec<String>,
}

/// The keys of one word of a proposal: as the first word of a name (each form, exact or
/// skeleton, that can start one) and as a later word.
pub struct WordKeys {
    firsts: Vec<(bool, String)>,
    inner: String,
}

/// The index of every name of the territory.
#[derive(Default)]
pub struct Places {
    pub list: Vec<PlaceName>,
    keys: HashMap<String, Vec<u32>>,
    /// Every prefix of every key: a match is extended only while it can still be one.
    prefixes: HashSet<String>,
}

const MAX_WORDS: usize = 6;

fn word_key(word: &str, outer: bool) -> String {
    if word.chars().next().is_some_and(is_arabic) {
        skeleton(word, outer)
    } else {
        latin_skeleton(word, outer)
    }
}

/// The first word without what sticks to it: the article (with a preposition) or a
/// one-letter preposition.
fn first_word_forms(word: &str) -> Vec<String> {
    let mut out = vec![word.to_string()];
    let chars: Vec<char> = word.chars().collect();
    if chars.first().is_some_and(|c| is_arabic(*c)) {
        let article_less: String = {
            let mut w = word;
            for p in ["وال", "بال", "فال", "دال", "لل", "ال"] {
                if let Some(r) = w.strip_prefix(p)
                    && r.chars().count() >= 3
                {
                    w = r;
                    break;
                }
            }
            w.to_string()
        };
        if article_less != word {
            out.push(article_less);
        }
        if chars.len() >= 4 && ['و', 'ب', 'ل', 'ف', 'د', 'ك'].contains(&chars[0]) {
            out.push(chars[1..].iter().collect());
        }
    } else if chars.len() >= 5 && ['l', 'f', 'b', 'd'].contains(&chars[0]) {
        out.push(chars[1..].iter().collect());
    }
    out
}

impl Places {
    pub fn new(list: Vec<PlaceName>) -> Places {
        let mut p = Places {
            list,
            ..Places::default()
        };
        for (i, place) in p.list.iter().enumerate() {
            for name in &place.names {
                let norm = normalize(name);
                if norm.is_empty() {
                    continue;
                }
                let words: Vec<&str> = norm.split(' ').collect();
                if words.len() > MAX_WORDS {
                    continue;
                }
                let mut keys = vec![format!("={}", words.concat())];
                let sk: String = words
                    .iter()
                    .enumerate()
                    .map(|(j, w)| word_key(w, j == 0))
                    .collect();
                if sk.chars().count() >= 3 {
                    keys.push(sk);
                }
                for k in keys {
                    let list = p.keys.entry(k.clone()).or_default();
                    if !list.contains(&(i as u32)) {
                        list.push(i as u32);
                    }
                    let mut prefix = String::new();
                    for c in k.chars() {
                        prefix.push(c);
                        p.prefixes.insert(prefix.clone());
                    }
                }
            }
        }
        p
    }

    /// The places named in `words` (a comparison key split in words), each with the range of
    /// words that named it; the longest name wins where names overlap. `cache` keeps each
    /// word's keys from one proposal to the next (a commune's vocabulary is small).
    pub fn find(
        &self,
        words: &[&str],
        cache: &mut HashMap<String, WordKeys>,
    ) -> Vec<(u32, std::ops::Range<usize>)> {
        let mut out = Vec::new();
        if self.keys.is_empty() {
            return out;
        }
        for w in words {
            if !cache.contains_key(*w) {
                let keys = WordKeys {
                    firsts: first_word_forms(w)
                        .into_iter()
                        .flat_map(|f| [(true, format!("={f}")), (false, word_key(&f, true))])
                        .filter(|(_, k)| self.prefixes.contains(k))
                        .collect(),
                    inner: word_key(w, false),
                };
                cache.insert(w.to_string(), keys);
            }
        }
        let mut i = 0;
        while i < words.len() {
            let mut best: Option<(usize, &Vec<u32>)> = None;
            for (exact, first) in &cache[words[i]].firsts {
                let mut key = first.clone();
                for end in i + 1..=(i + MAX_WORDS).min(words.len()) {
                    if end > i + 1 {
                        if *exact {
                            key.push_str(words[end - 1]);
                        } else {
                            key.push_str(&cache[words[end - 1]].inner);
                        }
                    }
                    if !self.prefixes.contains(&key) {
                        break;
                    }
                    if let Some(found) = self.keys.get(&key)
                        && best.is_none_or(|(n, _)| end - i > n)
                    {
                        best = Some((end - i, found));
                    }
                }
            }
            match best {
                Some((n, found)) => {
                    for f in found {
                        out.push((*f, i..i + n));
                    }
                    i += n;
                }
                None => i += 1,
            }
        }
        out
    }

    /// Whether two sets of named places can be about the same thing: one place in both, or a
    /// douar one names that a place the other names belongs to (the bridge of Tifert and "the
    /// bridge on the river at Tifert"). Two roads that share a douar are two places.
    pub fn compatible(&self, a: &[u32], b: &[u32]) -> bool {
        a.iter().any(|x| {
            b.iter()
                .any(|y| x == y || self.within(*x, *y) || self.within(*y, *x))
        })
    }

    /// Whether `a` is a douar that place `b` belongs to.
    fn within(&self, a: u32, b: u32) -> bool {
        let (pa, pb) = (&self.list[a as usize], &self.list[b as usize]);
        pa.douars.len() == 1 && pa.douars[0] == pa.id && pb.douars.contains(&pa.id)
    }
}
