//! The core timetabling problem every front end compiles to: one weekly grid of days × periods,
//! resources (teachers, atomic student groups, rooms), activities and weighted constraints.
//!
//! The shape follows FET's model so that FET files map onto it one to one; the district model
//! in [`crate::school`] compiles onto it as well (shared lessons become linked activities,
//! elective blocks become same-time groups).

use serde::Serialize;

/// A start position in the weekly grid: `day * periods_per_day + period`.
pub type Slot = u16;

/// Constraint weight in thousandths of a percent: 100 % is `FULL_WEIGHT`.
pub const FULL_WEIGHT: u32 = 100_000;

/// The timetabling problem.
#[derive(Debug, Clone, Default)]
pub struct Problem {
    /// Institution or instance name, for reports.
    pub name: String,
    /// Day names, in order.
    pub days: Vec<String>,
    /// Period names of one day, in order; every day has the same periods.
    pub periods: Vec<String>,
    /// FET's mornings-afternoons mode: the days are half days, day `2k` the morning and `2k + 1`
    /// the afternoon of real day `k`. Minimum days between activities then count real days, and
    /// the `…RealDay…`, morning and afternoon rules apply; every other rule keeps its per-(half-)day
    /// meaning, as in FET.
    pub half_days: bool,
    /// Teacher names.
    pub teachers: Vec<String>,
    /// Atomic student groups (FET subgroups, or a class when it is not split): the unit of clashes.
    pub atoms: Vec<String>,
    /// Named student sets (years, groups, subgroups, classes); each covers some atoms.
    pub student_sets: Vec<StudentSet>,
    /// Rooms.
    pub rooms: Vec<Room>,
    /// Lessons to place.
    pub activities: Vec<Activity>,
    /// Hard and soft constraints beyond the basic ones (no resource in two places at once,
    /// an activity fits inside one day, a room holds its students).
    pub constraints: Vec<Constraint>,
}

/// A named set of students.
#[derive(Debug, Clone, Default)]
pub struct StudentSet {
    /// Name as the user knows it.
    pub name: String,
    /// Number of students (for room capacity).
    pub size: u32,
    /// Indices into [`Problem::atoms`].
    pub atoms: Vec<u32>,
}

/// A room.
#[derive(Debug, Clone, Default)]
pub struct Room {
    /// Name.
    pub name: String,
    /// Seats; `u32::MAX` when unlimited.
    pub capacity: u32,
    /// The building it is in (empty when none is given: such a room is never a building change).
    pub building: String,
}

/// One lesson (or one part of a split lesson) to be placed.
#[derive(Debug, Clone, Default)]
pub struct Activity {
    /// The identifier the user sees (FET's activity id).
    pub id: u32,
    /// Subject name.
    pub subject: String,
    /// Activity tags (FET) or free labels.
    pub tags: Vec<String>,
    /// Indices into [`Problem::teachers`].
    pub teachers: Vec<u32>,
    /// Indices into [`Problem::student_sets`], as given.
    pub students: Vec<u32>,
    /// Atoms the activity occupies (the union of its student sets' atoms, sorted, deduplicated).
    pub atoms: Vec<u32>,
    /// Length in periods.
    pub duration: u16,
    /// Students attending (for room capacity).
    pub size: u32,
    /// Activities split from one lesson share a group id (FET's Activity_Group_Id; 0 for none).
    pub group: u32,
}

/// A constraint with its weight and a description in the user's words.
#[derive(Debug, Clone)]
pub struct Constraint {
    /// Weight in thousandths of a percent; `FULL_WEIGHT` and `hard` means it must hold.
    pub weight: u32,
    /// Must hold (FET: weight 100 %); otherwise each violation costs `weight`.
    pub hard: bool,
    /// How a timetabler would say it (e.g. "Teacher Smith is not available Monday 1st period").
    pub label: String,
    /// What it requires.
    pub kind: Kind,
}

/// A resource that constraints can restrict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Resource {
    /// Index into [`Problem::teachers`].
    Teacher(u32),
    /// Index into [`Problem::atoms`].
    Atom(u32),
    /// Index into [`Problem::rooms`].
    Room(u32),
}

