//! Needs: every need with what its proposals say (sessions, proposals, people present, the
//! groups, poles and douars that raised it, its projects); sortable, filtered by sector, pole
//! and words.

use tachkhis_shared::Sector;
use tachkhis_shared::api::consolidation::NeedSummary;
use web_sys::KeyboardEvent;
use yew::prelude::*;

use super::{
    Link, LoadNotice, filter_select, focus_test_id, fold, group_name, pole_options, sector_name,
    sector_options, sort_th, use_get, use_keys,
};
use crate::route::Route;
use crate::use_model;
use crate::widgets::{input_value, pole_name};

#[derive(Clone, Copy, PartialEq)]
enum Col {
    Title,
    Sector,
    Proposals,
    Sessions,
    Present,
    Projects,
}

#[component]
pub fn NeedsPage() -> Html {
    let (model, lang) = use_model();
    let reference = model.reference();
    let r = reference.as_deref();
    let needs = use_get::<Vec<NeedSummary>>(Some("/api/needs".into()));
    let sort = use_state(|| (Col::Sessions, false));
    let sector = use_state(|| None::<String>);
    let pole = use_state(|| None::<String>);
    let search = use_state(String::new);

    use_keys(Callback::from(|e: KeyboardEvent| {
        if e.key() == "/" {
            e.prevent_default();
            focus_test_id("need-search");
        }
    }));

    let q = fold(&search);
    let mut rows: Vec<&NeedSummary> = needs
        .data
        .as_ref()
        .map(|n| {
            n.iter()
                .filter(|n| {
                    sector
                        .as_ref()
                        .is_none_or(|s| n.sector.as_ref().map(Sector::code) == Some(s.as_str()))
                })
                .filter(|n| pole.as_ref().is_none_or(|p| n.pole_ids.contains(p)))
                .filter(|n| {
                    q.is_empty() || fold(&n.title).contains(&q) || fold(&n.description).contains(&q)
                })
                .collect()
        })
        .unwrap_or_default();
    let (col, asc) = *sort;
    rows.sort_by(|a, b| {
        let o = match col {
            Col::Title => a.title.cmp(&b.title),
            Col::Sector => sector_name(r, lang, a.sector.as_ref()).cmp(&sector_name(
                r,
                lang,
                b.sector.as_ref(),
            )),
            Col::Proposals => a.proposals.cmp(&b.proposals),
            Col::Sessions => a.sessions.cmp(&b.sessions),
            Col::Present => a.present.cmp(&b.present),
            Col::Projects => a.project_ids.len().cmp(&b.project_ids.len()),
        };
        (if asc { o } else { o.reverse() }).then(a.id.cmp(&b.id))
    });
    let total = needs.data.as_ref().map(|n| n.len()).unwrap_or(0);
    let on_search = {
        let search = search.clone();
        Callback::from(move |e: InputEvent| search.set(input_value(&e)))
    };
    let set = |h: &UseStateHandle<Option<String>>| {
        let h = h.clone();
        Callback::from(move |v| h.set(v))
    };
    let row = |n: &&NeedSummary| -> Html {
        let groups = n.sessions_by_group.iter().map(|(g, c)| {
            html! { <span class="tag quiet">{ format!("{} {c}", group_name(r, lang, g)) }</span> }
        });
        let poles = n
            .pole_ids
            .iter()
            .map(|p| pole_name(r, lang, p))
            .collect::<Vec<_>>()
            .join(" · ");
        html! {
            <tr key={n.id.to_string()} data-test="need-row" data-id={n.id.to_string()}>
                <td class="text">
                    <Link to={Route::OfficeNeed { id: n.id }} test={AttrValue::from("need-link")}>
                        <span dir="auto">{ &n.title }</span>
                    </Link>
                </td>
                <td>{ sector_name(r, lang, n.sector.as_ref()) }</td>
                <td class="num">
                    { n.proposals }
                    if n.withdrawn > 0 {
                        <span class="sub" title={lang.t("office.status.withdrawn")}>{ format!("−{}", n.withdrawn) }</span>
                    }
                </td>
                <td class="num">{ n.sessions }</td>
                <td><span class="tags">{ for groups }</span></td>
                <td class="num">{ n.present }</td>
                <td>{ poles }</td>
                <td class="num">{ n.project_ids.len() }</td>
            </tr>
        }
    };
    html! {
        <section class="office-page needs-page">
            <div class="page-head">
                <h1>{ lang.t("office.nav.needs") }</h1>
                <span class="count" data-test="need-count">
                    { lang.tf("office.shown_of", &[("shown", &rows.len().to_string()), ("total", &total.to_string())]) }
                </span>
                if needs.loading { <span class="spinner" aria-hidden="true"></span> }
            </div>
            <div class="filters">
                <label class="filter search">
                    <span>{ lang.t("office.filter.search") }<kbd>{ "/" }</kbd></span>
                    <input type="search" data-test="need-search" dir="auto" value={(*search).clone()} oninput={on_search} />
                </label>
                { filter_select(lang, "need-filter-sector", "office.col.sector", sector.as_deref(),
                    sector_options(lang, r).into_iter(), set(&sector)) }
                { filter_select(lang, "need-filter-pole", "office.col.pole", pole.as_deref(),
                    pole_options(r, lang).into_iter(), set(&pole)) }
            </div>
            <LoadNotice loading={needs.loading} error={needs.error.clone()} has_data={needs.data.is_some()} />
            if needs.data.is_some() && rows.is_empty() {
                <p class="empty">{ lang.t("office.needs.empty") }</p>
            } else {
                <table class="grid" data-test="need-table">
                    <thead><tr>
                        { sort_th(lang.t("office.need.title"), Col::Title, &sort, "sort-title") }
                        { sort_th(lang.t("office.col.sector"), Col::Sector, &sort, "sort-sector") }
                        { sort_th(lang.t("office.col.proposals"), Col::Proposals, &sort, "sort-proposals") }
                        { sort_th(lang.t("office.col.sessions"), Col::Sessions, &sort, "sort-sessions") }
                        <th>{ lang.t("office.col.groups") }</th>
                        { sort_th(lang.t("office.col.present"), Col::Present, &sort, "sort-present") }
                        <th>{ lang.t("office.col.poles") }</th>
                        { sort_th(lang.t("office.col.projects"), Col::Projects, &sort, "sort-projects") }
                    </tr></thead>
                    <tbody>{ for rows.iter().map(row) }</tbody>
                </table>
            }
        </section>
    }
}
