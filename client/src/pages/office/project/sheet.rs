//! The parts of the project sheet (identity, place, money, time), each a component drawing
//! its fields from the sheet as edited and sending the changed sheet up.

use std::rc::Rc;

use tachkhis_shared::Sector;
use tachkhis_shared::api::programme::{Partner, PartnerShare, ProgrammeTree};
use yew::prelude::*;

use super::draft::Draft;
use crate::i18n::Lang;
use crate::pages::office::programme::partner_name;
use crate::pages::office::{sector_options, select_value, use_get};
use crate::use_model;
use crate::widgets::{douar_list, input_value, textarea_value};

#[derive(Properties, PartialEq)]
pub struct PartProps {
    /// The sheet as edited (or as the server has it, before any edit).
    pub draft: Rc<Draft>,
    pub on_edit: Callback<Draft>,
    pub read_only: bool,
}

/// The fields of a part: each reads `draft` and sends a changed copy to `on_edit`.
struct Form<'a> {
    lang: Lang,
    ro: bool,
    draft: &'a Rc<Draft>,
    on_edit: &'a Callback<Draft>,
}

impl Form<'_> {
    fn of(props: &PartProps, lang: Lang) -> Form<'_> {
        Form {
            lang,
            ro: props.read_only,
            draft: &props.draft,
            on_edit: &props.on_edit,
        }
    }

    /// A callback that applies `f` to a copy of the sheet and sends it up.
    fn edit<T: 'static>(&self, f: impl Fn(&mut Draft, T) + 'static) -> Callback<T> {
        let (draft, on_edit) = (self.draft.clone(), self.on_edit.clone());
        Callback::from(move |v: T| {
            let mut d = (*draft).clone();
            f(&mut d, v);
            on_edit.emit(d);
        })
    }

    fn field(&self, label: &'static str, control: Html) -> Html {
        html! { <label class="field"><span>{ self.lang.t(label) }</span>{ control }</label> }
    }

    fn text(
        &self,
        label: &'static str,
        test: &'static str,
        value: &str,
        f: fn(&mut Draft, String),
    ) -> Html {
        let on = self.edit(f).reform(|e: InputEvent| input_value(&e));
        self.field(label, html! { <input type="text" dir="auto" data-test={test} value={value.to_string()} disabled={self.ro} oninput={on} /> })
    }

    fn long(&self, label: &'static str, value: &str, f: fn(&mut Draft, String)) -> Html {
        let on = self.edit(f).reform(|e: InputEvent| textarea_value(&e));
        self.field(label, html! { <textarea dir="auto" rows="3" value={value.to_string()} disabled={self.ro} oninput={on} /> })
    }

    fn number(
        &self,
        label: &'static str,
        test: &'static str,
        value: Option<i64>,
        f: fn(&mut Draft, String),
    ) -> Html {
        let on = self.edit(f).reform(|e: InputEvent| input_value(&e));
        let value = value.map(|v| v.to_string()).unwrap_or_default();
        self.field(label, html! { <input type="number" dir="ltr" data-test={test} {value} disabled={self.ro} oninput={on} /> })
    }

    fn amount(
        &self,
        label: &'static str,
        test: &'static str,
        value: &str,
        f: fn(&mut Draft, String),
    ) -> Html {
        let on = self.edit(f).reform(|e: InputEvent| input_value(&e));
        self.field(label, html! { <input type="text" dir="ltr" inputmode="decimal" class="num" data-test={test} value={value.to_string()}
            placeholder="0,00" disabled={self.ro} oninput={on} /> })
    }
}

