//! Pieces several screens share: labels, dates, form fields, the top bar, the sync panel and
//! badges, icons, and sharing sessions by file or code.

mod chrome;
mod dates;
mod fields;
mod icons;
mod labels;
pub mod share;
mod sync;

pub use chrome::*;
pub use dates::*;
pub use fields::*;
pub use icons::*;
pub use labels::*;
pub use sync::*;
