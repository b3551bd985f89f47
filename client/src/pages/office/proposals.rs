//! Proposals: every proposal of every session in one dense table, with filters and a search
//! box; a selection (checkboxes, shift-click ranges, all visible rows) for the bulk actions:
//! merge into a new need, add to an existing need, remove from its need.

use std::collections::BTreeSet;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use tachkhis_shared::api::consolidation::{
    ActionDone, Lineage, MoveProposals, NeedSummary, NewNeed, OfficeProposal, ProposalFilter,
    ProposalPage, ProposalStatus,
};
use tachkhis_shared::reference::Reference;
use tachkhis_shared::{GroupKind, Sector};
use uuid::Uuid;
use wasm_bindgen::JsCast;
use web_sys::KeyboardEvent;
use yew::prelude::*;

use super::{
    Link, LoadNotice, douar_options, filter_select, focus_test_id, group_name, group_options,
    pole_options, scroll_to_cursor, sector_name, sector_options, sort_th, use_get, use_keys,
    use_office,
};
use crate::i18n::Lang;
use crate::net::office::{self, query};
use crate::route::{Route, use_navigator};
use crate::use_model;
use crate::widgets::{douar_name, input_value, pole_name, show_date, show_time};

/// Rows asked for at a time; "show more" asks for this many more.
const PAGE: u32 = 500;

#[derive(Clone, Copy, PartialEq)]
enum Col {
    Problem,
    Sector,
    Place,
    Session,
    Votes,
    Present,
    Need,
}

#[derive(Clone, PartialEq)]
enum Dialog {
    None,
    Merge {
        title: String,
        sector: Option<Sector>,
    },
    AddTo {
        query: String,
        need: Option<i64>,
    },
}

/// The douar a proposal is about: its own, else its session's first.
fn place_of(p: &OfficeProposal) -> Option<&str> {
    p.douar_id
        .as_deref()
        .or_else(|| p.session_douar_ids.first().map(String::as_str))
}

fn sort_rows(rows: &mut [&OfficeProposal], col: Col, asc: bool, r: Option<&Reference>, lang: Lang) {
    rows.sort_by(|a, b| {
        let o = match col {
            Col::Problem => a.problem.cmp(&b.problem),
            Col::Sector => sector_name(r, lang, a.sector.as_ref()).cmp(&sector_name(
                r,
                lang,
                b.sector.as_ref(),
            )),
            Col::Place => place_of(a)
                .map(|d| douar_name(r, lang, d))
                .cmp(&place_of(b).map(|d| douar_name(r, lang, d))),
            Col::Session => {
                (&a.date, &a.group_kind, a.session_id).cmp(&(&b.date, &b.group_kind, b.session_id))
            }
            Col::Votes => a.votes.cmp(&b.votes),
            Col::Present => a.present.cmp(&b.present),
            Col::Need => (&a.status, &a.need_title).cmp(&(&b.status, &b.need_title)),
        };
        let o = if asc { o } else { o.reverse() };
        o.then(a.id.cmp(&b.id))
    });
}

fn proposals_query(filter: &ProposalFilter, limit: u32) -> String {
    format!(
        "/api/proposals{}",
        query(&[
            ("pole", filter.pole.clone()),
            ("douar", filter.douar.clone()),
            (
                "group_kind",
                filter.group_kind.as_ref().map(|g| g.code().to_string())
            ),
            (
                "sector",
                filter.sector.as_ref().map(|s| s.code().to_string())
            ),
            ("session", filter.session.map(|s| s.to_string())),
            ("need", filter.need.map(|n| n.to_string())),
            (
                "status",
                filter.status.as_ref().map(|s| s.code().to_string())
            ),
            ("q", filter.q.clone()),
            ("limit", Some(limit.to_string())),
        ])
    )
}

