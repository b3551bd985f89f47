//! The rolling three-year programming and the annual evaluation (issue 15, plan3):
//! `/office/plan` (the table of a plan: resources against the records' programmed amounts per
//! year, the actuals beside; the resources form; roll forward; XLSX and print) and
//! `/office/evaluation` (a year's figures, completion per programme/axis/pole/douar, delays,
//! the office's text, print and XLSX, the update from the third year), and the reminder the
//! shell shows ("the evaluation of year N is due before the session of D").

use tachkhis_shared::api::plan::{
    CompletionRow, Evaluation, EvaluationReminder, EvaluationText, NewPlanInput, PlanSummary,
    PlanTable, ResourceInput, ResourcesInput,
};
use tachkhis_shared::api::procedure::OpenVersionInput;
use tachkhis_shared::codes::ResourceKind;
use tachkhis_shared::permissions::Action;
use yew::prelude::*;

use super::{Acted, Link, LoadNotice, money, use_get, use_office};
use crate::i18n::Lang;
use crate::net::office as net_office;
use crate::route::Route;
use crate::use_model;
use crate::widgets::{input_value, show_date, textarea_value};

impl Acted for PlanTable {
    fn action(&self) -> Option<i64> {
        None
    }
}

impl Acted for Evaluation {
    fn action(&self) -> Option<i64> {
        None
    }
}

fn this_year() -> i32 {
    js_sys::Date::new_0().get_full_year() as i32
}

/// XLSX and print (Arabic, French) of an API page.
fn file_links(
    office: &super::Office,
    lang: Lang,
    base: String,
    stem: String,
    test: &'static str,
) -> Html {
    let xlsx = {
        let office = office.clone();
        let path = format!("{base}/export");
        Callback::from(move |_: MouseEvent| {
            let office = office.clone();
            let path = path.clone();
            let name = format!("{stem}.xlsx");
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = net_office::download(&office.token, &path, &name).await {
                    office.failed(e);
                }
            });
        })
    };
    let print = |l: &'static str, label: &'static str| {
        let office = office.clone();
        let path = format!("{base}/print?lang={l}");
        let onclick = Callback::from(move |_: MouseEvent| {
            let Some(tab) =
                web_sys::window().and_then(|w| w.open_with_url("about:blank").ok().flatten())
            else {
                office.failed(net_office::ApiError::Explained(
                    "office.pacdoc.popup_blocked",
                ));
                return;
            };
            let office = office.clone();
            let path = path.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = net_office::open_page(&office.token, &path, &tab).await {
                    let _ = tab.close();
                    office.failed(e);
                }
            });
        });
        html! {
            <button type="button" class="btn" data-test={format!("{test}-print-{l}")} {onclick}>{ label }</button>
        }
    };
    html! {
        <p class="no-print" data-test={test}>
            <button type="button" class="btn" data-test={format!("{test}-xlsx")} onclick={xlsx}>{ lang.t("plan.xlsx") }</button>
            { print("ar", "العربية") }
            { print("fr", "Français") }
        </p>
    }
}

/// The reminder, on every office screen of who reads the execution, while one is due.
#[component]
pub fn EvaluationReminderBanner() -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let allowed = office.can(Action::ReadExecution);
    let r =
        use_get::<Option<EvaluationReminder>>(allowed.then(|| "/api/evaluations/reminder".into()));
    let Some(Some(rem)) = r.data.as_deref() else {
        return Html::default();
    };
    let key = if rem.days_left < 0 {
        "plan.reminder.overdue"
    } else {
        "plan.reminder.due"
    };
    html! {
        <p class="notice warn no-print" role="status" data-test="evaluation-reminder">
            { lang.tf(key, &[("year", &rem.year.to_string()), ("date", &show_date(&rem.session_date)),
                ("days", &rem.days_left.abs().to_string())]) }
            { " " }
            <Link to={Route::OfficeEvaluation}>{ lang.t("plan.reminder.open") }</Link>
        </p>
    }
}

fn kind_key(k: &ResourceKind) -> &'static str {
    match k {
        ResourceKind::OwnResources => "plan.kind.own_resources",
        ResourceKind::Surplus => "plan.kind.surplus",
        ResourceKind::Partners => "plan.kind.partners",
        _ => "plan.kind.other",
    }
}

