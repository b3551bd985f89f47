//! Pieces several screens share: the top bar, the sync panel and badges, chips, labels, dates.

use tachkhis_shared::reference::{GroupKind, Reference, Sector};
use tachkhis_shared::session::Session;
use wasm_bindgen::JsValue;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::i18n::Lang;
use crate::model::{DocProblem, DocSync, SyncProblem};
use crate::route::{Route, use_navigator};
use crate::use_model;

// ---------------------------------------------------------------------------------------------
// Labels of reference data

pub fn pole_name(reference: Option<&Reference>, lang: Lang, id: &str) -> String {
    reference
        .and_then(|r| r.poles.iter().find(|p| p.id == id))
        .map(|p| lang.pick(&p.name_ar, &p.name_fr).to_string())
        .unwrap_or_else(|| id.to_string())
}

pub fn douar_name(reference: Option<&Reference>, lang: Lang, id: &str) -> String {
    reference
        .and_then(|r| r.douars.iter().find(|d| d.id == id))
        .map(|d| lang.pick(&d.name_ar, &d.name_fr).to_string())
        .unwrap_or_else(|| id.to_string())
}

/// The Arabic name with its Latin transliteration ("ادوز (Idouz)"): the Arabic name is the one
/// people recognise, the Latin one how it is spelt in French documents. One name when the
/// reference has only one.
pub fn both_names(ar: &str, fr: &str) -> String {
    if fr.trim().is_empty() || fr == ar {
        ar.to_string()
    } else if ar.trim().is_empty() {
        fr.to_string()
    } else {
        // Each name isolated, so the Latin one keeps its direction inside Arabic text.
        format!("\u{2068}{ar}\u{2069} (\u{2068}{fr}\u{2069})")
    }
}

pub fn pole_full_name(reference: Option<&Reference>, id: &str) -> String {
    reference
        .and_then(|r| r.poles.iter().find(|p| p.id == id))
        .map(|p| both_names(&p.name_ar, &p.name_fr))
        .unwrap_or_else(|| id.to_string())
}

pub fn douar_full_name(reference: Option<&Reference>, id: &str) -> String {
    reference
        .and_then(|r| r.douars.iter().find(|d| d.id == id))
        .map(|d| both_names(&d.name_ar, &d.name_fr))
        .unwrap_or_else(|| id.to_string())
}

/// A douar for a chip: (Arabic name, Latin transliteration when there is one).
pub fn douar_chip_names(reference: Option<&Reference>, id: &str) -> (String, Option<String>) {
    match reference.and_then(|r| r.douars.iter().find(|d| d.id == id)) {
        Some(d) => (
            d.name_ar.clone(),
            (!d.name_fr.trim().is_empty() && d.name_fr != d.name_ar).then(|| d.name_fr.clone()),
        ),
        None => (id.to_string(), None),
    }
}

fn code_label(
    list: Option<&[tachkhis_shared::reference::CodeLabel]>,
    lang: Lang,
    code: &str,
) -> Option<String> {
    list?
        .iter()
        .find(|c| c.code == code)
        .map(|c| lang.pick(&c.ar, &c.fr).to_string())
}

pub fn group_label(reference: Option<&Reference>, lang: Lang, kind: GroupKind) -> String {
    code_label(
        reference.map(|r| r.group_kinds.as_slice()),
        lang,
        kind.code(),
    )
    .unwrap_or_else(|| {
        let l = kind.labels();
        lang.pick(&l.ar, &l.fr).to_string()
    })
}

pub fn sector_label(reference: Option<&Reference>, lang: Lang, sector: Sector) -> String {
    code_label(reference.map(|r| r.sectors.as_slice()), lang, sector.code()).unwrap_or_else(|| {
        let l = sector.labels();
        lang.pick(&l.ar, &l.fr).to_string()
    })
}

/// "النساء · القطب 1 · 14/07/2022"
pub fn session_title(reference: Option<&Reference>, lang: Lang, session: &Session) -> String {
    format!(
        "{} · {} · {}",
        group_label(reference, lang, session.meta.group_kind),
        pole_name(reference, lang, &session.meta.pole_id),
        show_date(&session.meta.date)
    )
}

