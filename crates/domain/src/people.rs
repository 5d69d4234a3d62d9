//! People: teachers, students, guardians, and who teaches what to which class.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{DomainError, curriculum::Subject, org::coded_enum};

coded_enum!(
    /// Gender as recorded in the student register.
    Gender, "gender" {
        Male => "male", "男", "Male";
        Female => "female", "女", "Female";
    }
);

coded_enum!(
    /// A teacher's growth tier (教师成长梯队).
    GrowthTier, "growth tier" {
        Novice => "novice", "新入职教师", "New teacher";
        RisingStar => "rising_star", "教坛新秀", "Rising star";
        Backbone => "backbone", "骨干教师", "Backbone teacher";
        Excellent => "excellent", "卓越教师", "Excellent teacher";
        Educator => "educator", "教育家型教师", "Educator";
    }
);

coded_enum!(
    /// How a guardian is related to a student.
    Relation, "guardian relation" {
        Father => "father", "父亲", "Father";
        Mother => "mother", "母亲", "Mother";
        Grandparent => "grandparent", "祖辈", "Grandparent";
        Other => "other", "其他监护人", "Other guardian";
    }
);

/// A teacher, employed by one school.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Teacher {
    pub id: String,
    pub school_id: String,
    pub name: String,
    pub gender: Gender,
    /// 居民身份证号. Stored in full; shown masked (see [`crate::privacy`]).
    pub id_number: Option<String>,
    /// Mobile number. Stored in full; shown masked.
    pub phone: Option<String>,
    pub tier: GrowthTier,
    /// Subjects the teacher is qualified for, main subject first.
    pub subjects: Vec<Subject>,
}

/// A student, enrolled in one class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Student {
    pub id: String,
    pub school_id: String,
    pub class_id: String,
    pub name: String,
    pub gender: Gender,
    /// 学籍号 or school student number.
    pub student_number: String,
    /// 居民身份证号. Stored in full; shown masked.
    pub id_number: Option<String>,
    pub birth_date: Option<NaiveDate>,
}

/// A guardian's link to one student.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardianLink {
    pub student_id: String,
    pub relation: Relation,
}

/// A parent or other guardian of one or more students.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guardian {
    pub id: String,
    pub name: String,
    /// Mobile number. Stored in full; shown masked.
    pub phone: Option<String>,
    pub students: Vec<GuardianLink>,
}

/// A teacher teaching one subject to one class (任课).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TeachingAssignment {
    pub teacher_id: String,
    pub class_id: String,
    pub subject: Subject,
}

/// Checks a mainland resident identity number (GB 11643-1999): 17 digits and a check character.
pub fn validate_id_number(value: &str) -> Result<(), DomainError> {
    let invalid = |reason: &str| DomainError::Invalid {
        what: "identity number",
        id: crate::privacy::mask_id_number(value),
        reason: reason.to_owned(),
    };
    let bytes = value.as_bytes();
    if bytes.len() != 18 || !bytes[..17].iter().all(u8::is_ascii_digit) {
        return Err(invalid("must be 17 digits and a check character"));
    }
    if id_number_check_char(&value[..17]) != Some(char::from(bytes[17]).to_ascii_uppercase()) {
        return Err(invalid("check character does not match"));
    }
    Ok(())
}

/// The GB 11643 check character for the first 17 digits of an identity number.
pub fn id_number_check_char(first17: &str) -> Option<char> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (c, w) in first17.chars().zip(WEIGHTS) {
        sum += c.to_digit(10)? * w;
    }
    CHECK.get((sum % 11) as usize).copied()
}
