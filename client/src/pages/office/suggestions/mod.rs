//! Suggestions: groups of proposals the system thinks say the same thing, with why and how
//! sure it is. Confirm (a new need, or into the suggested need), reject (never suggested
//! together again), or adjust first: untick proposals, edit the title.
//!
//! [`SuggestionsPage`] holds the list, the adjustments and the cursor, and sends; each
//! suggestion is a [`card::SuggestionCard`].

mod card;
mod synonyms;

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use tachkhis_shared::api::consolidation::{
    ActionDone, MergeInto, NewNeed, OfficeProposal, ProposalPage, RejectSuggestion, Suggestion,
};
use uuid::Uuid;
use web_sys::KeyboardEvent;
use yew::prelude::*;

use super::{LoadNotice, Office, scroll_to_cursor, use_get, use_keys, use_office};
use crate::net::office;
use crate::use_model;
use card::SuggestionCard;
use synonyms::Synonyms;

/// What the user changed on one suggestion before confirming it.
#[derive(Clone, Default, PartialEq)]
pub struct Adjust {
    pub unticked: BTreeSet<Uuid>,
    pub title: Option<String>,
}

/// A suggestion is known by its first proposal (the list is refetched after every action).
fn key_of(s: &Suggestion) -> Uuid {
    s.proposal_ids.first().copied().unwrap_or_default()
}

#[component]
pub fn SuggestionsPage() -> Html {
    let (_, lang) = use_model();
    let office = use_office();
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
            if let Some(s) = list.get(i) {
                confirm(
                    &office,
                    s,
                    adjust.get(&key_of(s)).cloned().unwrap_or_default(),
                );
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

    let on_adjust = {
        let adjust = adjust.clone();
        Callback::from(move |(key, a): (Uuid, Adjust)| {
            let mut map = (**adjust).clone();
            map.insert(key, a);
            adjust.set(Rc::new(map));
        })
    };
    let on_focus = {
        let cursor = cursor.clone();
        Callback::from(move |i: usize| cursor.set(i))
    };
    let card = |(i, s): (usize, &Suggestion)| -> Html {
        let key = key_of(s);
        let items: Vec<Option<OfficeProposal>> = s
            .proposal_ids
            .iter()
            .map(|id| by_id.get(id).map(|p| (*p).clone()))
            .collect();
        html! {
            <SuggestionCard key={key.to_string()} suggestion={s.clone()} index={i} current={i == cur}
                adjust={adjust.get(&key).cloned().unwrap_or_default()} {items}
                on_adjust={on_adjust.clone()} on_confirm={confirm.clone()} on_reject={reject.clone()}
                on_focus={on_focus.clone()} />
        }
    };
    html! {
        <section class="office-page suggestions-page">
            <div class="page-head">
                <h1>{ lang.t("office.nav.suggestions") }</h1>
                <span class="count">{ lang.tn("office.suggestion.count", list.len() as u64) }</span>
                if suggestions.loading { <span class="spinner" aria-hidden="true"></span> }
            </div>
            <LoadNotice loading={suggestions.loading} error={suggestions.error.clone()} has_data={suggestions.data.is_some()} />
            if suggestions.data.is_some() && list.is_empty() {
                <p class="empty">{ lang.t("office.suggestion.empty") }</p>
            }
            <div class="suggestion-list">{ for list.iter().enumerate().map(card) }</div>
            <Synonyms />
        </section>
    }
}

/// Confirms suggestion `s` as adjusted by `a`: its ticked proposals go into its need, or make
/// a new need with its title.
fn confirm(office: &Office, s: &Suggestion, a: Adjust) {
    if office.busy {
        return;
    }
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
                    office::send::<_, ActionDone>("POST", &token, "/api/needs", Some(&body)).await
                },
                |_| {},
            );
        }
    }
}
