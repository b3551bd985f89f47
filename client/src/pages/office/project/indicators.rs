//! The project's indicators (monitoring system, issue 13): the table (kind, label, unit,
//! baseline, a target per year of the programme, source), and for the office the form to add
//! or edit one, the order arrows, removal and the indicators file (template, export, import
//! checked first, bad lines named). Values stay as typed until saved; the form reads them with
//! the server's own `parse_quantity`, so a value the server would refuse is marked here first.

use tachkhis_shared::api::monitoring::{
    Indicator, IndicatorImportReport, IndicatorInput, IndicatorOrder, ProjectIndicators,
    TargetInput, parse_quantity,
};
use tachkhis_shared::codes::IndicatorKind;
use tachkhis_shared::permissions::Action;
use wasm_bindgen::JsValue;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::i18n::Lang;
use crate::net::office::{self, ApiError};
use crate::pages::office::{ErrorNotice, Office, select_value, use_get, use_office};
use crate::use_model;
use crate::widgets::input_value;

#[derive(Properties, PartialEq)]
pub struct IndicatorsPanelProps {
    pub project_id: i64,
}

/// The form as typed: a new indicator (`id` None) or an edit.
#[derive(Clone, PartialEq, Default)]
struct Form {
    id: Option<i64>,
    input: IndicatorInput,
    /// The indicator has no kind yet (carried over from the old free-text field).
    unclassified: bool,
    /// The first save attempt was made: show what is missing.
    tried: bool,
}

impl Form {
    fn of(i: &Indicator) -> Form {
        Form {
            id: Some(i.id),
            input: IndicatorInput {
                kind: i.kind.clone(),
                label_ar: i.label_ar.clone(),
                label_fr: i.label_fr.clone(),
                unit: i.unit.clone(),
                baseline_value: i.baseline_value.map(|q| q.format_fr()).unwrap_or_default(),
                baseline_year: i.baseline_year,
                targets: i
                    .targets
                    .iter()
                    .map(|t| TargetInput {
                        year: t.year,
                        value: t.value.format_fr(),
                    })
                    .collect(),
                source: i.source.clone(),
            },
            unclassified: i.kind.is_none(),
            tried: false,
        }
    }

    fn target(&self, year: i32) -> String {
        self.input
            .targets
            .iter()
            .find(|t| t.year == year)
            .map(|t| t.value.clone())
            .unwrap_or_default()
    }

    fn set_target(&mut self, year: i32, value: String) {
        self.input.targets.retain(|t| t.year != year);
        self.input.targets.push(TargetInput { year, value });
        self.input.targets.sort_by_key(|t| t.year);
    }

    fn bad_value(text: &str) -> bool {
        !text.trim().is_empty() && parse_quantity(text).is_err()
    }

    /// What stops a save: the catalogue keys of the fields to fix.
    fn problems(&self) -> Vec<&'static str> {
        let mut p = Vec::new();
        if self.input.kind.is_none() && !self.unclassified {
            p.push("office.indicators.kind");
        }
        if self.input.label_ar.trim().is_empty() {
            p.push("office.indicators.label_ar");
        }
        if Self::bad_value(&self.input.baseline_value) {
            p.push("office.indicators.baseline");
        }
        if self.input.targets.iter().any(|t| Self::bad_value(&t.value)) {
            p.push("office.indicators.targets");
        }
        p
    }
}

fn kind_label(lang: Lang, kind: Option<&IndicatorKind>) -> &'static str {
    lang.t(match kind {
        Some(IndicatorKind::Output) => "office.indicators.output",
        Some(IndicatorKind::Result) => "office.indicators.result",
        Some(IndicatorKind::Unknown(_)) | None => "office.indicators.unclassified",
    })
}

/// The target columns: the programme's years, and any other year a target has.
fn years_of(p: &ProjectIndicators) -> Vec<i32> {
    let mut years = p.years.clone();
    for i in &p.indicators {
        years.extend(i.targets.iter().map(|t| t.year));
    }
    years.sort_unstable();
    years.dedup();
    years
}

