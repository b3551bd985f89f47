//! Login: once, online. Stores the token and the reference data on the tablet. A login with a
//! one-time password (given by the administrator) first asks for a password of one's own: the
//! server refuses that token everything else until then, so nothing is stored before it.

use std::rc::Rc;

use tachkhis_shared::api::{ErrorCode, LoginResponse};
use tachkhis_shared::permissions::Action;
use yew::prelude::*;

use crate::model::{Auth, Model};
use crate::net::api::{self, HttpError, LoginError, SetupError};
use crate::route::{Navigator, Route, use_navigator};
use crate::use_model;
use crate::widgets::{LangSwitch, input_value};

fn error_key(e: &HttpError) -> &'static str {
    match e {
        HttpError::Unauthorized | HttpError::Forbidden => "login.error.credentials",
        HttpError::Offline => "login.error.network",
        _ => "login.error.server",
    }
}

/// What the login screen says: a catalogue key; after too many failures, the counted text of
/// the wait (seconds or minutes) and its number.
type Problem = (&'static str, Option<u32>);

fn login_problem(e: &LoginError) -> Problem {
    match e {
        LoginError::Http(e) => (error_key(e), None),
        LoginError::TooManyAttempts { retry_after_secs } => {
            if *retry_after_secs < 60 {
                ("login.error.wait_seconds", Some(*retry_after_secs))
            } else {
                (
                    "login.error.wait_minutes",
                    Some(retry_after_secs.div_ceil(60)),
                )
            }
        }
    }
}

#[component]
pub fn Login() -> Html {
    let (model, lang) = use_model();
    let navigator = use_navigator();
    let username = use_state(|| model.auth().map(|a| a.username).unwrap_or_default());
    let password = use_state(String::new);
    let error = use_state(|| None::<Problem>);
    let busy = use_state(|| false);
    // A login answered with a one-time password, and that password (the current one to send).
    let pending = use_state(|| None::<(Rc<LoginResponse>, AttrValue)>);

    // A server not set up yet answers nothing else: its set-up screen instead.
    {
        let navigator = navigator.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let (Ok(status), Some(n)) = (api::setup_status().await, navigator)
                    && status.needed
                {
                    n.replace(&Route::Setup);
                }
            });
        });
    }

    let onsubmit = {
        let (username, password, error, busy) = (
            username.clone(),
            password.clone(),
            error.clone(),
            busy.clone(),
        );
        let (model, pending, navigator) = (model.clone(), pending.clone(), navigator.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            let user = username.trim().to_string();
            let pass = (*password).clone();
            if user.is_empty() || pass.is_empty() {
                error.set(Some(("login.error.empty", None)));
                return;
            }
            busy.set(true);
            error.set(None);
            let (model, error, busy, password, navigator) = (
                model.clone(),
                error.clone(),
                busy.clone(),
                password.clone(),
                navigator.clone(),
            );
            let pending = pending.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let outcome = match api::login(&user, &pass).await {
                    Ok(login) if login.must_change_password => {
                        busy.set(false);
                        password.set(String::new());
                        pending.set(Some((Rc::new(login), AttrValue::from(pass))));
                        return;
                    }
                    Ok(login) => finish(&model, login).await,
                    Err(e) => Err(login_problem(&e)),
                };
                busy.set(false);
                match outcome {
                    Ok(()) => {
                        password.set(String::new());
                        land(&model, navigator);
                    }
                    Err(key) => error.set(Some(key)),
                }
            });
        })
    };
    let on_user = {
        let (username, error) = (username.clone(), error.clone());
        Callback::from(move |e: InputEvent| {
            username.set(input_value(&e));
            error.set(None);
        })
    };
    let on_pass = {
        let (password, error) = (password.clone(), error.clone());
        Callback::from(move |e: InputEvent| {
            password.set(input_value(&e));
            error.set(None);
        })
    };
    if let Some((login, current)) = (*pending).clone() {
        let token = AttrValue::from(login.token.clone());
        let on_changed = {
            let (model, navigator) = (model.clone(), navigator.clone());
            let (pending, error) = (pending.clone(), error.clone());
            Callback::from(move |()| {
                let (model, navigator, login) = (model.clone(), navigator.clone(), login.clone());
                let (pending, error) = (pending.clone(), error.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    let outcome = finish(&model, (*login).clone()).await;
                    // The password is changed either way: back on the login form, the new
                    // one logs in if storing failed.
                    pending.set(None);
                    match outcome {
                        Ok(()) => land(&model, navigator),
                        Err(key) => error.set(Some(key)),
                    }
                });
            })
        };
        return html! {
            <main class="login-page">
                <div class="login-top"><LangSwitch /></div>
                <div class="login-card">
                    <h1 class="brand">{ lang.t("app.name") }</h1>
                    <ForcedChange {token} {current} {on_changed} />
                </div>
            </main>
        };
    }
    let relogin = model.auth().is_some();
    html! {
        <main class="login-page">
            <div class="login-top"><LangSwitch /></div>
            <div class="login-card">
                <h1 class="brand">{ lang.t("app.name") }</h1>
                <p class="tagline">{ lang.t("app.tagline") }</p>
                if relogin {
                    <p class="notice info">{ lang.t("login.relogin_note") }</p>
                }
                <form {onsubmit} novalidate=true>
                    <label class="field">
                        <span>{ lang.t("login.username") }</span>
                        <input type="text" autocomplete="username" autocapitalize="none" spellcheck="false"
                            dir="ltr" data-test="login-username" value={(*username).clone()} oninput={on_user} />
                    </label>
                    <label class="field">
                        <span>{ lang.t("login.password") }</span>
                        <input type="password" autocomplete="current-password" dir="ltr"
                            data-test="login-password" value={(*password).clone()} oninput={on_pass} />
                    </label>
                    if let Some((key, n)) = *error {
                        <p class="notice warn" role="alert" data-test="login-error">
                            { match n {
                                Some(n) => lang.tf("login.error.too_many", &[("wait", &lang.tn(key, n.into()))]),
                                None => lang.t(key).to_string(),
                            } }
                        </p>
                    }
                    <button type="submit" class="btn primary big" data-test="login-submit" disabled={*busy}>
                        { if *busy { lang.t("login.busy") } else { lang.t("login.submit") } }
                    </button>
                </form>
            </div>
        </main>
    }
}

