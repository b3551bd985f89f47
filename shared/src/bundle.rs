//! Session files and session codes: how documents travel between tablets without the server.
//!
//! A file (`.tachkhis`) holds one session or all of a tablet's sessions:
//!
//! ```text
//! "TACHKHIS"  8 bytes, ASCII       magic: "this is a Tachkhis file"
//! '1'|'2'|'3' 1 byte, ASCII digit  format version
//! body        postcard             '1': Body { docs: [Entry { id: UUID, doc: Automerge save bytes }] }
//!                                  '2': BodyV2 { docs: [Entry], photos: [PhotoFile { hash, mime, bytes }] }
//!                                  '3': Join { id: UUID, genesis: the raw bytes of one Automerge change }
//! ```
//! Version 2 (photos, issue 11) adds the bytes of the sessions' photos the tablet still holds
//! (a photo the server has acknowledged is freed on the tablet, and the other tablet does not
//! need it: the server has it). A file without photos is still written as version 1, so a
//! tablet on an older app reads it, and its QR code stays as small. Every photo is checked:
//! SHA-256 equal to its name, a session of the file names it, JPEG or WebP, within the size.
//! The header is readable text, so a person opening the file sees what it is. The document
//! bytes are Automerge's own `save` format, whose chunks carry checksums: a corrupted document
//! is refused when it is loaded. Nothing may follow the body.
//!
//! A *session code* (the QR code one tablet shows and another scans) carries the same bytes,
//! DEFLATE-compressed, written in base45 (RFC 9285): its 45 characters are exactly QR's
//! alphanumeric set, which packs 5.5 bits per character where base64 in byte mode needs 8 per
//! character (about 30 % more document per code).
//!
//! A *join code* (format '3', issue 12) carries only a session's genesis: its first change,
//! the one with no dependencies, in which a v2 session creates every container (see
//! `session/mod.rs`). That is all a second tablet needs to edit the *same* document: its edits
//! build on the same objects, and everything else (proposals, counts) merges at the next sync
//! or by file. So its size does not grow with the session (a few hundred bytes, a small QR
//! code, whatever the number of proposals). It is never written as a file, only shown as a
//! code, and is read like any file: [`decode_all`] turns it into one [`Entry`] whose bytes are
//! that change (Automerge loads a change chunk as it loads a saved document), and
//! [`read_file`] checks it like any entry, plus that it is exactly one change with no
//! dependencies. Importing it where the session already is changes nothing.
//!
//! Reading is all or nothing: [`read_sessions`] loads every document and checks it against the
//! session schema (and that it is the session its entry names) before the caller stores any.

use std::io::{Read, Write};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::session::{Session, SessionDoc};

pub const MAGIC: &[u8; 8] = b"TACHKHIS";
/// The version written when a file carries photos.
pub const FORMAT_VERSION: u8 = b'2';
/// The first version (no photos): still written when there is no photo, always read.
pub const FORMAT_VERSION_1: u8 = b'1';
/// A join code: one session's id and genesis change (never a file on disk).
pub const FORMAT_JOIN: u8 = b'3';
/// The extension of session files.
pub const FILE_EXTENSION: &str = "tachkhis";
/// More sessions than any tablet holds; a larger count is a damaged or hostile file.
pub const MAX_DOCS: usize = 10_000;
/// Characters of the largest QR code (version 40, error correction L, alphanumeric mode).
pub const MAX_CODE_CHARS: usize = 4296;
/// What a session code may inflate to (a QR code holds under 3 KB; this bounds a "zip bomb").
pub const MAX_CODE_INFLATED: usize = 1 << 20;

/// One document of a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub id: Uuid,
    /// `SessionDoc::save` bytes.
    pub doc: Vec<u8>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Body {
    docs: Vec<Entry>,
}

/// A photo's bytes in a file (format 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoFile {
    /// SHA-256 of `bytes`, lowercase hex: the name the session documents give it.
    pub hash: String,
    pub mime: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Serialize, Deserialize)]
struct BodyV2 {
    docs: Vec<Entry>,
    photos: Vec<PhotoFile>,
}

/// A join code's body: the session and the raw bytes of its genesis change.
#[derive(Debug, Serialize, Deserialize)]
struct Join {
    id: Uuid,
    genesis: Vec<u8>,
}

/// A file's contents: the documents and the photos.
#[derive(Debug, Default)]
pub struct Decoded {
    pub docs: Vec<Entry>,
    pub photos: Vec<PhotoFile>,
    /// A join code ('3'): its one entry must be a single change with no dependencies.
    pub join: bool,
}

/// Why a file or a code was refused. Nothing of a refused file is stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("not a Tachkhis file")]
    NotABundle,
    #[error("made by a newer version of Tachkhis (file format {0})")]
    UnknownVersion(String),
    #[error("the file is cut short or damaged: {0}")]
    Damaged(String),
    #[error("the file holds no session")]
    Empty,
    #[error("the file holds too many documents ({0})")]
    TooMany(usize),
    #[error("session {0} appears twice in the file")]
    Duplicate(Uuid),
    #[error("session {id} cannot be read: {reason}")]
    BadDocument { id: Uuid, reason: String },
    #[error("not a session code")]
    NotACode,
    #[error("photo {hash} cannot be read: {reason}")]
    BadPhoto { hash: String, reason: String },
}

