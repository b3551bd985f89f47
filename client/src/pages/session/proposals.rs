//! Proposals: newest first; add, edit, delete and restore, each saved with one tap.

use std::rc::Rc;

use tachkhis_shared::reference::Sector;
use tachkhis_shared::session::{Proposal, ProposalInput};
use uuid::Uuid;
use yew::prelude::*;

use super::{TabProps, spawn_edit};
use crate::i18n::Lang;
use crate::model::{EditError, Model};
use crate::ui::{Chip, douar_name, input_value, sector_label, textarea_value};
use crate::use_model;

fn input_of(p: &Proposal) -> ProposalInput {
    ProposalInput {
        problem: p.problem.clone(),
        solution: p.solution.clone(),
        sector: p.sector,
        douar_id: p.douar_id.clone(),
        raised_by: p.raised_by.clone(),
    }
}

fn error_key(e: &EditError) -> &'static str {
    match e {
        EditError::Invalid(_) => "proposal.error.invalid",
        EditError::UnknownSession => "session.not_found_text",
        EditError::Storage(_) => "save.failed",
    }
}

#[component]
pub fn ProposalsTab(props: &TabProps) -> Html {
    let (model, lang) = use_model();
    let adding = use_state(|| false);
    let editing = use_state(|| None::<Uuid>);
    let reference = model.reference();
    let reference = reference.as_deref();
    let id = props.id;
    let session = props.session.clone();
    let douars = Rc::new(session.douar_ids.clone());

    let mut live: Vec<&Proposal> = session.live_proposals().collect();
    live.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    let deleted: Vec<&Proposal> = session.proposals.iter().filter(|p| p.deleted).collect();

    let on_add_open = {
        let (adding, editing) = (adding.clone(), editing.clone());
        Callback::from(move |_: MouseEvent| {
            editing.set(None);
            adding.set(true);
        })
    };
    let on_add_save = {
        let (model, adding) = (model.clone(), adding.clone());
        Callback::from(
            move |(input, done): (ProposalInput, Callback<Option<&'static str>>)| {
                let (model, adding) = (model.clone(), adding.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    match model
                        .edit(id, move |doc, ctx| {
                            doc.add_proposal(&input, ctx).map(|_| ())
                        })
                        .await
                    {
                        Ok(()) => {
                            done.emit(None);
                            adding.set(false);
                        }
                        Err(e) => done.emit(Some(error_key(&e))),
                    }
                });
            },
        )
    };
    let on_add_cancel = {
        let adding = adding.clone();
        Callback::from(move |()| adding.set(false))
    };

    let card = |p: &Proposal| -> Html {
        if *editing == Some(p.id) {
            let pid = p.id;
            let on_save = {
                let (model, editing) = (model.clone(), editing.clone());
                Callback::from(
                    move |(input, done): (ProposalInput, Callback<Option<&'static str>>)| {
                        let (model, editing) = (model.clone(), editing.clone());
                        wasm_bindgen_futures::spawn_local(async move {
                            match model
                                .edit(id, move |doc, ctx| doc.update_proposal(pid, &input, ctx))
                                .await
                            {
                                Ok(()) => {
                                    done.emit(None);
                                    editing.set(None);
                                }
                                Err(e) => done.emit(Some(error_key(&e))),
                            }
                        });
                    },
                )
            };
            let on_cancel = {
                let editing = editing.clone();
                Callback::from(move |()| editing.set(None))
            };
            return html! {
                <li key={p.id.to_string()}>
                    <ProposalForm initial={input_of(p)} douars={douars.clone()} {on_save} {on_cancel} editing=true />
                </li>
            };
        }
        let on_edit = {
            let (editing, adding, pid) = (editing.clone(), adding.clone(), p.id);
            Callback::from(move |_: MouseEvent| {
                adding.set(false);
                editing.set(Some(pid));
            })
        };
        let on_delete = delete_callback(&model, id, p.id, true);
        html! {
            <li key={p.id.to_string()} class="proposal" data-test="proposal" data-id={p.id.to_string()}>
                { proposal_body(lang, reference, p) }
                <div class="proposal-actions">
                    <button type="button" class="btn secondary" data-test="proposal-edit" onclick={on_edit}>{ lang.t("proposal.edit") }</button>
                    <button type="button" class="btn danger-quiet" data-test="proposal-delete" onclick={on_delete}>{ lang.t("proposal.delete") }</button>
                </div>
            </li>
        }
    };

    let deleted_section = (!deleted.is_empty()).then(|| {
        let items = deleted.iter().map(|p| {
            let on_restore = delete_callback(&model, id, p.id, false);
            html! {
                <li key={p.id.to_string()} class="proposal deleted" data-test="deleted-proposal" data-id={p.id.to_string()}>
                    { proposal_body(lang, reference, p) }
                    <div class="proposal-actions">
                        <button type="button" class="btn secondary" data-test="proposal-restore" onclick={on_restore}>{ lang.t("proposal.restore") }</button>
                    </div>
                </li>
            }
        });
        html! {
            <details class="deleted-section" data-test="deleted-proposals">
                <summary>{ lang.tf("proposal.deleted_section", &[("count", &deleted.len().to_string())]) }</summary>
                <ul class="proposal-list">{ for items }</ul>
            </details>
        }
    });

    html! {
        <section class="proposals">
            if *adding {
                <ProposalForm initial={ProposalInput {
                        douar_id: (douars.len() == 1).then(|| douars[0].clone()),
                        ..ProposalInput::default()
                    }}
                    douars={douars.clone()} on_save={on_add_save} on_cancel={on_add_cancel} editing=false />
            } else {
                <button type="button" class="btn primary huge" data-test="add-proposal" onclick={on_add_open}>
                    <span aria-hidden="true" class="plus">{ "+" }</span>{ lang.t("proposal.add") }
                </button>
            }
            if live.is_empty() && !*adding {
                <p class="empty">{ lang.t("proposal.empty") }</p>
            }
            <ul class="proposal-list" data-test="proposal-list">
                { for live.iter().map(|p| card(p)) }
            </ul>
            { for deleted_section }
        </section>
    }
}

