//! The import of a year's execution from the commune's budget spreadsheet (issue 15, exec):
//! the template (XLSX, CSV), a file picker and the year of the lines without one; "check"
//! shows what would change (each record, its funders' amounts before and after, its status)
//! without writing, "import" writes it. A refused file lists every bad line with its column
//! and why. For those who record execution (`RecordExecution`).

use tachkhis_shared::api::execution::{
    AmountLine, ExecutionImportError, ExecutionImportErrorBody, ExecutionImportReport,
};
use tachkhis_shared::api::{ErrorBody, ErrorCode};
use wasm_bindgen::JsValue;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::{funding_text, status_label};
use crate::net::api::{self, Body};
use crate::net::json;
use crate::net::office::{self, ApiError};
use crate::pages::office::{ErrorNotice, money, use_office};
use crate::use_model;

/// What the import answered.
#[derive(Clone, PartialEq)]
enum Answer {
    Report(ExecutionImportReport),
    Lines(Vec<ExecutionImportError>),
    Failed(ApiError),
}

/// Sends the file; a refusal keeps each line's column (the office's upload would drop it).
async fn upload(token: &str, path: &str, file: JsValue) -> Answer {
    let Ok(response) = api::fetch("POST", path, Some(token), Body::Js(file)).await else {
        return Answer::Failed(ApiError::Offline);
    };
    let status = response.status();
    let text = api::read_text(&response).await.unwrap_or_default();
    match status {
        200..=299 => {
            json::from_str(&text).map_or(Answer::Failed(ApiError::Unreadable), Answer::Report)
        }
        401 => Answer::Failed(ApiError::Unauthorized),
        403 => Answer::Failed(ApiError::Forbidden),
        _ => match json::from_str::<ExecutionImportErrorBody>(&text) {
            Ok(body) => Answer::Lines(body.errors),
            Err(_) => Answer::Failed(ApiError::Refused {
                status,
                code: json::from_str::<ErrorBody>(&text)
                    .map(|b| b.error)
                    .unwrap_or(ErrorCode::Unknown(String::new())),
            }),
        },
    }
}

fn amounts(a: Option<&AmountLine>) -> Html {
    match a {
        Some(a) => html! {
            <>
                <td>{ money(Some(&a.programmed)) }</td>
                <td>{ money(Some(&a.committed)) }</td>
                <td>{ money(Some(&a.paid)) }</td>
            </>
        },
        None => {
            html! { <><td>{ money(None) }</td><td>{ money(None) }</td><td>{ money(None) }</td></> }
        }
    }
}

