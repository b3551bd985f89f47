//! The sync wire's bytes, frozen per version.
//!
//! `data/sync-v1-*.bin` were written by the first app's own code (wire v1, at commit f86be00,
//! by an example since removed): a tablet's request for the real v1 session of
//! `session-v1.automerge` plus a quiet document, and a server's answer (a message, a
//! quarantine, a deferral). `data/sync-v2-*.bin` the same in v2 (with a refusal), written when
//! v2 was introduced. Never regenerate them: they stand for tablets in the field. A change of
//! the types that moves a byte fails these tests; a new version gets new files.

use automerge::sync::Message;
use tachkhis_shared::codes::ErrorCode;
use tachkhis_shared::sync::{
    self as engine, BatchRequest, DocReply, DocStatus, WIRE_VERSION, WireError, v1,
};
use uuid::Uuid;

const V1_REQUEST: &[u8] = include_bytes!("data/sync-v1-request.bin");
const V1_RESPONSE: &[u8] = include_bytes!("data/sync-v1-response.bin");
const V2_REQUEST: &[u8] = include_bytes!("data/sync-v2-request.bin");
const V2_RESPONSE: &[u8] = include_bytes!("data/sync-v2-response.bin");

fn uuid(s: &str) -> Uuid {
    Uuid::parse_str(s).unwrap()
}

const PEER: &str = "5f0c2a7e-1d3b-4c8e-9a6f-2b1d0e3c4a51";
const SESSION: &str = "7b7a3f0e-3c1d-4e55-9a51-0d7f5a1e2c01";
const QUIET: &str = "00000000-0000-4000-8000-00000000000a";
const QUARANTINED: &str = "00000000-0000-4000-8000-00000000000b";
const REFUSED: &str = "00000000-0000-4000-8000-00000000000c";

fn check_request(r: &BatchRequest, version: u32) {
    assert_eq!(r.version, version);
    assert_eq!(r.peer_id, uuid(PEER));
    assert_eq!(r.docs.len(), 2);
    assert_eq!(r.docs[0].doc_id, uuid(SESSION));
    assert!(!r.docs[0].heads.is_empty());
    let message = r.docs[0].message.as_deref().expect("the session's message");
    Message::decode(message).expect("an Automerge sync message");
    assert_eq!(r.docs[1].doc_id, uuid(QUIET));
    assert_eq!(r.docs[1].heads, vec![[0x42; 32]]);
    assert_eq!(r.docs[1].message, None);
}

#[test]
fn a_v1_request_is_read_as_it_was_written() {
    let request = engine::decode_request(V1_REQUEST).expect("v1 still reads");
    check_request(&request, 1);
    // The frozen v1 types write the same bytes back.
    let old: v1::BatchRequest = engine::decode(V1_REQUEST).unwrap();
    assert_eq!(engine::encode(&old).unwrap(), V1_REQUEST);
}

#[test]
fn a_v1_request_is_answered_with_the_bytes_a_v1_tablet_reads() {
    let message = {
        let old: v1::BatchResponse = engine::decode(V1_RESPONSE).unwrap();
        assert_eq!(old.docs.len(), 3);
        Message::decode(old.docs[0].message.as_deref().unwrap()).unwrap();
        assert_eq!(
            old.docs[1].status,
            v1::DocStatus::Quarantined {
                reason: "meta.group_kind: unknown code \"elders\"".into()
            }
        );
        // A deferral in v1: no message, `Ok`.
        assert_eq!(old.docs[2].message, None);
        assert_eq!(old.docs[2].status, v1::DocStatus::Ok);
        old.docs[0].message.clone()
    };
    // The server's answer, made with today's types, is byte for byte what v1 tablets read.
    let docs = vec![
        DocReply {
            doc_id: uuid(SESSION),
            message,
            status: DocStatus::Ok,
        },
        DocReply {
            doc_id: uuid(QUARANTINED),
            message: None,
            status: DocStatus::Quarantined {
                reason: "meta.group_kind: unknown code \"elders\"".into(),
            },
        },
        DocReply {
            doc_id: uuid(QUIET),
            message: None,
            status: DocStatus::Deferred,
        },
    ];
    assert_eq!(engine::encode_response(1, docs).unwrap(), V1_RESPONSE);
}

#[test]
fn a_v2_request_and_response_read_and_write_the_same_bytes() {
    let request = engine::decode_request(V2_REQUEST).expect("v2 reads");
    check_request(&request, 2);
    assert_eq!(engine::encode_request(&request).unwrap(), V2_REQUEST);

    let response = engine::decode_response(V2_RESPONSE).expect("v2 reads");
    assert_eq!(response.version, 2);
    let statuses: Vec<&DocStatus> = response.docs.iter().map(|d| &d.status).collect();
    assert!(matches!(statuses[0], DocStatus::Ok));
    assert!(matches!(statuses[1], DocStatus::Quarantined { .. }));
    assert!(matches!(statuses[2], DocStatus::Deferred));
    match statuses[3] {
        DocStatus::Refused { error, message } => {
            assert_eq!(*error, ErrorCode::BadSyncMessage);
            assert!(message.contains(REFUSED));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        engine::encode_response(response.version, response.docs).unwrap(),
        V2_RESPONSE
    );
}

#[test]
fn versions_this_code_does_not_know_are_named() {
    assert_eq!(WIRE_VERSION, 2, "a new version gets its own frozen files");
    let mut newer = V2_REQUEST.to_vec();
    newer[0] = 3;
    assert_eq!(
        engine::decode_request(&newer),
        Err(WireError::Unsupported(3))
    );
    assert_eq!(engine::decode_request(&[]), Err(WireError::Empty));
    // A v1 answer has no way to say "refused": the server never makes one for v1.
    let refused = DocReply {
        doc_id: uuid(REFUSED),
        message: None,
        status: DocStatus::Refused {
            error: ErrorCode::BadSyncMessage,
            message: String::new(),
        },
    };
    assert_eq!(
        engine::encode_response(1, vec![refused]),
        Err(WireError::NotInV1("Refused"))
    );
    // A v2 client refuses an answer in another version rather than misread it.
    assert!(engine::decode_response(V1_RESPONSE).is_err());
}
