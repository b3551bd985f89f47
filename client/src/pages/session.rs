//! A session: its details (times, place, people), attendance, proposals and notes, each change
//! saved on the tablet at once; closing, and edits after closing.

mod attendance;
mod correct;
mod notes;
mod photos;
mod proposals;

use std::rc::Rc;

use tachkhis_shared::session::Session;
use uuid::Uuid;
use yew::prelude::*;

use crate::model::Model;
use crate::route::Route;
use crate::use_model;
use crate::widgets::{
    DateField, SyncPanel, SyncProblemNotice, TimeField, TopBar, clock_now, doc_sync_badge,
    douar_names_html, pole_full_name, session_title, show_clock, show_date, show_time,
};

#[derive(Properties, PartialEq)]
pub struct SessionPageProps {
    pub id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Attendance,
    Proposals,
    Notes,
    Photos,
}

/// Props of the three tabs.
#[derive(Properties, PartialEq)]
pub struct TabProps {
    pub id: Uuid,
    pub session: Rc<Session>,
}

/// Runs one edit of the session document in the background; the screen follows the model.
pub fn spawn_edit(
    model: &Rc<Model>,
    id: Uuid,
    change: impl FnOnce(
        &mut tachkhis_shared::SessionDoc,
        &tachkhis_shared::session::EditCtx,
    ) -> Result<(), tachkhis_shared::session::DocError>
    + 'static,
) {
    let written = model.edit(id, change);
    wasm_bindgen_futures::spawn_local(async move {
        // A failed write shows in the save indicator; a refused input changes nothing.
        let _ = written.await;
    });
}

/// Whether the session's header is folded: a choice of the tablet (its screen and the
/// facilitator's habit), kept across sessions and reloads.
const HEAD_FOLDED_KEY: &str = "tachkhis-session-head-folded";

fn head_folded() -> bool {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(HEAD_FOLDED_KEY).ok().flatten())
        .is_some_and(|v| v == "1")
}

fn set_head_folded(folded: bool) {
    if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = s.set_item(HEAD_FOLDED_KEY, if folded { "1" } else { "0" });
    }
}

/// "Saved on this tablet" once the last change is written.
#[component]
fn SaveIndicator() -> Html {
    let (model, lang) = use_model();
    let save = model.save_status();
    let (state, text) = if save.pending > 0 {
        ("saving", lang.t("save.saving").to_string())
    } else if save.failed {
        ("failed", lang.t("save.failed").to_string())
    } else if let Some(ms) = save.last_saved {
        (
            "saved",
            lang.tf("save.saved_at", &[("time", &show_clock(ms))]),
        )
    } else {
        return html! {};
    };
    html! {
        <span class={classes!("save-indicator", state)} data-test="save-state" data-state={state} role="status">
            { text }
        </span>
    }
}

