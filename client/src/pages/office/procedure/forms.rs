//! The secretariat's forms: a dated step with its signed document (a late dispatch asks for
//! its reason before it is sent, and is recorded either way), the vote, the dispatch to the
//! governor, the governor's answer, and a new update draft. The server checks everything
//! again; these only spare a round trip.

use std::rc::Rc;

use tachkhis_shared::api::procedure::{
    Attachment, GovernorInput, OpenVersionInput, ProcedureSettings, ProcedureView, SessionKind,
    Step, StepDone, StepInput, StepKind, Version, VersionStatus, VisaInput, VisaOutcome, VoteInput,
    VoteResult, date_of_day, day_number,
};
use wasm_bindgen::JsValue;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::super::{select_value, use_office};
use super::code_text;
use crate::i18n::Lang;
use crate::net::office::{self, ApiError};
use crate::use_model;
use crate::widgets::{DateField, input_value, show_date, textarea_value, today};

/// Keeps `value` to what is typed, read by `read` (`input_value`, `textarea_value`).
fn set_on_input(
    value: &UseStateHandle<String>,
    read: fn(&InputEvent) -> String,
) -> Callback<InputEvent> {
    let value = value.clone();
    Callback::from(move |e: InputEvent| value.set(read(&e)))
}

fn text(
    lang: Lang,
    label: &'static str,
    test: &'static str,
    value: &UseStateHandle<String>,
) -> Html {
    let oninput = set_on_input(value, input_value);
    html! {
        <label class="field">
            <span>{ lang.t(label) }</span>
            <input type="text" dir="auto" data-test={test} value={(**value).clone()} {oninput} />
        </label>
    }
}

fn area(
    lang: Lang,
    label: &'static str,
    test: &'static str,
    value: &UseStateHandle<String>,
) -> Html {
    let oninput = set_on_input(value, textarea_value);
    html! {
        <label class="field wide">
            <span>{ lang.t(label) }</span>
            <textarea dir="auto" rows="2" data-test={test} value={(**value).clone()} {oninput} />
        </label>
    }
}

fn number(
    lang: Lang,
    label: &'static str,
    test: &'static str,
    value: &UseStateHandle<String>,
) -> Html {
    let oninput = set_on_input(value, input_value);
    html! {
        <label class="field short">
            <span>{ lang.t(label) }</span>
            <input type="number" min="0" inputmode="numeric" dir="ltr" data-test={test}
                value={(**value).clone()} {oninput} />
        </label>
    }
}

fn date(
    lang: Lang,
    label: &'static str,
    test: &'static str,
    value: &UseStateHandle<String>,
) -> Html {
    let on_change = {
        let value = value.clone();
        Callback::from(move |d: String| value.set(d))
    };
    html! { <DateField label={lang.t(label)} test={test} value={(**value).clone()} {on_change} /> }
}

fn select(
    lang: Lang,
    label: &'static str,
    test: &'static str,
    prefix: &'static str,
    codes: &[&str],
    value: &UseStateHandle<String>,
) -> Html {
    let onchange = {
        let value = value.clone();
        Callback::from(move |e: Event| value.set(select_value(&e)))
    };
    html! {
        <label class="field">
            <span>{ lang.t(label) }</span>
            <select data-test={test} {onchange}>
                { for codes.iter().map(|c| html! {
                    <option value={c.to_string()} selected={*c == value.as_str()}>{ code_text(lang, prefix, c) }</option>
                }) }
            </select>
        </label>
    }
}

/// Uploads the file picked in `input` (if any): its attachment id.
async fn attach(token: &str, picked: Option<web_sys::File>) -> Result<Option<i64>, ApiError> {
    let Some(file) = picked else { return Ok(None) };
    let path = format!(
        "/api/attachments{}",
        office::query(&[("name", Some(file.name()))])
    );
    let a: Attachment = office::upload(token, &path, JsValue::from(file)).await?;
    Ok(Some(a.id))
}

fn picked(input: &NodeRef) -> Option<web_sys::File> {
    input
        .cast::<HtmlInputElement>()
        .and_then(|i| i.files())
        .and_then(|f| f.get(0))
}

