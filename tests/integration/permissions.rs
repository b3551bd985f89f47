//! Every route of the API × every role (and no login), against the outcome written out here
//! by hand: the permission table (`shared::permissions`) as the server applies it. The
//! expectations are literal, never computed from `Role::can`, so a rule changed by mistake
//! fails here; and the table below must list every route the server has (read from the router
//! itself), so a route added without a rule fails too.
//!
//! Each role gets a server of its own with the same data (a synced session, a need, projects,
//! a spare device), so the writes one role may make never change what the next one sees. A
//! write allowed with a deliberately empty or invalid body answers 400 (the permission check
//! passed, the body did not); a refused one answers 403 `forbidden` before its body is read.

use std::collections::BTreeSet;

use serde_json::Value;
use tachkhis_shared::sync::{self, BatchRequest};
use uuid::Uuid;

use crate::helpers::{Tablet, TestApp, spawn_app};

/// What a request carries.
#[derive(Clone, Copy, Debug)]
enum Body {
    None,
    /// JSON text.
    Json(&'static str),
    /// Octets (with an `X-Peer-Id`).
    Octets(Payload),
}

#[derive(Clone, Copy, Debug)]
enum Payload {
    Empty,
    /// A postcard batch naming no document.
    EmptyBatch,
}

/// The roles in the order of the outcome columns (none = no login).
const ROLES: [Option<&str>; 8] = [
    None,
    Some("admin"),
    Some("facilitator"),
    Some("office"),
    Some("committee"),
    Some("bureau"),
    Some("secretariat"),
    Some("ieecag"),
];

/// Method, path (`{name}` is filled with a real id), body, and the status for no login,
/// admin, facilitator, office, committee, bureau, secretariat and ieecag. In the order they run: the writes that change
/// what later rows see (undo, delete, revoke, logout) come last.
#[rustfmt::skip]
const TABLE: &[(&str, &str, Body, [u16; 8])] = &[
    // Open to anyone.
    ("GET",    "/api/health",                              Body::None,          [200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/openapi.json",                        Body::None,          [200, 200, 200, 200, 200, 200, 200, 200]),
    // The first run's set-up: open to anyone (the one-time code is the credential).
    ("GET",    "/api/setup",                               Body::None,          [200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/setup",                               Body::Json("{}"),    [400, 400, 400, 400, 400, 400, 400, 400]),
    ("GET",    "/api/reference",                           Body::None,          [200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/auth/login",                          Body::Json("{}"),    [400, 400, 400, 400, 400, 400, 400, 400]),
    // Sessions and sync.
    ("GET",    "/api/sessions",                            Body::None,          [401, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/sessions/{session}",                  Body::None,          [401, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/quarantine",                          Body::None,          [401, 200, 403, 200, 403, 403, 403, 403]),
    ("POST",   "/api/sync",                                Body::Octets(Payload::EmptyBatch), [401, 200, 200, 200, 403, 403, 403, 403]),
    ("POST",   "/api/docs/{session}/sync",                 Body::Octets(Payload::Empty),      [401, 400, 400, 400, 403, 403, 403, 403]),
    // Consolidation: reading.
    ("GET",    "/api/proposals",                           Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    ("GET",    "/api/proposals/{proposal}/lineage",        Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    ("GET",    "/api/suggestions",                         Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    ("GET",    "/api/needs",                               Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    ("GET",    "/api/needs/{need}",                        Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    ("GET",    "/api/needs/{need}/project-suggestions",    Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    ("GET",    "/api/actions",                             Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    // Consolidation: writing (bodies that do not pass, after the permission check).
    ("POST",   "/api/proposals/move",                      Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 403, 403]),
    ("POST",   "/api/suggestions/reject",                  Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 403, 403]),
    ("GET",    "/api/synonyms",                            Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    ("POST",   "/api/synonyms",                            Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 403, 403]),
    ("DELETE", "/api/synonyms/{synonym}",                  Body::None,          [401, 400, 403, 400, 403, 403, 403, 403]),
    ("POST",   "/api/needs",                               Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 403, 403]),
    ("PATCH",  "/api/needs/{need}",                        Body::Json("[]"),    [401, 400, 403, 400, 403, 403, 403, 403]),
    ("POST",   "/api/needs/{need}/merge",                  Body::Json("[]"),    [401, 400, 403, 400, 403, 403, 403, 403]),
    ("POST",   "/api/needs/{need}/split",                  Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 403, 403]),
    ("POST",   "/api/needs/{need}/projects",               Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 403, 403]),
    ("DELETE", "/api/needs/{need}/projects/{project}",     Body::None,          [401, 409, 403, 409, 403, 403, 403, 403]),
    // The programme, reports and exports.
    ("GET",    "/api/programme",                           Body::None,          [401, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/projects/{project}",                  Body::None,          [401, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/projects/by-number/{project_number}", Body::None,          [401, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/projects/{project}/trace",            Body::None,          [401, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/projects",                            Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 403, 403]),
    ("PUT",    "/api/projects/{project}",                  Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 403, 403]),
    ("POST",   "/api/projects/import?dry_run=1",           Body::Octets(Payload::Empty),      [401, 400, 403, 400, 403, 403, 403, 403]),
    ("GET",    "/api/partners",                            Body::None,          [401, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/partners",                            Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 403, 403]),
    ("PUT",    "/api/partners/{partner}",                  Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 403, 403]),
    // The programme's structure (axes, programmes): bodies that do not pass, and deletes of an
    // axis and a programme that are not empty (409: nothing changes).
    ("POST",   "/api/axes",                                Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 403, 403]),
    ("PUT",    "/api/axes/order",                          Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 403, 403]),
    ("PUT",    "/api/axes/{axis}",                         Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 403, 403]),
    ("DELETE", "/api/axes/{axis}",                         Body::None,          [401, 409, 403, 409, 403, 403, 403, 403]),
    ("PUT",    "/api/axes/{axis}/programmes/order",        Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 403, 403]),
    ("POST",   "/api/programmes",                          Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 403, 403]),
    ("PUT",    "/api/programmes/{programme}",              Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 403, 403]),
    ("POST",   "/api/programmes/{programme}/move",         Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 403, 403]),
    ("DELETE", "/api/programmes/{programme}",              Body::None,          [401, 409, 403, 409, 403, 403, 403, 403]),
    ("GET",    "/api/reports/programme-table",             Body::None,          [401, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/reports/needs-by-place",              Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    ("GET",    "/api/export/projects",                     Body::None,          [401, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/export/proposals",                    Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    ("GET",    "/api/export/needs",                        Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    // Priorities (issue 13): read by the council and the office; the bureau alone decides
    // (bodies that do not pass, after the permission check); scores entered by the office too.
    ("GET",    "/api/priorities",                          Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    ("GET",    "/api/priorities/projects/{project}",       Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    ("POST",   "/api/priorities/what-if",                  Body::Json("{}"),    [401, 200, 403, 200, 200, 200, 200, 200]),
    ("POST",   "/api/priorities/save",                     Body::Json("{}"),    [401, 403, 403, 403, 403, 400, 403, 403]),
    ("POST",   "/api/priorities/approve",                  Body::Json("1" ),    [401, 403, 403, 403, 403, 400, 403, 403]),
    ("PUT",    "/api/priorities/settings",                 Body::Json("1" ),    [401, 403, 403, 403, 403, 400, 403, 403]),
    ("POST",   "/api/priorities/criteria",                 Body::Json("{}"),    [401, 403, 403, 403, 403, 400, 403, 403]),
    ("PUT",    "/api/priorities/criteria/{criterion}",     Body::Json("1" ),    [401, 403, 403, 403, 403, 400, 403, 403]),
    ("PUT",    "/api/priorities/projects/{project}/scores/{criterion}", Body::Json("{}"), [401, 400, 403, 400, 403, 400, 403, 403]),
    ("POST",   "/api/priorities/actions/{priority_action}/undo", Body::None,    [401, 404, 403, 404, 403, 404, 403, 403]),
    // The monitoring system's indicators (issue 13): read with the programme, changed by the
    // office and the administrator.
    ("GET",    "/api/projects/{project}/indicators",       Body::None,          [401, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/projects/{project}/indicators",       Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 403, 403]),
    ("PUT",    "/api/projects/{project}/indicators/order", Body::Json("{\"ids\": [0]}"), [401, 400, 403, 400, 403, 403, 403, 403]),
    ("PUT",    "/api/indicators/{indicator}",              Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 403, 403]),
    ("GET",    "/api/indicators/template",                 Body::None,          [401, 200, 403, 200, 403, 403, 403, 403]),
    ("POST",   "/api/indicators/import?dry_run=1",         Body::Octets(Payload::Empty),      [401, 400, 403, 400, 403, 403, 403, 403]),
    ("GET",    "/api/export/indicators",                   Body::None,          [401, 200, 200, 200, 200, 200, 200, 200]),
    // The PAC's procedure, versions, signed documents (issue 14, proc): read with
    // ReadProcedure, written by the secretariat and the administrator; a signed document is
    // uploaded by them or by a body's member (an empty body is no PDF: 415).
    ("GET",    "/api/procedure",                           Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    ("GET",    "/api/versions",                            Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    ("GET",    "/api/versions/{version}",                  Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    ("GET",    "/api/versions/{version}/compare",          Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    ("GET",    "/api/attachments/{attachment}",            Body::None,          [401, 404, 403, 404, 404, 404, 404, 404]),
    ("PUT",    "/api/procedure/settings",                  Body::Json("{}"),    [401, 400, 403, 403, 403, 403, 400, 403]),
    ("POST",   "/api/procedure/steps",                     Body::Json("{}"),    [401, 400, 403, 403, 403, 403, 400, 403]),
    ("PUT",    "/api/procedure/steps/{step}",              Body::Json("{}"),    [401, 400, 403, 403, 403, 403, 400, 403]),
    ("POST",   "/api/procedure/vote",                      Body::Json("{}"),    [401, 400, 403, 403, 403, 403, 400, 403]),
    ("POST",   "/api/procedure/governor",                  Body::Json("{}"),    [401, 400, 403, 403, 403, 403, 400, 403]),
    ("POST",   "/api/procedure/visa",                      Body::Json("{}"),    [401, 400, 403, 403, 403, 403, 400, 403]),
    ("POST",   "/api/versions",                            Body::Json("{}"),    [401, 400, 403, 403, 403, 403, 400, 403]),
    ("POST",   "/api/attachments",                         Body::Octets(Payload::Empty),      [401, 415, 403, 403, 415, 403, 415, 415]),
    // The gender report (issue 13): the read rule of needs; XLSX the same, CSV refused.
    ("GET",    "/api/reports/gender",                      Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    // The follow-up's dashboards and a project's story (issue 15, dash): ReadExecution.
    ("GET",    "/api/dashboard",                           Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    ("GET",    "/api/projects/{project}/story",            Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    // The council's bodies and opinions (issue 14): read with the procedure; bodies set up by
    // the administrator; opinions written by the committee and ieecag roles (then their
    // body's membership, tested in opinions.rs); reservations answered by office and admin.
    ("GET",    "/api/bodies",                              Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    ("GET",    "/api/bodies/candidates",                   Body::None,          [401, 200, 403, 403, 403, 403, 403, 403]),
    ("POST",   "/api/bodies",                              Body::Json("{}"),    [401, 400, 403, 403, 403, 403, 403, 403]),
    ("PATCH",  "/api/bodies/{body}",                       Body::Json("1"),     [401, 400, 403, 403, 403, 403, 403, 403]),
    ("PUT",    "/api/bodies/{body}/members",               Body::Json("{}"),    [401, 400, 403, 403, 403, 403, 403, 403]),
    ("GET",    "/api/bodies/{body}/report",                Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    ("PUT",    "/api/bodies/{body}/opinions/programme",    Body::Json("{}"),    [401, 403, 403, 403, 400, 403, 403, 400]),
    ("PUT",    "/api/bodies/{body}/opinions/projects/{project}", Body::Json("{}"), [401, 403, 403, 403, 400, 403, 403, 400]),
    ("GET",    "/api/opinions",                            Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    ("PUT",    "/api/opinions/{opinion}/answer",           Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 403, 403]),
    // The PAC document (issue 14, doc): the procedure's read rule; its stylesheet is open.
    ("GET",    "/api/pac/document",                        Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    ("GET",    "/api/pac/document.css",                    Body::None,          [200, 200, 200, 200, 200, 200, 200, 200]),
    // The follow-up's execution records (issue 15, exec): read with ReadExecution (not the
    // facilitator), written with RecordExecution (admin, office, secretariat).
    ("GET",    "/api/projects/{project}/execution",        Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    ("POST",   "/api/projects/{project}/execution",        Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 400, 403]),
    ("PUT",    "/api/execution/{exec_record}",                         Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 400, 403]),
    ("GET",    "/api/execution/years/{exec_year}",                Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    ("POST",   "/api/projects/{project}/execution-documents", Body::Json("{}"), [401, 400, 403, 400, 403, 403, 400, 403]),
    ("PUT",    "/api/execution-documents/{exec_document}",          Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 400, 403]),
    ("POST",   "/api/projects/{project}/timeline",         Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 400, 403]),
    ("PUT",    "/api/timeline/{exec_timeline}",                          Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 400, 403]),
    ("GET",    "/api/agreements",                          Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    ("POST",   "/api/agreements",                          Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 400, 403]),
    ("PUT",    "/api/agreements/{exec_agreement}",                        Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 400, 403]),
    ("PUT",    "/api/indicators/{indicator}/values/{exec_year}",  Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 400, 403]),
    ("DELETE", "/api/execution-documents/{exec_document}",          Body::None,          [401, 404, 403, 404, 403, 403, 404, 403]),
    ("DELETE", "/api/indicators/{indicator}/values/{exec_no_year}",  Body::None,          [401, 404, 403, 404, 403, 403, 404, 403]),
    ("DELETE", "/api/timeline/{exec_timeline}",                          Body::None,          [401, 204, 403, 204, 403, 403, 204, 403]),
    ("DELETE", "/api/execution/{exec_record}",                         Body::None,          [401, 204, 403, 204, 403, 403, 204, 403]),
    ("DELETE", "/api/agreements/{exec_agreement}",                        Body::None,          [401, 204, 403, 204, 403, 403, 204, 403]),
    // Public pages (issue 16, public): publishing is the office's and the admin's, the
    // licence the admin's; the pages themselves live outside /api (tests/integration/public.rs).
    ("GET",    "/api/publish/projects",                    Body::None,          [401, 200, 403, 200, 403, 403, 403, 403]),
    ("PUT",    "/api/publish/projects/{project}",          Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 403, 403]),
    ("GET",    "/api/publish/projects/{project}/proposals", Body::None,         [401, 200, 403, 200, 403, 403, 403, 403]),
    ("GET",    "/api/publish/projects/{project}/preview",  Body::None,          [401, 200, 403, 200, 403, 403, 403, 403]),
    ("PUT",    "/api/publish/proposals",                   Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 403, 403]),
    ("GET",    "/api/publish/licence",                     Body::None,          [401, 200, 403, 200, 403, 403, 403, 403]),
    ("PUT",    "/api/publish/licence",                     Body::Json("{}"),    [401, 400, 403, 403, 403, 403, 403, 403]),
    // The three-year programming and the annual evaluation (issue 15, plan3): read with
    // ReadExecution, written with RecordExecution (bodies that do not pass; no plan exists on
    // the demo: 404 once the check passed; the reminder is null or one, 200).
    ("GET",    "/api/plans",                               Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    ("POST",   "/api/plans",                               Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 400, 403]),
    ("GET",    "/api/plans/{year}",                        Body::None,          [401, 404, 403, 404, 404, 404, 404, 404]),
    ("PUT",    "/api/plans/{year}/resources",              Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 400, 403]),
    ("POST",   "/api/plans/{year}/roll-forward",           Body::None,          [401, 404, 403, 404, 403, 403, 404, 403]),
    ("GET",    "/api/plans/{year}/export",                 Body::None,          [401, 404, 403, 404, 404, 404, 404, 404]),
    ("GET",    "/api/plans/{year}/print",                  Body::None,          [401, 404, 403, 404, 404, 404, 404, 404]),
    ("GET",    "/api/evaluations/reminder",                Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    ("GET",    "/api/evaluations/{year}",                  Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    ("PUT",    "/api/evaluations/{year}",                  Body::Json("1"),     [401, 400, 403, 400, 403, 403, 400, 403]),
    ("GET",    "/api/evaluations/{year}/export",           Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    ("GET",    "/api/evaluations/{year}/print",            Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    // The import of a year's execution (issue 15, exec): RecordExecution; an empty file is a 400.
    ("POST",   "/api/execution/import?dry_run=1",          Body::Octets(Payload::Empty),      [401, 400, 403, 400, 403, 403, 400, 403]),
    ("GET",    "/api/execution/import/template",           Body::None,          [401, 200, 403, 200, 403, 403, 200, 403]),
    // The territory (admin and office).
    ("GET",    "/api/territory",                           Body::None,          [401, 200, 403, 200, 403, 403, 403, 403]),
    ("POST",   "/api/territory/poles",                     Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 403, 403]),
    ("POST",   "/api/territory/poles/order",               Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 403, 403]),
    ("PATCH",  "/api/territory/poles/{pole}",              Body::Json("{\"name_ar\": 1}"), [401, 400, 403, 400, 403, 403, 403, 403]),
    ("POST",   "/api/territory/poles/{pole}/order",        Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 403, 403]),
    ("POST",   "/api/territory/douars",                    Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 403, 403]),
    ("PATCH",  "/api/territory/douars/{douar}",            Body::Json("{\"name_ar\": 1}"), [401, 400, 403, 400, 403, 403, 403, 403]),
    ("POST",   "/api/territory/douars/{douar}/merge",      Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 403, 403]),
    ("POST",   "/api/territory/places",                    Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 403, 403]),
    ("PUT",    "/api/territory/places/{place}",            Body::Json("{}"),    [401, 400, 403, 400, 403, 403, 403, 403]),
    ("GET",    "/api/territory/export",                    Body::None,          [401, 200, 403, 200, 403, 403, 403, 403]),
    ("GET",    "/api/territory/template",                  Body::None,          [401, 200, 403, 200, 403, 403, 403, 403]),
    ("POST",   "/api/territory/import?dry_run=1",          Body::Octets(Payload::Empty),      [401, 400, 403, 400, 403, 403, 403, 403]),
    // The audit log and the devices.
    ("GET",    "/api/audit",                               Body::None,          [401, 200, 403, 200, 200, 200, 200, 200]),
    ("GET",    "/api/admin/devices",                       Body::None,          [401, 200, 403, 403, 403, 403, 403, 403]),
    ("PATCH",  "/api/admin/devices/{device}",              Body::Json("{}"),    [401, 400, 403, 403, 403, 403, 403, 403]),
    // A backup of the whole database (admin only).
    ("GET",    "/api/admin/backup",                        Body::None,          [401, 200, 403, 403, 403, 403, 403, 403]),
    // People: the administrator's; one's own password and `me`, any login.
    ("GET",    "/api/me",                                  Body::None,          [401, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/auth/password",                       Body::Json("{}"),    [401, 400, 400, 400, 400, 400, 400, 400]),
    ("GET",    "/api/admin/users",                         Body::None,          [401, 200, 403, 403, 403, 403, 403, 403]),
    ("POST",   "/api/admin/users",                         Body::Json("{}"),    [401, 400, 403, 403, 403, 403, 403, 403]),
    ("PATCH",  "/api/admin/users/{user}",                  Body::Json("1"),     [401, 400, 403, 403, 403, 403, 403, 403]),
    ("POST",   "/api/admin/users/{user}/password",         Body::Json("1"),     [401, 400, 403, 403, 403, 403, 403, 403]),
    ("GET",    "/api/admin/users/{user}/devices",          Body::None,          [401, 200, 403, 403, 403, 403, 403, 403]),
    // Photos (issue 11): personal data, never to the committee; facilitators send them.
    ("POST",   "/api/photos/status",                       Body::Json("{}"),    [401, 400, 400, 400, 403, 403, 403, 403]),
    ("PUT",    "/api/photos/{photo}?offset=0&total=3",     Body::Octets(Payload::Empty),      [401, 404, 404, 404, 403, 403, 403, 403]),
    ("GET",    "/api/photos/{photo}",                      Body::None,          [401, 404, 403, 404, 403, 403, 403, 403]),
    ("GET",    "/api/sessions/{session}/photos",           Body::None,          [401, 200, 403, 200, 403, 403, 403, 403]),
    ("GET",    "/api/admin/photos/settings",               Body::None,          [401, 200, 403, 403, 403, 403, 403, 403]),
    ("PUT",    "/api/admin/photos/settings",               Body::Json("{}"),    [401, 400, 403, 403, 403, 403, 403, 403]),
    ("POST",   "/api/admin/photos/purge",                  Body::None,          [401, 200, 403, 403, 403, 403, 403, 403]),
    // Writes that change what they touch, last.
    ("POST",   "/api/actions/{action}/undo",               Body::None,          [401, 200, 403, 200, 403, 403, 403, 403]),
    ("DELETE", "/api/projects/{other_project}",            Body::None,          [401, 204, 403, 204, 403, 403, 403, 403]),
    ("DELETE", "/api/partners/{partner}",                  Body::None,          [401, 204, 403, 204, 403, 403, 403, 403]),
    ("DELETE", "/api/priorities/criteria/{criterion}",     Body::None,          [401, 403, 403, 403, 403, 200, 403, 403]),
    ("DELETE", "/api/indicators/{indicator}",              Body::None,          [401, 204, 403, 204, 403, 403, 403, 403]),
    ("DELETE", "/api/procedure/steps/{step}",              Body::None,          [401, 200, 403, 403, 403, 403, 200, 403]),
    ("DELETE", "/api/territory/places/{place}",            Body::None,          [401, 204, 403, 204, 403, 403, 403, 403]),
    ("POST",   "/api/admin/devices/{device}/revoke",       Body::None,          [401, 200, 403, 403, 403, 403, 403, 403]),
    ("POST",   "/api/admin/users/{user}/deactivate",       Body::None,          [401, 200, 403, 403, 403, 403, 403, 403]),
    ("POST",   "/api/admin/users/{user}/reactivate",       Body::None,          [401, 200, 403, 403, 403, 403, 403, 403]),
    ("POST",   "/api/auth/logout",                         Body::None,          [401, 204, 204, 204, 204, 204, 204, 204]),
];

/// The real ids a path's `{name}`s stand for, on one server.
struct Ids {
    session: Uuid,
    proposal: Uuid,
    need: i64,
    action: i64,
    project: i64,
    project_number: i64,
    other_project: i64,
    partner: i64,
    /// One of the demo's indicators (issue 13).
    indicator: i64,
    axis: i64,
    programme: i64,
    place: i64,
    device: String,
    /// The demo's first procedure step (issue 14), and an attachment id no one uploaded.
    step: i64,
    attachment: i64,
    /// A user of no demo role's, whom the administrator's rows change.
    user: i64,
}

impl Ids {
    fn fill(&self, path: &str) -> String {
        path.replace("{session}", &self.session.to_string())
            .replace("{proposal}", &self.proposal.to_string())
            .replace("{need}", &self.need.to_string())
            .replace("{action}", &self.action.to_string())
            .replace("{project}", &self.project.to_string())
            .replace("{project_number}", &self.project_number.to_string())
            .replace("{other_project}", &self.other_project.to_string())
            .replace("{partner}", &self.partner.to_string())
            .replace("{indicator}", &self.indicator.to_string())
            .replace("{axis}", &self.axis.to_string())
            .replace("{programme}", &self.programme.to_string())
            .replace("{place}", &self.place.to_string())
            .replace("{pole}", "pole-1")
            // The follow-up (issue 15, exec): demo rows 1 (project 3's record, the Al Farah
            // agreement, a timeline entry); no execution document, no value in 2030.
            .replace("{exec_record}", "1")
            .replace("{exec_agreement}", "1")
            .replace("{exec_timeline}", "1")
            .replace("{exec_document}", "999999")
            .replace("{exec_year}", "2024")
            .replace("{exec_no_year}", "2030")
            // The first default criterion; a change no one made.
            .replace("{criterion}", "1")
            .replace("{priority_action}", "999999")
            // The demo's first committee and its first opinion (issue 14).
            .replace("{body}", "1")
            .replace("{opinion}", "1")
            .replace("{douar}", "idouz")
            .replace("{device}", &self.device)
            .replace("{step}", &self.step.to_string())
            .replace("{version}", "1")
            // A year (issue 15, plan3): no three-year plan starts in it on the demo.
            .replace("{year}", "2024")
            .replace("{attachment}", &self.attachment.to_string())
            .replace("{user}", &self.user.to_string())
            // A photo no session names: the permission check passes, the server has nothing.
            .replace("{photo}", &"ab".repeat(32))
    }
}

/// A server with demo data, a session of two proposals synced by a facilitator, a need made of
/// one of them (by the office), and a spare login of the facilitator to revoke.
async fn prepared() -> (TestApp, Ids) {
    let app = spawn_app().await;
    let fac = app.login("facilitator").await;
    let mut tablet = Tablet::new("facilitator");
    let session = tablet.new_session();
    let proposal = tablet.add_proposal(session, "انعدام الماء الصالح للشرب");
    tablet.add_proposal(session, "الطريق غير معبدة");
    tablet.sync(&app, &fac).await.unwrap();
    let office = app.login("office").await;
    let (status, done) = app
        .post(
            "/api/needs",
            &office,
            serde_json::json!({"title": "الماء", "proposal_ids": [proposal]}),
        )
        .await;
    assert_eq!(status, 201, "{done}");
    app.login("facilitator").await;
    let device = newest_device(&app);
    let ids = Ids {
        session,
        proposal,
        need: done["need_id"].as_i64().unwrap(),
        action: done["action_id"].as_i64().unwrap(),
        project: app.count("SELECT min(id) FROM projects"),
        project_number: app.count("SELECT number FROM projects ORDER BY id LIMIT 1"),
        other_project: app.count("SELECT max(id) FROM projects"),
        partner: {
            let conn = rusqlite::Connection::open(&app.db_path).unwrap();
            conn.execute("INSERT INTO partners (name_ar) VALUES ('شريك للاختبار')", [])
                .unwrap();
            conn.last_insert_rowid()
        },
        indicator: app.count("SELECT min(id) FROM project_indicators"),
        axis: app.count("SELECT min(id) FROM axes"),
        programme: app.count("SELECT programme_id FROM projects ORDER BY id LIMIT 1"),
        place: {
            let conn = rusqlite::Connection::open(&app.db_path).unwrap();
            conn.execute(
                "INSERT INTO places (kind, name_ar, name_norm) VALUES ('river', 'واد للاختبار', 'واد للاختبار')",
                [],
            )
            .unwrap();
            conn.last_insert_rowid()
        },
        device,
        step: app.count("SELECT min(id) FROM procedure_steps"),
        attachment: 999_999,
        user: {
            let conn = rusqlite::Connection::open(&app.db_path).unwrap();
            conn.execute(
                "INSERT INTO users (username, password_hash, role, created_at)
                 VALUES ('spare', 'not a hash', 'facilitator', 0)",
                [],
            )
            .unwrap();
            conn.last_insert_rowid()
        },
    };
    assert_ne!(ids.project, ids.other_project);
    (app, ids)
}

/// The public id of the newest login.
fn newest_device(app: &TestApp) -> String {
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    conn.query_row(
        "SELECT public_id FROM tokens ORDER BY rowid DESC LIMIT 1",
        [],
        |r| r.get(0),
    )
    .unwrap()
}

async fn request(
    app: &TestApp,
    method: &str,
    path: &str,
    body: Body,
    token: Option<&str>,
) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = app.http.request(method, app.url(path));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req = match body {
        Body::None => req,
        Body::Json(text) => req
            .header("content-type", "application/json")
            .body(text.to_string()),
        Body::Octets(payload) => {
            let bytes = match payload {
                Payload::Empty => Vec::new(),
                Payload::EmptyBatch => {
                    sync::encode_request(&BatchRequest::new(Uuid::new_v4(), Vec::new())).unwrap()
                }
            };
            req.header("content-type", "application/octet-stream")
                .header("x-peer-id", "permissions-test")
                .body(bytes)
        }
    };
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// `/api/needs/{id}/projects/{project_id}` and `/api/needs/{need}/projects/{project}?x=1` both
/// read `/api/needs/{}/projects/{}`.
fn shape(path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push('{');
            }
            '}' => {
                in_param = false;
                out.push('}');
            }
            _ if in_param => {}
            c => out.push(c),
        }
    }
    out
}

#[tokio::test]
async fn every_route_answers_each_role_as_the_table_says() {
    // The table lists every route of the router, once, and nothing else.
    let routes: BTreeSet<(String, String)> = tachkhis_server::http::router::api_routes()
        .into_iter()
        .map(|(m, p)| (m, shape(&p)))
        .collect();
    let mut listed = BTreeSet::new();
    for (method, path, _, _) in TABLE {
        assert!(
            listed.insert((method.to_string(), shape(path))),
            "{method} {path} is twice in the table"
        );
    }
    let missing: Vec<_> = routes.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "routes without a row in the permission table: {missing:?}"
    );
    let unknown: Vec<_> = listed.difference(&routes).collect();
    assert!(
        unknown.is_empty(),
        "rows for routes the server does not have: {unknown:?}"
    );

    let mut failures = Vec::new();
    for (column, role) in ROLES.iter().enumerate() {
        let (app, ids) = prepared().await;
        if column == 0 {
            // The OpenAPI document describes exactly the router's routes.
            let (status, doc) = app.get_json("/api/openapi.json", "").await;
            assert_eq!(status, 200);
            let documented: BTreeSet<(String, String)> = doc["paths"]
                .as_object()
                .unwrap()
                .iter()
                .flat_map(|(path, item)| {
                    item.as_object()
                        .unwrap()
                        .keys()
                        .map(|m| (m.to_ascii_uppercase(), shape(path)))
                        .collect::<Vec<_>>()
                })
                .collect();
            assert_eq!(documented, routes, "the OpenAPI paths and the router");
        }
        let token = match role {
            Some(name) => Some(app.login(name).await),
            None => None,
        };
        for (method, path, body, expected) in TABLE {
            let url = ids.fill(path);
            let (status, answer) = request(&app, method, &url, *body, token.as_deref()).await;
            let want = expected[column];
            let who = role.unwrap_or("no login");
            if status != want {
                failures.push(format!(
                    "{who}: {method} {path} → {status}, expected {want}: {answer}"
                ));
                continue;
            }
            // Refusals say why, in the API's error shape.
            let code = answer["error"].as_str().unwrap_or_default();
            match status {
                401 if code != "missing_token" => {
                    failures.push(format!("{who}: {method} {path} → 401 `{code}`"))
                }
                403 if code != "forbidden"
                    || answer["message"].as_str().is_none_or(str::is_empty) =>
                {
                    failures.push(format!("{who}: {method} {path} → 403 {answer}"))
                }
                _ => {}
            }
        }
        app.stop().await;
    }
    assert!(
        failures.is_empty(),
        "{} rows differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The 403 names the role and the action, for the person reading it.
#[tokio::test]
async fn a_refusal_names_the_role_and_what_it_may_not_do() {
    let (app, _) = prepared().await;
    let token = app.login("facilitator").await;
    let (status, answer) =
        request(&app, "GET", "/api/export/needs", Body::None, Some(&token)).await;
    assert_eq!(status, 403);
    assert_eq!(
        answer["message"],
        "the facilitator role may not read the needs and the consolidation log"
    );
    app.stop().await;
}
