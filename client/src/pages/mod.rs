//! One module per screen.

pub mod home;
pub mod login;
pub mod new_session;
#[cfg(feature = "office")]
pub mod office;
pub mod scan;
pub mod session;

use tachkhis_shared::api::Role;

/// The roles that work on the design office's screens (committees read them).
pub fn is_office_role(role: Role) -> bool {
    matches!(role, Role::Office | Role::Admin | Role::Committee)
}