fn file_field(lang: Lang, input: &NodeRef) -> Html {
    html! {
        <label class="field">
            <span>{ lang.t("office.proc.attach") }</span>
            <input type="file" accept="application/pdf,image/jpeg,image/png" data-test="proc-file" ref={input.clone()} />
        </label>
    }
}

/// The session that votes, as the server counts it: the adopting vote, else the latest
/// planned session.
fn session_date(view: &ProcedureView) -> Option<String> {
    let adopted = view.steps.iter().find(|s| {
        s.vote
            .as_ref()
            .is_some_and(|v| v.result == VoteResult::Adopted)
    });
    adopted
        .or_else(|| {
            view.steps
                .iter()
                .rfind(|s| s.kind == StepKind::CouncilSession)
        })
        .map(|s| s.date.clone())
}

#[derive(Properties, PartialEq)]
pub struct FormsProps {
    pub view: Rc<ProcedureView>,
    pub draft_open: bool,
}

#[component]
pub fn Forms(props: &FormsProps) -> Html {
    let (_, lang) = use_model();
    let v = &props.view.version;
    let sent = props
        .view
        .steps
        .iter()
        .any(|s| s.kind == StepKind::SentToGovernor);
    html! {
        <section class="proc-forms no-print" data-test="proc-forms">
            <h2>{ lang.t("office.proc.record") }</h2>
            <StepForm view={props.view.clone()} />
            if v.status == VersionStatus::Draft { <VoteForm /> }
            if v.status == VersionStatus::Voted && !sent { <GovernorForm /> }
            if v.status == VersionStatus::Voted && sent { <VisaForm /> }
            if !props.draft_open { <OpenDraftForm /> }
            <SettingsForm settings={props.view.settings.clone()} />
        </section>
    }
}

const PLAIN: [&str; 6] = [
    "launch_meeting",
    "diagnosis",
    "ranking",
    "bureau_approval",
    "sent_to_bodies",
    "council_session",
];

#[derive(Properties, PartialEq)]
struct StepFormProps {
    view: Rc<ProcedureView>,
}

#[component]
fn StepForm(props: &StepFormProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let kind = use_state(|| "sent_to_bodies".to_string());
    let day = use_state(today);
    let end = use_state(String::new);
    let session_kind = use_state(|| "ordinary".to_string());
    let reference = use_state(String::new);
    let note = use_state(String::new);
    let reason = use_state(String::new);
    let file = use_node_ref();
    let period = matches!(kind.as_str(), "diagnosis" | "ranking");
    // The 30-day rule, before sending: "send by D", and the reason asked when it is late.
    let d = i64::from(props.view.settings.dispatch_days_before_session);
    let session = session_date(&props.view);
    let send_by = session
        .as_deref()
        .and_then(day_number)
        .map(|s| date_of_day(s - d));
    let late = kind.as_str() == "sent_to_bodies"
        && send_by
            .as_deref()
            .and_then(day_number)
            .zip(day_number(&day))
            .is_some_and(|(by, sent)| sent > by);
    let submit = {
        let (office, kind, day, end, session_kind) = (
            office.clone(),
            kind.clone(),
            day.clone(),
            end.clone(),
            session_kind.clone(),
        );
        let (reference, note, reason, file) = (
            reference.clone(),
            note.clone(),
            reason.clone(),
            file.clone(),
        );
        let version = props.view.version.number;
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let kind_code = StepKind::parse(&kind);
            let body = StepInput {
                version: Some(version),
                end_date: matches!(kind_code, StepKind::Diagnosis | StepKind::Ranking)
                    .then(|| (*end).clone())
                    .filter(|e| !e.is_empty()),
                session_kind: (kind_code == StepKind::CouncilSession)
                    .then(|| SessionKind::parse(&session_kind)),
                kind: kind_code,
                body_id: None,
                date: (*day).clone(),
                reference: (*reference).clone(),
                note: (*note).clone(),
                late_reason: Some((*reason).clone()).filter(|r| !r.trim().is_empty()),
                attachment_id: None,
            };
            let token = office.token.clone();
            let picked = picked(&file);
            let (reference, note, reason) = (reference.clone(), note.clone(), reason.clone());
            office.act(
                "office.proc.done.step",
                async move {
                    let mut body = body;
                    body.attachment_id = attach(&token, picked).await?;
                    office::send::<_, StepDone>("POST", &token, "/api/procedure/steps", Some(&body))
                        .await
                },
                move |_| {
                    reference.set(String::new());
                    note.set(String::new());
                    reason.set(String::new());
                },
            );
        })
    };
    html! {
        <form class="proc-form" data-test="proc-step-form" onsubmit={submit}>
            <h3>{ lang.t("office.proc.form.step") }</h3>
            <div class="row-fields">
                { select(lang, "office.proc.kind", "proc-kind", "office.proc.kind.", &PLAIN, &kind) }
                { date(lang, if period { "office.proc.from" } else { "office.proc.date" }, "proc-date", &day) }
                if period { { date(lang, "office.proc.to", "proc-end", &end) } }
                if kind.as_str() == "council_session" {
                    { select(lang, "office.proc.session", "proc-session-kind", "office.proc.session.", &["ordinary", "extraordinary"], &session_kind) }
                }
                { text(lang, "office.proc.reference", "proc-reference", &reference) }
                { file_field(lang, &file) }
            </div>
            { area(lang, "office.proc.note", "proc-note", &note) }
            if kind.as_str() == "sent_to_bodies" {
                if let (Some(by), Some(s)) = (&send_by, &session) {
                    <p class={classes!("proc-send-by", late.then_some("late"))} data-test="proc-send-by">
                        { lang.tf("office.proc.send_by", &[("date", &show_date(by)), ("session", &show_date(s))]) }
                    </p>
                }
            }
            if late {
                <div class="notice warn" data-test="proc-late">
                    <p>{ lang.tf("office.proc.late_warning", &[("days", &d.to_string())]) }</p>
                    { area(lang, "office.proc.ask_reason", "proc-late-reason", &reason) }
                </div>
            }
            <button type="submit" class="btn primary" data-test="proc-step-save" disabled={office.busy}>
                { lang.t("office.proc.save_step") }
            </button>
        </form>
    }
}

