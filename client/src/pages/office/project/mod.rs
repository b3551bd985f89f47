//! A project sheet (fiche projet): every field of the sheet, editable by the office, read by the
//! committees; and why the project is there (its needs and the sessions behind them).
//!
//! [`ProjectPage`] holds the sheet as edited (`draft`, amounts kept as typed) and saves or
//! deletes it; the sheet's parts (`sheet`), the indicators of the monitoring system
//! (`indicators`, records of their own with their own API) and the trace (`trace`) are
//! components of their own.

mod draft;
mod indicators;
// The bodies' opinions on the project (issue 14).
mod opinions;
mod sheet;
mod trace;

use std::rc::Rc;

use tachkhis_shared::api::programme::Project;
use tachkhis_shared::permissions::Action;
use yew::prelude::*;

use super::{Link, LoadNotice, Office, money, use_get, use_office};
use crate::net::office;
use crate::route::{Navigator, Route, use_navigator};
use crate::use_model;
use draft::Draft;
use indicators::IndicatorsPanel;
use sheet::{IdentityPart, MoneyPart, PlacePart, TimePart};
use trace::TracePanel;

#[derive(Properties, PartialEq)]
pub struct ProjectPageProps {
    pub id: Option<i64>,
}

#[component]
pub fn ProjectPage(props: &ProjectPageProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let navigator = use_navigator();
    let id = props.id;
    let project = use_get::<Project>(id.map(|id| format!("/api/projects/{id}")));
    let draft = use_state(|| None::<Draft>);
    let bad_amount = use_state(|| false);
    {
        // A new sheet, or another project: start from what the server has.
        let draft = draft.clone();
        use_effect_with(id, move |_| draft.set(None));
    }
    if id.is_some() && project.data.is_none() {
        return html! {
            <section class="office-page">
                <LoadNotice loading={project.loading} error={project.error.clone()} has_data=false />
            </section>
        };
    }
    let base = Rc::new(match (&*draft, &project.data) {
        (Some(d), _) => d.clone(),
        (None, Some(p)) => Draft {
            current_status: p.current_status.clone(),
            ..Draft::of(&p.input)
        },
        (None, None) => Draft::default(),
    });
    let ro = !office.can(Action::EditProgramme);
    let on_edit = draft.setter().to_callback().reform(Some);
    let save = {
        let (office, draft, base, bad_amount, navigator) = (
            office.clone(),
            draft.clone(),
            base.clone(),
            bad_amount.clone(),
            navigator.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(input) = base.finish() else {
                bad_amount.set(true);
                return;
            };
            bad_amount.set(false);
            let token = office.token.clone();
            let (draft, navigator) = (draft.clone(), navigator.clone());
            office.act(
                "office.done.saved",
                async move {
                    let (method, path) = match id {
                        Some(id) => ("PUT", format!("/api/projects/{id}")),
                        None => ("POST", "/api/projects".to_string()),
                    };
                    office::send::<_, Project>(method, &token, &path, Some(&input))
                        .await
                        .map(|p| p.id)
                },
                move |new_id| {
                    draft.set(None);
                    if id.is_none()
                        && let Some(n) = &navigator
                    {
                        n.replace(&Route::OfficeProject { id: Some(new_id) });
                    }
                },
            );
        })
    };
    let i = &base.input;
    let total = project.data.as_ref().and_then(|p| p.total_cost);
    let title = if id.is_none() {
        lang.t("office.project.new").to_string()
    } else {
        format!("{}. {}", i.number, lang.pick(&i.title_ar, &i.title_fr))
    };
    html! {
        <section class="office-page project-page" data-test="project-page">
            <p class="crumbs"><Link to={Route::OfficeProgramme}>{ lang.t("office.nav.programme") }</Link></p>
            <div class="page-head">
                <h1 dir="auto">{ title }</h1>
                if let Some(t) = total {
                    <span class="count">{ lang.t("office.project.total") }{ " " }{ money(Some(&t)) }</span>
                }
                // A project's whole story (issue 15, dash).
                if let (Some(id), true) = (id, office.can(tachkhis_shared::permissions::Action::ReadExecution)) {
                    <Link to={Route::OfficeStory { id }} class={classes!("btn", "secondary", "small", "no-print")}>{ lang.t("office.story.link") }</Link>
                }
            </div>
            <form class="sheet" data-test="project-form" onsubmit={save}>
                <IdentityPart draft={base.clone()} on_edit={on_edit.clone()} read_only={ro} />
                <PlacePart draft={base.clone()} on_edit={on_edit.clone()} read_only={ro} />
                <MoneyPart draft={base.clone()} on_edit={on_edit.clone()} read_only={ro} />
                <TimePart draft={base.clone()} {on_edit} read_only={ro} />
                if *bad_amount {
                    <p class="notice warn" role="alert" data-test="bad-amount">{ lang.t("office.project.bad_amount") }</p>
                }
                if !ro {
                    <div class="dialog-actions">
                        <button type="submit" class="btn primary small" data-test="project-save"
                            disabled={office.busy || i.title_ar.trim().is_empty() || i.programme_id == 0}>
                            { lang.t("office.save") }
                        </button>
                        if let Some(pid) = id {
                            { delete_button(&office, pid, navigator, lang.t("office.project.delete_confirm"), lang.t("office.project.delete")) }
                        }
                    </div>
                }
            </form>
            if let Some(id) = id {
                if office.can(Action::ReadPriorities) {
                    <super::priorities::ProjectRank {id} />
                }
                <IndicatorsPanel project_id={id} />
                // The project's execution (issue 15, exec).
                if office.can(Action::ReadExecution) {
                    <super::execution::ExecutionPanel project_id={id} />
                }
                if office.can(Action::ReadProcedure) {
                    <opinions::ProjectOpinions {id} />
                }
                <TracePanel {id} />
            }
        </section>
    }
}

/// Deletes the project, once the user confirms `question`, and goes back to the programme.
fn delete_button(
    office: &Office,
    pid: i64,
    navigator: Option<Navigator>,
    question: &'static str,
    label: &'static str,
) -> Html {
    let busy = office.busy;
    let office = office.clone();
    let onclick = Callback::from(move |_: MouseEvent| {
        let sure = web_sys::window()
            .and_then(|w| w.confirm_with_message(question).ok())
            .unwrap_or(false);
        if !sure {
            return;
        }
        let token = office.token.clone();
        let navigator = navigator.clone();
        office.act(
            "office.done.deleted",
            async move {
                let path = format!("/api/projects/{pid}");
                office::call_no_body("DELETE", &token, &path).await
            },
            move |()| {
                if let Some(n) = &navigator {
                    n.replace(&Route::OfficeProgramme);
                }
            },
        );
    });
    html! {
        <button type="button" class="btn danger-quiet small" data-test="project-delete" disabled={busy} {onclick}>
            { label }
        </button>
    }
}
