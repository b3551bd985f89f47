//! The log of consolidation actions: who did what and when, with undo where it is possible.

use std::rc::Rc;

use js_sys::{JSON, Reflect};
use tachkhis_shared::api::consolidation::{ActionEntry, ActionKind};
use wasm_bindgen::JsValue;
use yew::prelude::*;

use super::{Link, LoadNotice, use_get, use_office};
use crate::route::Route;
use crate::use_model;
use crate::widgets::show_time;

pub fn kind_key(kind: &ActionKind) -> &'static str {
    match kind {
        ActionKind::Create => "office.kind.create",
        ActionKind::Merge => "office.kind.merge",
        ActionKind::Move => "office.kind.move",
        ActionKind::Split => "office.kind.split",
        ActionKind::Edit => "office.kind.edit",
        ActionKind::Link => "office.kind.link",
        ActionKind::Unlink => "office.kind.unlink",
        ActionKind::Undo => "office.kind.undo",
        ActionKind::AxisCreate => "office.kind.axis_create",
        ActionKind::AxisRename => "office.kind.axis_rename",
        ActionKind::AxisReorder => "office.kind.axis_reorder",
        ActionKind::AxisDelete => "office.kind.axis_delete",
        ActionKind::ProgrammeCreate => "office.kind.programme_create",
        ActionKind::ProgrammeRename => "office.kind.programme_rename",
        ActionKind::ProgrammeReorder => "office.kind.programme_reorder",
        ActionKind::ProgrammeMove => "office.kind.programme_move",
        ActionKind::ProgrammeDelete => "office.kind.programme_delete",
        ActionKind::Unknown(_) => "office.kind.other",
    }
}

/// What the action was about, from its JSON detail: a title, and the need it went to.
fn about(detail: &str) -> (Option<String>, Option<i64>) {
    let Ok(v) = JSON::parse(detail) else {
        return (None, None);
    };
    let get = |k: &str| Reflect::get(&v, &JsValue::from_str(k)).ok();
    let title = get("title").and_then(|t| t.as_string());
    let need = get("need_id")
        .or_else(|| get("to_need"))
        .and_then(|n| n.as_f64())
        .map(|n| n as i64);
    (title, need)
}

/// Seconds since the epoch (the server's clock) as milliseconds; milliseconds pass through.
pub fn epoch_ms(t: i64) -> f64 {
    if t > 100_000_000_000 {
        t as f64
    } else {
        t as f64 * 1000.0
    }
}

#[derive(Properties, PartialEq)]
pub struct ActionTableProps {
    pub entries: Rc<Vec<ActionEntry>>,
}

/// Actions, newest first, each with its undo button when the server says it can be undone.
#[component]
pub fn ActionTable(props: &ActionTableProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    if props.entries.is_empty() {
        return html! { <p class="muted">{ lang.t("office.log.empty") }</p> };
    }
    let row = |a: &ActionEntry| {
        let (title, need) = about(&a.detail);
        let undo = {
            let (office, id) = (office.clone(), a.id);
            Callback::from(move |_: MouseEvent| office.undo(id))
        };
        let state = if a.undone_by.is_some() {
            html! { <span class="tag quiet" data-test="undone">{ lang.t("office.log.undone") }</span> }
        } else if a.can_undo && !office.read_only {
            html! {
                <button type="button" class="btn secondary small" data-test="action-undo"
                    disabled={office.busy} onclick={undo}>{ lang.t("office.undo") }</button>
            }
        } else {
            html! {}
        };
        html! {
            <tr key={a.id.to_string()} data-test="action-row" data-id={a.id.to_string()} data-kind={a.kind.code().to_string()}
                class={classes!(a.undone_by.is_some().then_some("withdrawn"))}>
                <td class="num"><span dir="ltr">{ show_time(epoch_ms(a.at)) }</span></td>
                <td>{ a.username.clone().unwrap_or_default() }</td>
                <td>{ lang.t(kind_key(&a.kind)) }
                    if let Some(undoes) = a.undoes { <span class="sub num">{ format!("#{undoes}") }</span> }
                </td>
                <td class="text">
                    if let Some(t) = title { <span dir="auto">{ t }</span> }
                    if let Some(id) = need {
                        { " " }<Link to={Route::OfficeNeed { id }}>{ format!("#{id}") }</Link>
                    }
                </td>
                <td class="num">{ a.proposals_moved }</td>
                <td>{ state }</td>
            </tr>
        }
    };
    html! {
        <table class="grid" data-test="action-table">
            <thead><tr>
                <th>{ lang.t("office.log.when") }</th>
                <th>{ lang.t("office.log.who") }</th>
                <th>{ lang.t("office.log.what") }</th>
                <th>{ lang.t("office.log.about") }</th>
                <th>{ lang.t("office.log.moved") }</th>
                <th></th>
            </tr></thead>
            <tbody>{ for props.entries.iter().map(row) }</tbody>
        </table>
    }
}

#[component]
pub fn LogPage() -> Html {
    let (_, lang) = use_model();
    let log = use_get::<Vec<ActionEntry>>(Some("/api/actions?limit=300".into()));
    html! {
        <section class="office-page log-page">
            <div class="page-head">
                <h1>{ lang.t("office.nav.log") }</h1>
                if log.loading { <span class="spinner" aria-hidden="true"></span> }
            </div>
            <LoadNotice loading={log.loading} error={log.error.clone()} has_data={log.data.is_some()} />
            if let Some(entries) = log.data.clone() {
                <ActionTable {entries} />
            }
        </section>
    }
}
