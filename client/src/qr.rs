//! A session code drawn as a QR code (SVG, so it stays sharp at any size).
//!
//! The code's text is base45 ([`tachkhis_shared::bundle::to_code`]), QR's alphanumeric set:
//! 5.5 bits per character. Error correction L (a screen is neither dirty nor torn), raised by
//! the encoder when it fits in the same size; at most version 40 (177 × 177 modules, 4296
//! characters, about 2.8 KB of session).

use qrcodegen::{QrCode, QrCodeEcc, QrSegment, Version};
use yew::prelude::*;

/// Quiet zone around the code, in modules (the standard asks for 4).
const BORDER: i32 = 4;

/// The QR code of `code`, or `None` when it does not fit the largest one.
pub fn encode(code: &str) -> Option<QrCode> {
    let segment = QrSegment::make_alphanumeric(code);
    QrCode::encode_segments_advanced(
        &[segment],
        QrCodeEcc::Low,
        Version::MIN,
        Version::MAX,
        None,
        true,
    )
    .ok()
}

/// The dark modules as one SVG path: a rectangle per horizontal run.
fn path(qr: &QrCode) -> String {
    let size = qr.size();
    let mut d = String::new();
    for y in 0..size {
        let mut x = 0;
        while x < size {
            if qr.get_module(x, y) {
                let start = x;
                while x < size && qr.get_module(x, y) {
                    x += 1;
                }
                d.push_str(&format!(
                    "M{} {}h{}v1h-{}z",
                    start + BORDER,
                    y + BORDER,
                    x - start,
                    x - start
                ));
            } else {
                x += 1;
            }
        }
    }
    d
}

/// The code as an SVG element that fills its box.
pub fn svg(qr: &QrCode, label: &str) -> Html {
    let side = qr.size() + 2 * BORDER;
    let view_box = format!("0 0 {side} {side}");
    html! {
        <svg class="qr" viewBox={view_box} role="img" aria-label={label.to_string()}
            shape-rendering="crispEdges" data-version={qr.version().value().to_string()}>
            <rect width={side.to_string()} height={side.to_string()} fill="#fff" />
            <path d={path(qr)} fill="#000" />
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tachkhis_shared::bundle::{MAX_CODE_CHARS, base45_encode};

    #[test]
    fn capacity_is_that_of_version_40_in_alphanumeric_mode() {
        let full = "A".repeat(MAX_CODE_CHARS);
        let qr = encode(&full).expect("4296 characters fit version 40-L");
        assert_eq!(qr.version().value(), 40);
        assert!(encode(&"A".repeat(MAX_CODE_CHARS + 1)).is_none());
        // A young session's code (~1500 characters) is a mid-size code.
        let young = base45_encode(&[0x5a; 1000]);
        let qr = encode(&young).unwrap();
        assert!(
            qr.version().value() <= 25,
            "version {}",
            qr.version().value()
        );
    }

    #[test]
    fn the_path_covers_exactly_the_dark_modules() {
        let qr = encode("HELLO TACHKHIS").unwrap();
        let dark = (0..qr.size())
            .flat_map(|y| (0..qr.size()).map(move |x| (x, y)))
            .filter(|&(x, y)| qr.get_module(x, y))
            .count();
        // Each run is `M x yhNv1h-Nz`: add up the N.
        let d = path(&qr);
        let covered: i32 = d
            .split('h')
            .skip(1)
            .step_by(2)
            .map(|n| n.trim_end_matches("v1").parse::<i32>().unwrap())
            .sum();
        assert_eq!(covered as usize, dark);
    }
}
