//! Hooks the office screens share: fetching JSON, keyboard shortcuts, focus and scrolling.

use std::rc::Rc;

use serde::de::DeserializeOwned;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{HtmlElement, KeyboardEvent};
use yew::prelude::*;

use crate::net::office::{self, ApiError};

use super::*;

/// What a GET gave: the last data (kept while a refetch runs), the last error, and whether a
/// request is out.
pub struct Fetched<T> {
    pub data: Option<Rc<T>>,
    pub error: Option<ApiError>,
    pub loading: bool,
}

struct FetchState<T> {
    data: Option<Rc<T>>,
    error: Option<ApiError>,
    loading: bool,
    seq: u32,
}

/// GETs `path` (none: nothing) when it changes and after every action; answers to older
/// requests are dropped.
#[hook]
pub fn use_get<T: DeserializeOwned + 'static>(path: Option<String>) -> Fetched<T> {
    let office = use_office();
    let state = use_mut_ref(|| FetchState::<T> {
        data: None,
        error: None,
        loading: false,
        seq: 0,
    });
    let update = use_force_update();
    {
        let state = state.clone();
        let token = office.token.clone();
        use_effect_with((path, office.reload), move |(path, _)| {
            let Some(path) = path.clone() else { return };
            let seq = {
                let mut s = state.borrow_mut();
                s.seq = s.seq.wrapping_add(1);
                s.loading = true;
                s.seq
            };
            update.force_update();
            wasm_bindgen_futures::spawn_local(async move {
                let result = office::get::<T>(&token, &path).await;
                {
                    let mut s = state.borrow_mut();
                    if s.seq != seq {
                        return;
                    }
                    s.loading = false;
                    match result {
                        Ok(v) => {
                            s.data = Some(Rc::new(v));
                            s.error = None;
                        }
                        Err(e) => s.error = Some(e),
                    }
                }
                update.force_update();
            });
        });
    }
    let s = state.borrow();
    Fetched {
        data: s.data.clone(),
        error: s.error.clone(),
        loading: s.loading,
    }
}

/// True when a key press belongs to a text field (or carries a modifier other than shift):
/// shortcuts leave it alone.
fn is_typing(e: &KeyboardEvent) -> bool {
    if e.ctrl_key() || e.meta_key() || e.alt_key() {
        return true;
    }
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| match el.tag_name().as_str() {
            // A ticked checkbox keeps the focus: j, k and x must still work from there.
            "INPUT" => !matches!(
                el.get_attribute("type").as_deref(),
                Some("checkbox" | "radio" | "button" | "submit" | "reset" | "file")
            ),
            "TEXTAREA" | "SELECT" => true,
            _ => el.has_attribute("contenteditable"),
        })
}

/// Calls `handler` with every key pressed on the page outside text fields.
#[hook]
pub fn use_keys(handler: Callback<KeyboardEvent>) {
    let current = use_mut_ref(|| handler.clone());
    *current.borrow_mut() = handler;
    use_effect_with((), move |_| {
        let listener = Closure::<dyn Fn(KeyboardEvent)>::new(move |e: KeyboardEvent| {
            if is_typing(&e) {
                return;
            }
            let handler = current.borrow().clone();
            handler.emit(e);
        });
        let window = web_sys::window();
        if let Some(w) = &window {
            let _ =
                w.add_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
        }
        move || {
            if let Some(w) = &window {
                let _ = w.remove_event_listener_with_callback(
                    "keydown",
                    listener.as_ref().unchecked_ref(),
                );
            }
        }
    });
}

/// Moves the keyboard focus to the element with this `data-test` (the search box for `/`).
pub fn focus_test_id(test: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(&format!("[data-test=\"{test}\"]")).ok())
        .flatten()
        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// Scrolls the row under the keyboard cursor into view.
pub fn scroll_to_cursor() {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(".cursor").ok())
        .flatten()
    {
        el.scroll_into_view_with_bool(false);
    }
}