/// Number, programme, titles, sector, description.
#[component]
pub fn IdentityPart(props: &PartProps) -> Html {
    let (model, lang) = use_model();
    let reference = model.reference();
    let tree = use_get::<ProgrammeTree>(Some("/api/programme".into()));
    let form = Form::of(props, lang);
    let i = &props.draft.input;
    let programmes = tree.data.as_ref().map(|t| {
        t.axes
            .iter()
            .flat_map(|a| {
                a.programmes.iter().map(move |p| {
                    let name = format!(
                        "{} › {}",
                        lang.pick(&a.name_ar, &a.name_fr),
                        lang.pick(&p.name_ar, &p.name_fr)
                    );
                    (p.id, name)
                })
            })
            .collect::<Vec<_>>()
    });
    let on_programme = form
        .edit(|d, v: String| d.input.programme_id = v.parse().unwrap_or(0))
        .reform(|e: Event| select_value(&e));
    let on_sector = form
        .edit(|d, v: String| {
            d.input.sector = Some(v).filter(|v| !v.is_empty()).map(|c| Sector::parse(&c))
        })
        .reform(|e: Event| select_value(&e));
    html! {
        <fieldset class="sheet-part">
            <legend>{ lang.t("office.project.identity") }</legend>
            { form.number("office.project.number", "project-number", Some(i.number).filter(|n| *n != 0), |d, v| d.input.number = v.parse().unwrap_or(0)) }
            { form.field("office.nav.programme", html! {
                <select data-test="project-programme" disabled={form.ro} onchange={on_programme}>
                    <option value="0" selected={i.programme_id == 0}>{ lang.t("office.project.choose") }</option>
                    { for programmes.into_iter().flatten().map(|(pid, name)| html! {
                        <option value={pid.to_string()} selected={pid == i.programme_id}>{ name }</option>
                    }) }
                </select>
            }) }
            { form.text("office.project.title_ar", "project-title-ar", &i.title_ar, |d, v| d.input.title_ar = v) }
            { form.text("office.project.title_fr", "project-title-fr", &i.title_fr, |d, v| d.input.title_fr = v) }
            { form.field("office.col.sector", html! {
                <select data-test="project-sector" disabled={form.ro} onchange={on_sector}>
                    <option value="" selected={i.sector.is_none()}>{ "—" }</option>
                    { for sector_options(lang, reference.as_deref()).into_iter().map(|(code, name)| {
                        let selected = i.sector.as_ref().map(Sector::code) == Some(code.as_str());
                        html! { <option value={code} {selected}>{ name }</option> }
                    }) }
                </select>
            }) }
            { form.long("office.need.description", &i.description, |d, v| d.input.description = v) }
        </fieldset>
    }
}

/// Location, douars, beneficiaries.
#[component]
pub fn PlacePart(props: &PartProps) -> Html {
    let (model, lang) = use_model();
    let reference = model.reference();
    let r = reference.as_deref();
    let form = Form::of(props, lang);
    let i = &props.draft.input;
    let douars = r.map(|r| r.douars.as_slice()).unwrap_or_default();
    let on_douars = form
        .edit(|d, ids: Vec<String>| d.input.douar_ids = ids)
        .reform(|e: Event| {
            let select = e.target_unchecked_into::<web_sys::HtmlSelectElement>();
            let options = select.selected_options();
            (0..options.length())
                .filter_map(|k| options.item(k))
                .filter_map(|o| o.get_attribute("value"))
                .collect()
        });
    html! {
        <fieldset class="sheet-part">
            <legend>{ lang.t("office.project.place") }</legend>
            { form.text("office.project.location", "project-location", &i.location, |d, v| d.input.location = v) }
            { form.field("office.col.douars", html! {
                <select multiple=true size="6" data-test="project-douars" disabled={form.ro} onchange={on_douars}>
                    { for douars.iter().map(|d| html! {
                        <option value={d.id.clone()} selected={i.douar_ids.contains(&d.id)}>
                            { lang.pick(&d.name_ar, &d.name_fr).to_string() }
                        </option>
                    }) }
                </select>
            }) }
            if form.ro { <p>{ douar_list(r, lang, &i.douar_ids) }</p> }
            { form.number("office.project.women", "project-women", i.beneficiaries_women, |d, v| d.input.beneficiaries_women = v.parse().ok()) }
            { form.number("office.project.men", "project-men", i.beneficiaries_men, |d, v| d.input.beneficiaries_men = v.parse().ok()) }
        </fieldset>
    }
}

