//! Photos of the meeting: flip-charts, signed attendance sheets, the meeting itself. Taken with
//! the camera or picked from the gallery, made small on the tablet (`crate::photo`), stored
//! before the session names them, sent after the session has synced (progress here), freed
//! once the server has them (the thumbnail stays).
//!
//! Android may kill the browser while the camera is open: everything typed before is already
//! stored (every edit is), and the address is the session's, so the app comes back here.

use std::rc::Rc;

use tachkhis_shared::PhotoKind;
use tachkhis_shared::session::Photo;
use uuid::Uuid;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::{TabProps, spawn_edit};
use crate::i18n::Lang;
use crate::model::Model;
use crate::use_model;
use crate::widgets::{Chip, input_value};

/// What is typed for the next photo, in the tab's `sessionStorage`: Android may kill the browser
/// while the camera app is open, and the reloaded page finds the session, its Photos tab (see
/// [`photos_tab_open`]) and the kind and caption as they were.
fn draft_key(id: Uuid) -> String {
    format!("tachkhis-photo-draft-{id}")
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

fn load_draft(id: Uuid) -> (PhotoKind, String) {
    let stored = session_storage().and_then(|s| s.get_item(&draft_key(id)).ok().flatten());
    match stored.as_deref().and_then(|d| d.split_once('\n')) {
        Some((kind, caption)) => (
            PhotoKind::from_code(kind).unwrap_or(PhotoKind::FlipChart),
            caption.to_string(),
        ),
        None => (PhotoKind::FlipChart, String::new()),
    }
}

fn save_draft(id: Uuid, kind: &PhotoKind, caption: &str) {
    if let Some(s) = session_storage() {
        let _ = s.set_item(&draft_key(id), &format!("{}\n{caption}", kind.code()));
    }
}

/// Whether the Photos tab was the one open in this browser tab (so that a page reloaded after
/// the camera comes back to it); set and cleared by the session screen.
pub fn photos_tab_open(id: Uuid) -> bool {
    session_storage()
        .and_then(|s| {
            s.get_item(&format!("tachkhis-photos-tab-{id}"))
                .ok()
                .flatten()
        })
        .is_some()
}

pub fn set_photos_tab_open(id: Uuid, open: bool) {
    if let Some(s) = session_storage() {
        let key = format!("tachkhis-photos-tab-{id}");
        let _ = if open {
            s.set_item(&key, "1")
        } else {
            s.remove_item(&key)
        };
    }
}

fn kind_key(kind: &PhotoKind) -> &'static str {
    match kind {
        PhotoKind::FlipChart => "photo.kind.flip_chart",
        PhotoKind::AttendanceSheet => "photo.kind.attendance_sheet",
        PhotoKind::Meeting => "photo.kind.meeting",
        PhotoKind::Other | PhotoKind::Unknown(_) => "photo.kind.other",
    }
}

/// What the last capture did.
#[derive(Clone, PartialEq)]
enum Taking {
    Idle,
    Busy,
    Done,
    Failed,
}

fn kind_chips(
    lang: Lang,
    selected: &PhotoKind,
    test: &'static str,
    pick: Callback<PhotoKind>,
) -> Html {
    html! {
        <div class="chips photo-kinds">
            { for PhotoKind::ALL.iter().map(|k| {
                let pick = pick.clone();
                let kind = k.clone();
                html! {
                    <Chip label={lang.t(kind_key(k))} selected={k == selected} {test}
                        code={k.code().to_string()} onclick={Callback::from(move |()| pick.emit(kind.clone()))} />
                }
            }) }
        </div>
    }
}

fn on_file(
    model: &Rc<Model>,
    id: Uuid,
    kind: &UseStateHandle<PhotoKind>,
    caption: &UseStateHandle<String>,
    taking: &UseStateHandle<Taking>,
) -> Callback<Event> {
    let (model, kind, caption, taking) =
        (model.clone(), kind.clone(), caption.clone(), taking.clone());
    Callback::from(move |e: Event| {
        let Some(input) = e
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        let (model, taking) = (model.clone(), taking.clone());
        let (kind_now, caption_now) = ((*kind).clone(), (*caption).clone());
        let caption = caption.clone();
        let kind = kind.clone();
        taking.set(Taking::Busy);
        wasm_bindgen_futures::spawn_local(async move {
            let done = match crate::photo::prepare(&file).await {
                Ok(prepared) => model
                    .add_photo(id, prepared, kind_now, caption_now)
                    .await
                    .is_ok(),
                Err(_) => false,
            };
            if done {
                caption.set(String::new());
                save_draft(id, &kind, "");
            }
            taking.set(if done { Taking::Done } else { Taking::Failed });
        });
    })
}

