//! Suggestions: groups of proposals the system thinks say the same thing, with why and how
//! sure it is. Confirm (a new need, or into the suggested need), reject (never suggested
//! together again), or adjust first: untick proposals, edit the title.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use tachkhis_shared::api::consolidation::{
    ActionDone, MergeInto, NewNeed, OfficeProposal, ProposalPage, RejectSuggestion, Suggestion,
};
use uuid::Uuid;
use web_sys::KeyboardEvent;
use yew::prelude::*;

use super::{
    Link, LoadNotice, group_name, scroll_to_cursor, sector_name, use_get, use_keys, use_office,
};
use crate::net::office;
use crate::route::Route;
use crate::use_model;
use crate::widgets::{douar_list, douar_name, input_value, pole_name, show_date};

/// What the user changed on one suggestion before confirming it.
#[derive(Clone, Default, PartialEq)]
struct Adjust {
    unticked: BTreeSet<Uuid>,
    title: Option<String>,
}

/// A suggestion is known by its first proposal (the list is refetched after every action).
fn key_of(s: &Suggestion) -> Uuid {
    s.proposal_ids.first().copied().unwrap_or_default()
}

#[component]
pub fn SuggestionsPage() -> Html {
    let (model, lang) = use_model();
    let office = use_office();
    let reference = model.reference();
    let r = reference.as_deref();
    let suggestions = use_get::<Vec<Suggestion>>(Some("/api/suggestions?limit=100".into()));
    // The text of the proposals the suggestions name.
    let proposals = use_get::<ProposalPage>(Some("/api/proposals?limit=5000".into()));
    let adjust = use_state(|| Rc::new(BTreeMap::<Uuid, Adjust>::new()));
    let cursor = use_state(|| 0usize);

    let list: Rc<Vec<Suggestion>> = suggestions.data.clone().unwrap_or_default();
    let by_id: BTreeMap<Uuid, &OfficeProposal> = proposals
        .data
        .as_ref()
        .map(|p| p.rows.iter().map(|r| (r.id, r)).collect())
        .unwrap_or_default();
    let cur = (*cursor).min(list.len().saturating_sub(1));

    let confirm = {
        let (office, adjust, list) = (office.clone(), adjust.clone(), list.clone());
        Callback::from(move |i: usize| {
            let Some(s) = list.get(i) else { return };
            if office.busy {
                return;
            }
            let a = adjust.get(&key_of(s)).cloned().unwrap_or_default();
            let ids: Vec<Uuid> = s
                .proposal_ids
                .iter()
                .filter(|id| !a.unticked.contains(id))
                .copied()
                .collect();
            if ids.is_empty() {
                return;
            }
            let token = office.token.clone();
            match s.need_id {
                Some(need) => {
                    let body = MergeInto {
                        proposal_ids: ids,
                        need_ids: vec![],
                    };
                    office.act(
                        "office.done.added",
                        async move {
                            let path = format!("/api/needs/{need}/merge");
                            office::send::<_, ActionDone>("POST", &token, &path, Some(&body)).await
                        },
                        |_| {},
                    );
                }
                None => {
                    let title = a.title.unwrap_or_else(|| s.proposed_title.clone());
                    if title.trim().is_empty() {
                        return;
                    }
                    let body = NewNeed {
                        title: title.trim().to_string(),
                        sector: s.reason.same_sector.clone(),
                        description: String::new(),
                        proposal_ids: ids,
                    };
                    office.act(
                        "office.done.merged",
                        async move {
                            office::send::<_, ActionDone>("POST", &token, "/api/needs", Some(&body))
                                .await
                        },
                        |_| {},
                    );
                }
            }
        })
    };
    let reject = {
        let (office, list) = (office.clone(), list.clone());
        Callback::from(move |i: usize| {
            let Some(s) = list.get(i) else { return };
            if office.busy {
                return;
            }
            let token = office.token.clone();
            let body = RejectSuggestion {
                proposal_ids: s.proposal_ids.clone(),
            };
            office.act(
                "office.done.rejected",
                async move {
                    office::send_no_answer("POST", &token, "/api/suggestions/reject", &body).await
                },
                |_| {},
            );
        })
    };
    {
        let (cursor, confirm, reject) = (cursor.clone(), confirm.clone(), reject.clone());
        let (n, read_only) = (list.len(), office.read_only);
        use_keys(Callback::from(move |e: KeyboardEvent| {
            let go = |to: usize| {
                cursor.set(to);
                Timeout::new(0, scroll_to_cursor).forget();
            };
            match e.key().as_str() {
                "j" | "ArrowDown" if n > 0 => go((cur + 1).min(n - 1)),
                "k" | "ArrowUp" if n > 0 => go(cur.saturating_sub(1)),
                "c" if !read_only => confirm.emit(cur),
                "d" if !read_only => reject.emit(cur),
                "e" if !read_only => super::focus_test_id("suggestion-title-current"),
                _ => return,
            }
            e.prevent_default();
        }));
    }

    let card = |(i, s): (usize, &Suggestion)| -> Html {
        let key = key_of(s);
        let a = adjust.get(&key).cloned().unwrap_or_default();
        let edit = {
            let adjust = adjust.clone();
            move |f: Box<dyn Fn(&mut Adjust)>| {
                let mut map = (**adjust).clone();
                f(map.entry(key).or_default());
                adjust.set(Rc::new(map));
            }
        };
        let on_title = {
            let edit = edit.clone();
            Callback::from(move |e: InputEvent| {
                let v = input_value(&e);
                edit(Box::new(move |a| a.title = Some(v.clone())));
            })
        };
        let tick = |id: Uuid| {
            let edit = edit.clone();
            Callback::from(move |_: Event| {
                edit(Box::new(move |a| {
                    if !a.unticked.remove(&id) {
                        a.unticked.insert(id);
                    }
                }))
            })
        };
        let ticked = s
            .proposal_ids
            .iter()
            .filter(|id| !a.unticked.contains(id))
            .count();
        let reason = &s.reason;
        let words = reason
            .shared_words
            .iter()
            .map(|w| html! { <span class="tag" dir="auto">{ w }</span> });
        let target = match (s.need_id, &s.need_title) {
            (Some(id), title) => html! {
                <p class="target">{ lang.t("office.suggestion.into") }{ " " }
                    <Link to={Route::OfficeNeed { id }}>{ title.clone().unwrap_or_else(|| format!("#{id}")) }</Link>
                </p>
            },
            (None, _) => {
                let title = a.title.clone().unwrap_or_else(|| s.proposed_title.clone());
                let test = if i == cur {
                    "suggestion-title-current"
                } else {
                    "suggestion-title"
                };
                html! {
                    <label class="field target">
                        <span>{ lang.t("office.suggestion.new_need") }</span>
                        <input type="text" dir="auto" data-test={test} value={title}
                            disabled={office.read_only} oninput={on_title} />
                    </label>
                }
            }
        };
        let item = |id: &Uuid| -> Html {
            let on = !a.unticked.contains(id);
            let Some(p) = by_id.get(id) else {
                return html! { <li class="muted">{ lang.t("office.suggestion.unknown_proposal") }</li> };
            };
            let place = p
                .douar_id
                .as_deref()
                .map(|d| douar_name(r, lang, d))
                .unwrap_or_else(|| pole_name(r, lang, &p.pole_id));
            html! {
                <li class={classes!((!on).then_some("unticked"))}>
                    <label>
                        if !office.read_only {
                            <input type="checkbox" checked={on} data-test="suggestion-tick" onchange={tick(*id)} />
                        }
                        <span class="text">
                            <span class="problem">{ &p.problem }</span>
                            if !p.solution.is_empty() { <span class="solution">{ &p.solution }</span> }
                        </span>
                        <span class="sub">
                            { format!("{} · {} · {}", group_name(r, lang, &p.group_kind), place, show_date(&p.date)) }
                        </span>
                    </label>
                </li>
            }
        };
        let percent = (s.confidence.clamp(0.0, 1.0) * 100.0).round() as u32;
        let on_confirm = confirm.reform(move |_: MouseEvent| i);
        let on_reject = reject.reform(move |_: MouseEvent| i);
        let on_focus = {
            let cursor = cursor.clone();
            Callback::from(move |_: FocusEvent| cursor.set(i))
        };
        html! {
            <article key={key.to_string()} class={classes!("suggestion", (i == cur).then_some("cursor"))}
                data-test="suggestion" data-i={i.to_string()} onfocusin={on_focus}>
                <header>
                    <span class="confidence" title={lang.t("office.suggestion.confidence")}>
                        <meter min="0" max="100" value={percent.to_string()}></meter>
                        <span class="num">{ format!("{percent}%") }</span>
                    </span>
                    <div class="reason">
                        if !reason.shared_words.is_empty() {
                            <span class="reason-label">{ lang.t("office.suggestion.shared_words") }</span>{ for words }
                        }
                        if let Some(sector) = &reason.same_sector {
                            <span class="reason-label">{ lang.t("office.col.sector") }</span>
                            <span class="tag">{ sector_name(r, lang, Some(sector)) }</span>
                        }
                        if !reason.douar_ids.is_empty() {
                            <span class="reason-label">{ lang.t("office.col.douar") }</span>
                            <span class="tag">{ douar_list(r, lang, &reason.douar_ids) }</span>
                        }
                        if let Some(pole) = &reason.same_pole {
                            <span class="reason-label">{ lang.t("office.col.pole") }</span>
                            <span class="tag">{ pole_name(r, lang, pole) }</span>
                        }
                    </div>
                </header>
                { target }
                <ul class="suggestion-items">{ for s.proposal_ids.iter().map(item) }</ul>
                if !office.read_only {
                    <div class="dialog-actions">
                        <button type="button" class="btn primary small" data-test="suggestion-confirm"
                            disabled={office.busy || ticked == 0} onclick={on_confirm}>
                            { lang.tf("office.suggestion.confirm", &[("count", &ticked.to_string())]) }<kbd>{ "c" }</kbd>
                        </button>
                        <button type="button" class="btn secondary small" data-test="suggestion-reject"
                            disabled={office.busy} onclick={on_reject}>
                            { lang.t("office.suggestion.reject") }<kbd>{ "d" }</kbd>
                        </button>
                    </div>
                }
            </article>
        }
    };
    html! {
        <section class="office-page suggestions-page">
            <div class="page-head">
                <h1>{ lang.t("office.nav.suggestions") }</h1>
                <span class="count">{ lang.tf("office.suggestion.count", &[("count", &list.len().to_string())]) }</span>
                if suggestions.loading { <span class="spinner" aria-hidden="true"></span> }
            </div>
            <LoadNotice loading={suggestions.loading} error={suggestions.error.clone()} has_data={suggestions.data.is_some()} />
            if suggestions.data.is_some() && list.is_empty() {
                <p class="empty">{ lang.t("office.suggestion.empty") }</p>
            }
            <div class="suggestion-list">{ for list.iter().enumerate().map(card) }</div>
        </section>
    }
}
