//! One module per screen.

pub mod home;
pub mod login;
pub mod new_session;
pub mod office;
pub mod session;
