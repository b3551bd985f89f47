//! Login: once, online. Stores the token and the reference data on the tablet.

use tachkhis_shared::permissions::Action;
use yew::prelude::*;

use crate::model::Auth;
use crate::net::api::{self, HttpError, LoginError};
use crate::route::{Route, use_navigator};
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
        let model = model.clone();
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
            wasm_bindgen_futures::spawn_local(async move {
                let outcome = match api::login(&user, &pass).await {
                    Ok(login) => match api::reference(&login.token).await {
                        Ok(reference) => model
                            .logged_in(Auth::from(login), reference)
                            .await
                            .map_err(|_| ("login.error.storage", None)),
                        Err(e) => Err((error_key(&e), None)),
                    },
                    Err(e) => Err(login_problem(&e)),
                };
                busy.set(false);
                match outcome {
                    Ok(()) => {
                        password.set(String::new());
                        model.request_sync();
                        // Whoever reads the proposals lands on the office screens.
                        let office = model
                            .auth()
                            .is_some_and(|a| a.role.can(Action::ReadProposals));
                        if let Some(n) = navigator {
                            n.push(if office {
                                &Route::OfficeProposals
                            } else {
                                &Route::Home
                            });
                        }
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