/// The session's douars, each in Arabic with its transliteration.
pub fn douar_full_list(reference: Option<&Reference>, lang: Lang, ids: &[String]) -> String {
    let sep = match lang {
        Lang::Ar => "، ",
        Lang::Fr => ", ",
    };
    ids.iter()
        .map(|d| douar_full_name(reference, d))
        .collect::<Vec<_>>()
        .join(sep)
}

pub fn douar_list(reference: Option<&Reference>, lang: Lang, ids: &[String]) -> String {
    let sep = match lang {
        Lang::Ar => "، ",
        Lang::Fr => ", ",
    };
    ids.iter()
        .map(|d| douar_name(reference, lang, d))
        .collect::<Vec<_>>()
        .join(sep)
}

// ---------------------------------------------------------------------------------------------
// Dates: day/month/year, as written in Morocco

/// "2022-07-14" → "14/07/2022"; anything else is shown as it is.
pub fn show_date(iso: &str) -> String {
    let parts: Vec<&str> = iso.split('-').collect();
    match parts.as_slice() {
        [y, m, d] => format!("{d}/{m}/{y}"),
        _ => iso.to_string(),
    }
}

/// A time in ms since the epoch, in local time: "14/07/2022 16:05".
pub fn show_time(ms: f64) -> String {
    let d = js_sys::Date::new(&JsValue::from_f64(ms));
    format!(
        "{:02}/{:02}/{} {:02}:{:02}",
        d.get_date(),
        d.get_month() + 1,
        d.get_full_year(),
        d.get_hours(),
        d.get_minutes()
    )
}

/// A time of day in ms since the epoch, in local time: "16:05".
pub fn show_clock(ms: f64) -> String {
    let d = js_sys::Date::new(&JsValue::from_f64(ms));
    format!("{:02}:{:02}", d.get_hours(), d.get_minutes())
}

/// Reads a date as written in Morocco, day first: "14/07/2022", "14-7-2022", "14.07.22"
/// (Arabic-Indic digits too); gives `YYYY-MM-DD`, or `None` for anything else or no such day.
pub fn parse_date_input(text: &str) -> Option<String> {
    let normalised: String = text
        .trim()
        .chars()
        .map(|c| match c {
            '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
            '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
            '-' | '.' | '\u{2212}' => '/',
            other => other,
        })
        .collect();
    let parts: Vec<&str> = normalised.split('/').collect();
    let [d, m, y] = parts.as_slice() else {
        return None;
    };
    let ok = |p: &str, max: usize| {
        !p.is_empty() && p.len() <= max && p.bytes().all(|b| b.is_ascii_digit())
    };
    if !(ok(d, 2) && ok(m, 2) && (y.len() == 2 || y.len() == 4) && ok(y, 4)) {
        return None;
    }
    let (d, m, mut y): (u32, u32, u32) = (d.parse().ok()?, m.parse().ok()?, y.parse().ok()?);
    if y < 100 {
        y += 2000;
    }
    let iso = format!("{y:04}-{m:02}-{d:02}");
    tachkhis_shared::session::validate_date(&iso)
        .ok()
        .map(|()| iso)
}

/// The local time of day now, `HH:MM`.
pub fn clock_now() -> String {
    show_clock(js_sys::Date::now())
}

/// Reads a time of day as people type it on a number pad: "9:30", "09:30", "0930", "930",
/// "9h30", "9.30", "9" (Arabic-Indic digits too); gives `HH:MM` (24 h), or `None`.
pub fn parse_time_input(text: &str) -> Option<String> {
    let digits_of = |c: char| match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        '\u{0660}'..='\u{0669}' => Some(c as u32 - 0x0660),
        '\u{06F0}'..='\u{06F9}' => Some(c as u32 - 0x06F0),
        _ => None,
    };
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mut parts: Vec<String> = vec![String::new()];
    for c in text.chars() {
        if let Some(d) = digits_of(c) {
            parts.last_mut()?.push(char::from_digit(d, 10)?);
        } else if matches!(
            c,
            ':' | 'h' | 'H' | '.' | ',' | ' ' | '\u{066B}' | '\u{061B}'
        ) {
            if parts.len() > 1 {
                return None;
            }
            parts.push(String::new());
        } else {
            return None;
        }
    }
    let (h, m) = match parts.as_slice() {
        [only] => match only.len() {
            1 | 2 => (only.as_str(), "0"),
            3 => (&only[..1], &only[1..]),
            4 => (&only[..2], &only[2..]),
            _ => return None,
        },
        [h, m] if !h.is_empty() && h.len() <= 2 && m.len() <= 2 => {
            (h.as_str(), if m.is_empty() { "0" } else { m.as_str() })
        }
        _ => return None,
    };
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then(|| format!("{h:02}:{m:02}"))
}

