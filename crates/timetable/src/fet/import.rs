//! Reads FET's `.fet` XML into a [`Problem`]. See [`SUPPORTED_CONSTRAINTS`] for what is understood;
//! anything else is refused by name (or, if every such constraint is soft and the caller allows
//! it, skipped and listed).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::xml::{self, Element};
use crate::error::{Result, TimetableError};
use crate::model::{
    Activity, ChangeLimit, Constraint, FULL_WEIGHT, Kind, Problem, Resource, Room, Rule, Slot, StudentSet,
};

/// FET constraint elements this importer understands, with what each means here.
pub const SUPPORTED_CONSTRAINTS: &[(&str, &str)] = &[
    ("ConstraintBasicCompulsoryTime", "no teacher or student group has two lessons at once (always on)"),
    ("ConstraintBasicCompulsorySpace", "no room holds two lessons at once, rooms hold their students (always on)"),
    ("ConstraintBreakTimes", "no lesson during the breaks"),
    ("ConstraintTeacherNotAvailableTimes", "a teacher's unavailable periods"),
    ("ConstraintStudentsSetNotAvailableTimes", "a students set's unavailable periods"),
    ("ConstraintRoomNotAvailableTimes", "a room's unavailable periods"),
    ("ConstraintActivityPreferredStartingTime", "fixed (or day-only / hour-only) start of one activity"),
    ("ConstraintActivityPreferredStartingTimes", "allowed starts of one activity"),
    (
        "ConstraintActivitiesPreferredStartingTimes",
        "allowed starts of the activities matching teacher/students/subject/tag",
    ),
    ("ConstraintSubactivitiesPreferredStartingTimes", "allowed starts of the n-th part of matching split activities"),
    ("ConstraintActivityPreferredTimeSlots", "allowed periods of one activity"),
    ("ConstraintActivitiesPreferredTimeSlots", "allowed periods of matching activities"),
    ("ConstraintSubactivitiesPreferredTimeSlots", "allowed periods of the n-th part of matching split activities"),
    ("ConstraintMinDaysBetweenActivities", "minimum days between activities (consecutive if on the same day)"),
    ("ConstraintActivitiesSameStartingTime", "activities start together"),
    ("ConstraintActivitiesSameStartingDay", "activities on the same day"),
    ("ConstraintActivitiesSameStartingHour", "activities at the same period"),
    ("ConstraintActivitiesNotOverlapping", "activities never overlap"),
    ("ConstraintTwoActivitiesConsecutive", "second right after the first (only breaks between)"),
    ("ConstraintTwoActivitiesGrouped", "two activities back to back, any order (only breaks between)"),
    ("ConstraintThreeActivitiesGrouped", "three activities back to back, any order (only breaks between)"),
    ("ConstraintTwoActivitiesOrdered", "first before second in the week"),
    ("ConstraintMinGapsBetweenActivities", "minimum free periods between activities on one day"),
    ("ConstraintActivityEndsStudentsDay", "activity is the students' last of the day"),
    ("ConstraintActivitiesEndStudentsDay", "matching activities are the students' last of the day"),
    (
        "ConstraintActivitiesMaxSimultaneousInSelectedTimeSlots",
        "at most n of the activities at once in selected periods",
    ),
    ("ConstraintActivitiesOccupyMaxTimeSlotsFromSelection", "activities use at most n of the selected periods"),
    ("ConstraintTeacherMaxHoursDaily", "teacher: max hours a day"),
    ("ConstraintTeachersMaxHoursDaily", "all teachers: max hours a day"),
    ("ConstraintTeacherMinHoursDaily", "teacher: min hours a day"),
    ("ConstraintTeachersMinHoursDaily", "all teachers: min hours a day"),
    ("ConstraintTeacherMaxGapsPerWeek", "teacher: max gaps a week"),
    ("ConstraintTeachersMaxGapsPerWeek", "all teachers: max gaps a week"),
    ("ConstraintTeacherMaxGapsPerDay", "teacher: max gaps a day"),
    ("ConstraintTeachersMaxGapsPerDay", "all teachers: max gaps a day"),
    ("ConstraintTeacherMaxHoursContinuously", "teacher: max hours in a row"),
    ("ConstraintTeachersMaxHoursContinuously", "all teachers: max hours in a row"),
    ("ConstraintTeacherMaxDaysPerWeek", "teacher: max working days"),
    ("ConstraintTeachersMaxDaysPerWeek", "all teachers: max working days"),
    ("ConstraintTeacherMinDaysPerWeek", "teacher: min working days"),
    ("ConstraintTeachersMinDaysPerWeek", "all teachers: min working days"),
    ("ConstraintTeacherIntervalMaxDaysPerWeek", "teacher: max days with lessons in an interval of the day"),
    ("ConstraintTeachersIntervalMaxDaysPerWeek", "all teachers: max days with lessons in an interval"),
    ("ConstraintStudentsMaxHoursDaily", "all students: max hours a day"),
    ("ConstraintStudentsSetMaxHoursDaily", "students set: max hours a day"),
    ("ConstraintStudentsMinHoursDaily", "all students: min hours a day"),
    ("ConstraintStudentsSetMinHoursDaily", "students set: min hours a day"),
    ("ConstraintStudentsMaxGapsPerWeek", "all students: max gaps a week"),
    ("ConstraintStudentsSetMaxGapsPerWeek", "students set: max gaps a week"),
    ("ConstraintStudentsMaxGapsPerDay", "all students: max gaps a day"),
    ("ConstraintStudentsSetMaxGapsPerDay", "students set: max gaps a day"),
    ("ConstraintStudentsEarlyMaxBeginningsAtSecondHour", "all students: start at the first period"),
    ("ConstraintStudentsSetEarlyMaxBeginningsAtSecondHour", "students set: start at the first period"),
    ("ConstraintStudentsMaxHoursContinuously", "all students: max hours in a row"),
    ("ConstraintStudentsSetMaxHoursContinuously", "students set: max hours in a row"),
    ("ConstraintStudentsIntervalMaxDaysPerWeek", "all students: max days with lessons in an interval"),
    ("ConstraintStudentsSetIntervalMaxDaysPerWeek", "students set: max days with lessons in an interval"),
    ("ConstraintActivitiesMaxInATerm", "terms mode: at most n of the activities in each term"),
    ("ConstraintActivitiesOccupyMaxTerms", "terms mode: the activities fall in at most n terms"),
    ("ConstraintTeacherActivityTagMaxHoursDaily", "teacher: max hours a day of lessons with a tag"),
    ("ConstraintTeachersActivityTagMaxHoursDaily", "all teachers: max hours a day of lessons with a tag"),
    ("ConstraintStudentsActivityTagMaxHoursDaily", "all students: max hours a day of lessons with a tag"),
    ("ConstraintStudentsSetActivityTagMaxHoursDaily", "students set: max hours a day of lessons with a tag"),
    ("ConstraintTeacherActivityTagMaxHoursContinuously", "teacher: max hours in a row of lessons with a tag"),
    ("ConstraintTeachersActivityTagMaxHoursContinuously", "all teachers: max hours in a row of lessons with a tag"),
    ("ConstraintStudentsActivityTagMaxHoursContinuously", "all students: max hours in a row of lessons with a tag"),
    ("ConstraintStudentsSetActivityTagMaxHoursContinuously", "students set: max hours in a row of lessons with a tag"),
    ("ConstraintStudentsMaxSpanPerDay", "all students: max periods from first to last lesson of a day"),
    ("ConstraintStudentsSetMaxSpanPerDay", "students set: max periods from first to last lesson of a day"),
    ("ConstraintTeacherMaxSpanPerDay", "teacher: max periods from first to last lesson of a day"),
    ("ConstraintTeachersMaxSpanPerDay", "all teachers: max periods from first to last lesson of a day"),
    (
        "ConstraintTeacherMinRestingHours",
        "teacher: min free periods from one day's last lesson to the next day's first",
    ),
    ("ConstraintTeachersMinRestingHours", "all teachers: min free periods between days"),
    ("ConstraintStudentsMinRestingHours", "all students: min free periods between days"),
    ("ConstraintStudentsSetMinRestingHours", "students set: min free periods between days"),
    ("ConstraintTwoActivitiesOrderedIfSameDay", "on the same day, first before second"),
    ("ConstraintMaxDaysBetweenActivities", "at most n days between any two of the activities"),
    (
        "ConstraintActivitiesMinSimultaneousInSelectedTimeSlots",
        "at least n of the activities at once in selected periods (or none, if allowed)",
    ),
    (
        "ConstraintMaxTotalActivitiesFromSetInSelectedTimeSlots",
        "at most n of the activities touch the selected periods",
    ),
    ("ConstraintActivitiesOccupyMinTimeSlotsFromSelection", "activities use at least n of the selected periods"),
    ("ConstraintActivityTagsNotOverlapping", "lessons with different tags of the list never overlap"),
    (
        "ConstraintStudentsMinGapsBetweenOrderedPairOfActivityTags",
        "all students: min free periods from a lesson with one tag to a later one with another",
    ),
    (
        "ConstraintStudentsSetMinGapsBetweenOrderedPairOfActivityTags",
        "students set: min free periods from a lesson with one tag to a later one with another",
    ),
    (
        "ConstraintTeacherMinGapsBetweenOrderedPairOfActivityTags",
        "teacher: min free periods from a lesson with one tag to a later one with another",
    ),
    (
        "ConstraintTeachersMinGapsBetweenOrderedPairOfActivityTags",
        "all teachers: min free periods from a lesson with one tag to a later one with another",
    ),
    ("ConstraintTeacherMaxHoursDailyRealDays", "mornings-afternoons: teacher: max hours a real day"),
    ("ConstraintTeachersMaxHoursDailyRealDays", "mornings-afternoons: all teachers: max hours a real day"),
    ("ConstraintStudentsMaxHoursDailyRealDays", "mornings-afternoons: all students: max hours a real day"),
    ("ConstraintStudentsSetMaxHoursDailyRealDays", "mornings-afternoons: students set: max hours a real day"),
    ("ConstraintTeacherMinHoursDailyRealDays", "mornings-afternoons: teacher: min hours a real day"),
    ("ConstraintTeachersMinHoursDailyRealDays", "mornings-afternoons: all teachers: min hours a real day"),
    (
        "ConstraintTeacherMaxGapsPerRealDay",
        "mornings-afternoons: teacher: max gaps a real day (morning end to afternoon start counts)",
    ),
    ("ConstraintTeachersMaxGapsPerRealDay", "mornings-afternoons: all teachers: max gaps a real day"),
    ("ConstraintStudentsMaxGapsPerRealDay", "mornings-afternoons: all students: max gaps a real day"),
    ("ConstraintStudentsSetMaxGapsPerRealDay", "mornings-afternoons: students set: max gaps a real day"),
    ("ConstraintTeacherMaxRealDaysPerWeek", "mornings-afternoons: teacher: max real days with lessons"),
    ("ConstraintTeachersMaxRealDaysPerWeek", "mornings-afternoons: all teachers: max real days with lessons"),
    ("ConstraintStudentsMaxRealDaysPerWeek", "mornings-afternoons: all students: max real days with lessons"),
    ("ConstraintStudentsSetMaxRealDaysPerWeek", "mornings-afternoons: students set: max real days with lessons"),
    ("ConstraintTeacherMinRealDaysPerWeek", "mornings-afternoons: teacher: min real days with lessons"),
    ("ConstraintTeachersMinRealDaysPerWeek", "mornings-afternoons: all teachers: min real days with lessons"),
    ("ConstraintTeacherMaxMorningsPerWeek", "mornings-afternoons: teacher: max mornings with lessons"),
    ("ConstraintTeachersMaxMorningsPerWeek", "mornings-afternoons: all teachers: max mornings with lessons"),
    ("ConstraintStudentsMaxMorningsPerWeek", "mornings-afternoons: all students: max mornings with lessons"),
    ("ConstraintStudentsSetMaxMorningsPerWeek", "mornings-afternoons: students set: max mornings with lessons"),
    ("ConstraintTeacherMaxAfternoonsPerWeek", "mornings-afternoons: teacher: max afternoons with lessons"),
    ("ConstraintTeachersMaxAfternoonsPerWeek", "mornings-afternoons: all teachers: max afternoons with lessons"),
    ("ConstraintStudentsMaxAfternoonsPerWeek", "mornings-afternoons: all students: max afternoons with lessons"),
    ("ConstraintStudentsSetMaxAfternoonsPerWeek", "mornings-afternoons: students set: max afternoons with lessons"),
    ("ConstraintTeacherMinHoursPerMorning", "mornings-afternoons: teacher: min hours a morning"),
    ("ConstraintTeachersMinHoursPerMorning", "mornings-afternoons: all teachers: min hours a morning"),
    ("ConstraintStudentsMinHoursPerMorning", "mornings-afternoons: all students: min hours a morning"),
    ("ConstraintStudentsSetMinHoursPerMorning", "mornings-afternoons: students set: min hours a morning"),
    ("ConstraintTeacherMaxZeroGapsPerAfternoon", "mornings-afternoons: teacher: no gaps in the afternoons"),
    ("ConstraintTeachersMaxZeroGapsPerAfternoon", "mornings-afternoons: all teachers: no gaps in the afternoons"),
    (
        "ConstraintTeacherMinRestingHoursBetweenMorningAndAfternoon",
        "mornings-afternoons: teacher: min free periods between morning and afternoon lessons of a day",
    ),
    (
        "ConstraintTeachersMinRestingHoursBetweenMorningAndAfternoon",
        "mornings-afternoons: all teachers: min free periods between morning and afternoon",
    ),
    (
        "ConstraintStudentsMinRestingHoursBetweenMorningAndAfternoon",
        "mornings-afternoons: all students: min free periods between morning and afternoon",
    ),
    (
        "ConstraintStudentsSetMinRestingHoursBetweenMorningAndAfternoon",
        "mornings-afternoons: students set: min free periods between morning and afternoon",
    ),
    ("ConstraintTeacherMaxThreeConsecutiveDays", "mornings-afternoons: teacher: never four half days in a row"),
    ("ConstraintTeachersMaxThreeConsecutiveDays", "mornings-afternoons: all teachers: never four half days in a row"),
    ("ConstraintStudentsMaxThreeConsecutiveDays", "mornings-afternoons: all students: never four half days in a row"),
    (
        "ConstraintStudentsSetMaxThreeConsecutiveDays",
        "mornings-afternoons: students set: never four half days in a row",
    ),
    (
        "ConstraintTeacherAfternoonsEarlyMaxBeginningsAtSecondHour",
        "mornings-afternoons: teacher: afternoons start at the first period",
    ),
    (
        "ConstraintTeachersAfternoonsEarlyMaxBeginningsAtSecondHour",
        "mornings-afternoons: all teachers: afternoons start at the first period",
    ),
    (
        "ConstraintStudentsAfternoonsEarlyMaxBeginningsAtSecondHour",
        "mornings-afternoons: all students: afternoons start at the first period",
    ),
    (
        "ConstraintStudentsSetAfternoonsEarlyMaxBeginningsAtSecondHour",
        "mornings-afternoons: students set: afternoons start at the first period",
    ),
    (
        "ConstraintTeacherActivityTagMaxHoursDailyRealDays",
        "mornings-afternoons: teacher: max hours a real day with a tag",
    ),
    (
        "ConstraintTeachersActivityTagMaxHoursDailyRealDays",
        "mornings-afternoons: all teachers: max hours a real day with a tag",
    ),
    (
        "ConstraintStudentsActivityTagMaxHoursDailyRealDays",
        "mornings-afternoons: all students: max hours a real day with a tag",
    ),
    (
        "ConstraintStudentsSetActivityTagMaxHoursDailyRealDays",
        "mornings-afternoons: students set: max hours a real day with a tag",
    ),
    (
        "ConstraintTeacherMaxTwoActivityTagsPerDayFromN1N2N3",
        "mornings-afternoons: teacher: lessons of at most two of the tags N1, N2, N3 a (half) day",
    ),
    (
        "ConstraintTeachersMaxTwoActivityTagsPerDayFromN1N2N3",
        "mornings-afternoons: all teachers: at most two of the tags N1, N2, N3 a (half) day",
    ),
    ("ConstraintActivityPreferredRoom", "room of one activity"),
    ("ConstraintActivityPreferredRooms", "allowed rooms of one activity"),
    ("ConstraintSubjectPreferredRoom", "room of a subject"),
    ("ConstraintSubjectPreferredRooms", "allowed rooms of a subject"),
    ("ConstraintSubjectActivityTagPreferredRoom", "room of a subject with a tag"),
    ("ConstraintSubjectActivityTagPreferredRooms", "allowed rooms of a subject with a tag"),
    ("ConstraintActivityTagPreferredRoom", "room of a tag"),
    ("ConstraintActivityTagPreferredRooms", "allowed rooms of a tag"),
    (
        "ConstraintStudentsSetHomeRoom",
        "home room of a students set (for its activities without another preferred room)",
    ),
    ("ConstraintStudentsSetHomeRooms", "home rooms of a students set (idem)"),
    ("ConstraintTeacherHomeRoom", "home room of a teacher (for their activities without another preferred room)"),
    ("ConstraintTeacherHomeRooms", "home rooms of a teacher (idem)"),
    ("ConstraintTeacherMaxBuildingChangesPerDay", "teacher: max building changes a day"),
    ("ConstraintTeacherMaxBuildingChangesPerWeek", "teacher: max building changes a week"),
    ("ConstraintTeacherMinGapsBetweenBuildingChanges", "teacher: min free periods before a building change"),
    ("ConstraintTeacherMaxRoomChangesPerDay", "teacher: max room changes a day"),
    ("ConstraintTeacherMaxRoomChangesPerWeek", "teacher: max room changes a week"),
    ("ConstraintTeacherMinGapsBetweenRoomChanges", "teacher: min free periods before a room change"),
    ("ConstraintTeachersMaxBuildingChangesPerDay", "all teachers: max building changes a day"),
    ("ConstraintTeachersMaxBuildingChangesPerWeek", "all teachers: max building changes a week"),
    ("ConstraintTeachersMinGapsBetweenBuildingChanges", "all teachers: min free periods before a building change"),
    ("ConstraintTeachersMaxRoomChangesPerDay", "all teachers: max room changes a day"),
    ("ConstraintTeachersMaxRoomChangesPerWeek", "all teachers: max room changes a week"),
    ("ConstraintTeachersMinGapsBetweenRoomChanges", "all teachers: min free periods before a room change"),
    ("ConstraintStudentsSetMaxBuildingChangesPerDay", "students set: max building changes a day"),
    ("ConstraintStudentsSetMaxBuildingChangesPerWeek", "students set: max building changes a week"),
    ("ConstraintStudentsSetMinGapsBetweenBuildingChanges", "students set: min free periods before a building change"),
    ("ConstraintStudentsSetMaxRoomChangesPerDay", "students set: max room changes a day"),
    ("ConstraintStudentsSetMaxRoomChangesPerWeek", "students set: max room changes a week"),
    ("ConstraintStudentsSetMinGapsBetweenRoomChanges", "students set: min free periods before a room change"),
    ("ConstraintStudentsMaxBuildingChangesPerDay", "all students: max building changes a day"),
    ("ConstraintStudentsMaxBuildingChangesPerWeek", "all students: max building changes a week"),
    ("ConstraintStudentsMinGapsBetweenBuildingChanges", "all students: min free periods before a building change"),
    ("ConstraintStudentsMaxRoomChangesPerDay", "all students: max room changes a day"),
    ("ConstraintStudentsMaxRoomChangesPerWeek", "all students: max room changes a week"),
    ("ConstraintStudentsMinGapsBetweenRoomChanges", "all students: min free periods before a room change"),
    ("ConstraintActivitiesOccupyMaxDifferentRooms", "activities use at most n different rooms"),
    ("ConstraintActivitiesSameRoomIfConsecutive", "activities right after one another share their room"),
];