fn delete_callback(model: &Rc<Model>, id: Uuid, pid: Uuid, deleted: bool) -> Callback<MouseEvent> {
    let model = model.clone();
    Callback::from(move |_: MouseEvent| {
        spawn_edit(&model, id, move |doc, ctx| {
            doc.set_proposal_deleted(pid, deleted, ctx)
        })
    })
}

fn proposal_body(
    lang: Lang,
    reference: Option<&tachkhis_shared::reference::Reference>,
    p: &Proposal,
) -> Html {
    html! {
        <>
            if !p.problem.is_empty() {
                <p class="problem"><span class="field-name">{ lang.t("proposal.problem") }</span><span dir="auto">{ p.problem.clone() }</span></p>
            }
            if !p.solution.is_empty() {
                <p class="solution"><span class="field-name">{ lang.t("proposal.solution") }</span><span dir="auto">{ p.solution.clone() }</span></p>
            }
            <p class="proposal-meta">
                if let Some(s) = p.sector { <span class="tag">{ sector_label(reference, lang, s) }</span> }
                if let Some(d) = &p.douar_id { <span class="tag">{ douar_name(reference, lang, d) }</span> }
                if !p.raised_by.is_empty() {
                    <span class="tag quiet">{ lang.tf("proposal.raised_by_value", &[("who", &p.raised_by)]) }</span>
                }
            </p>
        </>
    }
}