#[component]
pub fn IndicatorsPanel(props: &IndicatorsPanelProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let id = props.project_id;
    let data = use_get::<ProjectIndicators>(Some(format!("/api/projects/{id}/indicators")));
    let form = use_state(|| None::<Form>);
    let editor = office.can(Action::EditProgramme);
    let Some(p) = data.data.clone() else {
        return html! {
            <section class="indicators" data-test="indicators">
                <h2>{ lang.t("office.indicators.title") }</h2>
                if let Some(e) = data.error.clone() { <ErrorNotice error={e} /> }
            </section>
        };
    };
    let years = years_of(&p);
    let ids: Vec<i64> = p.indicators.iter().map(|i| i.id).collect();
    let rows = p.indicators.iter().enumerate().map(|(n, i)| {
        let targets = years.iter().map(|y| {
            let v = i.targets.iter().find(|t| t.year == *y).map(|t| t.value.format_fr());
            html! { <td class="num" data-test={format!("target-{y}")}>{ v.unwrap_or_default() }</td> }
        });
        let baseline = match (i.baseline_value, i.baseline_year) {
            (Some(v), Some(y)) => format!("{} ({y})", v.format_fr()),
            (Some(v), None) => v.format_fr(),
            (None, Some(y)) => format!("– ({y})"),
            (None, None) => String::new(),
        };
        let actions = editor.then(|| {
            let edit = {
                let (form, i) = (form.clone(), i.clone());
                Callback::from(move |_: MouseEvent| form.set(Some(Form::of(&i))))
            };
            let mv = |delta: isize| {
                let mut order = ids.clone();
                let to = n as isize + delta;
                if to < 0 || to as usize >= order.len() {
                    return None;
                }
                order.swap(n, to as usize);
                let office = office.clone();
                Some(Callback::from(move |_: MouseEvent| {
                    let (token, order) = (office.token.clone(), order.clone());
                    office.act(
                        "office.indicators.saved",
                        async move {
                            let path = format!("/api/projects/{id}/indicators/order");
                            office::send::<_, serde::de::IgnoredAny>("PUT", &token, &path, Some(&IndicatorOrder { ids: order }))
                                .await
                                .map(drop)
                        },
                        |_| {},
                    );
                }))
            };
            let remove = remove_callback(&office, lang, i.id);
            html! {
                <td class="actions"><div class="row-actions">
                    <button type="button" class="btn secondary small" data-test="indicator-edit" onclick={edit}>{ lang.t("office.edit") }</button>
                    if let Some(up) = mv(-1) {
                        <button type="button" class="btn secondary small" aria-label={lang.t("office.indicators.up")} data-test="indicator-up" onclick={up}>{ "↑" }</button>
                    }
                    if let Some(down) = mv(1) {
                        <button type="button" class="btn secondary small" aria-label={lang.t("office.indicators.down")} data-test="indicator-down" onclick={down}>{ "↓" }</button>
                    }
                    <button type="button" class="btn danger-quiet small" data-test="indicator-remove" onclick={remove}>{ lang.t("office.indicators.remove") }</button>
                </div></td>
            }
        });
        html! {
            <tr data-test="indicator-row" data-id={i.id.to_string()}>
                <td data-test="indicator-kind">{ kind_label(lang, i.kind.as_ref()) }</td>
                <td>
                    <span dir="auto" data-test="indicator-label">{ &i.label_ar }</span>
                    if !i.label_fr.is_empty() { <span class="sub" dir="ltr">{ &i.label_fr }</span> }
                    if i.illustrative { <span class="tag" data-test="indicator-illustrative">{ lang.t("office.indicators.illustrative") }</span> }
                </td>
                <td dir="auto">{ &i.unit }</td>
                <td class="num">{ baseline }</td>
                { for targets }
                <td dir="auto" class="source">{ &i.source }</td>
                { for actions }
            </tr>
        }
    });
    let add = {
        let form = form.clone();
        Callback::from(move |_: MouseEvent| form.set(Some(Form::default())))
    };
    html! {
        <section class="indicators" data-test="indicators">
            <div class="page-head">
                <h2>{ lang.t("office.indicators.title") }</h2>
                <span class="sub">{ lang.t("office.indicators.hint") }</span>
            </div>
            if p.indicators.is_empty() {
                <p class="muted" data-test="indicators-empty">{ lang.t("office.indicators.none") }</p>
            } else {
                <div class="table-scroll">
                    <table class="grid indicators-table" data-test="indicators-table">
                        <thead><tr>
                            <th>{ lang.t("office.indicators.kind") }</th>
                            <th>{ lang.t("office.indicators.label") }</th>
                            <th>{ lang.t("office.indicators.unit") }</th>
                            <th>{ lang.t("office.indicators.baseline") }</th>
                            { for years.iter().map(|y| html! { <th class="num">{ lang.tf("office.indicators.target_year", &[("year", &y.to_string())]) }</th> }) }
                            <th>{ lang.t("office.indicators.source") }</th>
                            if editor { <th></th> }
                        </tr></thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                </div>
            }
            if editor {
                if let Some(f) = (*form).clone() {
                    <IndicatorForm project_id={id} form={f} years={years.clone()} on_change={form.setter().to_callback().reform(Some)} on_close={form.setter().to_callback().reform(|()| None)} />
                } else {
                    <button type="button" class="btn secondary small" data-test="indicator-add" onclick={add}>{ lang.t("office.indicators.add") }</button>
                }
            }
            <IndicatorFiles can_import={office.can(Action::ImportProgramme)} />
        </section>
    }
}

