//! Every text a tiendo user reads, in Vietnamese (the default) and English.
//!
//! The domain and the evaluation return facts with stable codes; this crate chooses the words
//! when they are shown, so a page, an e-mail and the command line say the same thing in the
//! reader's language, and nothing stores a rendered sentence.

mod facts;
pub mod i18n;

pub use facts::*;
pub use i18n::Lang;
