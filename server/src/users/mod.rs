//! Users and their logins: passwords and tokens ([`auth`]), the devices each login is
//! ([`devices`]), the failed-login waits ([`login_limit`]), the people the administrator manages
//! ([`people`]) and the audit log's read ([`audit`]).

pub mod audit;
pub mod auth;
pub mod devices;
pub mod login_limit;
pub mod people;