#[component]
pub fn PlanPage() -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let can_write = office.can(Action::RecordExecution);
    let plans = use_get::<Vec<PlanSummary>>(Some("/api/plans".into()));
    let chosen = use_state(|| None::<i32>);
    let year = (*chosen).or_else(|| {
        plans
            .data
            .as_ref()
            .and_then(|p| p.first().map(|p| p.first_year))
    });
    let table = use_get::<PlanTable>(year.map(|y| format!("/api/plans/{y}")));
    let new_year = use_state(this_year);
    let lines = use_state(Vec::<ResourceInput>::new);
    // The form starts from the plan's stored lines whenever the table arrives.
    {
        let lines = lines.clone();
        use_effect_with(table.data.clone(), move |t| {
            if let Some(t) = t {
                lines.set(
                    t.resources
                        .iter()
                        .map(|r| ResourceInput {
                            year: r.year,
                            kind: r.kind.code().to_string(),
                            partner_id: r.partner_id,
                            label: r.label.clone(),
                            amount: r.amount.to_string(),
                        })
                        .collect(),
                );
            }
        });
    }
    let choose = plans.data.as_ref().map(|list| {
        let chosen = chosen.clone();
        let onchange = Callback::from(move |e: Event| {
            chosen.set(super::select_value(&e).parse().ok());
        });
        html! {
            <label class="filter"><span>{ lang.t("plan.choose") }</span>
                <select data-test="plan-choose" {onchange}>
                    { for list.iter().map(|p| html! {
                        <option value={p.first_year.to_string()} selected={Some(p.first_year) == year}>
                            { format!("{}-{}", p.first_year, p.first_year + 2) }
                        </option>
                    }) }
                </select>
            </label>
        }
    });
    let create = can_write.then(|| {
        let onyear = {
            let new_year = new_year.clone();
            Callback::from(move |e: InputEvent| {
                if let Ok(y) = input_value(&e).trim().parse() {
                    new_year.set(y);
                }
            })
        };
        let office2 = office.clone();
        let chosen = chosen.clone();
        let y = *new_year;
        let onclick = Callback::from(move |_: MouseEvent| {
            let token = office2.token.clone();
            let chosen = chosen.clone();
            office2.act(
                "plan.done.created",
                async move {
                    net_office::send::<_, PlanTable>("POST", &token, "/api/plans",
                        Some(&NewPlanInput { first_year: y, note: String::new() })).await
                },
                move |t| chosen.set(Some(t.plan.first_year)),
            );
        });
        html! {
            <p class="no-print">
                <label><span>{ lang.t("plan.first_year") }</span>
                    <input type="number" dir="ltr" data-test="plan-new-year" value={y.to_string()} oninput={onyear} /></label>
                <button type="button" class="btn" data-test="plan-create" {onclick}>{ lang.t("plan.create") }</button>
            </p>
        }
    });
    let body = table.data.as_ref().map(|t| {
        let y0 = t.plan.first_year;
        let roll = can_write.then(|| {
            let office2 = office.clone();
            let chosen = chosen.clone();
            let onclick = Callback::from(move |_: MouseEvent| {
                let token = office2.token.clone();
                let chosen = chosen.clone();
                office2.act(
                    "plan.done.rolled",
                    async move {
                        net_office::send::<(), PlanTable>("POST", &token,
                            &format!("/api/plans/{y0}/roll-forward"), None).await
                    },
                    move |t| chosen.set(Some(t.plan.first_year)),
                );
            });
            html! { <button type="button" class="btn primary" data-test="plan-roll" {onclick}>{ lang.t("plan.roll") }</button> }
        });
        let balance = html! {
            <table class="data" data-test="plan-balance">
                <thead><tr><th>{ lang.t("plan.year") }</th><th>{ lang.t("plan.resources") }</th>
                    <th>{ lang.t("plan.expenditure") }</th><th>{ lang.t("plan.balance") }</th>
                    <th>{ lang.t("plan.committed") }</th><th>{ lang.t("plan.paid") }</th></tr></thead>
                <tbody>{ for t.years.iter().map(|yr| html! {
                    <tr><td class="num" dir="ltr">{ yr.year }</td><td class="num">{ money(Some(&yr.resources)) }</td>
                        <td class="num">{ money(Some(&yr.expenditure)) }</td><td class="num">{ money(Some(&yr.balance)) }</td>
                        <td class="num muted">{ money(Some(&yr.committed)) }</td><td class="num muted">{ money(Some(&yr.paid)) }</td></tr>
                }) }</tbody>
            </table>
        };
        let spend = html! {
            <table class="data" data-test="plan-expenditure">
                <thead><tr><th>{ lang.t("plan.project") }</th>
                    { for (0..3).map(|i| html! { <th dir="ltr">{ y0 + i }</th> }) }
                    <th>{ lang.t("plan.paid") }</th></tr></thead>
                <tbody>{ for t.programmes.iter().map(|g| html! {
                    <>
                        <tr class="group"><th colspan="5">{ lang.pick(&g.name_ar, &g.name_fr).to_string() }</th></tr>
                        { for g.projects.iter().map(|p| html! {
                            <tr data-test="plan-project"><td>{ format!("{}. {}", p.number, lang.pick(&p.title_ar, &p.title_fr)) }</td>
                                { for p.years.iter().map(|m| html! { <td class="num">{ money(Some(&m.programmed)) }</td> }) }
                                <td class="num muted">{ money(Some(&p.years.iter().map(|m| m.paid).sum())) }</td></tr>
                        }) }
                    </>
                }) }</tbody>
            </table>
        };
        let form = can_write.then(|| {
            let rows = lines.iter().enumerate().map(|(i, l)| {
                let edit = |f: fn(&mut ResourceInput, String)| {
                    let lines = lines.clone();
                    Callback::from(move |v: String| {
                        let mut all = (*lines).clone();
                        if let Some(x) = all.get_mut(i) {
                            f(x, v);
                        }
                        lines.set(all);
                    })
                };
                let on_year = edit(|x, v| x.year = v.trim().parse().unwrap_or(x.year)).reform(|e: InputEvent| input_value(&e));
                let on_kind = edit(|x, v| x.kind = v).reform(|e: Event| super::select_value(&e));
                let on_label = edit(|x, v| x.label = v).reform(|e: InputEvent| input_value(&e));
                let on_amount = edit(|x, v| x.amount = v).reform(|e: InputEvent| input_value(&e));
                let remove = {
                    let lines = lines.clone();
                    Callback::from(move |_: MouseEvent| {
                        let mut all = (*lines).clone();
                        all.remove(i);
                        lines.set(all);
                    })
                };
                html! {
                    <tr data-test="resource-line">
                        <td><input type="number" dir="ltr" value={l.year.to_string()} oninput={on_year} /></td>
                        <td><select onchange={on_kind}>{ for ResourceKind::ALL.iter().map(|k| html! {
                            <option value={k.code().to_string()} selected={k.code() == l.kind}>{ lang.t(kind_key(k)) }</option>
                        }) }</select></td>
                        <td><input value={l.label.clone()} oninput={on_label} /></td>
                        <td><input dir="ltr" inputmode="decimal" value={l.amount.clone()} oninput={on_amount} data-test="resource-amount" /></td>
                        <td><button type="button" class="btn" onclick={remove}>{ "×" }</button></td>
                    </tr>
                }
            });
            let add = {
                let lines = lines.clone();
                Callback::from(move |_: MouseEvent| {
                    let mut all = (*lines).clone();
                    all.push(ResourceInput { year: y0, kind: "own_resources".into(), partner_id: None,
                        label: String::new(), amount: "0".into() });
                    lines.set(all);
                })
            };
            let save = {
                let office2 = office.clone();
                let lines = lines.clone();
                Callback::from(move |_: MouseEvent| {
                    let token = office2.token.clone();
                    let body = ResourcesInput { resources: (*lines).clone(), note: None };
                    office2.act(
                        "plan.done.resources",
                        async move {
                            net_office::send::<_, PlanTable>("PUT", &token,
                                &format!("/api/plans/{y0}/resources"), Some(&body)).await
                        },
                        |_| {},
                    );
                })
            };
            html! {
                <section class="no-print" data-test="plan-resources-form">
                    <h3>{ lang.t("plan.resources_form") }</h3>
                    <table class="data"><thead><tr><th>{ lang.t("plan.year") }</th><th>{ lang.t("plan.kind") }</th>
                        <th>{ lang.t("plan.label") }</th><th>{ lang.t("plan.amount") }</th><th></th></tr></thead>
                        <tbody>{ for rows }</tbody></table>
                    <button type="button" class="btn" data-test="resource-add" onclick={add}>{ lang.t("plan.add_line") }</button>
                    <button type="button" class="btn primary" data-test="resource-save" onclick={save}>{ lang.t("plan.save") }</button>
                </section>
            }
        });
        html! {
            <>
                <p>{ roll }</p>
                { file_links(&office, lang, format!("/api/plans/{y0}"), format!("three-year-plan-{y0}"), "plan-files") }
                <h3>{ lang.t("plan.balance_title") }</h3>
                { balance }
                <h3>{ lang.t("plan.expenditure_title") }</h3>
                <p class="sub">{ lang.t("plan.expenditure_hint") }</p>
                { spend }
                { form }
            </>
        }
    });
    html! {
        <div class="office-page" data-test="plan-page">
            <h2>{ lang.t("plan.title") }</h2>
            <p class="sub">{ lang.t("plan.law") }</p>
            <p><Link to={Route::OfficeEvaluation} test={AttrValue::from("to-evaluation")}>{ lang.t("evaluation.title") }</Link></p>
            <LoadNotice loading={plans.loading || table.loading} error={plans.error.clone().or(table.error.clone())}
                has_data={plans.data.is_some()} />
            { choose }
            { create }
            { body }
        </div>
    }
}