#[component]
pub fn SessionPage(props: &SessionPageProps) -> Html {
    let (model, lang) = use_model();
    // Back on the Photos tab when the page was reloaded from it (the browser killed while the
    // camera was open).
    let tab = {
        let id = Uuid::parse_str(&props.id).ok();
        use_state(move || {
            if id.is_some_and(photos::photos_tab_open) {
                Tab::Photos
            } else {
                Tab::Attendance
            }
        })
    };
    let folded = use_state(head_folded);
    let view = Uuid::parse_str(&props.id)
        .ok()
        .and_then(|id| model.session(id));
    let Some(view) = view else {
        return html! {
            <>
                <TopBar title={lang.t("session.not_found")} back={Some(Route::Home)} />
                <main class="page"><p class="notice warn">{ lang.t("session.not_found_text") }</p></main>
            </>
        };
    };
    let reference = model.reference();
    let reference = reference.as_deref();
    let Some(session) = view.session.clone() else {
        return html! {
            <>
                <TopBar title={lang.t("home.unreadable_session")} back={Some(Route::Home)} />
                <main class="page">{ doc_sync_badge(lang, &view.sync, false) }</main>
            </>
        };
    };
    let title = session_title(reference, lang, &session);
    let after_close = session
        .proposals
        .iter()
        .filter(|p| session.edited_after_close(p))
        .count();
    let tab_button = |t: Tab, key: &'static str, test: &'static str, count: Option<String>| {
        let onclick = {
            let (tab, id) = (tab.clone(), view.id);
            Callback::from(move |_: MouseEvent| {
                photos::set_photos_tab_open(id, t == Tab::Photos);
                tab.set(t)
            })
        };
        let selected = *tab == t;
        html! {
            <button type="button" role="tab" aria-selected={if selected { "true" } else { "false" }}
                class={classes!("tab", selected.then_some("selected"))} data-test={test} {onclick}>
                { lang.t(key) }
                if let Some(c) = count { <span class="tab-count">{ c }</span> }
            </button>
        }
    };
    let live = session.live_proposals().count().to_string();
    let present = session.attendance.total().to_string();
    let body = match *tab {
        Tab::Attendance => {
            html! { <attendance::AttendanceTab id={view.id} session={session.clone()} /> }
        }
        Tab::Proposals => {
            html! { <proposals::ProposalsTab id={view.id} session={session.clone()} /> }
        }
        Tab::Notes => html! { <notes::NotesTab id={view.id} session={session.clone()} /> },
        Tab::Photos => html! { <photos::PhotosTab id={view.id} session={session.clone()} /> },
    };
    let photo_count = session.live_photos().count().to_string();
    let place = html! {
        <>
            <span class="pole-name">{ pole_full_name(reference, &session.meta.pole_id) }</span>
            { " · " }
            { douar_names_html(reference, lang, &session.douar_ids) }
        </>
    };
    let toggle_head = {
        let folded = folded.clone();
        Callback::from(move |_: MouseEvent| {
            let next = !*folded;
            set_head_folded(next);
            folded.set(next);
        })
    };
    html! {
        <>
            <TopBar title={title} back={Some(Route::Home)} />
            if *folded {
                // Folded: one line, the place and whether the work is safe; notices that ask
                // something of the facilitator still show.
                <div class="session-head folded" data-test="session-head" data-folded="true">
                    <div class="head-line">
                        <p class="session-place" data-test="session-place">{ place }</p>
                        <SaveIndicator />
                        { doc_sync_badge(lang, &view.sync, model.server_failing()) }
                        <button type="button" class="btn secondary" data-test="head-toggle"
                            aria-expanded="false" onclick={toggle_head}>{ lang.t("session.head_unfold") }</button>
                    </div>
                    if view.sync.refused() {
                        <crate::widgets::share::RefusedNotice id={view.id} />
                    }
                    { correct::at_once_notices(reference, lang, &session) }
                    <SyncProblemNotice />
                </div>
            } else {
                <div class="session-head" data-test="session-head" data-folded="false">
                    <div class="head-line">
                        <p class="session-place" data-test="session-place">{ place }</p>
                        <button type="button" class="btn secondary" data-test="head-toggle"
                            aria-expanded="true" onclick={toggle_head}>{ lang.t("session.head_fold") }</button>
                    </div>
                    <MeetingDetails id={view.id} session={session.clone()} />
                    { correct::at_once_notices(reference, lang, &session) }
                    if let Some(closed) = session.meta.closed_at {
                        <div class="notice closed" data-test="session-closed" role="status">
                            <p>
                                <strong>{ lang.tf("session.closed_at", &[("time", &show_time(closed as f64))]) }</strong>
                                { " " }{ lang.t("session.closed_note") }
                            </p>
                            if after_close > 0 {
                                <p data-test="edited-after-close-count" data-count={after_close.to_string()}>
                                    { lang.tn("session.edited_after_close_count", after_close as u64) }
                                </p>
                            }
                        </div>
                    }
                    // Fixed rows: what changes while typing (the save indicator) never moves the tabs.
                    <div class="session-status">
                        { doc_sync_badge(lang, &view.sync, model.server_failing()) }
                        <SyncPanel compact=true />
                    </div>
                    <div class="save-line"><SaveIndicator /></div>
                    if view.sync.refused() {
                        <crate::widgets::share::RefusedNotice id={view.id} />
                    }
                    <crate::widgets::share::ShareSession id={view.id} />
                    <SyncProblemNotice />
                </div>
            }
            <nav class="tabs" role="tablist">
                { tab_button(Tab::Attendance, "session.tab.attendance", "tab-attendance", Some(present)) }
                { tab_button(Tab::Proposals, "session.tab.proposals", "tab-proposals", Some(live)) }
                { tab_button(Tab::Notes, "session.tab.notes", "tab-notes", None) }
                { tab_button(Tab::Photos, "session.tab.photos", "tab-photos", Some(photo_count)) }
            </nav>
            <main class="page tab-body">{ body }</main>
        </>
    }
}

