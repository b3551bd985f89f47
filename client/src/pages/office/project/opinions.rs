//! The council's bodies' opinions on this project (issue 14), on the current draft: each body's
//! verdict, text and the office's answer. Written on the opinions screen, read here.

use tachkhis_shared::api::opinions::VersionOpinions;
use yew::prelude::*;

use crate::pages::office::opinions::{body_name, opinion_view};
use crate::pages::office::{Link, use_get};
use crate::route::Route;
use crate::use_model;

#[derive(Properties, PartialEq)]
pub struct ProjectOpinionsProps {
    pub id: i64,
}

#[component]
pub fn ProjectOpinions(props: &ProjectOpinionsProps) -> Html {
    let (_, lang) = use_model();
    let data = use_get::<VersionOpinions>(Some("/api/opinions".into()));
    let Some(v) = data.data.as_ref() else {
        return html! {};
    };
    let on_it: Vec<_> = v
        .bodies
        .iter()
        .filter_map(|b| {
            b.projects
                .iter()
                .find(|o| o.project_id == Some(props.id))
                .map(|o| (b, o))
        })
        .collect();
    html! {
        <section class="project-opinions" data-test="project-opinions-panel">
            <h2>{ lang.t("office.opinions.on_this_project") }</h2>
            if on_it.is_empty() {
                <p class="muted">{ lang.t("office.opinions.none") }</p>
            }
            { for on_it.iter().map(|(b, o)| html! {
                <div class="project-opinion" data-test="project-opinion-of" data-body={b.body.id.to_string()}>
                    <h3>{ body_name(lang, &b.body) }</h3>
                    { opinion_view(lang, o) }
                </div>
            }) }
            <p class="no-print"><Link to={Route::OfficeOpinions}>{ lang.t("office.opinions.open") }</Link></p>
        </section>
    }
}
