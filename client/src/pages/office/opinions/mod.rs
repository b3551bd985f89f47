//! The council's bodies and their opinions (issue 14): per body, its opinion on the draft's
//! programme and on each project, in programme order. A member of the body writes them
//! (verdict, text, date); everyone else who reads the procedure reads them; the office (and the
//! administrator) answers each reservation. `bodies` is the administrator's set-up of the
//! bodies and their members, `report` a body's printable report.

mod bodies;
mod report;

pub use bodies::BodiesPage;
pub use report::ReportPage;

use tachkhis_shared::api::opinions::{
    AnswerInput, AnswerOutcome, BodyOpinions, CouncilBody, Opinion, OpinionInput, Verdict,
    VersionOpinions,
};
use tachkhis_shared::permissions::Action;
use yew::prelude::*;

use super::{Acted, Link, LoadNotice, select_value, use_get, use_office};
use crate::i18n::Lang;
use crate::net::office;
use crate::route::Route;
use crate::use_model;
use crate::widgets::{input_value, show_date, textarea_value};

impl Acted for Opinion {
    fn action(&self) -> Option<i64> {
        None
    }
}

impl Acted for CouncilBody {
    fn action(&self) -> Option<i64> {
        None
    }
}

pub fn verdict_key(v: &Verdict) -> &'static str {
    match v {
        Verdict::Favourable => "office.opinions.verdict.favourable",
        Verdict::Reservations => "office.opinions.verdict.reservations",
        Verdict::Unfavourable => "office.opinions.verdict.unfavourable",
        Verdict::Unknown(_) => "office.opinions.verdict.other",
    }
}

pub fn outcome_key(o: &AnswerOutcome) -> &'static str {
    match o {
        AnswerOutcome::Changed => "office.opinions.outcome.changed",
        AnswerOutcome::Kept => "office.opinions.outcome.kept",
        AnswerOutcome::Unknown(_) => "office.opinions.verdict.other",
    }
}

/// The verdict as a coloured tag.
pub fn verdict_tag(lang: Lang, v: &Verdict) -> Html {
    html! {
        <span class={classes!("tag", "verdict", v.code().to_string())} data-test="verdict" data-verdict={v.code().to_string()}>
            { lang.t(verdict_key(v)) }
        </span>
    }
}

pub fn body_name(lang: Lang, b: &CouncilBody) -> String {
    lang.pick(&b.name_ar, &b.name_fr).to_string()
}

