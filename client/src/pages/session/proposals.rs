//! Proposals in the group's ranking (a new one comes last until the group moves it); add,
//! edit, delete and restore, move by dragging the handle or with the arrows, count the raised
//! hands; each saved with one tap. "By votes" shows the same proposals sorted by their votes
//! (a view: the ranking does not change).
//!
//! A session may hold hundreds of proposals: each card is a component whose properties are
//! plain values (and callbacks that do not change between renders), so a change re-renders
//! the cards it touches, not the whole list. A drag draws itself without re-rendering
//! ([`drag`]).

mod drag;

use std::rc::Rc;

use tachkhis_shared::session::{Proposal, ProposalInput, Session};
use tachkhis_shared::{Sector, reference::Reference};
use uuid::Uuid;
use yew::prelude::*;

use super::{TabProps, spawn_edit};
use crate::i18n::Lang;
use crate::model::{EditError, Model};
use crate::use_model;
use crate::widgets::{
    Chip, douar_chip_names, douar_full_name, input_value, sector_label, textarea_value,
};

/// What a card asks of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardAction {
    Edit,
    Delete,
    Restore,
    Up,
    Down,
    Votes(i64),
}

fn input_of(p: &Proposal) -> ProposalInput {
    ProposalInput {
        problem: p.problem.clone(),
        solution: p.solution.clone(),
        sector: p.sector.clone(),
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

/// Where this tablet keeps the sectors and douar last chosen (a facilitator's habits carry
/// from one session to the next, so the first proposal of a meeting is quick too).
const RECENT_SECTORS_KEY: &str = "tachkhis-recent-sectors";
const RECENT_DOUAR_KEY: &str = "tachkhis-recent-douar";
/// Recent sectors shown as chips.
const RECENT_SECTORS: usize = 4;

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The sectors a fresh tablet offers as chips before it has recent ones: those most raised in
/// rural communes' diagnoses (the seed commune's programme is mostly roads, water, power and
/// schools), so that a first proposal needs no trip to the full list either.
const COMMON_SECTORS: [Sector; RECENT_SECTORS] = [
    Sector::Roads,
    Sector::DrinkingWater,
    Sector::Electricity,
    Sector::Education,
];

/// The sectors last chosen on this tablet, the latest first, completed with common ones.
fn recent_sectors() -> Vec<Sector> {
    let mut list = chosen_sectors();
    for s in COMMON_SECTORS {
        if list.len() < RECENT_SECTORS && !list.contains(&s) {
            list.push(s);
        }
    }
    list
}

/// What `remember_choices` keeps: only the sectors really chosen, latest first.
fn chosen_sectors() -> Vec<Sector> {
    let stored = local_storage().and_then(|s| s.get_item(RECENT_SECTORS_KEY).ok().flatten());
    stored
        .unwrap_or_default()
        .split(',')
        .filter_map(Sector::from_code)
        .take(RECENT_SECTORS)
        .collect()
}

/// The douar last chosen, when it is one of `douars`.
fn recent_douar(douars: &[String]) -> Option<String> {
    let stored = local_storage()?.get_item(RECENT_DOUAR_KEY).ok().flatten()?;
    douars.contains(&stored).then_some(stored)
}

fn remember_choices(input: &ProposalInput) {
    let Some(storage) = local_storage() else {
        return;
    };
    if let Some(sector) = &input.sector {
        let mut list = chosen_sectors();
        list.retain(|s| s != sector);
        list.insert(0, sector.clone());
        list.truncate(RECENT_SECTORS);
        let codes: Vec<&str> = list.iter().map(|s| s.code()).collect();
        let _ = storage.set_item(RECENT_SECTORS_KEY, &codes.join(","));
    }
    if let Some(douar) = &input.douar_id {
        let _ = storage.set_item(RECENT_DOUAR_KEY, douar);
    }
}

fn focus(node: &NodeRef) {
    if let Some(el) = node.cast::<web_sys::HtmlElement>() {
        let _ = el.focus();
    }
}

/// Cards drawn at once when the tab opens, then per batch.
const FIRST_CARDS: usize = 40;
const MORE_CARDS: usize = 60;

/// The live proposals sorted by votes, most first; ties keep the group's order (`live` comes
/// in it, and the sort is stable).
fn by_votes<'a>(live: &[&'a Proposal]) -> Vec<&'a Proposal> {
    let mut sorted = live.to_vec();
    sorted.sort_by_key(|p| std::cmp::Reverse(p.votes));
    sorted
}