/// How to treat constraints this importer does not implement.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Skip unsupported constraints when all of them are soft (they are listed in [`FetImport::ignored`]).
    pub ignore_unsupported_soft: bool,
}

/// The result of reading a FET file.
#[derive(Debug, Clone)]
pub struct FetImport {
    /// The problem.
    pub problem: Problem,
    /// Unsupported soft constraint types that were skipped, with how many of each.
    pub ignored: Vec<(String, usize)>,
    /// The number of inactive activities and constraints left out, as FET does.
    pub inactive: usize,
}

/// Reads a FET document.
pub fn import(src: &str, opts: ImportOptions) -> Result<FetImport> {
    let root = xml::parse(src)?;
    if root.name != "fet" {
        return Err(bad(root.line, format!("root element is <{}>, expected <fet>", root.name)));
    }
    let mut unsupported_hard: BTreeSet<String> = BTreeSet::new();
    let mut unsupported_soft: BTreeMap<String, usize> = BTreeMap::new();
    let mut terms_mode = false;
    // FET's block-planning mode: "days" are teachers or rooms and periods are blocks; the only
    // difference for verdicts is that a students set is in one block at a time on every "day".
    let mut block_planning = false;
    let mut half_days: Option<HalfDayFormat> = None;
    if let Some(mode) = root.text_of("Mode").map(str::trim)
        && !mode.is_empty()
        && mode != "Official"
    {
        match mode {
            "Terms" => terms_mode = true,
            "Block_Planning" => block_planning = true,
            "Mornings_Afternoons" => half_days = Some(HalfDayFormat::Fet6),
            _ => {
                unsupported_hard.insert(format!("mode {mode}"));
            }
        }
    }
    // FET 5 special builds stored other modes in the version string; FET 6 reads them in those modes.
    if let Some(v) = fet_version(src) {
        let suffix = v.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.').trim_start_matches('-');
        if suffix.starts_with("algeria") {
            half_days = Some(HalfDayFormat::Fet5Algeria);
        } else if suffix.starts_with("morocco") {
            half_days = Some(HalfDayFormat::Fet5Morocco);
        } else if suffix.starts_with("ma") && !suffix.starts_with("mathmake") {
            half_days = Some(HalfDayFormat::Fet5);
        } else if suffix.starts_with("bp") {
            block_planning = true;
        } else {
            // FET 6 reads FET 5's "-mathmake" (and "-terms") builds in terms mode.
            terms_mode |= suffix.starts_with("terms") || v.contains("-mathmake");
        }
    }
    let mut b = Builder::default();
    b.problem.name = root.text_of("Institution_Name").unwrap_or_default().to_string();
    b.read_days_hours(&root)?;
    if terms_mode {
        b.read_terms(&root)?;
    }
    b.read_names(&root)?;
    if let Some(format) = half_days {
        b.read_mornings_afternoons(&root, format)?;
    }
    b.read_students(&root)?;
    b.read_rooms(&root, &mut unsupported_hard)?;
    b.read_activities(&root)?;

    let supported: HashMap<&str, ()> = SUPPORTED_CONSTRAINTS.iter().map(|(n, _)| (*n, ())).collect();
    let mut inactive = b.inactive_activities;
    for list in ["Time_Constraints_List", "Space_Constraints_List"] {
        let Some(l) = root.child(list) else { continue };
        for c in &l.children {
            if !c.name.starts_with("Constraint") {
                continue;
            }
            if c.text_of("Active").map(str::trim) == Some("false") {
                inactive += 1;
                continue;
            }
            // FET 5 mornings-afternoons builds named some real-day constraints like the official
            // (half-day) ones; FET 6 renames them on reading, and so do we.
            let renamed;
            let c = match half_days.filter(|f| *f != HalfDayFormat::Fet6).and_then(|_| fet5_half_day_name(&c.name)) {
                Some(name) => {
                    renamed = Element { name, ..c.clone() };
                    &renamed
                }
                None => c,
            };
            let w = weight(c)?;
            if !supported.contains_key(c.name.as_str()) {
                if w >= 100.0 {
                    unsupported_hard.insert(c.name.clone());
                } else if w > 0.0 {
                    *unsupported_soft.entry(c.name.clone()).or_default() += 1;
                }
                continue;
            }
            if w <= 0.0 {
                continue;
            }
            b.constraint(c, w)?;
        }
    }
    b.apply_home_rooms();
    if block_planning {
        b.students_one_block_at_a_time();
    }
    if !unsupported_hard.is_empty() || (!unsupported_soft.is_empty() && !opts.ignore_unsupported_soft) {
        let soft_only = unsupported_hard.is_empty();
        let mut names: Vec<String> = unsupported_hard.into_iter().collect();
        names.extend(unsupported_soft.keys().cloned());
        names.sort();
        names.dedup();
        return Err(TimetableError::Unsupported { names, soft_only });
    }
    b.problem.validate()?;
    Ok(FetImport { problem: b.problem, ignored: unsupported_soft.into_iter().collect(), inactive })
}

