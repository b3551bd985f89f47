//! Message catalogues (Arabic first, French second).
//!
//! Every text the interface shows comes from `i18n/ar.json` or `i18n/fr.json`: flat objects of
//! key → text with `{name}` placeholders. Labels of reference data (poles, douars, sectors,
//! group kinds) come with the data itself, in both languages.
//!
//! A counted text ("3 sessions") has one entry per plural form, `key:form`, the forms named as
//! CLDR names them: Arabic has six (`zero`, `one`, `two`, `few`, `many`, `other`), French two
//! (`one` for 0 and 1, `other`). [`Lang::tn`] picks the form for a number and fills `{count}`.
//! A form that stands for one number only (Arabic 0, 1 and 2) may say it in words. (Entries
//! rather than nested objects: the catalogue stays a flat object of strings, and the tablets'
//! bundle parses nothing more.)

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
#[derive(Default)]
struct Catalogue(Vec<(String, String)>);

impl Catalogue {
    fn get(&self, key: &str) -> Option<&String> {
        self.0
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| &self.0[i].1)
    }

    /// The text of the counted `key` in the plural form `form` (the entry `key:form`).
    fn form(&self, key: &str, form: Plural) -> Option<&String> {
        self.get(&format!("{key}:{}", form.name()))
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
    #[cfg(not(test))]
    let parsed = crate::net::json::from_str(source);
    // On the host (the tests), without the browser's JSON.parse.
    #[cfg(test)]
    let parsed = serde_json::from_str(source);
    parsed.unwrap_or_default()
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

/// A CLDR plural category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plural {
    Zero,
    One,
    Two,
    Few,
    Many,
    Other,
}