/// Rules on the daily and weekly shape of one teacher's or one student group's timetable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// At most this many busy periods a day.
    MaxHoursDaily(u16),
    /// At least this many busy periods on a day that has any (or on every day when empty days are not allowed).
    MinHoursDaily {
        /// Minimum periods.
        min: u16,
        /// Days without lessons are fine.
        allow_empty_days: bool,
    },
    /// At most this many free periods between the first and last lesson of each day.
    MaxGapsPerDay(u16),
    /// At most this many such free periods in the whole week.
    MaxGapsPerWeek(u16),
    /// Days begin with the first usable period, except at most this many days that begin with the second.
    EarlyMaxBeginningsAtSecondHour(u16),
    /// At most this many busy periods in a row.
    MaxHoursContinuously(u16),
    /// At most this many days with lessons.
    MaxDaysPerWeek(u16),
    /// At least this many days with lessons.
    MinDaysPerWeek(u16),
    /// At most this many periods from the first to the last lesson of each day (gaps and breaks included).
    MaxSpanPerDay(u16),
    /// The same, except that one day of the week may be one period longer (FET's "allow one day
    /// exception of plus one").
    MaxSpanPerDayOneLonger(u16),
    /// At least `min` free periods from the last lesson of a day to the first of the next day
    /// (the free periods at the end of one day plus those at the start of the next; an empty day
    /// counts all its periods). `circular` also joins the last day of the week to the first.
    MinRestingHours {
        /// Minimum free periods.
        min: u16,
        /// The week wraps around.
        circular: bool,
    },
    /// At most `max` days with a lesson in periods `start..end`.
    IntervalMaxDaysPerWeek {
        /// First period of the interval.
        start: u16,
        /// One past the last period of the interval.
        end: u16,
        /// Maximum days.
        max: u16,
    },
    // The rules below need `Problem::half_days` (FET's mornings-afternoons mode). A real day is
    // its morning's periods followed by its afternoon's, as one day of twice the length.
    /// At most this many busy periods a real day.
    MaxHoursDailyRealDays(u16),
    /// At least this many busy periods on a real day that has any (or on every real day).
    MinHoursDailyRealDays {
        /// Minimum periods.
        min: u16,
        /// Real days without lessons are fine.
        allow_empty_days: bool,
    },
    /// At most `max` free periods between the first and last lesson of each real day (the end of
    /// the morning and the start of the afternoon count); with `one_day_exception`, one real day
    /// may have `max + 1`.
    MaxGapsPerRealDay {
        /// Maximum gaps.
        max: u16,
        /// One real day may have one more.
        one_day_exception: bool,
    },
    /// At most this many real days with lessons.
    MaxRealDaysPerWeek(u16),
    /// At least this many real days with lessons.
    MinRealDaysPerWeek(u16),
    /// At most this many mornings with lessons.
    MaxMorningsPerWeek(u16),
    /// At most this many afternoons with lessons.
    MaxAfternoonsPerWeek(u16),
    /// At least this many busy periods on a morning that has any (or on every morning).
    MinHoursPerMorning {
        /// Minimum periods.
        min: u16,
        /// Mornings without lessons are fine.
        allow_empty_mornings: bool,
    },
    /// No free period between the first and last lesson of an afternoon.
    ZeroGapsPerAfternoon,
    /// On a real day with lessons in the morning and the afternoon, at least this many free
    /// periods from the last morning lesson to the first afternoon one.
    MinRestingHoursBetweenMorningAndAfternoon(u16),
    /// At most this many real days with lessons both in the morning and in the afternoon (FET's
    /// teacher mornings-afternoons behaviour: "exclusive" is 0, "one day exception" 1, …).
    MaxRealDaysWithMorningAndAfternoon(u16),
    /// Never four half days in a row with lessons; with `afternoon_start_exception`, four that
    /// begin with an afternoon (afternoon, morning, afternoon, morning) are allowed.
    MaxThreeConsecutiveHalfDays {
        /// Allow afternoon-morning-afternoon-morning.
        afternoon_start_exception: bool,
    },
    /// Afternoons begin with the first usable period, except at most this many that begin with the second.
    AfternoonsEarlyMaxBeginningsAtSecondHour(u16),
}

