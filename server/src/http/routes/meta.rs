//! `GET /api/health` and `GET /api/openapi.json`.

use tachkhis_shared::api::Health;
use utoipa::{
    Modify, OpenApi,
    openapi::security::{Http, HttpAuthScheme, SecurityScheme},
};

use super::Api;
use crate::{http::extract::Json, http::routes};

pub fn router() -> Api {
    Api::new()
        .get("/health", health)
        .get("/openapi.json", openapi)
}

/// Liveness, with the version and the session schema version it reads.
#[utoipa::path(get, path = "/api/health", tag = "meta", responses((status = 200, body = Health)))]
pub async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        schema_version: tachkhis_shared::session::SCHEMA_VERSION,
    })
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Tachkhis API", description = "Participatory diagnosis of a commune's Action Programme (PAC)"),
    paths(
        health,
        openapi,
        routes::setup::setup_status,
        routes::setup::do_setup,
        routes::auth::login,
        routes::auth::logout,
        routes::devices::list_devices,
        routes::devices::revoke_device,
        routes::devices::label_device,
        routes::people::list_users,
        routes::people::create_user,
        routes::people::update_user,
        routes::people::reset_password,
        routes::people::deactivate_user,
        routes::people::reactivate_user,
        routes::people::user_devices,
        routes::people::me,
        routes::people::change_password,
        routes::reference::get_reference,
        routes::sync::sync_batch,
        routes::sync::sync_one,
        routes::sessions::list_sessions,
        routes::sessions::get_session,
        routes::sessions::list_quarantine,
        routes::consolidation::list_proposals,
        routes::consolidation::proposal_lineage,
        routes::consolidation::move_proposals,
        routes::consolidation::list_suggestions,
        routes::consolidation::reject_suggestion,
        routes::consolidation::list_synonyms,
        routes::consolidation::add_synonym,
        routes::consolidation::remove_synonym,
        routes::consolidation::list_needs,
        routes::consolidation::create_need,
        routes::consolidation::get_need,
        routes::consolidation::patch_need,
        routes::consolidation::merge_into,
        routes::consolidation::split_need,
        routes::consolidation::project_suggestions,
        routes::consolidation::link_project,
        routes::consolidation::unlink_project,
        routes::consolidation::list_actions,
        routes::consolidation::undo_action,
        routes::audit::list_audit,
        routes::programme::get_programme,
        routes::programme::get_project,
        routes::programme::get_project_by_number,
        routes::programme::list_partners,
        routes::programme::create_partner,
        routes::programme::update_partner,
        routes::programme::delete_partner,
        routes::programme::create_project,
        routes::programme::update_project,
        routes::programme::delete_project,
        routes::programme::import_projects,
        routes::programme::get_trace,
        routes::programme::programme_table,
        routes::programme::needs_by_place,
        routes::programme::export_projects,
        routes::programme::export_proposals,
        routes::programme::export_needs,
        routes::gender::gender_report,
        // The follow-up's dashboards and a project's story (issue 15, dash).
        routes::dashboard::get_dashboard,
        routes::dashboard::get_story,
        // The PAC as a printed document (issue 14).
        routes::document::pac_document,
        routes::document::stylesheet,
        routes::structure::create_axis,
        routes::structure::rename_axis,
        routes::structure::delete_axis,
        routes::structure::reorder_axes,
        routes::structure::reorder_programmes,
        routes::structure::create_programme,
        routes::structure::rename_programme,
        routes::structure::move_programme,
        routes::structure::delete_programme,
        routes::territory::get_territory,
        routes::territory::create_pole,
        routes::territory::patch_pole,
        routes::territory::order_poles,
        routes::territory::order_douars,
        routes::territory::create_douar,
        routes::territory::patch_douar,
        routes::territory::merge_douar,
        routes::territory::create_place,
        routes::territory::update_place,
        routes::territory::delete_place,
        routes::territory::export_territory,
        routes::territory::territory_template,
        routes::territory::import_territory,
        routes::photos::photo_status,
        routes::photos::put_chunk,
        routes::photos::get_photo,
        routes::photos::session_photos,
        routes::photos::get_settings,
        routes::photos::put_settings,
        routes::photos::purge_now,
        routes::backup::download_backup,
        routes::priorities::get_priorities,
        routes::priorities::what_if,
        routes::priorities::save,
        routes::priorities::approve,
        routes::priorities::put_settings,
        routes::priorities::create_criterion,
        routes::priorities::update_criterion,
        routes::priorities::delete_criterion,
        routes::priorities::project_priority,
        routes::priorities::enter_score,
        routes::priorities::undo,
        // The monitoring system's indicators (issue 13).
        routes::monitoring::list_indicators,
        routes::monitoring::create_indicator,
        routes::monitoring::update_indicator,
        routes::monitoring::delete_indicator,
        routes::monitoring::order_indicators,
        routes::monitoring::export_indicators,
        routes::monitoring::indicators_template,
        routes::monitoring::import_indicators,
        // The follow-up's execution records (issue 15, exec).
        routes::execution::project_execution,
        routes::execution::create_record,
        routes::execution::update_record,
        routes::execution::delete_record,
        routes::execution::year_records,
        routes::execution::create_document,
        routes::execution::update_document,
        routes::execution::delete_document,
        routes::execution::create_entry,
        routes::execution::update_entry,
        routes::execution::delete_entry,
        routes::execution::list_agreements,
        routes::execution::create_agreement,
        routes::execution::update_agreement,
        routes::execution::delete_agreement,
        routes::execution::set_value,
        routes::execution::delete_value,
        routes::execution::import_execution,
        routes::execution::import_template,
        // The PAC's procedure, versions, signed documents (issue 14, proc).
        routes::procedure::get_procedure,
        routes::procedure::put_settings,
        routes::procedure::create_step,
        routes::procedure::update_step,
        routes::procedure::delete_step,
        routes::procedure::record_vote,
        routes::procedure::send_to_governor,
        routes::procedure::record_visa,
        routes::procedure::list_versions,
        routes::procedure::open_version,
        routes::procedure::get_version,
        routes::procedure::compare_versions,
        routes::procedure::upload_attachment,
        routes::procedure::get_attachment,
        // The council's bodies and opinions (issue 14).
        routes::opinions::list_bodies,
        routes::opinions::create_body,
        routes::opinions::candidates,
        routes::opinions::update_body,
        routes::opinions::set_members,
        routes::opinions::body_report,
        routes::opinions::write_programme_opinion,
        routes::opinions::write_project_opinion,
        routes::opinions::list_opinions,
        routes::opinions::answer,
        // Publishing and the licence (issue 16, public).
        routes::public::list_projects,
        routes::public::publish_project,
        routes::public::project_proposals,
        routes::public::preview,
        routes::public::approve_proposals,
        routes::public::get_licence,
        routes::public::put_licence,
        // The three-year programming and the annual evaluation (issue 15, plan3).
        routes::plan::list_plans,
        routes::plan::create_plan,
        routes::plan::get_plan,
        routes::plan::put_resources,
        routes::plan::roll_forward,
        routes::plan::export_plan,
        routes::plan::print_plan,
        routes::plan::reminder,
        routes::plan::get_evaluation,
        routes::plan::put_evaluation,
        routes::plan::export_evaluation,
        routes::plan::print_evaluation,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// This document: OpenAPI 3 of every endpoint.
#[utoipa::path(get, path = "/api/openapi.json", tag = "meta", responses((status = 200, description = "OpenAPI 3 document")))]
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
