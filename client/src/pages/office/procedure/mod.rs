//! The procedure (issue 14): the secretary general's screen. On top, what is missing or late
//! (each item with its rule, due date and status; a late dispatch asks for its reason); then
//! the versions, the timeline of dated steps (day-first dates, printable), and for the
//! secretariat the forms: a step with its signed document, the vote, the dispatch to the
//! governor and the governor's answer, a new update draft; and two versions compared.

mod compare;
mod forms;

use tachkhis_shared::api::procedure::{
    ProcedureView, RuleItem, RuleStatus, Step, StepDone, StepInput, StepKind, Version,
    VersionStatus,
};
use tachkhis_shared::permissions::Action;
use yew::prelude::*;

use super::{Acted, LoadNotice, use_get, use_office};
use crate::i18n::Lang;
use crate::net::office;
use crate::use_model;
use crate::widgets::{show_date, textarea_value};

impl Acted for StepDone {
    fn action(&self) -> Option<i64> {
        None
    }
}

impl Acted for ProcedureView {
    fn action(&self) -> Option<i64> {
        None
    }
}

impl Acted for Version {
    fn action(&self) -> Option<i64> {
        None
    }
}

/// The catalogue text of a code under `prefix` (`office.proc.kind.` + `vote`).
pub(crate) fn code_text(lang: Lang, prefix: &str, code: &str) -> &'static str {
    lang.t(&format!("{prefix}{code}"))
}

pub(crate) fn version_label(lang: Lang, v: &Version) -> String {
    lang.tf(
        "office.proc.version",
        &[
            ("n", &v.number.to_string()),
            (
                "status",
                code_text(lang, "office.proc.vstatus.", v.status.code()),
            ),
        ],
    )
}

/// A step as the form that changes it sends it back.
pub(crate) fn input_of(s: &Step) -> StepInput {
    StepInput {
        version: Some(s.version),
        kind: s.kind.clone(),
        body_id: s.body_id,
        date: s.date.clone(),
        end_date: s.end_date.clone(),
        reference: s.reference.clone(),
        note: s.note.clone(),
        late_reason: s.late_reason.clone(),
        session_kind: s.session_kind.clone(),
        attachment_id: s.attachment.as_ref().map(|a| a.id),
    }
}

#[component]
pub fn ProcedurePage() -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let version = use_state(|| None::<i64>);
    let path = format!(
        "/api/procedure{}",
        office::query(&[("version", version.map(|v| v.to_string()))])
    );
    let fetched = use_get::<ProcedureView>(Some(path));
    let notice = html! {
        <LoadNotice loading={fetched.loading} error={fetched.error.clone()} has_data={fetched.data.is_some()} />
    };
    let Some(view) = fetched.data.clone() else {
        return html! { <section class="procedure-page">{ notice }</section> };
    };
    let may_record = office.can(Action::RecordProcedure);
    let versions = view.versions.iter().map(|v| {
        let selected = v.id == view.version.id;
        let onclick = {
            let (version, n) = (version.clone(), v.number);
            Callback::from(move |_: MouseEvent| version.set(Some(n)))
        };
        html! {
            <button type="button" class={classes!("chip", selected.then_some("selected"))}
                data-test="proc-version" data-number={v.number.to_string()} aria-pressed={selected.to_string()} {onclick}>
                { version_label(lang, v) }
            </button>
        }
    });
    let print = Callback::from(|_: MouseEvent| {
        if let Some(w) = web_sys::window() {
            let _ = w.print();
        }
    });
    let v = &view.version;
    // A new draft waits while one is open, or while a voted version awaits the governor's
    // answer (a refusal or a new deliberation opens the next draft itself).
    let draft_open = view
        .versions
        .iter()
        .any(|v| matches!(v.status, VersionStatus::Draft | VersionStatus::Voted));
    html! {
        <section class="procedure-page" data-test="procedure-page">
            <div class="page-head">
                <h1>{ lang.t("office.proc.title") }</h1>
                <div class="page-actions no-print">
                    <button type="button" class="btn secondary small" data-test="proc-print" onclick={print}>
                        { lang.t("office.proc.print") }
                    </button>
                </div>
            </div>
            { notice }
            <div class="proc-versions no-print" role="group" aria-label={lang.t("office.proc.versions")}>
                { for versions }
            </div>
            <p class="proc-version-line" data-test="proc-version-line">
                <strong>{ version_label(lang, v) }</strong>
                { " · " }{ code_text(lang, "office.proc.vkind.", v.kind.code()) }
                if !v.reason.is_empty() { { " · " }<span dir="auto">{ &v.reason }</span> }
                if let Some(p) = v.parent {
                    { " · " }{ lang.tf("office.proc.parent", &[("n", &p.to_string())]) }
                }
            </p>
            if view.live_differs {
                <p class="notice warn" data-test="proc-live-differs">{ lang.t("office.proc.live_differs") }</p>
            }
            <RulesPanel view={view.clone()} {may_record} />
            <Timeline view={view.clone()} {may_record} />
            if may_record {
                <forms::Forms view={view.clone()} {draft_open} />
            }
            <compare::ComparePart versions={view.versions.clone()} />
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct ViewProps {
    view: std::rc::Rc<ProcedureView>,
    may_record: bool,
}

fn status_class(s: &RuleStatus) -> &'static str {
    match s {
        RuleStatus::Overdue | RuleStatus::ReasonMissing => "err",
        RuleStatus::Warning | RuleStatus::Late => "warn",
        _ => "quiet",
    }
}

