//! Extractors whose rejections speak the API's error shape, and the permission check
//! ([`Allowed`]) every handler that needs a login goes through.

use std::marker::PhantomData;

use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Request},
    http::request::Parts,
};
use tachkhis_shared::permissions::{Action, Role};

use crate::{
    AppState,
    http::error::{AppError, AppResult},
    users::auth::{AuthDevice, AuthUser},
};

/// `axum::Json` with `{error, message}` rejections.
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

/// `axum::extract::Query` with `{error, message}` rejections.
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct Query<T>(pub T);

/// `axum::extract::Path` with `{error, message}` rejections (400 `bad_id`: every path
/// parameter of the API is an id).
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct Path<T>(pub T);

/// Who a request acts for: the user alone, or with the login's device (sync, devices).
pub trait Caller: FromRequestParts<AppState, Rejection = AppError> {
    fn role(&self) -> Role;
}

impl Caller for AuthUser {
    fn role(&self) -> Role {
        self.role
    }
}

impl Caller for AuthDevice {
    fn role(&self) -> Role {
        self.user.role
    }
}

/// A permission the extractor [`Allowed`] checks: one marker type per [`Action`] the server
/// checks (`RunSessions` is the client's: the server's side of it is `SyncSessions`).
pub trait Permission {
    const ACTION: Action;
}

/// The caller, logged in (else 401) and allowed by the permission table to do `P` (else 403
/// `forbidden`). As an extractor it comes first in a handler's arguments, so the answer to
/// whoever may not do the action is 401 or 403 before the path, query or body is read.
pub struct Allowed<P: Permission, C: Caller = AuthUser> {
    pub caller: C,
    permission: PhantomData<P>,
}

impl<P: Permission, C: Caller> std::ops::Deref for Allowed<P, C> {
    type Target = C;

    fn deref(&self) -> &C {
        &self.caller
    }
}

impl<P: Permission, C: Caller + Send> FromRequestParts<AppState> for Allowed<P, C> {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = C::from_request_parts(parts, state).await?;
        require(caller.role(), P::ACTION)?;
        Ok(Allowed {
            caller,
            permission: PhantomData,
        })
    }
}

/// 403 `forbidden` unless `role` may do `action` (`Role::can`, the one table).
pub fn require(role: Role, action: Action) -> AppResult<()> {
    if role.can(action) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "the {} role may not {}",
            role.code(),
            action.what()
        )))
    }
}

/// The markers of [`Allowed`], named as the actions of the permission table.
pub mod can {
    use super::{Action, Permission};

    macro_rules! permissions {
        ($($name:ident),* $(,)?) => {$(
            #[doc = concat!("[`Action::", stringify!($name), "`]")]
            pub struct $name;
            impl Permission for $name {
                const ACTION: Action = Action::$name;
            }
        )*};
    }

    permissions!(
        SyncSessions,
        ReadSessions,
        ReadQuarantine,
        ReadProposals,
        ReadNeeds,
        Consolidate,
        ReadProgramme,
        EditProgramme,
        ImportProgramme,
        ReadAudit,
        ManageDevices,
        ManageUsers,
        ManageTerritory,
        UploadPhotos,
        ReadPhotos,
        ManagePhotos,
        Backup,
        ReadPriorities,
        EnterScores,
        EditCriteria,
        ApproveRanking,
        // The procedure (issue 14, proc).
        ReadProcedure,
        RecordProcedure,
    );

    // The council's bodies and opinions (issue 14).
    permissions!(ManageBodies, WriteOpinions, AnswerReservations);

    // Six years of follow-up (issue 15).
    permissions!(ReadExecution, RecordExecution);

    // The public pages (issue 16).
    permissions!(PublishProjects, SetLicence);
}

/// The raw body, within the route's body limit.
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Ok(RawBody(Bytes::from_request(req, state).await?))
    }
}