#[component]
fn VoteForm() -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let day = use_state(today);
    let session_kind = use_state(|| "ordinary".to_string());
    let total = use_state(String::new);
    let present = use_state(String::new);
    let yes = use_state(String::new);
    let no = use_state(String::new);
    let abstentions = use_state(String::new);
    let result = use_state(|| "adopted".to_string());
    let reference = use_state(String::new);
    let file = use_node_ref();
    let submit = {
        let states = (
            day.clone(),
            session_kind.clone(),
            total.clone(),
            present.clone(),
            yes.clone(),
            no.clone(),
            abstentions.clone(),
            result.clone(),
            reference.clone(),
        );
        let (office, file) = (office.clone(), file.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (day, kind, total, present, yes, no, abst, result, reference) = &states;
            // A number left empty or not a number goes as 0: the server names the field.
            let n = |s: &UseStateHandle<String>| s.trim().parse::<u32>().unwrap_or(0);
            let mut body = VoteInput {
                date: (**day).clone(),
                session_kind: SessionKind::parse(kind),
                members_total: n(total),
                members_present: n(present),
                votes_for: n(yes),
                votes_against: n(no),
                abstentions: n(abst),
                result: VoteResult::parse(result),
                reference: (**reference).clone(),
                note: String::new(),
                attachment_id: None,
            };
            let token = office.token.clone();
            let picked = picked(&file);
            office.act(
                "office.proc.done.vote",
                async move {
                    body.attachment_id = attach(&token, picked).await?;
                    office::send::<_, StepDone>("POST", &token, "/api/procedure/vote", Some(&body))
                        .await
                },
                |_| {},
            );
        })
    };
    html! {
        <form class="proc-form" data-test="proc-vote-form" onsubmit={submit}>
            <h3>{ lang.t("office.proc.form.vote") }</h3>
            <div class="row-fields">
                { date(lang, "office.proc.date", "vote-date", &day) }
                { select(lang, "office.proc.session", "vote-session", "office.proc.session.", &["ordinary", "extraordinary"], &session_kind) }
                { number(lang, "office.proc.members_total", "vote-total", &total) }
                { number(lang, "office.proc.members_present", "vote-present", &present) }
                { number(lang, "office.proc.votes_for", "vote-for", &yes) }
                { number(lang, "office.proc.votes_against", "vote-against", &no) }
                { number(lang, "office.proc.abstentions", "vote-abstentions", &abstentions) }
                { select(lang, "office.proc.result", "vote-result", "office.proc.result.", &["adopted", "rejected"], &result) }
                { text(lang, "office.proc.decision", "vote-reference", &reference) }
                { file_field(lang, &file) }
            </div>
            <p class="muted small">{ lang.t("office.proc.vote_freezes") }</p>
            <button type="submit" class="btn primary" data-test="vote-save" disabled={office.busy}>
                { lang.t("office.proc.save_vote") }
            </button>
        </form>
    }
}

