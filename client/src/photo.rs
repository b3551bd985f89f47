//! A photo from the camera or the gallery, made small enough for the tablet and the link:
//! decoded at the reduced size only (a 12-megapixel photo decoded whole is 48 MB of pixels,
//! which a 2 GB tablet may not have), about 1600 px on the long side, compressed to WebP
//! (JPEG where the browser cannot write WebP) under ~300 KB, plus a ~240 px thumbnail.
//!
//! The size is read from an `<img>` that is loaded but never drawn (browsers decode pixels
//! lazily, so this reads the header only, with the EXIF orientation applied); then
//! `createImageBitmap` decodes at the target size (Chromium scales JPEGs in the decoder), and
//! an `OffscreenCanvas` encodes. Only browser objects hold pixels; wasm gets the bytes.

use js_sys::{Promise, Uint8Array};
use tachkhis_shared::session::{MAX_PHOTO_BYTES, photo_mime_of};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, HtmlImageElement, ImageBitmap, ImageBitmapOptions, ImageEncodeOptions, OffscreenCanvas,
    OffscreenCanvasRenderingContext2d, ResizeQuality, Url,
};

/// The long side of a stored photo: a flip-chart's words stay readable.
pub const LONG_SIDE: f64 = 1600.0;
/// Aimed-at size of a photo; lower quality and size are tried until it fits.
pub const TARGET_BYTES: f64 = 300.0 * 1024.0;
const THUMB_SIDE: f64 = 240.0;

/// A photo ready to store: its bytes, type and thumbnail.
pub struct Prepared {
    pub bytes: Vec<u8>,
    pub mime: &'static str,
    pub thumb: Vec<u8>,
}

fn fail(_: JsValue) -> String {
    "the photo could not be read".into()
}

/// The displayed size (EXIF orientation applied) of an image file, without decoding it.
async fn natural_size(file: &Blob) -> Result<(f64, f64), String> {
    let url = Url::create_object_url_with_blob(file).map_err(fail)?;
    let img = HtmlImageElement::new().map_err(fail)?;
    let loaded = Promise::new(&mut |resolve, reject| {
        img.set_onload(Some(&resolve));
        img.set_onerror(Some(&reject));
    });
    img.set_src(&url);
    let result = JsFuture::from(loaded).await;
    img.set_onload(None);
    img.set_onerror(None);
    let _ = Url::revoke_object_url(&url);
    result.map_err(|_| "not an image this browser can read".to_string())?;
    let (w, h) = (
        f64::from(img.natural_width()),
        f64::from(img.natural_height()),
    );
    if w < 1.0 || h < 1.0 {
        return Err("an empty image".into());
    }
    Ok((w, h))
}

/// `(w, h)` scaled so that the long side is at most `side` (never enlarged).
pub fn fit(w: f64, h: f64, side: f64) -> (u32, u32) {
    let scale = (side / w.max(h)).min(1.0);
    (
        ((w * scale).round() as u32).max(1),
        ((h * scale).round() as u32).max(1),
    )
}

async fn encode(
    bitmap: &ImageBitmap,
    w: u32,
    h: u32,
    mime: &str,
    quality: f64,
) -> Result<Blob, String> {
    let canvas = OffscreenCanvas::new(w, h).map_err(fail)?;
    let ctx: OffscreenCanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(fail)?
        .ok_or("no 2d canvas")?
        .dyn_into()
        .map_err(|_| "no 2d canvas".to_string())?;
    ctx.draw_image_with_image_bitmap_and_dw_and_dh(bitmap, 0.0, 0.0, f64::from(w), f64::from(h))
        .map_err(fail)?;
    let options = ImageEncodeOptions::new();
    options.set_type(mime);
    options.set_quality(quality);
    let blob = JsFuture::from(
        canvas
            .convert_to_blob_with_options(&options)
            .map_err(fail)?,
    )
    .await
    .map_err(fail)?;
    blob.dyn_into().map_err(fail)
}