impl Rule {
    /// Whether the rule only makes sense in the mornings-afternoons mode.
    pub fn needs_half_days(&self) -> bool {
        !matches!(
            self,
            Rule::MaxHoursDaily(_)
                | Rule::MinHoursDaily { .. }
                | Rule::MaxGapsPerDay(_)
                | Rule::MaxGapsPerWeek(_)
                | Rule::EarlyMaxBeginningsAtSecondHour(_)
                | Rule::MaxHoursContinuously(_)
                | Rule::MaxDaysPerWeek(_)
                | Rule::MinDaysPerWeek(_)
                | Rule::MaxSpanPerDay(_)
                | Rule::MaxSpanPerDayOneLonger(_)
                | Rule::MinRestingHours { .. }
                | Rule::IntervalMaxDaysPerWeek { .. }
        )
    }
}

/// What changes of room (or building) a teacher or student group may make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeLimit {
    /// At most this many changes a day.
    PerDay(u16),
    /// At most this many changes in the week.
    PerWeek(u16),
    /// At least this many free periods before each change.
    MinGaps(u16),
}

/// What a constraint requires. Activity lists hold indices into [`Problem::activities`].
#[derive(Debug, Clone)]
pub enum Kind {
    /// No activity may occupy these slots (school-wide breaks).
    Break {
        /// Slots.
        slots: Vec<Slot>,
    },
    /// The resource is not available in these slots.
    NotAvailable {
        /// Teacher, atom or room.
        resource: Resource,
        /// Slots.
        slots: Vec<Slot>,
    },
    /// Each activity starts at one of these slots.
    PreferredStarts {
        /// Activities.
        activities: Vec<u32>,
        /// Allowed starts.
        slots: Vec<Slot>,
    },
    /// Every period each activity occupies is one of these slots.
    PreferredSlots {
        /// Activities.
        activities: Vec<u32>,
        /// Allowed slots.
        slots: Vec<Slot>,
    },
    /// Each activity is held in one of these rooms.
    PreferredRooms {
        /// Activities.
        activities: Vec<u32>,
        /// Rooms (indices into [`Problem::rooms`]).
        rooms: Vec<u32>,
    },
    /// Any two of the activities are at least `min_days` days apart; if `consecutive_if_same_day`
    /// and two end up on the same day, they must be back to back.
    MinDaysBetween {
        /// Activities.
        activities: Vec<u32>,
        /// Minimum distance in days.
        min_days: u16,
        /// Same-day pairs must be adjacent.
        consecutive_if_same_day: bool,
    },
    /// All start at the same slot (elective blocks, shared lessons on one grid).
    SameStartingTime {
        /// Activities.
        activities: Vec<u32>,
    },
    /// All start on the same day.
    SameStartingDay {
        /// Activities.
        activities: Vec<u32>,
    },
    /// All start at the same period (on any days).
    SameStartingHour {
        /// Activities.
        activities: Vec<u32>,
    },
    /// No two overlap in time.
    NotOverlapping {
        /// Activities.
        activities: Vec<u32>,
    },
    /// `second` starts right when `first` ends, the same day.
    Consecutive {
        /// First activity.
        first: u32,
        /// Second activity.
        second: u32,
    },
    /// All on one day, back to back in any order.
    Grouped {
        /// Activities (two or three).
        activities: Vec<u32>,
    },
    /// `first` ends before `second` starts (in week order).
    Ordered {
        /// First activity.
        first: u32,
        /// Second activity.
        second: u32,
    },
    /// Two of the activities on the same day have at least `min_gaps` periods between them.
    MinGapsBetween {
        /// Activities.
        activities: Vec<u32>,
        /// Minimum free periods between.
        min_gaps: u16,
    },
    /// Nothing follows the activity on its day for any of its students.
    EndsStudentsDay {
        /// Activity.
        activity: u32,
    },
    /// In each selected slot at most `max` of the activities take place.
    MaxSimultaneousInSlots {
        /// Activities.
        activities: Vec<u32>,
        /// Selected slots.
        slots: Vec<Slot>,
        /// Maximum simultaneous.
        max: u16,
    },
    /// The activities together occupy at most `max` of the selected slots.
    OccupyMaxSlotsFromSelection {
        /// Activities.
        activities: Vec<u32>,
        /// Selected slots.
        slots: Vec<Slot>,
        /// Maximum occupied slots.
        max: u16,
    },
    /// `second` starts at one of the slots `allowed[start of first]` (shared lessons between
    /// schools whose periods differ: the same real clock time).
    LinkedStarts {
        /// Leading activity.
        first: u32,
        /// Linked activity.
        second: u32,
        /// For each slot, the starts of `second` that overlap it in real time.
        allowed: Vec<Vec<Slot>>,
    },
    /// At most `max` of the activities start in each term (FET terms mode: the week's days are
    /// cut into terms of `days_per_term` days).
    MaxInATerm {
        /// Activities.
        activities: Vec<u32>,
        /// Days per term.
        days_per_term: u16,
        /// Maximum activities per term.
        max: u16,
    },
    /// The activities start in at most `max` different terms.
    OccupyMaxTerms {
        /// Activities.
        activities: Vec<u32>,
        /// Days per term.
        days_per_term: u16,
        /// Maximum terms.
        max: u16,
    },
    /// A shape rule applied, for each listed resource, to its lessons carrying `tag` only
    /// (FET's activity-tag max hours daily / continuously).
    TagRule {
        /// Teachers or atoms the rule applies to, each separately.
        resources: Vec<Resource>,
        /// The activity tag.
        tag: String,
        /// The rule.
        rule: Rule,
    },
    /// If both start on the same day, `first` ends before `second` starts.
    OrderedIfSameDay {
        /// First activity.
        first: u32,
        /// Second activity.
        second: u32,
    },
    /// Any two of the activities are at most `max_days` days apart.
    MaxDaysBetween {
        /// Activities.
        activities: Vec<u32>,
        /// Maximum distance in days.
        max_days: u16,
    },
    /// In each selected slot at least `min` of the activities take place (or none, if
    /// `allow_empty`).
    MinSimultaneousInSlots {
        /// Activities.
        activities: Vec<u32>,
        /// Selected slots.
        slots: Vec<Slot>,
        /// Minimum simultaneous.
        min: u16,
        /// A selected slot with none of them is fine.
        allow_empty: bool,
    },
    /// At most `max` of the activities occupy any of the selected slots (each counted once).
    MaxTotalInSlots {
        /// Activities.
        activities: Vec<u32>,
        /// Selected slots.
        slots: Vec<Slot>,
        /// Maximum activities.
        max: u16,
    },
    /// The activities together occupy at least `min` of the selected slots.
    OccupyMinSlotsFromSelection {
        /// Activities.
        activities: Vec<u32>,
        /// Selected slots.
        slots: Vec<Slot>,
        /// Minimum occupied slots.
        min: u16,
    },
    /// Lessons carrying different tags of the list never overlap (lessons with the same single
    /// tag may); a lesson with two of the tags overlaps nothing that carries any of them.
    TagsNotOverlapping {
        /// Activity tags.
        tags: Vec<String>,
    },
    /// No two of the activities occupy the same period of the day, even on different days (FET's
    /// block-planning mode, where a "day" is a teacher or room and a period a block: students are
    /// in one block at a time).
    OnePerPeriodOfAnyDay {
        /// Activities.
        activities: Vec<u32>,
    },
    /// For each listed resource and day, a lesson with `second_tag` that follows a lesson with
    /// `first_tag` starts at least `min_gaps` periods after it ends.
    TagPairMinGaps {
        /// Teachers or atoms, each separately.
        resources: Vec<Resource>,
        /// Tag of the earlier lesson.
        first_tag: String,
        /// Tag of the later lesson.
        second_tag: String,
        /// Minimum periods between them.
        min_gaps: u16,
    },
    /// On each day the activities carry at most `max` different tags of `tags` (FET's max two
    /// activity tags from N1, N2 and N3 per day, for one teacher's or students set's activities).
    MaxTagsPerDay {
        /// Activities.
        activities: Vec<u32>,
        /// The tags counted.
        tags: Vec<String>,
        /// Maximum different tags a day.
        max: u16,
    },
    /// For each listed teacher or atom, the rooms (or the buildings of the rooms) of its lessons,
    /// in order through each day, change only as `limit` allows (FET's max room/building changes
    /// and min gaps between them). Lessons without a room, and rooms without a building when
    /// `buildings`, are skipped; a change is two successive such lessons in different places.
    PlaceChanges {
        /// Teachers or atoms, each judged separately.
        resources: Vec<Resource>,
        /// Count buildings instead of rooms.
        buildings: bool,
        /// The limit.
        limit: ChangeLimit,
    },
    /// The activities (those that get a room) use at most `max` different rooms.
    OccupyMaxDifferentRooms {
        /// Activities.
        activities: Vec<u32>,
        /// Maximum rooms.
        max: u16,
    },
    /// Two of the activities held one right after the other on the same day (nothing, not even
    /// a break, between them) are in the same room.
    SameRoomIfConsecutive {
        /// Activities.
        activities: Vec<u32>,
    },
    /// A daily/weekly shape rule for each listed resource (teachers or atoms).
    ResourceRule {
        /// Teachers or atoms the rule applies to, each separately.
        resources: Vec<Resource>,
        /// The rule.
        rule: Rule,
    },
}

