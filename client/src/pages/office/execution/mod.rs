//! A project's execution (issue 15, exec): where it stands (current status, financial progress
//! paid against cost, physical progress per indicator, kept apart), its records per year (the
//! amounts per funder, funding, status and reason, dates, an amount exception's reason), the
//! agreements, documents, timeline and indicator values; and, for those who may record
//! execution (`RecordExecution`), the form that records or corrects a year. Read-only
//! otherwise. The server names every refused field in words; the shell shows its message.

pub mod agreements;
pub mod import;

use tachkhis_shared::api::execution::{
    AmountLine, ExecutionRecord, ExecutionRecordInput, FundingLine, ProjectExecution,
};
use tachkhis_shared::codes::{ExecutionStatus, FundingKind};
use tachkhis_shared::money::{Mad, parse_mad};
use tachkhis_shared::permissions::Action;
use yew::prelude::*;

use super::{ErrorNotice, Link, money, select_value, use_get, use_office};
use crate::i18n::Lang;
use crate::net::office;
use crate::route::Route;
use crate::use_model;
use crate::widgets::{input_value, parse_date_input, show_date};

#[derive(Properties, PartialEq)]
pub struct ExecutionPanelProps {
    pub project_id: i64,
}

fn status_label(lang: Lang, s: &ExecutionStatus) -> String {
    let l = s.labels();
    lang.pick(&l.ar, &l.fr).to_string()
}

fn funding_text(lang: Lang, f: &FundingLine) -> String {
    let l = f.kind.labels();
    let kind = lang.pick(&l.ar, &l.fr).to_string();
    match (f.budget_year, f.label.is_empty()) {
        (Some(y), _) => format!("{kind} {y}"),
        (None, false) => format!("{kind}: {}", f.label),
        (None, true) => kind,
    }
}

fn date_cell(d: &Option<String>) -> String {
    d.as_deref().map(show_date).unwrap_or_default()
}

/// The form as typed: amounts and dates stay text until saved.
#[derive(Clone, PartialEq)]
struct Form {
    year: String,
    status: String,
    reason: String,
    programmed: String,
    committed: String,
    paid: String,
    kind: String,
    budget_year: String,
    exception: String,
    start: String,
    end: String,
}

impl Form {
    fn new(year: i32) -> Form {
        Form {
            year: year.to_string(),
            status: "planned".into(),
            reason: String::new(),
            programmed: String::new(),
            committed: String::new(),
            paid: String::new(),
            kind: "budget".into(),
            budget_year: year.to_string(),
            exception: String::new(),
            start: String::new(),
            end: String::new(),
        }
    }

    /// The input to send, or the catalogue key of the first field that does not read.
    fn finish(&self, keep: Option<&ExecutionRecord>) -> Result<ExecutionRecordInput, &'static str> {
        let year: i32 = self
            .year
            .trim()
            .parse()
            .map_err(|_| "office.execution.year")?;
        let amount = |s: &str, key: &'static str| -> Result<Mad, &'static str> {
            if s.trim().is_empty() {
                Ok(Mad::zero())
            } else {
                parse_mad(s).map_err(|_| key)
            }
        };
        let programmed = amount(&self.programmed, "office.execution.programmed")?;
        let committed = amount(&self.committed, "office.execution.committed")?;
        let paid = amount(&self.paid, "office.execution.paid")?;
        let date = |s: &str, key: &'static str| -> Result<Option<String>, &'static str> {
            if s.trim().is_empty() {
                Ok(None)
            } else {
                parse_date_input(s).map(Some).ok_or(key)
            }
        };
        let budget_year = if self.budget_year.trim().is_empty() {
            None
        } else {
            Some(
                self.budget_year
                    .trim()
                    .parse()
                    .map_err(|_| "office.execution.budget_year")?,
            )
        };
        // The partners' lines of a record being corrected stay as they are.
        let mut amounts = vec![AmountLine {
            partner_id: None,
            programmed,
            committed,
            paid,
        }];
        if let Some(r) = keep {
            amounts.extend(
                r.input
                    .amounts
                    .iter()
                    .filter(|a| a.partner_id.is_some())
                    .cloned(),
            );
        }
        Ok(ExecutionRecordInput {
            year,
            status: ExecutionStatus::parse(&self.status),
            status_reason: self.reason.trim().to_string(),
            amount_exception: Some(self.exception.trim().to_string()).filter(|e| !e.is_empty()),
            start_date: date(&self.start, "office.execution.start")?,
            end_date: date(&self.end, "office.execution.end")?,
            provisional_reception: keep.and_then(|r| r.input.provisional_reception.clone()),
            final_reception: keep.and_then(|r| r.input.final_reception.clone()),
            note: keep.map(|r| r.input.note.clone()).unwrap_or_default(),
            amounts,
            funding: vec![FundingLine {
                kind: FundingKind::parse(&self.kind),
                budget_year,
                agreement_id: None,
                label: String::new(),
                amount: None,
            }],
        })
    }
}