/// Today in local time, `YYYY-MM-DD`.
pub fn today() -> String {
    let d = js_sys::Date::new_0();
    format!(
        "{}-{:02}-{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date()
    )
}

// ---------------------------------------------------------------------------------------------
// Input helpers

pub fn input_value(e: &InputEvent) -> String {
    e.target_unchecked_into::<HtmlInputElement>().value()
}

pub fn textarea_value(e: &InputEvent) -> String {
    e.target_unchecked_into::<HtmlTextAreaElement>().value()
}

// ---------------------------------------------------------------------------------------------
// Widgets

#[derive(Properties, PartialEq)]
pub struct ChipProps {
    pub label: AttrValue,
    pub selected: bool,
    pub onclick: Callback<()>,
    /// The `data-test` attribute.
    pub test: AttrValue,
    /// The code the chip stands for (`data-code`).
    #[prop_or_default]
    pub code: AttrValue,
    #[prop_or_default]
    pub icon: Option<Html>,
    /// A second, smaller line (the Latin transliteration of an Arabic place name).
    #[prop_or_default]
    pub sub: Option<AttrValue>,
}

/// A large toggle button, one of a set.
#[component]
pub fn Chip(props: &ChipProps) -> Html {
    let onclick = props.onclick.reform(|_: MouseEvent| ());
    html! {
        <button type="button"
            class={classes!("chip", props.selected.then_some("selected"))}
            aria-pressed={if props.selected { "true" } else { "false" }}
            data-test={props.test.clone()} data-code={props.code.clone()}
            {onclick}>
            if let Some(icon) = props.icon.clone() { <span class="chip-icon" aria-hidden="true">{icon}</span> }
            if let Some(sub) = props.sub.clone() {
                <span class="chip-names"><span lang="ar" dir="rtl">{ props.label.clone() }</span><span class="chip-sub" lang="fr" dir="ltr">{ sub }</span></span>
            } else {
                <span>{ props.label.clone() }</span>
            }
        </button>
    }
}

#[derive(Properties, PartialEq)]
pub struct DateFieldProps {
    pub label: AttrValue,
    /// The `data-test` of the input; the "today" button is `{test}-today`.
    pub test: AttrValue,
    /// `YYYY-MM-DD`.
    pub value: String,
    /// Called with the new date (`YYYY-MM-DD`) once the field is left or "today" pressed.
    pub on_change: Callback<String>,
}

