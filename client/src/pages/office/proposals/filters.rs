//! The proposals' filters: the search box (asked of the server once typing pauses), pole,
//! douar, group, sector and status, the session chosen from a row, and "reset".

use gloo_timers::callback::Timeout;
use tachkhis_shared::api::consolidation::{ProposalFilter, ProposalStatus};
use tachkhis_shared::{GroupKind, Sector};
use wasm_bindgen::JsCast;
use web_sys::KeyboardEvent;
use yew::prelude::*;

use super::status_key;
use crate::pages::office::{
    douar_options, filter_select, group_options, pole_options, sector_options,
};
use crate::use_model;
use crate::widgets::input_value;

#[derive(Properties, PartialEq)]
pub struct ProposalFiltersProps {
    pub filter: ProposalFilter,
    /// The session filtered on, in words (from the first row).
    pub session_label: String,
    /// A new filter, and whether the cursor goes back to the first row (a select changed).
    pub on_filter: Callback<(ProposalFilter, bool)>,
}

#[component]
pub fn ProposalFilters(props: &ProposalFiltersProps) -> Html {
    let (model, lang) = use_model();
    let reference = model.reference();
    let r = reference.as_deref();
    let search = use_state(String::new);
    let search_timer = use_mut_ref(|| None::<Timeout>);
    let filter = &props.filter;

    let set_filter = |f: fn(&mut ProposalFilter, Option<String>)| {
        let (filter, on_filter) = (filter.clone(), props.on_filter.clone());
        Callback::from(move |v: Option<String>| {
            let mut next = filter.clone();
            f(&mut next, v);
            on_filter.emit((next, true));
        })
    };
    let on_search = {
        let (search, timer) = (search.clone(), search_timer.clone());
        let (filter, on_filter) = (filter.clone(), props.on_filter.clone());
        Callback::from(move |e: InputEvent| {
            let text = input_value(&e);
            search.set(text.clone());
            let (filter, on_filter) = (filter.clone(), on_filter.clone());
            // Ask the server once typing pauses, not at every key.
            *timer.borrow_mut() = Some(Timeout::new(300, move || {
                let q = Some(text.trim().to_string()).filter(|q| !q.is_empty());
                if filter.q != q {
                    on_filter.emit((ProposalFilter { q, ..filter }, false));
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
        let (search, on_filter) = (search.clone(), props.on_filter.clone());
        Callback::from(move |_: MouseEvent| {
            search.set(String::new());
            on_filter.emit((ProposalFilter::default(), false));
        })
    };
    let filtering_session = filter.session.map(|_| {
        let clear_session = {
            let (filter, on_filter) = (filter.clone(), props.on_filter.clone());
            Callback::from(move |_: MouseEvent| {
                let next = ProposalFilter {
                    session: None,
                    ..filter.clone()
                };
                on_filter.emit((next, false));
            })
        };
        html! {
            <button type="button" class="filter-chip" data-test="session-filter" onclick={clear_session}>
                { lang.tf("office.filter.session_is", &[("session", &props.session_label)]) }<span aria-hidden="true">{ " ×" }</span>
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
    html! {
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
    }
}
