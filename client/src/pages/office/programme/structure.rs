//! The programme's structure as the office edits it: axes and their programmes, each with its
//! Arabic and French names; add, rename, move up or down, move a programme to another axis,
//! delete what is empty. Every change is an action of the office's log: the flash offers its
//! undo, as for consolidation.

use std::rc::Rc;

use serde::Serialize;
use tachkhis_shared::api::programme::{
    AxisNode, MoveProgramme, NewProgramme, ProgrammeTree, StructureDone, StructureNames,
    StructureOrder,
};
use yew::prelude::*;

use crate::net::office::{self, conflict_says};
use crate::pages::office::{Office, select_value, use_office};
use crate::use_model;
use crate::widgets::input_value;

/// Which form is open (one at a time).
#[derive(Clone, Copy, PartialEq)]
enum Open {
    Nothing,
    NewAxis,
    RenameAxis(i64),
    NewProgramme(i64),
    RenameProgramme(i64),
}

/// Sends a change of the structure; `then` runs once it is done (closing a form).
fn send<B: Serialize + 'static>(
    office: &Office,
    done: &'static str,
    method: &'static str,
    path: String,
    body: Option<B>,
    in_use: &'static str,
    then: impl FnOnce() + 'static,
) {
    let token = office.token.clone();
    office.act(
        done,
        async move {
            office::send::<B, StructureDone>(method, &token, &path, body.as_ref())
                .await
                .map_err(conflict_says(in_use))
        },
        move |_| then(),
    );
}

/// `ids` with the one at `k` swapped with its neighbour (`up`: the one before).
fn swapped(ids: &[i64], k: usize, up: bool) -> Option<Vec<i64>> {
    let other = if up { k.checked_sub(1)? } else { k + 1 };
    if other >= ids.len() {
        return None;
    }
    let mut out = ids.to_vec();
    out.swap(k, other);
    Some(out)
}

#[derive(Properties, PartialEq)]
pub struct StructureEditorProps {
    pub tree: Rc<ProgrammeTree>,
}