/// The `version` attribute of the root `<fet>` element.
fn fet_version(src: &str) -> Option<&str> {
    let start = src.find("<fet")?;
    let tag = &src[start..start + src[start..].find('>')?];
    let v = &tag[tag.find("version=\"")? + 9..];
    Some(&v[..v.find('"')?])
}

/// Where a mornings-afternoons file comes from: it decides the constraint names and where each
/// teacher's mornings-afternoons behaviour is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HalfDayFormat {
    /// FET 6 `<Mode>Mornings_Afternoons</Mode>`: a behaviour per teacher.
    Fet6,
    /// FET 5 "-ma" builds: a behaviour per teacher, FET 5 constraint names.
    Fet5,
    /// FET 5 "-algeria" builds: every teacher unrestricted, FET 5 constraint names.
    Fet5Algeria,
    /// FET 5 "-morocco" builds: every teacher works mornings or afternoons exclusively except those
    /// in the one/two/three days exception lists; FET 5 constraint names.
    Fet5Morocco,
}

/// FET 6's name for a constraint element of a FET 5 mornings-afternoons file, when it differs
/// (checked against FET 6.8.5's conversion).
fn fet5_half_day_name(name: &str) -> Option<String> {
    let (who, stem) = ["ConstraintTeachers", "ConstraintTeacher", "ConstraintStudentsSet", "ConstraintStudents"]
        .iter()
        .find_map(|w| name.strip_prefix(w).map(|rest| (*w, rest)))?;
    let new = match stem {
        "MaxDaysPerWeek" => "MaxRealDaysPerWeek",
        "MinDaysPerWeek" => "MinRealDaysPerWeek",
        "MaxHoursDaily" => "MaxHoursDailyRealDays",
        "ActivityTagMaxHoursDaily" => "ActivityTagMaxHoursDailyRealDays",
        "MaxSpanPerDay" => "MaxSpanPerRealDay",
        "MaxHoursDailyHalfDays" => "MaxHoursDaily",
        _ => return None,
    };
    Some(format!("{who}{new}"))
}

fn bad(line: usize, message: String) -> TimetableError {
    TimetableError::BadInput { line, message }
}

/// Refuses a constraint that FET accepts only at 100 % (FET 6.8.5 will not generate otherwise).
fn only_at_full_weight(c: &Element, w: f64) -> Result<()> {
    if w < 100.0 {
        return Err(bad(c.line, format!("<{}>: FET accepts this constraint only at 100 % weight, not {w} %", c.name)));
    }
    Ok(())
}

fn weight(c: &Element) -> Result<f64> {
    let t = c.text_of("Weight_Percentage").map(str::trim).unwrap_or("100");
    let w: f64 =
        t.parse().map_err(|_| bad(c.line, format!("<{}>: Weight_Percentage \"{t}\" is not a number", c.name)))?;
    if !(0.0..=100.0).contains(&w) {
        return Err(bad(c.line, format!("<{}>: Weight_Percentage {w} is outside 0..100", c.name)));
    }
    Ok(w)
}

fn number<T: std::str::FromStr>(c: &Element, field: &str) -> Result<T> {
    let el = c.child(field).ok_or_else(|| bad(c.line, format!("<{}> has no <{field}>", c.name)))?;
    el.text
        .trim()
        .parse()
        .map_err(|_| bad(el.line, format!("<{}>: <{field}> \"{}\" is not a number", c.name, el.text.trim())))
}

fn flag(c: &Element, field: &str, default: bool) -> bool {
    match c.text_of(field).map(str::trim) {
        Some("true") | Some("1") => true,
        Some("false") | Some("0") => false,
        _ => default,
    }
}

#[derive(Default)]
struct Builder {
    problem: Problem,
    day_index: HashMap<String, usize>,
    hour_index: HashMap<String, usize>,
    teacher_index: HashMap<String, u32>,
    set_index: HashMap<String, u32>,
    room_index: HashMap<String, u32>,
    subjects: BTreeSet<String>,
    tags: BTreeSet<String>,
    /// FET activity id -> index; inactive ones are absent.
    act_index: HashMap<u32, u32>,
    inactive_ids: BTreeSet<u32>,
    inactive_activities: usize,
    /// 1-based position of each activity within its split group.
    component: Vec<u32>,
    /// Home-room constraints, applied at the end to the activities that have no other preferred room.
    home_rooms: Vec<Constraint>,
    /// Days per term in FET's terms mode (`None` in the official mode).
    days_per_term: Option<u16>,
}

/// Looks a name up exactly, then ignoring surrounding spaces (FET files are not always consistent).
fn find<T: Copy>(map: &HashMap<String, T>, name: &str) -> Option<T> {
    map.get(name)
        .copied()
        .or_else(|| map.get(name.trim()).copied())
        .or_else(|| map.iter().find(|(k, _)| k.trim() == name.trim()).map(|(_, v)| *v))
}

impl Builder {
    fn read_days_hours(&mut self, root: &Element) -> Result<()> {
        for (list, item, out) in
            [("Days_List", "Day", &mut self.problem.days), ("Hours_List", "Hour", &mut self.problem.periods)]
        {
            let l = root.child(list).ok_or_else(|| bad(root.line, format!("missing <{list}>")))?;
            for el in &l.children {
                if el.name == item {
                    out.push(el.text_of("Name").unwrap_or(el.text.as_str()).to_string());
                } else if el.name == "Name" {
                    out.push(el.text.clone());
                }
            }
            if out.is_empty() {
                return Err(bad(l.line, format!("<{list}> names no {item}")));
            }
        }
        self.day_index = self.problem.days.iter().enumerate().map(|(i, n)| (n.clone(), i)).collect();
        self.hour_index = self.problem.periods.iter().enumerate().map(|(i, n)| (n.clone(), i)).collect();
        Ok(())
    }

