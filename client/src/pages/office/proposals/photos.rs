//! The photos of the session the table is filtered on, above its proposals: small, and full
//! size on a tap. Only for roles that may see them (`Action::ReadPhotos`: the office and the
//! admin; photos carry personal data). The bytes are fetched with the token and shown through
//! object URLs, revoked when the strip goes.

use std::cell::RefCell;
use std::rc::Rc;

use tachkhis_shared::api::photos::SessionPhoto;
use uuid::Uuid;
use yew::prelude::*;

use super::{use_get, use_office};
use crate::net::office;
use crate::use_model;

#[derive(Properties, PartialEq)]
pub struct SessionPhotosProps {
    pub session: Uuid,
}

#[component]
pub fn SessionPhotos(props: &SessionPhotosProps) -> Html {
    let (_, lang) = use_model();
    let page =
        use_get::<Vec<SessionPhoto>>(Some(format!("/api/sessions/{}/photos", props.session)));
    let full = use_state(|| None::<String>);
    let Some(list) = page.data.clone() else {
        return html! {};
    };
    let photos: Vec<SessionPhoto> = list.iter().filter(|p| !p.deleted).cloned().collect();
    if photos.is_empty() {
        return html! {};
    }
    let close = {
        let full = full.clone();
        Callback::from(move |_: MouseEvent| full.set(None))
    };
    html! {
        <section class="office-photos" data-test="session-photos" aria-label={lang.t("office.photos.title")}>
            { for photos.into_iter().map(|p| {
                let open = {
                    let full = full.clone();
                    Callback::from(move |url: String| full.set(Some(url)))
                };
                html! { <OfficePhoto photo={p} {open} /> }
            }) }
            if let Some(url) = (*full).clone() {
                <div class="photo-full" data-test="photo-full" onclick={close}>
                    <img src={url} alt={lang.t("office.photos.title")} />
                </div>
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct OfficePhotoProps {
    photo: SessionPhoto,
    open: Callback<String>,
}

#[component]
fn OfficePhoto(props: &OfficePhotoProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let url = use_state(|| None::<String>);
    {
        let (url, token, hash, stored) = (
            url.clone(),
            office.token.clone(),
            props.photo.hash.clone(),
            props.photo.stored,
        );
        use_effect_with(hash.clone(), move |_| {
            let kept = Rc::new(RefCell::new(None::<String>));
            let cell = kept.clone();
            if stored {
                wasm_bindgen_futures::spawn_local(async move {
                    if let Ok(made) =
                        office::image_url(&token, &format!("/api/photos/{hash}")).await
                    {
                        *cell.borrow_mut() = Some(made.clone());
                        url.set(Some(made));
                    }
                });
            }
            move || {
                if let Some(u) = kept.borrow_mut().take() {
                    let _ = web_sys::Url::revoke_object_url(&u);
                }
            }
        });
    }
    let p = &props.photo;
    let kind = match p.kind.code() {
        "flip_chart" => "office.photos.flip_chart",
        "attendance_sheet" => "office.photos.attendance_sheet",
        "meeting" => "office.photos.meeting",
        _ => "office.photos.other",
    };
    let state = if p.purged {
        Some("office.photos.purged")
    } else if !p.stored {
        Some("office.photos.not_yet")
    } else {
        None
    };
    let onclick = {
        let (open, url) = (props.open.clone(), (*url).clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(u) = url.clone() {
                open.emit(u)
            }
        })
    };
    html! {
        <figure class="office-photo" data-test="office-photo" data-hash={p.hash.clone()} data-stored={p.stored.to_string()}>
            if let Some(src) = (*url).clone() {
                <img {src} alt={lang.t(kind)} {onclick} data-test="office-photo-img" />
            }
            <figcaption>
                <strong>{ lang.t(kind) }</strong>
                if !p.caption.is_empty() { { " · " }{ p.caption.clone() } }
                if let Some(key) = state { <br /><em>{ lang.t(key) }</em> }
            </figcaption>
        </figure>
    }
}
