//! What the selection can become: the bulk bar (merge, add to a need, remove, clear), the
//! dialog that merges the selection into a new need, and the one that adds it to a need.
//! The dialogs' fields live in the page's state (a shortcut may open or close them).

use std::rc::Rc;

use tachkhis_shared::Sector;
use tachkhis_shared::api::consolidation::{ActionDone, NeedSummary};
use uuid::Uuid;
use yew::prelude::*;

use super::{Dialog, actions};
use crate::pages::office::{
    LoadNotice, Office, filter_select, fold, sector_options, select_value, use_get, use_office,
};
use crate::use_model;
use crate::widgets::input_value;

/// The dialog open in `dialog`, for the selected `ids`; `after` gets the answer of its action.
pub fn open_dialog(
    dialog: &UseStateHandle<Dialog>,
    office: &Office,
    ids: &Rc<Vec<Uuid>>,
    after: &Callback<ActionDone>,
    move_to: &Callback<Option<i64>>,
) -> Html {
    let on_cancel = {
        let dialog = dialog.clone();
        Callback::from(move |()| dialog.set(Dialog::None))
    };
    let set = dialog.setter();
    match &**dialog {
        Dialog::None => html! {},
        Dialog::Merge { title, sector } => {
            let on_edit = set
                .to_callback()
                .reform(|(title, sector)| Dialog::Merge { title, sector });
            let on_confirm = actions::create_need(office, ids, after, title, sector);
            html! { <MergeDialog count={ids.len()} title={title.clone()} sector={sector.clone()}
            {on_edit} {on_confirm} {on_cancel} /> }
        }
        Dialog::AddTo { query, need } => {
            let on_edit = set
                .to_callback()
                .reform(|(query, need)| Dialog::AddTo { query, need });
            html! { <AddToDialog count={ids.len()} query={query.clone()} need={*need}
            {on_edit} on_confirm={move_to.clone()} {on_cancel} /> }
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct BulkBarProps {
    pub count: usize,
    pub on_merge: Callback<()>,
    pub on_add: Callback<()>,
    pub on_remove: Callback<()>,
    pub on_clear: Callback<()>,
}

#[component]
pub fn BulkBar(props: &BulkBarProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let click = |c: &Callback<()>| c.reform(|_: MouseEvent| ());
    html! {
        <div class="bulk-bar" data-test="bulk-bar">
            <strong data-test="selected-count" data-count={props.count.to_string()}>
                { lang.tf("office.selected", &[("count", &props.count.to_string())]) }
            </strong>
            <button type="button" class="btn primary small" data-test="bulk-merge" disabled={office.busy} onclick={click(&props.on_merge)}>
                { lang.t("office.bulk.merge") }<kbd>{ "m" }</kbd>
            </button>
            <button type="button" class="btn secondary small" data-test="bulk-add" disabled={office.busy} onclick={click(&props.on_add)}>
                { lang.t("office.bulk.add") }<kbd>{ "a" }</kbd>
            </button>
            <button type="button" class="btn secondary small" data-test="bulk-remove" disabled={office.busy} onclick={click(&props.on_remove)}>
                { lang.t("office.bulk.remove") }<kbd>{ "r" }</kbd>
            </button>
            <button type="button" class="btn link small" data-test="bulk-clear" onclick={click(&props.on_clear)}>
                { lang.t("office.bulk.clear") }
            </button>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct MergeDialogProps {
    /// Proposals selected.
    pub count: usize,
    pub title: String,
    pub sector: Option<Sector>,
    /// The fields as edited: (title, sector).
    pub on_edit: Callback<(String, Option<Sector>)>,
    pub on_confirm: Callback<()>,
    pub on_cancel: Callback<()>,
}

/// A new need from the selection: its title (the shortest problem to start from) and sector.
#[component]
pub fn MergeDialog(props: &MergeDialogProps) -> Html {
    let (model, lang) = use_model();
    let office = use_office();
    let reference = model.reference();
    let on_title = {
        let (on_edit, sector) = (props.on_edit.clone(), props.sector.clone());
        Callback::from(move |e: InputEvent| on_edit.emit((input_value(&e), sector.clone())))
    };
    let on_sector = {
        let (on_edit, title) = (props.on_edit.clone(), props.title.clone());
        Callback::from(move |v: Option<String>| {
            on_edit.emit((title.clone(), v.map(|c| Sector::parse(&c))))
        })
    };
    let onsubmit = props
        .on_confirm
        .reform(|e: SubmitEvent| e.prevent_default());
    let cancel = props.on_cancel.reform(|_: MouseEvent| ());
    html! {
        <form class="dialog" data-test="merge-dialog" {onsubmit}>
            <h2>{ lang.tn("office.merge.title", props.count as u64) }</h2>
            <label class="field">
                <span>{ lang.t("office.need.title") }</span>
                <input type="text" data-test="merge-title" dir="auto" value={props.title.clone()}
                    oninput={on_title} autofocus=true />
            </label>
            { filter_select(lang, "merge-sector", "office.col.sector", props.sector.as_ref().map(Sector::code),
                sector_options(lang, reference.as_deref()).into_iter(), on_sector) }
            <div class="dialog-actions">
                <button type="submit" class="btn primary small" data-test="merge-confirm"
                    disabled={office.busy || props.title.trim().is_empty()}>{ lang.t("office.merge.confirm") }</button>
                <button type="button" class="btn secondary small" onclick={cancel}>{ lang.t("common.cancel") }</button>
            </div>
        </form>
    }
}

#[derive(Properties, PartialEq)]
pub struct AddToDialogProps {
    /// Proposals selected.
    pub count: usize,
    pub query: String,
    pub need: Option<i64>,
    /// The fields as edited: (search text, need picked).
    pub on_edit: Callback<(String, Option<i64>)>,
    /// Adds the selection to this need.
    pub on_confirm: Callback<Option<i64>>,
    pub on_cancel: Callback<()>,
}

/// Adds the selection to an existing need, found by its title.
#[component]
pub fn AddToDialog(props: &AddToDialogProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let needs = use_get::<Vec<NeedSummary>>(Some("/api/needs".to_string()));
    let on_query = {
        let (on_edit, need) = (props.on_edit.clone(), props.need);
        Callback::from(move |e: InputEvent| on_edit.emit((input_value(&e), need)))
    };
    let on_pick = {
        let (on_edit, query) = (props.on_edit.clone(), props.query.clone());
        Callback::from(move |e: Event| on_edit.emit((query.clone(), select_value(&e).parse().ok())))
    };
    let on_submit = {
        let (on_confirm, need) = (props.on_confirm.clone(), props.need);
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if need.is_some() {
                on_confirm.emit(need);
            }
        })
    };
    let q = fold(&props.query);
    let mut list: Vec<&NeedSummary> = needs
        .data
        .as_ref()
        .map(|n| {
            n.iter()
                .filter(|n| q.is_empty() || fold(&n.title).contains(&q))
                .collect()
        })
        .unwrap_or_default();
    list.sort_by(|a, b| a.title.cmp(&b.title));
    let cancel = props.on_cancel.reform(|_: MouseEvent| ());
    html! {
        <form class="dialog" data-test="add-dialog" onsubmit={on_submit}>
            <h2>{ lang.tn("office.add.title", props.count as u64) }</h2>
            <LoadNotice loading={needs.loading} error={needs.error.clone()} has_data={needs.data.is_some()} />
            <label class="field">
                <span>{ lang.t("office.filter.search") }</span>
                <input type="search" data-test="add-search" dir="auto" value={props.query.clone()}
                    oninput={on_query} autofocus=true />
            </label>
            <select size="8" class="need-picker" data-test="add-need" onchange={on_pick}>
                { for list.iter().map(|n| html! {
                    <option value={n.id.to_string()} selected={props.need == Some(n.id)}>
                        { format!("{} ({})", n.title, n.proposals) }
                    </option>
                }) }
            </select>
            <div class="dialog-actions">
                <button type="submit" class="btn primary small" data-test="add-confirm"
                    disabled={office.busy || props.need.is_none()}>{ lang.t("office.add.confirm") }</button>
                <button type="button" class="btn secondary small" onclick={cancel}>{ lang.t("common.cancel") }</button>
            </div>
        </form>
    }
}