#[component]
pub fn StructureEditor(props: &StructureEditorProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let open = use_state(|| Open::Nothing);
    let axes = &props.tree.axes;
    let axis_ids: Vec<i64> = axes.iter().map(|a| a.id).collect();
    let close = {
        let open = open.clone();
        move || open.set(Open::Nothing)
    };
    let set_open = |what: Open| {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(what))
    };
    // A form of two names, saved to `method path` (with `extra` for a new programme).
    let names_form =
        |test: &'static str, initial: (String, String), save: Callback<(String, String)>| {
            let cancel = {
                let close = close.clone();
                Callback::from(move |()| close())
            };
            html! { <NamesForm {test} {initial} {save} {cancel} /> }
        };
    let order_button = |label: &'static str,
                        glyph: &'static str,
                        test: &'static str,
                        path: String,
                        order: Option<Vec<i64>>,
                        key: &'static str| {
        let disabled = order.is_none() || office.busy;
        let onclick = {
            let office = office.clone();
            Callback::from(move |_: MouseEvent| {
                if let Some(ids) = order.clone() {
                    send(
                        &office,
                        key,
                        "PUT",
                        path.clone(),
                        Some(StructureOrder { ids }),
                        "office.error.conflict",
                        || {},
                    );
                }
            })
        };
        html! {
            <button type="button" class="btn secondary small" data-test={test} aria-label={lang.t(label)}
                title={lang.t(label)} {disabled} {onclick}>{ glyph }</button>
        }
    };
    let delete_button = |test: &'static str, path: String, in_use: &'static str| {
        let onclick = {
            let office = office.clone();
            Callback::from(move |_: MouseEvent| {
                send::<()>(
                    &office,
                    "office.structure.deleted",
                    "DELETE",
                    path.clone(),
                    None,
                    in_use,
                    || {},
                );
            })
        };
        html! {
            <button type="button" class="btn secondary small" data-test={test} disabled={office.busy} {onclick}>
                { lang.t("office.structure.delete") }
            </button>
        }
    };
    let axis_item = |k: usize, a: &AxisNode| {
        let programme_ids: Vec<i64> = a.programmes.iter().map(|p| p.id).collect();
        let programmes = a.programmes.iter().enumerate().map(|(j, p)| {
            let row = if *open == Open::RenameProgramme(p.id) {
                let save = {
                    let (office, close, path) = (office.clone(), close.clone(), format!("/api/programmes/{}", p.id));
                    Callback::from(move |(name_ar, name_fr)| {
                        let close = close.clone();
                        send(&office, "office.structure.renamed", "PUT", path.clone(), Some(StructureNames { name_ar, name_fr }), "office.error.conflict", close);
                    })
                };
                names_form("programme-rename-form", (p.name_ar.clone(), p.name_fr.clone()), save)
            } else {
                let on_move = {
                    let (office, id) = (office.clone(), p.id);
                    Callback::from(move |e: Event| {
                        if let Ok(axis_id) = select_value(&e).parse::<i64>() {
                            send(&office, "office.structure.moved", "POST", format!("/api/programmes/{id}/move"),
                                Some(MoveProgramme { axis_id }), "office.error.conflict", || {});
                        }
                    })
                };
                let reorder = format!("/api/axes/{}/programmes/order", a.id);
                html! {
                    <div class="structure-row">
                        <span class="names"><span dir="rtl" lang="ar">{ &p.name_ar }</span>
                            if !p.name_fr.is_empty() { <span class="sub" dir="ltr" lang="fr">{ &p.name_fr }</span> }
                            <span class="sub">{ lang.tn("office.structure.projects", p.totals.projects.max(0) as u64) }</span>
                        </span>
                        { order_button("office.structure.up", "▲", "programme-up", reorder.clone(), swapped(&programme_ids, j, true), "office.structure.reordered") }
                        { order_button("office.structure.down", "▼", "programme-down", reorder, swapped(&programme_ids, j, false), "office.structure.reordered") }
                        <button type="button" class="btn secondary small" data-test="programme-rename" disabled={office.busy}
                            onclick={set_open(Open::RenameProgramme(p.id))}>{ lang.t("office.structure.rename") }</button>
                        if axes.len() > 1 {
                            <select data-test="programme-move" aria-label={lang.t("office.structure.move")} disabled={office.busy} onchange={on_move}>
                                <option value="" selected=true>{ lang.t("office.structure.move") }</option>
                                { for axes.iter().filter(|b| b.id != a.id).map(|b| html! {
                                    <option value={b.id.to_string()}>{ lang.pick(&b.name_ar, &b.name_fr).to_string() }</option>
                                }) }
                            </select>
                        }
                        { delete_button("programme-delete", format!("/api/programmes/{}", p.id), "office.structure.programme_in_use") }
                    </div>
                }
            };
            html! { <li key={p.id} data-test="structure-programme" data-id={p.id.to_string()}>{ row }</li> }
        });
        let head = if *open == Open::RenameAxis(a.id) {
            let save = {
                let (office, close, path) =
                    (office.clone(), close.clone(), format!("/api/axes/{}", a.id));
                Callback::from(move |(name_ar, name_fr)| {
                    let close = close.clone();
                    send(
                        &office,
                        "office.structure.renamed",
                        "PUT",
                        path.clone(),
                        Some(StructureNames { name_ar, name_fr }),
                        "office.error.conflict",
                        close,
                    );
                })
            };
            names_form(
                "axis-rename-form",
                (a.name_ar.clone(), a.name_fr.clone()),
                save,
            )
        } else {
            html! {
                <div class="structure-row axis">
                    <span class="names"><strong dir="rtl" lang="ar">{ &a.name_ar }</strong>
                        if !a.name_fr.is_empty() { <span class="sub" dir="ltr" lang="fr">{ &a.name_fr }</span> }
                    </span>
                    { order_button("office.structure.up", "▲", "axis-up", "/api/axes/order".into(), swapped(&axis_ids, k, true), "office.structure.reordered") }
                    { order_button("office.structure.down", "▼", "axis-down", "/api/axes/order".into(), swapped(&axis_ids, k, false), "office.structure.reordered") }
                    <button type="button" class="btn secondary small" data-test="axis-rename" disabled={office.busy}
                        onclick={set_open(Open::RenameAxis(a.id))}>{ lang.t("office.structure.rename") }</button>
                    { delete_button("axis-delete", format!("/api/axes/{}", a.id), "office.structure.axis_in_use") }
                </div>
            }
        };
        let add = if *open == Open::NewProgramme(a.id) {
            let save = {
                let (office, close, axis_id) = (office.clone(), close.clone(), a.id);
                Callback::from(move |(name_ar, name_fr)| {
                    let close = close.clone();
                    send(
                        &office,
                        "office.structure.added",
                        "POST",
                        "/api/programmes".into(),
                        Some(NewProgramme {
                            axis_id,
                            name_ar,
                            name_fr,
                        }),
                        "office.error.conflict",
                        close,
                    );
                })
            };
            html! { <li>{ names_form("programme-new-form", Default::default(), save) }</li> }
        } else {
            html! {
                <li><button type="button" class="btn link small" data-test="programme-add" disabled={office.busy}
                    onclick={set_open(Open::NewProgramme(a.id))}>{ lang.t("office.structure.add_programme") }</button></li>
            }
        };
        html! {
            <li key={a.id} data-test="structure-axis" data-id={a.id.to_string()}>
                { head }
                <ol class="structure-programmes">{ for programmes }{ add }</ol>
            </li>
        }
    };
    let add_axis = if *open == Open::NewAxis {
        let save = {
            let (office, close) = (office.clone(), close.clone());
            Callback::from(move |(name_ar, name_fr)| {
                let close = close.clone();
                send(
                    &office,
                    "office.structure.added",
                    "POST",
                    "/api/axes".into(),
                    Some(StructureNames { name_ar, name_fr }),
                    "office.error.conflict",
                    close,
                );
            })
        };
        names_form("axis-new-form", Default::default(), save)
    } else {
        html! {
            <button type="button" class="btn secondary small" data-test="axis-add" disabled={office.busy}
                onclick={set_open(Open::NewAxis)}>{ lang.t("office.structure.add_axis") }</button>
        }
    };
    html! {
        <details class="structure" data-test="structure">
            <summary>{ lang.t("office.structure.title") }</summary>
            <p class="sub">{ lang.t("office.structure.hint") }</p>
            <ol class="structure-axes">{ for axes.iter().enumerate().map(|(k, a)| axis_item(k, a)) }</ol>
            { add_axis }
        </details>
    }
}

