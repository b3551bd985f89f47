//! The design office's screens (a laptop, online): proposals, suggestions, needs, the log of
//! consolidation actions, the programme and reports. Roles office and admin act; committee
//! reads (no action buttons). Nothing here is kept in IndexedDB: the server is the truth.
//!
//! [`OfficeShell`] frames every screen (navigation, the outcome of the last action with its
//! undo, the shortcut help) and provides the [`Office`] context: the token, the read-only flag,
//! a reload counter every screen refetches on, and [`Office::act`] to run an action.

mod common;
// A project's execution (issue 15, exec).
pub mod execution;
// The follow-up's dashboard and a project's whole story (issue 15, dash).
mod dashboard;
mod gender;
mod hooks;
pub mod log;
mod need;
mod needs;
// The council's bodies and opinions (issue 14).
pub mod opinions;
mod people;
// The three-year programming and the annual evaluation (issue 15, plan3).
mod plan;
mod priorities;
// The procedure (issue 14, proc).
mod procedure;
mod programme;
mod project;
mod proposals;
// The publishing screen (issue 16, public).
mod publish;
mod reports;
mod suggestions;
mod territory;

pub use common::*;
pub use hooks::*;

use std::future::Future;
use std::rc::Rc;

use tachkhis_shared::api::Role;
use tachkhis_shared::api::consolidation::ActionDone;
use tachkhis_shared::permissions::Action;
use tachkhis_shared::{GroupKind, Sector, reference::Reference};
use web_sys::KeyboardEvent;
use yew::prelude::*;

use crate::i18n::Lang;
use crate::net::office::{self, ApiError};
use crate::route::{Redirect, Route, use_navigator};
use crate::use_model;
use crate::widgets::{LangSwitch, group_label, sector_label};

#[derive(Clone, PartialEq)]
pub struct Office {
    pub token: AttrValue,
    pub role: Role,
    /// The role may not consolidate (`Action::Consolidate`): no action buttons on the
    /// consolidation screens.
    pub read_only: bool,
    /// Changes after every action and undo: screens refetch when it does.
    pub reload: u64,
    /// An action is on its way to the server.
    pub busy: bool,
    /// The last action of this screen session that can be undone (`u`).
    pub last_action: Option<i64>,
    dispatch: UseReducerDispatcher<Shell>,
}

/// What an action's answer says about the action (for undo).
pub trait Acted {
    fn action(&self) -> Option<i64>;
}

impl Acted for ActionDone {
    fn action(&self) -> Option<i64> {
        Some(self.action_id)
    }
}

impl Acted for tachkhis_shared::api::programme::StructureDone {
    fn action(&self) -> Option<i64> {
        Some(self.action_id)
    }
}

/// A partner saved: the partner list is not in the office's log.
impl Acted for tachkhis_shared::api::programme::Partner {
    fn action(&self) -> Option<i64> {
        None
    }
}

/// A saved project sheet (its id): not undone from here.
impl Acted for i64 {
    fn action(&self) -> Option<i64> {
        None
    }
}

impl Acted for () {
    fn action(&self) -> Option<i64> {
        None
    }
}

impl Office {
    /// What the permission table allows this screen's user (`Role::can`).
    pub fn can(&self, action: Action) -> bool {
        self.role.can(action)
    }

    /// Runs an action: the shell shows it busy, then `done_key` (with an undo button when the
    /// answer names an action) or the error; every screen refetches; `then` gets the answer.
    pub fn act<T: Acted + 'static>(
        &self,
        done_key: &'static str,
        action: impl Future<Output = Result<T, ApiError>> + 'static,
        then: impl FnOnce(T) + 'static,
    ) {
        let dispatch = self.dispatch.clone();
        dispatch.dispatch(Msg::Start);
        wasm_bindgen_futures::spawn_local(async move {
            match action.await {
                Ok(answer) => {
                    dispatch.dispatch(Msg::Done(done_key, answer.action()));
                    then(answer);
                }
                Err(e) => dispatch.dispatch(Msg::Failed(e)),
            }
        });
    }

    /// Undoes one logged action.
    pub fn undo(&self, action_id: i64) {
        let token = self.token.clone();
        let dispatch = self.dispatch.clone();
        dispatch.dispatch(Msg::Start);
        wasm_bindgen_futures::spawn_local(async move {
            let path = format!("/api/actions/{action_id}/undo");
            match office::send::<(), ActionDone>("POST", &token, &path, None).await {
                Ok(_) => dispatch.dispatch(Msg::Undone(action_id)),
                Err(e) => dispatch.dispatch(Msg::Failed(e)),
            }
        });
    }

    /// Shows an error that did not come from an action (a failed download).
    pub fn failed(&self, e: ApiError) {
        self.dispatch.dispatch(Msg::Failed(e));
    }

    /// Shows a sentence about something that went well.
    pub fn done(&self, key: &'static str) {
        self.dispatch.dispatch(Msg::Done(key, None));
    }
}