fn completion(lang: Lang, title: &'static str, rows: &[CompletionRow], test: &'static str) -> Html {
    let pct = |p: &Option<tachkhis_shared::api::monitoring::Quantity>| {
        p.as_ref().map_or("—".to_string(), |q| format!("{}%", q.0))
    };
    html! {
        <>
            <h3>{ lang.t(title) }</h3>
            <table class="data" data-test={test}>
                <thead><tr><th></th><th>{ lang.t("evaluation.planned") }</th><th>{ lang.t("evaluation.executed") }</th>
                    <th>{ lang.t("evaluation.completion") }</th><th>{ lang.t("plan.expenditure") }</th>
                    <th>{ lang.t("plan.paid") }</th></tr></thead>
                <tbody>{ for rows.iter().map(|r| html! {
                    <tr><td>{ lang.pick(&r.name_ar, &r.name_fr).to_string() }</td><td class="num">{ r.planned }</td>
                        <td class="num">{ r.executed }</td><td class="num" dir="ltr">{ pct(&r.completion_percent) }</td>
                        <td class="num">{ money(Some(&r.programmed)) }</td><td class="num">{ money(Some(&r.paid)) }</td></tr>
                }) }</tbody>
            </table>
        </>
    }
}

#[component]
pub fn EvaluationPage() -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let year = use_state(|| this_year() - 1);
    let y = *year;
    let e = use_get::<Evaluation>(Some(format!("/api/evaluations/{y}")));
    let text = use_state(EvaluationText::default);
    {
        let text = text.clone();
        use_effect_with(e.data.clone(), move |d| {
            if let Some(d) = d {
                text.set(d.text.clone());
            }
        });
    }
    let onyear = {
        let year = year.clone();
        Callback::from(move |ev: InputEvent| {
            if let Ok(v) = input_value(&ev).trim().parse::<i32>()
                && (2000..=2100).contains(&v)
            {
                year.set(v);
            }
        })
    };
    let field = |f: fn(&mut EvaluationText, String)| {
        let text = text.clone();
        Callback::from(move |v: String| {
            let mut t = (*text).clone();
            f(&mut t, v);
            text.set(t);
        })
    };
    let can_write = office.can(Action::RecordExecution);
    let form = can_write.then(|| {
        let save = {
            let office2 = office.clone();
            let text = text.clone();
            Callback::from(move |_: MouseEvent| {
                let token = office2.token.clone();
                let body = (*text).clone();
                office2.act(
                    "evaluation.done.saved",
                    async move {
                        net_office::send::<_, Evaluation>("PUT", &token, &format!("/api/evaluations/{y}"), Some(&body)).await
                    },
                    |_| {},
                );
            })
        };
        let t = &*text;
        html! {
            <section class="no-print" data-test="evaluation-form">
                <h3>{ lang.t("evaluation.texts") }</h3>
                <label class="field"><span>{ lang.t("evaluation.summary_ar") }</span>
                    <textarea dir="rtl" data-test="evaluation-summary-ar" value={t.summary_ar.clone()}
                        oninput={field(|t, v| t.summary_ar = v).reform(|e: InputEvent| textarea_value(&e))} /></label>
                <label class="field"><span>{ lang.t("evaluation.summary_fr") }</span>
                    <textarea dir="ltr" value={t.summary_fr.clone()}
                        oninput={field(|t, v| t.summary_fr = v).reform(|e: InputEvent| textarea_value(&e))} /></label>
                <label class="field"><span>{ lang.t("evaluation.changes_ar") }</span>
                    <textarea dir="rtl" value={t.changes_ar.clone()}
                        oninput={field(|t, v| t.changes_ar = v).reform(|e: InputEvent| textarea_value(&e))} /></label>
                <label class="field"><span>{ lang.t("evaluation.changes_fr") }</span>
                    <textarea dir="ltr" value={t.changes_fr.clone()}
                        oninput={field(|t, v| t.changes_fr = v).reform(|e: InputEvent| textarea_value(&e))} /></label>
                <label class="field"><span>{ lang.t("evaluation.session_date") }</span>
                    <input type="date" data-test="evaluation-session" value={t.session_date.clone().unwrap_or_default()}
                        oninput={field(|t, v| t.session_date = Some(v).filter(|v| !v.is_empty())).reform(|e: InputEvent| input_value(&e))} /></label>
                <label class="field"><span>{ lang.t("evaluation.presented_on") }</span>
                    <input type="date" value={t.presented_on.clone().unwrap_or_default()}
                        oninput={field(|t, v| t.presented_on = Some(v).filter(|v| !v.is_empty())).reform(|e: InputEvent| input_value(&e))} /></label>
                <button type="button" class="btn primary" data-test="evaluation-save" onclick={save}>{ lang.t("plan.save") }</button>
            </section>
        }
    });
    let update = office.can(Action::RecordProcedure).then(|| {
        let office2 = office.clone();
        let reason = if text.changes_ar.trim().is_empty() {
            lang.tf("evaluation.update_reason", &[("year", &y.to_string())])
        } else {
            text.changes_ar.trim().to_string()
        };
        let onclick = Callback::from(move |_: MouseEvent| {
            let token = office2.token.clone();
            let body = OpenVersionInput { reason: reason.clone() };
            office2.act(
                "evaluation.done.update",
                async move {
                    net_office::send::<_, tachkhis_shared::api::procedure::Version>("POST", &token, "/api/versions", Some(&body)).await
                },
                |_| {},
            );
        });
        html! {
            <p class="no-print"><button type="button" class="btn" data-test="evaluation-update" {onclick}>{ lang.t("evaluation.update") }</button>
                <span class="sub">{ lang.t("evaluation.update_hint") }</span></p>
        }
    });
    let body = e.data.as_ref().map(|e| {
        let pct = |p: &Option<tachkhis_shared::api::monitoring::Quantity>| {
            p.as_ref().map_or("—".to_string(), |q| format!("{}%", q.0))
        };
        html! {
            <>
                { file_links(&office, lang, format!("/api/evaluations/{y}"), format!("evaluation-{y}"), "evaluation-files") }
                <dl class="facts" data-test="evaluation-figures">
                    <dt>{ lang.t("evaluation.planned") }</dt><dd class="num">{ e.planned }</dd>
                    <dt>{ lang.t("evaluation.executed") }</dt><dd class="num">{ e.executed }</dd>
                    <dt>{ lang.t("evaluation.completion") }</dt><dd class="num" dir="ltr">{ pct(&e.completion_percent) }</dd>
                    <dt>{ lang.t("plan.expenditure") }</dt><dd>{ money(Some(&e.programmed)) }</dd>
                    <dt>{ lang.t("plan.paid") }</dt><dd>{ money(Some(&e.paid)) }</dd>
                </dl>
                { completion(lang, "evaluation.by_programme", &e.by_programme, "evaluation-programme") }
                { completion(lang, "evaluation.by_axis", &e.by_axis, "evaluation-axis") }
                { completion(lang, "evaluation.by_pole", &e.by_pole, "evaluation-pole") }
                { completion(lang, "evaluation.by_douar", &e.by_douar, "evaluation-douar") }
                <h3>{ lang.t("evaluation.delays") }</h3>
                <ul data-test="evaluation-delays">{ for e.delays.iter().map(|d| html! {
                    <li>{ format!("{}. {} ({}) — {}", d.number, lang.pick(&d.title_ar, &d.title_fr), d.planned_year, d.reason) }</li>
                }) }</ul>
            </>
        }
    });
    html! {
        <div class="office-page" data-test="evaluation-page">
            <h2>{ lang.t("evaluation.title") }</h2>
            <p><Link to={Route::OfficePlan}>{ lang.t("plan.title") }</Link></p>
            <label><span>{ lang.t("plan.year") }</span>
                <input type="number" dir="ltr" data-test="evaluation-year" value={y.to_string()} oninput={onyear} /></label>
            <LoadNotice loading={e.loading} error={e.error.clone()} has_data={e.data.is_some()} />
            { body }
            { form }
            { update }
        </div>
    }
}
