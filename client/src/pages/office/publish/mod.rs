//! The office's publishing screen (issue 16): every project with its public page's state and a
//! publish/withdraw button; per project, the proposals behind it (text, douar, group: never who
//! raised it) with approve/withdraw, one by one or the ticked ones at once, a mark on a text
//! changed on a tablet since it was approved (the page keeps the approved text); the preview
//! of the page (fetched with the token) and the public page itself (`/p/{number}`). The
//! administrator sets the open data's licence here too. `PublishProjects` (admin, office) sees
//! the screen; `SetLicence` (admin) the licence form.

use std::collections::BTreeSet;

use tachkhis_shared::api::public::{
    ApprovalInput, ApprovalReport, Licence, PublishInput, PublishProject, PublishProposal,
};
use tachkhis_shared::permissions::Action;
use yew::prelude::*;

use super::{Acted, LoadNotice, group_name, use_get, use_office};
use crate::i18n::Lang;
use crate::net::office::{self, ApiError};
use crate::use_model;
use crate::widgets::{douar_name, input_value, show_date, show_time, textarea_value};

impl Acted for PublishProject {
    fn action(&self) -> Option<i64> {
        None
    }
}

impl Acted for ApprovalReport {
    fn action(&self) -> Option<i64> {
        None
    }
}

impl Acted for Licence {
    fn action(&self) -> Option<i64> {
        None
    }
}

/// Opens the page's preview (approved texts only, published or not) in a new tab.
fn open_preview(office: &super::Office, project: i64, lang: &'static str) {
    // The tab opens with the click (a tab opened after the fetch is a blocked popup).
    let Some(tab) = web_sys::window().and_then(|w| w.open_with_url("about:blank").ok().flatten())
    else {
        office.failed(ApiError::Explained("office.pacdoc.popup_blocked"));
        return;
    };
    let office = office.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let path = format!("/api/publish/projects/{project}/preview?lang={lang}");
        if let Err(e) = office::open_page(&office.token, &path, &tab).await {
            let _ = tab.close();
            office.failed(e);
        }
    });
}

/// The public pages' root in the screen's language.
fn public_root(lang: Lang) -> &'static str {
    match lang {
        Lang::Ar => "/p",
        Lang::Fr => "/p/fr",
    }
}