#[component]
fn GovernorForm() -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let day = use_state(today);
    let reference = use_state(String::new);
    let file = use_node_ref();
    let submit = {
        let (office, day, reference, file) =
            (office.clone(), day.clone(), reference.clone(), file.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let mut body = GovernorInput {
                date: (*day).clone(),
                reference: (*reference).clone(),
                note: String::new(),
                attachment_id: None,
            };
            let token = office.token.clone();
            let picked = picked(&file);
            office.act(
                "office.proc.done.governor",
                async move {
                    body.attachment_id = attach(&token, picked).await?;
                    office::send::<_, StepDone>(
                        "POST",
                        &token,
                        "/api/procedure/governor",
                        Some(&body),
                    )
                    .await
                },
                |_| {},
            );
        })
    };
    html! {
        <form class="proc-form" data-test="proc-governor-form" onsubmit={submit}>
            <h3>{ lang.t("office.proc.form.governor") }</h3>
            <div class="row-fields">
                { date(lang, "office.proc.date", "governor-date", &day) }
                { text(lang, "office.proc.reference", "governor-reference", &reference) }
                { file_field(lang, &file) }
            </div>
            <button type="submit" class="btn primary" data-test="governor-save" disabled={office.busy}>
                { lang.t("office.proc.save_step") }
            </button>
        </form>
    }
}

#[component]
fn VisaForm() -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let outcome = use_state(|| "visa".to_string());
    let day = use_state(today);
    let reference = use_state(String::new);
    let note = use_state(String::new);
    let file = use_node_ref();
    let submit = {
        let (office, outcome, day, reference, note, file) = (
            office.clone(),
            outcome.clone(),
            day.clone(),
            reference.clone(),
            note.clone(),
            file.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let mut body = VisaInput {
                outcome: VisaOutcome::parse(&outcome),
                date: (*day).clone(),
                reference: (*reference).clone(),
                note: (*note).clone(),
                attachment_id: None,
            };
            let token = office.token.clone();
            let picked = picked(&file);
            office.act(
                "office.proc.done.visa",
                async move {
                    body.attachment_id = attach(&token, picked).await?;
                    office::send::<_, StepDone>("POST", &token, "/api/procedure/visa", Some(&body))
                        .await
                },
                |_| {},
            );
        })
    };
    html! {
        <form class="proc-form" data-test="proc-visa-form" onsubmit={submit}>
            <h3>{ lang.t("office.proc.form.visa") }</h3>
            <div class="row-fields">
                { select(lang, "office.proc.outcome", "visa-outcome", "office.proc.outcome.", &["visa", "refused", "redeliberation"], &outcome) }
                { date(lang, "office.proc.date", "visa-date", &day) }
                { text(lang, "office.proc.reference", "visa-reference", &reference) }
                { file_field(lang, &file) }
            </div>
            { area(lang, "office.proc.grounds", "visa-note", &note) }
            <button type="submit" class="btn primary" data-test="visa-save" disabled={office.busy}>
                { lang.t("office.proc.save_step") }
            </button>
        </form>
    }
}

#[component]
fn OpenDraftForm() -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let reason = use_state(String::new);
    let submit = {
        let (office, reason) = (office.clone(), reason.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = OpenVersionInput {
                reason: (*reason).clone(),
            };
            let token = office.token.clone();
            let reason = reason.clone();
            office.act(
                "office.proc.done.draft",
                async move {
                    office::send::<_, Version>("POST", &token, "/api/versions", Some(&body)).await
                },
                move |_| reason.set(String::new()),
            );
        })
    };
    html! {
        <form class="proc-form" data-test="proc-draft-form" onsubmit={submit}>
            <h3>{ lang.t("office.proc.form.draft") }</h3>
            { area(lang, "office.proc.draft_reason", "draft-reason", &reason) }
            <button type="submit" class="btn secondary" data-test="draft-open" disabled={office.busy}>
                { lang.t("office.proc.open_draft") }
            </button>
        </form>
    }
}

