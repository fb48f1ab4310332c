//! The periodic progress report (báo cáo tình hình thực hiện) an agency writes every quarter:
//! `facts` gathers what tiendo holds for a unit and a period from the day's snapshot, and
//! `docx` writes it as a Word document in the administrative layout of Decree 30/2020/NĐ-CP,
//! every sentence worded from those facts in the reader's language and the parts only a person
//! can write left as marked placeholders.

pub mod charts;
pub mod docx;
pub mod facts;
mod picture;

pub use docx::{write, ReportError};
pub use facts::{gather, FeedbackCounts, ReportFacts, Scope};
