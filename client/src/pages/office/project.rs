//! A project sheet (fiche projet): every field of the sheet, editable by the office, read by the
//! committees; and why the project is there (its needs and the sessions behind them).

use tachkhis_shared::Sector;
use tachkhis_shared::api::programme::{
    PartnerShare, ProgrammeTree, Project, ProjectInput, ProjectTrace,
};
use tachkhis_shared::money::{Mad, parse_mad};
use tachkhis_shared::permissions::Action;
use yew::prelude::*;

use super::{
    Link, LoadNotice, group_name, money, sector_options, select_value, use_get, use_office,
};
use crate::i18n::Lang;
use crate::net::office;
use crate::route::{Route, use_navigator};
use crate::use_model;
use crate::widgets::{douar_list, input_value, textarea_value};

#[derive(Properties, PartialEq)]
pub struct ProjectPageProps {
    pub id: Option<i64>,
}

/// The sheet being edited: amounts stay as typed until saved.
#[derive(Clone, PartialEq, Default)]
struct Draft {
    input: ProjectInput,
    commune: String,
    partners_total: String,
    partner_amounts: Vec<String>,
}

fn show_mad(m: Option<&Mad>) -> String {
    m.map(Mad::format_fr).unwrap_or_default()
}

impl Draft {
    fn of(input: &ProjectInput) -> Draft {
        Draft {
            commune: show_mad(input.commune_contribution.as_ref()),
            partners_total: show_mad(input.partners_contribution.as_ref()),
            partner_amounts: input
                .partners
                .iter()
                .map(|p| p.amount.format_fr())
                .collect(),
            input: input.clone(),
        }
    }

    /// The input to send, or `None` when an amount cannot be read.
    fn finish(&self) -> Option<ProjectInput> {
        let amount = |s: &str| -> Result<Option<Mad>, ()> {
            if s.trim().is_empty() {
                Ok(None)
            } else {
                parse_mad(s).map(Some).map_err(|_| ())
            }
        };
        let mut input = self.input.clone();
        input.commune_contribution = amount(&self.commune).ok()?;
        let mut partners = Vec::new();
        for (p, a) in input.partners.iter().zip(&self.partner_amounts) {
            if p.name.trim().is_empty() && a.trim().is_empty() {
                continue;
            }
            partners.push(PartnerShare {
                name: p.name.trim().to_string(),
                amount: amount(a).ok()??,
            });
        }
        input.partners = partners;
        // With partners, the server takes their sum.
        input.partners_contribution = if input.partners.is_empty() {
            amount(&self.partners_total).ok()?
        } else {
            None
        };
        input.placeholder = false;
        Some(input)
    }
}

fn field(lang: Lang, label: &'static str, control: Html) -> Html {
    html! { <label class="field"><span>{ lang.t(label) }</span>{ control }</label> }
}