/// What is missing or late, most urgent first: the one list the secretary general reads.
#[component]
fn RulesPanel(props: &ViewProps) -> Html {
    let (_, lang) = use_model();
    let rules = &props.view.rules;
    let items = rules.iter().map(|r| {
        let step = r
            .step_id
            .and_then(|id| props.view.steps.iter().find(|s| s.id == id))
            .cloned();
        html! { <RuleRow item={r.clone()} {step} may_record={props.may_record} /> }
    });
    html! {
        <section class="proc-rules" data-test="proc-rules" aria-labelledby="proc-rules-title">
            <h2 id="proc-rules-title">{ lang.t("office.proc.rules.title") }</h2>
            if rules.is_empty() {
                <p class="muted" data-test="proc-rules-none">{ lang.t("office.proc.rules.none") }</p>
            } else {
                <ul class="proc-rule-list">{ for items }</ul>
            }
            <p class="muted small">{ lang.tf("office.proc.today", &[("date", &show_date(&props.view.today))]) }</p>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct RuleRowProps {
    item: RuleItem,
    step: Option<Step>,
    may_record: bool,
}

#[component]
fn RuleRow(props: &RuleRowProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let reason = use_state(String::new);
    let r = &props.item;
    let what = match (&r.step_kind, &r.body_name) {
        (_, Some(body)) => body.clone(),
        (Some(k), None) => code_text(lang, "office.proc.kind.", k.code()).to_string(),
        _ => String::new(),
    };
    let due = r.due.as_ref().map(|d| {
        let days = r.days.map(|n| match n {
            n if n > 0 => lang.tf("office.proc.days_late", &[("n", &n.to_string())]),
            0 => lang.t("office.proc.due_today").to_string(),
            n => lang.tf("office.proc.days_left", &[("n", &(-n).to_string())]),
        });
        html! {
            <span class="proc-due">
                { lang.tf("office.proc.due", &[("date", &show_date(d))]) }
                if let Some(days) = days { { " (" }{ days }{ ")" } }
            </span>
        }
    });
    let ask_reason = r.status == RuleStatus::ReasonMissing && props.may_record;
    let save = {
        let (office, reason, step) = (office.clone(), reason.clone(), props.step.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(step) = &step else { return };
            let text = reason.trim().to_string();
            if text.is_empty() {
                return;
            }
            let mut body = input_of(step);
            body.late_reason = Some(text);
            let (token, id) = (office.token.clone(), step.id);
            office.act(
                "office.proc.done.reason",
                async move {
                    office::send::<_, StepDone>(
                        "PUT",
                        &token,
                        &format!("/api/procedure/steps/{id}"),
                        Some(&body),
                    )
                    .await
                },
                |_| {},
            );
        })
    };
    let oninput = {
        let reason = reason.clone();
        Callback::from(move |e: InputEvent| reason.set(textarea_value(&e)))
    };
    html! {
        <li class="proc-rule" data-test="proc-rule" data-rule={r.rule.code().to_string()}
            data-status={r.status.code().to_string()}>
            <span class={classes!("tag", status_class(&r.status))}>{ code_text(lang, "office.proc.status.", r.status.code()) }</span>
            { " " }<strong>{ code_text(lang, "office.proc.rule.", r.rule.code()) }</strong>
            if !what.is_empty() { { " · " }<span dir="auto">{ what }</span> }
            if let Some(due) = due { { " · " }{ due } }
            if let Some(reason) = &r.late_reason {
                <p class="proc-reason" data-test="proc-rule-reason">
                    { lang.t("office.proc.late_reason") }{ ": " }<span dir="auto">{ reason }</span>
                </p>
            }
            if ask_reason {
                <form class="proc-reason-form no-print" onsubmit={save}>
                    <label class="field">
                        <span>{ lang.t("office.proc.ask_reason") }</span>
                        <textarea dir="auto" rows="2" data-test="proc-reason-input" value={(*reason).clone()} {oninput} />
                    </label>
                    <button type="submit" class="btn primary small" data-test="proc-reason-save" disabled={office.busy}>
                        { lang.t("office.save") }
                    </button>
                </form>
            }
        </li>
    }
}

fn period(s: &Step) -> String {
    match &s.end_date {
        Some(end) => format!("{} – {}", show_date(&s.date), show_date(end)),
        None => show_date(&s.date),
    }
}

/// The dated steps in order.
#[component]
fn Timeline(props: &ViewProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let editing = use_state(|| None::<i64>);
    let steps = props.view.steps.iter().map(|s| {
        let edit_button = props.may_record.then(|| {
            let (editing, id) = (editing.clone(), s.id);
            let onclick = Callback::from(move |_: MouseEvent| editing.set(Some(id)));
            html! {
                <button type="button" class="btn secondary small no-print" data-test="proc-step-edit" {onclick}>
                    { lang.t("office.edit") }
                </button>
            }
        });
        let edit_form = (*editing == Some(s.id)).then(|| {
            let editing = editing.clone();
            let onclose = Callback::from(move |()| editing.set(None));
            html! { <forms::EditStep step={s.clone()} {onclose} /> }
        });
        let download = s.attachment.as_ref().map(|a| {
            let (office, id, name) = (office.clone(), a.id, a.file_name.clone());
            let onclick = Callback::from(move |_: MouseEvent| {
                let (office, name) = (office.clone(), name.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    let path = format!("/api/attachments/{id}");
                    if let Err(e) = office::download(&office.token, &path, &name).await {
                        office.failed(e);
                    }
                });
            });
            html! {
                <button type="button" class="btn secondary small" data-test="proc-attachment" {onclick}>
                    { lang.t("office.proc.signed") }{ ": " }<span dir="auto">{ &a.file_name }</span>
                </button>
            }
        });
        let delete = (props.may_record
            && !matches!(s.kind, StepKind::Visa | StepKind::VisaRefused | StepKind::RedeliberationRequested))
            .then(|| {
                let busy = office.busy;
                let (office, id) = (office.clone(), s.id);
                let onclick = Callback::from(move |_: MouseEvent| {
                    let token = office.token.clone();
                    office.act(
                        "office.proc.done.deleted",
                        async move {
                            office::send::<(), ProcedureView>(
                                "DELETE",
                                &token,
                                &format!("/api/procedure/steps/{id}"),
                                None,
                            )
                            .await
                        },
                        |_| {},
                    );
                });
                html! {
                    <button type="button" class="btn secondary small no-print" data-test="proc-step-delete"
                        disabled={busy} {onclick}>{ lang.t("office.proc.delete") }</button>
                }
            });
        let vote = s.vote.as_ref().map(|v| html! {
            <p class="proc-vote" data-test="proc-vote">
                { code_text(lang, "office.proc.session.", v.session_kind.code()) }{ " · " }
                { lang.tf("office.proc.vote_line", &[
                    ("present", &v.members_present.to_string()),
                    ("total", &v.members_total.to_string()),
                    ("for", &v.votes_for.to_string()),
                    ("against", &v.votes_against.to_string()),
                    ("abstentions", &v.abstentions.to_string()),
                ]) }{ " · " }
                <strong>{ code_text(lang, "office.proc.result.", v.result.code()) }</strong>
            </p>
        });
        html! {
            <li class="proc-step" data-test="proc-step" data-kind={s.kind.code().to_string()}>
                <span class="proc-date" dir="ltr">{ period(s) }</span>
                <div class="proc-step-body">
                    <strong>{ code_text(lang, "office.proc.kind.", s.kind.code()) }</strong>
                    if let Some(k) = &s.session_kind {
                        { " · " }{ code_text(lang, "office.proc.session.", k.code()) }
                    }
                    if let Some(b) = &s.body_name { { " · " }<span dir="auto">{ b }</span> }
                    if s.illustrative {
                        { " " }<span class="tag quiet" data-test="illustrative">{ lang.t("office.proc.illustrative") }</span>
                    }
                    if !s.reference.is_empty() {
                        <p class="proc-ref">{ lang.t("office.proc.reference") }{ ": " }<span dir="auto">{ &s.reference }</span></p>
                    }
                    if !s.note.is_empty() { <p dir="auto">{ &s.note }</p> }
                    { for vote }
                    if let Some(r) = &s.late_reason {
                        <p class="proc-reason">{ lang.t("office.proc.late_reason") }{ ": " }<span dir="auto">{ r }</span></p>
                    }
                    <div class="proc-step-actions">{ for download }{ for edit_button }{ for delete }</div>
                    { for edit_form }
                </div>
            </li>
        }
    });
    html! {
        <section class="proc-timeline-part" aria-labelledby="proc-timeline-title">
            <h2 id="proc-timeline-title">{ lang.t("office.proc.timeline") }</h2>
            if props.view.steps.is_empty() {
                <p class="muted">{ lang.t("office.proc.no_steps") }</p>
            } else {
                <ol class="proc-timeline" data-test="proc-timeline">{ for steps }</ol>
            }
        </section>
    }
}
