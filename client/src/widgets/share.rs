//! Sessions between tablets without the server: a session shown as a QR code or written to a
//! file, "export everything", and importing a file (merged, never overwritten).
//!
//! The QR code shown first is the session's *join code* (its first change only, the same
//! small code whatever the session holds, see `shared::bundle`): the other tablet then edits
//! the same document, and the rest reaches it at the next sync or by file. The whole session
//! can still be shown as a code while it fits, for two tablets that will not see a network.

use std::rc::Rc;

use tachkhis_shared::bundle;
use uuid::Uuid;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::files::{self, Shared};
use crate::i18n::Lang;
use crate::model::{ImportReport, Model};
use crate::route::{Route, use_navigator};
use crate::use_model;
use crate::widgets::{douar_name, group_label, today};

/// What an import said, for the notice under the import button.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportOutcome {
    Done(ImportReport),
    Refused(&'static str),
}

/// The sentence for an import's report.
pub fn report_text(lang: Lang, report: &ImportReport) -> String {
    lang.tf(
        "import.done",
        &[
            ("added", &lang.tn("import.added", report.added as u64)),
            ("merged", &lang.tn("import.merged", report.merged as u64)),
            (
                "unchanged",
                &lang.tn("import.unchanged", report.unchanged as u64),
            ),
        ],
    )
}

/// Imports `bytes` and turns the result into words.
pub async fn import_bytes(model: &Rc<Model>, bytes: &[u8]) -> ImportOutcome {
    match model.import(bytes).await {
        Ok(report) => ImportOutcome::Done(report),
        Err(e) => ImportOutcome::Refused(e.message_key()),
    }
}

/// The notice after an import.
pub fn outcome_notice(lang: Lang, outcome: &ImportOutcome) -> Html {
    match outcome {
        ImportOutcome::Done(r) => html! {
            <div class="notice ok" data-test="import-result" role="status"
                data-added={r.added.to_string()} data-merged={r.merged.to_string()}
                data-unchanged={r.unchanged.to_string()}>
                <p>{ report_text(lang, r) }</p>
            </div>
        },
        ImportOutcome::Refused(key) => html! {
            <div class="notice warn" data-test="import-error" data-reason={*key} role="alert">
                <p>{ lang.t(key) }</p>
            </div>
        },
    }
}

async fn export_everything(model: &Rc<Model>) -> Result<usize, ()> {
    let (bytes, count) = model.export_file(None).await;
    if count == 0 {
        return Ok(0);
    }
    let name = files::everything_file_name(&model.username(), &today());
    files::download(&bytes, &name).map_err(|_| ())?;
    Ok(count)
}

#[derive(Properties, PartialEq)]
pub struct ExportAllProps {
    /// The `data-test` attribute (the home screen's and the revoked notice's differ).
    #[prop_or(AttrValue::Static("export-all"))]
    pub test: AttrValue,
}

/// "Export everything": one file with every session of this tablet.
#[component]
pub fn ExportAllButton(props: &ExportAllProps) -> Html {
    let (model, lang) = use_model();
    let said = use_state(|| None::<String>);
    let onclick = {
        let said = said.clone();
        Callback::from(move |_: MouseEvent| {
            let (model, said) = (model.clone(), said.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let text = match export_everything(&model).await {
                    Ok(0) => lang.t("export.nothing").to_string(),
                    Ok(n) => lang.tn("export.done", n as u64),
                    Err(()) => lang.t("export.failed").to_string(),
                };
                said.set(Some(text));
            });
        })
    };
    html! {
        <>
            <button type="button" class="btn secondary" data-test={props.test.clone()} {onclick}>
                { lang.t("export.all") }
            </button>
            if let Some(text) = (*said).clone() {
                <p class="export-said" data-test="export-said" role="status">{ text }</p>
            }
        </>
    }
}

/// "Import a file": a picked `.tachkhis` file is merged into this tablet's sessions.
#[component]
pub fn ImportButton() -> Html {
    let (model, lang) = use_model();
    let outcome = use_state(|| None::<ImportOutcome>);
    let busy = use_state(|| false);
    let onchange = {
        let (outcome, busy) = (outcome.clone(), busy.clone());
        Callback::from(move |e: Event| {
            let Some(input) = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
            else {
                return;
            };
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            // The same file can be picked again later.
            input.set_value("");
            let (model, outcome, busy) = (model.clone(), outcome.clone(), busy.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let result = match files::read(&file).await {
                    Ok(bytes) => import_bytes(&model, &bytes).await,
                    Err(_) => ImportOutcome::Refused("import.error.unreadable"),
                };
                outcome.set(Some(result));
                busy.set(false);
            });
        })
    };
    let accept = format!(".{},application/octet-stream", bundle::FILE_EXTENSION);
    html! {
        <>
            <label class={classes!("btn", "secondary", "file-button", (*busy).then_some("busy"))}
                data-test="import-label">
                <input type="file" class="visually-hidden" data-test="import-file"
                    {accept} {onchange} />
                { if *busy { lang.t("import.busy") } else { lang.t("import.file") } }
            </label>
            if let Some(o) = (*outcome).clone() { { outcome_notice(lang, &o) } }
        </>
    }
}