    /// Terms mode: the week's days are cut into `Number_of_Terms` terms of equal length. FET 5's
    /// "-mathmake" files carry no term fields; FET 6 reads them as 5 days per term.
    fn read_terms(&mut self, root: &Element) -> Result<()> {
        let nd = self.problem.days.len();
        let per: u16 = match root.child("Number_of_Days_Per_Term") {
            Some(el) => el.text.trim().parse().map_err(|_| {
                bad(el.line, format!("<Number_of_Days_Per_Term> \"{}\" is not a number", el.text.trim()))
            })?,
            None => 5,
        };
        if per == 0 || !nd.is_multiple_of(usize::from(per)) {
            return Err(bad(
                root.child("Number_of_Days_Per_Term").map_or(root.line, |e| e.line),
                format!("terms of {per} days do not divide the {nd} days of the week"),
            ));
        }
        if let Some(el) = root.child("Number_of_Terms")
            && el.text.trim().parse::<usize>().ok() != Some(nd / usize::from(per))
        {
            return Err(bad(
                el.line,
                format!("<Number_of_Terms> {} terms of {per} days do not make {nd} days", el.text.trim()),
            ));
        }
        self.days_per_term = Some(per);
        Ok(())
    }

    fn read_names(&mut self, root: &Element) -> Result<()> {
        if let Some(l) = root.child("Teachers_List") {
            for t in l.all("Teacher") {
                let name = t.text_of("Name").unwrap_or_default().to_string();
                self.teacher_index.insert(name.clone(), self.problem.teachers.len() as u32);
                self.problem.teachers.push(name);
            }
        }
        if let Some(l) = root.child("Subjects_List") {
            for s in l.all("Subject") {
                self.subjects.insert(s.text_of("Name").unwrap_or_default().to_string());
            }
        }
        if let Some(l) = root.child("Activity_Tags_List") {
            for s in l.all("Activity_Tag") {
                self.tags.insert(s.text_of("Name").unwrap_or_default().to_string());
            }
        }
        Ok(())
    }

    /// Mornings-afternoons mode: the days are half days (morning, afternoon, morning, …), and each
    /// teacher may be limited in how many real days they teach both halves of.
    fn read_mornings_afternoons(&mut self, root: &Element, format: HalfDayFormat) -> Result<()> {
        let (nd, h) = (self.problem.days.len(), self.problem.periods.len());
        if nd % 2 != 0 {
            return Err(bad(
                root.child("Days_List").map_or(root.line, |e| e.line),
                format!(
                    "mornings-afternoons mode needs morning and afternoon of each day, but there are {nd} half days"
                ),
            ));
        }
        if h > 32 {
            return Err(bad(
                root.child("Hours_List").map_or(root.line, |e| e.line),
                format!("{h} periods per half day; at most 32 are supported in the mornings-afternoons mode"),
            ));
        }
        self.problem.half_days = true;
        // At most how many real days each teacher may teach both in the morning and in the afternoon.
        let mut both: Vec<Option<u16>> = vec![None; self.problem.teachers.len()];
        match format {
            HalfDayFormat::Fet6 | HalfDayFormat::Fet5 => {
                let teachers =
                    root.child("Teachers_List").map(|l| l.all("Teacher").collect::<Vec<_>>()).unwrap_or_default();
                for (t, el) in teachers.into_iter().enumerate() {
                    let field = el.child("Mornings_Afternoons_Behavior").ok_or_else(|| {
                        bad(
                            el.line,
                            format!(
                                "teacher \"{}\" has no <Mornings_Afternoons_Behavior>",
                                el.text_of("Name").unwrap_or_default()
                            ),
                        )
                    })?;
                    both[t] = match field.text.trim() {
                        "Unrestricted" => None,
                        "Exclusive" => Some(0),
                        "One day exception" => Some(1),
                        "Two days exception" => Some(2),
                        "Three days exception" => Some(3),
                        "Four days exception" => Some(4),
                        "Five days exception" => Some(5),
                        other => {
                            return Err(bad(
                                field.line,
                                format!("<Mornings_Afternoons_Behavior> \"{other}\" is not one FET knows"),
                            ));
                        }
                    };
                }
            }
            HalfDayFormat::Fet5Algeria => {}
            HalfDayFormat::Fet5Morocco => {
                both.fill(Some(0));
                for (list, days) in [
                    ("Exception_Teachers_One_Day_List", 1),
                    ("Exception_Teachers_Two_Days_List", 2),
                    ("Exception_Teachers_Three_Days_List", 3),
                ] {
                    let Some(l) = root.child(list) else { continue };
                    for el in l.all("Teacher") {
                        let t = find(&self.teacher_index, &el.text)
                            .ok_or_else(|| bad(el.line, format!("<{list}>: unknown teacher \"{}\"", el.text.trim())))?;
                        both[t as usize] = Some(days);
                    }
                }
            }
        }
        let real_days = (nd / 2) as u16;
        for (t, limit) in both.into_iter().enumerate() {
            let Some(k) = limit.filter(|&k| k < real_days) else { continue };
            let name = &self.problem.teachers[t];
            let label = if k == 0 {
                format!(
                    "teacher {name} teaches mornings or afternoons, never both on one day [Mornings_Afternoons_Behavior]"
                )
            } else {
                format!(
                    "teacher {name} teaches both morning and afternoon on at most {k} days [Mornings_Afternoons_Behavior]"
                )
            };
            self.problem.constraints.push(Constraint {
                weight: FULL_WEIGHT,
                hard: true,
                label,
                kind: Kind::ResourceRule {
                    resources: vec![Resource::Teacher(t as u32)],
                    rule: Rule::MaxRealDaysWithMorningAndAfternoon(k),
                },
            });
        }
        Ok(())
    }

    /// Years contain groups contain subgroups; the smallest sets are the atoms that clash.
    fn read_students(&mut self, root: &Element) -> Result<()> {
        let Some(l) = root.child("Students_List") else { return Ok(()) };
        let mut atom_index: HashMap<String, u32> = HashMap::new();
        let mut sets: BTreeMap<String, (u32, BTreeSet<u32>)> = BTreeMap::new();
        let mut order: Vec<String> = Vec::new();
        let size_of =
            |e: &Element| -> u32 { e.text_of("Number_of_Students").and_then(|t| t.trim().parse().ok()).unwrap_or(0) };
        let mut atom = |name: &str, atoms: &mut Vec<String>| -> u32 {
            *atom_index.entry(name.to_string()).or_insert_with(|| {
                atoms.push(name.to_string());
                (atoms.len() - 1) as u32
            })
        };
        let mut add =
            |name: &str, size: u32, atoms: BTreeSet<u32>, sets: &mut BTreeMap<String, (u32, BTreeSet<u32>)>| {
                let e = sets.entry(name.to_string()).or_insert_with(|| {
                    order.push(name.to_string());
                    (size, BTreeSet::new())
                });
                e.0 = e.0.max(size);
                e.1.extend(atoms);
            };
        for year in l.all("Year") {
            let yname = year.text_of("Name").unwrap_or_default();
            let mut year_atoms = BTreeSet::new();
            for group in year.all("Group") {
                let gname = group.text_of("Name").unwrap_or_default();
                let mut group_atoms = BTreeSet::new();
                for sub in group.all("Subgroup") {
                    let sname = sub.text_of("Name").unwrap_or_default();
                    let a = atom(sname, &mut self.problem.atoms);
                    group_atoms.insert(a);
                    add(sname, size_of(sub), BTreeSet::from([a]), &mut sets);
                }
                if group_atoms.is_empty() {
                    group_atoms.insert(atom(gname, &mut self.problem.atoms));
                }
                year_atoms.extend(group_atoms.iter().copied());
                add(gname, size_of(group), group_atoms, &mut sets);
            }
            if year_atoms.is_empty() {
                year_atoms.insert(atom(yname, &mut self.problem.atoms));
            }
            add(yname, size_of(year), year_atoms, &mut sets);
        }
        for name in order {
            if let Some((size, atoms)) = sets.remove(&name) {
                self.set_index.insert(name.clone(), self.problem.student_sets.len() as u32);
                self.problem.student_sets.push(StudentSet { name, size, atoms: atoms.into_iter().collect() });
            }
        }
        Ok(())
    }

    fn read_rooms(&mut self, root: &Element, unsupported: &mut BTreeSet<String>) -> Result<()> {
        let Some(l) = root.child("Rooms_List") else { return Ok(()) };
        for r in l.all("Room") {
            if flag(r, "Virtual", false) {
                unsupported.insert("virtual rooms".into());
            }
            let name = r.text_of("Name").unwrap_or_default().to_string();
            let capacity = r.text_of("Capacity").and_then(|t| t.trim().parse().ok()).unwrap_or(u32::MAX);
            self.room_index.insert(name.clone(), self.problem.rooms.len() as u32);
            let building = r.text_of("Building").map(str::trim).unwrap_or_default().to_string();
            self.problem.rooms.push(Room { name, capacity, building });
        }
        Ok(())
    }

    fn read_activities(&mut self, root: &Element) -> Result<()> {
        let Some(l) = root.child("Activities_List") else { return Ok(()) };
        for a in l.all("Activity") {
            let id: u32 = number(a, "Id")?;
            if !flag(a, "Active", true) {
                self.inactive_ids.insert(id);
                self.inactive_activities += 1;
                continue;
            }
            let mut teachers = Vec::new();
            for t in a.all("Teacher") {
                teachers.push(find(&self.teacher_index, &t.text).ok_or_else(|| {
                    bad(t.line, format!("activity {id}: teacher \"{}\" is not in the teachers list", t.text))
                })?);
            }
            let mut students = Vec::new();
            let mut atoms = BTreeSet::new();
            let mut size = 0u32;
            for s in a.all("Students") {
                let si = find(&self.set_index, &s.text).ok_or_else(|| {
                    bad(s.line, format!("activity {id}: students set \"{}\" is not in the students list", s.text))
                })?;
                let set = &self.problem.student_sets[si as usize];
                atoms.extend(set.atoms.iter().copied());
                size = size.saturating_add(set.size);
                students.push(si);
            }
            if let Some(n) = a.text_of("Number_Of_Students").and_then(|t| t.trim().parse().ok()) {
                size = n;
            }
            let duration: u16 = number(a, "Duration")?;
            let group: u32 = a.text_of("Activity_Group_Id").and_then(|t| t.trim().parse().ok()).unwrap_or(0);
            if self.act_index.insert(id, self.problem.activities.len() as u32).is_some() {
                return Err(bad(a.line, format!("activity id {id} appears twice")));
            }
            self.problem.activities.push(Activity {
                id,
                subject: a.text_of("Subject").unwrap_or_default().to_string(),
                tags: a.all("Activity_Tag").map(|t| t.text.clone()).collect(),
                teachers,
                students,
                atoms: atoms.into_iter().collect(),
                duration,
                size,
                group,
            });
        }
        // Component numbers: position by id inside each split group.
        let mut groups: HashMap<u32, Vec<(u32, usize)>> = HashMap::new();
        for (i, a) in self.problem.activities.iter().enumerate() {
            if a.group != 0 {
                groups.entry(a.group).or_default().push((a.id, i));
            }
        }
        self.component = vec![1; self.problem.activities.len()];
        for members in groups.values_mut() {
            members.sort_unstable();
            for (pos, &(_, i)) in members.iter().enumerate() {
                self.component[i] = pos as u32 + 1;
            }
        }
        Ok(())
    }