#[component]
pub fn ExecutionPanel(props: &ExecutionPanelProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let id = props.project_id;
    let data = use_get::<ProjectExecution>(Some(format!("/api/projects/{id}/execution")));
    let form = use_state(|| Form::new(2026));
    let bad = use_state(|| None::<&'static str>);
    let writer = office.can(Action::RecordExecution);
    let Some(p) = data.data.clone() else {
        return html! {
            <section class="execution" id="execution" data-test="execution">
                <h2>{ lang.t("office.execution.title") }</h2>
                if let Some(e) = data.error.clone() { <ErrorNotice error={e} /> }
            </section>
        };
    };
    let progress = &p.progress;
    let current = match &progress.status {
        Some(s) => format!("{} ({})", status_label(lang, &s.status), s.year),
        None => lang.t("office.execution.none").to_string(),
    };
    let financial = progress
        .financial_percent
        .map(|q| format!("{} %", q.format_fr()))
        .unwrap_or_else(|| "—".into());
    let rows = p.records.iter().map(|r| {
        let i = &r.input;
        let funders = i.amounts.iter().map(|a| {
            let who = match a.partner_id {
                None => lang.t("office.execution.commune").to_string(),
                Some(pid) => format!("{} {pid}", lang.t("office.execution.partner")),
            };
            html! {
                <tr data-test="execution-amount">
                    <td>{ who }</td>
                    <td class="num">{ money(Some(&a.programmed)) }</td>
                    <td class="num">{ money(Some(&a.committed)) }</td>
                    <td class="num">{ money(Some(&a.paid)) }</td>
                </tr>
            }
        });
        let edit = writer.then(|| {
            let (form, r) = (form.clone(), r.clone());
            let onclick = Callback::from(move |_: MouseEvent| {
                let i = &r.input;
                let commune = i.amounts.iter().find(|a| a.partner_id.is_none());
                let show = |m: Option<Mad>| m.map(|m| m.format_fr()).unwrap_or_default();
                let first = i.funding.first();
                form.set(Form {
                    year: i.year.to_string(),
                    status: i.status.code().to_string(),
                    reason: i.status_reason.clone(),
                    programmed: show(commune.map(|a| a.programmed)),
                    committed: show(commune.map(|a| a.committed)),
                    paid: show(commune.map(|a| a.paid)),
                    kind: first.map(|f| f.kind.code().to_string()).unwrap_or_else(|| "budget".into()),
                    budget_year: first.and_then(|f| f.budget_year).map(|y| y.to_string()).unwrap_or_default(),
                    exception: i.amount_exception.clone().unwrap_or_default(),
                    start: date_cell(&i.start_date),
                    end: date_cell(&i.end_date),
                });
            });
            html! { <button type="button" class="btn secondary small" data-test="execution-edit" {onclick}>{ lang.t("office.edit") }</button> }
        });
        html! {
            <article class="execution-year" data-test="execution-record" data-year={i.year.to_string()}
                data-status={i.status.code().to_string()}>
                <h3>
                    { i.year }{ " — " }{ status_label(lang, &i.status) }
                    if r.illustrative { <span class="tag">{ lang.t("office.indicators.illustrative") }</span> }
                    { for edit }
                </h3>
                if !i.status_reason.is_empty() {
                    <p data-test="execution-reason"><strong>{ lang.t("office.execution.reason") }{ ": " }</strong><span dir="auto">{ &i.status_reason }</span></p>
                }
                if let Some(e) = &i.amount_exception {
                    <p class="notice warn" data-test="execution-exception"><strong>{ lang.t("office.execution.exception") }{ ": " }</strong><span dir="auto">{ e }</span></p>
                }
                <p data-test="execution-funding">
                    <strong>{ lang.t("office.execution.funding") }{ ": " }</strong>
                    { i.funding.iter().map(|f| funding_text(lang, f)).collect::<Vec<_>>().join(" + ") }
                </p>
                if !i.amounts.is_empty() {
                    <table class="grid">
                        <thead><tr>
                            <th>{ lang.t("office.execution.funder") }</th>
                            <th class="num">{ lang.t("office.execution.programmed") }</th>
                            <th class="num">{ lang.t("office.execution.committed") }</th>
                            <th class="num">{ lang.t("office.execution.paid") }</th>
                        </tr></thead>
                        <tbody>{ for funders }</tbody>
                    </table>
                }
                if i.start_date.is_some() || i.end_date.is_some() {
                    <p class="sub">{ lang.t("office.execution.start") }{ " " }{ date_cell(&i.start_date) }{ " · " }{ lang.t("office.execution.end") }{ " " }{ date_cell(&i.end_date) }</p>
                }
            </article>
        }
    });
    let save = {
        let (form, bad, office) = (form.clone(), bad.clone(), office.clone());
        let records = p.records.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let year: Option<i32> = form.year.trim().parse().ok();
            let existing = records.iter().find(|r| Some(r.input.year) == year).cloned();
            let input = match form.finish(existing.as_ref()) {
                Ok(i) => i,
                Err(key) => {
                    bad.set(Some(key));
                    return;
                }
            };
            bad.set(None);
            let token = office.token.clone();
            office.act(
                "office.execution.saved",
                async move {
                    match existing {
                        Some(r) => office::send::<_, serde::de::IgnoredAny>(
                            "PUT",
                            &token,
                            &format!("/api/execution/{}", r.id),
                            Some(&input),
                        )
                        .await
                        .map(drop),
                        None => office::send::<_, serde::de::IgnoredAny>(
                            "POST",
                            &token,
                            &format!("/api/projects/{id}/execution"),
                            Some(&input),
                        )
                        .await
                        .map(drop),
                    }
                },
                |()| {},
            );
        })
    };
    let field = |key: &'static str,
                 test: &'static str,
                 value: &str,
                 apply: fn(&mut Form, String)| {
        let form = form.clone();
        let oninput = Callback::from(move |e: InputEvent| {
            let mut next = (*form).clone();
            apply(&mut next, input_value(&e));
            form.set(next);
        });
        html! {
            <label class="field">
                <span>{ lang.t(key) }</span>
                <input type="text" dir="auto" data-test={test} value={value.to_string()} {oninput} />
            </label>
        }
    };
    let on_status = {
        let form = form.clone();
        Callback::from(move |e: Event| {
            let mut next = (*form).clone();
            next.status = select_value(&e);
            form.set(next);
        })
    };
    let on_kind = {
        let form = form.clone();
        Callback::from(move |e: Event| {
            let mut next = (*form).clone();
            next.kind = select_value(&e);
            form.set(next);
        })
    };
    let f = (*form).clone();
    html! {
        <section class="execution" id="execution" data-test="execution">
            <div class="page-head">
                <h2>{ lang.t("office.execution.title") }</h2>
            </div>
            <dl class="execution-summary">
                <dt>{ lang.t("office.col.status") }</dt>
                <dd data-test="execution-current">{ current }</dd>
                <dt>{ lang.t("office.execution.financial") }</dt>
                <dd data-test="execution-financial" dir="ltr">{ financial }</dd>
                <dt>{ lang.t("office.execution.paid") }</dt>
                <dd>{ money(Some(&progress.paid)) }{ " / " }{ money(progress.cost.as_ref()) }</dd>
            </dl>
            if !progress.indicators.is_empty() {
                <ul class="physical" data-test="execution-physical">
                    { for progress.indicators.iter().map(|i| html! {
                        <li>
                            <span dir="auto">{ lang.pick(&i.label_ar, &i.label_fr) }</span>{ ": " }
                            <span dir="ltr">{ i.reached.map(|q| q.format_fr()).unwrap_or_else(|| "—".into()) }{ " / " }{ i.target.map(|q| q.format_fr()).unwrap_or_else(|| "—".into()) }{ " " }{ &i.unit }</span>
                            if let Some(pc) = i.percent { <span class="sub" dir="ltr">{ format!(" ({} %)", pc.format_fr()) }</span> }
                        </li>
                    }) }
                </ul>
            }
            if p.records.is_empty() {
                <p class="muted" data-test="execution-empty">{ lang.t("office.execution.none") }</p>
            }
            { for rows }
            if !p.agreements.is_empty() {
                <h3>{ lang.t("office.execution.agreements") }</h3>
                <ul data-test="execution-agreements">
                    { for p.agreements.iter().map(|a| html! {
                        <li dir="auto">{ lang.pick(&a.partner_name_ar, &a.partner_name_fr) }{ " — " }{ lang.pick(&a.input.object_ar, &a.input.object_fr) }
                            if let Some(d) = &a.input.signed_on { { " (" }{ show_date(d) }{ ")" } }</li>
                    }) }
                </ul>
            }
            <p><Link to={Route::OfficeAgreements} test={AttrValue::from("agreements-link")}>{ lang.t("office.agreements.manage") }</Link></p>
            if !p.documents.is_empty() {
                <h3>{ lang.t("office.execution.documents") }</h3>
                <ul data-test="execution-documents">
                    { for p.documents.iter().map(|d| html! {
                        <li dir="auto">{ d.input.kind.code() }{ " " }{ &d.input.number }{ " " }{ date_cell(&d.input.dated) }</li>
                    }) }
                </ul>
            }
            if !p.timeline.is_empty() {
                <h3>{ lang.t("office.execution.timeline") }</h3>
                <ol class="timeline" data-test="execution-timeline">
                    { for p.timeline.iter().map(|t| html! {
                        <li><span dir="ltr">{ show_date(&t.input.happened_on) }</span>{ " — " }<span dir="auto">{ lang.pick(&t.input.text_ar, if t.input.text_fr.is_empty() { &t.input.text_ar } else { &t.input.text_fr }) }</span></li>
                    }) }
                </ol>
            }
            if writer {
                <p><Link to={Route::OfficeExecutionImport} test={AttrValue::from("execution-import-link")}>{ lang.t("office.execution.import_link") }</Link></p>
                <form class="sheet execution-form" data-test="execution-form" onsubmit={save}>
                    <fieldset class="sheet-part">
                        <legend>{ lang.t("office.execution.record") }</legend>
                        { field("office.execution.year", "execution-year", &f.year, |f, v| f.year = v) }
                        <label class="field">
                            <span>{ lang.t("office.col.status") }</span>
                            <select data-test="execution-status" onchange={on_status}>
                                { for ExecutionStatus::ALL.iter().map(|s| html! {
                                    <option value={s.code().to_string()} selected={s.code() == f.status}>{ status_label(lang, s) }</option>
                                }) }
                            </select>
                        </label>
                        { field("office.execution.reason", "execution-reason-input", &f.reason, |f, v| f.reason = v) }
                        { field("office.execution.programmed", "execution-programmed", &f.programmed, |f, v| f.programmed = v) }
                        { field("office.execution.committed", "execution-committed", &f.committed, |f, v| f.committed = v) }
                        { field("office.execution.paid", "execution-paid", &f.paid, |f, v| f.paid = v) }
                        <label class="field">
                            <span>{ lang.t("office.execution.funding") }</span>
                            <select data-test="execution-kind" onchange={on_kind}>
                                { for FundingKind::ALL.iter().filter(|k| !matches!(k, FundingKind::PartnerAgreement | FundingKind::Other)).map(|k| {
                                    let l = k.labels();
                                    html! { <option value={k.code().to_string()} selected={k.code() == f.kind}>{ lang.pick(&l.ar, &l.fr).to_string() }</option> }
                                }) }
                            </select>
                        </label>
                        { field("office.execution.budget_year", "execution-budget-year", &f.budget_year, |f, v| f.budget_year = v) }
                        { field("office.execution.start", "execution-start", &f.start, |f, v| f.start = v) }
                        { field("office.execution.end", "execution-end", &f.end, |f, v| f.end = v) }
                        { field("office.execution.exception", "execution-exception-input", &f.exception, |f, v| f.exception = v) }
                    </fieldset>
                    if let Some(key) = *bad {
                        <p class="notice warn" role="alert" data-test="execution-bad">{ lang.t("office.execution.unreadable") }{ " " }{ lang.t(key) }</p>
                    }
                    <div class="dialog-actions">
                        <button type="submit" class="btn primary small" data-test="execution-save" disabled={office.busy}>{ lang.t("office.save") }</button>
                    </div>
                </form>
            }
        </section>
    }
}
