//! Notes: free text, saved shortly after typing stops and when the field is left.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use uuid::Uuid;
use yew::prelude::*;

use super::{TabProps, spawn_edit};
use crate::model::Model;
use crate::use_model;
use crate::widgets::textarea_value;

const DEBOUNCE_MS: u32 = 600;

/// Text typed and not yet handed to the document, and the timer that will hand it over.
#[derive(Default)]
struct Pending {
    text: Option<String>,
    timer: Option<Timeout>,
}

fn flush(model: &Rc<Model>, id: Uuid, pending: &Rc<RefCell<Pending>>) {
    let text = {
        let mut p = pending.borrow_mut();
        p.timer = None;
        p.text.take()
    };
    if let Some(text) = text {
        spawn_edit(model, id, move |doc, ctx| {
            if doc.read().is_ok_and(|s| s.notes == text) {
                return Ok(());
            }
            doc.set_notes(&text, ctx)
        });
    }
}

#[component]
pub fn NotesTab(props: &TabProps) -> Html {
    let (model, lang) = use_model();
    // What the field shows while it is being edited; `None` shows the document's notes.
    let local = use_state(|| None::<String>);
    let pending = use_mut_ref(Pending::default);
    let id = props.id;

    {
        // Leaving the tab or the screen hands over what was typed.
        let (model, pending) = (model.clone(), pending.clone());
        use_effect_with(id, move |_| move || flush(&model, id, &pending));
    }

    let oninput = {
        let (model, pending, local) = (model.clone(), pending.clone(), local.clone());
        Callback::from(move |e: InputEvent| {
            let text = textarea_value(&e);
            local.set(Some(text.clone()));
            let timer = {
                let (model, pending) = (model.clone(), pending.clone());
                Timeout::new(DEBOUNCE_MS, move || flush(&model, id, &pending))
            };
            let mut p = pending.borrow_mut();
            p.text = Some(text);
            // Replacing the timer cancels the previous one.
            p.timer = Some(timer);
        })
    };
    let onblur = {
        let (model, pending, local) = (model.clone(), pending.clone(), local.clone());
        Callback::from(move |_: FocusEvent| {
            flush(&model, id, &pending);
            local.set(None);
        })
    };
    let value = (*local)
        .clone()
        .unwrap_or_else(|| props.session.notes.clone());
    html! {
        <section class="notes">
            <label class="field">
                <span>{ lang.t("notes.label") }</span>
                <textarea rows="14" dir="auto" data-test="notes" placeholder={lang.t("notes.hint")}
                    {value} {oninput} {onblur} />
            </label>
        </section>
    }
}