/// An opinion as read: verdict, date, text, who, and the office's answer.
pub fn opinion_view(lang: Lang, o: &Opinion) -> Html {
    let answer = o.answer.as_ref().map(|a| {
        html! {
            <div class="answer" data-test="answer">
                <strong>{ lang.t("office.opinions.answer") }{ ": " }{ lang.t(outcome_key(&a.outcome)) }</strong>
                <p class="text" dir="auto">{ &a.text }</p>
                if let Some(by) = &a.answered_by {
                    <span class="sub">{ by.clone() }</span>
                }
            </div>
        }
    });
    html! {
        <div class="opinion" data-test="opinion">
            <div class="opinion-head">
                { verdict_tag(lang, &o.verdict) }
                <span class="sub" dir="ltr">{ show_date(&o.date) }</span>
                if let Some(by) = &o.written_by {
                    <span class="sub">{ by.clone() }</span>
                }
                if o.illustrative {
                    <span class="tag quiet" title={lang.t("office.opinions.illustrative")}>{ lang.t("office.opinions.illustrative_tag") }</span>
                }
                if o.awaits_answer() {
                    <span class="tag warn" data-test="awaits-answer">{ lang.t("office.opinions.awaits_answer") }</span>
                }
            </div>
            if !o.text.is_empty() {
                <p class="text" dir="auto" data-test="opinion-text">{ &o.text }</p>
            }
            if let Some(a) = o.attachment_id {
                // The signed document (uploaded through the procedure's attachments).
                <p class="sub" data-test="opinion-attachment">{ lang.tf("office.opinions.attachment", &[("id", &a.to_string())]) }</p>
            }
            { for answer }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct OpinionFormProps {
    body_id: i64,
    project_id: Option<i64>,
    current: Option<Opinion>,
    onclose: Callback<()>,
}

/// A member writes (or rewrites) the body's opinion on the programme or a project.
#[component]
fn OpinionForm(props: &OpinionFormProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let verdict = use_state(|| {
        props.current.as_ref().map_or_else(
            || "favourable".to_string(),
            |o| o.verdict.code().to_string(),
        )
    });
    let text = use_state(|| {
        props
            .current
            .as_ref()
            .map(|o| o.text.clone())
            .unwrap_or_default()
    });
    let date = use_state(|| {
        props
            .current
            .as_ref()
            .map(|o| o.date.clone())
            .unwrap_or_default()
    });
    let submit = {
        let (office, verdict, text, date) =
            (office.clone(), verdict.clone(), text.clone(), date.clone());
        let (body_id, project_id, onclose) =
            (props.body_id, props.project_id, props.onclose.clone());
        let attachment_id = props.current.as_ref().and_then(|o| o.attachment_id);
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = OpinionInput {
                verdict: Verdict::parse(&verdict),
                text: (*text).clone(),
                date: (*date).clone(),
                attachment_id,
            };
            let path = match project_id {
                Some(p) => format!("/api/bodies/{body_id}/opinions/projects/{p}"),
                None => format!("/api/bodies/{body_id}/opinions/programme"),
            };
            let token = office.token.clone();
            let onclose = onclose.clone();
            office.act(
                "office.opinions.done.written",
                async move { office::send::<_, Opinion>("PUT", &token, &path, Some(&body)).await },
                move |_| onclose.emit(()),
            );
        })
    };
    let needs_text = Verdict::parse(&verdict).needs_answer();
    let cancel = props.onclose.reform(|_: MouseEvent| ());
    html! {
        <form class="opinion-form" data-test="opinion-form" onsubmit={submit}>
            <label class="field">
                <span>{ lang.t("office.opinions.verdict") }</span>
                <select data-test="opinion-verdict" onchange={
                    let verdict = verdict.clone();
                    Callback::from(move |e: Event| verdict.set(select_value(&e)))
                }>
                    { for Verdict::ALL.iter().map(|v| html! {
                        <option value={v.code().to_string()} selected={v.code() == *verdict}>{ lang.t(verdict_key(v)) }</option>
                    }) }
                </select>
            </label>
            <label class="field">
                <span>{ lang.t("office.opinions.date") }</span>
                <input type="date" dir="ltr" required=true data-test="opinion-date" value={(*date).clone()}
                    oninput={ let date = date.clone(); Callback::from(move |e: InputEvent| date.set(input_value(&e))) } />
            </label>
            <label class="field wide">
                <span>{ if needs_text { lang.t("office.opinions.text_required") } else { lang.t("office.opinions.text") } }</span>
                <textarea dir="auto" rows="3" data-test="opinion-text-input" value={(*text).clone()} required={needs_text}
                    oninput={ let text = text.clone(); Callback::from(move |e: InputEvent| text.set(textarea_value(&e))) } />
            </label>
            <div class="dialog-actions">
                <button type="submit" class="btn primary small" data-test="opinion-save"
                    disabled={office.busy || date.is_empty() || (needs_text && text.trim().is_empty())}>
                    { lang.t("office.save") }
                </button>
                <button type="button" class="btn secondary small" onclick={cancel}>{ lang.t("office.opinions.cancel") }</button>
            </div>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct AnswerFormProps {
    opinion: Opinion,
}

/// The office answers a reservation: the project changed or kept, and why.
#[component]
fn AnswerForm(props: &AnswerFormProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let current = props.opinion.answer.as_ref();
    let outcome = use_state(|| {
        current.map_or_else(|| "changed".to_string(), |a| a.outcome.code().to_string())
    });
    let text = use_state(|| current.map(|a| a.text.clone()).unwrap_or_default());
    let open = use_state(|| false);
    if !*open {
        let onclick = {
            let open = open.clone();
            Callback::from(move |_: MouseEvent| open.set(true))
        };
        let label = if current.is_some() {
            "office.opinions.answer_again"
        } else {
            "office.opinions.answer_it"
        };
        return html! {
            <button type="button" class="btn secondary small no-print" data-test="answer-open" {onclick}>{ lang.t(label) }</button>
        };
    }
    let submit = {
        let (office, outcome, text, open) =
            (office.clone(), outcome.clone(), text.clone(), open.clone());
        let id = props.opinion.id;
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = AnswerInput {
                outcome: AnswerOutcome::parse(&outcome),
                text: (*text).clone(),
            };
            let token = office.token.clone();
            let open = open.clone();
            office.act(
                "office.opinions.done.answered",
                async move {
                    office::send::<_, Opinion>(
                        "PUT",
                        &token,
                        &format!("/api/opinions/{id}/answer"),
                        Some(&body),
                    )
                    .await
                },
                move |_| open.set(false),
            );
        })
    };
    let cancel = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(false))
    };
    html! {
        <form class="answer-form no-print" data-test="answer-form" onsubmit={submit}>
            <label class="field">
                <span>{ lang.t("office.opinions.outcome") }</span>
                <select data-test="answer-outcome" onchange={
                    let outcome = outcome.clone();
                    Callback::from(move |e: Event| outcome.set(select_value(&e)))
                }>
                    { for AnswerOutcome::ALL.iter().map(|o| html! {
                        <option value={o.code().to_string()} selected={o.code() == *outcome}>{ lang.t(outcome_key(o)) }</option>
                    }) }
                </select>
            </label>
            <label class="field wide">
                <span>{ lang.t("office.opinions.why") }</span>
                <textarea dir="auto" rows="3" required=true data-test="answer-text" value={(*text).clone()}
                    oninput={ let text = text.clone(); Callback::from(move |e: InputEvent| text.set(textarea_value(&e))) } />
            </label>
            <div class="dialog-actions">
                <button type="submit" class="btn primary small" data-test="answer-save"
                    disabled={office.busy || text.trim().is_empty()}>{ lang.t("office.save") }</button>
                <button type="button" class="btn secondary small" onclick={cancel}>{ lang.t("office.opinions.cancel") }</button>
            </div>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct SubjectProps {
    body_id: i64,
    project_id: Option<i64>,
    opinion: Option<Opinion>,
    /// The user sits in the body and the version is the draft.
    may_write: bool,
    may_answer: bool,
}

/// One subject (the programme, or a project) of a body: its opinion, the member's form, the
/// office's answer form.
#[component]
fn Subject(props: &SubjectProps) -> Html {
    let (_, lang) = use_model();
    let editing = use_state(|| false);
    let view = props.opinion.as_ref().map(|o| opinion_view(lang, o));
    let none = props.opinion.is_none().then(|| {
        html! { <span class="muted" data-test="no-opinion">{ lang.t("office.opinions.none") }</span> }
    });
    let write = (props.may_write && !*editing).then(|| {
        let editing = editing.clone();
        let onclick = Callback::from(move |_: MouseEvent| editing.set(true));
        let label = if props.opinion.is_some() { "office.opinions.rewrite" } else { "office.opinions.write" };
        html! { <button type="button" class="btn secondary small no-print" data-test="opinion-open" {onclick}>{ lang.t(label) }</button> }
    });
    let form = (*editing).then(|| {
        let editing = editing.clone();
        html! {
            <OpinionForm body_id={props.body_id} project_id={props.project_id} current={props.opinion.clone()}
                onclose={Callback::from(move |_| editing.set(false))} />
        }
    });
    let answer = props
        .opinion
        .as_ref()
        .filter(|o| props.may_answer && o.verdict.needs_answer())
        .map(|o| html! { <AnswerForm opinion={o.clone()} /> });
    html! {
        <div class="subject">
            { for view }{ for none }{ for write }{ for form }{ for answer }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct BodyPartProps {
    data: BodyOpinions,
    projects: Vec<tachkhis_shared::api::opinions::OpinionProject>,
    draft: bool,
}

/// One body: its members, its programme opinion, then every project of the programme with
/// its opinion (a project no longer in the programme after, with the opinion it got).
#[component]
fn BodyPart(props: &BodyPartProps) -> Html {
    let (model, lang) = use_model();
    let office = use_office();
    let b = &props.data.body;
    let me = model.username();
    let member = b.members.iter().any(|m| m.username == me);
    let may_write = member && props.draft && !b.retired && office.can(Action::WriteOpinions);
    let may_answer = props.draft && office.can(Action::AnswerReservations);
    let members = b.members.iter().map(|m| {
        html! {
            <li>
                <span dir="auto">{ m.display_name.clone().unwrap_or_else(|| m.username.clone()) }</span>
                if m.chair { <span class="tag quiet">{ lang.t("office.bodies.chair") }</span> }
            </li>
        }
    });
    let of = |project_id: i64| {
        props
            .data
            .projects
            .iter()
            .find(|o| o.project_id == Some(project_id))
            .cloned()
    };
    let removed = props
        .data
        .projects
        .iter()
        .filter(|o| !props.projects.iter().any(|p| Some(p.id) == o.project_id));
    html! {
        <section class="body-part" data-test="body-part" data-body={b.id.to_string()}>
            <div class="page-head">
                <h2>{ body_name(lang, b) }</h2>
                <span class="page-actions no-print">
                    <Link to={Route::OfficeOpinionReport { id: b.id }} class={classes!("btn", "secondary", "small")} test={AttrValue::from("open-report")}>
                        { lang.t("office.opinions.report") }
                    </Link>
                </span>
            </div>
            <p class="sub">{ lang.t("office.bodies.members") }{ ": " }</p>
            if b.members.is_empty() {
                <p class="muted">{ lang.t("office.bodies.no_members") }</p>
            } else {
                <ul class="members">{ for members }</ul>
            }
            if member && props.draft {
                <p class="notice" data-test="member-notice">{ lang.t("office.opinions.you_write") }</p>
            }
            <h3>{ lang.t("office.opinions.on_programme") }</h3>
            <div data-test="programme-opinion">
                <Subject body_id={b.id} project_id={None::<i64>} opinion={props.data.programme.clone()} {may_write} {may_answer} />
            </div>
            <h3>{ lang.t("office.opinions.on_projects") }</h3>
            <table class="grid compact opinions-table" data-test="project-opinions">
                <thead><tr>
                    <th>{ lang.t("office.gender.number") }</th>
                    <th>{ lang.t("office.gender.project") }</th>
                    <th>{ lang.t("office.opinions.opinion") }</th>
                </tr></thead>
                <tbody>
                    { for props.projects.iter().map(|p| html! {
                        <tr data-test="project-opinion" data-number={p.number.to_string()} class={classes!(p.placeholder.then_some("placeholder"))}>
                            <td class="num">{ p.number }</td>
                            <td class="text"><Link to={Route::OfficeProject { id: Some(p.id) }}>
                                <span dir="auto">{ lang.pick(&p.title_ar, &p.title_fr).to_string() }</span>
                            </Link></td>
                            <td><Subject body_id={b.id} project_id={Some(p.id)} opinion={of(p.id)} {may_write} {may_answer} /></td>
                        </tr>
                    }) }
                    { for removed.map(|o| html! {
                        <tr data-test="project-opinion" class="former">
                            <td class="num">{ o.project_number.map(|n| n.to_string()).unwrap_or_default() }</td>
                            <td class="text"><span dir="auto">{ o.project_title.clone().unwrap_or_default() }</span>
                                <span class="sub">{ " " }{ lang.t("office.opinions.removed") }</span></td>
                            <td>{ opinion_view(lang, o) }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        </section>
    }
}

/// The opinions screen: a tab per body (the user's own body first selected), the
/// reservations awaiting the office's answer, and each body's part.
#[component]
pub fn OpinionsPage() -> Html {
    let (model, lang) = use_model();
    let office = use_office();
    let data = use_get::<VersionOpinions>(Some("/api/opinions".into()));
    let picked = use_state(|| None::<i64>);
    let Some(v) = data.data.as_ref() else {
        return html! {
            <section class="office-page opinions-page" data-test="opinions-page">
                <h1>{ lang.t("office.opinions.title") }</h1>
                <LoadNotice loading={data.loading} error={data.error.clone()} has_data=false />
            </section>
        };
    };
    let me = model.username();
    let own = v
        .bodies
        .iter()
        .find(|b| b.body.members.iter().any(|m| m.username == me));
    let selected = (*picked)
        .and_then(|id| v.bodies.iter().find(|b| b.body.id == id))
        .or(own)
        .or(v.bodies.first());
    let draft = v.version.is_draft();
    let tabs = v.bodies.iter().map(|b| {
        let id = b.body.id;
        let onclick = {
            let picked = picked.clone();
            Callback::from(move |_: MouseEvent| picked.set(Some(id)))
        };
        let waiting = b.programme.iter().chain(&b.projects).filter(|o| o.awaits_answer()).count();
        let is = selected.is_some_and(|s| s.body.id == id);
        html! {
            <button type="button" role="tab" aria-selected={is.to_string()} data-test="body-tab" data-body={id.to_string()}
                class={classes!("body-tab", is.then_some("selected"))} {onclick}>
                { body_name(lang, &b.body) }
                if waiting > 0 { <span class="tag warn">{ waiting }</span> }
            </button>
        }
    });
    let status_key = if draft {
        "office.opinions.on_draft"
    } else {
        "office.opinions.on_frozen"
    };
    html! {
        <section class="office-page opinions-page" data-test="opinions-page">
            <div class="page-head">
                <h1>{ lang.t("office.opinions.title") }</h1>
                <span class="page-actions no-print">
                    if office.can(Action::ManageBodies) {
                        <Link to={Route::OfficeBodies} class={classes!("btn", "secondary", "small")} test={AttrValue::from("open-bodies")}>
                            { lang.t("office.bodies.title") }
                        </Link>
                    }
                </span>
            </div>
            <p class="sub" data-test="opinions-version">{ lang.tf(status_key, &[("number", &v.version.number.to_string())]) }</p>
            if v.illustrative {
                <p class="notice illustrative" data-test="illustrative">{ lang.t("office.opinions.illustrative") }</p>
            }
            if v.awaiting_answer > 0 && office.can(Action::AnswerReservations) {
                <p class="notice warn" data-test="to-answer">{ lang.tn("office.opinions.to_answer", v.awaiting_answer as u64) }</p>
            }
            if v.bodies.is_empty() {
                <p class="muted" data-test="no-bodies">{ lang.t("office.bodies.none") }</p>
            } else {
                <div class="body-tabs" role="tablist">{ for tabs }</div>
            }
            if let Some(b) = selected {
                <BodyPart key={b.body.id} data={b.clone()} projects={v.projects.clone()} {draft} />
            }
        </section>
    }
}