/// Stores the login and the reference data on the tablet.
async fn finish(model: &Model, login: LoginResponse) -> Result<(), Problem> {
    match api::reference(&login.token).await {
        Ok(reference) => model
            .logged_in(Auth::from(login), reference)
            .await
            .map_err(|_| ("login.error.storage", None)),
        Err(e) => Err((error_key(&e), None)),
    }
}

/// After a login: a sync, then whoever reads the proposals lands on the office screens, the
/// others on the tablet's home.
fn land(model: &Rc<Model>, navigator: Option<Navigator>) {
    model.request_sync();
    let office = model
        .auth()
        .is_some_and(|a| a.role.can(Action::ReadProposals));
    // The bureau decides on the ranking: it lands on the priorities.
    let bureau = model
        .auth()
        .is_some_and(|a| a.role.can(Action::ApproveRanking));
    // The secretariat records the procedure: it lands there (issue 14).
    let secretariat = model
        .auth()
        .is_some_and(|a| a.role.can(Action::RecordProcedure) && !a.role.can(Action::Consolidate));
    if let Some(n) = navigator {
        // Committee and IEECAG members give opinions: that screen first (issue 14).
        let opinions = model
            .auth()
            .is_some_and(|a| a.role.can(Action::WriteOpinions));
        n.push(if bureau {
            &Route::OfficePriorities
        } else if secretariat {
            &Route::OfficeProcedure
        } else if opinions {
            &Route::OfficeOpinions
        } else if office {
            &Route::OfficeProposals
        } else {
            &Route::Home
        });
    }
}

#[derive(Properties, PartialEq)]
struct ForcedChangeProps {
    token: AttrValue,
    /// The one-time password just typed.
    current: AttrValue,
    on_changed: Callback<()>,
}

/// The password of one's own that replaces a one-time password, typed twice.
#[component]
fn ForcedChange(props: &ForcedChangeProps) -> Html {
    let (_, lang) = use_model();
    let new = use_state(String::new);
    let again = use_state(String::new);
    let error = use_state(|| None::<&'static str>);
    let busy = use_state(|| false);
    let onsubmit = {
        let (new, again, error, busy) = (new.clone(), again.clone(), error.clone(), busy.clone());
        let (token, current, on_changed) = (
            props.token.clone(),
            props.current.clone(),
            props.on_changed.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            if new.chars().count() < 8 {
                error.set(Some("password.error.weak"));
                return;
            }
            if *new != *again {
                error.set(Some("setup.error.mismatch"));
                return;
            }
            busy.set(true);
            error.set(None);
            let (new, error, busy, token, current, on_changed) = (
                (*new).clone(),
                error.clone(),
                busy.clone(),
                token.clone(),
                current.clone(),
                on_changed.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                let outcome = api::change_password(&token, &current, &new).await;
                busy.set(false);
                match outcome {
                    Ok(()) => on_changed.emit(()),
                    Err(SetupError::Refused(ErrorCode::BadPassword)) => {
                        error.set(Some("password.error.weak"))
                    }
                    Err(SetupError::Refused(ErrorCode::TooManyAttempts)) => {
                        error.set(Some("password.error.wait"))
                    }
                    Err(SetupError::Http(HttpError::Offline)) => {
                        error.set(Some("login.error.network"))
                    }
                    Err(_) => error.set(Some("login.error.server")),
                }
            });
        })
    };
    let field = |state: &UseStateHandle<String>| {
        let (state, error) = (state.clone(), error.clone());
        Callback::from(move |e: InputEvent| {
            state.set(input_value(&e));
            error.set(None);
        })
    };
    html! {
        <form {onsubmit} novalidate=true data-test="password-change">
            <p class="notice info">{ lang.t("password.forced") }</p>
            <label class="field">
                <span>{ lang.t("password.new") }</span>
                <input type="password" autocomplete="new-password" dir="ltr" data-test="new-password"
                    value={(*new).clone()} oninput={field(&new)} />
            </label>
            <label class="field">
                <span>{ lang.t("password.again") }</span>
                <input type="password" autocomplete="new-password" dir="ltr" data-test="new-password-again"
                    value={(*again).clone()} oninput={field(&again)} />
            </label>
            if let Some(key) = *error {
                <p class="notice warn" role="alert" data-test="password-error">{ lang.t(key) }</p>
            }
            <button type="submit" class="btn primary big" data-test="password-submit" disabled={*busy}>
                { lang.t("password.submit") }
            </button>
        </form>
    }
}
