//! The language of the platform: the org tree, people, curriculum and activity records, as plain values.
//!
//! This crate does no I/O, reads no clock and depends on no other workspace crate. Everything that
//! persists, serves or imports these values lives in the crates above it (see `docs/ARCHITECTURE.md`).

pub mod access;
pub mod activity;
pub mod curriculum;
pub mod error;
pub mod grading;
pub mod homework;
pub mod identity;
pub mod items;
pub mod neardup;
pub mod org;
pub mod people;
pub mod privacy;
pub mod resources;
pub mod roster;
pub mod workload;

pub use activity::{ActivityRecord, ActorRef, ObjectRef};
pub use curriculum::{
    Curriculum, CurriculumNode, KnowledgePoint, NodeKind, Stage, Subject, TextbookEdition, TextbookVolume,
};
pub use error::DomainError;
pub use org::{Class, GroupKind, Locality, Region, RegionLevel, School, SchoolGroup, SchoolKind, SchoolYear};
pub use people::{Gender, GrowthTier, Guardian, GuardianLink, Relation, Student, Teacher, TeachingAssignment};
pub use roster::Roster;