#[component]
pub fn ProposalsPage() -> Html {
    let (model, lang) = use_model();
    let office = use_office();
    let navigator = use_navigator();
    let reference = model.reference();
    let r = reference.as_deref();
    let filter = use_state(ProposalFilter::default);
    let search = use_state(String::new);
    let search_timer = use_mut_ref(|| None::<Timeout>);
    let limit = use_state(|| PAGE);
    let sort = use_state(|| (Col::Session, false));
    let selected = use_state(|| Rc::new(BTreeSet::<Uuid>::new()));
    let cursor = use_state(|| 0usize);
    let anchor = use_mut_ref(|| None::<usize>);
    let dialog = use_state(|| Dialog::None);
    // The proposal whose lineage is shown (`l`).
    let lineage_of = use_state(|| None::<Uuid>);

    let page = use_get::<ProposalPage>(Some(proposals_query(&filter, *limit)));
    let needs = use_get::<Vec<NeedSummary>>(
        matches!(*dialog, Dialog::AddTo { .. }).then(|| "/api/needs".to_string()),
    );

    let lineage = use_get::<Lineage>(lineage_of.map(|id| format!("/api/proposals/{id}/lineage")));
    let mut rows: Vec<&OfficeProposal> = page
        .data
        .as_ref()
        .map(|p| p.rows.iter().collect())
        .unwrap_or_default();
    sort_rows(&mut rows, sort.0, sort.1, r, lang);
    let order: Rc<Vec<Uuid>> = Rc::new(rows.iter().map(|p| p.id).collect());
    let cur = (*cursor).min(order.len().saturating_sub(1));
    let total = page.data.as_ref().map(|p| p.total).unwrap_or(0);

    // ---- selection -------------------------------------------------------------------------
    // Select or unselect row `i`; with `range`, every row from the last one clicked to `i`
    // takes the state of the last one clicked.
    let toggle = {
        let (selected, cursor, anchor, order) = (
            selected.clone(),
            cursor.clone(),
            anchor.clone(),
            order.clone(),
        );
        Callback::from(move |(i, range): (usize, bool)| {
            let Some(id) = order.get(i).copied() else {
                return;
            };
            let mut set = (**selected).clone();
            let from = *anchor.borrow();
            match from.filter(|_| range) {
                Some(a) => {
                    let on = order.get(a).is_some_and(|id| set.contains(id));
                    for id in &order[a.min(i)..=a.max(i).min(order.len() - 1)] {
                        if on {
                            set.insert(*id);
                        } else {
                            set.remove(id);
                        }
                    }
                }
                None => {
                    if !set.remove(&id) {
                        set.insert(id);
                    }
                }
            }
            *anchor.borrow_mut() = Some(i);
            cursor.set(i);
            selected.set(Rc::new(set));
        })
    };
    let all_visible = !order.is_empty() && order.iter().all(|id| selected.contains(id));
    let select_all = {
        let (selected, order) = (selected.clone(), order.clone());
        Callback::from(move |()| {
            let mut set = (**selected).clone();
            if order.iter().all(|id| set.contains(id)) {
                for id in order.iter() {
                    set.remove(id);
                }
            } else {
                set.extend(order.iter().copied());
            }
            selected.set(Rc::new(set));
        })
    };
    let clear = {
        let (selected, anchor) = (selected.clone(), anchor.clone());
        Callback::from(move |()| {
            *anchor.borrow_mut() = None;
            selected.set(Rc::new(BTreeSet::new()));
        })
    };

    // ---- actions ---------------------------------------------------------------------------
    let ids: Vec<Uuid> = selected.iter().copied().collect();
    let open_merge = {
        let (dialog, rows_data, ids) = (dialog.clone(), page.data.clone(), ids.clone());
        Callback::from(move |()| {
            if ids.is_empty() {
                return;
            }
            let chosen: Vec<&OfficeProposal> = rows_data
                .as_ref()
                .map(|p| p.rows.iter().filter(|r| ids.contains(&r.id)).collect())
                .unwrap_or_default();
            // Start from the shortest problem, and the sector when they all agree.
            let title = chosen
                .iter()
                .map(|p| {
                    if p.problem.trim().is_empty() {
                        &p.solution
                    } else {
                        &p.problem
                    }
                })
                .min_by_key(|t| t.chars().count())
                .cloned()
                .unwrap_or_default();
            let sector = chosen.first().and_then(|p| p.sector.clone());
            let sector = sector.filter(|s| chosen.iter().all(|p| p.sector.as_ref() == Some(s)));
            dialog.set(Dialog::Merge { title, sector });
        })
    };
    let open_add = {
        let (dialog, empty) = (dialog.clone(), ids.is_empty());
        Callback::from(move |()| {
            if !empty {
                dialog.set(Dialog::AddTo {
                    query: String::new(),
                    need: None,
                });
            }
        })
    };
    let after_action = {
        let (dialog, clear) = (dialog.clone(), clear.clone());
        move |_: ActionDone| {
            dialog.set(Dialog::None);
            clear.emit(());
        }
    };
    let move_to = {
        let (office, ids, after) = (office.clone(), ids.clone(), after_action.clone());
        Callback::from(move |need_id: Option<i64>| {
            if ids.is_empty() || office.busy {
                return;
            }
            let token = office.token.clone();
            let body = MoveProposals {
                proposal_ids: ids.clone(),
                need_id,
            };
            let key = if need_id.is_some() {
                "office.done.added"
            } else {
                "office.done.removed"
            };
            office.act(
                key,
                async move {
                    office::send("POST", &token, "/api/proposals/move", Some(&body)).await
                },
                after.clone(),
            );
        })
    };
    let create_need = {
        let (office, ids, dialog, after) = (
            office.clone(),
            ids.clone(),
            dialog.clone(),
            after_action.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Dialog::Merge { title, sector } = (*dialog).clone() else {
                return;
            };
            if title.trim().is_empty() || ids.is_empty() || office.busy {
                return;
            }
            let token = office.token.clone();
            let body = NewNeed {
                title: title.trim().to_string(),
                sector,
                description: String::new(),
                proposal_ids: ids.clone(),
            };
            office.act(
                "office.done.merged",
                async move { office::send("POST", &token, "/api/needs", Some(&body)).await },
                after.clone(),
            );
        })
    };

    // ---- keyboard --------------------------------------------------------------------------
    {
        let (cursor, toggle, select_all, clear, dialog) = (
            cursor.clone(),
            toggle.clone(),
            select_all.clone(),
            clear.clone(),
            dialog.clone(),
        );
        let (open_merge, open_add, move_to) =
            (open_merge.clone(), open_add.clone(), move_to.clone());
        let (navigator, n, read_only) = (navigator.clone(), order.len(), office.read_only);
        let order_ids = order.clone();
        let need_at_cursor = rows.get(cur).and_then(|p| p.need_id);
        let (lineage_of, id_at_cursor) = (lineage_of.clone(), rows.get(cur).map(|p| p.id));
        use_keys(Callback::from(move |e: KeyboardEvent| {
            let go = |to: usize| {
                cursor.set(to);
                if lineage_of.is_some() {
                    lineage_of.set(order_ids.get(to).copied());
                }
                // After the render that moves the highlight.
                Timeout::new(0, scroll_to_cursor).forget();
            };
            match e.key().as_str() {
                "j" | "ArrowDown" if n > 0 => go((cur + 1).min(n - 1)),
                "k" | "ArrowUp" if n > 0 => go(cur.saturating_sub(1)),
                "/" => focus_test_id("proposal-search"),
                "x" if !read_only => toggle.emit((cur, false)),
                "X" if !read_only => toggle.emit((cur, true)),
                "*" if !read_only => select_all.emit(()),
                "m" if !read_only => open_merge.emit(()),
                "a" if !read_only => open_add.emit(()),
                "r" if !read_only => move_to.emit(None),
                "o" | "Enter" => match need_at_cursor {
                    Some(id) => {
                        if let Some(nav) = &navigator {
                            nav.push(&Route::OfficeNeed { id });
                        }
                    }
                    None => return,
                },
                "l" => lineage_of.set(if lineage_of.is_some() {
                    None
                } else {
                    id_at_cursor
                }),
                "Escape" => {
                    if lineage_of.is_some() {
                        lineage_of.set(None);
                    } else if *dialog != Dialog::None {
                        dialog.set(Dialog::None);
                    } else {
                        clear.emit(());
                    }
                }
                _ => return,
            }
            e.prevent_default();
        }));
    }

    // ---- filters ---------------------------------------------------------------------------
    let set_filter = |f: fn(&mut ProposalFilter, Option<String>)| {
        let (filter, cursor) = (filter.clone(), cursor.clone());
        Callback::from(move |v: Option<String>| {
            let mut next = (*filter).clone();
            f(&mut next, v);
            cursor.set(0);
            filter.set(next);
        })
    };
    let on_search = {
        let (search, filter, timer) = (search.clone(), filter.clone(), search_timer.clone());
        Callback::from(move |e: InputEvent| {
            let text = input_value(&e);
            search.set(text.clone());
            let filter = filter.clone();
            // Ask the server once typing pauses, not at every key.
            *timer.borrow_mut() = Some(Timeout::new(300, move || {
                let q = Some(text.trim().to_string()).filter(|q| !q.is_empty());
                if filter.q != q {
                    filter.set(ProposalFilter {
                        q,
                        ..(*filter).clone()
                    });
                }
            }));
        })
    };
    let on_search_key = Callback::from(|e: KeyboardEvent| {
        if (e.key() == "Escape" || e.key() == "Enter")
            && let Some(el) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.blur();
        }
    });
    let reset = {
        let (filter, search) = (filter.clone(), search.clone());
        Callback::from(move |_: MouseEvent| {
            search.set(String::new());
            filter.set(ProposalFilter::default());
        })
    };
    let filtering_session = filter.session.map(|_| {
        let clear_session = {
            let filter = filter.clone();
            Callback::from(move |_: MouseEvent| {
                filter.set(ProposalFilter {
                    session: None,
                    ..(*filter).clone()
                })
            })
        };
        let label = rows
            .first()
            .map(|p| session_label(r, lang, p))
            .unwrap_or_default();
        html! {
            <button type="button" class="filter-chip" data-test="session-filter" onclick={clear_session}>
                { lang.tf("office.filter.session_is", &[("session", &label)]) }<span aria-hidden="true">{ " ×" }</span>
            </button>
        }
    });
    let status_options = [
        ProposalStatus::Unplaced,
        ProposalStatus::Placed,
        ProposalStatus::Withdrawn,
    ]
    .into_iter()
    .map(|s| (s.code().to_string(), lang.t(status_key(&s)).to_string()));
    let filters = html! {
        <div class="filters" data-test="proposal-filters">
            <label class="filter search">
                <span>{ lang.t("office.filter.search") }<kbd>{ "/" }</kbd></span>
                <input type="search" data-test="proposal-search" value={(*search).clone()}
                    placeholder={lang.t("office.filter.search_hint")} dir="auto"
                    oninput={on_search} onkeydown={on_search_key} />
            </label>
            { filter_select(lang, "filter-pole", "office.col.pole", filter.pole.as_deref(),
                pole_options(r, lang).into_iter(),
                set_filter(|f, v| { f.pole = v; f.douar = None; })) }
            { filter_select(lang, "filter-douar", "office.col.douar", filter.douar.as_deref(),
                douar_options(r, lang, filter.pole.as_deref()).into_iter(),
                set_filter(|f, v| f.douar = v)) }
            { filter_select(lang, "filter-group", "office.col.group", filter.group_kind.as_ref().map(GroupKind::code),
                group_options(lang, r).into_iter(), set_filter(|f, v| f.group_kind = v.map(|c| GroupKind::parse(&c)))) }
            { filter_select(lang, "filter-sector", "office.col.sector", filter.sector.as_ref().map(Sector::code),
                sector_options(lang, r).into_iter(), set_filter(|f, v| f.sector = v.map(|c| Sector::parse(&c)))) }
            { filter_select(lang, "filter-status", "office.col.status", filter.status.as_ref().map(ProposalStatus::code),
                status_options, set_filter(|f, v| f.status = v.map(|c| ProposalStatus::parse(&c)))) }
            { for filtering_session }
            <button type="button" class="btn secondary small" data-test="filters-reset" onclick={reset}>
                { lang.t("office.filter.reset") }
            </button>
        </div>
    };

    // ---- bulk bar and dialogs --------------------------------------------------------------
    let bulk = (!office.read_only && !selected.is_empty()).then(|| {
        let merge = open_merge.reform(|_: MouseEvent| ());
        let add = open_add.reform(|_: MouseEvent| ());
        let remove = move_to.reform(|_: MouseEvent| None);
        let clear = clear.reform(|_: MouseEvent| ());
        html! {
            <div class="bulk-bar" data-test="bulk-bar">
                <strong data-test="selected-count" data-count={selected.len().to_string()}>
                    { lang.tf("office.selected", &[("count", &selected.len().to_string())]) }
                </strong>
                <button type="button" class="btn primary small" data-test="bulk-merge" disabled={office.busy} onclick={merge}>
                    { lang.t("office.bulk.merge") }<kbd>{ "m" }</kbd>
                </button>
                <button type="button" class="btn secondary small" data-test="bulk-add" disabled={office.busy} onclick={add}>
                    { lang.t("office.bulk.add") }<kbd>{ "a" }</kbd>
                </button>
                <button type="button" class="btn secondary small" data-test="bulk-remove" disabled={office.busy} onclick={remove}>
                    { lang.t("office.bulk.remove") }<kbd>{ "r" }</kbd>
                </button>
                <button type="button" class="btn link small" data-test="bulk-clear" onclick={clear}>
                    { lang.t("office.bulk.clear") }
                </button>
            </div>
        }
    });
    let cancel = {
        let dialog = dialog.clone();
        Callback::from(move |_: MouseEvent| dialog.set(Dialog::None))
    };
    let dialog_html = match &*dialog {
        Dialog::None => html! {},
        Dialog::Merge { title, sector } => {
            let on_title = {
                let (dialog, sector) = (dialog.clone(), sector.clone());
                Callback::from(move |e: InputEvent| {
                    dialog.set(Dialog::Merge {
                        title: input_value(&e),
                        sector: sector.clone(),
                    })
                })
            };
            let on_sector = {
                let (dialog, title) = (dialog.clone(), title.clone());
                Callback::from(move |v: Option<String>| {
                    dialog.set(Dialog::Merge {
                        title: title.clone(),
                        sector: v.map(|c| Sector::parse(&c)),
                    })
                })
            };
            html! {
                <form class="dialog" data-test="merge-dialog" onsubmit={create_need}>
                    <h2>{ lang.tf("office.merge.title", &[("count", &selected.len().to_string())]) }</h2>
                    <label class="field">
                        <span>{ lang.t("office.need.title") }</span>
                        <input type="text" data-test="merge-title" dir="auto" value={title.clone()}
                            oninput={on_title} autofocus=true />
                    </label>
                    { filter_select(lang, "merge-sector", "office.col.sector", sector.as_ref().map(Sector::code),
                        sector_options(lang, r).into_iter(), on_sector) }
                    <div class="dialog-actions">
                        <button type="submit" class="btn primary small" data-test="merge-confirm"
                            disabled={office.busy || title.trim().is_empty()}>{ lang.t("office.merge.confirm") }</button>
                        <button type="button" class="btn secondary small" onclick={cancel}>{ lang.t("common.cancel") }</button>
                    </div>
                </form>
            }
        }
        Dialog::AddTo { query, need } => {
            let on_query = {
                let (dialog, need) = (dialog.clone(), *need);
                Callback::from(move |e: InputEvent| {
                    dialog.set(Dialog::AddTo {
                        query: input_value(&e),
                        need,
                    })
                })
            };
            let on_pick = {
                let (dialog, query) = (dialog.clone(), query.clone());
                Callback::from(move |e: Event| {
                    dialog.set(Dialog::AddTo {
                        query: query.clone(),
                        need: super::select_value(&e).parse().ok(),
                    })
                })
            };
            let on_submit = {
                let (move_to, need) = (move_to.clone(), *need);
                Callback::from(move |e: SubmitEvent| {
                    e.prevent_default();
                    if need.is_some() {
                        move_to.emit(need);
                    }
                })
            };
            let q = super::fold(query);
            let mut list: Vec<&NeedSummary> = needs
                .data
                .as_ref()
                .map(|n| {
                    n.iter()
                        .filter(|n| q.is_empty() || super::fold(&n.title).contains(&q))
                        .collect()
                })
                .unwrap_or_default();
            list.sort_by(|a, b| a.title.cmp(&b.title));
            html! {
                <form class="dialog" data-test="add-dialog" onsubmit={on_submit}>
                    <h2>{ lang.tf("office.add.title", &[("count", &selected.len().to_string())]) }</h2>
                    <LoadNotice loading={needs.loading} error={needs.error.clone()} has_data={needs.data.is_some()} />
                    <label class="field">
                        <span>{ lang.t("office.filter.search") }</span>
                        <input type="search" data-test="add-search" dir="auto" value={query.clone()}
                            oninput={on_query} autofocus=true />
                    </label>
                    <select size="8" class="need-picker" data-test="add-need" onchange={on_pick}>
                        { for list.iter().map(|n| html! {
                            <option value={n.id.to_string()} selected={*need == Some(n.id)}>
                                { format!("{} ({})", n.title, n.proposals) }
                            </option>
                        }) }
                    </select>
                    <div class="dialog-actions">
                        <button type="submit" class="btn primary small" data-test="add-confirm"
                            disabled={office.busy || need.is_none()}>{ lang.t("office.add.confirm") }</button>
                        <button type="button" class="btn secondary small" onclick={cancel}>{ lang.t("common.cancel") }</button>
                    </div>
                </form>
            }
        }
    };

    // ---- lineage -----------------------------------------------------------------------------
    let lineage_panel = lineage_of.map(|id| {
        let close = {
            let l = lineage_of.clone();
            Callback::from(move |_: MouseEvent| l.set(None))
        };
        let problem = rows
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.problem.clone())
            .unwrap_or_default();
        let need_link = |n: Option<i64>| match n {
            Some(id) => html! { <Link to={Route::OfficeNeed { id }}>{ format!("#{id}") }</Link> },
            None => html! { <span class="muted">{ lang.t("office.status.unplaced") }</span> },
        };
        // From one need to the next, in the reading direction.
        let arrow = if lang == Lang::Ar { " ← " } else { " → " };
        let steps = lineage.data.as_ref().map(|l| {
            html! {
                <ol class="lineage">
                    { for l.steps.iter().map(|s| html! {
                        <li>
                            <span class="num" dir="ltr">{ show_time(super::log::epoch_ms(s.at)) }</span>
                            { " · " }{ s.username.clone().unwrap_or_default() }{ " · " }
                            { lang.t(super::log::kind_key(&s.kind)) }{ " : " }
                            { need_link(s.from_need) }<span aria-hidden="true">{ arrow }</span>{ need_link(s.to_need) }
                        </li>
                    }) }
                </ol>
            }
        });
        html! {
            <aside class="dialog lineage-panel" data-test="lineage">
                <div class="overlay-head">
                    <h2>{ lang.t("office.lineage.title") }</h2>
                    <button type="button" class="flash-close" aria-label={lang.t("office.close")} onclick={close}>{ "×" }</button>
                </div>
                <p dir="auto"><strong>{ problem }</strong></p>
                <LoadNotice loading={lineage.loading} error={lineage.error.clone()} has_data={lineage.data.is_some()} />
                if lineage.data.as_ref().is_some_and(|l| l.steps.is_empty()) {
                    <p class="muted">{ lang.t("office.lineage.none") }</p>
                }
                { for steps }
            </aside>
        }
    });

    // ---- table -----------------------------------------------------------------------------
    // One listener for the whole body: a click on a checkbox selects (shift: a range), a click
    // elsewhere on a row moves the cursor there; links do their own thing.
    let on_body_click = {
        let (toggle, cursor) = (toggle.clone(), cursor.clone());
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
                toggle.emit((i, e.shift_key()));
            } else if target.closest("a, button").ok().flatten().is_none() {
                cursor.set(i);
            }
        })
    };
    let filter_session = {
        let filter = filter.clone();
        move |id: Uuid| {
            let filter = filter.clone();
            Callback::from(move |_: MouseEvent| {
                filter.set(ProposalFilter {
                    session: Some(id),
                    ..(*filter).clone()
                })
            })
        }
    };
    let row = |(i, p): (usize, &&OfficeProposal)| -> Html {
        let withdrawn = p.status == ProposalStatus::Withdrawn;
        let class = classes!(
            (i == cur).then_some("cursor"),
            selected.contains(&p.id).then_some("selected"),
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
                if !office.read_only {
                    <td class="check">
                        <input type="checkbox" class="sel" checked={selected.contains(&p.id)}
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
                        onclick={filter_session(p.session_id)}>
                        { group_name(r, lang, &p.group_kind) }
                    </button>
                    <span class="sub num">{ show_date(&p.date) }</span>
                </td>
                <td class="num">{ p.votes }</td>
                <td class="num">{ p.present }</td>
                <td>{ need }</td>
            </tr>
        }
    };
    let more = (total > rows.len() as i64).then(|| {
        let limit = limit.clone();
        let onclick = Callback::from(move |_: MouseEvent| limit.set(*limit + PAGE));
        html! {
            <button type="button" class="btn secondary small" data-test="show-more" {onclick}>
                { lang.t("office.show_more") }
            </button>
        }
    });
    let check_all = select_all.reform(|_: MouseEvent| ());
    html! {
        <section class="office-page proposals-page">
            <div class="page-head">
                <h1>{ lang.t("office.nav.proposals") }</h1>
                <span class="count" data-test="proposal-count" data-total={total.to_string()}>
                    { lang.tf("office.shown_of", &[("shown", &rows.len().to_string()), ("total", &total.to_string())]) }
                </span>
                if page.loading { <span class="spinner" aria-hidden="true"></span> }
            </div>
            { filters }
            { for bulk }
            { dialog_html }
            { for lineage_panel }
            <LoadNotice loading={page.loading} error={page.error.clone()} has_data={page.data.is_some()} />
            if page.data.is_some() && rows.is_empty() {
                <p class="empty">{ lang.t("office.proposals.empty") }</p>
            } else {
                <table class="grid" data-test="proposal-table">
                    <thead><tr>
                        if !office.read_only {
                            <th class="check">
                                <input type="checkbox" checked={all_visible} data-test="check-all"
                                    aria-label={lang.t("office.select_all")} onclick={check_all} />
                            </th>
                        }
                        { sort_th(lang.t("office.col.proposal"), Col::Problem, &sort, "sort-problem") }
                        { sort_th(lang.t("office.col.sector"), Col::Sector, &sort, "sort-sector") }
                        { sort_th(lang.t("office.col.place"), Col::Place, &sort, "sort-place") }
                        { sort_th(lang.t("office.col.session"), Col::Session, &sort, "sort-session") }
                        { sort_th(lang.t("office.col.votes"), Col::Votes, &sort, "sort-votes") }
                        { sort_th(lang.t("office.col.present"), Col::Present, &sort, "sort-present") }
                        { sort_th(lang.t("office.col.need"), Col::Need, &sort, "sort-need") }
                    </tr></thead>
                    <tbody onclick={on_body_click}>
                        { for rows.iter().enumerate().map(row) }
                    </tbody>
                </table>
            }
            { for more }
        </section>
    }
}

pub fn status_key(s: &ProposalStatus) -> &'static str {
    match s {
        ProposalStatus::Unplaced => "office.status.unplaced",
        ProposalStatus::Placed => "office.status.placed",
        ProposalStatus::Withdrawn => "office.status.withdrawn",
        ProposalStatus::Unknown(_) => "office.status.other",
    }
}

/// "Women · 14/07/2022" for a session chip.
fn session_label(r: Option<&Reference>, lang: Lang, p: &OfficeProposal) -> String {
    format!(
        "{} · {} · {}",
        group_name(r, lang, &p.group_kind),
        pole_name(r, lang, &p.pole_id),
        show_date(&p.date)
    )
}
