//! Tachkhis in the browser: the facilitators' offline app.
//!
//! Start-up reads everything from IndexedDB ([`model::Model::load`]), then renders; the app
//! never needs the network again after the first login. Sync runs in the background
//! ([`background`]).
#![forbid(unsafe_code)]

mod background;
mod files;
mod i18n;
mod model;
mod net;
mod pages;
mod photo;
mod qr;
mod retry;
mod route;
mod storage;
mod widgets;

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use yew::prelude::*;

use crate::i18n::Lang;
use crate::model::Model;
use crate::route::{Route, Router};

/// What every screen reads: the model, and a revision that changes whenever the model does.
#[derive(Clone)]
pub struct Ctx {
    pub model: Rc<Model>,
    rev: u64,
}

impl PartialEq for Ctx {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.model, &other.model) && self.rev == other.rev
    }
}

/// The model and the language of the interface; re-renders the caller when the model changes.
#[hook]
pub fn use_model() -> (Rc<Model>, Lang) {
    let ctx = use_context::<Ctx>().expect("screens are rendered inside the App context");
    let lang = ctx.model.lang();
    (ctx.model, lang)
}

#[derive(Default, PartialEq)]
struct Rev(u64);

impl Reducible for Rev {
    type Action = ();
    fn reduce(self: Rc<Self>, _: ()) -> Rc<Self> {
        Rc::new(Rev(self.0.wrapping_add(1)))
    }
}

#[derive(Properties, Clone)]
struct AppProps {
    model: Rc<Model>,
}

impl PartialEq for AppProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.model, &other.model)
    }
}

fn set_root_language(lang: Lang) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("lang", lang.code());
        let _ = root.set_attribute("dir", lang.dir());
    }
}

#[component]
fn App(props: &AppProps) -> Html {
    let rev = use_reducer(Rev::default);
    {
        let model = props.model.clone();
        let dispatcher = rev.dispatcher();
        use_effect_with((), move |_| {
            model.set_notifier(Callback::from(move |()| dispatcher.dispatch(())));
            // Catch up with anything that happened before this effect ran.
            model.notify();
        });
    }
    let lang = props.model.lang();
    use_effect_with(lang, |lang| set_root_language(*lang));
    let ctx = Ctx {
        model: props.model.clone(),
        rev: rev.0,
    };
    html! {
        <ContextProvider<Ctx> context={ctx}>
            <div class="app" lang={lang.code()} dir={lang.dir()}>
                <Router />
            </div>
        </ContextProvider<Ctx>>
    }
}

/// The screen of each route.
fn switch(route: Route) -> Html {
    match route {
        Route::Home => html! { <pages::home::Home /> },
        Route::Login => html! { <pages::login::Login /> },
        Route::Setup => html! { <pages::setup::Setup /> },
        Route::NewSession => html! { <pages::new_session::NewSessionPage /> },
        Route::Scan => html! { <pages::scan::ScanPage /> },
        Route::Session { id } => html! { <pages::session::SessionPage {id} /> },
        route @ (Route::OfficeProposals
        | Route::OfficeSuggestions
        | Route::OfficeNeeds
        | Route::OfficeNeed { .. }
        | Route::OfficeLog
        | Route::OfficeProgramme
        | Route::OfficeProject { .. }
        | Route::OfficeReports
        | Route::OfficeGender
        // The follow-up's dashboard and a project's story (issue 15, dash).
        | Route::OfficeDashboard
        | Route::OfficeStory { .. }
        | Route::OfficeTerritory
        | Route::OfficePeople
        | Route::OfficePriorities
        | Route::OfficeProcedure
        | Route::OfficeOpinions
        | Route::OfficeBodies
        | Route::OfficeOpinionReport { .. }
        // The three-year programming and the annual evaluation (issue 15, plan3).
        | Route::OfficePlan
        | Route::OfficeEvaluation
        // The import of a year's execution (issue 15, exec).
        | Route::OfficeExecutionImport
        | Route::OfficeAgreements
        // The publishing screen (issue 16, public).
        | Route::OfficePublish) => office_screen(route),
    }
}

#[cfg(feature = "office")]
fn office_screen(route: Route) -> Html {
    html! { <pages::office::OfficeShell {route} /> }
}

/// The tablets' bundle has no office screens: the page loads again, and index.html then loads
/// the office's bundle.
#[cfg(not(feature = "office"))]
fn office_screen(route: Route) -> Html {
    html! { <route::FullLoad to={route} /> }
}

/// Shown when the tablet's storage cannot be opened (private window, storage disabled).
#[component]
fn StorageFailure() -> Html {
    html! {
        <div class="app failure" lang="ar" dir="rtl">
            <p lang="ar" dir="rtl">{ Lang::Ar.t("storage.unavailable") }</p>
            <p lang="fr" dir="ltr">{ Lang::Fr.t("storage.unavailable") }</p>
        </div>
    }
}

fn mount_point() -> Option<web_sys::Element> {
    let document = web_sys::window()?.document()?;
    let root = document.get_element_by_id("app")?;
    root.set_inner_html("");
    Some(root)
}

#[wasm_bindgen(start)]
pub fn start() {
    wasm_bindgen_futures::spawn_local(async {
        let Some(root) = mount_point() else { return };
        match Model::load().await {
            Ok(model) => {
                let model = Rc::new(model);
                set_root_language(model.lang());
                yew::Renderer::<App>::with_root_and_props(
                    root,
                    AppProps {
                        model: model.clone(),
                    },
                )
                .render();
                background::start(model);
            }
            Err(_) => {
                yew::Renderer::<StorageFailure>::with_root(root).render();
            }
        }
    });
}
