//! A small history router. Four routes do not need a routing library (yew-router and its
//! history and path-matching crates add about 10 KiB gzip to a bundle that must stay small).
//!
//! The interface mirrors yew-router's: [`use_navigator`], [`Navigator::push`] /
//! [`Navigator::replace`], [`Redirect`], and a [`Router`] that renders the current route.

use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use wasm_bindgen::closure::Closure;
use yew::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Home,
    Login,
    /// The first run's set-up of the server (the commune and its first administrator).
    Setup,
    NewSession,
    /// Join a session by scanning its code on another tablet.
    Scan,
    Session {
        id: String,
    },
    // The design office's screens (pages/office).
    OfficeProposals,
    OfficeSuggestions,
    OfficeNeeds,
    OfficeNeed {
        id: i64,
    },
    OfficeLog,
    OfficeProgramme,
    /// A project sheet; `None` makes a new project.
    OfficeProject {
        id: Option<i64>,
    },
    OfficeReports,
    /// The gender report (issue 13), under the reports.
    OfficeGender,
    /// The administrator's list of users (`Action::ManageUsers`).
    OfficePeople,
    OfficeTerritory,
    /// The ranking of projects (issue 13): the bureau's home.
    OfficePriorities,
    /// The PAC's procedure, versions, vote and visa (issue 14): the secretariat's home.
    OfficeProcedure,
    // The council's bodies and opinions (issue 14).
    OfficeOpinions,
    /// The administrator's set-up of the bodies and their members.
    OfficeBodies,
    /// A body's printable report.
    OfficeOpinionReport {
        id: i64,
    },
    // The three-year programming and the annual evaluation (issue 15, plan3).
    OfficePlan,
    OfficeEvaluation,
    // The follow-up's dashboard and a project's whole story (issue 15, dash).
    OfficeDashboard,
    OfficeStory {
        id: i64,
    },
    // The import of a year's execution (issue 15, exec).
    OfficeExecutionImport,
    /// The partnership agreements (issue 15, exec).
    OfficeAgreements,
    // The publishing screen (issue 16, public).
    OfficePublish,
}

impl Route {
    /// The route of a path; an unknown path is the home screen.
    pub fn from_path(path: &str) -> Route {
        match path.trim_end_matches('/') {
            "/login" => Route::Login,
            "/setup" => Route::Setup,
            "/new" => Route::NewSession,
            "/scan" => Route::Scan,
            p if p.starts_with("/office") => Route::office_from_path(p),
            p => match p.strip_prefix("/session/") {
                Some(id) if !id.is_empty() && !id.contains('/') => {
                    Route::Session { id: id.to_string() }
                }
                _ => Route::Home,
            },
        }
    }

    /// An office path; `/office` and unknown office paths are the proposals table.
    fn office_from_path(path: &str) -> Route {
        let rest = path.trim_start_matches("/office").trim_start_matches('/');
        let (head, id) = rest.split_once('/').unwrap_or((rest, ""));
        match (head, id) {
            ("suggestions", "") => Route::OfficeSuggestions,
            ("needs", "") => Route::OfficeNeeds,
            ("needs", id) => match id.parse() {
                Ok(id) => Route::OfficeNeed { id },
                Err(_) => Route::OfficeNeeds,
            },
            ("log", "") => Route::OfficeLog,
            ("programme", "") => Route::OfficeProgramme,
            ("projects", "new") => Route::OfficeProject { id: None },
            // A project's whole story (issue 15, dash).
            ("projects", id) if id.ends_with("/story") => {
                match id.trim_end_matches("/story").parse() {
                    Ok(id) => Route::OfficeStory { id },
                    Err(_) => Route::OfficeProgramme,
                }
            }
            // The follow-up's dashboard (issue 15, dash).
            ("dashboard", "") => Route::OfficeDashboard,
            ("projects", id) => match id.parse() {
                Ok(id) => Route::OfficeProject { id: Some(id) },
                Err(_) => Route::OfficeProgramme,
            },
            ("reports", "") => Route::OfficeReports,
            ("reports", "gender") => Route::OfficeGender,
            ("people", "") => Route::OfficePeople,
            ("territory", "") => Route::OfficeTerritory,
            ("priorities", "") => Route::OfficePriorities,
            ("procedure", "") => Route::OfficeProcedure,
            // The council's bodies and opinions (issue 14).
            ("opinions", "") => Route::OfficeOpinions,
            ("opinions", "bodies") => Route::OfficeBodies,
            ("opinions", id) => match id.strip_prefix("report/").map(str::parse) {
                Some(Ok(id)) => Route::OfficeOpinionReport { id },
                _ => Route::OfficeOpinions,
            },
            // The three-year programming and the annual evaluation (issue 15, plan3).
            ("plan", "") => Route::OfficePlan,
            ("evaluation", "") => Route::OfficeEvaluation,
            // The import of a year's execution (issue 15, exec).
            ("execution", "import") => Route::OfficeExecutionImport,
            ("agreements", "") => Route::OfficeAgreements,
            // The publishing screen (issue 16, public).
            ("publish", "") => Route::OfficePublish,
            _ => Route::OfficeProposals,
        }
    }

