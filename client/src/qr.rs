//! A session code drawn as a QR code (SVG, so it stays sharp at any size).
//!
//! The code's text is base45 ([`tachkhis_shared::bundle::to_code`]), QR's alphanumeric set:
//! 5.5 bits per character. Error correction L (a screen is neither dirty nor torn), raised by
//! the encoder when it fits in the same size; at most version 40 (177 × 177 modules, 4296
//! characters, about 2.8 KB of session).
//!
//! Reading: [`decode_rgba`] finds and decodes the codes of a picture with `quircs` (quirc), for the scan
//! screen where the browser has no `BarcodeDetector` (camera frames drawn on a canvas) and for
//! a photo of the code.

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

/// The largest picture [`decode_rgba`] looks at: 4 Mpx (a camera frame is drawn at ~0.5).
pub const MAX_DECODE_PIXELS: usize = 4 << 20;

/// The texts of the QR codes in an RGBA picture (`width` × `height`, 4 bytes a pixel, what a
/// canvas's `getImageData` gives). A picture larger than [`MAX_DECODE_PIXELS`] or shorter
/// than its size says finds nothing.
pub fn decode_rgba(width: usize, height: usize, rgba: &[u8]) -> Vec<String> {
    let Some(pixels) = width.checked_mul(height) else {
        return Vec::new();
    };
    if pixels == 0 || pixels > MAX_DECODE_PIXELS || rgba.len() < pixels * 4 {
        return Vec::new();
    }
    let luma: Vec<u8> = rgba[..pixels * 4]
        .chunks_exact(4)
        // Luma (BT.601) in integers.
        .map(|p| {
            ((u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000) as u8
        })
        .collect();
    let mut decoder = quircs::Quirc::default();
    decoder
        .identify(width, height, &luma)
        .filter_map(|code| code.ok()?.decode().ok())
        .filter_map(|data| String::from_utf8(data.payload).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tachkhis_shared::bundle::{self, MAX_CODE_CHARS, base45_encode};
    use tachkhis_shared::codes::GroupKind;
    use tachkhis_shared::session::{EditCtx, NewSession, ProposalInput, SessionDoc};
    use uuid::Uuid;

    /// A session as a tablet holds it: `proposals` proposals of field length.
    fn session(proposals: usize) -> (Uuid, SessionDoc) {
        let ctx = EditCtx::new("facilitator", 1_764_000_000_000);
        // One session (same id, same tablet) at different stages: its join code must not move.
        let id = Uuid::from_u128(0x5b2d_7c1e_3f4a_4c8e_9a51_2f6b_8d0e_4a17);
        let actor = automerge::ActorId::from(&[0xa5; 16][..]);
        let init = NewSession {
            pole_id: "pole-1".into(),
            douar_ids: vec!["centre".into(), "letnine".into()],
            group_kind: GroupKind::Women,
            date: "2026-11-20".into(),
            facilitators: "سعاد، محمد".into(),
        };
        let mut doc = SessionDoc::create(id, &init, &ctx, Some(actor)).unwrap();
        for i in 0..proposals {
            let input = ProposalInput {
                problem: format!("الطريق المؤدية إلى الدوار مقطوعة طيلة فصل الشتاء ({i})"),
                solution: format!("بناء قنطرة وتهيئة المسلك الطرقي {i}"),
                ..ProposalInput::default()
            };
            doc.add_proposal(&input, &ctx).unwrap();
        }
        (id, doc)
    }

    /// `qr` drawn as a picture: `scale` pixels a module, a quiet zone, dark grey on off-white
    /// (a screen seen by a camera is neither black nor white).
    fn picture(qr: &QrCode, scale: usize) -> (usize, Vec<u8>) {
        let side = (qr.size() as usize + 2 * BORDER as usize) * scale;
        let mut rgba = Vec::with_capacity(side * side * 4);
        for y in 0..side {
            for x in 0..side {
                let (mx, my) = ((x / scale) as i32 - BORDER, (y / scale) as i32 - BORDER);
                let v: u8 = if qr.get_module(mx, my) { 40 } else { 225 };
                rgba.extend_from_slice(&[v, v, v.saturating_add(10), 255]);
            }
        }
        (side, rgba)
    }

    /// The figures of issue 12: a join code's size and QR version do not grow with the session,
    /// the whole session's code does (and stops fitting). Printed for the note; run with
    /// `cargo test -p tachkhis-client --lib qr::tests::join_code_figures -- --nocapture`.
    #[test]
    #[allow(clippy::print_stdout)] // the figures are what this test is for
    fn join_code_figures() {
        let mut join_versions = Vec::new();
        for n in [0, 10, 30, 60] {
            let (id, mut doc) = session(n);
            let join = bundle::encode_join(id, &mut doc).unwrap();
            let join_code = bundle::to_code(&join);
            let join_qr = encode(&join_code).unwrap();
            let whole = bundle::to_code(&bundle::encode(&[bundle::Entry {
                id,
                doc: doc.save(),
            }]));
            let whole_version = encode(&whole)
                .map(|q| format!("version {}", q.version().value()))
                .unwrap_or_else(|| "does not fit".into());
            println!(
                "{n:>2} proposals: join code {} bytes, {} characters, QR version {}; whole session {} characters, QR {whole_version}",
                join.len(),
                join_code.len(),
                join_qr.version().value(),
                whole.len(),
            );
            join_versions.push(join_qr.version().value());
            // What the scanning tablet's fallback reads back from a picture of it.
            let (side, rgba) = picture(&join_qr, 3);
            assert_eq!(decode_rgba(side, side, &rgba), vec![join_code.clone()]);
        }
        assert!(join_versions.iter().all(|&v| v == join_versions[0]));
        // Sessions differ by their random id and actor, which DEFLATE shortens more or less.
        let lengths: Vec<usize> = (0..50)
            .map(|_| {
                let mut doc = SessionDoc::create(
                    Uuid::new_v4(),
                    &NewSession {
                        pole_id: "pole-1".into(),
                        douar_ids: vec!["centre".into()],
                        group_kind: GroupKind::Men,
                        date: "2026-11-20".into(),
                        facilitators: "سعاد، محمد".into(),
                    },
                    &EditCtx::new("facilitator", 1_764_000_000_000),
                    None,
                )
                .unwrap();
                let id = doc.read().unwrap().id;
                bundle::to_code(&bundle::encode_join(id, &mut doc).unwrap()).len()
            })
            .collect();
        let (lo, hi) = (lengths.iter().min().unwrap(), lengths.iter().max().unwrap());
        println!("50 sessions: join codes of {lo} to {hi} characters");
        assert!(*hi < 720, "{hi} characters");
        assert!(join_versions[0] <= 15, "version {}", join_versions[0]);
    }

    #[test]
    fn decoding_finds_nothing_in_what_is_not_a_code_and_never_panics() {
        assert!(decode_rgba(0, 0, &[]).is_empty());
        assert!(
            decode_rgba(10, 10, &[0; 40]).is_empty(),
            "shorter than it says"
        );
        assert!(decode_rgba(usize::MAX, 2, &[]).is_empty());
        let noise: Vec<u8> = (0..200 * 150 * 4u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        assert!(decode_rgba(200, 150, &noise).is_empty());
        // A code cut in half is not read.
        let qr = encode("HELLO TACHKHIS").unwrap();
        let (side, rgba) = picture(&qr, 4);
        assert_eq!(decode_rgba(side, side, &rgba), vec!["HELLO TACHKHIS"]);
        assert!(decode_rgba(side, side / 2, &rgba[..side * (side / 2) * 4]).is_empty());
    }

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
