//! Join by scanning: the camera looks for a session code shown on another tablet; what it
//! reads is imported like a file (merged, never overwritten). The code is usually a join code
//! (the session's first change only, see `shared::bundle`); older whole-session codes read
//! the same way.
//!
//! Two readers: `BarcodeDetector` where the browser has it (Chrome on Android), reached
//! through `Reflect` (web-sys does not bind it); else each camera frame is drawn small on a
//! canvas and read by [`crate::qr::decode_rgba`] (quircs). A *photo of the code* (the tablet's
//! camera app, through a file input) is read by the same function: it works where the browser
//! refuses the live camera (plain http on the local network).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Array, Object, Reflect};
use tachkhis_shared::bundle;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, HtmlInputElement, HtmlVideoElement, ImageBitmap, MediaStream, MediaStreamConstraints,
    MediaStreamTrack, OffscreenCanvas, OffscreenCanvasRenderingContext2d,
};
use yew::prelude::*;

use crate::model::Model;
use crate::route::{Route, use_navigator};
use crate::use_model;
use crate::widgets::TopBar;
use crate::widgets::share::{ImportButton, ImportOutcome, import_bytes, outcome_notice};

/// Between two looks at the camera picture (a detection costs a few ms on a cheap tablet).
const LOOK_EVERY_MS: i32 = 300;
/// The same with the Rust reader, which takes ~30-100 ms a frame in wasm on a cheap tablet.
const LOOK_EVERY_MS_RUST: i32 = 500;
/// A camera frame is read at most this wide or high (a code filling a third of it still has
/// 3 pixels a module at version 15).
const FRAME_SIDE: u32 = 720;
/// A photo of the code is read at most this wide or high.
const PHOTO_SIDE: u32 = 1600;

