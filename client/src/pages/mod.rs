//! One module per screen.

pub mod home;
pub mod login;
pub mod new_session;
#[cfg(feature = "office")]
pub mod office;
pub mod scan;
pub mod session;
pub mod setup;