#[component]
pub fn ProposalsTab(props: &TabProps) -> Html {
    let (model, lang) = use_model();
    let adding = use_state(|| false);
    // A view of the tab, not of the session: it opens on the group's order.
    let votes_view = use_state(|| false);
    let drag_cell: drag::DragCell = use_mut_ref(|| None);
    // The group's order as last drawn, for the handlers (they outlive a render).
    let order = use_mut_ref(Vec::<Uuid>::new);
    let editing = use_state(|| None::<Uuid>);
    let reference = model.reference();
    let reference = reference.as_deref();
    let id = props.id;
    let session = props.session.clone();
    let douars = Rc::new(session.douar_ids.clone());
    // The sub-groups already named in this session, to pick with one tap.
    let groups = {
        let mut g: Vec<String> = session
            .proposals
            .iter()
            .map(|p| p.raised_by.trim().to_string())
            .filter(|r| !r.is_empty())
            .collect();
        g.sort();
        g.dedup();
        Rc::new(g)
    };

    // `read` gives the highest rank first: the group's ranking, new proposals last.
    let live: Vec<&Proposal> = session.live_proposals().collect();
    *order.borrow_mut() = live.iter().map(|p| p.id).collect();
    let shown_order = if *votes_view {
        by_votes(&live)
    } else {
        live.clone()
    };
    let deleted: Vec<&Proposal> = session.proposals.iter().filter(|p| p.deleted).collect();

    // A long list is drawn in batches, one per task, so the first cards show at once and the
    // page answers taps while the rest come (300 cards at once took ~0.5 s here, more on a
    // cheap tablet).
    let shown = use_state(|| FIRST_CARDS);
    {
        let shown = shown.clone();
        use_effect_with((*shown, live.len()), move |(count, total)| {
            let timeout = (*count < *total).then(|| {
                let next = *count + MORE_CARDS;
                gloo_timers::callback::Timeout::new(0, move || shown.set(next))
            });
            move || drop(timeout)
        });
    }

    let on_action = {
        let (model, editing, adding) = (model.clone(), editing.clone(), adding.clone());
        use_callback(id, move |(pid, action): (Uuid, CardAction), id| {
            let id = *id;
            match action {
                CardAction::Edit => {
                    adding.set(false);
                    editing.set(Some(pid));
                }
                CardAction::Delete | CardAction::Restore => {
                    let deleted = action == CardAction::Delete;
                    spawn_edit(&model, id, move |doc, ctx| {
                        doc.set_proposal_deleted(pid, deleted, ctx)
                    })
                }
                CardAction::Up | CardAction::Down => {
                    let up = action == CardAction::Up;
                    spawn_edit(&model, id, move |doc, ctx| {
                        doc.move_proposal(pid, up, ctx).map(|_| ())
                    })
                }
                CardAction::Votes(delta) => {
                    spawn_edit(&model, id, move |doc, ctx| doc.add_votes(pid, delta, ctx))
                }
            }
        })
    };
    let reference_rc = model.reference();

    let on_add_open = {
        let (adding, editing) = (adding.clone(), editing.clone());
        Callback::from(move |_: MouseEvent| {
            editing.set(None);
            adding.set(true);
        })
    };
    let on_add_cancel = {
        let adding = adding.clone();
        Callback::from(move |()| adding.set(false))
    };
    // A new proposal goes to the end of the list, maybe out of sight: the place it took is
    // said above the button (or the form, for the next one).
    let added = use_state(|| None::<usize>);
    let on_add_save = {
        let save = save_proposal(&model, id, None, on_add_cancel.clone());
        let (added, rank) = (added.clone(), live.len() + 1);
        Callback::from(move |(request, done): SaveRequest| {
            let added = added.clone();
            let done = Callback::from(move |outcome: Option<&'static str>| {
                if outcome.is_none() {
                    added.set(Some(rank));
                }
                done.emit(outcome);
            });
            save.emit((request, done));
        })
    };

    // The pointer handlers of the list: a drag starts only on a card's handle.
    let on_pointerdown = {
        let cell = drag_cell.clone();
        Callback::from(move |e: PointerEvent| {
            if drag::start(&cell, &e) {
                // No text selection nor focus change under a mouse.
                e.prevent_default();
            }
        })
    };
    let on_pointermove = {
        let cell = drag_cell.clone();
        Callback::from(move |e: PointerEvent| drag::moved(&cell, &e))
    };
    let on_pointerup = {
        let (cell, model, order) = (drag_cell.clone(), model.clone(), order.clone());
        Callback::from(move |e: PointerEvent| {
            let Some(dropped) = drag::end(&cell, &e, true) else {
                return;
            };
            let from = order.borrow().iter().position(|p| *p == dropped.moved);
            let to = dropped.position(&order.borrow());
            if let (Some(from), Some(to)) = (from, to)
                && from != to
            {
                spawn_edit(&model, id, move |doc, ctx| {
                    doc.move_proposal_to(dropped.moved, to, ctx).map(|_| ())
                });
            }
        })
    };
    let on_pointercancel = {
        let cell = drag_cell.clone();
        Callback::from(move |e: PointerEvent| {
            drag::end(&cell, &e, false);
        })
    };
    // Rank numbers: a proposal's place in the group's order, in either view.
    let rank_of = |pid: Uuid| live.iter().position(|p| p.id == pid).map_or(0, |i| i + 1);

    let card = |p: &&Proposal| -> Html {
        let position = rank_of(p.id);
        if *editing == Some(p.id) {
            let on_cancel = {
                let editing = editing.clone();
                Callback::from(move |()| editing.set(None))
            };
            let on_save = save_proposal(&model, id, Some(p.id), on_cancel.clone());
            return html! {
                <li key={p.id.to_string()}>
                    <ProposalForm initial={input_of(p)} douars={douars.clone()} groups={groups.clone()} {on_save} {on_cancel} editing=true />
                </li>
            };
        }
        html! {
            <ProposalCard key={p.id.to_string()} proposal={(*p).clone()} rank={position}
                first={position == 1} last={position == live.len()} votes_view={*votes_view}
                after_close={session.edited_after_close(p)} {lang}
                reference={reference_rc.clone()} on_action={on_action.clone()} />
        }
    };

    let deleted_section = (!deleted.is_empty())
        .then(|| deleted_list(lang, reference, &session, &deleted, &on_action));
    html! {
        <section class="proposals">
            if let Some(rank) = *added {
                <p class="added-note" role="status" data-test="proposal-added" data-rank={rank.to_string()}>
                    { lang.tf("proposal.added_last", &[("rank", &rank.to_string())]) }
                </p>
            }
            if *adding {
                <ProposalForm initial={ProposalInput {
                        douar_id: (douars.len() == 1).then(|| douars[0].clone()),
                        ..ProposalInput::default()
                    }}
                    douars={douars.clone()} groups={groups.clone()} on_save={on_add_save} on_cancel={on_add_cancel} editing=false />
            } else {
                <button type="button" class="btn primary huge" data-test="add-proposal" onclick={on_add_open}>
                    <span aria-hidden="true" class="plus">{ "+" }</span>{ lang.t("proposal.add") }
                </button>
            }
            if live.is_empty() && !*adding {
                <p class="empty">{ lang.t("proposal.empty") }</p>
            }
            if live.len() > 1 {
                { view_switch(lang, &votes_view) }
                <p class="hint" data-test="proposal-hint">
                    { lang.t(if *votes_view { "proposal.votes_view_hint" } else { "proposal.rank_hint" }) }
                </p>
            }
            <ol class={classes!("proposal-list", votes_view.then_some("by-votes"))} data-test="proposal-list"
                data-view={if *votes_view { "votes" } else { "rank" }}
                onpointerdown={on_pointerdown} onpointermove={on_pointermove}
                onpointerup={on_pointerup} onpointercancel={on_pointercancel.clone()}
                onlostpointercapture={on_pointercancel}>
                { for shown_order.iter().take(*shown).map(card) }
            </ol>
            { for deleted_section }
        </section>
    }
}