/// The home screen's tools for sessions that travel without the server.
#[component]
pub fn HomeTools() -> Html {
    let (_, lang) = use_model();
    let navigator = use_navigator();
    let scan = Callback::from(move |_: MouseEvent| {
        if let Some(n) = &navigator {
            n.push(&Route::Scan);
        }
    });
    html! {
        <section class="home-tools" aria-label={lang.t("share.tools")}>
            <button type="button" class="btn secondary" data-test="scan" onclick={scan}>
                { lang.t("scan.open") }
            </button>
            <ImportButton />
            <ExportAllButton />
        </section>
    }
}

/// One session's file (`.tachkhis`) and its name; `None` when the session does not read.
/// Without photos (what a QR code carries); [`session_file_with_photos`] for a file.
fn session_file(model: &Model, id: Uuid) -> Option<(Vec<u8>, String)> {
    let (bytes, count) = model.export(Some(&[id]));
    named_file(model, id, bytes, count)
}

/// One session's file with the photos this tablet still holds.
async fn session_file_with_photos(model: &Model, id: Uuid) -> Option<(Vec<u8>, String)> {
    let (bytes, count) = model.export_file(Some(&[id])).await;
    named_file(model, id, bytes, count)
}

fn named_file(model: &Model, id: Uuid, bytes: Vec<u8>, count: usize) -> Option<(Vec<u8>, String)> {
    if count == 0 {
        return None;
    }
    let names = model
        .session(id)
        .and_then(|v| v.session)
        .map(|s| {
            let reference = model.reference();
            let r = reference.as_deref();
            let both = |name: &dyn Fn(Lang) -> String| (name(Lang::Ar), name(Lang::Fr));
            let pole = reference
                .as_deref()
                .and_then(|r| r.pole(&s.meta.pole_id))
                .map(|p| match p.number {
                    // The number people call the pole by, in both scripts.
                    0 => (p.name_ar.clone(), p.name_fr.clone()),
                    n => (format!("القطب {n}"), format!("Pole {n}")),
                })
                .unwrap_or_else(|| (s.meta.pole_id.clone(), s.meta.pole_id.clone()));
            files::SessionNames {
                pole,
                douars: s
                    .douar_ids
                    .iter()
                    .map(|d| both(&|lang| douar_name(r, lang, d)))
                    .collect(),
                group: both(&|lang| group_label(r, lang, s.meta.group_kind.clone())),
                date: s.meta.date.clone(),
            }
        })
        .unwrap_or_default();
    Some((bytes, files::session_file_name(&names)))
}

/// The join code of session `id` (its first change only); `None` when it does not read.
fn join_code(model: &Model, id: Uuid) -> Option<String> {
    let (bytes, _) = model.export(Some(&[id]));
    let entry = bundle::decode(&bytes).ok()?.into_iter().next()?;
    let mut doc = tachkhis_shared::SessionDoc::load(&entry.doc, None).ok()?;
    bundle::encode_join(id, &mut doc).map(|b| bundle::to_code(&b))
}

#[derive(Properties, PartialEq)]
pub struct ShareSessionProps {
    pub id: Uuid,
}