#[component]
pub fn ExecutionImportPage() -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let file = use_node_ref();
    let year = use_node_ref();
    let result = use_state(|| None::<Answer>);
    let busy = use_state(|| false);
    let download = |path: &'static str,
                    name: &'static str,
                    test: &'static str,
                    label: &'static str| {
        let office = office.clone();
        let onclick = Callback::from(move |_: MouseEvent| {
            let office = office.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = office::download(&office.token, path, name).await {
                    office.failed(e);
                }
            });
        });
        html! { <button type="button" class="btn secondary small" data-test={test} {onclick}>{ label }</button> }
    };
    let run = |dry_run: bool| {
        let (office, file, year, result, busy) = (
            office.clone(),
            file.clone(),
            year.clone(),
            result.clone(),
            busy.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let Some(picked) = file
                .cast::<HtmlInputElement>()
                .and_then(|i| i.files())
                .and_then(|f| f.get(0))
            else {
                return;
            };
            let year = year
                .cast::<HtmlInputElement>()
                .map(|i| i.value().trim().to_string())
                .unwrap_or_default();
            let mut path = String::from("/api/execution/import?");
            if dry_run {
                path.push_str("dry_run=1&");
            }
            if !year.is_empty() {
                path.push_str(&format!("year={year}"));
            }
            let (office, result, busy) = (office.clone(), result.clone(), busy.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let r = upload(&office.token, &path, JsValue::from(picked)).await;
                busy.set(false);
                if matches!(r, Answer::Report(_)) && !dry_run {
                    office.done("office.execution_import.imported");
                }
                result.set(Some(r));
            });
        })
    };
    // Import is offered once the file was checked (and again after a change of file).
    let checked = matches!(&*result, Some(Answer::Report(r)) if r.dry_run);
    let onchange = {
        let result = result.clone();
        Callback::from(move |_: Event| result.set(None))
    };
    let shown = match &*result {
        None => html! {},
        Some(Answer::Failed(e)) => html! { <ErrorNotice error={e.clone()} /> },
        Some(Answer::Lines(lines)) => html! {
            <div class="notice warn" role="alert" data-test="office-error">
                <p>{ lang.t("office.error.bad_import") }</p>
                <table class="grid" data-test="import-errors">
                    <thead><tr>
                        <th>{ lang.t("office.execution_import.line") }</th>
                        <th>{ lang.t("office.execution_import.column") }</th>
                        <th>{ lang.t("office.execution_import.why") }</th>
                    </tr></thead>
                    <tbody>
                        { for lines.iter().map(|e| html! {
                            <tr data-test="import-error">
                                <td class="num">{ e.line }</td>
                                <td dir="auto">{ &e.column }</td>
                                <td dir="auto">{ &e.reason }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        },
        Some(Answer::Report(r)) => {
            let changed = r.records.iter().filter(|c| !c.unchanged).count();
            let count = changed.to_string();
            let same = (r.records.len() - changed).to_string();
            let args = [("count", count.as_str()), ("same", same.as_str())];
            // Amounts "before" only when a record existed.
            let any_before = r.records.iter().any(|c| c.existed);
            let rows = r.records.iter().flat_map(|c| {
                let status = match &c.status_before {
                    Some(b) if *b != c.status => {
                        format!("{} ← {}", status_label(lang, &c.status), status_label(lang, b))
                    }
                    _ => status_label(lang, &c.status),
                };
                let what = lang.t(if c.unchanged {
                    "office.execution_import.unchanged"
                } else if c.existed {
                    "office.execution_import.updated"
                } else {
                    "office.execution_import.created"
                });
                let funding: Vec<String> = c.funding.iter().map(|f| funding_text(lang, f)).collect();
                let span = c.amounts.len().max(1).to_string();
                let head = html! {
                    <>
                        <td rowspan={span.clone()}>{ c.project_number }{ " " }<span dir="auto">{ &c.title_ar }</span></td>
                        <td rowspan={span.clone()} class="num">{ c.year }</td>
                        <td rowspan={span.clone()}>{ what }</td>
                        <td rowspan={span.clone()}>{ status }</td>
                        <td rowspan={span}>{ funding.join(" + ") }</td>
                    </>
                };
                let mut out = Vec::new();
                for (i, a) in c.amounts.iter().enumerate() {
                    out.push(html! {
                        <tr data-test="import-record" data-project={c.project_number.to_string()}>
                            if i == 0 { { head.clone() } }
                            <td dir="auto">{ lang.pick(&a.funder_ar, &a.funder_fr) }</td>
                            if any_before { { amounts(a.before.as_ref()) } }
                            { amounts(Some(&a.after)) }
                        </tr>
                    });
                }
                if out.is_empty() {
                    out.push(html! { <tr data-test="import-record">{ head }<td colspan="7"></td></tr> });
                }
                out
            });
            html! {
                <div class="notice info" data-test="execution-import-report" data-dry-run={r.dry_run.to_string()}>
                    <p>{ lang.tf(if r.dry_run { "office.execution_import.would" } else { "office.execution_import.did" }, &args) }</p>
                    <div class="table-wrap">
                        <table class="grid">
                            <thead>
                                <tr>
                                    <th rowspan="2">{ lang.t("office.execution_import.project") }</th>
                                    <th rowspan="2">{ lang.t("office.execution.year") }</th>
                                    <th rowspan="2">{ lang.t("office.execution_import.change") }</th>
                                    <th rowspan="2">{ lang.t("office.execution_import.status") }</th>
                                    <th rowspan="2">{ lang.t("office.execution.funding") }</th>
                                    <th rowspan="2">{ lang.t("office.execution.funder") }</th>
                                    if any_before {
                                        <th colspan="3">{ lang.t("office.execution_import.before") }</th>
                                    }
                                    <th colspan="3">{ lang.t(if any_before { "office.execution_import.after" } else { "office.execution_import.amounts" }) }</th>
                                </tr>
                                <tr>
                                    if any_before {
                                        <th>{ lang.t("office.execution_import.programmed") }</th>
                                        <th>{ lang.t("office.execution_import.committed") }</th>
                                        <th>{ lang.t("office.execution_import.paid") }</th>
                                    }
                                    <th>{ lang.t("office.execution_import.programmed") }</th>
                                    <th>{ lang.t("office.execution_import.committed") }</th>
                                    <th>{ lang.t("office.execution_import.paid") }</th>
                                </tr>
                            </thead>
                            <tbody>{ for rows }</tbody>
                        </table>
                    </div>
                    if !r.ignored_columns.is_empty() {
                        <p class="sub">{ lang.tf("office.territory.ignored", &[("columns", &r.ignored_columns.join("، "))]) }</p>
                    }
                </div>
            }
        }
    };
    html! {
        <section class="import execution-import" data-test="execution-import">
            <h1>{ lang.t("office.execution_import.title") }</h1>
            <p class="sub">{ lang.t("office.execution_import.hint") }</p>
            <div class="toolbar">
                <span class="export">
                    <span>{ lang.t("office.execution_import.template") }</span>
                    { download("/api/execution/import/template?format=xlsx", "execution-template.xlsx", "execution-template-xlsx", "XLSX") }
                    { download("/api/execution/import/template?format=csv", "execution-template.csv", "execution-template-csv", "CSV") }
                </span>
            </div>
            <div class="inline-action">
                <label>
                    { lang.t("office.execution_import.year") }{ " " }
                    <input type="number" ref={year.clone()} min="2000" max="2100" dir="ltr" data-test="execution-import-year" />
                </label>
                <input type="file" ref={file.clone()} data-test="execution-import-file" {onchange}
                    aria-label={lang.t("office.execution_import.file")}
                    accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" />
                <button type="button" class="btn secondary small" data-test="execution-import-check" disabled={*busy} onclick={run(true)}>{ lang.t("office.import.check") }</button>
                if checked {
                    <button type="button" class="btn primary small" data-test="execution-import-run" disabled={*busy} onclick={run(false)}>{ lang.t("office.execution_import.confirm") }</button>
                }
            </div>
            { shown }
        </section>
    }
}
