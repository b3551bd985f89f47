//! My sessions: every session on this tablet with its sync state, and the way to a new one.

use tachkhis_shared::permissions::Action;
use yew::prelude::*;

use crate::model::SessionView;
use crate::route::{Redirect, Route, use_navigator};
use crate::use_model;
use crate::widgets::{
    PersistWarning, SyncPanel, TopBar, doc_sync_badge, douar_list, group_label, pole_name,
    show_date,
};

#[component]
pub fn Home() -> Html {
    let (model, lang) = use_model();
    let navigator = use_navigator();
    let Some(auth) = model.auth() else {
        return html! { <Redirect to={Route::Login} /> };
    };
    // Who does not run sessions works on the office screens; an admin may use both.
    if !auth.role.can(Action::RunSessions) {
        // The bureau decides on the ranking: its home is the priorities.
        let to = if auth.role.can(Action::ApproveRanking) {
            Route::OfficePriorities
        } else if auth.role.can(Action::RecordProcedure) && !auth.role.can(Action::Consolidate) {
            // The secretariat records the procedure: its home is the procedure (issue 14).
            Route::OfficeProcedure
        } else if auth.role.can(Action::WriteOpinions) {
            // Committee and IEECAG members give opinions: that screen first (issue 14).
            Route::OfficeOpinions
        } else {
            Route::OfficeProposals
        };
        return html! { <Redirect {to} /> };
    }
    let sessions = model.sessions();
    let reference = model.reference();
    let reference = reference.as_deref();
    let new_session = {
        let navigator = navigator.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(n) = &navigator {
                n.push(&Route::NewSession);
            }
        })
    };
    let server_failing = model.server_failing();
    let card = |view: &SessionView| -> Html {
        let open = {
            let navigator = navigator.clone();
            let id = view.id.to_string();
            Callback::from(move |_: MouseEvent| {
                if let Some(n) = &navigator {
                    n.push(&Route::Session { id: id.clone() });
                }
            })
        };
        let body = match &view.session {
            Some(s) => {
                let live = s.live_proposals().count().to_string();
                let present = s.attendance.total().to_string();
                html! {
                    <>
                        <div class="card-head">
                            <h2>{ group_label(reference, lang, s.meta.group_kind.clone()) }</h2>
                            <span class="card-date">{ show_date(&s.meta.date) }</span>
                        </div>
                        <p class="card-place">
                            <strong>{ pole_name(reference, lang, &s.meta.pole_id) }</strong>
                            if !s.douar_ids.is_empty() {
                                { " · " }{ douar_list(reference, lang, &s.douar_ids) }
                            }
                        </p>
                        <p class="card-counts">
                            <span data-test="card-proposals">{ lang.tf("home.proposals_count", &[("count", &live)]) }</span>
                            <span data-test="card-present">{ lang.tf("home.present_count", &[("count", &present)]) }</span>
                        </p>
                    </>
                }
            }
            None => html! { <h2>{ lang.t("home.unreadable_session") }</h2> },
        };
        html! {
            <li>
                <button type="button" class="session-card" data-test="session-card"
                    data-id={view.id.to_string()} onclick={open}>
                    { body }
                    <div class="card-sync">{ doc_sync_badge(lang, &view.sync, server_failing) }</div>
                </button>
                // Beside the card, not in it: its buttons cannot sit inside the card's button.
                if view.sync.refused() {
                    <crate::widgets::share::RefusedNotice id={view.id} />
                }
            </li>
        }
    };
    html! {
        <>
            <TopBar title={lang.t("home.title")} />
            <main class="page">
                <PersistWarning />
                <SyncPanel />
                <button type="button" class="btn primary huge new-session" data-test="new-session" onclick={new_session}>
                    <span aria-hidden="true" class="plus">{ "+" }</span>
                    { lang.t("home.new_session") }
                </button>
                if sessions.is_empty() {
                    <p class="empty">{ lang.t("home.empty") }</p>
                } else {
                    <ul class="session-list">
                        { for sessions.iter().map(card) }
                    </ul>
                }
                <crate::widgets::share::HomeTools />
                <p class="whoami">{ lang.tf("home.signed_in_as", &[("name", &model.username())]) }</p>
                if auth.role.can(Action::ReadProposals) {
                    <p class="whoami"><a href="/office/proposals" data-test="to-office">{ lang.t("office.nav.office") }</a></p>
                }
            </main>
        </>
    }
}
