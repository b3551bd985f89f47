//! The commune's funding partners (`/api/partners`): the list a project sheet's partners are
//! picked from. Add, rename or change the kind, delete one that no project names (the server
//! refuses the others: said in words here).

use tachkhis_shared::api::programme::{Partner, PartnerInput};
use tachkhis_shared::codes::PartnerKind;
use tachkhis_shared::permissions::Action;
use yew::prelude::*;

use crate::i18n::Lang;
use crate::net::office::{self, conflict_says};
use crate::pages::office::{LoadNotice, select_value, use_get, use_office};
use crate::use_model;
use crate::widgets::input_value;

pub fn kind_key(kind: &PartnerKind) -> &'static str {
    match kind {
        PartnerKind::Region => "office.partners.kind.region",
        PartnerKind::Province => "office.partners.kind.province",
        PartnerKind::Ministry => "office.partners.kind.ministry",
        PartnerKind::PublicBody => "office.partners.kind.public_body",
        PartnerKind::Indh => "office.partners.kind.indh",
        PartnerKind::Cooperation => "office.partners.kind.cooperation",
        PartnerKind::Association => "office.partners.kind.association",
        PartnerKind::Other | PartnerKind::Unknown(_) => "office.partners.kind.other",
    }
}

/// The name a list shows: in the screen's language when there is one.
pub fn partner_name(lang: Lang, p: &Partner) -> String {
    lang.pick(&p.name_ar, &p.name_fr).to_string()
}

#[component]
pub fn PartnersPanel() -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let list = use_get::<Vec<Partner>>(Some("/api/partners".into()));
    // The partner whose form is open (`Some(None)`: a new one).
    let editing = use_state(|| None::<Option<i64>>);
    let can_edit = office.can(Action::EditProgramme);
    let close = {
        let editing = editing.clone();
        Callback::from(move |()| editing.set(None))
    };
    let save = |id: Option<i64>| {
        let (office, editing) = (office.clone(), editing.clone());
        Callback::from(move |input: PartnerInput| {
            let token = office.token.clone();
            let editing = editing.clone();
            office.act(
                "office.partners.saved",
                async move {
                    let (method, path) = match id {
                        Some(id) => ("PUT", format!("/api/partners/{id}")),
                        None => ("POST", "/api/partners".to_string()),
                    };
                    office::send::<_, Partner>(method, &token, &path, Some(&input)).await
                },
                move |_| editing.set(None),
            );
        })
    };
    let row = |p: &Partner| {
        if *editing == Some(Some(p.id)) {
            let initial = PartnerInput {
                name_ar: p.name_ar.clone(),
                name_fr: p.name_fr.clone(),
                kind: Some(p.kind.clone()),
            };
            return html! {
                <tr key={p.id}><td colspan="5">
                    <PartnerForm {initial} save={save(Some(p.id))} cancel={close.clone()} />
                </td></tr>
            };
        }
        let edit = {
            let (editing, id) = (editing.clone(), p.id);
            Callback::from(move |_: MouseEvent| editing.set(Some(Some(id))))
        };
        let delete = {
            let (office, id) = (office.clone(), p.id);
            Callback::from(move |_: MouseEvent| {
                let token = office.token.clone();
                office.act(
                    "office.partners.deleted",
                    async move {
                        office::call_no_body("DELETE", &token, &format!("/api/partners/{id}"))
                            .await
                            .map_err(conflict_says("office.partners.in_use"))
                    },
                    |()| {},
                );
            })
        };
        html! {
            <tr key={p.id} data-test="partner-row" data-id={p.id.to_string()}>
                <td class="text" dir="rtl" lang="ar">{ &p.name_ar }</td>
                <td class="text" dir="ltr" lang="fr">{ &p.name_fr }</td>
                <td>{ lang.t(kind_key(&p.kind)) }</td>
                <td class="num">{ p.shares }</td>
                <td>
                    if can_edit {
                        <button type="button" class="btn secondary small" data-test="partner-edit" disabled={office.busy} onclick={edit}>
                            { lang.t("office.partners.edit") }</button>
                        <button type="button" class="btn secondary small" data-test="partner-delete" disabled={office.busy} onclick={delete}>
                            { lang.t("office.structure.delete") }</button>
                    }
                </td>
            </tr>
        }
    };
    let add = if *editing == Some(None) {
        html! { <PartnerForm initial={PartnerInput::default()} save={save(None)} cancel={close.clone()} /> }
    } else if can_edit {
        let open = {
            let editing = editing.clone();
            Callback::from(move |_: MouseEvent| editing.set(Some(None)))
        };
        html! {
            <button type="button" class="btn secondary small" data-test="partner-new" disabled={office.busy} onclick={open}>
                { lang.t("office.partners.add") }</button>
        }
    } else {
        html! {}
    };
    html! {
        <details class="structure" data-test="partners">
            <summary>{ lang.t("office.partners.title") }</summary>
            <LoadNotice loading={list.loading} error={list.error.clone()} has_data={list.data.is_some()} />
            if let Some(partners) = list.data.clone() {
                <table class="grid" data-test="partner-table">
                    <thead><tr>
                        <th>{ lang.t("office.structure.name_ar") }</th>
                        <th>{ lang.t("office.structure.name_fr") }</th>
                        <th>{ lang.t("office.partners.kind") }</th>
                        <th>{ lang.t("office.partners.shares") }</th>
                        <th></th>
                    </tr></thead>
                    <tbody>{ for partners.iter().map(row) }</tbody>
                </table>
            }
            { add }
        </details>
    }
}