/// Date, times, place and the people who ran the meeting; each field saved when it is left.
#[component]
fn MeetingDetails(props: &TabProps) -> Html {
    let (model, lang) = use_model();
    let open = use_state(|| false);
    let id = props.id;
    let meta = &props.session.meta;
    let d = &meta.details;
    let toggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    // One field of the details, changed on top of the document's current details.
    let set = |f: fn(&mut tachkhis_shared::session::SessionDetails, Option<String>)| {
        let model = model.clone();
        Callback::from(move |value: Option<String>| {
            spawn_edit(&model, id, move |doc, ctx| {
                doc.update_details(|d| f(d, value), ctx)
            })
        })
    };
    let on_start = set(|d, v| d.start_time = v);
    let on_end = set(|d, v| d.end_time = v);
    let text = |f: fn(&mut tachkhis_shared::session::SessionDetails, Option<String>)| {
        set(f).reform(|e: Event| {
            let v = e
                .target_unchecked_into::<web_sys::HtmlInputElement>()
                .value();
            Some(v.trim().to_string())
        })
    };
    let on_place = text(|d, v| d.place = v.unwrap_or_default());
    let on_note_taker = text(|d, v| d.note_taker = v.unwrap_or_default());
    let on_date = {
        let model = model.clone();
        Callback::from(move |date: String| {
            spawn_edit(&model, id, move |doc, ctx| {
                let (meta, douars) = doc.read_meta()?;
                let mut init = meta.opening(&douars);
                init.date = date;
                doc.update_meta(&init, &meta.details, ctx)
            })
        })
    };
    let on_facilitators = {
        let model = model.clone();
        Callback::from(move |e: Event| {
            let names = e
                .target_unchecked_into::<web_sys::HtmlInputElement>()
                .value()
                .trim()
                .to_string();
            spawn_edit(&model, id, move |doc, ctx| {
                let (meta, douars) = doc.read_meta()?;
                let mut init = meta.opening(&douars);
                init.facilitators = names;
                doc.update_meta(&init, &meta.details, ctx)
            })
        })
    };
    let times = match (&d.start_time, &d.end_time) {
        (Some(s), Some(e)) => lang.tf("session.time_range", &[("start", s), ("end", e)]),
        (Some(s), None) => lang.tf("session.from_time", &[("time", s)]),
        (None, Some(e)) => lang.tf("session.until_time", &[("time", e)]),
        (None, None) => String::new(),
    };
    let facts = [
        ("session.date", show_date(&meta.date), "detail-date"),
        ("session.time", times, "detail-time"),
        ("session.place", d.place.clone(), "detail-place"),
        (
            "new.facilitators",
            meta.facilitators.clone(),
            "detail-facilitators",
        ),
        (
            "session.note_taker",
            d.note_taker.clone(),
            "detail-note-taker",
        ),
    ];
    let facts = facts
        .iter()
        .filter(|(_, v, _)| !v.is_empty())
        .map(|(k, v, test)| {
            html! {
                <div class="fact" data-test={*test}>
                    <dt>{ lang.t(k) }</dt>
                    <dd dir="auto">{ v.clone() }</dd>
                </div>
            }
        });
    html! {
        <section class="meeting">
            <div class="meeting-line">
                <dl class="facts">{ for facts }</dl>
                <div class="meeting-buttons">
                    <button type="button" class="btn secondary" data-test="edit-details"
                        aria-expanded={if *open { "true" } else { "false" }} onclick={toggle}>
                        { if *open { lang.t("session.details_done") } else { lang.t("session.details_edit") } }
                    </button>
                    if meta.closed_at.is_none() {
                        <CloseSession {id} />
                    }
                </div>
            </div>
            if *open {
                <div class="meeting-form" data-test="details-form">
                    <div class="row-fields">
                        <DateField label={lang.t("new.date")} test="session-date"
                            value={meta.date.clone()} on_change={on_date} />
                    </div>
                    <div class="row-fields">
                        <TimeField label={lang.t("session.start_time")} test="start-time"
                            value={d.start_time.clone()} on_change={on_start} />
                        <TimeField label={lang.t("session.end_time")} test="end-time"
                            value={d.end_time.clone()} on_change={on_end} />
                    </div>
                    if d.ends_before_start() {
                        <p class="hint warn-text" data-test="ends-before-start">{ lang.t("session.ends_before_start") }</p>
                    }
                    <div class="row-fields">
                        <label class="field grow">
                            <span>{ lang.t("session.place") }</span>
                            <input type="text" dir="auto" data-test="place" placeholder={lang.t("session.place_hint")}
                                value={d.place.clone()} onchange={on_place} />
                        </label>
                    </div>
                    <div class="row-fields">
                        <label class="field grow">
                            <span>{ lang.t("new.facilitators") }</span>
                            <input type="text" dir="auto" data-test="facilitators" placeholder={lang.t("new.facilitators_hint")}
                                value={meta.facilitators.clone()} onchange={on_facilitators} />
                        </label>
                        <label class="field">
                            <span>{ lang.t("session.note_taker") }</span>
                            <input type="text" dir="auto" data-test="note-taker" placeholder={lang.t("session.note_taker_hint")}
                                value={d.note_taker.clone()} onchange={on_note_taker} />
                        </label>
                    </div>
                    <correct::CorrectOpening {id} session={props.session.clone()} />
                </div>
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct CloseProps {
    id: Uuid,
}

/// "Close the session", asked twice; the end time becomes now if it was not set.
#[component]
fn CloseSession(props: &CloseProps) -> Html {
    let (model, lang) = use_model();
    let asking = use_state(|| false);
    let id = props.id;
    let ask = {
        let asking = asking.clone();
        Callback::from(move |_: MouseEvent| asking.set(true))
    };
    let cancel = {
        let asking = asking.clone();
        Callback::from(move |_: MouseEvent| asking.set(false))
    };
    let confirm = {
        let (model, asking) = (model.clone(), asking.clone());
        Callback::from(move |_: MouseEvent| {
            asking.set(false);
            let now = clock_now();
            spawn_edit(&model, id, move |doc, ctx| {
                doc.update_details(
                    |d| {
                        if d.end_time.is_none() {
                            d.end_time = Some(now);
                        }
                    },
                    ctx,
                )?;
                doc.close(ctx)
            })
        })
    };
    html! {
        <section class="close-session">
            if *asking {
                <div class="confirm" role="alertdialog" aria-labelledby="close-q" data-test="close-confirm">
                    <p id="close-q"><strong>{ lang.t("session.close_question") }</strong></p>
                    <p>{ lang.t("session.close_explain") }</p>
                    <div class="form-actions">
                        <button type="button" class="btn danger big" data-test="close-confirm-yes" onclick={confirm}>
                            { lang.t("session.close_yes") }
                        </button>
                        <button type="button" class="btn secondary big" data-test="close-confirm-no" onclick={cancel}>
                            { lang.t("common.cancel") }
                        </button>
                    </div>
                </div>
            } else {
                <button type="button" class="btn secondary big close-btn" data-test="close-session" onclick={ask}>
                    { lang.t("session.close") }
                </button>
            }
        </section>
    }
}
