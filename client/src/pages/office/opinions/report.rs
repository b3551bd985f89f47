//! A body's report (`/office/opinions/report/{id}`): its opinion on the programme, then on the
//! projects in programme order, each reservation with the office's answer, and the chair's
//! signature line. One page for the screen and for print (the print CSS drops the bars and
//! buttons), right to left in Arabic, like the gender report.

use tachkhis_shared::api::opinions::{BodyReport, Opinion};
use yew::prelude::*;

use super::{body_name, outcome_key, verdict_key, verdict_tag};
use crate::i18n::Lang;
use crate::pages::office::{Link, LoadNotice, use_get};
use crate::route::Route;
use crate::use_model;
use crate::widgets::show_date;

fn answer_cell(lang: Lang, o: &Opinion) -> Html {
    match &o.answer {
        Some(a) => html! {
            <>
                <strong>{ lang.t(outcome_key(&a.outcome)) }</strong>
                <p class="text" dir="auto">{ &a.text }</p>
            </>
        },
        None if o.verdict.needs_answer() => {
            html! { <span class="tag warn">{ lang.t("office.opinions.awaits_answer") }</span> }
        }
        None => html! { <span class="muted">{ "—" }</span> },
    }
}

#[derive(Properties, PartialEq)]
pub struct ReportPageProps {
    pub id: i64,
}

#[component]
pub fn ReportPage(props: &ReportPageProps) -> Html {
    let (_, lang) = use_model();
    let report = use_get::<BodyReport>(Some(format!("/api/bodies/{}/report", props.id)));
    let print = Callback::from(|_: MouseEvent| {
        if let Some(w) = web_sys::window() {
            let _ = w.print();
        }
    });
    let body = report.data.as_ref().map(|r| {
        let o = &r.opinions;
        let chair = o.body.members.iter().find(|m| m.chair);
        let programme = match &o.programme {
            Some(p) => html! {
                <div class="report-programme" data-test="report-programme">
                    <div class="opinion-head">{ verdict_tag(lang, &p.verdict) }<span class="sub" dir="ltr">{ show_date(&p.date) }</span></div>
                    if !p.text.is_empty() { <p class="text" dir="auto">{ &p.text }</p> }
                    if p.verdict.needs_answer() {
                        <div class="answer">{ answer_cell(lang, p) }</div>
                    }
                </div>
            },
            None => html! { <p class="muted">{ lang.t("office.opinions.none") }</p> },
        };
        html! {
            <>
                <h1 data-test="report-title">{ lang.tf("office.opinions.report_title", &[("body", &body_name(lang, &o.body))]) }</h1>
                <p class="sub" data-test="report-version">{ lang.tf(
                    if r.version.is_draft() { "office.opinions.on_draft" } else { "office.opinions.on_frozen" },
                    &[("number", &r.version.number.to_string())]) }</p>
                if r.illustrative {
                    <p class="notice illustrative" data-test="illustrative">{ lang.t("office.opinions.illustrative") }</p>
                }
                <p data-test="report-counts">{ lang.tf("office.opinions.counts", &[
                    ("favourable", &r.favourable.to_string()),
                    ("reservations", &r.reservations.to_string()),
                    ("unfavourable", &r.unfavourable.to_string()),
                    ("answered", &r.answered.to_string()),
                ]) }</p>
                <section class="report-part">
                    <h2>{ lang.t("office.opinions.on_programme") }</h2>
                    { programme }
                </section>
                <section class="report-part">
                    <h2>{ lang.t("office.opinions.on_projects") }</h2>
                    if o.projects.is_empty() {
                        <p class="muted">{ lang.t("office.opinions.none") }</p>
                    } else {
                        <table class="grid compact report-table" data-test="report-projects">
                            <thead><tr>
                                <th>{ lang.t("office.gender.number") }</th>
                                <th>{ lang.t("office.gender.project") }</th>
                                <th>{ lang.t("office.opinions.verdict") }</th>
                                <th>{ lang.t("office.opinions.col_text") }</th>
                                <th>{ lang.t("office.opinions.date") }</th>
                                <th>{ lang.t("office.opinions.answer") }</th>
                            </tr></thead>
                            <tbody>
                                { for o.projects.iter().map(|p| html! {
                                    <tr data-test="report-row" data-number={p.project_number.map(|n| n.to_string()).unwrap_or_default()}>
                                        <td class="num">{ p.project_number.map(|n| n.to_string()).unwrap_or_default() }</td>
                                        <td class="text">
                                            if let Some(id) = p.project_id {
                                                <Link to={Route::OfficeProject { id: Some(id) }}><span dir="auto">{ p.project_title.clone().unwrap_or_default() }</span></Link>
                                            } else {
                                                <span dir="auto">{ p.project_title.clone().unwrap_or_default() }</span>
                                            }
                                        </td>
                                        <td>{ lang.t(verdict_key(&p.verdict)) }</td>
                                        <td class="text" dir="auto">{ &p.text }</td>
                                        <td class="num" dir="ltr">{ show_date(&p.date) }</td>
                                        <td class="text">{ answer_cell(lang, p) }</td>
                                    </tr>
                                }) }
                            </tbody>
                        </table>
                    }
                </section>
                <section class="report-part signature">
                    <p>{ lang.t("office.opinions.chair_signs") }{ ": " }
                        <span dir="auto">{ chair.map(|m| m.display_name.clone().unwrap_or_else(|| m.username.clone())).unwrap_or_default() }</span>
                    </p>
                    <p class="signature-line">{ lang.t("office.opinions.signature") }</p>
                </section>
            </>
        }
    });
    html! {
        <section class="office-page reports-page opinion-report" data-test="opinion-report">
            <div class="page-head no-print">
                <Link to={Route::OfficeOpinions} class={classes!("btn", "secondary", "small")}>{ lang.t("office.opinions.title") }</Link>
                <button type="button" class="btn secondary small" data-test="print" onclick={print}>
                    { lang.t("office.reports.print") }
                </button>
            </div>
            <LoadNotice loading={report.loading} error={report.error.clone()} has_data={report.data.is_some()} />
            { for body }
        </section>
    }
}