/// The two views of the list: the group's order (where it is changed) and by votes.
fn view_switch(lang: Lang, votes_view: &UseStateHandle<bool>) -> Html {
    let button = |votes: bool, key: &'static str, test: &'static str| {
        let onclick = {
            let votes_view = votes_view.clone();
            Callback::from(move |_: MouseEvent| votes_view.set(votes))
        };
        let pressed = **votes_view == votes;
        html! {
            <button type="button" class={classes!("segment", pressed.then_some("selected"))}
                aria-pressed={pressed.to_string()} data-test={test} {onclick}>{ lang.t(key) }</button>
        }
    };
    html! {
        <div class="view-switch" role="group" aria-label={lang.t("proposal.view")} data-test="proposal-view">
            { button(false, "proposal.view_rank", "view-rank") }
            { button(true, "proposal.view_votes", "view-votes") }
        </div>
    }
}

/// What the form asks: the input, "add another", and where to say how it went (`None` =
/// saved, else an error key).
type SaveRequest = ((ProposalInput, bool), Callback<Option<&'static str>>);
type SaveCallback = Callback<SaveRequest>;

/// The form's "save": adds a proposal (`target` none) or changes `target`; once written,
/// `close` (the form goes), else an error key for the form.
fn save_proposal(
    model: &Rc<Model>,
    id: Uuid,
    target: Option<Uuid>,
    close: Callback<()>,
) -> SaveCallback {
    let model = model.clone();
    Callback::from(move |((input, again), done): SaveRequest| {
        let (model, close) = (model.clone(), close.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let written = model
                .edit(id, move |doc, ctx| match target {
                    None => doc.add_proposal(&input, ctx).map(|_| ()),
                    Some(pid) => doc.update_proposal(pid, &input, ctx),
                })
                .await;
            match written {
                Ok(()) => {
                    done.emit(None);
                    if !again {
                        close.emit(());
                    }
                }
                Err(e) => done.emit(Some(error_key(&e))),
            }
        });
    })
}