    pub fn path(&self) -> String {
        match self {
            Route::Home => "/".into(),
            Route::Login => "/login".into(),
            Route::Setup => "/setup".into(),
            Route::NewSession => "/new".into(),
            Route::Scan => "/scan".into(),
            Route::Session { id } => format!("/session/{id}"),
            Route::OfficeProposals => "/office/proposals".into(),
            Route::OfficeSuggestions => "/office/suggestions".into(),
            Route::OfficeNeeds => "/office/needs".into(),
            Route::OfficeNeed { id } => format!("/office/needs/{id}"),
            Route::OfficeLog => "/office/log".into(),
            Route::OfficeProgramme => "/office/programme".into(),
            Route::OfficeProject { id: None } => "/office/projects/new".into(),
            Route::OfficeProject { id: Some(id) } => format!("/office/projects/{id}"),
            Route::OfficeReports => "/office/reports".into(),
            Route::OfficeGender => "/office/reports/gender".into(),
            // The follow-up's dashboard and a project's story (issue 15, dash).
            Route::OfficeDashboard => "/office/dashboard".into(),
            Route::OfficeStory { id } => format!("/office/projects/{id}/story"),
            Route::OfficePeople => "/office/people".into(),
            Route::OfficeTerritory => "/office/territory".into(),
            Route::OfficePriorities => "/office/priorities".into(),
            Route::OfficeProcedure => "/office/procedure".into(),
            Route::OfficeOpinions => "/office/opinions".into(),
            Route::OfficeBodies => "/office/opinions/bodies".into(),
            Route::OfficeOpinionReport { id } => format!("/office/opinions/report/{id}"),
            // The three-year programming and the annual evaluation (issue 15, plan3).
            Route::OfficePlan => "/office/plan".into(),
            Route::OfficeEvaluation => "/office/evaluation".into(),
            // The import of a year's execution (issue 15, exec).
            Route::OfficeExecutionImport => "/office/execution/import".into(),
            Route::OfficeAgreements => "/office/agreements".into(),
            // The publishing screen (issue 16, public).
            Route::OfficePublish => "/office/publish".into(),
        }
    }
}

fn current() -> Route {
    let path = web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_default();
    Route::from_path(&path)
}

/// Changes the route: the address bar (history) and the screen.
#[derive(Clone, PartialEq)]
pub struct Navigator {
    set: Callback<Route>,
}

impl Navigator {
    fn go(&self, route: &Route, replace: bool) {
        if let Some(window) = web_sys::window()
            && let Ok(history) = window.history()
        {
            let path = route.path();
            let _ = if replace {
                history.replace_state_with_url(&JsValue::NULL, "", Some(&path))
            } else {
                history.push_state_with_url(&JsValue::NULL, "", Some(&path))
            };
            window.scroll_to_with_x_and_y(0.0, 0.0);
        }
        self.set.emit(route.clone());
    }

    pub fn push(&self, route: &Route) {
        self.go(route, false);
    }

    pub fn replace(&self, route: &Route) {
        self.go(route, true);
    }
}

#[hook]
pub fn use_navigator() -> Option<Navigator> {
    use_context::<Navigator>()
}