/// A date shown and typed day first (14/07/2022), with Western digits, as the commune's
/// documents write it, whatever the tablet's settings (`<input type="date">` follows those).
#[component]
pub fn DateField(props: &DateFieldProps) -> Html {
    let (_, lang) = use_model();
    let draft = use_state(|| None::<String>);
    let invalid = use_state(|| false);
    let oninput = {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| draft.set(Some(input_value(&e))))
    };
    let commit = {
        let (draft, invalid, on_change, value) = (
            draft.clone(),
            invalid.clone(),
            props.on_change.clone(),
            props.value.clone(),
        );
        Callback::from(move |_: Event| {
            let Some(text) = (*draft).clone() else { return };
            match parse_date_input(&text) {
                Some(iso) => {
                    invalid.set(false);
                    draft.set(None);
                    if iso != value {
                        on_change.emit(iso);
                    }
                }
                None => invalid.set(true),
            }
        })
    };
    let today_click = {
        let (draft, invalid, on_change) = (draft.clone(), invalid.clone(), props.on_change.clone());
        Callback::from(move |_: MouseEvent| {
            draft.set(None);
            invalid.set(false);
            on_change.emit(today());
        })
    };
    let shown = (*draft).clone().unwrap_or_else(|| show_date(&props.value));
    html! {
        <div class="field time-field date-field">
            <label>
                <span>{ props.label.clone() }</span>
                <input type="text" inputmode="numeric" dir="ltr" autocomplete="off" maxlength="10"
                    class={classes!((*invalid).then_some("invalid"))}
                    placeholder="--/--/----" data-test={props.test.clone()} value={shown}
                    aria-invalid={if *invalid { "true" } else { "false" }}
                    {oninput} onchange={commit} />
            </label>
            <button type="button" class="btn secondary now" data-test={format!("{}-today", props.test)} onclick={today_click}>
                { lang.t("session.today") }
            </button>
            if *invalid {
                <p class="field-error" role="alert">{ lang.t("session.date_invalid") }</p>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct TimeFieldProps {
    pub label: AttrValue,
    /// The `data-test` of the input; the "now" button is `{test}-now`.
    pub test: AttrValue,
    /// `HH:MM`, or none.
    pub value: Option<String>,
    /// Called with the new time once the field is left (or "now" pressed); never per keystroke.
    pub on_change: Callback<Option<String>>,
}

/// A time of day typed on the number pad ("930", "9h30", "09:30"), shown as `HH:MM` (24 h,
/// Western digits whatever the tablet's language), with a big "now" button. (Not
/// `<input type="time">`: its look and its digits follow the tablet's settings, not the app's.)
#[component]
pub fn TimeField(props: &TimeFieldProps) -> Html {
    let (_, lang) = use_model();
    // What is being typed; `None` shows the value.
    let draft = use_state(|| None::<String>);
    let invalid = use_state(|| false);
    let oninput = {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| draft.set(Some(input_value(&e))))
    };
    let commit = {
        let (draft, invalid, on_change, value) = (
            draft.clone(),
            invalid.clone(),
            props.on_change.clone(),
            props.value.clone(),
        );
        Callback::from(move |_: Event| {
            let Some(text) = (*draft).clone() else { return };
            if text.trim().is_empty() {
                invalid.set(false);
                draft.set(None);
                if value.is_some() {
                    on_change.emit(None);
                }
                return;
            }
            match parse_time_input(&text) {
                Some(t) => {
                    invalid.set(false);
                    draft.set(None);
                    if value.as_deref() != Some(t.as_str()) {
                        on_change.emit(Some(t));
                    }
                }
                None => invalid.set(true),
            }
        })
    };
    let now = {
        let (draft, invalid, on_change) = (draft.clone(), invalid.clone(), props.on_change.clone());
        Callback::from(move |_: MouseEvent| {
            draft.set(None);
            invalid.set(false);
            on_change.emit(Some(clock_now()));
        })
    };
    let shown = (*draft)
        .clone()
        .unwrap_or_else(|| props.value.clone().unwrap_or_default());
    html! {
        <div class="field time-field">
            <label>
                <span>{ props.label.clone() }</span>
                <input type="text" inputmode="numeric" dir="ltr" autocomplete="off" maxlength="5"
                    class={classes!((*invalid).then_some("invalid"))}
                    placeholder="--:--" data-test={props.test.clone()} value={shown}
                    aria-invalid={if *invalid { "true" } else { "false" }}
                    {oninput} onchange={commit} />
            </label>
            <button type="button" class="btn secondary now" data-test={format!("{}-now", props.test)} onclick={now}>
                { lang.t("session.now") }
            </button>
            if *invalid {
                <p class="field-error" role="alert">{ lang.t("session.time_invalid") }</p>
            }
        </div>
    }
}

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
        <span class={classes!("badge", state, (detail == "partial").then_some("partial"))} data-test="sync-state" data-state={state} data-sync={detail}>
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
        lang.tf("sync.pending_count", &[("count", &pending.to_string())])
    };
    html! {
        <section class="sync-panel">
            <div class="sync-row">
                <div class="sync-facts">
                    <p data-test="last-sync">{ last }</p>
                    <p data-test="pending-count" data-count={pending.to_string()}>{ pending_text }</p>
                    if refused > 0 {
                        <p data-test="refused-count" data-count={refused.to_string()}>
                            { lang.tf("sync.refused_count", &[("count", &refused.to_string())]) }
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
    let next_retry = model.sync_status().next_retry.map(|ms| {
        html! {
            <p class="next-retry" data-test="next-retry">{ lang.tf("sync.next_retry", &[("time", &show_clock(ms))]) }</p>
        }
    });
    let export = (problem == SyncProblem::Revoked)
        .then(|| html! { <crate::share::ExportAllButton test="revoked-export" /> });
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

/// A small line drawing per sector, for the big sector chips (drawn here: no icon font, no
/// emoji font needed on the tablet).
pub fn sector_icon(sector: Sector) -> Html {
    let d = match sector {
        Sector::Roads => "M8 3 4 21M16 3l4 18M12 4v3m0 3v3m0 3v4",
        Sector::DrinkingWater => "M12 3s-7 8-7 12a7 7 0 0 0 14 0c0-4-7-12-7-12Z",
        Sector::Electricity => "M13 2 4 14h7l-1 8 9-12h-7Z",
        Sector::Sanitation => "M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13m-8 4v6m4-6v6",
        Sector::Health => "M9 3h6v6h6v6h-6v6H9v-6H3V9h6Z",
        Sector::Education => "M3 5c3-1 6-1 9 1 3-2 6-2 9-1v14c-3-1-6-1-9 1-3-2-6-2-9-1ZM12 6v14",
        Sector::YouthSports => {
            "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18ZM3 12h18M12 3c3 3 3 15 0 18M12 3c-3 3-3 15 0 18"
        }
        Sector::WomenFamily => {
            "M8 11a3 3 0 1 0 0-6 3 3 0 0 0 0 6ZM2 20c0-4 3-6 6-6s6 2 6 6m3-9a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5Zm-2 3c3 0 7 1 7 6"
        }
        Sector::Culture => "M5 4h3v16H5Zm5 0h3v16h-3Zm5 1 3-1 3 15-3 1Z",
        Sector::Economy => "M12 21v-9m0 0c0-4 3-7 8-7 0 5-3 7-8 7Zm0 2c0-3-2-5-7-5 0 4 2 5 7 5Z",
        Sector::Environment => "M12 22v-6M12 3l-6 8h3l-4 5h14l-4-5h3Z",
        Sector::Governance => "M3 9l9-5 9 5ZM5 9v9m4.5-9v9m5-9v9M19 9v9M3 20h18",
        Sector::Social => "M12 20s-8-5-8-11a4 4 0 0 1 8-1 4 4 0 0 1 8 1c0 6-8 11-8 11Z",
    };
    html! {
        <svg viewBox="0 0 24 24" width="28" height="28" fill="none" stroke="currentColor"
            stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">
            <path d={d} />
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_as_typed() {
        for (typed, time) in [
            ("9:30", "09:30"),
            ("09:30", "09:30"),
            ("0930", "09:30"),
            ("930", "09:30"),
            ("9h30", "09:30"),
            ("18H05", "18:05"),
            ("9.5", "09:05"),
            ("14", "14:00"),
            ("14:", "14:00"),
            ("٠٩:٣٠", "09:30"),
            (" 23:59 ", "23:59"),
            ("0", "00:00"),
        ] {
            assert_eq!(parse_time_input(typed).as_deref(), Some(time), "{typed}");
            assert!(tachkhis_shared::session::validate_time(time).is_ok());
        }
        for bad in [
            "", "24:00", "9:60", "12345", "ab", "9:30:00", "-1", ":30", "1:2:3",
        ] {
            assert_eq!(parse_time_input(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_are_read_day_first() {
        for (typed, iso) in [
            ("14/07/2022", "2022-07-14"),
            ("14-7-2022", "2022-07-14"),
            ("1.2.24", "2024-02-01"),
            ("٢٩/٠٢/٢٠٢٤", "2024-02-29"),
            (" 31/12/2023 ", "2023-12-31"),
        ] {
            assert_eq!(parse_date_input(typed).as_deref(), Some(iso), "{typed}");
        }
        for bad in [
            "29/02/2023",
            "2022-07-14",
            "14/07",
            "32/01/2024",
            "14/13/2024",
            "",
            "a/b/c",
            "1/1/202",
        ] {
            assert_eq!(parse_date_input(bad), None, "{bad}");
        }
        // What is shown reads back as itself.
        assert_eq!(
            parse_date_input(&show_date("2022-07-14")).as_deref(),
            Some("2022-07-14")
        );
    }

    #[test]
    fn place_names_carry_both_scripts() {
        assert_eq!(
            both_names("ادوز", "Idouz"),
            "\u{2068}ادوز\u{2069} (\u{2068}Idouz\u{2069})"
        );
        assert_eq!(both_names("ادوز", ""), "ادوز");
        assert_eq!(both_names("", "Idouz"), "Idouz");
    }
}