#[component]
pub fn PhotosTab(props: &TabProps) -> Html {
    let (model, lang) = use_model();
    let id = props.id;
    let draft = use_memo(id, |id| load_draft(*id));
    let kind = use_state(|| draft.0.clone());
    let caption = use_state(|| draft.1.clone());
    let taking = use_state(|| Taking::Idle);
    let pick = {
        let (kind, caption) = (kind.clone(), caption.clone());
        Callback::from(move |k: PhotoKind| {
            save_draft(id, &k, &caption);
            kind.set(k)
        })
    };
    let on_caption = {
        let (kind, caption) = (kind.clone(), caption.clone());
        Callback::from(move |e: InputEvent| {
            let text = input_value(&e);
            save_draft(id, &kind, &text);
            caption.set(text)
        })
    };
    let onchange = on_file(&model, id, &kind, &caption, &taking);
    let busy = *taking == Taking::Busy;
    let progress = model.photo_progress(&props.session);
    let status = if let Some(up) = &progress.sending {
        let percent = (up.sent * 100 / up.total.max(1)).to_string();
        lang.tf("photos.sending", &[("percent", &percent)])
    } else if progress.waiting > 0 {
        lang.tn("photos.waiting", progress.waiting as u64)
    } else if progress.total > 0 {
        lang.t("photos.all_sent").to_string()
    } else {
        lang.t("photos.none").to_string()
    };
    let photos: Vec<Photo> = props.session.live_photos().cloned().collect();
    html! {
        <section class="photos">
            <fieldset class="photo-take">
                <legend>{ lang.t("photos.kind") }</legend>
                { kind_chips(lang, &kind, "photo-kind", pick) }
                <label class="field">
                    <span>{ lang.t("photos.caption") }</span>
                    <input type="text" dir="auto" data-test="photo-caption" maxlength="200"
                        value={(*caption).clone()} oninput={on_caption} />
                </label>
                <div class="share-actions">
                    <label class={classes!("btn", "primary", "file-button", busy.then_some("busy"))} data-test="photo-camera-label">
                        <input type="file" class="visually-hidden" data-test="photo-camera" accept="image/*"
                            capture="environment" disabled={busy} onchange={onchange.clone()} />
                        { if busy { lang.t("photos.busy") } else { lang.t("photos.camera") } }
                    </label>
                    <label class={classes!("btn", "secondary", "file-button", busy.then_some("busy"))} data-test="photo-gallery-label">
                        <input type="file" class="visually-hidden" data-test="photo-gallery" accept="image/*"
                            disabled={busy} {onchange} />
                        { lang.t("photos.gallery") }
                    </label>
                </div>
                if *taking == Taking::Failed {
                    <p class="notice warn" data-test="photo-failed" role="alert">{ lang.t("photos.failed") }</p>
                }
            </fieldset>
            <p class="photo-status" data-test="photo-status" role="status"
                data-total={progress.total.to_string()} data-waiting={progress.waiting.to_string()}>
                { status }
            </p>
            if model.photo_problem() && progress.waiting > 0 {
                <p class="hint" data-test="photo-problem">{ lang.t("photos.retry") }</p>
            }
            <ul class="photo-list">
                { for photos.into_iter().map(|p| html! { <PhotoCard id={id} photo={p} /> }) }
            </ul>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct PhotoCardProps {
    id: Uuid,
    photo: Photo,
}

/// One photo: its thumbnail (read from the tablet's storage), kind, caption and removal.
#[component]
fn PhotoCard(props: &PhotoCardProps) -> Html {
    let (model, lang) = use_model();
    let url = use_state(|| None::<String>);
    {
        let (model, url, hash, mime) = (
            model.clone(),
            url.clone(),
            props.photo.hash.clone(),
            props.photo.mime.clone(),
        );
        use_effect_with(hash.clone(), move |_| {
            let cell = Rc::new(std::cell::RefCell::new(None::<String>));
            let kept = cell.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Some(bytes) = model.photo_image(&hash).await {
                    let mime = tachkhis_shared::session::photo_mime_of(&bytes)
                        .unwrap_or(&mime)
                        .to_string();
                    let made = crate::photo::object_url(&bytes, &mime);
                    *kept.borrow_mut() = made.clone();
                    url.set(made);
                }
            });
            move || {
                if let Some(u) = cell.borrow_mut().take() {
                    let _ = web_sys::Url::revoke_object_url(&u);
                }
            }
        });
    }
    let p = &props.photo;
    let (id, hash) = (props.id, p.hash.clone());
    let pick = {
        let (model, hash, caption) = (model.clone(), hash.clone(), p.caption.clone());
        Callback::from(move |k: PhotoKind| {
            let (hash, caption) = (hash.clone(), caption.clone());
            spawn_edit(&model, id, move |doc, ctx| {
                doc.describe_photo(&hash, &k, &caption, ctx)
            });
        })
    };
    let on_caption = {
        let (model, hash, kind) = (model.clone(), hash.clone(), p.kind.clone());
        Callback::from(move |e: Event| {
            let text = e.target_unchecked_into::<HtmlInputElement>().value();
            let (hash, kind) = (hash.clone(), kind.clone());
            spawn_edit(&model, id, move |doc, ctx| {
                doc.describe_photo(&hash, &kind, &text, ctx)
            });
        })
    };
    let remove = {
        let (model, hash) = (model.clone(), hash.clone());
        Callback::from(move |_: MouseEvent| {
            let hash = hash.clone();
            spawn_edit(&model, id, move |doc, ctx| {
                doc.set_photo_deleted(&hash, true, ctx)
            });
        })
    };
    html! {
        <li class="photo-card" data-test="photo" data-hash={p.hash.clone()} data-kind={p.kind.code().to_string()}>
            if let Some(src) = (*url).clone() {
                <img class="photo-thumb" data-test="photo-thumb" src={src} alt={lang.t(kind_key(&p.kind))} />
            } else {
                <div class="photo-thumb none" data-test="photo-elsewhere">{ lang.t("photos.elsewhere") }</div>
            }
            { kind_chips(lang, &p.kind, "photo-card-kind", pick) }
            <label class="field">
                <span>{ lang.t("photos.caption") }</span>
                <input type="text" dir="auto" data-test="photo-card-caption" maxlength="200"
                    value={p.caption.clone()} onchange={on_caption} />
            </label>
            <button type="button" class="btn secondary" data-test="photo-remove" onclick={remove}>
                { lang.t("photos.remove") }
            </button>
        </li>
    }
}
