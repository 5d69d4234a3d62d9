//! Answer sheets (答题卡): printable layouts (PDF), reading scans and phone photos into marks with
//! confidences, and reading sheets described by OMRChecker's `template.json`.
//!
//! This crate is pure: it reads no files, opens no sockets and reads no clock. Callers hand over
//! image bytes and get readings back; PDFs and crops are returned as bytes.

pub mod classify;
mod error;
pub mod font;
pub mod geometry;
pub mod imagepdf;
pub mod imaging;
pub mod layout;
pub mod locate;
pub mod pdf;
pub mod pdfscan;
pub mod reading;
pub mod render;
pub mod sheetread;
pub mod synth;
pub mod template;

pub use classify::{ClassifyConfig, MarkState, SheetLevels};
pub use error::OmrError;
pub use reading::{BubbleReading, FieldReading, FieldValue};
pub use template::{Template, TemplateReader, TemplateReading};
