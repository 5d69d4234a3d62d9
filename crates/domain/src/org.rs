//! The org tree: regions, schools, school groups, school years and classes.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::curriculum::Stage;

/// Declares a closed enumeration with a stable storage code and Chinese and English labels.
///
/// The code is what databases, CSV files and URLs carry; it never changes once released.
macro_rules! coded_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident => $code:literal, $zh:literal, $en:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "&'static str")]
        pub enum $name { $($(#[$vmeta])* $variant,)+ }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stable code stored in databases and files.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            /// The Chinese label shown to people.
            pub fn label_zh(self) -> &'static str {
                match self { $($name::$variant => $zh,)+ }
            }

            /// The English label shown to people.
            pub fn label_en(self) -> &'static str {
                match self { $($name::$variant => $en,)+ }
            }

            /// Parses a stable code (or, for convenience on import, a Chinese or English label).
            pub fn parse(value: &str) -> Result<Self, $crate::DomainError> {
                let value = value.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.code() == value || v.label_zh() == value || v.label_en().eq_ignore_ascii_case(value))
                    .ok_or_else(|| $crate::DomainError::UnknownCode { what: $what, value: value.to_owned() })
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::DomainError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for &'static str {
            fn from(value: $name) -> Self {
                value.code()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}
pub(crate) use coded_enum;

coded_enum!(
    /// The level of a region in the administrative tree.
    RegionLevel, "region level" {
        Province => "province", "省", "Province";
        City => "city", "市", "City";
        District => "district", "区县", "District/County";
    }
);

/// An administrative region: province › city › district/county.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    pub id: String,
    pub parent_id: Option<String>,
    /// 行政区划代码 (GB/T 2260), six digits.
    pub code: String,
    pub name: String,
    pub level: RegionLevel,
}

coded_enum!(
    /// What stages a school offers.
    SchoolKind, "school kind" {
        Primary => "primary", "小学", "Primary school";
        Junior => "junior", "初中", "Junior secondary school";
        Senior => "senior", "高中", "Senior secondary school";
        NineYear => "nine_year", "九年一贯制学校", "Nine-year school";
        Complete => "complete", "完全中学", "Complete secondary school";
    }
);

impl SchoolKind {
    /// The stages this kind of school teaches.
    pub fn stages(self) -> &'static [Stage] {
        match self {
            SchoolKind::Primary => &[Stage::Primary],
            SchoolKind::Junior => &[Stage::Junior],
            SchoolKind::Senior => &[Stage::Senior],
            SchoolKind::NineYear => &[Stage::Primary, Stage::Junior],
            SchoolKind::Complete => &[Stage::Junior, Stage::Senior],
        }
    }

    /// The grades (1–12) this kind of school teaches.
    pub fn grades(self) -> impl Iterator<Item = u8> {
        self.stages().iter().flat_map(|s| s.grades())
    }
}

coded_enum!(
    /// Where a school is, in the national statistics' urban–rural classification.
    Locality, "locality" {
        Urban => "urban", "城区", "Urban";
        Town => "town", "镇区", "Town";
        Rural => "rural", "乡村", "Rural";
    }
);

/// A school, or a teaching point (教学点) attached to a central school.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct School {
    pub id: String,
    pub region_id: String,
    /// 学校标识码, ten digits.
    pub code: String,
    pub name: String,
    pub kind: SchoolKind,
    pub locality: Locality,
    /// Set for a 教学点: the central school (中心校) that manages it.
    pub central_school_id: Option<String>,
}

impl School {
    /// A 教学点 is a school attached to a central school.
    pub fn is_teaching_point(&self) -> bool {
        self.central_school_id.is_some()
    }
}

coded_enum!(
    /// How schools are grouped.
    GroupKind, "school group kind" {
        EducationGroup => "education_group", "集团化办学", "Education group";
        NetworkAlliance => "network_alliance", "网络联盟校", "Network alliance";
    }
);

/// A school group (教育集团) or alliance (网络联盟校): a lead school and its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchoolGroup {
    pub id: String,
    pub name: String,
    pub kind: GroupKind,
    pub lead_school_id: String,
    /// Member schools, not including the lead school.
    pub member_school_ids: Vec<String>,
}

/// A school year (学年), e.g. 2026–2027 from September to July.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchoolYear {
    pub id: String,
    pub name: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
}

/// A class (班级) of one grade in one school for one school year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Class {
    pub id: String,
    pub school_id: String,
    pub school_year_id: String,
    /// Grade 1–12 (一年级 … 高三).
    pub grade: u8,
    /// The display name, e.g. `七年级(3)班`.
    pub name: String,
    /// The 班主任.
    pub head_teacher_id: Option<String>,
}

/// The Chinese name of a grade 1–12, e.g. `七年级`, `高一`.
pub fn grade_label_zh(grade: u8) -> &'static str {
    const LABELS: [&str; 12] = [
        "一年级",
        "二年级",
        "三年级",
        "四年级",
        "五年级",
        "六年级",
        "七年级",
        "八年级",
        "九年级",
        "高一",
        "高二",
        "高三",
    ];
    LABELS.get(usize::from(grade).wrapping_sub(1)).copied().unwrap_or("?")
}

/// The English name of a grade 1–12, e.g. `Grade 7`.
pub fn grade_label_en(grade: u8) -> String {
    format!("Grade {grade}")
}
