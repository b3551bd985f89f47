//! Users and their logins: passwords and tokens ([`auth`]), the devices each login is
//! ([`devices`]), and the failed-login waits ([`login_limit`]).

pub mod auth;
pub mod devices;
pub mod login_limit;
