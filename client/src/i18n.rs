//! Message catalogues (Arabic first, French second).
//!
//! Every text the interface shows comes from `i18n/ar.json` or `i18n/fr.json`: flat objects of
//! key → text with `{name}` placeholders. Labels of reference data (poles, douars, sectors,
//! group kinds) come with the data itself, in both languages.

use std::fmt;
use std::sync::OnceLock;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

const AR: &str = include_str!("../i18n/ar.json");
const FR: &str = include_str!("../i18n/fr.json");
/// The design office's texts, only in the bundle that has its screens.
#[cfg(any(test, feature = "office"))]
const OFFICE_AR: &str = include_str!("../i18n/office-ar.json");
#[cfg(any(test, feature = "office"))]
const OFFICE_FR: &str = include_str!("../i18n/office-fr.json");
#[cfg(not(any(test, feature = "office")))]
const OFFICE_AR: &str = "";
#[cfg(not(any(test, feature = "office")))]
const OFFICE_FR: &str = "";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Ar,
    Fr,
}

/// Key → text, sorted by key. (A sorted list rather than a map: smaller code in the bundle.)
struct Catalogue(Vec<(String, String)>);

impl Catalogue {
    fn get(&self, key: &str) -> Option<&String> {
        self.0
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| &self.0[i].1)
    }
}

impl<'de> Deserialize<'de> for Catalogue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = Catalogue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a flat object of strings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Catalogue, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, String>()? {
                    entries.push(entry);
                }
                entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
                Ok(Catalogue(entries))
            }
        }
        deserializer.deserialize_map(Entries)
    }
}

fn parse(source: &str) -> Catalogue {
    // The catalogues are part of the build and checked by the tests below; an unreadable one
    // would show ellipses instead of texts rather than stop the app.
    crate::net::json::from_str(source).unwrap_or(Catalogue(Vec::new()))
}

/// The catalogue of a language: its main file, plus the office's in the office's bundle.
fn load(main: &str, _office: &str) -> Catalogue {
    #[allow(unused_mut)]
    let mut catalogue = parse(main);
    #[cfg(feature = "office")]
    {
        catalogue.0.extend(parse(_office).0);
        catalogue.0.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    }
    catalogue
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ar => "ar",
            Lang::Fr => "fr",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "ar" => Some(Lang::Ar),
            "fr" => Some(Lang::Fr),
            _ => None,
        }
    }

    pub fn dir(self) -> &'static str {
        match self {
            Lang::Ar => "rtl",
            Lang::Fr => "ltr",
        }
    }

    /// The other language, for the switch.
    pub fn other(self) -> Lang {
        match self {
            Lang::Ar => Lang::Fr,
            Lang::Fr => Lang::Ar,
        }
    }

    fn catalogue(self) -> &'static Catalogue {
        static AR_CAT: OnceLock<Catalogue> = OnceLock::new();
        static FR_CAT: OnceLock<Catalogue> = OnceLock::new();
        match self {
            Lang::Ar => AR_CAT.get_or_init(|| load(AR, OFFICE_AR)),
            Lang::Fr => FR_CAT.get_or_init(|| load(FR, OFFICE_FR)),
        }
    }

    /// The text of `key`. A missing key (the tests keep that from happening) shows the other
    /// language's text, else an ellipsis.
    pub fn t(self, key: &str) -> &'static str {
        self.catalogue()
            .get(key)
            .or_else(|| self.other().catalogue().get(key))
            .map(String::as_str)
            .unwrap_or("…")
    }

    /// The text of `key` with its `{name}` placeholders filled in. Each value is a bidi isolate
    /// (FSI … PDI), so a date, a number or a French name inside Arabic text keeps its own
    /// direction and does not drag the punctuation around it.
    pub fn tf(self, key: &str, args: &[(&str, &str)]) -> String {
        let isolated: Vec<(&str, String)> = args
            .iter()
            .map(|(k, v)| (*k, format!("\u{2068}{v}\u{2069}")))
            .collect();
        let refs: Vec<(&str, &str)> = isolated.iter().map(|(k, v)| (*k, v.as_str())).collect();
        fill(self.t(key), &refs)
    }

    /// Picks the label of a reference item in this language (Arabic when the French is blank).
    pub fn pick<'a>(self, ar: &'a str, fr: &'a str) -> &'a str {
        match self {
            Lang::Fr if !fr.trim().is_empty() => fr,
            _ => ar,
        }
    }
}