/// "Share with another tablet": the session as a QR code when it fits, and as a file.
#[component]
pub fn ShareSession(props: &ShareSessionProps) -> Html {
    let (model, lang) = use_model();
    let open = use_state(|| false);
    let whole = use_state(|| false);
    // The join code, made once when the panel opens: the first change never changes.
    let join = use_state(|| None::<String>);
    let said = use_state(|| None::<&'static str>);
    // The file with its photos, read from the tablet's storage when the panel opens.
    let file = use_state(|| None::<(Vec<u8>, String)>);
    {
        let (model, file, join, id) = (model.clone(), file.clone(), join.clone(), props.id);
        use_effect_with(*open, move |open| {
            if *open {
                join.set(join_code(&model, id));
                wasm_bindgen_futures::spawn_local(async move {
                    file.set(session_file_with_photos(&model, id).await);
                });
            } else {
                file.set(None);
                join.set(None);
            }
        });
    }
    let toggle = {
        let (open, said, whole) = (open.clone(), said.clone(), whole.clone());
        Callback::from(move |_: MouseEvent| {
            said.set(None);
            whole.set(false);
            open.set(!*open);
        })
    };
    let opener = html! {
        <button type="button" class="btn secondary share-open" data-test="share-open"
            aria-expanded={if *open { "true" } else { "false" }} onclick={toggle.clone()}>
            { lang.t("share.open") }
        </button>
    };
    if !*open {
        return opener;
    }
    let Some((code_bytes, _)) = session_file(&model, props.id) else {
        return html! {
            <>
                { opener }
                <div class="notice warn" data-test="share-panel"><p>{ lang.t("share.unreadable") }</p></div>
            </>
        };
    };
    // The join code until the facilitator asks for the whole session (or when, oddly, the
    // document has no single first change).
    let (code, kind, hint) = match (*whole, (*join).clone()) {
        (false, Some(code)) => (code, "join", "share.join_hint"),
        _ => (bundle::to_code(&code_bytes), "session", "share.qr_hint"),
    };
    let qr = match crate::qr::encode(&code) {
        Some(qr) => html! {
            <figure class="qr-box" data-test="share-qr" data-kind={kind}
                data-chars={code.len().to_string()}>
                { crate::qr::svg(&qr, lang.t("share.qr_label")) }
                <figcaption>{ lang.t(hint) }</figcaption>
            </figure>
        },
        None => html! {
            <p class="notice info" data-test="share-qr-too-big">{ lang.t("share.too_big") }</p>
        },
    };
    let switch = join.is_some().then(|| {
        let (shown, whole) = (*whole, whole.clone());
        let onclick = Callback::from(move |_: MouseEvent| whole.set(!shown));
        html! {
            <button type="button" class="btn secondary" data-test="share-code-kind" {onclick}>
                { lang.t(if shown { "share.show_join" } else { "share.show_whole" }) }
            </button>
        }
    });
    let (bytes, name) = (*file).clone().unwrap_or_default();
    let ready = file.is_some();
    let save = {
        let (bytes, name, said) = (bytes.clone(), name.clone(), said.clone());
        Callback::from(move |_: MouseEvent| {
            said.set(Some(if files::download(&bytes, &name).is_ok() {
                "share.file_saved"
            } else {
                "share.file_failed"
            }));
        })
    };
    let send = ready
        .then(|| files::shareable(&bytes, &name))
        .flatten()
        .map(|file| {
            let said = said.clone();
            let onclick = Callback::from(move |_: MouseEvent| {
                let (file, said) = (file.clone(), said.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    match files::share(&file).await {
                        Shared::Done => said.set(Some("share.sent")),
                        Shared::Cancelled => said.set(None),
                        Shared::Failed => said.set(Some("share.file_failed")),
                    }
                });
            });
            html! {
                <button type="button" class="btn secondary" data-test="share-send" {onclick}>
                    { lang.t("share.send") }
                </button>
            }
        });
    html! {
        <>
            { opener }
            <section class="share-panel" data-test="share-panel">
                { qr }
                { for switch }
                <div class="share-actions">
                    <button type="button" class="btn primary" data-test="share-file" disabled={!ready} onclick={save}>
                        { lang.t("share.file") }
                    </button>
                    { for send }
                </div>
                <p class="hint">{ lang.t("share.file_hint") }</p>
                if let Some(key) = *said {
                    <p class="share-said" data-test="share-said" role="status">{ lang.t(key) }</p>
                }
                <button type="button" class="btn secondary" data-test="share-close" onclick={toggle}>
                    { lang.t("common.close") }
                </button>
            </section>
        </>
    }
}

#[derive(Properties, PartialEq)]
pub struct RefusedNoticeProps {
    pub id: Uuid,
}

/// What a refused session means and what to do: the work is safe here, it will not be sent
/// automatically; its file in one tap (made only then) for the design office, or try again.
#[component]
pub fn RefusedNotice(props: &RefusedNoticeProps) -> Html {
    let (model, lang) = use_model();
    let said = use_state(|| None::<&'static str>);
    let id = props.id;
    let export = {
        let (model, said) = (model.clone(), said.clone());
        Callback::from(move |_: MouseEvent| {
            let (model, said) = (model.clone(), said.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let saved = session_file_with_photos(&model, id)
                    .await
                    .is_some_and(|(bytes, name)| files::download(&bytes, &name).is_ok());
                said.set(Some(if saved {
                    "share.file_saved"
                } else {
                    "share.file_failed"
                }));
            });
        })
    };
    let retry = Callback::from(move |_: MouseEvent| model.retry_refused(id));
    html! {
        <div class="notice warn" data-test="refused-notice" data-id={id.to_string()} role="status">
            <p>
                <strong data-test="refused-title">{ lang.t("refused.title") }</strong>
                { " " }{ lang.t("refused.text") }
            </p>
            <div class="share-actions">
                <button type="button" class="btn primary" data-test="refused-export" onclick={export}>
                    { lang.t("refused.export") }
                </button>
                <button type="button" class="btn secondary" data-test="refused-retry" onclick={retry}>
                    { lang.t("refused.retry") }
                </button>
            </div>
            if let Some(key) = *said {
                <p class="share-said" data-test="refused-export-said" role="status">{ lang.t(key) }</p>
            }
            <p class="hint">{ lang.t("refused.when") }</p>
        </div>
    }
}