#[derive(Properties, PartialEq)]
pub struct ProposalFormProps {
    pub initial: ProposalInput,
    pub douars: Rc<Vec<String>>,
    /// Called with the input and a callback for the outcome (`None` = saved, else an error key).
    pub on_save: Callback<(ProposalInput, Callback<Option<&'static str>>)>,
    pub on_cancel: Callback<()>,
    pub editing: bool,
}

#[component]
pub fn ProposalForm(props: &ProposalFormProps) -> Html {
    let (model, lang) = use_model();
    let input = use_state(|| props.initial.clone());
    let busy = use_state(|| false);
    let error = use_state(|| None::<&'static str>);
    let reference = model.reference();
    let reference = reference.as_deref();

    let update = |f: fn(&mut ProposalInput, String)| {
        let input = input.clone();
        Callback::from(move |value: String| {
            let mut next = (*input).clone();
            f(&mut next, value);
            input.set(next);
        })
    };
    let on_problem = update(|i, v| i.problem = v).reform(|e: InputEvent| textarea_value(&e));
    let on_solution = update(|i, v| i.solution = v).reform(|e: InputEvent| textarea_value(&e));
    let on_raised_by = update(|i, v| i.raised_by = v).reform(|e: InputEvent| input_value(&e));

    let sector_chips = Sector::ALL.iter().map(|s| {
        let selected = input.sector == Some(*s);
        let onclick = {
            let (input, s) = (input.clone(), *s);
            Callback::from(move |()| {
                let mut next = (*input).clone();
                next.sector = if next.sector == Some(s) { None } else { Some(s) };
                input.set(next);
            })
        };
        html! { <Chip label={sector_label(reference, lang, *s)} {selected} {onclick} test="sector-chip" code={s.code()} icon={Some(crate::ui::sector_icon(*s))} /> }
    });
    let douar_chips = props.douars.iter().map(|d| {
        let selected = input.douar_id.as_deref() == Some(d.as_str());
        let onclick = {
            let (input, d) = (input.clone(), d.clone());
            Callback::from(move |()| {
                let mut next = (*input).clone();
                next.douar_id = if next.douar_id.as_deref() == Some(d.as_str()) { None } else { Some(d.clone()) };
                input.set(next);
            })
        };
        html! { <Chip label={douar_name(reference, lang, d)} {selected} {onclick} test="proposal-douar-chip" code={d.clone()} /> }
    });

    let empty = input.problem.trim().is_empty() && input.solution.trim().is_empty();
    let on_submit = {
        let (input, busy, error, on_save) = (
            input.clone(),
            busy.clone(),
            error.clone(),
            props.on_save.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            busy.set(true);
            error.set(None);
            let done = {
                let (busy, error) = (busy.clone(), error.clone());
                Callback::from(move |outcome: Option<&'static str>| {
                    busy.set(false);
                    error.set(outcome);
                })
            };
            on_save.emit(((*input).clone(), done));
        })
    };
    let on_cancel = props.on_cancel.reform(|_: MouseEvent| ());
    html! {
        <form class="proposal-form" data-test="proposal-form" onsubmit={on_submit}>
            <h2>{ if props.editing { lang.t("proposal.edit_title") } else { lang.t("proposal.new_title") } }</h2>
            <label class="field">
                <span>{ lang.t("proposal.problem") }</span>
                <textarea rows="3" dir="auto" data-test="proposal-problem" value={input.problem.clone()} oninput={on_problem} />
            </label>
            <label class="field">
                <span>{ lang.t("proposal.solution") }</span>
                <textarea rows="3" dir="auto" data-test="proposal-solution" value={input.solution.clone()} oninput={on_solution} />
            </label>
            <fieldset class="group">
                <legend>{ lang.t("proposal.sector") }</legend>
                <div class="chips sectors">{ for sector_chips }</div>
            </fieldset>
            if !props.douars.is_empty() {
                <fieldset class="group">
                    <legend>{ lang.t("proposal.douar") }</legend>
                    <div class="chips">{ for douar_chips }</div>
                </fieldset>
            }
            <label class="field">
                <span>{ lang.t("proposal.raised_by") }</span>
                <input type="text" dir="auto" data-test="proposal-raised-by" placeholder={lang.t("proposal.raised_by_hint")}
                    value={input.raised_by.clone()} oninput={on_raised_by} />
            </label>
            if let Some(key) = *error {
                <p class="notice warn" role="alert" data-test="proposal-error">{ lang.t(key) }</p>
            }
            <div class="form-actions">
                <button type="submit" class="btn primary big" data-test="proposal-save" disabled={empty || *busy}>
                    { lang.t("proposal.save") }
                </button>
                <button type="button" class="btn secondary big" data-test="proposal-cancel" onclick={on_cancel}>
                    { lang.t("common.cancel") }
                </button>
            </div>
        </form>
    }
}