    fn slot(&self, c: &Element, day: Option<&Element>, hour: Option<&Element>) -> Result<Vec<Slot>> {
        let h = self.problem.periods.len();
        let days: Vec<usize> = match day.map(|d| d.text.as_str()).filter(|t| !t.is_empty()) {
            None => (0..self.problem.days.len()).collect(),
            Some(t) => vec![
                find(&self.day_index, t)
                    .ok_or_else(|| bad(day.map_or(c.line, |d| d.line), format!("<{}>: unknown day \"{t}\"", c.name)))?,
            ],
        };
        let hours: Vec<usize> =
            match hour.map(|d| d.text.as_str()).filter(|t| !t.is_empty()) {
                None => (0..h).collect(),
                Some(t) => vec![find(&self.hour_index, t).ok_or_else(|| {
                    bad(hour.map_or(c.line, |d| d.line), format!("<{}>: unknown hour \"{t}\"", c.name))
                })?],
            };
        Ok(days.iter().flat_map(|&d| hours.iter().map(move |&q| (d * h + q) as Slot)).collect())
    }

    /// Slots listed as `<item><day_tag/><hour_tag/></item>` children.
    fn slots(&self, c: &Element, item: &str, day_tag: &str, hour_tag: &str) -> Result<Vec<Slot>> {
        let mut out = Vec::new();
        for el in c.all(item) {
            out.extend(self.slot(c, el.child(day_tag), el.child(hour_tag))?);
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    /// Activity ids in `field` children; ids of inactive activities are dropped, as FET does.
    fn acts(&self, c: &Element, field: &str) -> Result<Vec<u32>> {
        let mut out = Vec::new();
        for el in c.all(field) {
            let id: u32 = el
                .text
                .trim()
                .parse()
                .map_err(|_| bad(el.line, format!("<{}>: bad activity id \"{}\"", c.name, el.text)))?;
            match self.act_index.get(&id) {
                Some(&i) => out.push(i),
                None if self.inactive_ids.contains(&id) => {}
                None => return Err(bad(el.line, format!("<{}>: no activity with id {id}", c.name))),
            }
        }
        Ok(out)
    }

    fn room(&self, c: &Element, el: &Element) -> Result<u32> {
        find(&self.room_index, &el.text)
            .ok_or_else(|| bad(el.line, format!("<{}>: unknown room \"{}\"", c.name, el.text)))
    }

    fn rooms(&self, c: &Element) -> Result<Vec<u32>> {
        let mut out = Vec::new();
        for el in c.children.iter().filter(|e| e.name == "Room" || e.name == "Preferred_Room") {
            out.push(self.room(c, el)?);
        }
        Ok(out)
    }

    fn teacher(&self, c: &Element, field: &str) -> Result<u32> {
        let t = c.text_of(field).unwrap_or_default();
        find(&self.teacher_index, t).ok_or_else(|| bad(c.line, format!("<{}>: unknown teacher \"{t}\"", c.name)))
    }

    fn set(&self, c: &Element, field: &str) -> Result<u32> {
        let t = c.text_of(field).unwrap_or_default();
        find(&self.set_index, t).ok_or_else(|| bad(c.line, format!("<{}>: unknown students set \"{t}\"", c.name)))
    }

    /// Activities matching FET's teacher / students / subject / tag (/ duration / component) filter.
    /// As in FET (checked with fet-cl 6.8.5), the students filter takes every activity whose
    /// students share a subgroup with the named set: a year's filter takes its groups' lessons, a
    /// group's filter its year's lessons.
    fn matching(&self, c: &Element) -> Result<Vec<u32>> {
        let get = |f: &str| c.text_of(f).filter(|t| !t.is_empty());
        let teacher = match get("Teacher_Name") {
            Some(_) => Some(self.teacher(c, "Teacher_Name")?),
            None => None,
        };
        let set_atoms = match get("Students_Name") {
            Some(_) => Some(&self.problem.student_sets[self.set(c, "Students_Name")? as usize].atoms),
            None => None,
        };
        let subject = get("Subject_Name");
        let tag = get("Activity_Tag_Name");
        let duration: Option<u16> = get("Duration").and_then(|t| t.trim().parse().ok());
        let component: Option<u32> = get("Component_Number").and_then(|t| t.trim().parse().ok());
        Ok(self
            .problem
            .activities
            .iter()
            .enumerate()
            .filter(|(i, a)| {
                teacher.is_none_or(|t| a.teachers.contains(&t))
                    && set_atoms.is_none_or(|atoms| a.atoms.iter().any(|x| atoms.contains(x)))
                    && subject.is_none_or(|s| a.subject == s)
                    && tag.is_none_or(|t| a.tags.iter().any(|x| x == t))
                    && duration.is_none_or(|d| a.duration == d)
                    && component.is_none_or(|k| self.component[*i] == k)
            })
            .map(|(i, _)| i as u32)
            .collect())
    }

    fn push(&mut self, c: &Element, w: f64, label: String, kind: Kind) {
        let hard = w >= 100.0;
        let weight = ((w * 1000.0).round() as u32).clamp(1, FULL_WEIGHT);
        let label = if hard {
            format!("{label} [{}, line {}]", c.name, c.line)
        } else {
            format!("{label} ({w}%) [{}, line {}]", c.name, c.line)
        };
        self.problem.constraints.push(Constraint { weight, hard, label, kind });
    }

    /// Moves the constraint just pushed to the home-room list.
    fn defer_home_room(&mut self) {
        if let Some(c) = self.problem.constraints.pop() {
            self.home_rooms.push(c);
        }
    }

    /// FET applies home rooms only to activities without another preferred-room constraint.
    fn apply_home_rooms(&mut self) {
        let mut has_room = vec![false; self.problem.activities.len()];
        for c in &self.problem.constraints {
            if let Kind::PreferredRooms { activities, .. } = &c.kind {
                for &a in activities {
                    has_room[a as usize] = true;
                }
            }
        }
        for mut c in std::mem::take(&mut self.home_rooms) {
            if let Kind::PreferredRooms { activities, .. } = &mut c.kind {
                activities.retain(|&a| !has_room[a as usize]);
                if activities.is_empty() {
                    continue;
                }
            }
            self.problem.constraints.push(c);
        }
    }

    /// Block-planning mode: each atom's lessons never share a period, whatever their "days".
    fn students_one_block_at_a_time(&mut self) {
        let mut per_atom: Vec<Vec<u32>> = vec![Vec::new(); self.problem.atoms.len()];
        for (i, a) in self.problem.activities.iter().enumerate() {
            for &g in &a.atoms {
                per_atom[g as usize].push(i as u32);
            }
        }
        for (g, activities) in per_atom.into_iter().enumerate() {
            if activities.len() >= 2 {
                let label =
                    format!("students {} are in one block at a time [block-planning mode]", self.problem.atoms[g]);
                self.problem.constraints.push(Constraint {
                    weight: FULL_WEIGHT,
                    hard: true,
                    label,
                    kind: Kind::OnePerPeriodOfAnyDay { activities },
                });
            }
        }
    }

    fn all_teachers(&self) -> Vec<Resource> {
        (0..self.problem.teachers.len() as u32).map(Resource::Teacher).collect()
    }

    fn all_atoms(&self) -> Vec<Resource> {
        (0..self.problem.atoms.len() as u32).map(Resource::Atom).collect()
    }

    fn set_atoms(&self, s: u32) -> Vec<Resource> {
        self.problem.student_sets[s as usize].atoms.iter().map(|&a| Resource::Atom(a)).collect()
    }

    fn constraint(&mut self, c: &Element, w: f64) -> Result<()> {
        let name = c.name.as_str();
        let p = &self.problem;
        match name {
            "ConstraintBasicCompulsoryTime" | "ConstraintBasicCompulsorySpace" => {}
            "ConstraintBreakTimes" => {
                let slots = self.slots(c, "Break_Time", "Day", "Hour")?;
                self.push(c, w, "break times".into(), Kind::Break { slots });
            }
            "ConstraintTeacherNotAvailableTimes" => {
                let t = self.teacher(c, "Teacher")?;
                let slots = self.slots(c, "Not_Available_Time", "Day", "Hour")?;
                let label = format!("teacher {} is not available at {} periods", p.teachers[t as usize], slots.len());
                self.push(c, w, label, Kind::NotAvailable { resource: Resource::Teacher(t), slots });
            }
            "ConstraintStudentsSetNotAvailableTimes" => {
                let s = self.set(c, "Students")?;
                let slots = self.slots(c, "Not_Available_Time", "Day", "Hour")?;
                let label = format!(
                    "students {} are not available at {} periods",
                    p.student_sets[s as usize].name,
                    slots.len()
                );
                for r in self.set_atoms(s) {
                    self.push(c, w, label.clone(), Kind::NotAvailable { resource: r, slots: slots.clone() });
                }
            }
            "ConstraintRoomNotAvailableTimes" => {
                let el = c.child("Room").ok_or_else(|| bad(c.line, format!("<{name}> has no <Room>")))?;
                let r = self.room(c, el)?;
                let slots = self.slots(c, "Not_Available_Time", "Day", "Hour")?;
                let label = format!("room {} is not available at {} periods", p.rooms[r as usize].name, slots.len());
                self.push(c, w, label, Kind::NotAvailable { resource: Resource::Room(r), slots });
            }
            "ConstraintActivityPreferredStartingTime" => {
                let acts = self.acts(c, "Activity_Id")?;
                let slots = self.slot(c, c.child("Preferred_Day"), c.child("Preferred_Hour"))?;
                for a in acts {
                    let label = format!("{} starts at {}", self.problem.activity_label(a), self.describe_slots(&slots));
                    self.push(c, w, label, Kind::PreferredStarts { activities: vec![a], slots: slots.clone() });
                }
            }
            "ConstraintActivityPreferredStartingTimes"
            | "ConstraintActivitiesPreferredStartingTimes"
            | "ConstraintSubactivitiesPreferredStartingTimes" => {
                let acts = if name == "ConstraintActivityPreferredStartingTimes" {
                    self.acts(c, "Activity_Id")?
                } else {
                    self.matching(c)?
                };
                let slots =
                    self.slots(c, "Preferred_Starting_Time", "Preferred_Starting_Day", "Preferred_Starting_Hour")?;
                let label = format!("{} activities start only at {} chosen periods", acts.len(), slots.len());
                if !acts.is_empty() {
                    self.push(c, w, label, Kind::PreferredStarts { activities: acts, slots });
                }
            }
            "ConstraintActivityPreferredTimeSlots"
            | "ConstraintActivitiesPreferredTimeSlots"
            | "ConstraintSubactivitiesPreferredTimeSlots" => {
                let acts = if name == "ConstraintActivityPreferredTimeSlots" {
                    self.acts(c, "Activity_Id")?
                } else {
                    self.matching(c)?
                };
                let slots = self.slots(c, "Preferred_Time_Slot", "Preferred_Day", "Preferred_Hour")?;
                let label = format!("{} activities lie only in {} chosen periods", acts.len(), slots.len());
                if !acts.is_empty() {
                    self.push(c, w, label, Kind::PreferredSlots { activities: acts, slots });
                }
            }
            "ConstraintMinDaysBetweenActivities" => {
                let acts = self.acts(c, "Activity_Id")?;
                let min_days: u16 = number(c, "MinDays")?;
                let consecutive = flag(c, "Consecutive_If_Same_Day", false);
                if acts.len() >= 2 && min_days > 0 {
                    let label = format!("{} at least {min_days} day(s) apart", self.list(&acts));
                    // FET treats "consecutive if same day" as hard whatever the weight (checked
                    // with fet-cl 6.8.5): only the days apart are soft.
                    let soft_apart = consecutive && w < 100.0;
                    if soft_apart {
                        let label = format!("{} back to back when on the same day", self.list(&acts));
                        let kind = Kind::MinDaysBetween {
                            activities: acts.clone(),
                            min_days: 0,
                            consecutive_if_same_day: true,
                        };
                        self.push(c, 100.0, label, kind);
                    }
                    let consecutive_if_same_day = consecutive && !soft_apart;
                    self.push(
                        c,
                        w,
                        label,
                        Kind::MinDaysBetween { activities: acts, min_days, consecutive_if_same_day },
                    );
                }
            }
            "ConstraintActivitiesSameStartingTime"
            | "ConstraintActivitiesSameStartingDay"
            | "ConstraintActivitiesSameStartingHour"
            | "ConstraintActivitiesNotOverlapping" => {
                let acts = self.acts(c, "Activity_Id")?;
                if acts.len() >= 2 {
                    let (what, kind) = match name {
                        "ConstraintActivitiesSameStartingTime" => {
                            ("start together", Kind::SameStartingTime { activities: acts.clone() })
                        }
                        "ConstraintActivitiesSameStartingDay" => {
                            ("on the same day", Kind::SameStartingDay { activities: acts.clone() })
                        }
                        "ConstraintActivitiesSameStartingHour" => {
                            ("at the same period", Kind::SameStartingHour { activities: acts.clone() })
                        }
                        _ => ("never overlap", Kind::NotOverlapping { activities: acts.clone() }),
                    };
                    let label = format!("{} {what}", self.list(&acts));
                    self.push(c, w, label, kind);
                }
            }
            "ConstraintTwoActivitiesConsecutive"
            | "ConstraintTwoActivitiesOrdered"
            | "ConstraintTwoActivitiesOrderedIfSameDay"
            | "ConstraintTwoActivitiesGrouped"
            | "ConstraintThreeActivitiesGrouped" => {
                let mut acts = self.acts(c, "First_Activity_Id")?;
                acts.extend(self.acts(c, "Second_Activity_Id")?);
                acts.extend(self.acts(c, "Third_Activity_Id")?);
                let want = if name == "ConstraintThreeActivitiesGrouped" { 3 } else { 2 };
                if acts.len() == want {
                    let l = self.list(&acts);
                    let (label, kind) = match name {
                        "ConstraintTwoActivitiesConsecutive" => (
                            format!("{l}: the second right after the first"),
                            Kind::Consecutive { first: acts[0], second: acts[1] },
                        ),
                        "ConstraintTwoActivitiesOrdered" => (
                            format!("{l}: the first before the second"),
                            Kind::Ordered { first: acts[0], second: acts[1] },
                        ),
                        "ConstraintTwoActivitiesOrderedIfSameDay" => (
                            format!("{l}: on the same day, the first before the second"),
                            Kind::OrderedIfSameDay { first: acts[0], second: acts[1] },
                        ),
                        _ => (format!("{l} back to back on one day"), Kind::Grouped { activities: acts }),
                    };
                    self.push(c, w, label, kind);
                }
            }
            "ConstraintTeacherMaxTwoActivityTagsPerDayFromN1N2N3"
            | "ConstraintTeachersMaxTwoActivityTagsPerDayFromN1N2N3" => {
                if !self.problem.half_days {
                    return Err(bad(
                        c.line,
                        format!("<{name}> is a constraint of FET's mornings-afternoons mode only"),
                    ));
                }
                let teachers: Vec<u32> = if name.starts_with("ConstraintTeachers") {
                    (0..self.problem.teachers.len() as u32).collect()
                } else {
                    vec![self.teacher(c, "Teacher_Name")?]
                };
                // FET counts the tags literally named N1, N2 and N3, per (half) day.
                let tags: Vec<String> = ["N1", "N2", "N3"].map(String::from).to_vec();
                for t in teachers {
                    let acts: Vec<u32> = (0..self.problem.activities.len() as u32)
                        .filter(|&a| {
                            let act = &self.problem.activities[a as usize];
                            act.teachers.contains(&t) && act.tags.iter().any(|x| tags.contains(x))
                        })
                        .collect();
                    if acts.len() >= 3 {
                        let label = format!(
                            "teacher {}: at most two of the tags N1, N2, N3 a day",
                            self.problem.teachers[t as usize]
                        );
                        self.push(c, w, label, Kind::MaxTagsPerDay { activities: acts, tags: tags.clone(), max: 2 });
                    }
                }
            }
            "ConstraintMinGapsBetweenActivities" => {
                let acts = self.acts(c, "Activity_Id")?;
                let min_gaps: u16 = number(c, "MinGaps")?;
                if acts.len() >= 2 {
                    let label = format!("{} at least {min_gaps} period(s) apart on the same day", self.list(&acts));
                    self.push(c, w, label, Kind::MinGapsBetween { activities: acts, min_gaps });
                }
            }
            "ConstraintActivityEndsStudentsDay" | "ConstraintActivitiesEndStudentsDay" => {
                only_at_full_weight(c, w)?;
                let acts = if name == "ConstraintActivityEndsStudentsDay" {
                    self.acts(c, "Activity_Id")?
                } else {
                    self.matching(c)?
                };
                for a in acts {
                    let label = format!("{} is the students' last lesson of the day", self.problem.activity_label(a));
                    self.push(c, w, label, Kind::EndsStudentsDay { activity: a });
                }
            }
            "ConstraintActivitiesMaxSimultaneousInSelectedTimeSlots"
            | "ConstraintActivitiesOccupyMaxTimeSlotsFromSelection" => {
                let acts = self.acts(c, "Activity_Id")?;
                let slots = self.slots(c, "Selected_Time_Slot", "Selected_Day", "Selected_Hour")?;
                if name == "ConstraintActivitiesMaxSimultaneousInSelectedTimeSlots" {
                    let max: u16 = number(c, "Max_Number_of_Simultaneous_Activities")?;
                    let label =
                        format!("at most {max} of {} activities at once in {} chosen periods", acts.len(), slots.len());
                    self.push(c, w, label, Kind::MaxSimultaneousInSlots { activities: acts, slots, max });
                } else {
                    let max: u16 = number(c, "Max_Number_of_Occupied_Time_Slots")?;
                    let label =
                        format!("{} activities use at most {max} of {} chosen periods", acts.len(), slots.len());
                    self.push(c, w, label, Kind::OccupyMaxSlotsFromSelection { activities: acts, slots, max });
                }
            }
            "ConstraintMaxDaysBetweenActivities" => {
                let acts = self.acts(c, "Activity_Id")?;
                let max_days: u16 = number(c, "MaxDays")?;
                if acts.len() >= 2 {
                    let label = format!("{} at most {max_days} day(s) apart", self.list(&acts));
                    self.push(c, w, label, Kind::MaxDaysBetween { activities: acts, max_days });
                }
            }
            "ConstraintActivitiesMinSimultaneousInSelectedTimeSlots"
            | "ConstraintMaxTotalActivitiesFromSetInSelectedTimeSlots"
            | "ConstraintActivitiesOccupyMinTimeSlotsFromSelection" => {
                let acts = self.acts(c, "Activity_Id")?;
                let slots = self.slots(c, "Selected_Time_Slot", "Selected_Day", "Selected_Hour")?;
                let (n_acts, n_slots) = (acts.len(), slots.len());
                let (label, kind) = match name {
                    "ConstraintActivitiesMinSimultaneousInSelectedTimeSlots" => {
                        let min: u16 = number(c, "Min_Number_of_Simultaneous_Activities")?;
                        let allow_empty = flag(c, "Allow_Empty_Slots", false);
                        let empty = if allow_empty { " (or none)" } else { "" };
                        (
                            format!("at least {min}{empty} of {n_acts} activities at once in {n_slots} chosen periods"),
                            Kind::MinSimultaneousInSlots { activities: acts, slots, min, allow_empty },
                        )
                    }
                    "ConstraintMaxTotalActivitiesFromSetInSelectedTimeSlots" => {
                        let max: u16 = number(c, "Max_Total_Number_of_Activities")?;
                        (
                            format!("at most {max} of {n_acts} activities in {n_slots} chosen periods"),
                            Kind::MaxTotalInSlots { activities: acts, slots, max },
                        )
                    }
                    _ => {
                        let min: u16 = number(c, "Min_Number_of_Occupied_Time_Slots")?;
                        (
                            format!("{n_acts} activities use at least {min} of {n_slots} chosen periods"),
                            Kind::OccupyMinSlotsFromSelection { activities: acts, slots, min },
                        )
                    }
                };
                self.push(c, w, label, kind);
            }
            "ConstraintActivityTagsNotOverlapping" => {
                let mut tags = Vec::new();
                for el in c.all("Activity_Tag") {
                    if !self.tags.contains(el.text.as_str()) {
                        return Err(bad(el.line, format!("<{name}>: unknown activity tag \"{}\"", el.text)));
                    }
                    // FET refuses the constraint when a listed tag has no (active) activity.
                    if !self.problem.activities.iter().any(|a| a.tags.contains(&el.text)) {
                        return Err(bad(
                            el.line,
                            format!("<{name}>: no activity has the activity tag \"{}\" (FET refuses this)", el.text),
                        ));
                    }
                    tags.push(el.text.clone());
                }
                if tags.len() >= 2 {
                    let label = format!("lessons tagged {} never overlap one another", tags.join(", "));
                    self.push(c, w, label, Kind::TagsNotOverlapping { tags });
                }
            }
            "ConstraintStudentsMinGapsBetweenOrderedPairOfActivityTags"
            | "ConstraintStudentsSetMinGapsBetweenOrderedPairOfActivityTags"
            | "ConstraintTeacherMinGapsBetweenOrderedPairOfActivityTags"
            | "ConstraintTeachersMinGapsBetweenOrderedPairOfActivityTags" => {
                let (who, resources) = match name {
                    "ConstraintStudentsMinGapsBetweenOrderedPairOfActivityTags" => {
                        ("all students".to_string(), self.all_atoms())
                    }
                    "ConstraintStudentsSetMinGapsBetweenOrderedPairOfActivityTags" => {
                        let s = self.set(c, "Students")?;
                        (format!("students {}", self.problem.student_sets[s as usize].name), self.set_atoms(s))
                    }
                    "ConstraintTeacherMinGapsBetweenOrderedPairOfActivityTags" => {
                        let field = if c.child("Teacher").is_some() { "Teacher" } else { "Teacher_Name" };
                        let t = self.teacher(c, field)?;
                        (format!("teacher {}", self.problem.teachers[t as usize]), vec![Resource::Teacher(t)])
                    }
                    _ => ("every teacher".to_string(), self.all_teachers()),
                };
                let tag = |field: &str| -> Result<String> {
                    let t = c.text_of(field).unwrap_or_default();
                    if self.tags.contains(t) {
                        Ok(t.to_string())
                    } else {
                        Err(bad(c.line, format!("<{name}>: unknown activity tag \"{t}\" in <{field}>")))
                    }
                };
                let (first_tag, second_tag) = (tag("First_Activity_Tag")?, tag("Second_Activity_Tag")?);
                let min_gaps: u16 = number(c, "MinGaps")?;
                if !resources.is_empty() && min_gaps > 0 {
                    let label = format!(
                        "{who}: at least {min_gaps} free period(s) from a {first_tag} lesson to a later {second_tag} lesson"
                    );
                    self.push(c, w, label, Kind::TagPairMinGaps { resources, first_tag, second_tag, min_gaps });
                }
            }
            "ConstraintActivitiesMaxInATerm" | "ConstraintActivitiesOccupyMaxTerms" => {
                let Some(days_per_term) = self.days_per_term else {
                    return Err(bad(c.line, format!("<{name}> needs FET's terms mode")));
                };
                let acts = self.acts(c, "Activity_Id")?;
                if !acts.is_empty() {
                    let l = self.list(&acts);
                    let (label, kind) = if name == "ConstraintActivitiesMaxInATerm" {
                        let max: u16 = number(c, "Max_Number_of_Activities_in_A_Term")?;
                        (
                            format!("{l}: at most {max} in each term"),
                            Kind::MaxInATerm { activities: acts, days_per_term, max },
                        )
                    } else {
                        let max: u16 = number(c, "Max_Number_of_Occupied_Terms")?;
                        (
                            format!("{l}: in at most {max} term(s)"),
                            Kind::OccupyMaxTerms { activities: acts, days_per_term, max },
                        )
                    };
                    self.push(c, w, label, kind);
                }
            }
            "ConstraintActivityPreferredRoom" | "ConstraintActivityPreferredRooms" => {
                let acts = self.acts(c, "Activity_Id")?;
                let rooms = self.rooms(c)?;
                if !acts.is_empty() {
                    let label = format!("{} in room {}", self.list(&acts), self.room_names(&rooms));
                    self.push(c, w, label, Kind::PreferredRooms { activities: acts, rooms });
                }
            }
            "ConstraintSubjectPreferredRoom"
            | "ConstraintSubjectPreferredRooms"
            | "ConstraintSubjectActivityTagPreferredRoom"
            | "ConstraintSubjectActivityTagPreferredRooms"
            | "ConstraintActivityTagPreferredRoom"
            | "ConstraintActivityTagPreferredRooms" => {
                let subject = c.text_of("Subject");
                let tag = c.text_of("Activity_Tag");
                let rooms = self.rooms(c)?;
                let acts: Vec<u32> = self
                    .problem
                    .activities
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| {
                        subject.is_none_or(|s| a.subject == s) && tag.is_none_or(|t| a.tags.iter().any(|x| x == t))
                    })
                    .map(|(i, _)| i as u32)
                    .collect();
                if !acts.is_empty() {
                    let who = [subject.map(|s| format!("subject {s}")), tag.map(|t| format!("tag {t}"))]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(", ");
                    let label = format!("{who} in room {}", self.room_names(&rooms));
                    self.push(c, w, label, Kind::PreferredRooms { activities: acts, rooms });
                }
            }
            "ConstraintStudentsSetHomeRoom" | "ConstraintStudentsSetHomeRooms" => {
                let s = self.set(c, "Students")?;
                let rooms = self.rooms(c)?;
                let acts: Vec<u32> = self
                    .problem
                    .activities
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| a.students == [s])
                    .map(|(i, _)| i as u32)
                    .collect();
                if !acts.is_empty() {
                    let label = format!(
                        "home room of {}: {}",
                        self.problem.student_sets[s as usize].name,
                        self.room_names(&rooms)
                    );
                    self.push(c, w, label, Kind::PreferredRooms { activities: acts, rooms });
                    self.defer_home_room();
                }
            }
            "ConstraintTeacherHomeRoom" | "ConstraintTeacherHomeRooms" => {
                let t = self.teacher(c, "Teacher")?;
                let rooms = self.rooms(c)?;
                let acts: Vec<u32> = self
                    .problem
                    .activities
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| a.teachers == [t])
                    .map(|(i, _)| i as u32)
                    .collect();
                if !acts.is_empty() {
                    let label = format!(
                        "home room of teacher {}: {}",
                        self.problem.teachers[t as usize],
                        self.room_names(&rooms)
                    );
                    self.push(c, w, label, Kind::PreferredRooms { activities: acts, rooms });
                    self.defer_home_room();
                }
            }
            "ConstraintActivitiesOccupyMaxDifferentRooms" => {
                only_at_full_weight(c, w)?;
                let acts = self.acts(c, "Activity_Id")?;
                let max: u16 = number(c, "Max_Number_of_Different_Rooms")?;
                if !acts.is_empty() {
                    let label = format!("{} use at most {max} different rooms", self.list(&acts));
                    self.push(c, w, label, Kind::OccupyMaxDifferentRooms { activities: acts, max });
                }
            }
            "ConstraintActivitiesSameRoomIfConsecutive" => {
                let acts = self.acts(c, "Activity_Id")?;
                if acts.len() >= 2 {
                    let label = format!("{} share their room when one follows another", self.list(&acts));
                    self.push(c, w, label, Kind::SameRoomIfConsecutive { activities: acts });
                }
            }
            _ if name.contains("BuildingChanges") || name.contains("RoomChanges") => self.changes_constraint(c, w)?,
            _ => self.rule_constraint(c, w)?,
        }
        Ok(())
    }

    /// Teacher(s) / students (set) max room or building changes per day / week, min gaps between.
    fn changes_constraint(&mut self, c: &Element, w: f64) -> Result<()> {
        let name = c.name.as_str();
        let (who, resources): (String, Vec<Resource>) = if name.starts_with("ConstraintTeachers") {
            ("every teacher".into(), self.all_teachers())
        } else if name.starts_with("ConstraintTeacher") {
            let t = self.teacher(c, "Teacher")?;
            (format!("teacher {}", self.problem.teachers[t as usize]), vec![Resource::Teacher(t)])
        } else if name.starts_with("ConstraintStudentsSet") {
            let s = self.set(c, "Students")?;
            (format!("students {}", self.problem.student_sets[s as usize].name), self.set_atoms(s))
        } else {
            ("all students".into(), self.all_atoms())
        };
        let buildings = name.contains("Building");
        let place = if buildings { "Building" } else { "Room" };
        let (limit, what) = if name.ends_with("PerDay") {
            let m = number(c, &format!("Max_{place}_Changes_Per_Day"))?;
            (ChangeLimit::PerDay(m), format!("at most {m} {} changes a day", place.to_lowercase()))
        } else if name.ends_with("PerWeek") {
            let m = number(c, &format!("Max_{place}_Changes_Per_Week"))?;
            (ChangeLimit::PerWeek(m), format!("at most {m} {} changes a week", place.to_lowercase()))
        } else {
            let m = number(c, &format!("Min_Gaps_Between_{place}_Changes"))?;
            (ChangeLimit::MinGaps(m), format!("at least {m} free periods before a {} change", place.to_lowercase()))
        };
        if !resources.is_empty() {
            self.push(c, w, format!("{who}: {what}"), Kind::PlaceChanges { resources, buildings, limit });
        }
        Ok(())
    }

    /// Teacher(s) / students (set) shape rules.
    fn rule_constraint(&mut self, c: &Element, w: f64) -> Result<()> {
        let name = c.name.as_str();
        let (who, resources): (String, Vec<Resource>) = if let Some(rest) = name.strip_prefix("ConstraintTeachers") {
            let _ = rest;
            ("every teacher".into(), self.all_teachers())
        } else if name.starts_with("ConstraintTeacher") {
            let field = if c.child("Teacher_Name").is_none() && c.child("Teacher").is_some() {
                "Teacher"
            } else {
                "Teacher_Name"
            };
            let t = self.teacher(c, field)?;
            (format!("teacher {}", self.problem.teachers[t as usize]), vec![Resource::Teacher(t)])
        } else if name.starts_with("ConstraintStudentsSet") {
            let s = self.set(c, "Students")?;
            (format!("students {}", self.problem.student_sets[s as usize].name), self.set_atoms(s))
        } else if name.starts_with("ConstraintStudents") {
            ("all students".into(), self.all_atoms())
        } else {
            return Err(TimetableError::Internal(format!("{name} is listed as supported but has no reader")));
        };
        let teachers = name.starts_with("ConstraintTeacher");
        let stem = name
            .trim_start_matches("ConstraintTeachers")
            .trim_start_matches("ConstraintTeacher")
            .trim_start_matches("ConstraintStudentsSet")
            .trim_start_matches("ConstraintStudents");
        let hour_field = |field: &str, default: usize| -> Result<u16> {
            match c.text_of(field).filter(|t| !t.is_empty()) {
                None => Ok(default as u16),
                Some(t) => find(&self.hour_index, t)
                    .map(|h| h as u16)
                    .ok_or_else(|| bad(c.line, format!("<{name}>: unknown hour \"{t}\" in <{field}>"))),
            }
        };
        // Activity-tag rules name the tag as Activity_Tag_Name (teachers) or Activity_Tag (students).
        let (stem, tag) = match stem.strip_prefix("ActivityTag") {
            Some(rest) => {
                let t = c.text_of("Activity_Tag_Name").or_else(|| c.text_of("Activity_Tag")).unwrap_or_default();
                if !self.tags.contains(t) {
                    return Err(bad(c.line, format!("<{name}>: unknown activity tag \"{t}\"")));
                }
                (rest, Some(t.to_string()))
            }
            None => (stem, None),
        };
        let (rule, what) = match stem {
            "MaxHoursDaily" => {
                let m = number(c, "Maximum_Hours_Daily")?;
                (Rule::MaxHoursDaily(m), format!("at most {m} hours a day"))
            }
            "MinHoursDaily" => {
                let m = number(c, "Minimum_Hours_Daily")?;
                let allow = flag(c, "Allow_Empty_Days", teachers);
                (Rule::MinHoursDaily { min: m, allow_empty_days: allow }, format!("at least {m} hours a day"))
            }
            "MaxGapsPerWeek" => {
                let m = number(c, "Max_Gaps")?;
                (Rule::MaxGapsPerWeek(m), format!("at most {m} gaps a week"))
            }
            "MaxGapsPerDay" => {
                let m = number(c, "Max_Gaps")?;
                (Rule::MaxGapsPerDay(m), format!("at most {m} gaps a day"))
            }
            "EarlyMaxBeginningsAtSecondHour" => {
                let m = number(c, "Max_Beginnings_At_Second_Hour")?;
                (
                    Rule::EarlyMaxBeginningsAtSecondHour(m),
                    format!("days start at the first period (at most {m} at the second)"),
                )
            }
            "MaxHoursContinuously" => {
                let m = number(c, "Maximum_Hours_Continuously")?;
                (Rule::MaxHoursContinuously(m), format!("at most {m} hours in a row"))
            }
            "MaxSpanPerDay" => {
                let m = number(c, "Max_Span")?;
                let what = format!("at most {m} periods from first to last lesson a day");
                if flag(c, "Allow_One_Day_Exception_of_Plus_One", false) {
                    (Rule::MaxSpanPerDayOneLonger(m), format!("{what} (one day may have {})", m + 1))
                } else {
                    (Rule::MaxSpanPerDay(m), what)
                }
            }
            "MinRestingHours" => {
                let min = number(c, "Minimum_Resting_Hours")?;
                let circular = flag(c, "Circular", false);
                let wrap = if circular { ", the last day to the first too" } else { "" };
                (
                    Rule::MinRestingHours { min, circular },
                    format!("at least {min} free periods from one day's last lesson to the next day's first{wrap}"),
                )
            }
            "MaxDaysPerWeek" => {
                let m = number(c, "Max_Days_Per_Week")?;
                (Rule::MaxDaysPerWeek(m), format!("at most {m} days a week"))
            }
            "MinDaysPerWeek" => {
                let m = number(c, "Minimum_Days_Per_Week")?;
                (Rule::MinDaysPerWeek(m), format!("at least {m} days a week"))
            }
            "IntervalMaxDaysPerWeek" => {
                let h = self.problem.periods.len();
                let start = hour_field("Interval_Start_Hour", 0)?;
                let end = hour_field("Interval_End_Hour", h)?;
                let max = number(c, "Max_Days_Per_Week")?;
                if start >= end {
                    return Err(bad(c.line, format!("<{name}>: the interval is empty")));
                }
                (
                    Rule::IntervalMaxDaysPerWeek { start, end, max },
                    format!("at most {max} days with lessons from period {} on", start + 1),
                )
            }
            _ if !self.problem.half_days => {
                return Err(bad(c.line, format!("<{name}> is a constraint of FET's mornings-afternoons mode only")));
            }
            "MaxHoursDailyRealDays" => {
                let m = number(c, "Maximum_Hours_Daily")?;
                (Rule::MaxHoursDailyRealDays(m), format!("at most {m} hours a real day"))
            }
            "MinHoursDailyRealDays" => {
                let m = number(c, "Minimum_Hours_Daily")?;
                let allow = flag(c, "Allow_Empty_Days", teachers);
                (
                    Rule::MinHoursDailyRealDays { min: m, allow_empty_days: allow },
                    format!("at least {m} hours a real day"),
                )
            }
            "MaxGapsPerRealDay" => {
                let m = number(c, "Max_Gaps")?;
                let exception = flag(c, "Allow_One_Day_Exception_of_Plus_One", false);
                let what = if exception {
                    format!("at most {m} gaps a real day (one day {})", m + 1)
                } else {
                    format!("at most {m} gaps a real day")
                };
                (Rule::MaxGapsPerRealDay { max: m, one_day_exception: exception }, what)
            }
            "MaxRealDaysPerWeek" => {
                let m = number(c, "Max_Days_Per_Week")?;
                (Rule::MaxRealDaysPerWeek(m), format!("at most {m} real days a week"))
            }
            "MinRealDaysPerWeek" => {
                let m = number(c, "Minimum_Days_Per_Week")?;
                (Rule::MinRealDaysPerWeek(m), format!("at least {m} real days a week"))
            }
            "MaxMorningsPerWeek" => {
                let m = number(c, "Max_Mornings_Per_Week")?;
                (Rule::MaxMorningsPerWeek(m), format!("at most {m} mornings a week"))
            }
            "MaxAfternoonsPerWeek" => {
                let m = number(c, "Max_Afternoons_Per_Week")?;
                (Rule::MaxAfternoonsPerWeek(m), format!("at most {m} afternoons a week"))
            }
            "MinHoursPerMorning" => {
                let m = number(c, "Minimum_Hours_Per_Morning")?;
                let allow = flag(c, "Allow_Empty_Mornings", teachers);
                (
                    Rule::MinHoursPerMorning { min: m, allow_empty_mornings: allow },
                    format!("at least {m} hours a morning"),
                )
            }
            "MaxZeroGapsPerAfternoon" => (Rule::ZeroGapsPerAfternoon, "no gaps in the afternoons".to_string()),
            "MinRestingHoursBetweenMorningAndAfternoon" => {
                let m = number(c, "Minimum_Resting_Hours")?;
                (
                    Rule::MinRestingHoursBetweenMorningAndAfternoon(m),
                    format!("at least {m} free periods between morning and afternoon"),
                )
            }
            "MaxThreeConsecutiveDays" => {
                let exception = flag(c, "Allow_Afternoon_Morning_Afternoon_Morning_Exception", false);
                (
                    Rule::MaxThreeConsecutiveHalfDays { afternoon_start_exception: exception },
                    if exception {
                        "never four half days in a row (afternoon-morning-afternoon-morning allowed)".to_string()
                    } else {
                        "never four half days in a row".to_string()
                    },
                )
            }
            "AfternoonsEarlyMaxBeginningsAtSecondHour" => {
                let m = number(c, "Max_Beginnings_At_Second_Hour")?;
                (
                    Rule::AfternoonsEarlyMaxBeginningsAtSecondHour(m),
                    format!("afternoons start at the first period (at most {m} at the second)"),
                )
            }
            _ => return Err(TimetableError::Internal(format!("{name} is listed as supported but has no reader"))),
        };
        // Mornings-afternoons mode: FET 6.8.5 lets a half day stay empty when the other half of its
        // real day has lessons; only a whole real day without lessons breaks "no empty days".
        if let (true, Rule::MinHoursDaily { min, allow_empty_days: false }, None) = (self.problem.half_days, rule, &tag)
        {
            if !resources.is_empty() {
                let real_days = (self.problem.days.len() / 2) as u16;
                self.push(
                    c,
                    w,
                    format!("{who}: at least {min} hours on a half day with lessons"),
                    Kind::ResourceRule {
                        resources: resources.clone(),
                        rule: Rule::MinHoursDaily { min, allow_empty_days: true },
                    },
                );
                self.push(
                    c,
                    w,
                    format!("{who}: lessons on every real day"),
                    Kind::ResourceRule { resources, rule: Rule::MinRealDaysPerWeek(real_days) },
                );
            }
            return Ok(());
        }
        if !resources.is_empty() {
            match tag {
                Some(tag) => {
                    self.push(c, w, format!("{who}: {what} with tag {tag}"), Kind::TagRule { resources, tag, rule })
                }
                None => self.push(c, w, format!("{who}: {what}"), Kind::ResourceRule { resources, rule }),
            }
        }
        Ok(())
    }

    fn list(&self, acts: &[u32]) -> String {
        let shown: Vec<String> = acts.iter().take(4).map(|&a| self.problem.activity_label(a)).collect();
        if acts.len() > 4 { format!("{} and {} more", shown.join(", "), acts.len() - 4) } else { shown.join(", ") }
    }

    fn room_names(&self, rooms: &[u32]) -> String {
        rooms.iter().map(|&r| self.problem.rooms[r as usize].name.as_str()).collect::<Vec<_>>().join("/")
    }

    fn describe_slots(&self, slots: &[Slot]) -> String {
        if slots.len() == 1 { self.problem.slot_name(slots[0]) } else { format!("one of {} periods", slots.len()) }
    }
}
