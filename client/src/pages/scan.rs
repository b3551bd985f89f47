//! Join by scanning: the camera looks for a session code shown on another tablet; what it
//! reads is imported like a file (merged, never overwritten).
//!
//! `BarcodeDetector` (Chrome on Android has it) is reached through `Reflect`: web-sys does not
//! bind it, and a browser without it is told so in words and offered the file instead.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Array, Object, Reflect};
use tachkhis_shared::bundle;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{HtmlVideoElement, MediaStream, MediaStreamConstraints, MediaStreamTrack};
use yew::prelude::*;

use crate::model::Model;
use crate::route::{Route, use_navigator};
use crate::use_model;
use crate::widgets::TopBar;
use crate::widgets::share::{ImportButton, ImportOutcome, import_bytes, outcome_notice};

/// Between two looks at the camera picture (a detection costs a few ms on a cheap tablet).
const LOOK_EVERY_MS: i32 = 300;

#[derive(Debug, Clone, PartialEq)]
enum Phase {
    Starting,
    /// The browser has no `BarcodeDetector`.
    NoDetector,
    /// No camera, or its use refused.
    NoCamera,
    Scanning {
        /// A code was seen that is not a session code.
        foreign: bool,
    },
    Importing,
    Done(ImportOutcome),
}

fn detector_class() -> Option<js_sys::Function> {
    let window: JsValue = web_sys::window()?.into();
    Reflect::get(&window, &"BarcodeDetector".into())
        .ok()?
        .dyn_into()
        .ok()
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

fn stop(stream: &RefCell<Option<MediaStream>>) {
    if let Some(stream) = stream.borrow_mut().take() {
        for track in stream.get_tracks().iter() {
            if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
                track.stop();
            }
        }
    }
}

async fn open_camera() -> Option<MediaStream> {
    let devices = web_sys::window()?.navigator().media_devices().ok()?;
    let video = Object::new();
    let _ = Reflect::set(&video, &"facingMode".into(), &"environment".into());
    let constraints = MediaStreamConstraints::new();
    constraints.set_video(&video);
    let promise = devices.get_user_media_with_constraints(&constraints).ok()?;
    JsFuture::from(promise).await.ok()?.dyn_into().ok()
}

/// The texts of the QR codes in the video's current picture.
async fn detect(detector: &JsValue, video: &HtmlVideoElement) -> Vec<String> {
    let Some(detect) = Reflect::get(detector, &"detect".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    else {
        return Vec::new();
    };
    let Ok(promise) = detect.call1(detector, video) else {
        return Vec::new();
    };
    let Ok(found) = JsFuture::from(js_sys::Promise::from(promise)).await else {
        return Vec::new();
    };
    Array::from(&found)
        .iter()
        .filter_map(|code| Reflect::get(&code, &"rawValue".into()).ok()?.as_string())
        .collect()
}

async fn scan(
    model: Rc<Model>,
    video: NodeRef,
    phase: UseStateHandle<Phase>,
    alive: Rc<Cell<bool>>,
    stream: Rc<RefCell<Option<MediaStream>>>,
) {
    let Some(class) = detector_class() else {
        phase.set(Phase::NoDetector);
        return;
    };
    let options = Object::new();
    let _ = Reflect::set(&options, &"formats".into(), &Array::of1(&"qr_code".into()));
    let Ok(detector) = Reflect::construct(&class, &Array::of1(&options)) else {
        phase.set(Phase::NoDetector);
        return;
    };
    let Some(camera) = open_camera().await else {
        phase.set(Phase::NoCamera);
        return;
    };
    *stream.borrow_mut() = Some(camera.clone());
    if !alive.get() {
        stop(&stream);
        return;
    }
    let Some(element) = video.cast::<HtmlVideoElement>() else {
        stop(&stream);
        return;
    };
    element.set_src_object(Some(&camera));
    if let Ok(playing) = element.play() {
        let _ = JsFuture::from(playing).await;
    }
    phase.set(Phase::Scanning { foreign: false });
    let mut foreign = false;
    while alive.get() {
        sleep(LOOK_EVERY_MS).await;
        // HAVE_CURRENT_DATA: a picture to look at.
        if !alive.get() || element.ready_state() < 2 {
            continue;
        }
        for text in detect(&detector, &element).await {
            match bundle::from_code(&text) {
                Ok(bytes) => {
                    stop(&stream);
                    phase.set(Phase::Importing);
                    let outcome = import_bytes(&model, &bytes).await;
                    phase.set(Phase::Done(outcome));
                    return;
                }
                Err(_) if !foreign => {
                    foreign = true;
                    phase.set(Phase::Scanning { foreign: true });
                }
                Err(_) => {}
            }
        }
    }
}

#[component]
pub fn ScanPage() -> Html {
    let (model, lang) = use_model();
    let navigator = use_navigator();
    let phase = use_state(|| Phase::Starting);
    let video = use_node_ref();
    {
        let (model, video, phase) = (model.clone(), video.clone(), phase.clone());
        use_effect_with((), move |_| {
            let alive = Rc::new(Cell::new(true));
            let stream = Rc::new(RefCell::new(None));
            wasm_bindgen_futures::spawn_local(scan(
                model,
                video,
                phase,
                alive.clone(),
                stream.clone(),
            ));
            // Leaving the screen turns the camera off.
            move || {
                alive.set(false);
                stop(&stream);
            }
        });
    }
    let camera_on = matches!(*phase, Phase::Starting | Phase::Scanning { .. });
    let (state, body) = match &*phase {
        Phase::Starting => ("starting", html! { <p>{ lang.t("scan.starting") }</p> }),
        Phase::NoDetector => (
            "no-detector",
            html! {
                <div class="notice info" data-test="scan-unavailable">
                    <p>{ lang.t("scan.no_detector") }</p>
                    <ImportButton />
                </div>
            },
        ),
        Phase::NoCamera => (
            "no-camera",
            html! {
                <div class="notice info" data-test="scan-unavailable">
                    <p>{ lang.t("scan.no_camera") }</p>
                    <ImportButton />
                </div>
            },
        ),
        Phase::Scanning { foreign } => (
            "scanning",
            html! {
                <>
                    <p>{ lang.t("scan.aim") }</p>
                    if *foreign { <p class="notice warn" data-test="scan-foreign">{ lang.t("import.error.not_a_code") }</p> }
                </>
            },
        ),
        Phase::Importing => ("importing", html! { <p>{ lang.t("import.busy") }</p> }),
        Phase::Done(outcome) => {
            let open = match outcome {
                ImportOutcome::Done(report) => report.single.map(|id| {
                    let navigator = navigator.clone();
                    let onclick = Callback::from(move |_: MouseEvent| {
                        if let Some(n) = &navigator {
                            n.push(&Route::Session { id: id.to_string() });
                        }
                    });
                    html! {
                        <button type="button" class="btn primary huge" data-test="scan-open-session" {onclick}>
                            { lang.t("scan.open_session") }
                        </button>
                    }
                }),
                ImportOutcome::Refused(_) => None,
            };
            (
                "done",
                html! { <>{ outcome_notice(lang, outcome) }{ for open }</> },
            )
        }
    };
    html! {
        <>
            <TopBar title={lang.t("scan.title")} back={Some(Route::Home)} />
            <main class="page scan-page" data-test="scan-page" data-state={state}>
                <div class={classes!("camera", (!camera_on).then_some("off"))}>
                    <video ref={video} class="camera-view" autoplay=true playsinline=true
                        muted=true data-test="scan-video"></video>
                </div>
                { body }
            </main>
        </>
    }
}
