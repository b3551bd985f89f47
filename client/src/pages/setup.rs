//! The first run's set-up (`/setup`): the one-time code the server printed, the commune, and
//! its first administrator. Shown when the server says it is not set up (the login screen asks).

use tachkhis_shared::api::{CommuneSetup, ErrorCode, SetupRequest, parse_mandate};
use yew::prelude::*;

use crate::net::api::{self, HttpError, SetupError};
use crate::route::{Route, use_navigator};
use crate::use_model;
use crate::widgets::{LangSwitch, input_value};

/// The form's fields: (catalogue key of the label, `data-test`, input type).
const FIELDS: [(&str, &str, &str); 9] = [
    ("setup.code", "setup-code", "text"),
    ("setup.name_ar", "setup-name-ar", "text"),
    ("setup.name_fr", "setup-name-fr", "text"),
    ("setup.province", "setup-province", "text"),
    ("setup.region", "setup-region", "text"),
    ("setup.mandate", "setup-mandate", "text"),
    ("setup.admin", "setup-admin", "text"),
    ("setup.password", "setup-password", "password"),
    ("setup.password_again", "setup-password-again", "password"),
];

fn refusal_key(code: &ErrorCode) -> &'static str {
    match code {
        ErrorCode::BadSetupCode => "setup.error.code",
        ErrorCode::BadPassword => "setup.error.password",
        ErrorCode::BadUsername => "setup.error.username",
        ErrorCode::BadCommune => "setup.error.commune",
        ErrorCode::Conflict => "setup.error.done",
        _ => "login.error.server",
    }
}

/// Checks the form as the server would, so that most mistakes are said before sending.
fn request(values: &[String]) -> Result<SetupRequest, &'static str> {
    let [
        code,
        name_ar,
        name_fr,
        province,
        region,
        mandate,
        admin,
        pass,
        again,
    ] = values
    else {
        return Err("login.error.server");
    };
    if values[..7].iter().any(|v| v.trim().is_empty()) || pass.is_empty() {
        return Err("setup.error.empty");
    }
    let (mandate_start, mandate_end) = parse_mandate(mandate).ok_or("setup.error.mandate")?;
    if pass != again {
        return Err("setup.error.mismatch");
    }
    Ok(SetupRequest {
        code: code.clone(),
        commune: CommuneSetup {
            name_ar: name_ar.trim().into(),
            name_fr: name_fr.trim().into(),
            province: province.trim().into(),
            region: region.trim().into(),
            mandate_start,
            mandate_end,
        },
        admin_username: admin.trim().into(),
        admin_password: pass.clone(),
    })
}

#[component]
pub fn Setup() -> Html {
    let (_, lang) = use_model();
    let navigator = use_navigator();
    let values = use_state(|| vec![String::new(); FIELDS.len()]);
    let error = use_state(|| None::<&'static str>);
    let busy = use_state(|| false);

    let onsubmit = {
        let (values, error, busy) = (values.clone(), error.clone(), busy.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            let req = match request(&values) {
                Ok(req) => req,
                Err(key) => return error.set(Some(key)),
            };
            busy.set(true);
            error.set(None);
            let (error, busy, navigator) = (error.clone(), busy.clone(), navigator.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let outcome = api::setup(&req).await;
                busy.set(false);
                match outcome {
                    Ok(()) => {
                        if let Some(n) = navigator {
                            n.replace(&Route::Login);
                        }
                    }
                    Err(SetupError::Refused(code)) => error.set(Some(refusal_key(&code))),
                    Err(SetupError::Http(HttpError::Offline)) => {
                        error.set(Some("login.error.network"))
                    }
                    Err(SetupError::Http(_)) => error.set(Some("login.error.server")),
                }
            });
        })
    };
    let fields = FIELDS.iter().enumerate().map(|(i, (key, test, kind))| {
        let oninput = {
            let (values, error) = (values.clone(), error.clone());
            Callback::from(move |e: InputEvent| {
                let mut next = (*values).clone();
                next[i] = input_value(&e);
                values.set(next);
                error.set(None);
            })
        };
        // The Arabic name is typed right to left; codes, names of accounts and years are not.
        let dir = if *key == "setup.name_ar" {
            "rtl"
        } else {
            "auto"
        };
        html! {
            <label class="field">
                <span>{ lang.t(key) }</span>
                <input type={*kind} data-test={*test} {dir} autocapitalize="none" spellcheck="false"
                    value={values[i].clone()} {oninput} />
            </label>
        }
    });
    html! {
        <main class="login-page">
            <div class="login-top"><LangSwitch /></div>
            <div class="login-card">
                <h1 class="brand">{ lang.t("setup.title") }</h1>
                <p class="tagline">{ lang.t("setup.intro") }</p>
                <form {onsubmit} novalidate=true>
                    { for fields }
                    if let Some(key) = *error {
                        <p class="notice warn" role="alert" data-test="setup-error">{ lang.t(key) }</p>
                    }
                    <button type="submit" class="btn primary big" data-test="setup-submit" disabled={*busy}>
                        { lang.t("setup.submit") }
                    </button>
                </form>
            </div>
        </main>
    }
}
