//! The need's proposals (withdrawn ones struck through), ticked to split them into a new need
//! or to take them out of this one.

use std::collections::BTreeSet;
use std::rc::Rc;

use tachkhis_shared::api::consolidation::{
    ActionDone, MoveProposals, NeedDetail, ProposalStatus, SplitNeed,
};
use uuid::Uuid;
use yew::prelude::*;

use crate::net::office;
use crate::pages::office::{group_name, sector_name, use_office};
use crate::route::{Route, use_navigator};
use crate::use_model;
use crate::widgets::{douar_name, input_value, pole_name, show_date};

#[derive(Properties, PartialEq)]
pub struct NeedProposalsProps {
    pub id: i64,
    pub need: Rc<NeedDetail>,
    /// The user may change the need (not read-only, not closed).
    pub editable: bool,
}

#[component]
pub fn NeedProposals(props: &NeedProposalsProps) -> Html {
    let (model, lang) = use_model();
    let office = use_office();
    let navigator = use_navigator();
    let reference = model.reference();
    let r = reference.as_deref();
    let id = props.id;
    let selected = use_state(|| Rc::new(BTreeSet::<Uuid>::new()));
    let split_title = use_state(String::new);

    let ids: Vec<Uuid> = selected.iter().copied().collect();
    let clear = {
        let (selected, split_title) = (selected.clone(), split_title.clone());
        move |_: ActionDone| {
            selected.set(Rc::new(BTreeSet::new()));
            split_title.set(String::new());
        }
    };
    let split = {
        let (office, ids, title, clear) = (
            office.clone(),
            ids.clone(),
            split_title.clone(),
            clear.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if ids.is_empty() || title.trim().is_empty() || office.busy {
                return;
            }
            let body = SplitNeed {
                proposal_ids: ids.clone(),
                title: title.trim().to_string(),
                sector: None,
                description: String::new(),
            };
            let token = office.token.clone();
            let (clear, navigator) = (clear.clone(), navigator.clone());
            office.act(
                "office.done.split",
                async move {
                    let path = format!("/api/needs/{id}/split");
                    office::send::<_, ActionDone>("POST", &token, &path, Some(&body)).await
                },
                move |done| {
                    clear(done);
                    // The new need, where the split proposals now are.
                    if let (Some(new), Some(n)) = (done.need_id, &navigator) {
                        n.push(&Route::OfficeNeed { id: new });
                    }
                },
            );
        })
    };
    let remove = {
        let (office, ids) = (office.clone(), ids.clone());
        Callback::from(move |_: MouseEvent| {
            if ids.is_empty() || office.busy {
                return;
            }
            let body = MoveProposals {
                proposal_ids: ids.clone(),
                need_id: None,
            };
            let token = office.token.clone();
            office.act(
                "office.done.removed",
                async move {
                    let path = "/api/proposals/move";
                    office::send::<_, ActionDone>("POST", &token, path, Some(&body)).await
                },
                clear.clone(),
            );
        })
    };
    let tick = |pid: Uuid| {
        let selected = selected.clone();
        Callback::from(move |_: Event| {
            let mut set = (**selected).clone();
            if !set.remove(&pid) {
                set.insert(pid);
            }
            selected.set(Rc::new(set));
        })
    };
    let rows = props.need.proposal_list.iter().map(|p| {
        let withdrawn = p.status == ProposalStatus::Withdrawn;
        let place = p
            .douar_id
            .as_deref()
            .map(|d| douar_name(r, lang, d))
            .unwrap_or_else(|| pole_name(r, lang, &p.pole_id));
        html! {
            <tr key={p.id.to_string()} class={classes!(withdrawn.then_some("withdrawn"), selected.contains(&p.id).then_some("selected"))}
                data-test="need-proposal" data-status={p.status.code().to_string()}>
                if props.editable {
                    <td class="check"><input type="checkbox" checked={selected.contains(&p.id)} onchange={tick(p.id)} data-test="need-proposal-check" /></td>
                }
                <td class="text">
                    <span class="problem">{ &p.problem }</span>
                    if !p.solution.is_empty() { <span class="solution">{ &p.solution }</span> }
                    if withdrawn { <span class="tag warn">{ lang.t("office.status.withdrawn") }</span> }
                </td>
                <td>{ sector_name(r, lang, p.sector.as_ref()) }</td>
                <td>{ place }</td>
                <td>{ group_name(r, lang, &p.group_kind) }<span class="sub num">{ show_date(&p.date) }</span></td>
                <td class="num">{ p.votes }</td>
                <td class="num">{ p.present }</td>
            </tr>
        }
    });
    let on_title = {
        let t = split_title.clone();
        Callback::from(move |e: InputEvent| t.set(input_value(&e)))
    };
    html! {
        <>
            if !office.read_only && !selected.is_empty() {
                <form class="bulk-bar" data-test="split-bar" onsubmit={split}>
                    <strong>{ lang.tf("office.selected", &[("count", &selected.len().to_string())]) }</strong>
                    <input type="text" dir="auto" data-test="split-title" placeholder={lang.t("office.split.title_hint")}
                        value={(*split_title).clone()} oninput={on_title} />
                    <button type="submit" class="btn primary small" data-test="split-confirm"
                        disabled={office.busy || split_title.trim().is_empty()}>{ lang.t("office.split.confirm") }</button>
                    <button type="button" class="btn secondary small" data-test="need-remove" disabled={office.busy} onclick={remove}>
                        { lang.t("office.bulk.remove") }
                    </button>
                </form>
            }
            <table class="grid" data-test="need-proposals">
                <thead><tr>
                    if props.editable { <th class="check"></th> }
                    <th>{ lang.t("office.col.proposal") }</th>
                    <th>{ lang.t("office.col.sector") }</th>
                    <th>{ lang.t("office.col.place") }</th>
                    <th>{ lang.t("office.col.session") }</th>
                    <th>{ lang.t("office.col.votes") }</th>
                    <th>{ lang.t("office.col.present") }</th>
                </tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
        </>
    }
}
