//! A session: attendance, proposals and notes, each change saved on the tablet at once.

mod attendance;
mod notes;
mod proposals;

use std::rc::Rc;

use tachkhis_shared::session::Session;
use uuid::Uuid;
use yew::prelude::*;

use crate::model::Model;
use crate::route::Route;
use crate::ui::{
    SyncPanel, SyncProblemNotice, TopBar, doc_sync_badge, douar_list, session_title, show_clock,
};
use crate::use_model;

#[derive(Properties, PartialEq)]
pub struct SessionPageProps {
    pub id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Attendance,
    Proposals,
    Notes,
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
    let tab = use_state(|| Tab::Attendance);
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
                <main class="page">{ doc_sync_badge(lang, &view.sync) }</main>
            </>
        };
    };
    let title = session_title(reference, lang, &session);
    let tab_button = |t: Tab, key: &'static str, test: &'static str, count: Option<String>| {
        let onclick = {
            let tab = tab.clone();
            Callback::from(move |_: MouseEvent| tab.set(t))
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
    };
    html! {
        <>
            <TopBar title={title} back={Some(Route::Home)} />
            <div class="session-head">
                <p class="session-place">
                    { douar_list(reference, lang, &session.douar_ids) }
                    if !session.meta.facilitators.is_empty() {
                        { " · " }
                        <span dir="auto">{ lang.tf("session.facilitators", &[("names", &session.meta.facilitators)]) }</span>
                    }
                </p>
                // Fixed rows: what changes while typing (the save indicator) never moves the tabs.
                <div class="session-status">
                    { doc_sync_badge(lang, &view.sync) }
                    <SyncPanel compact=true />
                </div>
                <div class="save-line"><SaveIndicator /></div>
                <crate::share::ShareSession id={view.id} />
                <SyncProblemNotice />
            </div>
            <nav class="tabs" role="tablist">
                { tab_button(Tab::Attendance, "session.tab.attendance", "tab-attendance", Some(present)) }
                { tab_button(Tab::Proposals, "session.tab.proposals", "tab-proposals", Some(live)) }
                { tab_button(Tab::Notes, "session.tab.notes", "tab-notes", None) }
            </nav>
            <main class="page tab-body">{ body }</main>
        </>
    }
}