#[derive(Properties, PartialEq)]
struct NamesFormProps {
    test: &'static str,
    initial: (String, String),
    save: Callback<(String, String)>,
    cancel: Callback<()>,
}

/// The Arabic and French names of an axis or a programme (the Arabic one required).
#[component]
fn NamesForm(props: &NamesFormProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let ar = use_state(|| props.initial.0.clone());
    let fr = use_state(|| props.initial.1.clone());
    let onsubmit = {
        let (ar, fr, save, cancel) = (
            ar.clone(),
            fr.clone(),
            props.save.clone(),
            props.cancel.clone(),
        );
        let initial = props.initial.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let names = (ar.trim().to_string(), fr.trim().to_string());
            if names == initial {
                cancel.emit(());
            } else if !names.0.is_empty() {
                save.emit(names);
            }
        })
    };
    let oninput = |s: &UseStateHandle<String>| {
        let s = s.clone();
        Callback::from(move |e: InputEvent| s.set(input_value(&e)))
    };
    let cancel = props.cancel.reform(|_: MouseEvent| ());
    html! {
        <form class="structure-form inline-action" data-test={props.test} {onsubmit}>
            <label class="field"><span>{ lang.t("office.structure.name_ar") }</span>
                <input type="text" dir="rtl" lang="ar" data-test="name-ar" required=true value={(*ar).clone()} oninput={oninput(&ar)} /></label>
            <label class="field"><span>{ lang.t("office.structure.name_fr") }</span>
                <input type="text" dir="ltr" lang="fr" data-test="name-fr" value={(*fr).clone()} oninput={oninput(&fr)} /></label>
            <button type="submit" class="btn primary small" data-test="names-save" disabled={office.busy || ar.trim().is_empty()}>
                { lang.t("office.structure.save") }</button>
            <button type="button" class="btn secondary small" onclick={cancel}>{ lang.t("common.cancel") }</button>
        </form>
    }
}
