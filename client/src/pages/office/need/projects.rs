//! The projects a need is linked to (to the programme), with link and unlink.

use tachkhis_shared::api::consolidation::{ActionDone, LinkProject};
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
        </>
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