/// Where one activity was placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Placement {
    /// Start slot, if placed.
    pub start: Option<Slot>,
    /// Room, if one was allocated.
    pub room: Option<u32>,
}

/// A (possibly partial) timetable: one placement per activity, in activity order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Timetable {
    /// Placements, indexed like [`Problem::activities`].
    pub placements: Vec<Placement>,
}

impl Problem {
    /// Periods per day.
    pub fn periods_per_day(&self) -> usize {
        self.periods.len()
    }

    /// Number of slots in the week.
    pub fn slot_count(&self) -> usize {
        self.days.len() * self.periods.len()
    }

    /// "Monday 3" style name of a slot.
    pub fn slot_name(&self, slot: Slot) -> String {
        let h = self.periods.len().max(1);
        let (d, p) = (usize::from(slot) / h, usize::from(slot) % h);
        format!(
            "{} {}",
            self.days.get(d).map(String::as_str).unwrap_or("?"),
            self.periods.get(p).map(String::as_str).unwrap_or("?")
        )
    }

    /// Name of a resource.
    pub fn resource_name(&self, r: Resource) -> String {
        let pick = |v: &Vec<String>, i: u32| v.get(i as usize).cloned().unwrap_or_default();
        match r {
            Resource::Teacher(i) => pick(&self.teachers, i),
            Resource::Atom(i) => pick(&self.atoms, i),
            Resource::Room(i) => self.rooms.get(i as usize).map(|r| r.name.clone()).unwrap_or_default(),
        }
    }

