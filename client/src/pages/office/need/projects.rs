//! The projects a need is linked to (to the programme), with link and unlink, and the
//! projects that probably answer it (`/api/needs/{id}/project-suggestions`), one tap to link.

use tachkhis_shared::api::consolidation::{ActionDone, LinkProject, ProjectSuggestion};
use tachkhis_shared::api::programme::{ProgrammeTree, ProjectSummary};
use yew::prelude::*;

use crate::net::office;
use crate::pages::office::{Link, Office, select_value, use_get, use_office};
use crate::route::Route;
use crate::use_model;

#[derive(Properties, PartialEq)]
pub struct NeedProjectsProps {
    pub id: i64,
    pub project_ids: Vec<i64>,
    /// The user may change the need (not read-only, not closed).
    pub editable: bool,
}

#[component]
pub fn NeedProjects(props: &NeedProjectsProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let id = props.id;
    let tree = use_get::<ProgrammeTree>(Some("/api/programme".into()));
    let link_project = use_state(|| None::<i64>);
    let projects: Vec<ProjectSummary> = tree
        .data
        .as_ref()
        .map(|t| {
            t.axes
                .iter()
                .flat_map(|a| &a.programmes)
                .flat_map(|p| p.projects.iter().cloned())
                .collect()
        })
        .unwrap_or_default();
    let title =
        |p: &ProjectSummary| format!("{}. {}", p.number, lang.pick(&p.title_ar, &p.title_fr));
    let linked = props.project_ids.iter().map(|&pid| {
        let name = projects
            .iter()
            .find(|p| p.id == pid)
            .map(title)
            .unwrap_or_else(|| format!("#{pid}"));
        html! {
            <li data-test="need-project">
                <Link to={Route::OfficeProject { id: Some(pid) }}>{ name }</Link>
                if props.editable {
                    <button type="button" class="btn link small" data-test="unlink" disabled={office.busy}
                        onclick={unlink(&office, id, pid)}>{ lang.t("office.project.unlink") }</button>
                }
            </li>
        }
    });
    let link = props.editable.then(|| {
        let options = projects
            .iter()
            .filter(|p| !props.project_ids.contains(&p.id))
            .map(|p| (p.id.to_string(), title(p)));
        let pick = {
            let l = link_project.clone();
            Callback::from(move |e: Event| l.set(select_value(&e).parse().ok()))
        };
        let go = {
            let (office, chosen, l) = (office.clone(), *link_project, link_project.clone());
            Callback::from(move |_: MouseEvent| {
                let Some(project_id) = chosen else { return };
                let token = office.token.clone();
                let l = l.clone();
                office.act(
                    "office.done.linked",
                    async move {
                        let path = format!("/api/needs/{id}/projects");
                        let body = LinkProject { project_id };
                        office::send::<_, ActionDone>("POST", &token, &path, Some(&body)).await
                    },
                    move |_| l.set(None),
                );
            })
        };
        html! {
            <div class="inline-action">
                <select data-test="link-project" onchange={pick} aria-label={lang.t("office.project.link")}>
                    <option value="" selected={link_project.is_none()}>{ lang.t("office.project.choose") }</option>
                    { for options.map(|(v, t)| html! { <option value={v}>{ t }</option> }) }
                </select>
                <button type="button" class="btn secondary small" data-test="link-confirm"
                    disabled={office.busy || link_project.is_none()} onclick={go}>{ lang.t("office.project.link") }</button>
            </div>
        }
    });
    html! {
        <>
            <h2>{ lang.t("office.col.projects") }</h2>
            if props.project_ids.is_empty() {
                <p class="muted">{ lang.t("office.need.no_projects") }</p>
            }
            <ul class="linked-projects">{ for linked }</ul>
            { for link }
            if props.editable {
                <ProjectSuggestions {id} />
            }
        </>
    }
}

#[derive(Properties, PartialEq)]
struct ProjectSuggestionsProps {
    id: i64,
}

/// The projects that probably answer the need, best first, each with why (the place both are
/// about, what both say) and a button that links it: nothing is linked until the office taps.
#[component]
fn ProjectSuggestions(props: &ProjectSuggestionsProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let id = props.id;
    let list =
        use_get::<Vec<ProjectSuggestion>>(Some(format!("/api/needs/{id}/project-suggestions")));
    let Some(list) = list.data.as_ref().filter(|l| !l.is_empty()) else {
        return html! {};
    };
    let row = |p: &ProjectSuggestion| {
        let percent = (p.confidence.clamp(0.0, 1.0) * 100.0).round() as u32;
        let go = {
            let (office, project_id) = (office.clone(), p.project_id);
            Callback::from(move |_: MouseEvent| {
                let token = office.token.clone();
                office.act(
                    "office.done.linked",
                    async move {
                        let path = format!("/api/needs/{id}/projects");
                        let body = LinkProject { project_id };
                        office::send::<_, ActionDone>("POST", &token, &path, Some(&body)).await
                    },
                    |_| {},
                );
            })
        };
        let tags = |words: &[String]| {
            words
                .iter()
                .map(|w| html! { <span class="tag" dir="auto">{ w.clone() }</span> })
                .collect::<Html>()
        };
        html! {
            <li data-test="project-suggestion" data-number={p.number.to_string()}>
                <span class="confidence" title={lang.t("office.suggestion.confidence")}>
                    <meter min="0" max="100" value={percent.to_string()}></meter>
                </span>
                <Link to={Route::OfficeProject { id: Some(p.project_id) }}>
                    { format!("{}. {}", p.number, lang.pick(&p.title_ar, &p.title_fr)) }
                </Link>
                <span class="reason">
                    if !p.places.is_empty() {
                        <span class="reason-label">{ lang.t("office.need.project_suggestions.place") }</span>
                        { tags(&p.places) }
                    }
                    if !p.shared_words.is_empty() {
                        <span class="reason-label">{ lang.t("office.suggestion.shared_words") }</span>
                        { tags(&p.shared_words) }
                    }
                </span>
                <button type="button" class="btn secondary small" data-test="project-suggestion-link"
                    disabled={office.busy} onclick={go}>{ lang.t("office.need.project_suggestions.link") }</button>
            </li>
        }
    };
    html! {
        <div class="project-suggestions" data-test="project-suggestions">
            <h3>{ lang.t("office.need.project_suggestions") }</h3>
            <p class="muted">{ lang.t("office.need.project_suggestions.hint") }</p>
            <ul>{ for list.iter().map(row) }</ul>
        </div>
    }
}

/// Unlinks project `pid` from need `id`.
fn unlink(office: &Office, id: i64, pid: i64) -> Callback<MouseEvent> {
    let office = office.clone();
    Callback::from(move |_: MouseEvent| {
        let token = office.token.clone();
        office.act(
            "office.done.unlinked",
            async move {
                let path = format!("/api/needs/{id}/projects/{pid}");
                office::send::<(), ActionDone>("DELETE", &token, &path, None).await
            },
            |_| {},
        );
    })
}
