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

/// Where the tablet remembers that the warning about evictable storage was read.
const PERSIST_WARNING_READ_KEY: &str = "tachkhis-persist-warning-read";

fn local_flag(key: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(key).ok().flatten())
        .is_some()
}

/// Warns that the browser may clear the tablet's data (persistent storage refused) or that
/// space is running short. The first is said once, with what to do, then stays a quiet mark
/// (it is true at every start and nothing the facilitator does in the app changes it); the
/// second stays while it is true.
#[component]
pub fn PersistWarning() -> Html {
    let (model, lang) = use_model();
    let read = use_state(|| local_flag(PERSIST_WARNING_READ_KEY));
    let refused = model.persist_refused();
    let short = model.space_short();
    let onclick = {
        let read = read.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
                let _ = s.set_item(PERSIST_WARNING_READ_KEY, "1");
            }
            read.set(true);
        })
    };
    let warn = refused && !*read;
    let mark = (refused && *read).then(|| {
        html! { <p class="hint persist-mark" data-test="persist-mark">{ lang.t("storage.not_persistent_mark") }</p> }
    });
    if !warn && short.is_none() {
        return html! { { for mark } };
    }
    let reason = match (warn, short.is_some()) {
        (true, true) => "not-persistent low-space",
        (true, false) => "not-persistent",
        _ => "low-space",
    };
    html! {
        <>
            <div class="notice caution" data-test="storage-warning" data-reason={reason} role="alert">
                if let Some(free) = short {
                    <p data-test="space-warning">{ lang.tf("storage.space_short", &[("free", &format!("{:.0}", free / 1_048_576.0))]) }</p>
                }
                if warn {
                    <p data-test="persist-warning">{ lang.t("storage.not_persistent") }</p>
                    <button type="button" class="btn secondary" data-test="persist-warning-read" {onclick}>{ lang.t("common.understood") }</button>
                }
            </div>
            { for mark }
        </>
    }
}
