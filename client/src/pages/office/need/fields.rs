//! The need's own fields: title, sector, description; shown, or edited in a form that sends
//! only what changed.

use tachkhis_shared::Sector;
use tachkhis_shared::api::consolidation::{ActionDone, NeedPatch, NeedSummary};
use yew::prelude::*;

use crate::net::office;
use crate::pages::office::{filter_select, sector_name, sector_options, use_office};
use crate::use_model;
use crate::widgets::{input_value, textarea_value};

/// The fields being edited.
#[derive(Clone, PartialEq)]
struct Draft {
    title: String,
    sector: Option<Sector>,
    description: String,
}

#[derive(Properties, PartialEq)]
pub struct NeedFieldsProps {
    pub id: i64,
    pub summary: NeedSummary,
    /// The user may change the need (not read-only, not closed).
    pub editable: bool,
}

#[component]
pub fn NeedFields(props: &NeedFieldsProps) -> Html {
    let (model, lang) = use_model();
    let office = use_office();
    let reference = model.reference();
    let r = reference.as_deref();
    // None: showing the fields.
    let draft = use_state(|| None::<Draft>);
    let s = &props.summary;
    let Some(d) = &*draft else {
        let edit = {
            let (draft, s) = (draft.clone(), s.clone());
            Callback::from(move |_: MouseEvent| {
                draft.set(Some(Draft {
                    title: s.title.clone(),
                    sector: s.sector.clone(),
                    description: s.description.clone(),
                }))
            })
        };
        return html! {
            <div class="need-fields">
                <h1 dir="auto" data-test="need-title">{ &s.title }</h1>
                <p class="sub">{ sector_name(r, lang, s.sector.as_ref()) }</p>
                if !s.description.is_empty() { <p dir="auto" class="description">{ &s.description }</p> }
                if props.editable {
                    <button type="button" class="btn secondary small" data-test="need-edit" onclick={edit}>
                        { lang.t("office.edit") }
                    </button>
                }
            </div>
        };
    };
    let set = |f: fn(&mut Draft, String)| {
        let draft = draft.clone();
        move |v: String| {
            if let Some(mut d) = (*draft).clone() {
                f(&mut d, v);
                draft.set(Some(d));
            }
        }
    };
    let on_title = {
        let f = set(|d, v| d.title = v);
        Callback::from(move |e: InputEvent| f(input_value(&e)))
    };
    let on_description = {
        let f = set(|d, v| d.description = v);
        Callback::from(move |e: InputEvent| f(textarea_value(&e)))
    };
    let on_sector = {
        let draft = draft.clone();
        Callback::from(move |v: Option<String>| {
            if let Some(mut d) = (*draft).clone() {
                d.sector = v.map(|c| Sector::parse(&c));
                draft.set(Some(d));
            }
        })
    };
    let cancel = {
        let draft = draft.clone();
        Callback::from(move |_: MouseEvent| draft.set(None))
    };
    let save = {
        let (office, draft, s, id) = (office.clone(), draft.clone(), s.clone(), props.id);
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(d) = (*draft).clone() else { return };
            if d.title.trim().is_empty() {
                return;
            }
            // Only what changed.
            let patch = NeedPatch {
                title: (d.title.trim() != s.title).then(|| d.title.trim().to_string()),
                sector: (d.sector != s.sector).then(|| d.sector.clone()),
                description: (d.description != s.description).then(|| d.description.clone()),
            };
            let token = office.token.clone();
            let draft = draft.clone();
            office.act(
                "office.done.saved",
                async move {
                    let path = format!("/api/needs/{id}");
                    office::send::<_, ActionDone>("PATCH", &token, &path, Some(&patch)).await
                },
                move |_| draft.set(None),
            );
        })
    };
    html! {
        <form class="need-fields dialog" data-test="need-form" onsubmit={save}>
            <label class="field">
                <span>{ lang.t("office.need.title") }</span>
                <input type="text" dir="auto" data-test="need-title-input" value={d.title.clone()} oninput={on_title} />
            </label>
            { filter_select(lang, "need-sector", "office.col.sector", d.sector.as_ref().map(Sector::code),
                sector_options(lang, r).into_iter(), on_sector) }
            <label class="field">
                <span>{ lang.t("office.need.description") }</span>
                <textarea dir="auto" rows="3" value={d.description.clone()} oninput={on_description} />
            </label>
            <div class="dialog-actions">
                <button type="submit" class="btn primary small" data-test="need-save"
                    disabled={office.busy || d.title.trim().is_empty()}>{ lang.t("office.save") }</button>
                <button type="button" class="btn secondary small" onclick={cancel}>{ lang.t("common.cancel") }</button>
            </div>
        </form>
    }
}
