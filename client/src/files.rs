//! Session files in the browser: download one, hand one to the tablet's share sheet
//! (Bluetooth, a messaging app), read a picked one.

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, File, FilePropertyBag, HtmlAnchorElement, Url};

use tachkhis_shared::bundle::FILE_EXTENSION;

const MIME: &str = "application/octet-stream";
/// How long a download's object URL is kept (the browser starts the download well before).
const REVOKE_AFTER_MS: u32 = 60_000;

fn parts(bytes: &[u8]) -> Array {
    Array::of1(&Uint8Array::from(bytes))
}

/// Saves `bytes` as a file named `name` in the tablet's downloads.
pub fn download(bytes: &[u8], name: &str) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let document = window.document().ok_or(JsValue::NULL)?;
    let options = BlobPropertyBag::new();
    options.set_type(MIME);
    let blob = Blob::new_with_u8_array_sequence_and_options(&parts(bytes), &options)?;
    let url = Url::create_object_url_with_blob(&blob)?;
    let anchor: HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    anchor.set_href(&url);
    anchor.set_download(name);
    let body = document.body().ok_or(JsValue::NULL)?;
    body.append_child(&anchor)?;
    anchor.click();
    anchor.remove();
    gloo_timers::callback::Timeout::new(REVOKE_AFTER_MS, move || {
        let _ = Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}

fn navigator() -> Option<JsValue> {
    web_sys::window().map(|w| w.navigator().into())
}

/// The file for the share sheet, when this browser can share files (Chrome on Android can;
/// most desktop browsers cannot). `navigator.canShare` is read through `Reflect`: older
/// browsers lack it.
pub fn shareable(bytes: &[u8], name: &str) -> Option<File> {
    let navigator = navigator()?;
    let can_share = Reflect::get(&navigator, &"canShare".into()).ok()?;
    let can_share = can_share.dyn_ref::<js_sys::Function>()?;
    let options = FilePropertyBag::new();
    options.set_type(MIME);
    let file = File::new_with_u8_array_sequence_and_options(&parts(bytes), name, &options).ok()?;
    let data = share_data(&file, name);
    can_share
        .call1(&navigator, &data)
        .ok()?
        .as_bool()
        .unwrap_or(false)
        .then_some(file)
}

fn share_data(file: &File, title: &str) -> JsValue {
    let data = Object::new();
    let _ = Reflect::set(&data, &"files".into(), &Array::of1(file));
    let _ = Reflect::set(&data, &"title".into(), &title.into());
    data.into()
}

/// How a share ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shared {
    Done,
    /// The person closed the share sheet.
    Cancelled,
    Failed,
}

