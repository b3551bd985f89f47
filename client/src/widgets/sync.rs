//! The sync panel, the per-session sync badge and the notice of the last run's problem.

use yew::prelude::*;

use crate::i18n::Lang;
use crate::model::{DocProblem, DocSync, SyncProblem};
use crate::route::{Route, use_navigator};
use crate::use_model;

use super::*;

/// The words and colour of a session's sync state. `server_failing`: the last run met an error
/// on the server's side, so what waits is waiting for the server, not for the network.
pub fn doc_sync_badge(lang: Lang, sync: &DocSync, server_failing: bool) -> Html {
    // `data-state` keeps the three colours (pending / synced / error); `data-sync` tells the
    // two kinds of pending apart, and a refusal from the other problems.
    let (state, detail, text) = match sync {
        DocSync::Local if server_failing => {
            ("pending", "local", lang.t("sync.local_server").to_string())
        }
        DocSync::Local => ("pending", "local", lang.t("sync.local").to_string()),
        DocSync::Partial => ("pending", "partial", lang.t("sync.partial").to_string()),
        DocSync::Synced => ("synced", "synced", lang.t("sync.synced").to_string()),
        // Calm words: nothing is lost, and the notice beside says what to do.
        DocSync::Problem(DocProblem::Refused(_)) => {
            ("error", "refused", lang.t("sync.refused").to_string())
        }
        DocSync::Problem(p) => {
            let reason = match p {
                DocProblem::Refused(_) => lang.t("sync.refused"),
                DocProblem::Quarantined { .. } => lang.t("problem.quarantined"),
                DocProblem::SaveFailed => lang.t("problem.save_failed"),
                DocProblem::Unreadable => lang.t("problem.unreadable"),
            };
            (
                "error",
                "error",
                lang.tf("sync.error", &[("reason", reason)]),
            )
        }
    };
    let icon = match state {
        "synced" => "✓",
        "error" => "!",
        _ => "●",
    };
    html! {
        // Waiting for the network is the normal state in a douar: a calm colour, not a warning.
        <span class={classes!("badge", state, (state == "pending" && !server_failing).then_some("calm"))} data-test="sync-state" data-state={state} data-sync={detail}>
            <span class="badge-icon" aria-hidden="true">{ icon }</span>
            { text }
        </span>
    }
}

#[derive(Properties, PartialEq)]
pub struct SyncPanelProps {
    /// The compact form for a session's header.
    #[prop_or_default]
    pub compact: bool,
}

/// Last sync, what is waiting, what went wrong, and the "sync now" button.
#[component]
pub fn SyncPanel(props: &SyncPanelProps) -> Html {
    let (model, lang) = use_model();
    let status = model.sync_status();
    let sync_now = {
        let model = model.clone();
        Callback::from(move |_: MouseEvent| model.request_sync())
    };
    let button = html! {
        <button type="button" class="btn secondary sync-now" data-test="sync-now"
            disabled={status.running} onclick={sync_now}>
            { if status.running { lang.t("sync.running") } else { lang.t("sync.now") } }
        </button>
    };
    let progress = match (status.running, status.progress) {
        (true, Some((settled, total))) if total > 0 => html! {
            <div class="sync-progress" data-test="sync-progress"
                data-settled={settled.to_string()} data-total={total.to_string()}>
                <progress max={total.to_string()} value={settled.to_string()}
                    aria-label={lang.t("sync.running")}></progress>
                <span>{ lang.tf("sync.progress", &[("settled", &settled.to_string()), ("total", &total.to_string())]) }</span>
            </div>
        },
        _ => html! {},
    };
    if props.compact {
        return html! { <div class="sync-panel compact">{ button }</div> };
    }
    let last = match model.last_sync() {
        Some(ms) => lang.tf("sync.last", &[("time", &show_time(ms))]),
        None => lang.t("sync.never").to_string(),
    };
    let pending = model.pending_count();
    let refused = model.refused_count();
    let pending_text = if pending == 0 && refused == 0 {
        lang.t("sync.nothing_pending").to_string()
    } else if pending == 0 {
        lang.t("sync.others_sent").to_string()
    } else {
        lang.tn("sync.pending_count", pending as u64)
    };
    html! {
        <section class="sync-panel">
            <div class="sync-row">
                <div class="sync-facts">
                    <p data-test="last-sync">{ last }</p>
                    <p data-test="pending-count" data-count={pending.to_string()}>{ pending_text }</p>
                    if refused > 0 {
                        <p data-test="refused-count" data-count={refused.to_string()}>
                            { lang.tn("sync.refused_count", refused as u64) }
                        </p>
                    }
                </div>
                { button }
            </div>
            { progress }
            <SyncProblemNotice />
        </section>
    }
}

/// Why the last sync did not go through, in words; with the way back in when the login expired.
#[component]
pub fn SyncProblemNotice() -> Html {
    let (model, lang) = use_model();
    let navigator = use_navigator();
    let Some(problem) = model.sync_status().problem else {
        return html! {};
    };
    // Offline, the next try comes by itself when the network does: the time of the next
    // attempt would only repeat all day in the douar. It is said when the server failed.
    let next_retry = model.sync_status().next_retry.filter(|_| problem != SyncProblem::Offline).map(|ms| {
        html! {
            <p class="next-retry" data-test="next-retry">{ lang.tf("sync.next_retry", &[("time", &show_clock(ms))]) }</p>
        }
    });
    let export = (problem == SyncProblem::Revoked)
        .then(|| html! { <crate::widgets::share::ExportAllButton test="revoked-export" /> });
    let relogin = (problem == SyncProblem::AuthExpired).then(|| {
        let onclick = Callback::from(move |_: MouseEvent| {
            if let Some(n) = &navigator {
                n.push(&Route::Login);
            }
        });
        html! { <button type="button" class="btn secondary" data-test="relogin" {onclick}>{ lang.t("login.again") }</button> }
    });
    let class = if problem == SyncProblem::Offline {
        "notice info"
    } else {
        "notice warn"
    };
    html! {
        <div class={class} data-test="sync-problem" data-problem={format!("{problem:?}")}>
            <p>{ lang.t(problem.message_key()) }</p>
            { for next_retry }
            { for relogin }
            { for export }
        </div>
    }
}