    /// A short description of an activity ("#12 Maths, Smith, 7A").
    pub fn activity_label(&self, a: u32) -> String {
        let Some(act) = self.activities.get(a as usize) else { return format!("#{a}") };
        let teachers: Vec<&str> =
            act.teachers.iter().filter_map(|&t| self.teachers.get(t as usize).map(String::as_str)).collect();
        let students: Vec<&str> =
            act.students.iter().filter_map(|&s| self.student_sets.get(s as usize).map(|s| s.name.as_str())).collect();
        format!("#{} {} ({}; {})", act.id, act.subject, teachers.join("+"), students.join("+"))
    }

    /// Checks indices and sizes so that the solver and checker can index without bounds surprises.
    pub fn validate(&self) -> crate::Result<()> {
        let bad = |m: String| Err(crate::TimetableError::Model(m));
        let h = self.periods.len();
        if self.days.is_empty() || h == 0 {
            return bad("the week has no days or no periods".into());
        }
        if h > 64 {
            return bad(format!("{h} periods per day; at most 64 are supported"));
        }
        if self.slot_count() > usize::from(u16::MAX) {
            return bad("too many slots in the week".into());
        }
        if self.half_days && (!self.days.len().is_multiple_of(2) || h > 32) {
            return bad(format!(
                "mornings-afternoons mode needs an even number of half days and at most 32 periods each; \
                 there are {} half days of {h} periods",
                self.days.len()
            ));
        }
        let slots = self.slot_count();
        for (i, a) in self.activities.iter().enumerate() {
            if a.duration == 0 || usize::from(a.duration) > h {
                return bad(format!(
                    "activity {} lasts {} periods but a day has {h}",
                    self.activity_label(i as u32),
                    a.duration
                ));
            }
            if a.teachers.iter().any(|&t| t as usize >= self.teachers.len())
                || a.atoms.iter().any(|&x| x as usize >= self.atoms.len())
                || a.students.iter().any(|&s| s as usize >= self.student_sets.len())
            {
                return bad(format!("activity #{} refers to an unknown teacher or student set", a.id));
            }
        }
        let n = self.activities.len();
        let acts_ok = |v: &[u32]| v.iter().all(|&a| (a as usize) < n);
        let slots_ok = |v: &[Slot]| v.iter().all(|&s| usize::from(s) < slots);
        let res_ok = |r: &Resource| match *r {
            Resource::Teacher(i) => (i as usize) < self.teachers.len(),
            Resource::Atom(i) => (i as usize) < self.atoms.len(),
            Resource::Room(i) => (i as usize) < self.rooms.len(),
        };
        for c in &self.constraints {
            let ok = match &c.kind {
                Kind::Break { slots: s } => slots_ok(s),
                Kind::NotAvailable { resource, slots: s } => res_ok(resource) && slots_ok(s),
                Kind::PreferredStarts { activities, slots: s } | Kind::PreferredSlots { activities, slots: s } => {
                    acts_ok(activities) && slots_ok(s)
                }
                Kind::PreferredRooms { activities, rooms } => {
                    acts_ok(activities) && rooms.iter().all(|&r| (r as usize) < self.rooms.len())
                }
                Kind::MinDaysBetween { activities, .. }
                | Kind::SameStartingTime { activities }
                | Kind::SameStartingDay { activities }
                | Kind::SameStartingHour { activities }
                | Kind::NotOverlapping { activities }
                | Kind::Grouped { activities }
                | Kind::MinGapsBetween { activities, .. }
                | Kind::MaxTagsPerDay { activities, .. }
                | Kind::OccupyMaxDifferentRooms { activities, .. }
                | Kind::SameRoomIfConsecutive { activities } => acts_ok(activities),
                Kind::PlaceChanges { resources, .. } => {
                    resources.iter().all(|r| res_ok(r) && !matches!(r, Resource::Room(_)))
                }
                Kind::Consecutive { first, second }
                | Kind::Ordered { first, second }
                | Kind::OrderedIfSameDay { first, second } => acts_ok(&[*first, *second]),
                Kind::MaxDaysBetween { activities, .. } | Kind::OnePerPeriodOfAnyDay { activities } => {
                    acts_ok(activities)
                }
                Kind::MinSimultaneousInSlots { activities, slots: s, .. }
                | Kind::MaxTotalInSlots { activities, slots: s, .. }
                | Kind::OccupyMinSlotsFromSelection { activities, slots: s, .. } => acts_ok(activities) && slots_ok(s),
                Kind::TagsNotOverlapping { .. } => true,
                Kind::TagPairMinGaps { resources, .. } => {
                    resources.iter().all(|r| res_ok(r) && !matches!(r, Resource::Room(_)))
                }
                Kind::EndsStudentsDay { activity } => acts_ok(&[*activity]),
                Kind::MaxSimultaneousInSlots { activities, slots: s, .. }
                | Kind::OccupyMaxSlotsFromSelection { activities, slots: s, .. } => acts_ok(activities) && slots_ok(s),
                Kind::LinkedStarts { first, second, allowed } => {
                    acts_ok(&[*first, *second]) && allowed.len() == slots && allowed.iter().all(|v| slots_ok(v))
                }
                Kind::MaxInATerm { activities, days_per_term, .. }
                | Kind::OccupyMaxTerms { activities, days_per_term, .. } => acts_ok(activities) && *days_per_term > 0,
                Kind::ResourceRule { resources, rule } | Kind::TagRule { resources, rule, .. } => {
                    resources.iter().all(|r| res_ok(r) && !matches!(r, Resource::Room(_)))
                        && (self.half_days || !rule.needs_half_days())
                        && match *rule {
                            Rule::IntervalMaxDaysPerWeek { start, end, .. } => start < end && usize::from(end) <= h,
                            _ => true,
                        }
                }
            };
            if !ok {
                return bad(format!(
                    "constraint \"{}\" refers to an unknown activity, resource or slot, or needs the mornings-afternoons mode",
                    c.label
                ));
            }
        }
        Ok(())
    }
}