/// Writes a file holding `docs` (format 1: no photos).
pub fn encode(docs: &[Entry]) -> Vec<u8> {
    encode_with_photos(docs, &[])
}

/// Writes a file holding `docs` and `photos`: format 2, or 1 when there is no photo.
pub fn encode_with_photos(docs: &[Entry], photos: &[PhotoFile]) -> Vec<u8> {
    let size = docs.iter().map(|d| d.doc.len() + 24).sum::<usize>()
        + photos.iter().map(|p| p.bytes.len() + 96).sum::<usize>();
    let mut out = Vec::with_capacity(16 + size);
    out.extend_from_slice(MAGIC);
    #[derive(Serialize)]
    struct BodyRef<'a> {
        docs: &'a [Entry],
    }
    #[derive(Serialize)]
    struct BodyV2Ref<'a> {
        docs: &'a [Entry],
        photos: &'a [PhotoFile],
    }
    // Serialising slices of plain structs into a Vec cannot fail.
    let body = if photos.is_empty() {
        out.push(FORMAT_VERSION_1);
        postcard::to_allocvec(&BodyRef { docs })
    } else {
        out.push(FORMAT_VERSION);
        postcard::to_allocvec(&BodyV2Ref { docs, photos })
    }
    .unwrap_or_default();
    out.extend_from_slice(&body);
    out
}

/// Reads a file's entries (photos left aside); see [`decode_all`].
pub fn decode(bytes: &[u8]) -> Result<Vec<Entry>, BundleError> {
    decode_all(bytes).map(|d| d.docs)
}

/// Reads a file: header, version (1 or 2), body, no trailing bytes, no duplicate, not empty.
/// The documents are checked by [`read_sessions`], the photos by [`read_file`].
pub fn decode_all(bytes: &[u8]) -> Result<Decoded, BundleError> {
    let Some(rest) = bytes.strip_prefix(MAGIC.as_slice()) else {
        return Err(BundleError::NotABundle);
    };
    let Some((&version, body)) = rest.split_first() else {
        return Err(BundleError::Damaged("no format version".into()));
    };
    let damaged = |e: postcard::Error| BundleError::Damaged(e.to_string());
    let (body, trailing): (BodyV2, &[u8]) = match version {
        FORMAT_VERSION_1 => {
            let (b, rest): (Body, &[u8]) = postcard::take_from_bytes(body).map_err(damaged)?;
            (
                BodyV2 {
                    docs: b.docs,
                    photos: Vec::new(),
                },
                rest,
            )
        }
        FORMAT_VERSION => postcard::take_from_bytes(body).map_err(damaged)?,
        FORMAT_JOIN => {
            let (j, rest): (Join, &[u8]) = postcard::take_from_bytes(body).map_err(damaged)?;
            if !rest.is_empty() {
                return Err(BundleError::Damaged(format!(
                    "{} unexpected bytes at the end",
                    rest.len()
                )));
            }
            if j.genesis.is_empty() {
                return Err(BundleError::Empty);
            }
            return Ok(Decoded {
                docs: vec![Entry {
                    id: j.id,
                    doc: j.genesis,
                }],
                photos: Vec::new(),
                join: true,
            });
        }
        _ => {
            let shown = if version.is_ascii_graphic() {
                (version as char).to_string()
            } else {
                format!("0x{version:02x}")
            };
            return Err(BundleError::UnknownVersion(shown));
        }
    };
    if !trailing.is_empty() {
        return Err(BundleError::Damaged(format!(
            "{} unexpected bytes at the end",
            trailing.len()
        )));
    }
    if body.docs.is_empty() {
        return Err(BundleError::Empty);
    }
    if body.docs.len() > MAX_DOCS {
        return Err(BundleError::TooMany(body.docs.len()));
    }
    let mut ids: Vec<Uuid> = body.docs.iter().map(|d| d.id).collect();
    crate::sort::sort(&mut ids);
    if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
        return Err(BundleError::Duplicate(w[0]));
    }
    if body.photos.len() > MAX_DOCS {
        return Err(BundleError::TooMany(body.photos.len()));
    }
    Ok(Decoded {
        docs: body.docs,
        photos: body.photos,
        join: false,
    })
}

/// One document of a file, loaded and checked.
#[derive(Debug)]
pub struct Incoming {
    pub id: Uuid,
    pub doc: SessionDoc,
    pub session: Session,
}

