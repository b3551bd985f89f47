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

/// `session-2026-11-29-تيزي.tachkhis`: the meeting's date and first douar, so that files in a
/// messaging app or a downloads folder can be told apart.
pub fn session_file_name(date: &str, douar: &str) -> String {
    let date = slug(date, 10);
    let douar = slug(douar, 40);
    let mut name = String::from("session");
    for part in [date, douar] {
        if !part.is_empty() {
            name.push('-');
            name.push_str(&part);
        }
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

    #[test]
    fn file_names_keep_arabic_and_drop_what_file_systems_refuse() {
        assert_eq!(
            session_file_name("2026-11-29", "تيزي نتاست"),
            "session-2026-11-29-تيزي-نتاست.tachkhis"
        );
        assert_eq!(
            session_file_name("2026-11-29", "Aït/Ouarab: \"centre\""),
            "session-2026-11-29-Aït-Ouarab-centre.tachkhis"
        );
        assert_eq!(
            session_file_name("", ""),
            format!("session.{FILE_EXTENSION}")
        );
        assert_eq!(
            everything_file_name("facilitator", "2026-11-29"),
            "tachkhis-facilitator-2026-11-29.tachkhis"
        );
        let long = "د".repeat(100);
        let name = session_file_name("2026-11-29", &long);
        assert_eq!(
            name.chars().count(),
            "session-2026-11-29-".len() + 40 + ".tachkhis".len()
        );
    }
}