/// The commune's share, the partners (each with its amount, or their total), funding, owner.
#[component]
pub fn MoneyPart(props: &PartProps) -> Html {
    let (_, lang) = use_model();
    let form = Form::of(props, lang);
    let d = &props.draft;
    let i = &d.input;
    let list = use_get::<Vec<Partner>>(Some("/api/partners".into()));
    let known: Rc<Vec<Partner>> = list.data.clone().unwrap_or_default();
    let partner_rows = i.partners.iter().enumerate().map(|(k, p)| {
        let amount = d.partner_amounts.get(k).cloned().unwrap_or_default();
        let on_partner = {
            let known = known.clone();
            form.edit(move |d, v: String| {
                let picked = v.parse::<i64>().ok().and_then(|id| known.iter().find(|x| x.id == id));
                d.input.partners[k].partner_id = picked.map(|x| x.id);
                d.input.partners[k].name = picked.map(|x| x.name_ar.clone()).unwrap_or_default();
            })
            .reform(|e: Event| select_value(&e))
        };
        let on_amount = form
            .edit(move |d, v: String| d.partner_amounts[k] = v)
            .reform(|e: InputEvent| input_value(&e));
        // A share names a partner of the list; one the list does not have yet (a name an older
        // sheet gave) stays as it is until another is picked.
        let listed = p.partner_id.is_some_and(|id| known.iter().any(|x| x.id == id));
        html! {
            <li class="partner">
                <select aria-label={lang.t("office.project.partner_name")} data-test="partner-name"
                    disabled={form.ro} onchange={on_partner}>
                    <option value="" selected={p.partner_id.is_none() && p.name.is_empty()}>{ lang.t("office.project.choose") }</option>
                    if !listed && !p.name.is_empty() {
                        <option value="-" selected=true>{ p.name.clone() }</option>
                    }
                    { for known.iter().map(|x| html! {
                        <option value={x.id.to_string()} selected={p.partner_id == Some(x.id)}>{ partner_name(lang, x) }</option>
                    }) }
                </select>
                <input type="text" dir="ltr" class="num" aria-label={lang.t("office.project.partner_amount")} data-test="partner-amount"
                    value={amount} placeholder={lang.t("office.partners.share_unknown")} disabled={form.ro} oninput={on_amount} />
            </li>
        }
    });
    let add_partner = form
        .edit(|d, ()| {
            d.input.partners.push(PartnerShare::default());
            d.partner_amounts.push(String::new());
        })
        .reform(|_: MouseEvent| ());
    html! {
        <fieldset class="sheet-part">
            <legend>{ lang.t("office.project.money") }</legend>
            { form.amount("office.programme.commune", "project-commune", &d.commune, |d, v| d.commune = v) }
            if i.partners.is_empty() {
                { form.amount("office.programme.partners", "project-partners", &d.partners_total, |d, v| d.partners_total = v) }
            }
            <div class="field">
                <span>{ lang.t("office.project.partners_list") }</span>
                <ul class="partners">{ for partner_rows }</ul>
                if !form.ro {
                    <button type="button" class="btn link small" data-test="partner-add" onclick={add_partner}>
                        { lang.t("office.project.partner_add") }
                    </button>
                }
            </div>
            { form.text("office.project.owner", "project-owner", &i.owner, |d, v| d.input.owner = v) }
        </fieldset>
    }
}

/// Years, duration, status, prerequisites (indicators are records: `indicators.rs`).
#[component]
pub fn TimePart(props: &PartProps) -> Html {
    let (_, lang) = use_model();
    let form = Form::of(props, lang);
    let i = &props.draft.input;
    html! {
        <fieldset class="sheet-part">
            <legend>{ lang.t("office.project.time") }</legend>
            { form.number("office.project.start", "project-start", i.start_year.map(i64::from), |d, v| d.input.start_year = v.parse().ok()) }
            { form.number("office.project.end", "project-end", i.end_year.map(i64::from), |d, v| d.input.end_year = v.parse().ok()) }
            { form.number("office.project.duration", "project-duration", i.duration_months.map(i64::from), |d, v| d.input.duration_months = v.parse().ok()) }
            // Derived from the execution records (issue 15, exec): read-only here.
            <div class="field" data-test="project-status">
                <span>{ lang.t("office.col.status") }</span>
                <output data-test="project-current-status"
                    data-code={props.draft.current_status.as_ref().map(|s| s.status.code().to_string())}>
                    { match &props.draft.current_status {
                        Some(s) => {
                            let l = s.status.labels();
                            format!("{} ({})", lang.pick(&l.ar, &l.fr), s.year)
                        }
                        None => lang.t("office.execution.none").to_string(),
                    } }
                </output>
            </div>
            { form.long("office.project.land", &i.prerequisite_land, |d, v| d.input.prerequisite_land = v) }
            { form.long("office.project.studies", &i.prerequisite_studies, |d, v| d.input.prerequisite_studies = v) }
        </fieldset>
    }
}
