//! `GET /api/reference`: what a tablet needs to open sessions offline. Public: place names and
//! fixed lists are not secrets, and the public page will need them.

use axum::extract::State;
use tachkhis_shared::reference::Reference;

use super::Api;
use crate::{AppState, http::error::AppResult, http::extract::Json, reference};

pub fn router() -> Api {
    Api::new().get("/reference", get_reference)
}

/// Poles, douars (with aliases), sectors and group kinds, with Arabic and French names.
#[utoipa::path(get, path = "/api/reference", tag = "reference", responses((status = 200, body = Reference)))]
pub async fn get_reference(State(app): State<AppState>) -> AppResult<Json<Reference>> {
    Ok(Json(app.db.read(reference::load).await?))
}