/// Loads and validates one entry: Automerge bytes intact, the session schema respected, and the
/// document is the session the entry names (a file must not graft one session onto another).
pub fn read_entry(entry: &Entry) -> Result<Incoming, BundleError> {
    let bad = |reason: String| BundleError::BadDocument {
        id: entry.id,
        reason,
    };
    // The sync guard's limits hold for files too: a document that inflates to a gigabyte or
    // declares billions of operations is refused before Automerge builds it (found by the
    // fuzzer: a crafted file took a tablet to 880 MB).
    crate::sync::guard::check(
        &as_sync_message(&entry.doc),
        &crate::sync::guard::Limits::default(),
    )
    .map_err(|e| bad(e.to_string()))?;
    let mut doc = SessionDoc::load(&entry.doc, None).map_err(|e| bad(e.to_string()))?;
    // Automerge 0.12 loads some crafted documents whose own save it cannot load again (found by
    // the fuzzer): a tablet would store such a session and lose it at its next start.
    SessionDoc::load(&doc.save(), None)
        .map_err(|e| bad(format!("the document does not load back once saved: {e}")))?;
    let session = doc.read().map_err(|e| bad(e.to_string()))?;
    if session.id != entry.id {
        return Err(bad(format!("the document is session {}", session.id)));
    }
    Ok(Incoming {
        id: entry.id,
        doc,
        session,
    })
}

/// `doc` as the changes of a sync message (no heads, no Bloom filter), the form the guard reads.
fn as_sync_message(doc: &[u8]) -> Vec<u8> {
    let mut out = vec![0x42, 0, 0, 0, 1];
    let mut n = doc.len() as u64;
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    }
    out.extend_from_slice(doc);
    out
}

/// Decodes a file and checks every document; the first problem refuses the whole file.
pub fn read_sessions(bytes: &[u8]) -> Result<Vec<Incoming>, BundleError> {
    read_file(bytes).map(|(sessions, _)| sessions)
}

/// Decodes a file and checks every document and every photo (its bytes hash to its name, a
/// session of the file names it, JPEG or WebP, within the size; one copy of each); the first
/// problem refuses the whole file.
pub fn read_file(bytes: &[u8]) -> Result<(Vec<Incoming>, Vec<PhotoFile>), BundleError> {
    let decoded = decode_all(bytes)?;
    let mut sessions: Vec<Incoming> = decoded
        .docs
        .iter()
        .map(read_entry)
        .collect::<Result<_, _>>()?;
    if decoded.join {
        for s in &mut sessions {
            let changes = s.doc.automerge_mut().get_changes(&[]);
            if changes.len() != 1 || !changes[0].deps().is_empty() {
                return Err(BundleError::BadDocument {
                    id: s.id,
                    reason: format!(
                        "a join code holds the session's first change only, not {} changes",
                        changes.len()
                    ),
                });
            }
        }
    }
    let mut seen: Vec<&str> = Vec::new();
    for p in &decoded.photos {
        let bad = |reason: String| BundleError::BadPhoto {
            hash: p.hash.chars().take(64).collect(),
            reason,
        };
        if seen.contains(&p.hash.as_str()) {
            return Err(bad("the photo appears twice".into()));
        }
        seen.push(&p.hash);
        if p.bytes.len() as u64 > crate::session::MAX_PHOTO_BYTES {
            return Err(bad(format!(
                "{} bytes, more than a photo may have",
                p.bytes.len()
            )));
        }
        if crate::session::photo_mime_of(&p.bytes) != Some(p.mime.as_str()) {
            return Err(bad("not the JPEG or WebP image it says it is".into()));
        }
        if photo_hash(&p.bytes) != p.hash {
            return Err(bad("its bytes do not hash to its name".into()));
        }
        if !sessions
            .iter()
            .any(|s| s.session.photos.iter().any(|q| q.hash == p.hash))
        {
            return Err(bad("no session of the file names it".into()));
        }
    }
    Ok((sessions, decoded.photos))
}

/// The join code's bytes for `doc` (session `id`): its genesis change, or `None` when the
/// document has no single first change (empty, or two roots, which no tablet makes) or does
/// not read as session `id`. Show them with [`to_code`]; they are read back by [`read_file`].
pub fn encode_join(id: Uuid, doc: &mut SessionDoc) -> Option<Vec<u8>> {
    if doc.read().ok()?.id != id {
        return None;
    }
    let am = doc.automerge_mut();
    // Only the hashes and dependencies are looked at: a 60-proposal session has ~70 changes,
    // and each `Change` would be built from the document's columns.
    let mut roots = am
        .get_changes_meta(&[])
        .into_iter()
        .filter(|c| c.deps.is_empty())
        .map(|c| c.hash);
    let (root, None) = (roots.next()?, roots.next()) else {
        return None;
    };
    let genesis = am.get_change_by_hash(&root)?;
    let mut out = MAGIC.to_vec();
    out.push(FORMAT_JOIN);
    #[derive(Serialize)]
    struct JoinRef<'a> {
        id: Uuid,
        genesis: &'a [u8],
    }
    let body = postcard::to_allocvec(&JoinRef {
        id,
        genesis: genesis.raw_bytes(),
    })
    .ok()?;
    out.extend_from_slice(&body);
    Some(out)
}