impl super::super::Acted for ProcedureSettings {
    fn action(&self) -> Option<i64> {
        None
    }
}

#[derive(Properties, PartialEq)]
struct SettingsProps {
    settings: ProcedureSettings,
}

/// The visa's legal deadline and the days before the session (a setting each).
#[component]
fn SettingsForm(props: &SettingsProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let visa = use_state(|| props.settings.visa_deadline_days.to_string());
    let dispatch = use_state(|| props.settings.dispatch_days_before_session.to_string());
    let submit = {
        let (office, visa, dispatch) = (office.clone(), visa.clone(), dispatch.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = ProcedureSettings {
                visa_deadline_days: visa.trim().parse().unwrap_or(0),
                dispatch_days_before_session: dispatch.trim().parse().unwrap_or(0),
            };
            let token = office.token.clone();
            office.act(
                "office.proc.done.settings",
                async move {
                    office::send::<_, ProcedureSettings>(
                        "PUT",
                        &token,
                        "/api/procedure/settings",
                        Some(&body),
                    )
                    .await
                },
                |_| {},
            );
        })
    };
    html! {
        <form class="proc-form" data-test="proc-settings-form" onsubmit={submit}>
            <h3>{ lang.t("office.proc.form.settings") }</h3>
            <div class="row-fields">
                { number(lang, "office.proc.visa_deadline_days", "settings-visa", &visa) }
                { number(lang, "office.proc.dispatch_days", "settings-dispatch", &dispatch) }
            </div>
            <button type="submit" class="btn secondary" data-test="settings-save" disabled={office.busy}>
                { lang.t("office.save") }
            </button>
        </form>
    }
}

#[derive(Properties, PartialEq)]
pub struct EditStepProps {
    pub step: Step,
    pub onclose: Callback<()>,
}

/// Changes a recorded step's date, reference, note or signed document (its kind stays).
#[component]
pub fn EditStep(props: &EditStepProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let day = use_state(|| props.step.date.clone());
    let reference = use_state(|| props.step.reference.clone());
    let note = use_state(|| props.step.note.clone());
    let file = use_node_ref();
    let submit = {
        let (office, day, reference, note, file) = (
            office.clone(),
            day.clone(),
            reference.clone(),
            note.clone(),
            file.clone(),
        );
        let (step, onclose) = (props.step.clone(), props.onclose.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let mut body = super::input_of(&step);
            body.date = (*day).clone();
            body.reference = (*reference).clone();
            body.note = (*note).clone();
            let (token, id) = (office.token.clone(), step.id);
            let picked = picked(&file);
            let onclose = onclose.clone();
            office.act(
                "office.proc.done.step",
                async move {
                    if let Some(a) = attach(&token, picked).await? {
                        body.attachment_id = Some(a);
                    }
                    office::send::<_, StepDone>(
                        "PUT",
                        &token,
                        &format!("/api/procedure/steps/{id}"),
                        Some(&body),
                    )
                    .await
                },
                move |_| onclose.emit(()),
            );
        })
    };
    let cancel = {
        let onclose = props.onclose.clone();
        Callback::from(move |_: MouseEvent| onclose.emit(()))
    };
    html! {
        <form class="proc-form no-print" data-test="proc-edit-form" onsubmit={submit}>
            <div class="row-fields">
                { date(lang, "office.proc.date", "edit-date", &day) }
                { text(lang, "office.proc.reference", "edit-reference", &reference) }
                { file_field(lang, &file) }
            </div>
            { area(lang, "office.proc.note", "edit-note", &note) }
            <div class="proc-step-actions">
                <button type="submit" class="btn primary small" data-test="edit-save" disabled={office.busy}>
                    { lang.t("office.save") }
                </button>
                <button type="button" class="btn secondary small" onclick={cancel}>
                    { lang.t("office.proc.cancel") }
                </button>
            </div>
        </form>
    }
}
