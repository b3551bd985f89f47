//! The follow-up's dashboard (`/office/dashboard`) and a project's whole story
//! (`/office/projects/{id}/story`) (issue 15, dash), for the council and the office
//! (`Action::ReadExecution`).
//!
//! The dashboard is one call (`GET /api/dashboard`) with its filters (year, programme, pole);
//! its charts are the SVG the server drew (in the page's language), put in as they came: no
//! chart code in the bundle. Financial completion and physical progress sit in columns of
//! their own, never mixed. The story is one call too, its entries oldest first.

use tachkhis_shared::api::dashboard::{
    Dashboard, DashboardRow, ProjectStory, StoryEntry, StoryKind,
};
use tachkhis_shared::api::monitoring::Quantity;
use tachkhis_shared::money::Mad;
use yew::prelude::*;

use super::{Link, LoadNotice, group_name, select_value, use_get, use_office};
use crate::i18n::Lang;
use crate::net::office;
use crate::route::Route;
use crate::use_model;
use crate::widgets::show_date;

fn money(m: &Mad) -> Html {
    html! { <span dir="ltr" class="amount">{ m.format_fr() }</span> }
}

fn pc(q: &Option<Quantity>) -> String {
    q.as_ref()
        .map_or_else(|| "—".to_string(), |q| format!("{} %", q.0))
}

fn view_title(lang: Lang, view: &str) -> &'static str {
    match view {
        "programme" => lang.t("office.dash.by_programme"),
        "year" => lang.t("office.dash.by_year"),
        "funding" => lang.t("office.dash.by_funding"),
        "status" => lang.t("office.dash.by_status"),
        "pole" => lang.t("office.dash.by_pole"),
        _ => lang.t("office.dash.by_douar"),
    }
}

fn table(
    lang: Lang,
    view: &'static str,
    rows: &[DashboardRow],
    total: Option<&DashboardRow>,
) -> Html {
    let line = |r: &DashboardRow, is_total: bool| {
        html! {
            <tr class={classes!(is_total.then_some("total-row"))} data-test="dash-row" data-key={r.key.clone()}>
                <td class="text">{ lang.pick(&r.label_ar, &r.label_fr).to_string() }</td>
                <td class="num">{ r.projects }</td>
                <td class="num">{ r.records }</td>
                <td class="num">{ money(&r.cost) }</td>
                <td class="num">{ money(&r.programmed) }</td>
                <td class="num">{ money(&r.committed) }</td>
                <td class="num">{ money(&r.paid) }</td>
                <td class="num strong">{ pc(&r.paid_of_programmed) }</td>
                <td class="num">{ pc(&r.paid_of_cost) }</td>
                <td class="num physical">{ pc(&r.physical_percent) }</td>
            </tr>
        }
    };
    html! {
        <div class="table-scroll">
        <table class="grid compact dash-table" data-test={format!("dash-{view}")}>
            <thead>
                <tr>
                    <th rowspan="2">{ view_title(lang, view) }</th>
                    <th rowspan="2">{ lang.t("office.dash.projects") }</th>
                    <th rowspan="2">{ lang.t("office.dash.records") }</th>
                    <th colspan="6">{ lang.t("office.dash.financial") }</th>
                    <th rowspan="2">{ lang.t("office.dash.physical") }</th>
                </tr>
                <tr>
                    <th>{ lang.t("office.dash.cost") }</th>
                    <th>{ lang.t("office.dash.programmed") }</th>
                    <th>{ lang.t("office.dash.committed") }</th>
                    <th>{ lang.t("office.dash.paid") }</th>
                    <th>{ lang.t("office.dash.paid_of_programmed") }</th>
                    <th>{ lang.t("office.dash.paid_of_cost") }</th>
                </tr>
            </thead>
            <tbody>{ for rows.iter().map(|r| line(r, false)) }</tbody>
            if let Some(t) = total {
                <tfoot>{ line(t, true) }</tfoot>
            }
        </table>
        </div>
    }
}

