//! One suggestion: how sure and why, the need it goes into (or the new need's title), its
//! proposals (each can be unticked), confirm and reject.

use tachkhis_shared::api::consolidation::{OfficeProposal, Suggestion};
use uuid::Uuid;
use yew::prelude::*;

use super::{Adjust, key_of};
use crate::pages::office::{Link, group_name, sector_name, use_office};
use crate::route::Route;
use crate::use_model;
use crate::widgets::{douar_list, douar_name, input_value, pole_name, show_date};

#[derive(Properties, PartialEq)]
pub struct SuggestionCardProps {
    pub suggestion: Suggestion,
    /// Its place in the list (what confirm, reject and focus name).
    pub index: usize,
    /// The keyboard cursor is on it.
    pub current: bool,
    pub adjust: Adjust,
    /// Its proposals, in order (`None`: not among those fetched).
    pub items: Vec<Option<OfficeProposal>>,
    /// The suggestion (by [`key_of`]) as adjusted.
    pub on_adjust: Callback<(Uuid, Adjust)>,
    pub on_confirm: Callback<usize>,
    pub on_reject: Callback<usize>,
    pub on_focus: Callback<usize>,
}

#[component]
pub fn SuggestionCard(props: &SuggestionCardProps) -> Html {
    let (model, lang) = use_model();
    let office = use_office();
    let reference = model.reference();
    let r = reference.as_deref();
    let (s, a, i) = (&props.suggestion, &props.adjust, props.index);
    let on_title = edit(props, |a, v| a.title = Some(v)).reform(|e: InputEvent| input_value(&e));
    let tick = |id: Uuid| {
        edit(props, |a, id| {
            if !a.unticked.remove(&id) {
                a.unticked.insert(id);
            }
        })
        .reform(move |_: Event| id)
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
            let test = if props.current {
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
    let item = |(id, p): (&Uuid, &Option<OfficeProposal>)| -> Html {
        let on = !a.unticked.contains(id);
        let Some(p) = p else {
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
    let on_confirm = props.on_confirm.reform(move |_: MouseEvent| i);
    let on_reject = props.on_reject.reform(move |_: MouseEvent| i);
    let on_focus = props.on_focus.reform(move |_: FocusEvent| i);
    html! {
        <article class={classes!("suggestion", props.current.then_some("cursor"))}
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
            <ul class="suggestion-items">{ for s.proposal_ids.iter().zip(&props.items).map(item) }</ul>
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
}

/// Sends the card's adjustment, changed by `f`.
fn edit<T: 'static>(props: &SuggestionCardProps, f: fn(&mut Adjust, T)) -> Callback<T> {
    let (on_adjust, key, a) = (
        props.on_adjust.clone(),
        key_of(&props.suggestion),
        props.adjust.clone(),
    );
    Callback::from(move |v: T| {
        let mut next = a.clone();
        f(&mut next, v);
        on_adjust.emit((key, next));
    })
}