#[derive(Properties, PartialEq)]
struct PartnerFormProps {
    initial: PartnerInput,
    save: Callback<PartnerInput>,
    cancel: Callback<()>,
}

#[component]
fn PartnerForm(props: &PartnerFormProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let input = use_state(|| props.initial.clone());
    let set = |f: fn(&mut PartnerInput, String)| {
        let input = input.clone();
        move |v: String| {
            let mut i = (*input).clone();
            f(&mut i, v);
            input.set(i);
        }
    };
    let on_ar = Callback::from(set(|i, v| i.name_ar = v)).reform(|e: InputEvent| input_value(&e));
    let on_fr = Callback::from(set(|i, v| i.name_fr = v)).reform(|e: InputEvent| input_value(&e));
    let on_kind = Callback::from(set(|i, v| i.kind = Some(PartnerKind::parse(&v))))
        .reform(|e: Event| select_value(&e));
    let onsubmit = {
        let (input, save) = (input.clone(), props.save.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            save.emit((*input).clone());
        })
    };
    let kind = input.kind.clone().unwrap_or(PartnerKind::Other);
    html! {
        <form class="structure-form inline-action" data-test="partner-form" {onsubmit}>
            <label class="field"><span>{ lang.t("office.structure.name_ar") }</span>
                <input type="text" dir="rtl" lang="ar" data-test="name-ar" required=true value={input.name_ar.clone()} oninput={on_ar} /></label>
            <label class="field"><span>{ lang.t("office.structure.name_fr") }</span>
                <input type="text" dir="ltr" lang="fr" data-test="name-fr" value={input.name_fr.clone()} oninput={on_fr} /></label>
            <label class="field"><span>{ lang.t("office.partners.kind") }</span>
                <select data-test="partner-kind" onchange={on_kind}>
                    { for PartnerKind::ALL.iter().map(|k| html! {
                        <option value={k.code().to_string()} selected={*k == kind}>{ lang.t(kind_key(k)) }</option>
                    }) }
                </select></label>
            <button type="submit" class="btn primary small" data-test="names-save" disabled={office.busy || input.name_ar.trim().is_empty()}>
                { lang.t("office.structure.save") }</button>
            <button type="button" class="btn secondary small" onclick={props.cancel.reform(|_: MouseEvent| ())}>{ lang.t("common.cancel") }</button>
        </form>
    }
}