impl Plural {
    /// Its name in the catalogues.
    pub fn name(self) -> &'static str {
        match self {
            Plural::Zero => "zero",
            Plural::One => "one",
            Plural::Two => "two",
            Plural::Few => "few",
            Plural::Many => "many",
            Plural::Other => "other",
        }
    }
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
        self.fill_isolated(self.t(key), args)
    }

    /// `template` with its placeholders filled, each value a bidi isolate (see [`Lang::tf`]).
    fn fill_isolated(self, template: &str, args: &[(&str, &str)]) -> String {
        let isolated: Vec<(&str, String)> = args
            .iter()
            .map(|(k, v)| (*k, format!("\u{2068}{v}\u{2069}")))
            .collect();
        let refs: Vec<(&str, &str)> = isolated.iter().map(|(k, v)| (*k, v.as_str())).collect();
        fill(template, &refs)
    }

    /// The plural category of the whole number `n`, by the CLDR rules: Arabic zero (0), one
    /// (1), two (2), few (n % 100 in 3..=10), many (n % 100 in 11..=99), other (100, 101,
    /// 102, 200…); French one (0 and 1), other.
    pub fn plural(self, n: u64) -> Plural {
        match self {
            Lang::Ar => match (n, n % 100) {
                (0, _) => Plural::Zero,
                (1, _) => Plural::One,
                (2, _) => Plural::Two,
                (_, 3..=10) => Plural::Few,
                (_, 11..=99) => Plural::Many,
                _ => Plural::Other,
            },
            Lang::Fr if n <= 1 => Plural::One,
            Lang::Fr => Plural::Other,
        }
    }

    /// The counted text `key` for `n`: its form for `n` (see [`Lang::plural`]) with `{count}`
    /// filled in as [`Lang::tf`] does. A missing key shows the other language's text, else an
    /// ellipsis.
    pub fn tn(self, key: &str, n: u64) -> String {
        let text = self
            .catalogue()
            .form(key, self.plural(n))
            .or_else(|| {
                let other = self.other();
                other.catalogue().form(key, other.plural(n))
            })
            .map_or("…", String::as_str);
        self.fill_isolated(text, &[("count", &n.to_string())])
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
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    use tachkhis_shared::AttendanceCategory;

    use super::*;

    /// The forms every counted text has in a language's catalogue.
    fn plural_forms(lang: Lang) -> BTreeSet<&'static str> {
        let all = match lang {
            Lang::Ar => &[
                Plural::Zero,
                Plural::One,
                Plural::Two,
                Plural::Few,
                Plural::Many,
                Plural::Other,
            ][..],
            Lang::Fr => &[Plural::One, Plural::Other][..],
        };
        all.iter().map(|p| p.name()).collect()
    }

    /// A catalogue file: its texts, and its counted texts with their forms.
    struct Parsed {
        texts: BTreeMap<String, String>,
        plurals: BTreeMap<String, BTreeMap<String, String>>,
    }

    fn parsed(source: &str) -> Parsed {
        let map: BTreeMap<String, String> =
            serde_json::from_str(source).expect("a catalogue is a flat JSON object of strings");
        let mut p = Parsed {
            texts: BTreeMap::new(),
            plurals: BTreeMap::new(),
        };
        for (key, text) in map {
            match key.split_once(':') {
                Some((key, form)) => {
                    p.plurals
                        .entry(key.to_string())
                        .or_default()
                        .insert(form.to_string(), text);
                }
                None => {
                    p.texts.insert(key, text);
                }
            }
        }
        p
    }

    /// A language's main and office catalogues together; their keys must not overlap.
    fn both(main: &str, office: &str) -> Parsed {
        let (mut main, office) = (parsed(main), parsed(office));
        let keys = |p: &Parsed| -> BTreeSet<String> {
            p.texts.keys().chain(p.plurals.keys()).cloned().collect()
        };
        assert!(
            keys(&main).is_disjoint(&keys(&office)),
            "a key in both catalogues"
        );
        main.texts.extend(office.texts);
        main.plurals.extend(office.plurals);
        main
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

    /// The literal first argument of every call matching one of `patterns` in `text`.
    fn keys_in(text: &str, patterns: &[&str]) -> Vec<String> {
        let mut found = Vec::new();
        for pattern in patterns {
            let mut rest = text;
            while let Some(i) = rest.find(*pattern) {
                rest = &rest[i + pattern.len()..];
                let end = rest.find('"').unwrap();
                found.push(rest[..end].to_string());
            }
        }
        found
    }

    /// The literal keys given to `t` and `tf` in the sources: plain texts.
    fn keys_in_calls(text: &str) -> Vec<String> {
        keys_in(text, &[".t(\"", ".tf(\""])
    }

    /// The literal keys given to `tn` in the sources: counted texts.
    fn keys_in_tn_calls(text: &str) -> Vec<String> {
        keys_in(text, &[".tn(\""])
    }

    /// String literals shaped like a key (`login.error.network`), for keys chosen in code and
    /// passed to `t` or `tn` through a variable.
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
        let ar = both(AR, OFFICE_AR);
        let fr = both(FR, OFFICE_FR);
        for (what, a, f) in [
            (
                "text",
                ar.texts.keys().collect::<BTreeSet<_>>(),
                fr.texts.keys().collect(),
            ),
            (
                "counted text",
                ar.plurals.keys().collect(),
                fr.plurals.keys().collect(),
            ),
        ] {
            let only_ar: Vec<_> = a.difference(&f).collect();
            let only_fr: Vec<_> = f.difference(&a).collect();
            assert!(
                only_ar.is_empty() && only_fr.is_empty(),
                "{what}s only in ar: {only_ar:?}; only in fr: {only_fr:?}"
            );
        }
    }

    #[test]
    fn every_counted_text_has_all_forms_of_its_language() {
        for (lang, catalogue) in [
            (Lang::Ar, both(AR, OFFICE_AR)),
            (Lang::Fr, both(FR, OFFICE_FR)),
        ] {
            assert!(catalogue.plurals.len() >= 10, "too few counted texts");
            let expected = plural_forms(lang);
            for (key, forms) in &catalogue.plurals {
                assert!(
                    !catalogue.texts.contains_key(key),
                    "{key} is both a text and a counted text"
                );
                let have: BTreeSet<&str> = forms.keys().map(String::as_str).collect();
                assert_eq!(have, expected, "{lang:?} {key}");
                for (form, text) in forms {
                    assert!(!text.trim().is_empty(), "{lang:?} {key}.{form} is empty");
                }
            }
        }
    }

    #[test]
    fn every_key_used_exists() {
        let ar = both(AR, OFFICE_AR);
        let all: BTreeSet<&String> = ar.texts.keys().chain(ar.plurals.keys()).collect();
        let prefixes: BTreeSet<&str> = all.iter().filter_map(|k| k.split('.').next()).collect();
        let (mut used, mut counted, mut chosen) =
            (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        for text in sources() {
            used.extend(keys_in_calls(&text));
            counted.extend(keys_in_tn_calls(&text));
            chosen.extend(
                key_like_literals(&text)
                    .into_iter()
                    .filter(|k| k.split('.').next().is_some_and(|p| prefixes.contains(p))),
            );
        }
        assert!(used.len() > 60, "the scan found too few keys: {used:?}");
        let missing: Vec<_> = used.iter().filter(|k| !ar.texts.contains_key(*k)).collect();
        assert!(
            missing.is_empty(),
            "keys used with t or tf but not texts of the catalogues: {missing:?}"
        );
        assert!(
            counted.len() >= 10,
            "the scan found too few counted texts: {counted:?}"
        );
        let missing: Vec<_> = counted
            .iter()
            .filter(|k| !ar.plurals.contains_key(*k))
            .collect();
        assert!(
            missing.is_empty(),
            "keys used with tn but not counted texts of the catalogues: {missing:?}"
        );
        let missing: Vec<_> = chosen.iter().filter(|k| !all.contains(k)).collect();
        assert!(
            missing.is_empty(),
            "keys in src missing from the catalogues: {missing:?}"
        );
        for key in [
            "login.error.network",
            "sync.problem.auth",
            "session.tab.notes",
        ] {
            assert!(
                used.contains(key) || chosen.contains(key),
                "the scan misses {key}"
            );
        }
        for key in ["sync.pending_count", "office.merge.title"] {
            assert!(counted.contains(key), "the scan misses {key}");
        }
        // Counted texts chosen in code, then passed to tn.
        for key in ["login.error.wait_seconds", "office.import.will_create"] {
            assert!(
                chosen.contains(key) && ar.plurals.contains_key(key),
                "{key}"
            );
        }
        // Keys built from codes.
        for c in AttendanceCategory::ALL {
            let key = format!("attendance.{}", c.code());
            assert!(ar.texts.contains_key(&key), "missing {key}");
        }
    }

    /// The tablets' bundle has only the main catalogue: what its code shows must be there.
    #[test]
    fn tablet_keys_are_in_the_main_catalogue() {
        let main = parsed(AR);
        let mut missing = BTreeSet::new();
        for (path, text) in sources_with_paths() {
            let office_only = path.components().any(|c| c.as_os_str() == "office")
                || path.ends_with("net/office.rs");
            if office_only {
                continue;
            }
            for key in keys_in_calls(&text) {
                if !main.texts.contains_key(&key) {
                    missing.insert(key);
                }
            }
            for key in keys_in_tn_calls(&text) {
                if !main.plurals.contains_key(&key) {
                    missing.insert(key);
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys of the tablets' screens only in the office catalogue: {missing:?}"
        );
    }

    fn placeholders(s: &str) -> BTreeSet<String> {
        s.split('{')
            .skip(1)
            .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_string()))
            .collect()
    }

    #[test]
    fn placeholders_match_between_languages() {
        let ar = both(AR, OFFICE_AR);
        let fr = both(FR, OFFICE_FR);
        for (k, v) in &ar.texts {
            if let Some(f) = fr.texts.get(k) {
                assert_eq!(
                    placeholders(v),
                    placeholders(f),
                    "placeholders differ for {k}"
                );
            }
            assert!(!v.trim().is_empty(), "empty Arabic text for {k}");
        }
    }

    /// A counted text has only `{count}`, and says it in every form that stands for more than
    /// one number (Arabic's zero, one and two may say their number in words).
    #[test]
    fn counted_texts_say_the_count() {
        let count = BTreeSet::from(["count".to_string()]);
        for (lang, catalogue) in [
            (Lang::Ar, both(AR, OFFICE_AR)),
            (Lang::Fr, both(FR, OFFICE_FR)),
        ] {
            for (key, forms) in &catalogue.plurals {
                for (form, text) in forms {
                    let names = placeholders(text);
                    let in_words =
                        lang == Lang::Ar && ["zero", "one", "two"].contains(&form.as_str());
                    if in_words {
                        assert!(names.is_subset(&count), "{lang:?} {key}.{form}: {names:?}");
                    } else {
                        assert_eq!(names, count, "{lang:?} {key}.{form} must show {{count}}");
                    }
                }
            }
        }
    }

    #[test]
    fn plural_forms_follow_cldr() {
        use Plural::*;
        let cases: [(u64, Plural, Plural); 14] = [
            (0, Zero, One),
            (1, One, One),
            (2, Two, Other),
            (3, Few, Other),
            (10, Few, Other),
            (11, Many, Other),
            (99, Many, Other),
            (100, Other, Other),
            (101, Other, Other),
            (102, Other, Other),
            (103, Few, Other),
            (111, Many, Other),
            (1000, Other, Other),
            (1011, Many, Other),
        ];
        for (n, ar, fr) in cases {
            assert_eq!(Lang::Ar.plural(n), ar, "ar {n}");
            assert_eq!(Lang::Fr.plural(n), fr, "fr {n}");
        }
        // Every form a rule gives is one the catalogues have.
        for lang in [Lang::Ar, Lang::Fr] {
            for n in 0..=1000 {
                assert!(
                    plural_forms(lang).contains(lang.plural(n).name()),
                    "{lang:?} {n}"
                );
            }
        }
    }

    #[test]
    fn counted_texts_render_for_each_number() {
        // The number is a bidi isolate, as with tf.
        let n = |n: &str| format!("\u{2068}{n}\u{2069}");
        let ar = [
            (0, "لا جلسات في انتظار الإرسال".to_string()),
            (1, "جلسة واحدة في انتظار الإرسال".to_string()),
            (2, "جلستان في انتظار الإرسال".to_string()),
            (3, format!("{} جلسات في انتظار الإرسال", n("3"))),
            (11, format!("{} جلسة في انتظار الإرسال", n("11"))),
            (100, format!("{} جلسة في انتظار الإرسال", n("100"))),
        ];
        for (count, text) in ar {
            assert_eq!(Lang::Ar.tn("sync.pending_count", count), text, "ar {count}");
        }
        let fr = [
            (0, format!("{} séance en attente d'envoi", n("0"))),
            (1, format!("{} séance en attente d'envoi", n("1"))),
            (2, format!("{} séances en attente d'envoi", n("2"))),
            (3, format!("{} séances en attente d'envoi", n("3"))),
            (11, format!("{} séances en attente d'envoi", n("11"))),
            (100, format!("{} séances en attente d'envoi", n("100"))),
        ];
        for (count, text) in fr {
            assert_eq!(Lang::Fr.tn("sync.pending_count", count), text, "fr {count}");
        }
        // A masculine noun: its dual in words, its accusative after 11 to 99.
        let people = [
            (2, "ممثلان".to_string()),
            (3, format!("{} ممثلين", n("3"))),
            (11, format!("{} ممثلًا", n("11"))),
            (100, format!("{} ممثل", n("100"))),
        ];
        for (count, text) in people {
            assert_eq!(Lang::Ar.tn("association.people", count), text, "ar {count}");
        }
        // Inside another text (the import's report), each count in its own form.
        let done = Lang::Fr.tf(
            "import.done",
            &[
                ("added", &Lang::Fr.tn("import.added", 1)),
                ("merged", &Lang::Fr.tn("import.merged", 2)),
                ("unchanged", &Lang::Fr.tn("import.unchanged", 0)),
            ],
        );
        assert!(
            done.contains("séance ajoutée") && done.contains("complétées"),
            "{done}"
        );
        // A key that does not exist shows an ellipsis, never a panic.
        let unknown = ["no", "such", "key"].join(".");
        assert_eq!(Lang::Ar.tn(&unknown, 3), "…");
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
        assert_eq!(
            ar.form("export.done", Plural::Two).map(String::as_str),
            Some("حُفظ الملف في التنزيلات: جلستان.")
        );
        assert_eq!(ar.form("app.name", Plural::One), None);
    }
}
