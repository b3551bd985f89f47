//! Labels of reference data: poles, douars, groups and sectors in the interface's language.
//! A retired or merged douar (or retired pole) is still named: sessions keep the one they
//! were recorded in.

use tachkhis_shared::session::Session;
use tachkhis_shared::{GroupKind, Sector, reference::Reference};

use crate::i18n::Lang;

use super::*;

pub fn pole_name(reference: Option<&Reference>, lang: Lang, id: &str) -> String {
    reference
        .and_then(|r| r.pole(id))
        .map(|p| lang.pick(&p.name_ar, &p.name_fr).to_string())
        .unwrap_or_else(|| id.to_string())
}

pub fn douar_name(reference: Option<&Reference>, lang: Lang, id: &str) -> String {
    reference
        .and_then(|r| r.douar(id))
        .map(|d| lang.pick(&d.name_ar, &d.name_fr).to_string())
        .unwrap_or_else(|| id.to_string())
}

/// The Arabic name with its Latin transliteration ("ادوز (Idouz)"): the Arabic name is the one
/// people recognise, the Latin one how it is spelt in French documents. One name when the
/// reference has only one.
pub fn both_names(ar: &str, fr: &str) -> String {
    if fr.trim().is_empty() || fr == ar {
        ar.to_string()
    } else if ar.trim().is_empty() {
        fr.to_string()
    } else {
        // Each name isolated, so the Latin one keeps its direction inside Arabic text.
        format!("\u{2068}{ar}\u{2069} (\u{2068}{fr}\u{2069})")
    }
}

pub fn pole_full_name(reference: Option<&Reference>, id: &str) -> String {
    reference
        .and_then(|r| r.pole(id))
        .map(|p| both_names(&p.name_ar, &p.name_fr))
        .unwrap_or_else(|| id.to_string())
}

pub fn douar_full_name(reference: Option<&Reference>, id: &str) -> String {
    reference
        .and_then(|r| r.douar(id))
        .map(|d| both_names(&d.name_ar, &d.name_fr))
        .unwrap_or_else(|| id.to_string())
}

/// A douar for a chip: (Arabic name, Latin transliteration when there is one).
pub fn douar_chip_names(reference: Option<&Reference>, id: &str) -> (String, Option<String>) {
    match reference.and_then(|r| r.douar(id)) {
        Some(d) => (
            d.name_ar.clone(),
            (!d.name_fr.trim().is_empty() && d.name_fr != d.name_ar).then(|| d.name_fr.clone()),
        ),
        None => (id.to_string(), None),
    }
}

fn code_label(
    list: Option<&[tachkhis_shared::reference::CodeLabel]>,
    lang: Lang,
    code: &str,
) -> Option<String> {
    list?
        .iter()
        .find(|c| c.code == code)
        .map(|c| lang.pick(&c.ar, &c.fr).to_string())
}

pub fn group_label(reference: Option<&Reference>, lang: Lang, kind: GroupKind) -> String {
    code_label(
        reference.map(|r| r.group_kinds.as_slice()),
        lang,
        kind.code(),
    )
    .unwrap_or_else(|| match &kind {
        // A newer app's code is shown as it is.
        GroupKind::Unknown(code) => code.clone(),
        known => {
            let l = known.labels();
            lang.pick(&l.ar, &l.fr).to_string()
        }
    })
}

pub fn sector_label(reference: Option<&Reference>, lang: Lang, sector: Sector) -> String {
    code_label(reference.map(|r| r.sectors.as_slice()), lang, sector.code()).unwrap_or_else(|| {
        match &sector {
            Sector::Unknown(code) => code.clone(),
            known => {
                let l = known.labels();
                lang.pick(&l.ar, &l.fr).to_string()
            }
        }
    })
}

/// "النساء · القطب 1 · 14/07/2022"
pub fn session_title(reference: Option<&Reference>, lang: Lang, session: &Session) -> String {
    format!(
        "{} · {} · {}",
        group_label(reference, lang, session.meta.group_kind.clone()),
        pole_name(reference, lang, &session.meta.pole_id),
        show_date(&session.meta.date)
    )
}

/// The session's douars, each in Arabic with its transliteration.
/// The douars, in the order picked, each kept on one line ("ادوز (El Boubira)" never breaks
/// inside its parentheses); the line may break between two douars.
pub fn douar_names_html(reference: Option<&Reference>, lang: Lang, ids: &[String]) -> yew::Html {
    let sep = match lang {
        Lang::Ar => "، ",
        Lang::Fr => ", ",
    };
    let items = ids.iter().enumerate().map(|(i, d)| {
        yew::html! {
            <>
                if i > 0 { { sep } }
                <span class="place-name" data-test="douar-name">{ douar_full_name(reference, d) }</span>
            </>
        }
    });
    items.collect::<yew::Html>()
}

pub fn douar_list(reference: Option<&Reference>, lang: Lang, ids: &[String]) -> String {
    let sep = match lang {
        Lang::Ar => "، ",
        Lang::Fr => ", ",
    };
    ids.iter()
        .map(|d| douar_name(reference, lang, d))
        .collect::<Vec<_>>()
        .join(sep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn place_names_carry_both_scripts() {
        assert_eq!(
            both_names("ادوز", "Idouz"),
            "\u{2068}ادوز\u{2069} (\u{2068}Idouz\u{2069})"
        );
        assert_eq!(both_names("ادوز", ""), "ادوز");
        assert_eq!(both_names("", "Idouz"), "Idouz");
    }
}
