//! The partnership agreements (issue 15, exec): the list (partner, reference, date, object,
//! amounts, projects concerned) for everyone who reads the execution, and for those who record
//! it (`RecordExecution`) the form that adds or corrects one, and removal (the server refuses
//! to remove one a funding line names, in words).

use tachkhis_shared::api::execution::{Agreement, AgreementInput};
use tachkhis_shared::api::programme::{Partner, ProgrammeTree};
use tachkhis_shared::money::{Mad, parse_mad};
use tachkhis_shared::permissions::Action;
use yew::prelude::*;

use crate::net::office;
use crate::pages::office::{ErrorNotice, money, select_value, use_get, use_office};
use crate::use_model;
use crate::widgets::{input_value, parse_date_input, show_date};

/// The form as typed.
#[derive(Clone, PartialEq, Default)]
struct Form {
    /// The agreement corrected; `None`: a new one.
    id: Option<i64>,
    partner: String,
    reference: String,
    signed_on: String,
    object_ar: String,
    object_fr: String,
    amount: String,
    commune_amount: String,
    commune_obligations: String,
    partner_obligations: String,
    /// Project numbers, separated by commas, spaces or the Arabic comma.
    projects: String,
}

impl Form {
    fn of(a: &Agreement, numbers: &[(i64, i64)]) -> Form {
        let i = &a.input;
        let show = |m: Option<Mad>| m.map(|m| m.format_fr()).unwrap_or_default();
        Form {
            id: Some(a.id),
            partner: i.partner_id.to_string(),
            reference: i.reference.clone(),
            signed_on: i.signed_on.as_deref().map(show_date).unwrap_or_default(),
            object_ar: i.object_ar.clone(),
            object_fr: i.object_fr.clone(),
            amount: show(i.amount),
            commune_amount: show(i.commune_amount),
            commune_obligations: i.commune_obligations.clone(),
            partner_obligations: i.partner_obligations.clone(),
            projects: i
                .project_ids
                .iter()
                .filter_map(|id| {
                    numbers
                        .iter()
                        .find(|(_, p)| p == id)
                        .map(|(n, _)| n.to_string())
                })
                .collect::<Vec<_>>()
                .join("، "),
        }
    }