/// Replaces each `{name}` in `template` by its value; unknown placeholders are kept as written.
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                match args.iter().find(|(k, _)| *k == name) {
                    Some((_, value)) => out.push_str(value),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashMap};
    use std::path::Path;

    use tachkhis_shared::AttendanceCategory;

    use super::*;

    fn keys(source: &str) -> BTreeSet<String> {
        let map: HashMap<String, String> =
            serde_json::from_str(source).expect("catalogue is a flat JSON object of strings");
        map.into_keys().collect()
    }

    /// Keys of a language's main catalogue and of its office catalogue, which must not overlap.
    fn all_keys(main: &str, office: &str) -> BTreeSet<String> {
        let (main, office) = (keys(main), keys(office));
        assert!(main.is_disjoint(&office), "a key in both catalogues");
        main.union(&office).cloned().collect()
    }

    fn all_texts(main: &str, office: &str) -> HashMap<String, String> {
        let mut map: HashMap<String, String> = serde_json::from_str(main).unwrap();
        map.extend(serde_json::from_str::<HashMap<String, String>>(office).unwrap());
        map
    }

    fn sources() -> Vec<String> {
        sources_with_paths()
            .into_iter()
            .map(|(_, text)| text)
            .collect()
    }

    fn sources_with_paths() -> Vec<(std::path::PathBuf, String)> {
        let mut out = Vec::new();
        let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    out.push((path, text));
                }
            }
        }
        out
    }

    /// Every `.t("…")` and `.tf("…"` in the sources.
    fn keys_in_calls(text: &str) -> Vec<String> {
        let mut found = Vec::new();
        for pattern in [".t(\"", ".tf(\""] {
            let mut rest = text;
            while let Some(i) = rest.find(pattern) {
                rest = &rest[i + pattern.len()..];
                let end = rest.find('"').unwrap();
                found.push(rest[..end].to_string());
            }
        }
        found
    }

    /// String literals shaped like a key (`login.error.network`), for keys chosen in code and
    /// passed to `t` through a variable.
    fn key_like_literals(text: &str) -> Vec<String> {
        let is_key = |s: &str| {
            s.contains('.')
                && s.split('.').all(|part| {
                    !part.is_empty()
                        && part
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                })
        };
        text.split('"')
            .skip(1)
            .step_by(2)
            .filter(|s| is_key(s))
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn catalogues_have_the_same_keys() {
        let ar = all_keys(AR, OFFICE_AR);
        let fr = all_keys(FR, OFFICE_FR);
        let only_ar: Vec<_> = ar.difference(&fr).collect();
        let only_fr: Vec<_> = fr.difference(&ar).collect();
        assert!(
            only_ar.is_empty() && only_fr.is_empty(),
            "only in ar: {only_ar:?}; only in fr: {only_fr:?}"
        );
    }

    #[test]
    fn every_key_used_exists() {
        let ar = all_keys(AR, OFFICE_AR);
        let prefixes: BTreeSet<&str> = ar.iter().filter_map(|k| k.split('.').next()).collect();
        let mut used = BTreeSet::new();
        for text in sources() {
            used.extend(keys_in_calls(&text));
            used.extend(
                key_like_literals(&text)
                    .into_iter()
                    .filter(|k| k.split('.').next().is_some_and(|p| prefixes.contains(p))),
            );
        }
        // Placeholders of the scan's own documentation.
        used.remove("…");
        assert!(used.len() > 60, "the scan found too few keys: {used:?}");
        let missing: Vec<_> = used.iter().filter(|k| !ar.contains(*k)).collect();
        assert!(
            missing.is_empty(),
            "keys used in src but missing from the catalogues: {missing:?}"
        );
        for key in [
            "login.error.network",
            "sync.problem.auth",
            "session.tab.notes",
        ] {
            assert!(used.contains(key), "the scan misses {key}");
        }
        // Keys built from codes.
        for c in AttendanceCategory::ALL {
            let key = format!("attendance.{}", c.code());
            assert!(ar.contains(&key), "missing {key}");
        }
    }

    /// The tablets' bundle has only the main catalogue: what its code shows must be there.
    #[test]
    fn tablet_keys_are_in_the_main_catalogue() {
        let main = keys(AR);
        let mut missing = BTreeSet::new();
        for (path, text) in sources_with_paths() {
            let office_only = path.components().any(|c| c.as_os_str() == "office")
                || path.ends_with("net/office.rs");
            if office_only {
                continue;
            }
            for key in keys_in_calls(&text) {
                if !main.contains(&key) && key != "…" {
                    missing.insert(key);
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys of the tablets' screens only in the office catalogue: {missing:?}"
        );
    }

    #[test]
    fn placeholders_match_between_languages() {
        let ar = all_texts(AR, OFFICE_AR);
        let fr = all_texts(FR, OFFICE_FR);
        let names = |s: &str| -> BTreeSet<String> {
            s.split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_string()))
                .collect()
        };
        for (k, v) in &ar {
            if let Some(f) = fr.get(k) {
                assert_eq!(names(v), names(f), "placeholders differ for {k}");
            }
            assert!(!v.trim().is_empty(), "empty Arabic text for {k}");
        }
    }

    #[test]
    fn fill_replaces_placeholders() {
        assert_eq!(
            fill("{n} من {total}", &[("n", "2"), ("total", "5")]),
            "2 من 5"
        );
        assert_eq!(fill("a {x} b", &[]), "a {x} b");
        assert_eq!(fill("open {", &[]), "open {");
        // The app parses the catalogues with the browser's JSON.parse; here, serde_json.
        let ar: Catalogue = serde_json::from_str(AR).unwrap();
        assert_eq!(ar.get("app.name").map(String::as_str), Some("تشخيص"));
        assert_eq!(ar.get("no.such.key"), None);
    }
}