#[derive(Debug, Clone, PartialEq)]
enum Phase {
    Starting,
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

/// `w` × `h` scaled down to fit `side`.
fn fit(w: u32, h: u32, side: u32) -> (u32, u32) {
    let long = w.max(h).max(1);
    if long <= side {
        return (w, h);
    }
    let scale = f64::from(side) / f64::from(long);
    (
        ((f64::from(w) * scale).round() as u32).max(1),
        ((f64::from(h) * scale).round() as u32).max(1),
    )
}

/// A 2D context on `canvas`, sized `w` × `h`, asked to keep its pixels readable.
fn context(canvas: &OffscreenCanvas, w: u32, h: u32) -> Option<OffscreenCanvasRenderingContext2d> {
    canvas.set_width(w);
    canvas.set_height(h);
    let options = Object::new();
    let _ = Reflect::set(&options, &"willReadFrequently".into(), &JsValue::TRUE);
    canvas
        .get_context_with_context_options("2d", &options)
        .ok()??
        .dyn_into()
        .ok()
}

/// The codes read by quircs in what was just drawn on `ctx`.
fn read_drawn(ctx: &OffscreenCanvasRenderingContext2d, w: u32, h: u32) -> Vec<String> {
    let Ok(image) = ctx.get_image_data(0.0, 0.0, f64::from(w), f64::from(h)) else {
        return Vec::new();
    };
    crate::qr::decode_rgba(w as usize, h as usize, &image.data())
}

/// The texts of the QR codes in the video's current picture, read in Rust.
fn read_frame(canvas: &OffscreenCanvas, video: &HtmlVideoElement) -> Vec<String> {
    let (w, h) = fit(video.video_width(), video.video_height(), FRAME_SIDE);
    if w == 0 || h == 0 {
        return Vec::new();
    }
    let Some(ctx) = context(canvas, w, h) else {
        return Vec::new();
    };
    if ctx
        .draw_image_with_html_video_element_and_dw_and_dh(video, 0.0, 0.0, w.into(), h.into())
        .is_err()
    {
        return Vec::new();
    }
    read_drawn(&ctx, w, h)
}

/// The texts of the QR codes in a picked photo; `None` when it is not an image.
async fn read_photo(file: &Blob) -> Option<Vec<String>> {
    let window = web_sys::window()?;
    let bitmap: ImageBitmap = JsFuture::from(window.create_image_bitmap_with_blob(file).ok()?)
        .await
        .ok()?
        .dyn_into()
        .ok()?;
    let (w, h) = fit(bitmap.width(), bitmap.height(), PHOTO_SIDE);
    let canvas = OffscreenCanvas::new(w, h).ok()?;
    let ctx = context(&canvas, w, h)?;
    let drawn = ctx
        .draw_image_with_image_bitmap_and_dw_and_dh(&bitmap, 0.0, 0.0, w.into(), h.into())
        .is_ok();
    bitmap.close();
    drawn.then(|| read_drawn(&ctx, w, h))
}

/// The first session code among `texts`, as file bytes; `Err(true)` when only other codes
/// were seen, `Err(false)` when none.
fn session_code(texts: &[String]) -> Result<Vec<u8>, bool> {
    texts
        .iter()
        .find_map(|t| bundle::from_code(t).ok())
        .ok_or(!texts.is_empty())
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

/// How camera frames are read.
enum Reader {
    Detector(JsValue),
    Rust(OffscreenCanvas),
}

impl Reader {
    fn new() -> Option<Reader> {
        let detector = detector_class().and_then(|class| {
            let options = Object::new();
            let _ = Reflect::set(&options, &"formats".into(), &Array::of1(&"qr_code".into()));
            Reflect::construct(&class, &Array::of1(&options)).ok()
        });
        match detector {
            Some(d) => Some(Reader::Detector(d)),
            None => OffscreenCanvas::new(1, 1).ok().map(Reader::Rust),
        }
    }

    async fn read(&self, video: &HtmlVideoElement) -> Vec<String> {
        match self {
            Reader::Detector(d) => detect(d, video).await,
            Reader::Rust(canvas) => read_frame(canvas, video),
        }
    }
}

/// The scan's state shared by the camera loop and the photo input: the first code read
/// (either way) wins, the other stops.
#[derive(Clone)]
struct Scan {
    alive: Rc<Cell<bool>>,
    stream: Rc<RefCell<Option<MediaStream>>>,
}

impl Scan {
    fn end(&self) {
        self.alive.set(false);
        stop(&self.stream);
    }
}

async fn import_code(model: &Rc<Model>, phase: &UseStateHandle<Phase>, bytes: &[u8]) {
    phase.set(Phase::Importing);
    let outcome = import_bytes(model, bytes).await;
    phase.set(Phase::Done(outcome));
}

async fn scan(model: Rc<Model>, video: NodeRef, phase: UseStateHandle<Phase>, ctl: Scan) {
    let Scan { alive, stream } = ctl.clone();
    let Some(reader) = Reader::new() else {
        phase.set(Phase::NoCamera);
        return;
    };
    let every = match reader {
        Reader::Detector(_) => LOOK_EVERY_MS,
        Reader::Rust(_) => LOOK_EVERY_MS_RUST,
    };
    let Some(camera) = open_camera().await else {
        // Unless a photo of the code was read meanwhile.
        if alive.get() {
            phase.set(Phase::NoCamera);
        }
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
    if !alive.get() {
        return;
    }
    phase.set(Phase::Scanning { foreign: false });
    let mut foreign = false;
    while alive.get() {
        sleep(every).await;
        // HAVE_CURRENT_DATA: a picture to look at.
        if !alive.get() || element.ready_state() < 2 {
            continue;
        }
        let texts = reader.read(&element).await;
        if !alive.get() {
            return;
        }
        match session_code(&texts) {
            Ok(bytes) => {
                ctl.end();
                import_code(&model, &phase, &bytes).await;
                return;
            }
            Err(true) if !foreign => {
                foreign = true;
                phase.set(Phase::Scanning { foreign: true });
            }
            Err(_) => {}
        }
    }
}

/// "Photograph the code": the tablet's camera app (or a picture already taken), read by the
/// same decoder as the frames.
#[derive(Properties, PartialEq)]
struct PhotoInputProps {
    onpicked: Callback<Blob>,
    /// The last photo held no session code.
    none: bool,
}

#[component]
fn PhotoInput(props: &PhotoInputProps) -> Html {
    let (_, lang) = use_model();
    let onchange = {
        let onpicked = props.onpicked.clone();
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
            input.set_value("");
            onpicked.emit(file.into());
        })
    };
    html! {
        <div class="scan-photo">
            <label class="btn secondary file-button" data-test="scan-photo-label">
                <input type="file" class="visually-hidden" data-test="scan-photo"
                    accept="image/*" capture="environment" {onchange} />
                { lang.t("scan.photo") }
            </label>
            if props.none {
                <p class="notice warn" data-test="scan-photo-none" role="alert">{ lang.t("scan.photo_none") }</p>
            }
        </div>
    }
}

#[component]
pub fn ScanPage() -> Html {
    let (model, lang) = use_model();
    let navigator = use_navigator();
    let phase = use_state(|| Phase::Starting);
    let photo_none = use_state(|| false);
    let video = use_node_ref();
    let ctl = use_memo((), |_| Scan {
        alive: Rc::new(Cell::new(true)),
        stream: Rc::new(RefCell::new(None)),
    });
    {
        let (model, video, phase, ctl) = (model.clone(), video.clone(), phase.clone(), ctl.clone());
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(scan(model, video, phase, (*ctl).clone()));
            // Leaving the screen turns the camera off.
            move || ctl.end()
        });
    }
    let onpicked = {
        let (model, phase, ctl, photo_none) = (
            model.clone(),
            phase.clone(),
            ctl.clone(),
            photo_none.clone(),
        );
        Callback::from(move |file: Blob| {
            let (model, phase, ctl, photo_none) = (
                model.clone(),
                phase.clone(),
                ctl.clone(),
                photo_none.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                let texts = read_photo(&file).await.unwrap_or_default();
                match session_code(&texts) {
                    Ok(bytes) => {
                        ctl.end();
                        photo_none.set(false);
                        import_code(&model, &phase, &bytes).await;
                    }
                    Err(_) => photo_none.set(true),
                }
            });
        })
    };
    // One element whatever the camera does, so a photo being picked is never cut off.
    let photo = matches!(
        *phase,
        Phase::Starting | Phase::NoCamera | Phase::Scanning { .. }
    )
    .then(|| html! { <PhotoInput onpicked={onpicked} none={*photo_none} /> });
    let camera_on = matches!(*phase, Phase::Starting | Phase::Scanning { .. });
    let (state, body) = match &*phase {
        Phase::Starting => ("starting", html! { <p>{ lang.t("scan.starting") }</p> }),
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
                { for photo }
            </main>
        </>
    }
}