    /// The input to send, or the catalogue key of the first field that does not read.
    fn finish(&self, numbers: &[(i64, i64)]) -> Result<AgreementInput, &'static str> {
        let partner_id = self
            .partner
            .parse()
            .map_err(|_| "office.agreements.partner")?;
        let amount = |s: &str, key: &'static str| -> Result<Option<Mad>, &'static str> {
            if s.trim().is_empty() {
                Ok(None)
            } else {
                parse_mad(s).map(Some).map_err(|_| key)
            }
        };
        let signed_on = if self.signed_on.trim().is_empty() {
            None
        } else {
            Some(parse_date_input(&self.signed_on).ok_or("office.agreements.signed_on")?)
        };
        let project_ids = self
            .projects
            .split([',', '،', ';', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                let n: i64 = s.parse().map_err(|_| "office.agreements.projects")?;
                numbers
                    .iter()
                    .find(|(number, _)| *number == n)
                    .map(|(_, id)| *id)
                    .ok_or("office.agreements.projects")
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(AgreementInput {
            partner_id,
            reference: self.reference.trim().to_string(),
            signed_on,
            object_ar: self.object_ar.trim().to_string(),
            object_fr: self.object_fr.trim().to_string(),
            amount: amount(&self.amount, "office.agreements.amount")?,
            commune_amount: amount(&self.commune_amount, "office.agreements.commune_amount")?,
            commune_obligations: self.commune_obligations.trim().to_string(),
            partner_obligations: self.partner_obligations.trim().to_string(),
            project_ids,
            attachment_id: None,
        })
    }
}

#[component]
pub fn AgreementsPage() -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let list = use_get::<Vec<Agreement>>(Some("/api/agreements".into()));
    let partners = use_get::<Vec<Partner>>(Some("/api/partners".into()));
    let tree = use_get::<ProgrammeTree>(Some("/api/programme".into()));
    let form = use_state(Form::default);
    let bad = use_state(|| None::<&'static str>);
    let writer = office.can(Action::RecordExecution);
    // (number, id) of every project.
    let numbers: Vec<(i64, i64)> = tree
        .data
        .as_ref()
        .map(|t| {
            t.axes
                .iter()
                .flat_map(|a| &a.programmes)
                .flat_map(|p| &p.projects)
                .map(|p| (p.number, p.id))
                .collect()
        })
        .unwrap_or_default();
    let rows = list.data.as_ref().map(|l| {
        l.iter()
            .map(|a| {
                let i = &a.input;
                let projects: Vec<String> = i
                    .project_ids
                    .iter()
                    .filter_map(|id| numbers.iter().find(|(_, p)| p == id).map(|(n, _)| n.to_string()))
                    .collect();
                let actions = writer.then(|| {
                    let edit = {
                        let (form, a, numbers) = (form.clone(), a.clone(), numbers.clone());
                        Callback::from(move |_: MouseEvent| form.set(Form::of(&a, &numbers)))
                    };
                    let remove = {
                        let (office, id) = (office.clone(), a.id);
                        Callback::from(move |_: MouseEvent| {
                            let token = office.token.clone();
                            office.act(
                                "office.agreements.removed",
                                async move {
                                    office::call_no_body("DELETE", &token, &format!("/api/agreements/{id}"))
                                        .await
                                        .map_err(|e| match e {
                                            // A funding line names it: the server refuses.
                                            office::ApiError::Refused { status: 400 | 409, .. } => {
                                                office::ApiError::Explained("office.agreements.in_use")
                                            }
                                            e => e,
                                        })
                                },
                                |()| {},
                            );
                        })
                    };
                    html! {
                        <>
                            <button type="button" class="btn secondary small" data-test="agreement-edit" onclick={edit}>{ lang.t("office.edit") }</button>
                            <button type="button" class="btn secondary small" data-test="agreement-remove" onclick={remove}>{ lang.t("office.agreements.remove") }</button>
                        </>
                    }
                });
                html! {
                    <tr data-test="agreement" data-id={a.id.to_string()}>
                        <td dir="auto">{ lang.pick(&a.partner_name_ar, if a.partner_name_fr.is_empty() { &a.partner_name_ar } else { &a.partner_name_fr }) }</td>
                        <td dir="auto">{ &i.reference }</td>
                        <td dir="ltr">{ i.signed_on.as_deref().map(show_date).unwrap_or_default() }</td>
                        <td dir="auto">{ lang.pick(&i.object_ar, if i.object_fr.is_empty() { &i.object_ar } else { &i.object_fr }) }</td>
                        <td>{ money(i.amount.as_ref()) }</td>
                        <td>{ money(i.commune_amount.as_ref()) }</td>
                        <td dir="ltr">{ projects.join(", ") }</td>
                        if a.illustrative { <td><span class="tag">{ lang.t("office.indicators.illustrative") }</span></td> } else { <td></td> }
                        <td>{ for actions }</td>
                    </tr>
                }
            })
            .collect::<Html>()
    });
    let save = {
        let (form, bad, office, numbers) =
            (form.clone(), bad.clone(), office.clone(), numbers.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let input = match form.finish(&numbers) {
                Ok(i) => i,
                Err(key) => {
                    bad.set(Some(key));
                    return;
                }
            };
            bad.set(None);
            let token = office.token.clone();
            let id = form.id;
            let done = form.clone();
            office.act(
                "office.agreements.saved",
                async move {
                    let (method, path) = match id {
                        Some(id) => ("PUT", format!("/api/agreements/{id}")),
                        None => ("POST", "/api/agreements".to_string()),
                    };
                    office::send::<_, serde::de::IgnoredAny>(method, &token, &path, Some(&input))
                        .await
                        .map(drop)
                },
                move |()| done.set(Form::default()),
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
    let on_partner = {
        let form = form.clone();
        Callback::from(move |e: Event| {
            let mut next = (*form).clone();
            next.partner = select_value(&e);
            form.set(next);
        })
    };
    let f = (*form).clone();
    let partner_options = partners.data.as_ref().map(|ps| {
        ps.iter()
            .map(|p| {
                let id = p.id.to_string();
                html! { <option value={id.clone()} selected={id == f.partner}>{ lang.pick(&p.name_ar, if p.name_fr.is_empty() { &p.name_ar } else { &p.name_fr }) }</option> }
            })
            .collect::<Html>()
    });
    html! {
        <section class="agreements" data-test="agreements">
            <h1>{ lang.t("office.execution.agreements") }</h1>
            if let Some(e) = list.error.clone() { <ErrorNotice error={e} /> }
            if let Some(rows) = rows {
                <div class="table-wrap">
                    <table class="grid">
                        <thead><tr>
                            <th>{ lang.t("office.agreements.partner") }</th>
                            <th>{ lang.t("office.agreements.reference") }</th>
                            <th>{ lang.t("office.agreements.signed_on") }</th>
                            <th>{ lang.t("office.agreements.object") }</th>
                            <th>{ lang.t("office.agreements.amount") }</th>
                            <th>{ lang.t("office.agreements.commune_amount") }</th>
                            <th>{ lang.t("office.agreements.projects") }</th>
                            <th></th>
                            <th></th>
                        </tr></thead>
                        <tbody>{ rows }</tbody>
                    </table>
                </div>
            }
            if writer {
                <form class="sheet agreement-form" data-test="agreement-form" onsubmit={save}>
                    <fieldset class="sheet-part">
                        <legend>{ lang.t(if f.id.is_some() { "office.agreements.edit" } else { "office.agreements.new" }) }</legend>
                        <label class="field">
                            <span>{ lang.t("office.agreements.partner") }</span>
                            <select data-test="agreement-partner" onchange={on_partner}>
                                <option value="" selected={f.partner.is_empty()}>{ "—" }</option>
                                { for partner_options }
                            </select>
                        </label>
                        { field("office.agreements.reference", "agreement-reference", &f.reference, |f, v| f.reference = v) }
                        { field("office.agreements.signed_on", "agreement-signed-on", &f.signed_on, |f, v| f.signed_on = v) }
                        { field("office.agreements.object_ar", "agreement-object-ar", &f.object_ar, |f, v| f.object_ar = v) }
                        { field("office.agreements.object_fr", "agreement-object-fr", &f.object_fr, |f, v| f.object_fr = v) }
                        { field("office.agreements.amount", "agreement-amount", &f.amount, |f, v| f.amount = v) }
                        { field("office.agreements.commune_amount", "agreement-commune-amount", &f.commune_amount, |f, v| f.commune_amount = v) }
                        { field("office.agreements.commune_obligations", "agreement-commune-obligations", &f.commune_obligations, |f, v| f.commune_obligations = v) }
                        { field("office.agreements.partner_obligations", "agreement-partner-obligations", &f.partner_obligations, |f, v| f.partner_obligations = v) }
                        { field("office.agreements.projects", "agreement-projects", &f.projects, |f, v| f.projects = v) }
                        if let Some(key) = *bad {
                            <p class="notice warn" role="alert" data-test="agreement-unreadable">{ lang.t("office.execution.unreadable") }{ " " }{ lang.t(key) }</p>
                        }
                        <button class="btn primary" data-test="agreement-save">{ lang.t("office.agreements.save") }</button>
                    </fieldset>
                </form>
            }
        </section>
    }
}