/// Opens the tablet's share sheet with `file`.
pub async fn share(file: &File) -> Shared {
    let Some(navigator) = navigator() else {
        return Shared::Failed;
    };
    let Some(share) = Reflect::get(&navigator, &"share".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    else {
        return Shared::Failed;
    };
    let Ok(promise) = share.call1(&navigator, &share_data(file, &file.name())) else {
        return Shared::Failed;
    };
    match JsFuture::from(js_sys::Promise::from(promise)).await {
        Ok(_) => Shared::Done,
        Err(e) => {
            let name = Reflect::get(&e, &"name".into())
                .ok()
                .and_then(|n| n.as_string());
            if name.as_deref() == Some("AbortError") {
                Shared::Cancelled
            } else {
                Shared::Failed
            }
        }
    }
}

/// The bytes of a file the person picked.
pub async fn read(file: &File) -> Result<Vec<u8>, JsValue> {
    let buffer = JsFuture::from(file.array_buffer()).await?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// Keeps letters (any script) and digits; anything else becomes one `-`.
fn slug(text: &str, max_chars: usize) -> String {
    let mut out = String::new();
    for c in text.chars() {
        // Arabic vowel marks belong to their letter.
        if ('\u{064b}'..='\u{065f}').contains(&c) || c == '\u{0670}' {
            continue;
        }
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.chars().count() >= max_chars {
            break;
        }
    }
    out.trim_end_matches('-').to_string()
}

/// What names a session's file: pole, douars, group, each in Arabic and in Latin letters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionNames {
    pub pole: (String, String),
    pub douars: Vec<(String, String)>,
    pub group: (String, String),
    pub date: String,
}

/// Douars named in a file name; more are counted ("+2").
const NAMED_DOUARS: usize = 2;
/// Android and most file systems take 255 bytes of name; Arabic letters take 2 each in UTF-8.
const MAX_NAME_BYTES: usize = 200;

/// `تشخيص_القطب-2_تيزي_النساء_Tachkhis_Pole-2_Tizi_Femmes_2026-11-20.tachkhis`: the
/// session named in Arabic (what the facilitators read) then in Latin letters (what a PC or a
/// French-speaking office reads), and the date, so that files in the Downloads folder or a
/// messaging app can be told apart. Only letters (any script) and digits are kept, every
/// other run of characters is one `-` (no `/`, no control or direction marks), and the name
/// stays under [`MAX_NAME_BYTES`].
pub fn session_file_name(names: &SessionNames) -> String {
    let douars = |latin: bool| {
        let mut parts: Vec<String> = names
            .douars
            .iter()
            .take(NAMED_DOUARS)
            .map(|(ar, fr)| slug(if latin { fr } else { ar }, 24))
            .filter(|d| !d.is_empty())
            .collect();
        if names.douars.len() > NAMED_DOUARS {
            parts.push(format!("{}", names.douars.len() - NAMED_DOUARS));
        }
        parts.join("+")
    };
    let side = |latin: bool, head: &str| {
        let pick = |(ar, fr): &(String, String)| if latin { fr.clone() } else { ar.clone() };
        let mut parts = vec![head.to_string()];
        parts.extend(
            [
                slug(&pick(&names.pole), 24),
                douars(latin),
                slug(&pick(&names.group), 24),
            ]
            .into_iter()
            .filter(|p| !p.is_empty()),
        );
        parts.join("_")
    };
    let mut name = format!("{}_{}", side(false, "تشخيص"), side(true, "Tachkhis"));
    let date = slug(&names.date, 10);
    if !date.is_empty() {
        name.push('_');
        name.push_str(&date);
    }
    let room = MAX_NAME_BYTES - FILE_EXTENSION.len() - 1;
    if name.len() > room {
        // Keep the date: cut the names before it.
        let tail = format!("_{date}");
        let mut cut = room - tail.len();
        while !name.is_char_boundary(cut) {
            cut -= 1;
        }
        name = format!("{}{tail}", name[..cut].trim_end_matches(['_', '-', '+']));
    }
    format!("{name}.{FILE_EXTENSION}")
}

/// `tachkhis-fatima-2026-11-29.tachkhis`: every session of a tablet.
pub fn everything_file_name(user: &str, date: &str) -> String {
    let mut name = String::from("tachkhis");
    for part in [slug(user, 40), slug(date, 10)] {
        if !part.is_empty() {
            name.push('-');
            name.push_str(&part);
        }
    }
    format!("{name}.{FILE_EXTENSION}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(ar: &str, fr: &str) -> (String, String) {
        (ar.into(), fr.into())
    }

    fn names(douars: &[(&str, &str)]) -> SessionNames {
        SessionNames {
            pole: both("القطب 2", "Pôle 2"),
            douars: douars.iter().map(|(a, f)| both(a, f)).collect(),
            group: both("النساء", "Femmes"),
            date: "2026-11-20".into(),
        }
    }

    #[test]
    fn a_session_file_is_named_in_arabic_and_latin() {
        assert_eq!(
            session_file_name(&names(&[("تيزي نتاست", "Tizi n'Tast")])),
            "تشخيص_القطب-2_تيزي-نتاست_النساء_Tachkhis_Pôle-2_Tizi-n-Tast_Femmes_2026-11-20.tachkhis"
        );
        assert_eq!(
            session_file_name(&names(&[
                ("ادوز", "Idouz"),
                ("المركز", "Centre"),
                ("أ", "A"),
                ("ب", "B")
            ])),
            "تشخيص_القطب-2_ادوز+المركز+2_النساء_Tachkhis_Pôle-2_Idouz+Centre+2_Femmes_2026-11-20.tachkhis"
        );
        assert_eq!(
            session_file_name(&SessionNames::default()),
            format!("تشخيص_Tachkhis.{FILE_EXTENSION}")
        );
        assert_eq!(
            everything_file_name("facilitator", "2026-11-29"),
            "tachkhis-facilitator-2026-11-29.tachkhis"
        );
    }

    /// Nothing Android's Downloads folder (or a PC) refuses: no separator, no control or
    /// direction mark, no reserved character, bounded in bytes, the date kept.
    #[test]
    fn a_session_file_name_is_safe_and_bounded() {
        let hostile = names(&[
            ("دوار/../\u{202e}txt.exe", "Aït/Ouarab: \"centre\"\n\t<*>|?"),
            (&"د".repeat(300), &"x".repeat(300)),
        ]);
        let name = session_file_name(&hostile);
        assert!(name.len() <= MAX_NAME_BYTES, "{} bytes", name.len());
        assert!(name.ends_with("_2026-11-20.tachkhis"), "{name}");
        assert!(
            !name.chars().any(|c| c.is_control()
                || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
                || ('\u{200e}'..='\u{200f}').contains(&c)
                || ('\u{202a}'..='\u{202e}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c)),
            "{name}"
        );
        let mut long = names(&[]);
        long.pole = both(&"ق".repeat(500), &"P".repeat(500));
        long.group = both(&"ن".repeat(500), &"F".repeat(500));
        let name = session_file_name(&long);
        assert!(
            name.len() <= MAX_NAME_BYTES && name.ends_with("_2026-11-20.tachkhis"),
            "{name}"
        );
    }
}
