//! The frame of every tablet screen: the language switch, the top bar, the storage warning.

use yew::prelude::*;

use crate::route::{Route, use_navigator};
use crate::use_model;

/// Switches between Arabic and French.
#[component]
pub fn LangSwitch() -> Html {
    let (model, lang) = use_model();
    let onclick = Callback::from(move |_: MouseEvent| model.set_lang(model.lang().other()));
    let other = lang.other();
    html! {
        <button type="button" class="lang-switch" data-test="lang-switch"
            lang={other.code()} dir={other.dir()} {onclick}>
            { other.t("lang.self") }
        </button>
    }
}

#[derive(Properties, PartialEq)]
pub struct TopBarProps {
    pub title: AttrValue,
    /// Where the back button goes; none on the home screen.
    #[prop_or_default]
    pub back: Option<Route>,
    #[prop_or_default]
    pub children: Html,
}

#[component]
pub fn TopBar(props: &TopBarProps) -> Html {
    let (_, lang) = use_model();
    let navigator = use_navigator();
    let back = props.back.clone().map(|route| {
        let onclick = Callback::from(move |_: MouseEvent| {
            if let Some(n) = &navigator {
                n.push(&route);
            }
        });
        html! {
            <button type="button" class="back" data-test="back" aria-label={lang.t("nav.back")} {onclick}>
                <span aria-hidden="true">{ "→" }</span>
            </button>
        }
    });
    html! {
        <header class="topbar">
            { for back }
            <h1>{ props.title.clone() }</h1>
            <div class="topbar-end">
                { props.children.clone() }
                <LangSwitch />
            </div>
        </header>
    }
}

/// Warns that the browser may clear the tablet's data (persistent storage refused) or that
/// space is running short; the first can be put aside, the second stays while it is true.
#[component]
pub fn PersistWarning() -> Html {
    let (model, lang) = use_model();
    let dismissed = use_state(|| false);
    let refused = model.persist_refused() && !*dismissed;
    let short = model.space_short();
    if !refused && short.is_none() {
        return html! {};
    }
    let onclick = {
        let dismissed = dismissed.clone();
        Callback::from(move |_: MouseEvent| dismissed.set(true))
    };
    let reason = match (refused, short.is_some()) {
        (true, true) => "not-persistent low-space",
        (true, false) => "not-persistent",
        _ => "low-space",
    };
    html! {
        <div class="notice caution" data-test="storage-warning" data-reason={reason} role="alert">
            if let Some(free) = short {
                <p data-test="space-warning">{ lang.tf("storage.space_short", &[("free", &format!("{:.0}", free / 1_048_576.0))]) }</p>
            }
            if refused {
                <p data-test="persist-warning">{ lang.t("storage.not_persistent") }</p>
                <button type="button" class="btn secondary" {onclick}>{ lang.t("common.understood") }</button>
            }
        </div>
    }
}