async fn blob_bytes(blob: &Blob) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(blob.array_buffer()).await.map_err(fail)?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// Decodes `file` at about [`LONG_SIDE`] and compresses it (see the module's text).
pub async fn prepare(file: &Blob) -> Result<Prepared, String> {
    let (w, h) = natural_size(file).await?;
    let (tw, th) = fit(w, h, LONG_SIDE);
    let options = ImageBitmapOptions::new();
    options.set_resize_width(tw);
    options.set_resize_height(th);
    options.set_resize_quality(ResizeQuality::High);
    let window = web_sys::window().ok_or("no window")?;
    let bitmap: ImageBitmap = JsFuture::from(
        window
            .create_image_bitmap_with_blob_and_image_bitmap_options(file, &options)
            .map_err(fail)?,
    )
    .await
    .map_err(|_| "not an image this browser can read".to_string())?
    .dyn_into()
    .map_err(fail)?;
    let result = compress(&bitmap, tw, th).await;
    bitmap.close();
    result
}

async fn compress(bitmap: &ImageBitmap, tw: u32, th: u32) -> Result<Prepared, String> {
    // WebP where the browser writes it (it answers PNG when it cannot), else JPEG.
    let mut mime = "image/webp";
    let mut best: Option<Blob> = None;
    for (quality, scale) in [
        (0.8, 1.0),
        (0.65, 1.0),
        (0.5, 1.0),
        (0.5, 0.75),
        (0.45, 0.5),
    ] {
        let (w, h) = fit(f64::from(tw), f64::from(th), f64::from(tw.max(th)) * scale);
        let mut blob = encode(bitmap, w, h, mime, quality).await?;
        if blob.type_() != mime {
            mime = "image/jpeg";
            blob = encode(bitmap, w, h, mime, quality).await?;
        }
        let size = blob.size();
        best = Some(blob);
        if size <= TARGET_BYTES {
            break;
        }
    }
    let blob = best.ok_or("the photo could not be compressed")?;
    let bytes = blob_bytes(&blob).await?;
    if bytes.len() as u64 > MAX_PHOTO_BYTES || photo_mime_of(&bytes) != Some(mime) {
        return Err("the photo could not be compressed".into());
    }
    let (sw, sh) = fit(f64::from(tw), f64::from(th), THUMB_SIDE);
    let thumb = blob_bytes(&encode(bitmap, sw, sh, mime, 0.6).await?).await?;
    Ok(Prepared { bytes, mime, thumb })
}

/// A thumbnail of a photo that came without one (from a session file): decoded at the
/// thumbnail's size only.
pub async fn thumbnail(bytes: &[u8], mime: &str) -> Option<Vec<u8>> {
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = Blob::new_with_u8_array_sequence_and_options(
        &js_sys::Array::of1(&Uint8Array::from(bytes)),
        &options,
    )
    .ok()?;
    let (w, h) = natural_size(&blob).await.ok()?;
    let (tw, th) = fit(w, h, THUMB_SIDE);
    let resize = ImageBitmapOptions::new();
    resize.set_resize_width(tw);
    resize.set_resize_height(th);
    let bitmap: ImageBitmap = JsFuture::from(
        web_sys::window()?
            .create_image_bitmap_with_blob_and_image_bitmap_options(&blob, &resize)
            .ok()?,
    )
    .await
    .ok()?
    .dyn_into()
    .ok()?;
    let thumb = encode(&bitmap, tw, th, mime, 0.6).await;
    bitmap.close();
    blob_bytes(&thumb.ok()?).await.ok()
}

/// An object URL showing `bytes` (an `<img>`'s source); revoke it with [`Url::revoke_object_url`].
pub fn object_url(bytes: &[u8], mime: &str) -> Option<String> {
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = Blob::new_with_u8_array_sequence_and_options(
        &js_sys::Array::of1(&Uint8Array::from(bytes)),
        &options,
    )
    .ok()?;
    Url::create_object_url_with_blob(&blob).ok()
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn the_long_side_is_brought_down_and_never_up() {
        assert_eq!(fit(4000.0, 3000.0, 1600.0), (1600, 1200));
        assert_eq!(fit(3000.0, 4000.0, 1600.0), (1200, 1600));
        assert_eq!(fit(800.0, 600.0, 1600.0), (800, 600));
        assert_eq!(fit(10_000.0, 1.0, 1600.0), (1600, 1));
    }
}