#[derive(Properties, PartialEq)]
pub struct RedirectProps {
    pub to: Route,
}

/// Replaces the current route by `to` once rendered.
#[component]
pub fn Redirect(props: &RedirectProps) -> Html {
    let navigator = use_navigator();
    use_effect_with(props.to.clone(), move |to| {
        if let Some(n) = navigator {
            n.replace(to);
        }
    });
    html! {}
}

#[derive(Properties, PartialEq)]
pub struct FullLoadProps {
    pub to: Route,
}

/// Loads `to` as a new page (index.html picks the bundle that has its screen); says so instead
/// when index.html could not load that bundle, so that it cannot reload forever.
#[cfg_attr(feature = "office", allow(dead_code))]
#[component]
pub fn FullLoad(props: &FullLoadProps) -> Html {
    let lang = use_context::<crate::Ctx>()
        .map(|c| c.model.lang())
        .unwrap_or_default();
    let window = web_sys::window();
    // Set by index.html when the office's bundle did not load (no network).
    let missing = window
        .as_ref()
        .and_then(|w| js_sys::Reflect::get(w, &JsValue::from_str("tachkhisNoOffice")).ok())
        .is_some_and(|v| v.is_truthy());
    use_effect_with((props.to.path(), missing), |(path, missing)| {
        if !*missing && let Some(w) = web_sys::window() {
            let _ = w.location().assign(path);
        }
    });
    if missing {
        return html! { <p class="notice warn" data-test="office-unavailable">{ lang.t("office.unavailable") }</p> };
    }
    html! {}
}

/// Renders the current route's screen ([`crate::switch`]) and follows the browser's back and
/// forward buttons.
#[component]
pub fn Router() -> Html {
    let route = use_state(current);
    let navigator = {
        let setter = route.setter();
        use_memo((), move |_| Navigator {
            set: Callback::from(move |r| setter.set(r)),
        })
    };
    {
        let setter = route.setter();
        use_effect_with((), move |_| {
            let on_pop = Closure::<dyn Fn()>::new(move || setter.set(current()));
            let window = web_sys::window();
            if let Some(w) = &window {
                let _ =
                    w.add_event_listener_with_callback("popstate", on_pop.as_ref().unchecked_ref());
            }
            move || {
                if let Some(w) = &window {
                    let _ = w.remove_event_listener_with_callback(
                        "popstate",
                        on_pop.as_ref().unchecked_ref(),
                    );
                }
            }
        });
    }
    html! {
        <ContextProvider<Navigator> context={(*navigator).clone()}>
            { crate::switch((*route).clone()) }
        </ContextProvider<Navigator>>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip() {
        for route in [
            Route::Home,
            Route::Login,
            Route::Setup,
            Route::NewSession,
            Route::Scan,
            Route::Session { id: "abc".into() },
            Route::OfficeProposals,
            Route::OfficeSuggestions,
            Route::OfficeNeeds,
            Route::OfficeNeed { id: 12 },
            Route::OfficeLog,
            Route::OfficeProgramme,
            Route::OfficeProject { id: None },
            Route::OfficeProject { id: Some(3) },
            Route::OfficeReports,
            Route::OfficeGender,
            // The follow-up's dashboard and a project's story (issue 15, dash).
            Route::OfficeDashboard,
            Route::OfficeStory { id: 7 },
            Route::OfficePeople,
            Route::OfficeTerritory,
            Route::OfficePriorities,
            Route::OfficeProcedure,
            // Issue 15, plan3.
            Route::OfficePlan,
            Route::OfficeEvaluation,
            // The import of a year's execution (issue 15, exec).
            Route::OfficeExecutionImport,
            Route::OfficeAgreements,
        ] {
            assert_eq!(Route::from_path(&route.path()), route);
        }
        assert_eq!(
            Route::from_path("/session/abc/"),
            Route::Session { id: "abc".into() }
        );
        assert_eq!(Route::from_path("/nowhere"), Route::Home);
        assert_eq!(Route::from_path("/session/"), Route::Home);
        assert_eq!(Route::from_path("/office"), Route::OfficeProposals);
        assert_eq!(Route::from_path("/office/needs/x"), Route::OfficeNeeds);
    }
}