#[component]
pub fn DashboardPage() -> Html {
    let (_model, lang) = use_model();
    let office = use_office();
    let year = use_state(String::new);
    let programme = use_state(String::new);
    let pole = use_state(String::new);
    let query = format!(
        "year={}&programme={}&pole={}&lang={}",
        *year,
        *programme,
        js_sys::encode_uri_component(&pole)
            .as_string()
            .unwrap_or_default(),
        lang.code()
    );
    let data = use_get::<Dashboard>(Some(format!("/api/dashboard?{query}")));
    let on_select =
        |state: UseStateHandle<String>| Callback::from(move |e: Event| state.set(select_value(&e)));
    let download = |format: &'static str| {
        let office = office.clone();
        let query = query.clone();
        Callback::from(move |_: MouseEvent| {
            let office = office.clone();
            let path = format!("/api/dashboard?{query}&format={format}");
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) =
                    office::download(&office.token, &path, &format!("dashboard.{format}")).await
                {
                    office.failed(e);
                }
            });
        })
    };
    let body = data.data.as_ref().map(|d| {
        let views: [(&'static str, &[DashboardRow]); 6] = [
            ("programme", &d.by_programme),
            ("year", &d.by_year),
            ("funding", &d.by_funding),
            ("status", &d.by_status),
            ("pole", &d.by_pole),
            ("douar", &d.by_douar),
        ];
        let filters = html! {
            <div class="dash-filters no-print" data-test="dash-filters">
                <label>{ lang.t("office.dash.year") }
                    <select data-test="dash-year" onchange={on_select(year.clone())}>
                        <option value="" selected={year.is_empty()}>{ lang.t("office.dash.all") }</option>
                        { for d.years.iter().map(|y| html! {
                            <option value={y.to_string()} selected={*year == y.to_string()}>{ y }</option>
                        }) }
                    </select>
                </label>
                <label>{ lang.t("office.dash.programme") }
                    <select data-test="dash-programme" onchange={on_select(programme.clone())}>
                        <option value="" selected={programme.is_empty()}>{ lang.t("office.dash.all") }</option>
                        { for d.programmes.iter().map(|c| html! {
                            <option value={c.key.clone()} selected={*programme == c.key}>{ lang.pick(&c.label_ar, &c.label_fr).to_string() }</option>
                        }) }
                    </select>
                </label>
                <label>{ lang.t("office.dash.pole") }
                    <select data-test="dash-pole" onchange={on_select(pole.clone())}>
                        <option value="" selected={pole.is_empty()}>{ lang.t("office.dash.all") }</option>
                        { for d.poles.iter().map(|c| html! {
                            <option value={c.key.clone()} selected={*pole == c.key}>{ lang.pick(&c.label_ar, &c.label_fr).to_string() }</option>
                        }) }
                    </select>
                </label>
            </div>
        };
        html! {
            <>
                { filters }
                { for views.into_iter().enumerate().map(|(i, (view, rows))| {
                    let chart = d.charts.iter().find(|c| c.view == view).map(|c| {
                        Html::from_html_unchecked(AttrValue::from(c.svg.clone()))
                    });
                    html! {
                        <section class="dash-part">
                            <h2>{ view_title(lang, view) }</h2>
                            if i == 2 {
                                <p class="sub">{ lang.t("office.dash.funding_hint") }</p>
                            }
                            if matches!(view, "pole" | "douar") {
                                <p class="sub">{ lang.t("office.dash.place_hint") }</p>
                            }
                            <figure class="dash-chart" data-test={format!("chart-{view}")}>{ for chart }</figure>
                            { table(lang, view, rows, (i == 0).then_some(&d.totals)) }
                        </section>
                    }
                }) }
            </>
        }
    });
    html! {
        <section class="office-page reports-page dash-page" data-test="dash-page">
            <div class="page-head">
                <h1>{ lang.t("office.dash.title") }</h1>
                <span class="no-print page-actions">
                    <button type="button" class="btn secondary small" data-test="dash-csv" onclick={download("csv")}>{ "CSV" }</button>
                    <button type="button" class="btn secondary small" data-test="dash-xlsx" onclick={download("xlsx")}>{ "XLSX" }</button>
                </span>
            </div>
            <p class="sub">{ lang.t("office.dash.intro") }</p>
            <LoadNotice loading={data.loading} error={data.error.clone()} has_data={data.data.is_some()} />
            { for body }
        </section>
    }
}

fn kind_label(lang: Lang, kind: &StoryKind) -> &'static str {
    lang.t(match kind {
        StoryKind::Session => "office.story.session",
        StoryKind::NeedLinked => "office.story.need_linked",
        StoryKind::Ranked => "office.story.ranked",
        StoryKind::Vote => "office.story.vote",
        StoryKind::Visa => "office.story.visa",
        StoryKind::Record => "office.story.record",
        StoryKind::Started => "office.story.started",
        StoryKind::Ended => "office.story.ended",
        StoryKind::ProvisionalReception => "office.story.provisional_reception",
        StoryKind::FinalReception => "office.story.final_reception",
        StoryKind::Document => "office.story.document",
        StoryKind::Timeline => "office.story.timeline",
        StoryKind::IndicatorValue => "office.story.indicator_value",
        StoryKind::LastPayment => "office.story.last_payment",
    })
}