/// The deleted proposals, folded, each with "restore".
fn deleted_list(
    lang: Lang,
    reference: Option<&Reference>,
    session: &Session,
    deleted: &[&Proposal],
    on_action: &Callback<(Uuid, CardAction)>,
) -> Html {
    let items = deleted.iter().map(|p| {
        let on_restore = {
            let (on_action, pid) = (on_action.clone(), p.id);
            Callback::from(move |_: MouseEvent| on_action.emit((pid, CardAction::Restore)))
        };
        html! {
            <li key={p.id.to_string()} class="proposal deleted" data-test="deleted-proposal" data-id={p.id.to_string()}>
                { proposal_body(lang, reference, p, session.edited_after_close(p)) }
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
}

#[derive(Properties, PartialEq)]
pub struct ProposalCardProps {
    pub proposal: Proposal,
    /// Its place in the group's order (1 = first), shown in either view. New proposals come
    /// last, so adding one re-renders that card and the one before (no longer last).
    pub rank: usize,
    pub first: bool,
    pub last: bool,
    /// Sorted by votes: a view to read, so neither the order nor the votes change here (a
    /// card moving under the finger while hands are counted would catch the next tap).
    pub votes_view: bool,
    pub after_close: bool,
    pub lang: Lang,
    pub reference: Option<Rc<Reference>>,
    pub on_action: Callback<(Uuid, CardAction)>,
}

/// One proposal in the ranking: its rank and votes, text, tags, votes stepper, the drag
/// handle between the arrows, and edit buttons.
#[component]
pub fn ProposalCard(props: &ProposalCardProps) -> Html {
    let p = &props.proposal;
    let lang = props.lang;
    let act = |action: CardAction| {
        let (on_action, pid) = (props.on_action.clone(), p.id);
        Callback::from(move |_: MouseEvent| on_action.emit((pid, action)))
    };
    let alone = props.first && props.last;
    html! {
        <li class={classes!("proposal", props.after_close.then_some("after-close"))} data-test="proposal"
            data-id={p.id.to_string()} data-rank={props.rank.to_string()} data-votes={p.votes.to_string()}>
            <div class="proposal-top">
                <div class="rank-column">
                    <span class="rank-badge" data-test="proposal-rank" title={lang.t("proposal.rank_label")}>{ props.rank }</span>
                    <span class={classes!("votes-badge", (p.votes > 0).then_some("some"))} data-test="proposal-votes-badge"
                        title={lang.tn("proposal.votes_count", p.votes.max(0) as u64)}>
                        <span aria-hidden="true">{ "✋" }</span>{ p.votes }
                    </span>
                </div>
                <div class="proposal-text">
                    { proposal_body(lang, props.reference.as_deref(), p, props.after_close) }
                </div>
                if !props.votes_view && !alone {
                    <div class="move-buttons">
                        <button type="button" class="move" data-test="proposal-up" disabled={props.first}
                            aria-label={lang.t("proposal.move_up")} title={lang.t("proposal.move_up")} onclick={act(CardAction::Up)}>
                            <span aria-hidden="true">{ "▲" }</span>
                        </button>
                        <span class="drag-handle" data-test="proposal-drag" data-drag={p.id.to_string()}
                            role="img" aria-label={lang.t("proposal.drag")} title={lang.t("proposal.drag")}>
                            <span aria-hidden="true">{ "⠿" }</span>
                        </span>
                        <button type="button" class="move" data-test="proposal-down" disabled={props.last}
                            aria-label={lang.t("proposal.move_down")} title={lang.t("proposal.move_down")} onclick={act(CardAction::Down)}>
                            <span aria-hidden="true">{ "▼" }</span>
                        </button>
                    </div>
                }
            </div>
            <div class="proposal-actions">
                if !props.votes_view {
                <div class="votes" data-test="proposal-votes">
                    <span class="votes-label">{ lang.t("proposal.votes") }</span>
                    <button type="button" class="step small minus" data-test="votes-minus" disabled={p.votes <= 0}
                        aria-label={lang.t("proposal.votes_less")} onclick={act(CardAction::Votes(-1))}>{ "−" }</button>
                    <output class="step-value small" data-test="votes-value">{ p.votes }</output>
                    <button type="button" class="step small plus" data-test="votes-plus"
                        aria-label={lang.t("proposal.votes_more")} onclick={act(CardAction::Votes(1))}>{ "+" }</button>
                </div>
                }
                <div class="card-buttons">
                    <button type="button" class="btn secondary" data-test="proposal-edit" onclick={act(CardAction::Edit)}>{ lang.t("proposal.edit") }</button>
                    <button type="button" class="btn danger-quiet" data-test="proposal-delete" onclick={act(CardAction::Delete)}>{ lang.t("proposal.delete") }</button>
                </div>
            </div>
        </li>
    }
}

fn proposal_body(
    lang: Lang,
    reference: Option<&Reference>,
    p: &Proposal,
    after_close: bool,
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
                if let Some(s) = &p.sector { <span class="tag">{ sector_label(reference, lang, s.clone()) }</span> }
                if let Some(d) = &p.douar_id { <span class="tag">{ douar_full_name(reference, d) }</span> }
                if !p.raised_by.is_empty() {
                    <span class="tag quiet" data-test="proposal-raised-by-value">{ lang.tf("proposal.raised_by_value", &[("who", &p.raised_by)]) }</span>
                }
                if after_close {
                    <span class="tag after-close" data-test="after-close">{ lang.t("proposal.after_close") }</span>
                }
            </p>
        </>
    }
}

#[derive(Properties, PartialEq)]
pub struct ProposalFormProps {
    pub initial: ProposalInput,
    pub douars: Rc<Vec<String>>,
    /// Sub-groups named before in the session.
    pub groups: Rc<Vec<String>>,
    /// Called with the input and a callback for the outcome (`None` = saved, else an error key).
    /// The flag is "add another": the list keeps the form open.
    pub on_save: SaveCallback,
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
    let problem_ref = use_node_ref();
    let solution_ref = use_node_ref();
    // The keyboard comes up on the problem as the form opens: no tap to reach the first field.
    {
        let problem_ref = problem_ref.clone();
        use_effect_with((), move |()| focus(&problem_ref));
    }

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

    // Recent sectors as chips (one tap), every sector in a compact list (two taps).
    let recent = recent_sectors();
    let set_sector = {
        let input = input.clone();
        Callback::from(move |s: Option<Sector>| {
            let mut next = (*input).clone();
            next.sector = if next.sector == s { None } else { s };
            input.set(next);
        })
    };
    let sector_chips = recent.iter().map(|s| {
        let selected = input.sector.as_ref() == Some(s);
        let onclick = {
            let (set_sector, s) = (set_sector.clone(), s.clone());
            Callback::from(move |()| set_sector.emit(Some(s.clone())))
        };
        html! { <Chip label={sector_label(reference, lang, s.clone())} {selected} {onclick} test="sector-chip" code={s.code().to_string()} icon={Some(crate::widgets::sector_icon(s))} /> }
    });
    let on_sector_select = {
        let input = input.clone();
        Callback::from(move |e: Event| {
            let code = e
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            let mut next = (*input).clone();
            next.sector = Sector::from_code(&code);
            input.set(next);
        })
    };
    let sector_options = Sector::ALL.iter().map(|s| {
        // A sector picked by its chip is not repeated in the list.
        let selected = input.sector.as_ref() == Some(s) && !recent.contains(s);
        html! { <option value={s.code().to_string()} {selected}>{ sector_label(reference, lang, s.clone()) }</option> }
    });
    // The douars in the order the session lists them, the last one used first.
    let mut douars: Vec<&String> = props.douars.iter().collect();
    if let Some(last) = recent_douar(&props.douars) {
        douars.sort_by_key(|d| **d != last);
    }
    let douar_chips = douars.into_iter().map(|d| {
        let selected = input.douar_id.as_deref() == Some(d.as_str());
        let onclick = {
            let (input, d) = (input.clone(), d.clone());
            Callback::from(move |()| {
                let mut next = (*input).clone();
                next.douar_id = if next.douar_id.as_deref() == Some(d.as_str()) { None } else { Some(d.clone()) };
                input.set(next);
            })
        };
        let (ar, latin) = douar_chip_names(reference, d);
        html! { <Chip label={ar} sub={latin.map(AttrValue::from)} {selected} {onclick} test="proposal-douar-chip" code={d.clone()} /> }
    });

    let group_chips = props.groups.iter().map(|g| {
        let selected = input.raised_by.trim() == g.as_str();
        let onclick = {
            let (input, g) = (input.clone(), g.clone());
            Callback::from(move |()| {
                let mut next = (*input).clone();
                next.raised_by = if next.raised_by.trim() == g { String::new() } else { g.clone() };
                input.set(next);
            })
        };
        html! { <Chip label={g.clone()} {selected} {onclick} test="raised-by-chip" code={g.clone()} /> }
    });
    let empty = input.problem.trim().is_empty() && input.solution.trim().is_empty();
    // "Save" closes the form; "save and add another" empties it for the next proposal and
    // puts the cursor back in the problem (the sector and douar stay as recent choices).
    let submit = {
        let (input, busy, error, on_save, problem_ref) = (
            input.clone(),
            busy.clone(),
            error.clone(),
            props.on_save.clone(),
            problem_ref.clone(),
        );
        move |again: bool| {
            if *busy {
                return;
            }
            busy.set(true);
            error.set(None);
            remember_choices(&input);
            let done = {
                let (busy, error, input, problem_ref) = (
                    busy.clone(),
                    error.clone(),
                    input.clone(),
                    problem_ref.clone(),
                );
                Callback::from(move |outcome: Option<&'static str>| {
                    busy.set(false);
                    error.set(outcome);
                    if again && outcome.is_none() {
                        input.set(ProposalInput {
                            douar_id: input.douar_id.clone(),
                            ..ProposalInput::default()
                        });
                        focus(&problem_ref);
                    }
                })
            };
            on_save.emit((((*input).clone(), again), done));
        }
    };
    let on_submit = {
        let submit = submit.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            submit(false);
        })
    };
    let on_save_next = Callback::from(move |_: MouseEvent| submit(true));
    // Enter in the problem goes on to the solution (the keyboard's "next"), Enter in the
    // solution puts the keyboard away (its "done": the pickers and "save" come into sight);
    // Shift+Enter is a new line. A proposal is a line or two on the flip-chart.
    let on_problem_key = {
        let solution_ref = solution_ref.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" && !e.shift_key() && !e.is_composing() {
                e.prevent_default();
                focus(&solution_ref);
            }
        })
    };
    let on_solution_key = {
        let solution_ref = solution_ref.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" && !e.shift_key() && !e.is_composing() {
                e.prevent_default();
                if let Some(el) = solution_ref.cast::<web_sys::HtmlElement>() {
                    let _ = el.blur();
                }
            }
        })
    };
    let on_cancel = props.on_cancel.reform(|_: MouseEvent| ());
    html! {
        <form class="proposal-form" data-test="proposal-form" onsubmit={on_submit}>
            <h2>{ if props.editing { lang.t("proposal.edit_title") } else { lang.t("proposal.new_title") } }</h2>
            <label class="field">
                <span>{ lang.t("proposal.problem") }</span>
                <textarea rows="2" dir="auto" data-test="proposal-problem" enterkeyhint="next" ref={problem_ref}
                    value={input.problem.clone()} oninput={on_problem} onkeydown={on_problem_key} />
            </label>
            <label class="field">
                <span>{ lang.t("proposal.solution") }</span>
                <textarea rows="2" dir="auto" data-test="proposal-solution" enterkeyhint="done" ref={solution_ref}
                    value={input.solution.clone()} oninput={on_solution} onkeydown={on_solution_key} />
            </label>
            <fieldset class="group compact-picker">
                <legend>{ lang.t("proposal.sector") }</legend>
                <div class="chips recent">
                    { for sector_chips }
                    <select data-test="proposal-sector" aria-label={lang.t("proposal.sector_all")}
                        class={classes!("picker", input.sector.as_ref().is_some_and(|s| !recent.contains(s)).then_some("selected"))}
                        onchange={on_sector_select}>
                        <option value="" selected={input.sector.as_ref().is_none_or(|s| recent.contains(s))}>{ lang.t("proposal.sector_all") }</option>
                        { for sector_options }
                    </select>
                </div>
            </fieldset>
            if props.douars.len() > 1 {
                <fieldset class="group compact-picker">
                    <legend>{ lang.t("proposal.douar") }</legend>
                    <div class="chips recent">{ for douar_chips }</div>
                </fieldset>
            }
            <label class="field">
                <span>{ lang.t("proposal.raised_by") }</span>
                <input type="text" dir="auto" data-test="proposal-raised-by" placeholder={lang.t("proposal.raised_by_hint")}
                    value={input.raised_by.clone()} oninput={on_raised_by} />
            </label>
            if !props.groups.is_empty() {
                <div class="chips known-groups" role="group" aria-label={lang.t("proposal.raised_by_known")}>
                    { for group_chips }
                </div>
            }
            if let Some(key) = *error {
                <p class="notice warn" role="alert" data-test="proposal-error">{ lang.t(key) }</p>
            }
            <div class="form-actions sticky-actions">
                <button type="submit" class="btn primary big" data-test="proposal-save" disabled={empty || *busy}>
                    { lang.t("proposal.save") }
                </button>
                if !props.editing {
                    <button type="button" class="btn secondary big" data-test="proposal-save-next"
                        disabled={empty || *busy} onclick={on_save_next}>
                        { lang.t("proposal.save_next") }
                    </button>
                }
                <button type="button" class="btn secondary big" data-test="proposal-cancel" onclick={on_cancel}>
                    { lang.t("common.cancel") }
                </button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proposal(n: u8, votes: i64) -> Proposal {
        Proposal {
            id: Uuid::from_bytes([n; 16]),
            problem: format!("p{n}"),
            solution: String::new(),
            sector: None,
            douar_id: None,
            raised_by: String::new(),
            created_at: 0,
            created_by: String::new(),
            deleted: false,
            rank: -f64::from(n),
            votes,
            edited_at: None,
        }
    }

    #[test]
    fn the_votes_view_sorts_by_votes_then_by_the_groups_order() {
        let ranked = [
            proposal(1, 2),
            proposal(2, 7),
            proposal(3, 0),
            proposal(4, 7),
            proposal(5, 2),
        ];
        let live: Vec<&Proposal> = ranked.iter().collect();
        let shown: Vec<&str> = by_votes(&live).iter().map(|p| p.problem.as_str()).collect();
        assert_eq!(shown, ["p2", "p4", "p1", "p5", "p3"]);
        // The ranking itself is untouched.
        assert_eq!(live[0].problem, "p1");
    }
}