/// A photo's name: the SHA-256 of its bytes in lowercase hex.
pub fn photo_hash(bytes: &[u8]) -> String {
    use sha2::Digest;
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    sha2::Sha256::digest(bytes)
        .iter()
        .flat_map(|b| {
            [
                DIGITS[usize::from(b >> 4)] as char,
                DIGITS[usize::from(b & 15)] as char,
            ]
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Session codes (QR)

/// The text of a session code for a file's bytes: the file itself, or its DEFLATE form when
/// that is shorter. (Automerge already compresses the larger columns of a document, so DEFLATE
/// pays ~20 % on a young session and nothing on a grown one.) A file starts with [`MAGIC`],
/// which tells the two apart.
pub fn to_code(bundle: &[u8]) -> String {
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(bundle);
    let deflated = encoder.finish().unwrap_or_default();
    if deflated.is_empty() || deflated.len() >= bundle.len() || deflated.starts_with(MAGIC) {
        base45_encode(bundle)
    } else {
        base45_encode(&deflated)
    }
}

/// The file bytes a scanned session code carries (then read like a file).
///
/// Surrounding whitespace (a line break pasted along) is dropped, but leading spaces are first
/// read as data: ' ' is a base45 digit (36), and about one code in 45 starts with it. (A
/// trailing space is never data: the last character of a group is at most 32.)
pub fn from_code(text: &str) -> Result<Vec<u8>, BundleError> {
    let text = text
        .trim_end()
        .trim_start_matches(|c: char| c.is_whitespace() && c != ' ');
    // Scanners and pasting may also add spaces in front: read the text with all its leading
    // spaces first, then with one fewer each time.
    let spaces = text.len() - text.trim_start_matches(' ').len();
    let mut result = Err(BundleError::NotACode);
    for skip in 0..=spaces {
        result = from_code_text(&text[skip..]);
        if result.is_ok() {
            break;
        }
    }
    result
}

fn from_code_text(text: &str) -> Result<Vec<u8>, BundleError> {
    let deflated = base45_decode(text).ok_or(BundleError::NotACode)?;
    if deflated.starts_with(MAGIC) {
        return Ok(deflated);
    }
    let mut inflated = Vec::new();
    flate2::read::DeflateDecoder::new(deflated.as_slice())
        .take(MAX_CODE_INFLATED as u64 + 1)
        .read_to_end(&mut inflated)
        .map_err(|_| BundleError::NotACode)?;
    if inflated.len() > MAX_CODE_INFLATED {
        return Err(BundleError::NotACode);
    }
    if !inflated.starts_with(MAGIC) {
        return Err(BundleError::NotACode);
    }
    Ok(inflated)
}

const BASE45: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// RFC 9285: each pair of bytes as three characters, a last odd byte as two.
pub fn base45_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(2) * 3);
    let mut push = |n: usize| out.push(BASE45[n] as char);
    for pair in bytes.chunks(2) {
        match *pair {
            [a, b] => {
                let n = usize::from(a) * 256 + usize::from(b);
                push(n % 45);
                push(n / 45 % 45);
                push(n / 2025);
            }
            [a] => {
                let n = usize::from(a);
                push(n % 45);
                push(n / 45);
            }
            _ => {}
        }
    }
    out
}

/// The bytes of base45 text; `None` for a character outside the set, a dangling character or
/// a group out of range.
pub fn base45_decode(text: &str) -> Option<Vec<u8>> {
    let values: Vec<u32> = text
        .bytes()
        .map(|c| BASE45.iter().position(|&b| b == c).map(|p| p as u32))
        .collect::<Option<_>>()?;
    let mut out = Vec::with_capacity(values.len() / 3 * 2 + 1);
    for group in values.chunks(3) {
        match *group {
            [c, d, e] => {
                let n = c + d * 45 + e * 2025;
                if n > 0xffff {
                    return None;
                }
                out.push((n >> 8) as u8);
                out.push((n & 0xff) as u8);
            }
            [c, d] => {
                let n = c + d * 45;
                if n > 0xff {
                    return None;
                }
                out.push(n as u8);
            }
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::GroupKind;
    use crate::session::{EditCtx, NewSession, ProposalInput};

    fn ctx() -> EditCtx {
        EditCtx::new("facilitator", 1_700_000_000_000)
    }

    fn session(proposals: usize) -> (Uuid, SessionDoc) {
        let id = Uuid::new_v4();
        let init = NewSession {
            pole_id: "p1".into(),
            douar_ids: vec!["d1".into(), "d2".into()],
            group_kind: GroupKind::Women,
            date: "2026-11-29".into(),
            facilitators: "Fatima, Ahmed".into(),
        };
        let mut doc = SessionDoc::create(id, &init, &ctx(), None).unwrap();
        for i in 0..proposals {
            let input = ProposalInput {
                problem: format!("الطريق المؤدية إلى الدوار {i} غير معبدة"),
                solution: format!("تعبيد الطريق {i}"),
                ..ProposalInput::default()
            };
            doc.add_proposal(&input, &ctx()).unwrap();
        }
        (id, doc)
    }

    fn entry(id: Uuid, doc: &mut SessionDoc) -> Entry {
        Entry {
            id,
            doc: doc.save(),
        }
    }

    #[test]
    fn round_trip_of_one_and_many_sessions() {
        let (a, mut da) = session(3);
        let (b, mut db) = session(0);
        let entries = vec![entry(a, &mut da), entry(b, &mut db)];
        let bytes = encode(&entries);
        assert!(bytes.starts_with(b"TACHKHIS1"));
        assert_eq!(decode(&bytes).unwrap(), entries);
        let sessions = read_sessions(&bytes).unwrap();
        assert_eq!(sessions.len(), 2);
        assert_eq!(sessions[0].id, a);
        assert_eq!(sessions[0].session.live_proposals().count(), 3);
        assert_eq!(sessions[0].session, da.read().unwrap());
        assert_eq!(sessions[1].session, db.read().unwrap());
    }

    #[test]
    fn truncated_files_are_refused_at_every_length() {
        let (a, mut da) = session(2);
        let bytes = encode(&[entry(a, &mut da)]);
        for len in 0..bytes.len() {
            let result = read_sessions(&bytes[..len]);
            assert!(result.is_err(), "a file cut at {len} was accepted");
        }
        assert!(matches!(decode(&bytes[..5]), Err(BundleError::NotABundle)));
        assert!(matches!(
            decode(&bytes[..bytes.len() - 1]),
            Err(BundleError::Damaged(_))
        ));
    }

    #[test]
    fn garbage_and_other_files_are_refused() {
        assert_eq!(
            decode(b"PK\x03\x04 a zip file").unwrap_err(),
            BundleError::NotABundle
        );
        assert_eq!(decode(b"").unwrap_err(), BundleError::NotABundle);
        let mut garbage = b"TACHKHIS1".to_vec();
        garbage.extend_from_slice(&[0xff; 40]);
        assert!(matches!(decode(&garbage), Err(BundleError::Damaged(_))));
        // Trailing bytes after a valid body.
        let (a, mut da) = session(0);
        let mut bytes = encode(&[entry(a, &mut da)]);
        bytes.push(0);
        assert!(matches!(decode(&bytes), Err(BundleError::Damaged(_))));
    }

    #[test]
    fn unknown_version_is_refused() {
        let (a, mut da) = session(0);
        let mut bytes = encode(&[entry(a, &mut da)]);
        bytes[8] = b'4';
        assert_eq!(
            decode(&bytes).unwrap_err(),
            BundleError::UnknownVersion("4".into())
        );
        assert_eq!(
            BundleError::UnknownVersion("4".into()).to_string(),
            "made by a newer version of Tachkhis (file format 4)"
        );
    }

    fn webp(seed: u8, len: usize) -> Vec<u8> {
        let mut b = b"RIFF\0\0\0\0WEBPVP8 ".to_vec();
        b.extend((0..len).map(|i| (i as u8).wrapping_mul(seed)));
        b
    }

    fn with_photo(doc: &mut SessionDoc, bytes: &[u8]) -> PhotoFile {
        let hash = photo_hash(bytes);
        doc.add_photo(
            &crate::session::PhotoInput {
                hash: hash.clone(),
                kind: crate::codes::PhotoKind::AttendanceSheet,
                caption: "ورقة الحضور".into(),
                bytes: bytes.len() as u64,
                mime: "image/webp".into(),
            },
            &ctx(),
        )
        .unwrap();
        PhotoFile {
            hash,
            mime: "image/webp".into(),
            bytes: bytes.to_vec(),
        }
    }

    /// A file with photos is version 2 and carries them, checked; without photos it is still
    /// version 1 (older apps read it), and a version 1 file reads with no photo.
    #[test]
    fn photos_travel_in_version_2_files_and_version_1_files_still_read() {
        let (a, mut da) = session(1);
        let photo = with_photo(&mut da, &webp(3, 5000));
        let file = encode_with_photos(&[entry(a, &mut da)], std::slice::from_ref(&photo));
        assert_eq!(file[8], b'2');
        let (sessions, photos) = read_file(&file).unwrap();
        assert_eq!(sessions[0].session.photos[0].hash, photo.hash);
        assert_eq!(photos, std::slice::from_ref(&photo));
        assert_eq!(read_sessions(&file).unwrap().len(), 1);

        let old = encode(&[entry(a, &mut da)]);
        assert_eq!(old[8], b'1');
        let (sessions, photos) = read_file(&old).unwrap();
        assert_eq!((sessions.len(), photos.len()), (1, 0));
        // Every cut of a version 2 file is refused.
        for n in 0..file.len() {
            assert!(read_file(&file[..n]).is_err(), "cut at {n}");
        }
    }

    #[test]
    fn a_photo_that_is_not_what_it_says_refuses_the_file() {
        let (a, mut da) = session(0);
        let photo = with_photo(&mut da, &webp(5, 3000));
        let e = entry(a, &mut da);
        let refused =
            |p: PhotoFile| match read_file(&encode_with_photos(std::slice::from_ref(&e), &[p])) {
                Err(BundleError::BadPhoto { reason, .. }) => reason,
                other => panic!("{other:?}"),
            };
        let mut changed = photo.clone();
        changed.bytes[100] ^= 1;
        assert!(refused(changed).contains("hash"));
        let mut png = photo.clone();
        png.mime = "image/png".into();
        assert!(refused(png).contains("JPEG or WebP"));
        let stranger = webp(7, 3000);
        let unnamed = PhotoFile {
            hash: photo_hash(&stranger),
            mime: "image/webp".into(),
            bytes: stranger,
        };
        assert!(refused(unnamed).contains("no session"));
        let twice = encode_with_photos(std::slice::from_ref(&e), &[photo.clone(), photo.clone()]);
        assert!(matches!(
            read_file(&twice),
            Err(BundleError::BadPhoto { .. })
        ));
    }

    #[test]
    fn empty_and_duplicate_files_are_refused() {
        assert_eq!(decode(&encode(&[])).unwrap_err(), BundleError::Empty);
        let (a, mut da) = session(0);
        let e = entry(a, &mut da);
        assert_eq!(
            decode(&encode(&[e.clone(), e])).unwrap_err(),
            BundleError::Duplicate(a)
        );
    }

    #[test]
    fn a_corrupted_document_is_refused() {
        let (a, mut da) = session(1);
        let mut e = entry(a, &mut da);
        let mid = e.doc.len() / 2;
        e.doc[mid] ^= 0x55;
        let bytes = encode(&[e]);
        assert!(matches!(
            read_sessions(&bytes),
            Err(BundleError::BadDocument { id, .. }) if id == a
        ));
    }

    #[test]
    fn a_document_breaking_the_schema_is_refused() {
        // A plain Automerge document, not a session.
        let id = Uuid::new_v4();
        let mut other = SessionDoc::empty(None);
        {
            use automerge::transaction::Transactable;
            let doc = other.automerge_mut();
            doc.put(automerge::ROOT, "type", "something.else").unwrap();
            doc.commit();
        }
        let good = {
            let (a, mut da) = session(1);
            entry(a, &mut da)
        };
        let bytes = encode(&[good, entry(id, &mut other)]);
        // The valid one does not get through alone: all or nothing.
        assert!(matches!(
            read_sessions(&bytes),
            Err(BundleError::BadDocument { id: bad, .. }) if bad == id
        ));
    }

    #[test]
    fn an_entry_must_hold_the_session_it_names() {
        let (_, mut da) = session(0);
        let other_id = Uuid::new_v4();
        let bytes = encode(&[entry(other_id, &mut da)]);
        let err = read_sessions(&bytes).unwrap_err();
        assert!(
            matches!(&err, BundleError::BadDocument { id, reason } if *id == other_id && reason.contains("is session")),
            "{err:?}"
        );
    }

    #[test]
    fn base45_matches_the_rfc_examples() {
        assert_eq!(base45_encode(b"AB"), "BB8");
        assert_eq!(base45_encode(b"Hello!!"), "%69 VD92EX0");
        assert_eq!(base45_encode(b"base-45"), "UJCLQE7W581");
        assert_eq!(base45_decode("QED8WEX0").unwrap(), b"ietf!");
        assert_eq!(base45_decode("GGW"), None, "65536 is out of range");
        assert_eq!(base45_decode("ab"), None, "lower case is not base45");
        assert_eq!(base45_decode("A"), None, "a dangling character");
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(base45_decode(&base45_encode(&all)).unwrap(), all);
    }

    #[test]
    fn session_code_round_trip_and_refusals() {
        let (a, mut da) = session(5);
        let bytes = encode(&[entry(a, &mut da)]);
        let code = to_code(&bytes);
        assert!(code.bytes().all(|c| BASE45.contains(&c)));
        assert_eq!(from_code(&code).unwrap(), bytes);
        assert_eq!(
            from_code(&format!("  {code}\n")).unwrap(),
            bytes,
            "scanners may add spaces"
        );
        assert_eq!(
            from_code("https://example.org/").unwrap_err(),
            BundleError::NotACode
        );
        // Valid base45 and deflate, but not a Tachkhis file.
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(b"hello").unwrap();
        let other = base45_encode(&encoder.finish().unwrap());
        assert_eq!(from_code(&other).unwrap_err(), BundleError::NotACode);
    }

    #[test]
    fn a_code_that_inflates_without_end_is_refused() {
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        let mut big = MAGIC.to_vec();
        big.resize(MAX_CODE_INFLATED + 10, 0);
        encoder.write_all(&big).unwrap();
        let code = base45_encode(&encoder.finish().unwrap());
        assert_eq!(from_code(&code).unwrap_err(), BundleError::NotACode);
    }

    #[test]
    fn a_young_session_fits_one_code_and_deflate_is_used_only_when_it_pays() {
        // A session as the second tablet joins it: opened, a few people counted, a few
        // proposals. The code must fit a QR code with room to spare.
        let (a, mut da) = session(10);
        let bytes = encode(&[entry(a, &mut da)]);
        let code = to_code(&bytes);
        assert!(code.len() < MAX_CODE_CHARS / 2, "{} characters", code.len());
        assert!(code.len() <= base45_encode(&bytes).len());
        assert_eq!(from_code(&code).unwrap(), bytes);
        // Incompressible bytes travel as they are.
        let mut noise = MAGIC.to_vec();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        noise.extend((0..600).map(|_| {
            // xorshift64: no pattern DEFLATE can use.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 32) as u8
        }));
        let code = to_code(&noise);
        assert_eq!(code, base45_encode(&noise));
        assert_eq!(from_code(&code).unwrap(), noise);
    }

    /// Found by the fuzzer: `from_code` trimmed spaces, and ' ' is a base45 digit, so a code
    /// whose deflated bytes start with a value ≡ 36 (mod 45) could not be read back.
    #[test]
    fn a_code_that_starts_with_a_space_reads_back() {
        let mut found = 0;
        for i in 0..5_000u32 {
            // Contents with different alphabets, so the deflate headers differ.
            let mut file = MAGIC.to_vec();
            file.push(FORMAT_VERSION);
            let (len, span) = (200 + i % 300, 20 + i % 200);
            file.extend((0..len).map(|k| (k * k * (i + 7) % span) as u8));
            let code = to_code(&file);
            if code.starts_with(' ') {
                found += 1;
                assert_eq!(from_code(&code), Ok(file.clone()), "code {i}");
                assert_eq!(from_code(&format!("\n{code}\n")), Ok(file.clone()));
                assert_eq!(from_code(&format!("  {code}")), Ok(file));
            }
        }
        assert!(found > 0, "no code starting with a space among 5,000");
    }

    /// Found by the fuzzer: Automerge loads this crafted session (a session code) but cannot
    /// load what it saves of it; a tablet would have stored it and lost it at its next start.
    #[test]
    fn a_document_that_does_not_load_back_once_saved_is_refused() {
        let code = include_str!("../tests/data/session-code-resave-fails.txt");
        let file = from_code(code).unwrap();
        let entries = decode(&file).unwrap();
        // Automerge alone takes it:
        let mut doc = SessionDoc::load(&entries[0].doc, None).unwrap();
        assert!(SessionDoc::load(&doc.save(), None).is_err());
        // Its columns declare millions of operations that Automerge leaves unread at load; the
        // guard's limits refuse it first, and the reload check is there for whatever the
        // limits would not catch.
        match read_sessions(&file) {
            Err(BundleError::BadDocument { reason, .. }) => assert!(
                reason.contains("over a limit") || reason.contains("does not load back"),
                "{reason}"
            ),
            other => panic!("{other:?}"),
        }
    }

    /// Found by the fuzzer: files had no limits, so a crafted one took a tablet to 880 MB; the
    /// sync guard's limits now hold for them too.
    #[test]
    fn a_file_that_inflates_past_the_sync_limits_is_refused() {
        let (a, mut da) = session(6);
        let mut doc = da.save();
        // A compressed change of 40 MiB of zeros (Automerge inflates before it checks).
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&vec![0u8; 40 << 20]).unwrap();
        let body = encoder.finish().unwrap();
        doc.extend_from_slice(&[0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 2]);
        let mut n = body.len();
        while n >= 0x80 {
            doc.push((n as u8 & 0x7f) | 0x80);
            n >>= 7;
        }
        doc.push(n as u8);
        doc.extend_from_slice(&body);
        match read_sessions(&encode(&[Entry { id: a, doc }])) {
            Err(BundleError::BadDocument { reason, .. }) => {
                assert!(reason.contains("over a limit"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }

    /// A file of format 1 written by the app before join codes existed (a v2 session with
    /// three proposals and a v1 document) still reads, and a join code of it too.
    #[test]
    fn a_version_1_file_written_before_join_codes_still_reads() {
        let file = include_bytes!("../tests/data/session-file-v1.tachkhis");
        assert_eq!(&file[..9], b"TACHKHIS1");
        let sessions = read_sessions(file).unwrap();
        assert_eq!(sessions.len(), 2);
        let new = &sessions[0];
        assert_eq!(new.session.meta.date, "2026-11-20");
        assert_eq!(new.session.live_proposals().count(), 3);
        assert_eq!(sessions[1].session.schema, 1);
        // Its code (the whole-session route) still reads back.
        assert_eq!(from_code(&to_code(file)).unwrap(), file.to_vec());
        for s in sessions {
            let mut doc = s.doc;
            let join = encode_join(s.id, &mut doc).expect("a join code");
            let joined = read_sessions(&join).unwrap();
            assert_eq!(joined[0].id, s.id);
            assert_eq!(joined[0].session.live_proposals().count(), 0);
        }
    }

    /// A join code carries the genesis only: same size for 0 and 60 proposals, a few hundred
    /// bytes; read back it is the same session (same id, pole, douars, group, date), with none
    /// of the later changes; a second tablet's edit on it merges into the first tablet's copy,
    /// and importing it where the session is changes nothing.
    #[test]
    fn a_join_code_is_the_genesis_only_and_its_size_does_not_grow() {
        let (a, mut full) = session(60);
        let (b, mut empty) = session(0);
        let join60 = encode_join(a, &mut full).unwrap();
        let join0 = encode_join(b, &mut empty).unwrap();
        assert_eq!(&join60[..9], b"TACHKHIS3");
        // Two sessions differ in their ids and actors only (random bytes, which DEFLATE may
        // shorten by a few characters); the same session's code is the same whatever was
        // added after it was opened.
        assert_eq!(join60.len(), join0.len());
        let mut grown = empty.clone();
        for i in 0..60 {
            let input = ProposalInput {
                problem: format!("مشكل {i}"),
                ..ProposalInput::default()
            };
            grown.add_proposal(&input, &ctx()).unwrap();
        }
        assert_eq!(encode_join(b, &mut grown).unwrap(), join0);
        let (code60, code0) = (to_code(&join60), to_code(&join0));
        let whole = to_code(&encode(&[entry(a, &mut full)]));
        assert!(code60.len().abs_diff(code0.len()) < 20);
        assert!(join60.len() < 600, "{} bytes", join60.len());
        assert!(whole.len() > 5 * code60.len());

        let file = from_code(&code60).unwrap();
        assert_eq!(file, join60);
        let mut joined = read_sessions(&file).unwrap();
        assert_eq!(joined.len(), 1);
        let mut tablet_b = joined.remove(0);
        let original = full.read().unwrap();
        assert_eq!(tablet_b.id, a);
        assert_eq!(tablet_b.session.meta, {
            let mut m = original.meta.clone();
            m.closed_at = None;
            m
        });
        assert_eq!(tablet_b.session.douar_ids, original.douar_ids);
        assert_eq!(tablet_b.session.live_proposals().count(), 0);

        // Tablet B edits its copy; A takes B's document (sync or file): 61 proposals.
        tablet_b
            .doc
            .add_proposal(
                &ProposalInput {
                    problem: "لا توجد إنارة عمومية".into(),
                    solution: "أعمدة شمسية".into(),
                    ..ProposalInput::default()
                },
                &ctx(),
            )
            .unwrap();
        let mut a_copy = full.clone();
        a_copy.merge(&mut tablet_b.doc.clone()).unwrap();
        assert_eq!(a_copy.read().unwrap().live_proposals().count(), 61);

        // Importing the join code where the session already is changes nothing.
        let before = full.heads();
        let mut again = read_sessions(&file).unwrap().remove(0).doc;
        full.merge(&mut again).unwrap();
        assert_eq!(full.heads(), before);
    }

    /// Join codes are read like files: every cut, every flipped byte, trailing bytes, another
    /// session's id, a later change instead of the first, or two changes are refused without a
    /// panic, and nothing is half read.
    #[test]
    fn a_damaged_or_forged_join_code_is_refused() {
        let (a, mut da) = session(2);
        let join = encode_join(a, &mut da).unwrap();
        for n in 0..join.len() {
            assert!(read_file(&join[..n]).is_err(), "cut at {n}");
        }
        for i in 9..join.len() {
            for bit in [0x01, 0x80] {
                let mut bad = join.clone();
                bad[i] ^= bit;
                // A flip in the id of a change's actor or in text may still be a valid change,
                // but never a session other than the one named, or a second change.
                if let Ok(s) = read_sessions(&bad) {
                    assert_eq!(s.len(), 1);
                    assert_eq!(s[0].session.live_proposals().count(), 0);
                }
            }
        }
        let mut trailing = join.clone();
        trailing.push(0);
        assert!(matches!(decode(&trailing), Err(BundleError::Damaged(_))));

        let forge = |id: Uuid, genesis: Vec<u8>| {
            let mut out = b"TACHKHIS3".to_vec();
            out.extend(postcard::to_allocvec(&Join { id, genesis }).unwrap());
            out
        };
        let other = Uuid::new_v4();
        let body = &join[9..];
        let (j, _): (Join, _) = postcard::take_from_bytes(body).unwrap();
        assert!(matches!(
            read_sessions(&forge(other, j.genesis.clone())),
            Err(BundleError::BadDocument { reason, .. }) if reason.contains("is session")
        ));
        assert_eq!(
            read_sessions(&forge(a, Vec::new())).unwrap_err(),
            BundleError::Empty
        );
        let am = da.automerge_mut();
        let changes = am.get_changes(&[]);
        // The last change alone: its dependencies are missing, the document reads empty.
        let last = changes.last().unwrap().raw_bytes().to_vec();
        assert!(read_sessions(&forge(a, last)).is_err());
        // The genesis and the next change: a session, but more than a join code carries.
        let mut two = changes[0].raw_bytes().to_vec();
        two.extend_from_slice(changes[1].raw_bytes());
        match read_sessions(&forge(a, two)) {
            Err(BundleError::BadDocument { reason, .. }) => {
                assert!(reason.contains("first change only"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
        // A whole saved document is not a join code either.
        assert!(read_sessions(&forge(a, da.save())).is_err());
        // A document that is not a session has no join code.
        assert!(encode_join(Uuid::new_v4(), &mut da).is_none());
        assert!(encode_join(a, &mut SessionDoc::empty(None)).is_none());
    }
}
