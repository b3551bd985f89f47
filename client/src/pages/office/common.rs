//! Labels and small pieces the office screens share: names of codes, money, links, notices,
//! filter selects and sortable headers.

use tachkhis_shared::money::Mad;
use tachkhis_shared::text::fold_digit;
use tachkhis_shared::{GroupKind, Sector, reference::Reference};
use yew::prelude::*;

use crate::i18n::Lang;
use crate::net::office::ApiError;
use crate::route::{Route, use_navigator};
use crate::use_model;
use crate::widgets::{group_label, sector_label};

pub fn sector_name(reference: Option<&Reference>, lang: Lang, sector: Option<&Sector>) -> String {
    sector.map_or_else(String::new, |s| sector_label(reference, lang, s.clone()))
}

pub fn group_name(reference: Option<&Reference>, lang: Lang, kind: &GroupKind) -> String {
    group_label(reference, lang, kind.clone())
}

/// A light comparison key for filtering short lists on screen: ASCII letters lowercased,
/// Arabic-Indic digits as ASCII. (The full normalisation of `tachkhis_shared::text`, with its
/// Unicode tables, runs on the server's searches; it would add ~100 KiB to the bundle.)
pub fn fold(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| fold_digit(c).to_ascii_lowercase())
        .collect()
}

/// An amount the French way ("20 870 000,00"), kept left-to-right inside Arabic text.
pub fn money(amount: Option<&Mad>) -> Html {
    match amount {
        Some(m) => html! { <span class="num" dir="ltr">{ m.format_fr() }</span> },
        None => html! { <span class="num muted">{ "—" }</span> },
    }
}

/// A link that the router follows (a ctrl-click still opens a new tab).
#[derive(Properties, PartialEq)]
pub struct LinkProps {
    pub to: Route,
    #[prop_or_default]
    pub class: Classes,
    #[prop_or_default]
    pub test: Option<AttrValue>,
    #[prop_or_default]
    pub children: Html,
}

#[component]
pub fn Link(props: &LinkProps) -> Html {
    let navigator = use_navigator();
    let onclick = {
        let to = props.to.clone();
        Callback::from(move |e: MouseEvent| {
            if e.ctrl_key() || e.meta_key() || e.shift_key() || e.button() != 0 {
                return;
            }
            e.prevent_default();
            if let Some(n) = &navigator {
                n.push(&to);
            }
        })
    };
    html! {
        <a href={props.to.path()} class={props.class.clone()} data-test={props.test.clone()} {onclick}>
            { props.children.clone() }
        </a>
    }
}

/// Loading and failure of a screen's data, in words.
#[derive(Properties, PartialEq)]
pub struct LoadNoticeProps {
    pub loading: bool,
    pub error: Option<ApiError>,
    /// True once there is something to show (a refetch keeps it on screen).
    pub has_data: bool,
}

#[component]
pub fn LoadNotice(props: &LoadNoticeProps) -> Html {
    let (_, lang) = use_model();
    match (&props.error, props.loading, props.has_data) {
        (Some(e), _, _) => html! { <ErrorNotice error={e.clone()} /> },
        (None, true, false) => {
            html! { <p class="office-loading" data-test="loading" role="status">{ lang.t("office.loading") }</p> }
        }
        _ => html! {},
    }
}

#[derive(Properties, PartialEq)]
pub struct ErrorNoticeProps {
    pub error: ApiError,
}

/// An error in the user's language; the way back in when the login expired; a refused
/// import's rows with their line numbers.
#[component]
pub fn ErrorNotice(props: &ErrorNoticeProps) -> Html {
    let (_, lang) = use_model();
    let navigator = use_navigator();
    let relogin = (props.error == ApiError::Unauthorized).then(|| {
        let onclick = Callback::from(move |_: MouseEvent| {
            if let Some(n) = &navigator {
                n.push(&Route::Login);
            }
        });
        html! { <button type="button" class="btn secondary" data-test="relogin" {onclick}>{ lang.t("login.again") }</button> }
    });
    let rows = match &props.error {
        ApiError::BadImport(rows) => html! {
            <ul class="import-errors" data-test="import-errors">
                { for rows.iter().map(|r| html! {
                    <li>
                        <strong>{ lang.tf("office.import.line", &[("line", &r.line.to_string())]) }</strong>
                        { " " }<span dir="auto">{ &r.reason }</span>
                    </li>
                }) }
            </ul>
        },
        _ => html! {},
    };
    html! {
        <div class="notice warn" role="alert" data-test="office-error">
            <p>{ lang.t(props.error.key()) }</p>
            { for relogin }
            { rows }
        </div>
    }
}