#[hook]
pub fn use_office() -> Office {
    use_context::<Office>().expect("office screens are rendered inside the office shell")
}

#[derive(Clone, PartialEq)]
enum Flash {
    Done(&'static str, Option<i64>),
    Failed(ApiError),
}

#[derive(Default, PartialEq)]
struct Shell {
    reload: u64,
    busy: u32,
    last_action: Option<i64>,
    flash: Option<Flash>,
}

enum Msg {
    Start,
    Done(&'static str, Option<i64>),
    Undone(i64),
    Failed(ApiError),
    Dismiss,
}

impl Reducible for Shell {
    type Action = Msg;
    fn reduce(self: Rc<Self>, msg: Msg) -> Rc<Self> {
        let mut s = Shell {
            reload: self.reload,
            busy: self.busy,
            last_action: self.last_action,
            flash: self.flash.clone(),
        };
        match msg {
            Msg::Start => s.busy += 1,
            Msg::Done(key, action) => {
                s.busy = s.busy.saturating_sub(1);
                s.reload += 1;
                if action.is_some() {
                    s.last_action = action;
                }
                s.flash = Some(Flash::Done(key, action));
            }
            Msg::Undone(id) => {
                s.busy = s.busy.saturating_sub(1);
                s.reload += 1;
                if s.last_action == Some(id) {
                    s.last_action = None;
                }
                s.flash = Some(Flash::Done("office.done.undone", None));
            }
            Msg::Failed(e) => {
                s.busy = s.busy.saturating_sub(1);
                // A refused action may still have changed something (a conflict): refetch.
                s.reload += 1;
                s.flash = Some(Flash::Failed(e));
            }
            Msg::Dismiss => s.flash = None,
        }
        Rc::new(s)
    }
}

// ---------------------------------------------------------------------------------------------
// The shell

/// The office screens, in navigation order (digits 1 to 9 jump to them); the territory only
/// for who may keep it, people only for who may manage users, priorities for who may read
/// them. The bureau sees only what it decides on: the programme, reports and priorities.
const SCREENS: [(&str, &str); 14] = [
    ("office.nav.proposals", "/office/proposals"),
    ("office.nav.suggestions", "/office/suggestions"),
    ("office.nav.needs", "/office/needs"),
    ("office.nav.log", "/office/log"),
    ("office.nav.programme", "/office/programme"),
    ("office.nav.reports", "/office/reports"),
    ("office.nav.territory", "/office/territory"),
    ("office.nav.people", "/office/people"),
    ("office.nav.priorities", "/office/priorities"),
    // The procedure (issue 14, proc): no digit key (1-9 are taken).
    ("office.nav.procedure", "/office/procedure"),
    // The council's bodies and opinions (issue 14); no digit key (they stop at 9).
    ("office.nav.opinions", "/office/opinions"),
    // The three-year programming and the annual evaluation (issue 15, plan3).
    ("office.nav.plan", "/office/plan"),
    // The follow-up's dashboard (issue 15, dash).
    ("office.nav.dashboard", "/office/dashboard"),
    // The publishing screen (issue 16, public): no digit key.
    ("office.nav.publish", "/office/publish"),
];

fn screen_of(route: &Route) -> usize {
    match route {
        Route::OfficeProposals => 0,
        Route::OfficeSuggestions => 1,
        Route::OfficeNeeds | Route::OfficeNeed { .. } => 2,
        Route::OfficeLog => 3,
        Route::OfficeProgramme | Route::OfficeProject { .. } => 4,
        // The import of a year's execution (issue 15, exec): under the programme.
        Route::OfficeExecutionImport => 4,
        Route::OfficeAgreements => 4,
        Route::OfficeTerritory => 6,
        Route::OfficePeople => 7,
        Route::OfficePriorities => 8,
        Route::OfficeProcedure => 9,
        Route::OfficeOpinions | Route::OfficeBodies | Route::OfficeOpinionReport { .. } => 10,
        // Issue 15, plan3.
        Route::OfficePlan | Route::OfficeEvaluation => 11,
        // The follow-up's dashboard and a project's story (issue 15, dash).
        Route::OfficeDashboard | Route::OfficeStory { .. } => 12,
        // The publishing screen (issue 16, public).
        Route::OfficePublish => 13,
        _ => 5,
    }
}

/// Whether the `i`-th of [`SCREENS`] is offered to `role`.
fn visible(role: Role, i: usize) -> bool {
    // The follow-up's dashboard (issue 15, dash).
    if i == 12 {
        return role.can(Action::ReadExecution);
    }
    if role == Role::Bureau {
        return matches!(i, 4 | 5 | 8 | 9 | 10 | 11);
    }
    match i {
        6 => role.can(Action::ManageTerritory),
        7 => role.can(Action::ManageUsers),
        8 => role.can(Action::ReadPriorities),
        9 | 10 => role.can(Action::ReadProcedure),
        // Issue 15, plan3.
        11 => role.can(Action::ReadExecution),
        // The publishing screen (issue 16, public).
        13 => role.can(Action::PublishProjects),
        _ => true,
    }
}

#[derive(Properties, PartialEq)]
pub struct OfficeShellProps {
    pub route: Route,
}

#[component]
pub fn OfficeShell(props: &OfficeShellProps) -> Html {
    let (model, lang) = use_model();
    let navigator = use_navigator();
    let shell = use_reducer(Shell::default);
    let help = use_state(|| false);
    let auth = model.auth();
    let office = auth.as_ref().map(|a| Office {
        token: AttrValue::from(a.token.clone()),
        role: a.role,
        read_only: !a.role.can(Action::Consolidate),
        reload: shell.reload,
        busy: shell.busy > 0,
        last_action: shell.last_action,
        dispatch: shell.dispatcher(),
    });
    {
        let office = office.clone();
        let help = help.clone();
        let navigator = navigator.clone();
        let shell = shell.clone();
        use_keys(Callback::from(move |e: KeyboardEvent| {
            let key = e.key();
            match key.as_str() {
                "?" => help.set(!*help),
                "Escape" => {
                    help.set(false);
                    shell.dispatch(Msg::Dismiss);
                }
                "u" => {
                    if let Some(o) = &office
                        && !o.read_only
                        && !o.busy
                        && let Some(id) = o.last_action
                    {
                        o.undo(id);
                    }
                }
                "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" => {
                    let i = (key.as_bytes()[0] - b'1') as usize;
                    let allowed = office.as_ref().is_some_and(|o| visible(o.role, i));
                    if let Some(n) = navigator.as_ref().filter(|_| allowed) {
                        n.push(&Route::from_path(SCREENS[i].1));
                    }
                }
                _ => return,
            }
            e.prevent_default();
        }));
    }
    let Some(office) = office else {
        return html! { <Redirect to={Route::Login} /> };
    };
    // The office screens open on the proposals table.
    if !auth
        .as_ref()
        .is_some_and(|a| a.role.can(Action::ReadProposals))
    {
        return html! { <Redirect to={Route::Home} /> };
    }
    let current = screen_of(&props.route);
    let nav = SCREENS.iter().enumerate().filter(|(i, _)| visible(office.role, *i)).map(|(i, (key, path))| {
        let class = classes!("office-tab", (i == current).then_some("selected"));
        html! {
            <Link to={Route::from_path(path)} {class} test={AttrValue::from(format!("nav-{}", &key[11..]))}>
                { lang.t(key) }
            </Link>
        }
    });
    let flash = shell.flash.as_ref().map(|f| {
        let dismiss = {
            let shell = shell.clone();
            Callback::from(move |_: MouseEvent| shell.dispatch(Msg::Dismiss))
        };
        let close = html! {
            <button type="button" class="flash-close" aria-label={lang.t("office.close")} onclick={dismiss}>{ "×" }</button>
        };
        match f {
            Flash::Done(key, action) => {
                let undo = action.filter(|_| !office.read_only).map(|id| {
                    let busy = office.busy;
                    let office = office.clone();
                    let onclick = Callback::from(move |_: MouseEvent| office.undo(id));
                    html! {
                        <button type="button" class="btn secondary small" data-test="flash-undo"
                            disabled={busy} {onclick}>
                            { lang.t("office.undo") }<kbd>{ "u" }</kbd>
                        </button>
                    }
                });
                html! {
                    <div class="flash ok" role="status" data-test="flash" data-state="done">
                        <p>{ lang.t(key) }</p>{ for undo }{ close }
                    </div>
                }
            }
            Flash::Failed(e) => html! {
                <div class="flash" data-test="flash" data-state="error">
                    <ErrorNotice error={e.clone()} />{ close }
                </div>
            },
        }
    });
    let help_overlay = (*help).then(|| {
        let close = {
            let help = help.clone();
            Callback::from(move |_: MouseEvent| help.set(false))
        };
        html! { <HelpOverlay onclose={close} /> }
    });
    let page = match &props.route {
        Route::OfficeProposals => html! { <proposals::ProposalsPage /> },
        Route::OfficeSuggestions => html! { <suggestions::SuggestionsPage /> },
        Route::OfficeNeeds => html! { <needs::NeedsPage /> },
        Route::OfficeNeed { id } => html! { <need::NeedPage id={*id} /> },
        Route::OfficeLog => html! { <log::LogPage /> },
        Route::OfficeProgramme => html! { <programme::ProgrammePage /> },
        Route::OfficeProject { id } => html! { <project::ProjectPage id={*id} /> },
        Route::OfficeGender => html! { <gender::GenderPage /> },
        Route::OfficePeople if office.can(Action::ManageUsers) => html! { <people::PeoplePage /> },
        Route::OfficeTerritory if office.can(Action::ManageTerritory) => {
            html! { <territory::TerritoryPage /> }
        }
        Route::OfficePriorities if office.can(Action::ReadPriorities) => {
            html! { <priorities::PrioritiesPage /> }
        }
        Route::OfficeProcedure if office.can(Action::ReadProcedure) => {
            html! { <procedure::ProcedurePage /> }
        }
        // The council's bodies and opinions (issue 14).
        Route::OfficeOpinions if office.can(Action::ReadProcedure) => {
            html! { <opinions::OpinionsPage /> }
        }
        Route::OfficeBodies if office.can(Action::ReadProcedure) => {
            html! { <opinions::BodiesPage /> }
        }
        Route::OfficeOpinionReport { id } if office.can(Action::ReadProcedure) => {
            html! { <opinions::ReportPage id={*id} /> }
        }
        // The three-year programming and the annual evaluation (issue 15, plan3).
        Route::OfficePlan if office.can(Action::ReadExecution) => html! { <plan::PlanPage /> },
        Route::OfficeEvaluation if office.can(Action::ReadExecution) => {
            html! { <plan::EvaluationPage /> }
        }
        // The follow-up's dashboard and a project's whole story (issue 15, dash).
        Route::OfficeDashboard if office.can(Action::ReadExecution) => {
            html! { <dashboard::DashboardPage /> }
        }
        Route::OfficeStory { id } if office.can(Action::ReadExecution) => {
            html! { <dashboard::StoryPage id={*id} /> }
        }
        // The import of a year's execution (issue 15, exec).
        Route::OfficeExecutionImport if office.can(Action::RecordExecution) => {
            html! { <execution::import::ExecutionImportPage /> }
        }
        Route::OfficeAgreements if office.can(Action::ReadExecution) => {
            html! { <execution::agreements::AgreementsPage /> }
        }
        // The publishing screen (issue 16, public).
        Route::OfficePublish if office.can(Action::PublishProjects) => {
            html! { <publish::PublishPage /> }
        }
        _ => html! { <reports::ReportsPage /> },
    };
    let tablet = auth.as_ref().is_some_and(|a| a.role.can(Action::RunSessions)).then(|| {
        html! { <Link to={Route::Home} class={classes!("office-tablet-link")}>{ lang.t("office.nav.tablet") }</Link> }
    });
    let open_help = {
        let help = help.clone();
        Callback::from(move |_: MouseEvent| help.set(true))
    };
    html! {
        <ContextProvider<Office> context={office.clone()}>
            <div class={classes!("office", office.busy.then_some("busy"))} data-test="office">
                <header class="office-bar">
                    <span class="office-brand">{ lang.t("app.name") }</span>
                    <nav class="office-nav" aria-label={lang.t("office.nav.label")}>{ for nav }</nav>
                    <div class="office-bar-end">
                        // The bureau acts on its own screen (priorities), not on consolidation.
                        // The secretariat records the procedure (issue 14) on its own screen.
                        if office.read_only && !office.can(Action::EditCriteria)
                            && !office.can(Action::RecordProcedure) {
                            <span class="tag quiet" data-test="read-only">{ lang.t("office.read_only") }</span>
                        }
                        <span class="office-user">{ model.username() }</span>
                        { for tablet }
                        <button type="button" class="office-help-btn" data-test="help-open"
                            aria-label={lang.t("office.keys.title")} onclick={open_help}>{ "?" }</button>
                        <LangSwitch />
                    </div>
                </header>
                // The bar scrolls away with the page (it wraps to two rows with the follow-up's
                // screens and would cover the page's first rows); the messages stay in sight.
                <div class="flash-area" aria-live="polite">{ for flash }</div>
                <main class="office-main">
                    // The evaluation's reminder (issue 15, plan3).
                    <plan::EvaluationReminderBanner />
                    { page }
                </main>
                { for help_overlay }
            </div>
        </ContextProvider<Office>>
    }
}

#[derive(Properties, PartialEq)]
struct HelpOverlayProps {
    onclose: Callback<MouseEvent>,
}

/// Key caps: letters as they are, named keys from the catalogues ("Maj + x").
fn caps(lang: Lang, k: &'static str) -> &'static str {
    if k.starts_with("office.") {
        lang.t(k)
    } else {
        k
    }
}

/// The keyboard shortcuts, from the catalogues.
#[component]
fn HelpOverlay(props: &HelpOverlayProps) -> Html {
    let (_, lang) = use_model();
    let sections: [(&str, &[(&str, &str)]); 3] = [
        (
            "office.keys.everywhere",
            &[
                ("?", "office.keys.help"),
                ("u", "office.keys.undo"),
                ("1 … 9", "office.keys.screens"),
                ("Esc", "office.keys.escape"),
            ],
        ),
        (
            "office.nav.proposals",
            &[
                ("j / k", "office.keys.move"),
                ("x", "office.keys.select"),
                ("office.keys.range_keys", "office.keys.range"),
                ("*", "office.keys.select_all"),
                ("/", "office.keys.search"),
                ("m", "office.keys.merge"),
                ("a", "office.keys.add"),
                ("r", "office.keys.remove"),
                ("o", "office.keys.open_need"),
                ("l", "office.keys.lineage"),
            ],
        ),
        (
            "office.nav.suggestions",
            &[
                ("j / k", "office.keys.move_group"),
                ("c", "office.keys.confirm"),
                ("d", "office.keys.reject"),
                ("e", "office.keys.edit_title"),
            ],
        ),
    ];
    let stop = Callback::from(|e: MouseEvent| e.stop_propagation());
    html! {
        <div class="overlay" onclick={props.onclose.clone()} data-test="help-overlay">
            <div class="overlay-card" role="dialog" aria-modal="true" aria-labelledby="keys-title" onclick={stop}>
                <div class="overlay-head">
                    <h2 id="keys-title">{ lang.t("office.keys.title") }</h2>
                    <button type="button" class="flash-close" aria-label={lang.t("office.close")}
                        onclick={props.onclose.clone()}>{ "×" }</button>
                </div>
                { for sections.iter().map(|(title, keys)| html! {
                    <section>
                        <h3>{ lang.t(title) }</h3>
                        <dl class="keys">
                            { for keys.iter().map(|(k, what)| html! {
                                <><dt><kbd dir="ltr">{ caps(lang, k) }</kbd></dt><dd>{ lang.t(what) }</dd></>
                            }) }
                        </dl>
                    </section>
                }) }
            </div>
        </div>
    }
}

/// The value of the `<select>` an event came from.
pub fn select_value(e: &Event) -> String {
    e.target_unchecked_into::<web_sys::HtmlSelectElement>()
        .value()
}

/// A labelled `<select>` whose first option is "all" (an empty value, given as `None`).
pub fn filter_select(
    lang: Lang,
    test: &'static str,
    label: &'static str,
    value: Option<&str>,
    options: impl Iterator<Item = (String, String)>,
    onchange: Callback<Option<String>>,
) -> Html {
    let value = value.unwrap_or_default();
    let onchange = onchange.reform(|e: Event| Some(select_value(&e)).filter(|v| !v.is_empty()));
    html! {
        <label class="filter">
            <span>{ lang.t(label) }</span>
            <select data-test={test} {onchange}>
                <option value="" selected={value.is_empty()}>{ lang.t("office.filter.all") }</option>
                { for options.map(|(code, name)| {
                    let selected = code == value;
                    html! { <option value={code} {selected}>{ name }</option> }
                }) }
            </select>
        </label>
    }
}

/// Poles, douars, sectors and group kinds as `(code, label)` options.
pub fn pole_options(r: Option<&Reference>, lang: Lang) -> Vec<(String, String)> {
    r.map(|r| {
        r.poles
            .iter()
            .chain(&r.former_poles)
            .map(|p| (p.id.clone(), lang.pick(&p.name_ar, &p.name_fr).to_string()))
            .collect()
    })
    .unwrap_or_default()
}

pub fn douar_options(
    r: Option<&Reference>,
    lang: Lang,
    pole: Option<&str>,
) -> Vec<(String, String)> {
    r.map(|r| {
        // Retired douars too: their sessions and proposals are still there to filter.
        r.douars
            .iter()
            .chain(r.former_douars.iter().filter(|d| d.merged_into.is_none()))
            .filter(|d| pole.is_none_or(|p| d.pole_id == p))
            .map(|d| (d.id.clone(), lang.pick(&d.name_ar, &d.name_fr).to_string()))
            .collect()
    })
    .unwrap_or_default()
}

pub fn sector_options(lang: Lang, r: Option<&Reference>) -> Vec<(String, String)> {
    Sector::ALL
        .iter()
        .map(|s| (s.code().to_string(), sector_label(r, lang, s.clone())))
        .collect()
}

pub fn group_options(lang: Lang, r: Option<&Reference>) -> Vec<(String, String)> {
    GroupKind::ALL
        .iter()
        .map(|g| (g.code().to_string(), group_label(r, lang, g.clone())))
        .collect()
}

/// A sortable column header: the arrow shows the current order; a click sorts by it, a
/// second click reverses.
pub fn sort_th<C: Copy + PartialEq + 'static>(
    label: &str,
    col: C,
    sort: &UseStateHandle<(C, bool)>,
    test: &'static str,
) -> Html {
    let (current, asc) = **sort;
    let arrow = if current == col {
        if asc { "▲" } else { "▼" }
    } else {
        ""
    };
    let aria = match (current == col, asc) {
        (false, _) => "none",
        (true, true) => "ascending",
        (true, false) => "descending",
    };
    let onclick = {
        let sort = sort.clone();
        Callback::from(move |_: MouseEvent| {
            let (c, a) = *sort;
            sort.set((col, if c == col { !a } else { true }));
        })
    };
    html! {
        <th aria-sort={aria}>
            <button type="button" class="th-sort" data-test={test} {onclick}>
                { label.to_string() }<span class="arrow" aria-hidden="true">{ arrow }</span>
            </button>
        </th>
    }
}