#[component]
pub fn ProjectPage(props: &ProjectPageProps) -> Html {
    let (model, lang) = use_model();
    let office = use_office();
    let navigator = use_navigator();
    let reference = model.reference();
    let r = reference.as_deref();
    let id = props.id;
    let project = use_get::<Project>(id.map(|id| format!("/api/projects/{id}")));
    let trace = use_get::<ProjectTrace>(id.map(|id| format!("/api/projects/{id}/trace")));
    let tree = use_get::<ProgrammeTree>(Some("/api/programme".into()));
    let draft = use_state(|| None::<Draft>);
    let bad_amount = use_state(|| false);
    {
        // A new sheet, or another project: start from what the server has.
        let draft = draft.clone();
        use_effect_with(id, move |_| draft.set(None));
    }
    if id.is_some() && project.data.is_none() {
        return html! {
            <section class="office-page">
                <LoadNotice loading={project.loading} error={project.error.clone()} has_data=false />
            </section>
        };
    }
    let base = match (&*draft, &project.data) {
        (Some(d), _) => d.clone(),
        (None, Some(p)) => Draft::of(&p.input),
        (None, None) => Draft::default(),
    };
    let ro = !office.can(Action::EditProgramme);
    let edit = |f: fn(&mut Draft, String)| {
        let (draft, base) = (draft.clone(), base.clone());
        Callback::from(move |v: String| {
            let mut d = (*draft).clone().unwrap_or_else(|| base.clone());
            f(&mut d, v);
            draft.set(Some(d));
        })
    };
    let text = |label: &'static str, test: &'static str, value: &str, f: fn(&mut Draft, String)| {
        let on = edit(f).reform(|e: InputEvent| input_value(&e));
        field(
            lang,
            label,
            html! { <input type="text" dir="auto" data-test={test} value={value.to_string()} disabled={ro} oninput={on} /> },
        )
    };
    let long = |label: &'static str, value: &str, f: fn(&mut Draft, String)| {
        let on = edit(f).reform(|e: InputEvent| textarea_value(&e));
        field(
            lang,
            label,
            html! { <textarea dir="auto" rows="3" value={value.to_string()} disabled={ro} oninput={on} /> },
        )
    };
    let number = |label: &'static str,
                  test: &'static str,
                  value: Option<i64>,
                  f: fn(&mut Draft, String)| {
        let on = edit(f).reform(|e: InputEvent| input_value(&e));
        field(
            lang,
            label,
            html! { <input type="number" dir="ltr" data-test={test} value={value.map(|v| v.to_string()).unwrap_or_default()} disabled={ro} oninput={on} /> },
        )
    };
    let amount = |label: &'static str,
                  test: &'static str,
                  value: &str,
                  f: fn(&mut Draft, String)| {
        let on = edit(f).reform(|e: InputEvent| input_value(&e));
        field(
            lang,
            label,
            html! { <input type="text" dir="ltr" inputmode="decimal" class="num" data-test={test} value={value.to_string()}
            placeholder="0,00" disabled={ro} oninput={on} /> },
        )
    };
    let i = &base.input;
    let programmes = tree
        .data
        .as_ref()
        .map(|t| {
            t.axes
                .iter()
                .flat_map(|a| {
                    a.programmes.iter().map(move |p| {
                        (
                            p.id,
                            format!(
                                "{} › {}",
                                lang.pick(&a.name_ar, &a.name_fr),
                                lang.pick(&p.name_ar, &p.name_fr)
                            ),
                        )
                    })
                })
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let on_programme = edit(|d, v| d.input.programme_id = v.parse().unwrap_or(0))
        .reform(|e: Event| select_value(&e));
    let on_sector =
        edit(|d, v| d.input.sector = Some(v).filter(|v| !v.is_empty()).map(|c| Sector::parse(&c)))
            .reform(|e: Event| select_value(&e));
    let douars = r.map(|r| r.douars.clone()).unwrap_or_default();
    let on_douars = {
        let (draft, base) = (draft.clone(), base.clone());
        Callback::from(move |e: Event| {
            let select = e.target_unchecked_into::<web_sys::HtmlSelectElement>();
            let options = select.selected_options();
            let ids = (0..options.length())
                .filter_map(|k| options.item(k))
                .filter_map(|o| o.get_attribute("value"))
                .collect();
            let mut d = (*draft).clone().unwrap_or_else(|| base.clone());
            d.input.douar_ids = ids;
            draft.set(Some(d));
        })
    };
    let partner_rows = i.partners.iter().enumerate().map(|(k, p)| {
        let amount = base.partner_amounts.get(k).cloned().unwrap_or_default();
        let (draft, base) = (draft.clone(), base.clone());
        let set = move |name: bool, v: String| {
            let mut d = (*draft).clone().unwrap_or_else(|| base.clone());
            if name {
                d.input.partners[k].name = v;
            } else {
                d.partner_amounts[k] = v;
            }
            draft.set(Some(d));
        };
        let set2 = set.clone();
        let on_name = Callback::from(move |e: InputEvent| set(true, input_value(&e)));
        let on_amount = Callback::from(move |e: InputEvent| set2(false, input_value(&e)));
        html! {
            <li class="partner">
                <input type="text" dir="auto" aria-label={lang.t("office.project.partner_name")} data-test="partner-name"
                    value={p.name.clone()} disabled={ro} oninput={on_name} />
                <input type="text" dir="ltr" class="num" aria-label={lang.t("office.project.partner_amount")} data-test="partner-amount"
                    value={amount} disabled={ro} oninput={on_amount} />
            </li>
        }
    });
    let add_partner = {
        let (draft, base) = (draft.clone(), base.clone());
        Callback::from(move |_: MouseEvent| {
            let mut d = (*draft).clone().unwrap_or_else(|| base.clone());
            d.input.partners.push(PartnerShare {
                name: String::new(),
                amount: Mad::zero(),
            });
            d.partner_amounts.push(String::new());
            draft.set(Some(d));
        })
    };
    let save = {
        let (office, draft, base, bad_amount, navigator) = (
            office.clone(),
            draft.clone(),
            base.clone(),
            bad_amount.clone(),
            navigator.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(input) = base.finish() else {
                bad_amount.set(true);
                return;
            };
            bad_amount.set(false);
            let token = office.token.clone();
            let (draft, navigator) = (draft.clone(), navigator.clone());
            office.act(
                "office.done.saved",
                async move {
                    let (method, path) = match id {
                        Some(id) => ("PUT", format!("/api/projects/{id}")),
                        None => ("POST", "/api/projects".to_string()),
                    };
                    office::send::<_, Project>(method, &token, &path, Some(&input))
                        .await
                        .map(|p| p.id)
                },
                move |new_id| {
                    draft.set(None);
                    if id.is_none()
                        && let Some(n) = &navigator
                    {
                        n.replace(&Route::OfficeProject { id: Some(new_id) });
                    }
                },
            );
        })
    };
    let delete = id.filter(|_| !ro).map(|pid| {
        let busy = office.busy;
        let (office, navigator) = (office.clone(), navigator.clone());
        let question = lang.t("office.project.delete_confirm");
        let onclick = Callback::from(move |_: MouseEvent| {
            let sure = web_sys::window()
                .and_then(|w| w.confirm_with_message(question).ok())
                .unwrap_or(false);
            if !sure {
                return;
            }
            let token = office.token.clone();
            let navigator = navigator.clone();
            office.act(
                "office.done.deleted",
                async move {
                    let path = format!("/api/projects/{pid}");
                    office::call_no_body("DELETE", &token, &path).await
                },
                move |()| {
                    if let Some(n) = &navigator {
                        n.replace(&Route::OfficeProgramme);
                    }
                },
            );
        });
        html! {
            <button type="button" class="btn danger-quiet small" data-test="project-delete" disabled={busy} {onclick}>
                { lang.t("office.project.delete") }
            </button>
        }
    });
    let total = project.data.as_ref().and_then(|p| p.total_cost);
    let title = if id.is_none() {
        lang.t("office.project.new").to_string()
    } else {
        format!("{}. {}", i.number, lang.pick(&i.title_ar, &i.title_fr))
    };
    let trace_html = trace.data.as_ref().map(|t| {
        let groups = t.sessions_by_group.iter().map(|g| {
            html! { <li><span>{ group_name(r, lang, &g.group_kind) }</span><strong class="num">{ g.sessions }</strong></li> }
        });
        let needs = t.needs.iter().map(|n| {
            html! {
                <li>
                    <Link to={Route::OfficeNeed { id: n.id }}><span dir="auto">{ &n.title }</span></Link>
                    <span class="sub">{ lang.tf("office.need.proposals", &[("count", &n.proposals.len().to_string())]) }</span>
                </li>
            }
        });
        html! {
            <section class="trace" data-test="project-trace">
                <h2>{ lang.t("office.project.trace") }</h2>
                <div class="facts">
                    <div class="fact"><span>{ lang.t("office.col.sessions") }</span><strong class="num">{ t.sessions }</strong></div>
                    <div class="fact"><span>{ lang.t("office.col.present") }</span><strong class="num">{ t.present }</strong></div>
                    <div class="fact wide"><span>{ lang.t("office.col.groups") }</span><ul class="group-counts">{ for groups }</ul></div>
                </div>
                if t.needs.is_empty() { <p class="muted">{ lang.t("office.project.no_needs") }</p> }
                <ul class="linked-projects">{ for needs }</ul>
            </section>
        }
    });
    html! {
        <section class="office-page project-page" data-test="project-page">
            <p class="crumbs"><Link to={Route::OfficeProgramme}>{ lang.t("office.nav.programme") }</Link></p>
            <div class="page-head">
                <h1 dir="auto">{ title }</h1>
                if let Some(t) = total {
                    <span class="count">{ lang.t("office.project.total") }{ " " }{ money(Some(&t)) }</span>
                }
            </div>
            <form class="sheet" data-test="project-form" onsubmit={save}>
                <fieldset class="sheet-part">
                    <legend>{ lang.t("office.project.identity") }</legend>
                    { number("office.project.number", "project-number", Some(i.number).filter(|n| *n != 0), |d, v| d.input.number = v.parse().unwrap_or(0)) }
                    { field(lang, "office.nav.programme", html! {
                        <select data-test="project-programme" disabled={ro} onchange={on_programme}>
                            <option value="0" selected={i.programme_id == 0}>{ lang.t("office.project.choose") }</option>
                            { for programmes.into_iter().map(|(pid, name)| html! {
                                <option value={pid.to_string()} selected={pid == i.programme_id}>{ name }</option>
                            }) }
                        </select>
                    }) }
                    { text("office.project.title_ar", "project-title-ar", &i.title_ar, |d, v| d.input.title_ar = v) }
                    { text("office.project.title_fr", "project-title-fr", &i.title_fr, |d, v| d.input.title_fr = v) }
                    { field(lang, "office.col.sector", html! {
                        <select data-test="project-sector" disabled={ro} onchange={on_sector}>
                            <option value="" selected={i.sector.is_none()}>{ "—" }</option>
                            { for sector_options(lang, r).into_iter().map(|(code, name)| {
                                let selected = i.sector.as_ref().map(Sector::code) == Some(code.as_str());
                                html! { <option value={code} {selected}>{ name }</option> }
                            }) }
                        </select>
                    }) }
                    { long("office.need.description", &i.description, |d, v| d.input.description = v) }
                </fieldset>
                <fieldset class="sheet-part">
                    <legend>{ lang.t("office.project.place") }</legend>
                    { text("office.project.location", "project-location", &i.location, |d, v| d.input.location = v) }
                    { field(lang, "office.col.douars", html! {
                        <select multiple=true size="6" data-test="project-douars" disabled={ro} onchange={on_douars}>
                            { for douars.iter().map(|d| html! {
                                <option value={d.id.clone()} selected={i.douar_ids.contains(&d.id)}>
                                    { lang.pick(&d.name_ar, &d.name_fr).to_string() }
                                </option>
                            }) }
                        </select>
                    }) }
                    if ro { <p>{ douar_list(r, lang, &i.douar_ids) }</p> }
                    { number("office.project.women", "project-women", i.beneficiaries_women, |d, v| d.input.beneficiaries_women = v.parse().ok()) }
                    { number("office.project.men", "project-men", i.beneficiaries_men, |d, v| d.input.beneficiaries_men = v.parse().ok()) }
                </fieldset>
                <fieldset class="sheet-part">
                    <legend>{ lang.t("office.project.money") }</legend>
                    { amount("office.programme.commune", "project-commune", &base.commune, |d, v| d.commune = v) }
                    if i.partners.is_empty() {
                        { amount("office.programme.partners", "project-partners", &base.partners_total, |d, v| d.partners_total = v) }
                    }
                    <div class="field">
                        <span>{ lang.t("office.project.partners_list") }</span>
                        <ul class="partners">{ for partner_rows }</ul>
                        if !ro {
                            <button type="button" class="btn link small" data-test="partner-add" onclick={add_partner}>
                                { lang.t("office.project.partner_add") }
                            </button>
                        }
                    </div>
                    { text("office.project.funding", "project-funding", i.funding_source.as_deref().unwrap_or_default(),
                        |d, v| d.input.funding_source = Some(v).filter(|v| !v.trim().is_empty())) }
                    { text("office.project.owner", "project-owner", &i.owner, |d, v| d.input.owner = v) }
                </fieldset>
                <fieldset class="sheet-part">
                    <legend>{ lang.t("office.project.time") }</legend>
                    { number("office.project.start", "project-start", i.start_year.map(i64::from), |d, v| d.input.start_year = v.parse().ok()) }
                    { number("office.project.end", "project-end", i.end_year.map(i64::from), |d, v| d.input.end_year = v.parse().ok()) }
                    { number("office.project.duration", "project-duration", i.duration_months.map(i64::from), |d, v| d.input.duration_months = v.parse().ok()) }
                    { text("office.col.status", "project-status", i.status.as_deref().unwrap_or_default(),
                        |d, v| d.input.status = Some(v).filter(|v| !v.trim().is_empty())) }
                    { long("office.project.land", &i.prerequisite_land, |d, v| d.input.prerequisite_land = v) }
                    { long("office.project.studies", &i.prerequisite_studies, |d, v| d.input.prerequisite_studies = v) }
                    { long("office.project.indicators", &i.indicators, |d, v| d.input.indicators = v) }
                </fieldset>
                if *bad_amount {
                    <p class="notice warn" role="alert" data-test="bad-amount">{ lang.t("office.project.bad_amount") }</p>
                }
                if !ro {
                    <div class="dialog-actions">
                        <button type="submit" class="btn primary small" data-test="project-save"
                            disabled={office.busy || i.title_ar.trim().is_empty() || i.programme_id == 0}>
                            { lang.t("office.save") }
                        </button>
                        { for delete }
                    </div>
                }
            </form>
            { for trace_html }
        </section>
    }
}
