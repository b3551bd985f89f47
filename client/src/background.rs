//! What runs without a tap: sync at start, when the network returns (forgetting any back-off)
//! and every minute while online and not backing off after a failure; the request for
//! persistent storage and the check of the space left (at start, then every minute).

use std::rc::Rc;

use gloo_timers::callback::Interval;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_futures::JsFuture;

use crate::model::Model;

const SYNC_EVERY_MS: u32 = 60_000;

fn online() -> bool {
    web_sys::window().is_some_and(|w| w.navigator().on_line())
}

pub fn start(model: Rc<Model>) {
    model.listen_to_other_tabs();
    if let Some(window) = web_sys::window() {
        let m = model.clone();
        let on_online = Closure::<dyn Fn()>::new(move || m.network_back());
        // The listener lives as long as the page.
        let _ =
            window.add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref());
        on_online.forget();
    }
    let m = model.clone();
    Interval::new(SYNC_EVERY_MS, move || {
        // After a failure the back-off decides when to try again; a problem only a person can
        // solve (revoked tablet) stops the regular runs.
        if online() && !m.backing_off() && !m.sync_blocked() {
            m.request_sync();
        }
        check_space(m.clone());
    })
    .forget();
    // At start, even when the browser believes it is offline: a failed attempt says so on
    // screen, and costs nothing.
    model.request_sync();
    check_space(model.clone());
    wasm_bindgen_futures::spawn_local(request_persistence(model));
}

/// Asks the browser how much room is left (`navigator.storage.estimate()`); the screens warn
/// when it is short.
fn check_space(model: Rc<Model>) {
    wasm_bindgen_futures::spawn_local(async move {
        let Some(window) = web_sys::window() else {
            return;
        };
        let Ok(promise) = window.navigator().storage().estimate() else {
            return;
        };
        let Ok(estimate) = JsFuture::from(promise).await else {
            return;
        };
        let number = |name: &str| {
            js_sys::Reflect::get(&estimate, &name.into())
                .ok()
                .and_then(|v| v.as_f64())
        };
        if let (Some(usage), Some(quota)) = (number("usage"), number("quota")) {
            model.set_storage_estimate(usage, quota);
        }
    });
}

/// Asks the browser not to evict the tablet's data; remembers a refusal so the screens can warn.
async fn request_persistence(model: Rc<Model>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let storage = window.navigator().storage();
    let already = match storage.persisted() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false),
        Err(_) => false,
    };
    if already {
        return;
    }
    let granted = match storage.persist() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false),
        Err(_) => false,
    };
    if !granted {
        model.set_persist_refused();
    }
}