fn remove_callback(office: &Office, lang: Lang, indicator: i64) -> Callback<MouseEvent> {
    let office = office.clone();
    let question = lang.t("office.indicators.remove_confirm");
    Callback::from(move |_: MouseEvent| {
        let sure = web_sys::window()
            .and_then(|w| w.confirm_with_message(question).ok())
            .unwrap_or(false);
        if !sure {
            return;
        }
        let token = office.token.clone();
        office.act(
            "office.indicators.removed",
            async move {
                office::call_no_body("DELETE", &token, &format!("/api/indicators/{indicator}"))
                    .await
            },
            |()| {},
        );
    })
}

#[derive(Properties, PartialEq)]
struct IndicatorFormProps {
    project_id: i64,
    form: Form,
    years: Vec<i32>,
    on_change: Callback<Form>,
    on_close: Callback<()>,
}

#[component]
fn IndicatorForm(props: &IndicatorFormProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let f = &props.form;
    let edit = |apply: fn(&mut Form, String)| {
        let (form, on_change) = (f.clone(), props.on_change.clone());
        Callback::from(move |e: InputEvent| {
            let mut next = form.clone();
            apply(&mut next, input_value(&e));
            on_change.emit(next);
        })
    };
    let on_kind = {
        let (form, on_change) = (f.clone(), props.on_change.clone());
        Callback::from(move |e: Event| {
            let mut next = form.clone();
            next.input.kind = IndicatorKind::from_code(&select_value(&e));
            on_change.emit(next);
        })
    };
    let problems = f.problems();
    let save = {
        let (form, on_change, on_close) =
            (f.clone(), props.on_change.clone(), props.on_close.clone());
        let office = office.clone();
        let project = props.project_id;
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if !form.problems().is_empty() {
                on_change.emit(Form {
                    tried: true,
                    ..form.clone()
                });
                return;
            }
            let token = office.token.clone();
            let (input, id, on_close) = (form.input.clone(), form.id, on_close.clone());
            office.act(
                "office.indicators.saved",
                async move {
                    let (method, path) = match id {
                        Some(id) => ("PUT", format!("/api/indicators/{id}")),
                        None => ("POST", format!("/api/projects/{project}/indicators")),
                    };
                    office::send::<_, Indicator>(method, &token, &path, Some(&input))
                        .await
                        .map(drop)
                },
                move |()| on_close.emit(()),
            );
        })
    };
    let cancel = props.on_close.reform(|_: MouseEvent| ());
    let bad = |key: &str| f.tried && problems.contains(&key);
    let field = |key: &'static str, control: Html| {
        html! {
            <label class={classes!("field", bad(key).then_some("invalid"))}>
                <span>{ lang.t(key) }</span>{ control }
            </label>
        }
    };
    let kind_code = f
        .input
        .kind
        .as_ref()
        .map(|k| k.code().to_string())
        .unwrap_or_default();
    let targets = props.years.iter().map(|y| {
        let year = *y;
        let (form, on_change) = (f.clone(), props.on_change.clone());
        let on = Callback::from(move |e: InputEvent| {
            let mut next = form.clone();
            next.set_target(year, input_value(&e));
            on_change.emit(next);
        });
        let value = f.target(year);
        let invalid = f.tried && Form::bad_value(&value);
        html! {
            <label class={classes!("field", "target", invalid.then_some("invalid"))}>
                <span>{ year }</span>
                <input type="text" inputmode="decimal" dir="ltr" data-test={format!("indicator-target-{year}")} value={value} oninput={on} />
            </label>
        }
    });
    html! {
        <form class="sheet indicator-form" data-test="indicator-form" onsubmit={save}>
            <fieldset class="sheet-part">
                <legend>{ lang.t(if f.id.is_some() { "office.indicators.edit" } else { "office.indicators.add" }) }</legend>
                { field("office.indicators.kind", html! {
                    <select data-test="indicator-kind-select" onchange={on_kind}>
                        <option value="" selected={kind_code.is_empty()}>{ lang.t(if f.unclassified { "office.indicators.unclassified" } else { "office.indicators.choose" }) }</option>
                        <option value="output" selected={kind_code == "output"}>{ lang.t("office.indicators.output") }</option>
                        <option value="result" selected={kind_code == "result"}>{ lang.t("office.indicators.result") }</option>
                    </select>
                }) }
                { field("office.indicators.label_ar", html! { <input type="text" dir="rtl" data-test="indicator-label-ar" value={f.input.label_ar.clone()} oninput={edit(|f, v| f.input.label_ar = v)} /> }) }
                { field("office.indicators.label_fr", html! { <input type="text" dir="ltr" data-test="indicator-label-fr" value={f.input.label_fr.clone()} oninput={edit(|f, v| f.input.label_fr = v)} /> }) }
                { field("office.indicators.unit", html! { <input type="text" dir="auto" data-test="indicator-unit" value={f.input.unit.clone()} oninput={edit(|f, v| f.input.unit = v)} /> }) }
                { field("office.indicators.baseline", html! { <input type="text" inputmode="decimal" dir="ltr" data-test="indicator-baseline" value={f.input.baseline_value.clone()} oninput={edit(|f, v| f.input.baseline_value = v)} /> }) }
                { field("office.indicators.baseline_year", html! { <input type="text" inputmode="numeric" dir="ltr" data-test="indicator-baseline-year" value={f.input.baseline_year.map(|y| y.to_string()).unwrap_or_default()} oninput={edit(|f, v| f.input.baseline_year = tachkhis_shared::text::ascii_digits(v.trim()).parse().ok())} /> }) }
                { field("office.indicators.source", html! { <input type="text" dir="auto" data-test="indicator-source" value={f.input.source.clone()} oninput={edit(|f, v| f.input.source = v)} /> }) }
            </fieldset>
            <fieldset class="sheet-part targets" data-test="indicator-targets">
                <legend>{ lang.t("office.indicators.targets") }</legend>
                { for targets }
            </fieldset>
            if f.tried && !problems.is_empty() {
                <p class="notice warn" role="alert" data-test="indicator-problems">
                    { lang.t("office.indicators.fix") }{ " " }
                    { problems.iter().map(|k| lang.t(k)).collect::<Vec<_>>().join("، ") }
                </p>
            }
            <div class="dialog-actions">
                <button type="submit" class="btn primary small" data-test="indicator-save" disabled={office.busy}>{ lang.t("office.save") }</button>
                <button type="button" class="btn secondary small" data-test="indicator-cancel" onclick={cancel}>{ lang.t("office.indicators.cancel") }</button>
            </div>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct IndicatorFilesProps {
    can_import: bool,
}

/// The indicators file: the export for everyone who reads; the template and the import
/// (checked first, then run) for the office.
#[component]
fn IndicatorFiles(props: &IndicatorFilesProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let file = use_node_ref();
    let result = use_state(|| None::<Result<IndicatorImportReport, ApiError>>);
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
        let (office, file, result, busy) =
            (office.clone(), file.clone(), result.clone(), busy.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(picked) = file
                .cast::<HtmlInputElement>()
                .and_then(|i| i.files())
                .and_then(|f| f.get(0))
            else {
                return;
            };
            let (office, result, busy) = (office.clone(), result.clone(), busy.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let path = if dry_run {
                    "/api/indicators/import?dry_run=1"
                } else {
                    "/api/indicators/import"
                };
                let r = office::upload::<IndicatorImportReport>(
                    &office.token,
                    path,
                    JsValue::from(picked),
                )
                .await;
                busy.set(false);
                if r.is_ok() && !dry_run {
                    // Every screen refetches: the table shows what was imported.
                    office.done("office.indicators.imported");
                }
                result.set(Some(r));
            });
        })
    };
    let shown = match &*result {
        None => html! {},
        Some(Err(e)) => html! { <ErrorNotice error={e.clone()} /> },
        Some(Ok(r)) => {
            let counts = [
                ("created", r.created.len().to_string()),
                ("updated", r.updated.len().to_string()),
                ("unchanged", r.unchanged.to_string()),
            ];
            let args: Vec<(&str, &str)> = counts.iter().map(|(k, v)| (*k, v.as_str())).collect();
            html! {
                <div class="notice info" data-test="indicators-import-report" data-dry-run={r.dry_run.to_string()}>
                    <p>{ lang.tf(if r.dry_run { "office.indicators.would_import" } else { "office.indicators.did_import" }, &args) }</p>
                    <ul class="changes">
                        { for r.created.iter().chain(&r.updated).map(|c| html! {
                            <li dir="auto">{ lang.tf("office.import.line", &[("line", &c.line.to_string())]) }{ " " }{ format!("{}: {}", c.project_number, c.label_ar) }</li>
                        }) }
                    </ul>
                    if !r.ignored_columns.is_empty() {
                        <p class="sub">{ lang.tf("office.territory.ignored", &[("columns", &r.ignored_columns.join("، "))]) }</p>
                    }
                </div>
            }
        }
    };
    html! {
        <section class="import" data-test="indicators-files">
            <div class="toolbar">
                <span class="export">
                    <span>{ lang.t("office.indicators.export") }</span>
                    { download("/api/export/indicators?format=xlsx", "indicators.xlsx", "indicators-export-xlsx", "XLSX") }
                    { download("/api/export/indicators?format=csv", "indicators.csv", "indicators-export-csv", "CSV") }
                </span>
                if props.can_import {
                    <span class="export">
                        <span>{ lang.t("office.indicators.template") }</span>
                        { download("/api/indicators/template?format=xlsx", "indicators-template.xlsx", "indicators-template-xlsx", "XLSX") }
                        { download("/api/indicators/template?format=csv", "indicators-template.csv", "indicators-template-csv", "CSV") }
                    </span>
                }
            </div>
            if props.can_import {
                <p class="sub">{ lang.t("office.indicators.import_hint") }</p>
                <div class="inline-action">
                    <input type="file" ref={file.clone()} data-test="indicators-file"
                        accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" />
                    <button type="button" class="btn secondary small" data-test="indicators-check" disabled={*busy} onclick={run(true)}>{ lang.t("office.import.check") }</button>
                    <button type="button" class="btn primary small" data-test="indicators-run" disabled={*busy} onclick={run(false)}>{ lang.t("office.indicators.import") }</button>
                </div>
                { shown }
            }
        </section>
    }
}
