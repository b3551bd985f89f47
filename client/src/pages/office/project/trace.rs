//! Why a project is there: its needs and the sessions behind them.

use tachkhis_shared::api::programme::ProjectTrace;
use yew::prelude::*;

use crate::pages::office::{Link, group_name, use_get};
use crate::route::Route;
use crate::use_model;

#[derive(Properties, PartialEq)]
pub struct TracePanelProps {
    pub id: i64,
}

#[component]
pub fn TracePanel(props: &TracePanelProps) -> Html {
    let (model, lang) = use_model();
    let reference = model.reference();
    let r = reference.as_deref();
    let trace = use_get::<ProjectTrace>(Some(format!("/api/projects/{}/trace", props.id)));
    let Some(t) = trace.data.as_ref() else {
        return html! {};
    };
    let groups = t.sessions_by_group.iter().map(|g| {
        html! { <li><span>{ group_name(r, lang, &g.group_kind) }</span><strong class="num">{ g.sessions }</strong></li> }
    });
    let needs = t.needs.iter().map(|n| {
        html! {
            <li>
                <Link to={Route::OfficeNeed { id: n.id }}><span dir="auto">{ &n.title }</span></Link>
                <span class="sub">{ lang.tf("office.need.proposals", &[("count", &n.proposals.len().to_string())]) }</span>
            </li>
        }
    });
    html! {
        <section class="trace" data-test="project-trace">
            <h2>{ lang.t("office.project.trace") }</h2>
            <div class="facts">
                <div class="fact"><span>{ lang.t("office.col.sessions") }</span><strong class="num">{ t.sessions }</strong></div>
                <div class="fact"><span>{ lang.t("office.col.present") }</span><strong class="num">{ t.present }</strong></div>
                <div class="fact wide"><span>{ lang.t("office.col.groups") }</span><ul class="group-counts">{ for groups }</ul></div>
            </div>
            if t.needs.is_empty() { <p class="muted">{ lang.t("office.project.no_needs") }</p> }
            <ul class="linked-projects">{ for needs }</ul>
        </section>
    }
}
