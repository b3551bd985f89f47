//! The proposals table: sortable headers, a checkbox per row and one for all rows shown, the
//! keyboard cursor's highlight.

use std::rc::Rc;

use tachkhis_shared::api::consolidation::{OfficeProposal, ProposalFilter, ProposalStatus};
use tachkhis_shared::reference::Reference;
use uuid::Uuid;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::selection::{Select, Selection};
use super::{Col, Rows, place_of, status_key};
use crate::i18n::Lang;
use crate::pages::office::{Link, group_name, sector_name, sort_th, use_office};
use crate::route::Route;
use crate::use_model;
use crate::widgets::{douar_name, pole_name, show_date};

#[derive(Properties, PartialEq)]
pub struct ProposalTableProps {
    pub rows: Rc<Rows>,
    /// The ids of `rows`, top to bottom.
    pub order: Rc<Vec<Uuid>>,
    pub selection: UseReducerHandle<Selection>,
    pub sort: UseStateHandle<(Col, bool)>,
    /// A session's name in a row narrows the filter to that session.
    pub filter: UseStateHandle<ProposalFilter>,
}

#[component]
pub fn ProposalTable(props: &ProposalTableProps) -> Html {
    let (model, lang) = use_model();
    let office = use_office();
    let reference = model.reference();
    let selection = &props.selection;
    let cur = selection.cursor(props.order.len());
    // One listener for the whole body: a click on a checkbox selects (shift: a range), a click
    // elsewhere on a row moves the cursor there; links do their own thing.
    let on_body_click = {
        let (selection, order) = (selection.dispatcher(), props.order.clone());
        Callback::from(move |e: MouseEvent| {
            let Some(target) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            else {
                return;
            };
            let Some(i) = target
                .closest("tr[data-i]")
                .ok()
                .flatten()
                .and_then(|tr| tr.get_attribute("data-i"))
                .and_then(|i| i.parse::<usize>().ok())
            else {
                return;
            };
            if target.matches(".sel").unwrap_or(false) {
                selection.dispatch(Select::Toggle {
                    order: order.clone(),
                    at: i,
                    range: e.shift_key(),
                });
            } else if target.closest("a, button").ok().flatten().is_none() {
                selection.dispatch(Select::Cursor(i));
            }
        })
    };
    let check_all = {
        let (selection, order) = (selection.dispatcher(), props.order.clone());
        Callback::from(move |_: MouseEvent| {
            selection.dispatch(Select::ToggleAll {
                order: order.clone(),
            })
        })
    };
    let filter_session = |id: Uuid| {
        let filter = props.filter.clone();
        Callback::from(move |_: MouseEvent| {
            filter.set(ProposalFilter {
                session: Some(id),
                ..(*filter).clone()
            })
        })
    };
    let sort = &props.sort;
    let look = RowLook {
        lang,
        r: reference.as_deref(),
        read_only: office.read_only,
    };
    html! {
        <table class="grid" data-test="proposal-table">
            <thead><tr>
                if !office.read_only {
                    <th class="check">
                        <input type="checkbox" checked={selection.all_of(&props.order)} data-test="check-all"
                            aria-label={lang.t("office.select_all")} onclick={check_all} />
                    </th>
                }
                { sort_th(lang.t("office.col.proposal"), Col::Problem, sort, "sort-problem") }
                { sort_th(lang.t("office.col.sector"), Col::Sector, sort, "sort-sector") }
                { sort_th(lang.t("office.col.place"), Col::Place, sort, "sort-place") }
                { sort_th(lang.t("office.col.session"), Col::Session, sort, "sort-session") }
                { sort_th(lang.t("office.col.votes"), Col::Votes, sort, "sort-votes") }
                { sort_th(lang.t("office.col.present"), Col::Present, sort, "sort-present") }
                { sort_th(lang.t("office.col.need"), Col::Need, sort, "sort-need") }
            </tr></thead>
            <tbody onclick={on_body_click}>
                { for props.rows.iter().enumerate().map(|(i, p)| {
                    let state = (i == cur, selection.ids.contains(&p.id));
                    row(&look, i, p, state, filter_session(p.session_id))
                }) }
            </tbody>
        </table>
    }
}

/// What every row is drawn with.
struct RowLook<'a> {
    lang: Lang,
    r: Option<&'a Reference>,
    read_only: bool,
}

/// Row `i`; `(cursor, selected)` says whether the cursor is on it and whether it is ticked.
fn row(
    look: &RowLook,
    i: usize,
    p: &OfficeProposal,
    (cursor, selected): (bool, bool),
    on_session: Callback<MouseEvent>,
) -> Html {
    let RowLook { lang, r, read_only } = *look;
    let withdrawn = p.status == ProposalStatus::Withdrawn;
    let class = classes!(
        cursor.then_some("cursor"),
        selected.then_some("selected"),
        withdrawn.then_some("withdrawn")
    );
    let place = place_of(p)
        .map(|d| douar_name(r, lang, d))
        .unwrap_or_default();
    let need = match (p.need_id, &p.need_title) {
        (Some(id), title) => html! {
            <Link to={Route::OfficeNeed { id }} test={AttrValue::from("row-need")}>
                { title.clone().unwrap_or_else(|| format!("#{id}")) }
            </Link>
        },
        (None, _) => html! { <span class="tag quiet">{ lang.t(status_key(&p.status)) }</span> },
    };
    html! {
        <tr key={p.id.to_string()} data-i={i.to_string()} data-id={p.id.to_string()} {class}
            data-test="proposal-row" data-status={p.status.code().to_string()}>
            if !read_only {
                <td class="check">
                    <input type="checkbox" class="sel" checked={selected}
                        aria-label={lang.t("office.select_row")} data-test="row-check" />
                </td>
            }
            <td class="text">
                <span class="problem">{ &p.problem }</span>
                if !p.solution.is_empty() {
                    <span class="solution">{ &p.solution }</span>
                }
                if withdrawn {
                    <span class="tag warn">{ lang.t("office.status.withdrawn") }</span>
                }
            </td>
            <td>{ sector_name(r, lang, p.sector.as_ref()) }</td>
            <td>{ place }<span class="sub">{ pole_name(r, lang, &p.pole_id) }</span></td>
            <td>
                <button type="button" class="cell-link" title={lang.t("office.filter.this_session")}
                    onclick={on_session}>
                    { group_name(r, lang, &p.group_kind) }
                </button>
                <span class="sub num">{ show_date(&p.date) }</span>
            </td>
            <td class="num">{ p.votes }</td>
            <td class="num">{ p.present }</td>
            <td>{ need }</td>
        </tr>
    }
}