fn entry(
    lang: Lang,
    reference: Option<&tachkhis_shared::reference::Reference>,
    e: &StoryEntry,
) -> Html {
    let kind = serde_kind(&e.kind);
    let mut facts: Vec<Html> = Vec::new();
    if let Some(g) = &e.group_kind {
        facts.push(html! { <span class="tag">{ group_name(reference, lang, g) }</span> });
    }
    if !e.place_ar.is_empty() || !e.place_fr.is_empty() {
        facts.push(html! { <span class="place">{ lang.pick(&e.place_ar, &e.place_fr).to_string() }</span> });
    }
    if let Some(n) = e.count {
        let key = match e.kind {
            StoryKind::Session => "office.story.present",
            StoryKind::Ranked => "office.story.rank",
            _ => "office.story.version",
        };
        facts.push(html! { <span>{ lang.tf(key, &[("n", &n.to_string())]) }</span> });
    }
    if let Some(s) = &e.status {
        let l = s.labels();
        facts.push(html! { <span class="tag">{ lang.pick(&l.ar, &l.fr).to_string() }</span> });
    }
    for (key, m) in [
        ("office.dash.programmed", &e.programmed),
        ("office.dash.committed", &e.committed),
        ("office.dash.paid", &e.paid),
    ] {
        if let Some(m) = m {
            facts.push(html! { <span>{ lang.t(key) }{ " " }{ money(m) }</span> });
        }
    }
    let date = if e.date.len() == 4 {
        e.date.clone()
    } else {
        show_date(&e.date)
    };
    html! {
        <li class={classes!("story-entry", e.illustrative.then_some("illustrative"))} data-test="story-entry" data-kind={kind}>
            <span class="story-date" dir="ltr">{ date }</span>
            <div class="story-what">
                <strong>{ kind_label(lang, &e.kind) }</strong>
                { for facts.into_iter().map(|f| html! { <>{ " · " }{ f }</> }) }
                if !e.text_ar.is_empty() {
                    <p dir="auto">{ lang.pick(&e.text_ar, &e.text_fr).to_string() }</p>
                }
                <span class="sub source">{ lang.tf("office.story.source", &[("source", &e.source)]) }</span>
            </div>
        </li>
    }
}

fn serde_kind(kind: &StoryKind) -> &'static str {
    match kind {
        StoryKind::Session => "session",
        StoryKind::NeedLinked => "need_linked",
        StoryKind::Ranked => "ranked",
        StoryKind::Vote => "vote",
        StoryKind::Visa => "visa",
        StoryKind::Record => "record",
        StoryKind::Started => "started",
        StoryKind::Ended => "ended",
        StoryKind::ProvisionalReception => "provisional_reception",
        StoryKind::FinalReception => "final_reception",
        StoryKind::Document => "document",
        StoryKind::Timeline => "timeline",
        StoryKind::IndicatorValue => "indicator_value",
        StoryKind::LastPayment => "last_payment",
    }
}

#[derive(Properties, PartialEq)]
pub struct StoryProps {
    pub id: i64,
}

#[component]
pub fn StoryPage(props: &StoryProps) -> Html {
    let (model, lang) = use_model();
    let reference = model.reference();
    let r = reference.as_deref();
    let story = use_get::<ProjectStory>(Some(format!("/api/projects/{}/story", props.id)));
    let body = story.data.as_ref().map(|s| {
        let p = &s.progress;
        html! {
            <>
                <h2 dir="auto">{ format!("{} — {}", s.number, lang.pick(&s.title_ar, &s.title_fr)) }</h2>
                <div class="story-progress" data-test="story-progress">
                    <p>{ lang.t("office.dash.financial") }{ ": " }{ money(&p.paid) }{ " / " }
                        { p.cost.as_ref().map_or_else(|| html! { "—" }, money) }{ " · " }{ pc(&p.financial_percent) }</p>
                    <ul class="physical">
                        { for p.indicators.iter().map(|i| html! {
                            <li>{ lang.pick(&i.label_ar, &i.label_fr).to_string() }{ ": " }{ pc(&i.percent) }</li>
                        }) }
                    </ul>
                </div>
                <ol class="story" data-test="story">
                    { for s.entries.iter().map(|e| entry(lang, r, e)) }
                </ol>
            </>
        }
    });
    html! {
        <section class="office-page story-page" data-test="story-page">
            <div class="page-head">
                <h1>{ lang.t("office.story.title") }</h1>
                <span class="no-print page-actions">
                    <Link to={Route::OfficeProject { id: Some(props.id) }} class={classes!("btn", "secondary", "small")}>{ lang.t("office.story.sheet") }</Link>
                    <Link to={Route::OfficeDashboard} class={classes!("btn", "secondary", "small")}>{ lang.t("office.dash.title") }</Link>
                </span>
            </div>
            <p class="sub">{ lang.t("office.story.intro") }</p>
            <LoadNotice loading={story.loading} error={story.error.clone()} has_data={story.data.is_some()} />
            { for body }
        </section>
    }
}