#[component]
pub fn PublishPage() -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let projects = use_get::<Vec<PublishProject>>(Some("/api/publish/projects".into()));
    let open = use_state(|| None::<i64>);
    let rows = projects.data.as_ref().map(|list| {
        list.iter()
            .map(|p| {
                let id = p.project_id;
                let toggle = {
                    let office = office.clone();
                    let published = !p.published;
                    Callback::from(move |_: MouseEvent| {
                        let token = office.token.clone();
                        let key = if published {
                            "office.publish.done.published"
                        } else {
                            "office.publish.done.withdrawn"
                        };
                        office.act(
                            key,
                            async move {
                                office::send::<_, PublishProject>(
                                    "PUT",
                                    &token,
                                    &format!("/api/publish/projects/{id}"),
                                    Some(&PublishInput { published }),
                                )
                                .await
                            },
                            |_| {},
                        );
                    })
                };
                let show = {
                    let open = open.clone();
                    Callback::from(move |_: MouseEvent| {
                        open.set(if *open == Some(id) { None } else { Some(id) })
                    })
                };
                let preview = {
                    let office = office.clone();
                    let doc_lang = if lang == Lang::Fr { "fr" } else { "ar" };
                    Callback::from(move |_: MouseEvent| open_preview(&office, id, doc_lang))
                };
                let is_open = *open == Some(id);
                let changed = p.changed_at.map(|at| {
                    let by = p.changed_by.clone().unwrap_or_default();
                    html! { <span class="sub" dir="auto">{ show_time(at as f64 * 1000.0) }{ " · " }{ by }</span> }
                });
                let public_path = format!("{}/{}", public_root(lang), p.number);
                html! {
                    <>
                    <tr data-test="publish-project" data-number={p.number.to_string()}
                        data-published={p.published.to_string()}
                        class={classes!(is_open.then_some("selected"))}>
                        <td class="num">{ p.number }</td>
                        <td class="text"><span dir="auto">{ lang.pick(&p.title_ar, &p.title_fr).to_string() }</span></td>
                        <td>
                            if p.published {
                                <span class="tag published" data-test="published">{ lang.t("office.publish.published") }</span>
                            } else {
                                <span class="tag quiet">{ lang.t("office.publish.unpublished") }</span>
                            }
                            { for changed }
                        </td>
                        <td class="num" data-test="approved-count">
                            { lang.tf("office.publish.approved_of", &[("approved", &p.approved.to_string()), ("total", &p.proposals.to_string())]) }
                        </td>
                        <td><div class="row-actions">
                            <button type="button" data-test="publish-toggle" disabled={office.busy}
                                class={classes!("btn", "small", if p.published { "secondary" } else { "primary" })}
                                onclick={toggle}>
                                { lang.t(if p.published { "office.publish.withdraw" } else { "office.publish.publish" }) }
                            </button>
                            <button type="button" class="btn secondary small" data-test="publish-texts"
                                aria-expanded={is_open.to_string()} onclick={show}>
                                { lang.t("office.publish.texts") }
                            </button>
                            <button type="button" class="btn secondary small" data-test="publish-preview" onclick={preview}>
                                { lang.t("office.publish.preview") }
                            </button>
                            if p.published {
                                <a class="btn secondary small" data-test="public-link" href={public_path}
                                    target="_blank" rel="noopener">{ lang.t("office.publish.public_page") }</a>
                            }
                        </div></td>
                    </tr>
                    if is_open {
                        <tr class="publish-detail"><td colspan="5">
                            <ProposalsPanel key={id} project={id} />
                        </td></tr>
                    }
                    </>
                }
            })
            .collect::<Html>()
    });
    html! {
        <section class="office-page publish-page" data-test="publish-page">
            <div class="page-head">
                <h1>{ lang.t("office.publish.title") }</h1>
                <span class="page-actions">
                    <a class="btn secondary small" href={public_root(lang)}
                        target="_blank" rel="noopener" data-test="public-list">{ lang.t("office.publish.public_list") }</a>
                </span>
            </div>
            <p class="sub">{ lang.t("office.publish.intro") }</p>
            <LoadNotice loading={projects.loading} error={projects.error.clone()} has_data={projects.data.is_some()} />
            if let Some(rows) = rows {
                <table class="grid compact publish-table" data-test="publish-projects">
                    <thead><tr>
                        <th>{ lang.t("office.gender.number") }</th>
                        <th>{ lang.t("office.gender.project") }</th>
                        <th>{ lang.t("office.publish.state") }</th>
                        <th>{ lang.t("office.publish.texts_approved") }</th>
                        <th></th>
                    </tr></thead>
                    <tbody>{ rows }</tbody>
                </table>
            }
            if office.can(Action::SetLicence) {
                <LicenceForm />
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct ProposalsPanelProps {
    project: i64,
}

/// The proposals traced to one project, with their approvals.
#[component]
fn ProposalsPanel(props: &ProposalsPanelProps) -> Html {
    let (model, lang) = use_model();
    let office = use_office();
    let reference = model.reference();
    let r = reference.as_deref();
    let list = use_get::<Vec<PublishProposal>>(Some(format!(
        "/api/publish/projects/{}/proposals",
        props.project
    )));
    let ticked = use_state(BTreeSet::<String>::new);
    let approve = {
        let office = office.clone();
        let ticked = ticked.clone();
        Callback::from(move |(ids, approved): (Vec<String>, bool)| {
            let token = office.token.clone();
            let ticked = ticked.clone();
            let key = if approved {
                "office.publish.done.approved"
            } else {
                "office.publish.done.unapproved"
            };
            let body = ApprovalInput {
                proposal_ids: ids,
                approved,
            };
            office.act(
                key,
                async move {
                    office::send::<_, ApprovalReport>(
                        "PUT",
                        &token,
                        "/api/publish/proposals",
                        Some(&body),
                    )
                    .await
                },
                move |_| ticked.set(BTreeSet::new()),
            );
        })
    };
    let Some(items) = list.data.as_ref() else {
        return html! { <LoadNotice loading={list.loading} error={list.error.clone()} has_data=false /> };
    };
    if items.is_empty() {
        return html! { <p class="muted" data-test="no-proposals">{ lang.t("office.publish.no_proposals") }</p> };
    }
    let all: Vec<String> = items.iter().map(|p| p.proposal_id.clone()).collect();
    let all_ticked = all.iter().all(|id| ticked.contains(id));
    let tick_all = {
        let ticked = ticked.clone();
        let all = all.clone();
        Callback::from(move |_: Event| {
            ticked.set(if all_ticked {
                BTreeSet::new()
            } else {
                all.iter().cloned().collect()
            })
        })
    };
    let chosen: Vec<String> = all
        .iter()
        .filter(|id| ticked.contains(*id))
        .cloned()
        .collect();
    let bulk = |approved: bool, key: &'static str, test: &'static str| {
        let approve = approve.clone();
        let ids = chosen.clone();
        let onclick = Callback::from(move |_: MouseEvent| approve.emit((ids.clone(), approved)));
        html! {
            <button type="button" data-test={test} disabled={office.busy || chosen.is_empty()}
                class={classes!("btn", "small", if approved { "primary" } else { "secondary" })} {onclick}>
                { lang.tf(key, &[("count", &chosen.len().to_string())]) }
            </button>
        }
    };
    let rows = items.iter().map(|p| {
        let id = p.proposal_id.clone();
        let is_ticked = ticked.contains(&id);
        let tick = {
            let ticked = ticked.clone();
            let id = id.clone();
            Callback::from(move |_: Event| {
                let mut next = (*ticked).clone();
                if !next.remove(&id) {
                    next.insert(id.clone());
                }
                ticked.set(next);
            })
        };
        let approved = p.approved.is_some();
        // A text changed since approval may be approved again: the button stays "approve".
        let (label, to) = if approved && !p.changed_since_approval {
            ("office.publish.unapprove", false)
        } else {
            ("office.publish.approve", true)
        };
        let one = {
            let approve = approve.clone();
            let id = id.clone();
            Callback::from(move |_: MouseEvent| approve.emit((vec![id.clone()], to)))
        };
        let withdraw_changed = (approved && p.changed_since_approval).then(|| {
            let approve = approve.clone();
            let id = id.clone();
            let onclick = Callback::from(move |_: MouseEvent| approve.emit((vec![id.clone()], false)));
            html! {
                <button type="button" class="btn secondary small" data-test="proposal-unapprove"
                    disabled={office.busy} {onclick}>{ lang.t("office.publish.unapprove") }</button>
            }
        });
        let shown = p.approved.as_ref().filter(|_| p.changed_since_approval).map(|a| html! {
            <div class="approved-text" data-test="approved-text">
                <span class="sub">{ lang.t("office.publish.shown_now") }</span>
                <p dir="auto">{ &a.problem }</p>
                if !a.solution.is_empty() { <p dir="auto" class="sub">{ &a.solution }</p> }
            </div>
        });
        let douar = p.douar_id.as_deref().map(|d| douar_name(r, lang, d)).unwrap_or_default();
        html! {
            <tr data-test="publish-proposal" data-id={id.clone()} data-approved={approved.to_string()}
                data-changed={p.changed_since_approval.to_string()}>
                <td><input type="checkbox" data-test="proposal-tick" checked={is_ticked} onchange={tick}
                    aria-label={lang.t("office.publish.tick")} /></td>
                <td class="text">
                    <p dir="auto" data-test="proposal-problem">{ &p.problem }</p>
                    if !p.solution.is_empty() { <p dir="auto" class="sub">{ &p.solution }</p> }
                    { for shown }
                </td>
                <td><span dir="auto">{ douar }</span></td>
                <td>{ group_name(r, lang, &p.group_kind) }</td>
                <td class="num" dir="ltr">{ show_date(&p.session_date) }</td>
                <td>
                    if p.changed_since_approval {
                        <span class="tag warn" data-test="changed-mark">{ lang.t("office.publish.changed") }</span>
                    } else if approved {
                        <span class="tag published">{ lang.t("office.publish.approved") }</span>
                    } else {
                        <span class="tag quiet">{ lang.t("office.publish.not_approved") }</span>
                    }
                </td>
                <td><div class="row-actions">
                    <button type="button" data-test={if to { "proposal-approve" } else { "proposal-unapprove" }}
                        class={classes!("btn", "small", if to { "primary" } else { "secondary" })}
                        disabled={office.busy} onclick={one}>{ lang.t(label) }</button>
                    { for withdraw_changed }
                </div></td>
            </tr>
        }
    });
    html! {
        <div class="publish-proposals" data-test="publish-proposals">
            <p class="notice">{ lang.t("office.publish.never_public") }</p>
            <div class="bulk-bar">
                { bulk(true, "office.publish.approve_ticked", "bulk-approve") }
                { bulk(false, "office.publish.unapprove_ticked", "bulk-unapprove") }
            </div>
            <table class="grid compact">
                <thead><tr>
                    <th><input type="checkbox" data-test="tick-all" checked={all_ticked} onchange={tick_all}
                        aria-label={lang.t("office.publish.tick_all")} /></th>
                    <th>{ lang.t("office.publish.text") }</th>
                    <th>{ lang.t("office.publish.douar") }</th>
                    <th>{ lang.t("office.publish.group") }</th>
                    <th>{ lang.t("office.publish.session_date") }</th>
                    <th>{ lang.t("office.publish.state") }</th>
                    <th></th>
                </tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
        </div>
    }
}

/// The administrator's licence statement of the open data (Arabic, French, its address).
#[component]
fn LicenceForm() -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let current = use_get::<Licence>(Some("/api/publish/licence".into()));
    let draft = use_state(|| None::<Licence>);
    let Some(saved) = current.data.as_ref() else {
        return html! { <LoadNotice loading={current.loading} error={current.error.clone()} has_data=false /> };
    };
    let value = (*draft).clone().unwrap_or_else(|| (**saved).clone());
    let edit = |f: fn(&mut Licence, String)| {
        let draft = draft.clone();
        let value = value.clone();
        move |text: String| {
            let mut next = value.clone();
            f(&mut next, text);
            draft.set(Some(next));
        }
    };
    let on_ar = {
        let set = edit(|l, t| l.text_ar = t);
        Callback::from(move |e: InputEvent| set(textarea_value(&e)))
    };
    let on_fr = {
        let set = edit(|l, t| l.text_fr = t);
        Callback::from(move |e: InputEvent| set(textarea_value(&e)))
    };
    let on_url = {
        let set = edit(|l, t| l.url = t);
        Callback::from(move |e: InputEvent| set(input_value(&e)))
    };
    let submit = {
        let office = office.clone();
        let draft = draft.clone();
        let body = value.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let token = office.token.clone();
            let body = body.clone();
            let draft = draft.clone();
            office.act(
                "office.publish.done.licence",
                async move {
                    office::send::<_, Licence>("PUT", &token, "/api/publish/licence", Some(&body))
                        .await
                },
                move |_| draft.set(None),
            );
        })
    };
    let unchanged = value == **saved;
    html! {
        <form class="licence-form" data-test="licence-form" onsubmit={submit}>
            <h2>{ lang.t("office.publish.licence") }</h2>
            <p class="sub">{ lang.t("office.publish.licence_hint") }</p>
            <label class="field wide">
                <span>{ lang.t("office.publish.licence_ar") }</span>
                <textarea dir="rtl" rows="2" data-test="licence-ar" value={value.text_ar.clone()} oninput={on_ar} />
            </label>
            <label class="field wide">
                <span>{ lang.t("office.publish.licence_fr") }</span>
                <textarea dir="ltr" rows="2" data-test="licence-fr" value={value.text_fr.clone()} oninput={on_fr} />
            </label>
            <label class="field wide">
                <span>{ lang.t("office.publish.licence_url") }</span>
                <input type="url" dir="ltr" data-test="licence-url" value={value.url.clone()} oninput={on_url} />
            </label>
            <div class="dialog-actions">
                <button type="submit" class="btn primary small" data-test="licence-save"
                    disabled={office.busy || unchanged}>{ lang.t("office.save") }</button>
            </div>
        </form>
    }
}
