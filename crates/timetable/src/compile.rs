//! Turns a [`Problem`] into the flat arrays the solver searches over: each activity's statically
//! allowed starts and rooms with their fixed costs, the constraints that depend on several
//! activities, and the per-resource shape rules.

use crate::model::{ChangeLimit, Kind, Problem, Resource, Rule, Slot};

/// A constraint the solver must re-evaluate when one of its activities moves.
#[derive(Debug, Clone)]
pub(crate) enum DynKind {
    MinDays {
        acts: Vec<u32>,
        min_days: u16,
        consecutive: bool,
    },
    SameTime(Vec<u32>),
    SameDay(Vec<u32>),
    SameHour(Vec<u32>),
    NotOverlapping(Vec<u32>),
    Consecutive(u32, u32),
    Grouped(Vec<u32>),
    Ordered(u32, u32),
    MinGaps {
        acts: Vec<u32>,
        min_gaps: u16,
    },
    /// `tag_bits[i]`: which of the counted tags `acts[i]` carries.
    TagsPerDay {
        acts: Vec<u32>,
        tag_bits: Vec<u64>,
        max: u16,
    },
    MaxSimultaneous {
        acts: Vec<u32>,
        selected: Vec<bool>,
        max: u16,
    },
    OccupyMax {
        acts: Vec<u32>,
        selected: Vec<bool>,
        max: u16,
    },
    Linked {
        first: u32,
        second: u32,
        allowed: Vec<Vec<Slot>>,
    },
    MaxInTerm {
        acts: Vec<u32>,
        days_per_term: u16,
        max: u16,
    },
    OccupyTerms {
        acts: Vec<u32>,
        days_per_term: u16,
        max: u16,
    },
    OrderedIfSameDay(u32, u32),
    MaxDays {
        acts: Vec<u32>,
        max_days: u16,
    },
    /// Per-slot counters like `MaxSimultaneous`.
    MinSimultaneous {
        acts: Vec<u32>,
        selected: Vec<bool>,
        min: u16,
        allow_empty: bool,
    },
    /// `cons_aux` counts the activities touching the selection.
    MaxTotal {
        acts: Vec<u32>,
        selected: Vec<bool>,
        max: u16,
    },
    /// Per-slot counters like `OccupyMax`.
    OccupyMin {
        acts: Vec<u32>,
        selected: Vec<bool>,
        min: u16,
    },
    /// `class[a]`: the one listed tag of activity `a` (an index below `ntags`), `ntags` when it
    /// carries several, `u32::MAX` when none. Counters per slot: `[all tagged, per class...]`.
    TagsApart {
        acts: Vec<u32>,
        class: Vec<u32>,
        ntags: u32,
    },
    /// Counters per period of the day (over all days).
    OnePerPeriod(Vec<u32>),
}

#[derive(Debug, Clone)]
pub(crate) struct DynCons {
    pub hard: bool,
    pub weight: i64,
    pub kind: DynKind,
}

/// No place: a lesson without a room, or a room without a building when buildings are counted.
pub(crate) const NO_PLACE: u32 = u32::MAX;

/// A constraint on where activities are held; re-evaluated whenever one of its activities gets
/// or loses a room (an activity's time only changes while it has no room).
#[derive(Debug, Clone)]
pub(crate) enum RoomKind {
    /// One teacher's or atom's changes of place; `buildings` selects [`Compiled::building`] as
    /// the place of a room instead of the room itself.
    Changes {
        acts: Vec<u32>,
        buildings: bool,
        limit: ChangeLimit,
    },
    MaxRooms {
        acts: Vec<u32>,
        max: u16,
    },
    SameRoom {
        acts: Vec<u32>,
    },
}

impl RoomKind {
    fn acts_mut(&mut self) -> &mut Vec<u32> {
        match self {
            RoomKind::Changes { acts, .. } | RoomKind::MaxRooms { acts, .. } | RoomKind::SameRoom { acts } => acts,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct RoomCons {
    pub hard: bool,
    pub weight: i64,
    pub kind: RoomKind,
}

/// A shape rule of one resource, or the "ends the students' day" list of one atom.
#[derive(Debug, Clone)]
pub(crate) enum RuleKind {
    Shape(Rule),
    EndsDay(Vec<u32>),
    /// Lessons of shadow `second` starting too soon after lessons of shadow `first`.
    TagGap {
        first: usize,
        second: usize,
        min_gaps: u16,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct RuleInst {
    pub hard: bool,
    pub weight: i64,
    pub kind: RuleKind,
}

/// The solver's view of a problem.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    pub h: usize,
    pub nd: usize,
    /// Days are half days paired into real days (FET's mornings-afternoons mode).
    pub half_days: bool,
    pub ns: usize,
    pub n: usize,
    pub nt: usize,
    pub nr: usize,
    pub dur: Vec<u16>,
    /// Resource indices per activity: teachers are `0..nt`, atoms `nt..clash_res`, then shadow
    /// resources (one teacher's or atom's lessons with one tag, for activity-tag rules).
    pub res: Vec<Vec<u32>>,
    /// Resources below this index must not hold two lessons at once; shadows above it only carry
    /// rules (their clashes are already counted on the resource they shadow).
    pub clash_res: usize,
    /// Activities per resource.
    pub res_acts: Vec<Vec<u32>>,
    pub domain: Vec<Vec<Slot>>,
    pub dom_hard: Vec<Vec<i64>>,
    pub dom_soft: Vec<Vec<i64>>,
    /// Candidate rooms per activity (empty: the activity takes no room).
    pub rooms: Vec<Vec<u32>>,
    /// Fixed hard and soft costs per candidate room; one entry more than `rooms[a]` when the
    /// activity may go without a room (see [`Compiled::roomless`]), that choice's costs.
    pub room_hard: Vec<Vec<i64>>,
    pub room_soft: Vec<Vec<i64>>,
    /// Per room and slot: hard unavailability (0/1) and soft unavailability cost.
    pub room_na_hard: Vec<Vec<u8>>,
    pub room_na_soft: Vec<Vec<i64>>,
    /// Building index per room (`NO_PLACE` for none).
    pub building: Vec<u32>,
    pub room_cons: Vec<RoomCons>,
    /// Room constraints per activity.
    pub act_room_cons: Vec<Vec<u32>>,
    pub cons: Vec<DynCons>,
    pub act_cons: Vec<Vec<u32>>,
    /// Rules per resource, flattened: `rules[rule_start[r]..rule_start[r + 1]]`.
    pub rules: Vec<RuleInst>,
    pub rule_start: Vec<usize>,
    /// The rules whose value depends on resource `r`'s lessons, flattened like `rules`:
    /// `watch[watch_start[r]..watch_start[r + 1]]`. A resource's own rules, except that a
    /// tag-pair rule reads only its two tags' shadows and is listed under those instead of the
    /// resource it belongs to: a lesson without either tag cannot change it, and a student
    /// group under a dozen tag pairs would otherwise recompute all of them for every lesson.
    pub watch: Vec<u32>,
    pub watch_start: Vec<usize>,
    /// The resources watching each rule (one, or a tag pair's two shadows).
    pub watchers: Vec<[u32; 2]>,
    /// Per resource and day: periods that are never gaps (breaks, hard unavailability).
    pub unusable: Vec<u64>,
    /// Per day: hard break periods (lessons separated only by a break still count as consecutive).
    pub breaks: Vec<u64>,
}

impl Compiled {
    /// Whether activity `a`'s room preferences are all soft: like FET, it may then be given no
    /// room, at the cost of every preference (two lessons wanting the one courtyard at once: one
    /// goes without). Its costs are the entry past the candidates in `room_hard` / `room_soft`.
    pub fn roomless(&self, a: usize) -> bool {
        self.room_soft[a].len() > self.rooms[a].len()
    }

    /// Whether a lesson starting at period `start` follows one ending at `end` on the same day
    /// with nothing but breaks in between.
    pub(crate) fn adjacent(&self, day: usize, end: usize, start: usize) -> bool {
        if start < end {
            return false;
        }
        let between = if start == end { 0 } else { (u64::MAX >> (64 - (start - end))) << end };
        between & !self.breaks[day] == 0
    }
}

impl Compiled {
    /// How many distinct keys a synchronised group can take: slots, days or periods.
    pub(crate) fn sync_keys(&self, kind: &DynKind) -> usize {
        match kind {
            DynKind::SameTime(_) => self.ns,
            DynKind::SameDay(_) => self.nd,
            _ => self.h,
        }
    }

    /// The key a start gives in a synchronised group: the slot itself, its day or its period.
    pub(crate) fn sync_key(&self, kind: &DynKind, start: usize) -> usize {
        match kind {
            DynKind::SameTime(_) => start,
            DynKind::SameDay(_) => start / self.h,
            _ => start % self.h,
        }
    }

    /// The start `start` takes when its group moves to `key` (the other coordinate is kept).
    pub(crate) fn sync_target(&self, kind: &DynKind, start: usize, key: usize) -> usize {
        match kind {
            DynKind::SameTime(_) => key,
            DynKind::SameDay(_) => key * self.h + start % self.h,
            _ => start - start % self.h + key,
        }
    }
}

/// Per-resource lists laid end to end, with where each starts: `list r` is
/// `flat[start[r]..start[r + 1]]`.
fn flatten<T>(lists: Vec<Vec<T>>) -> (Vec<T>, Vec<usize>) {
    let mut flat = Vec::new();
    let mut start = Vec::with_capacity(lists.len() + 1);
    for list in lists {
        start.push(flat.len());
        flat.extend(list);
    }
    start.push(flat.len());
    (flat, start)
}

fn weight_of(hard: bool, w: u32) -> i64 {
    if hard { 1 } else { i64::from(w) }
}

impl Compiled {
    pub(crate) fn new(p: &Problem) -> Self {
        let h = p.periods.len();
        let nd = p.days.len();
        let ns = nd * h;
        let n = p.activities.len();
        let nt = p.teachers.len();
        let na = p.atoms.len();
        let nres = nt + na;
        let nr = p.rooms.len();
        let res: Vec<Vec<u32>> = p
            .activities
            .iter()
            .map(|a| {
                let mut v: Vec<u32> = a.teachers.clone();
                v.extend(a.atoms.iter().map(|&x| x + nt as u32));
                v.sort_unstable();
                v.dedup();
                v
            })
            .collect();
        // Shadow resources for activity-tag rules: (resource, tag) -> index from `nres` on.
        let mut shadow_index: std::collections::HashMap<(usize, &str), usize> = std::collections::HashMap::new();
        let mut shadows: Vec<(usize, &str)> = Vec::new();
        for c in &p.constraints {
            let (resources, tags): (&Vec<Resource>, Vec<&str>) = match &c.kind {
                Kind::TagRule { resources, tag, .. } => (resources, vec![tag.as_str()]),
                Kind::TagPairMinGaps { resources, first_tag, second_tag, .. } => {
                    (resources, vec![first_tag.as_str(), second_tag.as_str()])
                }
                _ => continue,
            };
            for &r in resources {
                let base = match r {
                    Resource::Teacher(t) => t as usize,
                    Resource::Atom(a) => nt + a as usize,
                    Resource::Room(_) => continue,
                };
                for &tag in &tags {
                    shadow_index.entry((base, tag)).or_insert_with(|| {
                        shadows.push((base, tag));
                        nres + shadows.len() - 1
                    });
                }
            }
        }
        let mut res = res;
        for (i, a) in p.activities.iter().enumerate() {
            for tag in &a.tags {
                for k in 0..res[i].len() {
                    if let Some(&sh) = shadow_index.get(&(res[i][k] as usize, tag.as_str())) {
                        res[i].push(sh as u32);
                    }
                }
            }
            res[i].sort_unstable();
            res[i].dedup();
        }
        let clash_res = nres;
        let nres = nres + shadows.len();
        let mut res_acts = vec![Vec::new(); nres];
        for (i, rs) in res.iter().enumerate() {
            for &r in rs {
                res_acts[r as usize].push(i as u32);
            }
        }
        let res_index = |r: Resource| -> Option<usize> {
            match r {
                Resource::Teacher(t) => Some(t as usize),
                Resource::Atom(a) => Some(nt + a as usize),
                Resource::Room(_) => None,
            }
        };

        // Static per-cell costs per resource, and school-wide breaks.
        let mut cell_hard = vec![vec![0i64; ns]; nres];
        let mut cell_soft = vec![vec![0i64; ns]; nres];
        let mut break_hard = vec![0i64; ns];
        let mut break_soft = vec![0i64; ns];
        let mut unusable = vec![0u64; clash_res * nd];
        let mut breaks = vec![0u64; nd];
        let mut room_na_hard = vec![vec![0u8; ns]; nr];
        let mut room_na_soft = vec![vec![0i64; ns]; nr];
        // Per activity: start filters and per-cell filters (hard) and costs (soft).
        let mut start_hard = vec![Vec::<Vec<bool>>::new(); n];
        let mut slot_hard = vec![Vec::<Vec<bool>>::new(); n];
        let mut start_soft = vec![Vec::<(Vec<bool>, i64)>::new(); n];
        let mut slotset_soft = vec![Vec::<(Vec<bool>, i64)>::new(); n];
        let mut room_hard_sets = vec![Vec::<Vec<u32>>::new(); n];
        let mut room_soft_sets = vec![Vec::<(Vec<u32>, i64)>::new(); n];
        let mut cons = Vec::new();
        let mut rules_per_res: Vec<Vec<RuleInst>> = vec![Vec::new(); nres];
        // Room constraints wait until the candidate rooms are known: (hard, weight, kind).
        let mut room_specs: Vec<(bool, i64, RoomKind)> = Vec::new();
        let mark = |slots: &[Slot]| {
            let mut v = vec![false; ns];
            for &s in slots {
                if let Some(x) = v.get_mut(usize::from(s)) {
                    *x = true;
                }
            }
            v
        };

        for c in &p.constraints {
            let w = weight_of(c.hard, c.weight);
            let soft_w = i64::from(c.weight);
            match &c.kind {
                Kind::Break { slots } => {
                    for &s in slots {
                        if c.hard {
                            break_hard[usize::from(s)] += 1;
                            breaks[usize::from(s) / h] |= 1u64 << (usize::from(s) % h);
                            for r in 0..clash_res {
                                unusable[r * nd + usize::from(s) / h] |= 1u64 << (usize::from(s) % h);
                            }
                        } else {
                            break_soft[usize::from(s)] += soft_w;
                        }
                    }
                }
                Kind::NotAvailable { resource, slots } => match (*resource, res_index(*resource)) {
                    (Resource::Room(r), _) => {
                        for &s in slots {
                            if c.hard {
                                room_na_hard[r as usize][usize::from(s)] = 1;
                            } else {
                                room_na_soft[r as usize][usize::from(s)] += soft_w;
                            }
                        }
                    }
                    (_, Some(ri)) => {
                        for &s in slots {
                            if c.hard {
                                cell_hard[ri][usize::from(s)] += 1;
                                unusable[ri * nd + usize::from(s) / h] |= 1u64 << (usize::from(s) % h);
                            } else {
                                cell_soft[ri][usize::from(s)] += soft_w;
                            }
                        }
                    }
                    _ => {}
                },
                Kind::PreferredStarts { activities, slots } => {
                    let set = mark(slots);
                    for &a in activities {
                        if c.hard {
                            start_hard[a as usize].push(set.clone());
                        } else {
                            start_soft[a as usize].push((set.clone(), soft_w));
                        }
                    }
                }
                Kind::PreferredSlots { activities, slots } => {
                    let set = mark(slots);
                    for &a in activities {
                        if c.hard {
                            slot_hard[a as usize].push(set.clone());
                        } else {
                            slotset_soft[a as usize].push((set.clone(), soft_w));
                        }
                    }
                }
                Kind::PreferredRooms { activities, rooms } => {
                    for &a in activities {
                        if c.hard {
                            room_hard_sets[a as usize].push(rooms.clone());
                        } else {
                            room_soft_sets[a as usize].push((rooms.clone(), soft_w));
                        }
                    }
                }
                Kind::MinDaysBetween { activities, min_days, consecutive_if_same_day } => cons.push(DynCons {
                    hard: c.hard,
                    weight: w,
                    kind: DynKind::MinDays {
                        acts: activities.clone(),
                        min_days: *min_days,
                        consecutive: *consecutive_if_same_day,
                    },
                }),
                Kind::SameStartingTime { activities } => {
                    cons.push(DynCons { hard: c.hard, weight: w, kind: DynKind::SameTime(activities.clone()) })
                }
                Kind::SameStartingDay { activities } => {
                    cons.push(DynCons { hard: c.hard, weight: w, kind: DynKind::SameDay(activities.clone()) })
                }
                Kind::SameStartingHour { activities } => {
                    cons.push(DynCons { hard: c.hard, weight: w, kind: DynKind::SameHour(activities.clone()) })
                }
                Kind::NotOverlapping { activities } => {
                    cons.push(DynCons { hard: c.hard, weight: w, kind: DynKind::NotOverlapping(activities.clone()) })
                }
                Kind::Consecutive { first, second } => {
                    cons.push(DynCons { hard: c.hard, weight: w, kind: DynKind::Consecutive(*first, *second) })
                }
                Kind::Grouped { activities } => {
                    cons.push(DynCons { hard: c.hard, weight: w, kind: DynKind::Grouped(activities.clone()) })
                }
                Kind::Ordered { first, second } => {
                    cons.push(DynCons { hard: c.hard, weight: w, kind: DynKind::Ordered(*first, *second) })
                }
                Kind::MinGapsBetween { activities, min_gaps } => cons.push(DynCons {
                    hard: c.hard,
                    weight: w,
                    kind: DynKind::MinGaps { acts: activities.clone(), min_gaps: *min_gaps },
                }),
                Kind::MaxTagsPerDay { activities, tags, max } => cons.push(DynCons {
                    hard: c.hard,
                    weight: w,
                    kind: DynKind::TagsPerDay {
                        acts: activities.clone(),
                        tag_bits: activities
                            .iter()
                            .map(|&a| {
                                tags.iter()
                                    .take(64)
                                    .enumerate()
                                    .filter(|(_, t)| p.activities[a as usize].tags.contains(t))
                                    .fold(0u64, |bits, (i, _)| bits | 1 << i)
                            })
                            .collect(),
                        max: *max,
                    },
                }),
                Kind::MaxSimultaneousInSlots { activities, slots, max } => cons.push(DynCons {
                    hard: c.hard,
                    weight: w,
                    kind: DynKind::MaxSimultaneous { acts: activities.clone(), selected: mark(slots), max: *max },
                }),
                Kind::OccupyMaxSlotsFromSelection { activities, slots, max } => cons.push(DynCons {
                    hard: c.hard,
                    weight: w,
                    kind: DynKind::OccupyMax { acts: activities.clone(), selected: mark(slots), max: *max },
                }),
                Kind::LinkedStarts { first, second, allowed } => cons.push(DynCons {
                    hard: c.hard,
                    weight: w,
                    kind: DynKind::Linked { first: *first, second: *second, allowed: allowed.clone() },
                }),
                Kind::EndsStudentsDay { activity } => {
                    for &atom in &p.activities[*activity as usize].atoms {
                        rules_per_res[nt + atom as usize].push(RuleInst {
                            hard: c.hard,
                            weight: w,
                            kind: RuleKind::EndsDay(vec![*activity]),
                        });
                    }
                }
                Kind::MaxInATerm { activities, days_per_term, max } => cons.push(DynCons {
                    hard: c.hard,
                    weight: w,
                    kind: DynKind::MaxInTerm { acts: activities.clone(), days_per_term: *days_per_term, max: *max },
                }),
                Kind::OccupyMaxTerms { activities, days_per_term, max } => cons.push(DynCons {
                    hard: c.hard,
                    weight: w,
                    kind: DynKind::OccupyTerms { acts: activities.clone(), days_per_term: *days_per_term, max: *max },
                }),
                Kind::TagRule { resources, tag, rule } => {
                    for &r in resources {
                        let Some(base) = res_index(r) else { continue };
                        if let Some(&sh) = shadow_index.get(&(base, tag.as_str())) {
                            rules_per_res[sh].push(RuleInst { hard: c.hard, weight: w, kind: RuleKind::Shape(*rule) });
                        }
                    }
                }
                Kind::OrderedIfSameDay { first, second } => {
                    cons.push(DynCons { hard: c.hard, weight: w, kind: DynKind::OrderedIfSameDay(*first, *second) })
                }
                Kind::MaxDaysBetween { activities, max_days } => cons.push(DynCons {
                    hard: c.hard,
                    weight: w,
                    kind: DynKind::MaxDays { acts: activities.clone(), max_days: *max_days },
                }),
                Kind::MinSimultaneousInSlots { activities, slots, min, allow_empty } => cons.push(DynCons {
                    hard: c.hard,
                    weight: w,
                    kind: DynKind::MinSimultaneous {
                        acts: activities.clone(),
                        selected: mark(slots),
                        min: *min,
                        allow_empty: *allow_empty,
                    },
                }),
                Kind::MaxTotalInSlots { activities, slots, max } => cons.push(DynCons {
                    hard: c.hard,
                    weight: w,
                    kind: DynKind::MaxTotal { acts: activities.clone(), selected: mark(slots), max: *max },
                }),
                Kind::OccupyMinSlotsFromSelection { activities, slots, min } => cons.push(DynCons {
                    hard: c.hard,
                    weight: w,
                    kind: DynKind::OccupyMin { acts: activities.clone(), selected: mark(slots), min: *min },
                }),
                Kind::TagsNotOverlapping { tags } => {
                    let ntags = tags.len() as u32;
                    let class: Vec<u32> = p
                        .activities
                        .iter()
                        .map(|a| {
                            let mut listed = tags.iter().enumerate().filter(|(_, t)| a.tags.contains(t));
                            match (listed.next(), listed.next()) {
                                (None, _) => u32::MAX,
                                (Some((i, _)), None) => i as u32,
                                _ => ntags,
                            }
                        })
                        .collect();
                    let acts = (0..n as u32).filter(|&a| class[a as usize] != u32::MAX).collect();
                    cons.push(DynCons { hard: c.hard, weight: w, kind: DynKind::TagsApart { acts, class, ntags } })
                }
                Kind::OnePerPeriodOfAnyDay { activities } => {
                    cons.push(DynCons { hard: c.hard, weight: w, kind: DynKind::OnePerPeriod(activities.clone()) })
                }
                Kind::TagPairMinGaps { resources, first_tag, second_tag, min_gaps } => {
                    for &r in resources {
                        let Some(base) = res_index(r) else { continue };
                        if let (Some(&first), Some(&second)) = (
                            shadow_index.get(&(base, first_tag.as_str())),
                            shadow_index.get(&(base, second_tag.as_str())),
                        ) {
                            rules_per_res[base].push(RuleInst {
                                hard: c.hard,
                                weight: w,
                                kind: RuleKind::TagGap { first, second, min_gaps: *min_gaps },
                            });
                        }
                    }
                }
                Kind::PlaceChanges { resources, buildings, limit } => {
                    for &r in resources {
                        if let Some(ri) = res_index(r) {
                            let kind =
                                RoomKind::Changes { acts: res_acts[ri].clone(), buildings: *buildings, limit: *limit };
                            room_specs.push((c.hard, w, kind));
                        }
                    }
                }
                Kind::OccupyMaxDifferentRooms { activities, max } => {
                    room_specs.push((c.hard, w, RoomKind::MaxRooms { acts: activities.clone(), max: *max }))
                }
                Kind::SameRoomIfConsecutive { activities } => {
                    room_specs.push((c.hard, w, RoomKind::SameRoom { acts: activities.clone() }))
                }
                Kind::ResourceRule { resources, rule } => {
                    for &r in resources {
                        if let Some(ri) = res_index(r) {
                            rules_per_res[ri].push(RuleInst { hard: c.hard, weight: w, kind: RuleKind::Shape(*rule) });
                        }
                    }
                }
            }
        }

        let mut act_cons = vec![Vec::new(); n];
        for (ci, c) in cons.iter().enumerate() {
            let acts: Vec<u32> = match &c.kind {
                DynKind::MinDays { acts, .. }
                | DynKind::SameTime(acts)
                | DynKind::SameDay(acts)
                | DynKind::SameHour(acts)
                | DynKind::NotOverlapping(acts)
                | DynKind::Grouped(acts)
                | DynKind::MinGaps { acts, .. }
                | DynKind::TagsPerDay { acts, .. }
                | DynKind::MaxSimultaneous { acts, .. }
                | DynKind::OccupyMax { acts, .. }
                | DynKind::MaxInTerm { acts, .. }
                | DynKind::OccupyTerms { acts, .. }
                | DynKind::MaxDays { acts, .. }
                | DynKind::MinSimultaneous { acts, .. }
                | DynKind::MaxTotal { acts, .. }
                | DynKind::OccupyMin { acts, .. }
                | DynKind::TagsApart { acts, .. }
                | DynKind::OnePerPeriod(acts) => acts.clone(),
                DynKind::Consecutive(a, b) | DynKind::Ordered(a, b) | DynKind::OrderedIfSameDay(a, b) => vec![*a, *b],
                DynKind::Linked { first, second, .. } => vec![*first, *second],
            };
            let mut acts = acts;
            acts.sort_unstable();
            acts.dedup();
            for a in acts {
                act_cons[a as usize].push(ci as u32);
            }
        }

        // Domains: every start that fits the day, filtered by hard static requirements; when none
        // survives, every fitting start is kept with its count of static violations so that the
        // search still returns a (broken) timetable and the explanation can name the cause.
        let mut domain = Vec::with_capacity(n);
        let mut dom_hard = Vec::with_capacity(n);
        let mut dom_soft = Vec::with_capacity(n);
        for (i, act) in p.activities.iter().enumerate() {
            let du = usize::from(act.duration);
            let mut all = Vec::new();
            for d in 0..nd {
                for q in 0..h {
                    if q + du > h {
                        continue;
                    }
                    let s = d * h + q;
                    let mut hard = 0i64;
                    let mut soft = 0i64;
                    for x in s..s + du {
                        hard += break_hard[x];
                        soft += break_soft[x];
                        for &r in &res[i] {
                            hard += cell_hard[r as usize][x];
                            soft += cell_soft[r as usize][x];
                        }
                    }
                    hard += start_hard[i].iter().filter(|set| !set[s]).count() as i64;
                    // Preferred time slots count each period outside them, as FET does.
                    hard += slot_hard[i].iter().map(|set| (s..s + du).filter(|&x| !set[x]).count() as i64).sum::<i64>();
                    soft += start_soft[i].iter().filter(|(set, _)| !set[s]).map(|(_, w)| *w).sum::<i64>();
                    soft += slotset_soft[i]
                        .iter()
                        .map(|(set, w)| w * (s..s + du).filter(|&x| !set[x]).count() as i64)
                        .sum::<i64>();
                    all.push((s as Slot, hard, soft));
                }
            }
            let feasible: Vec<_> = all.iter().copied().filter(|x| x.1 == 0).collect();
            let chosen = if feasible.is_empty() { all } else { feasible };
            domain.push(chosen.iter().map(|x| x.0).collect::<Vec<_>>());
            dom_hard.push(chosen.iter().map(|x| x.1).collect::<Vec<_>>());
            dom_soft.push(chosen.iter().map(|x| x.2).collect::<Vec<_>>());
        }

        // Rooms: the intersection of the hard sets (or the union of the soft ones), big enough.
        let mut rooms = Vec::with_capacity(n);
        let mut room_hard = Vec::with_capacity(n);
        let mut room_soft = Vec::with_capacity(n);
        for (i, act) in p.activities.iter().enumerate() {
            if room_hard_sets[i].is_empty() && room_soft_sets[i].is_empty() {
                rooms.push(Vec::new());
                room_hard.push(Vec::new());
                room_soft.push(Vec::new());
                continue;
            }
            let mut cand: Vec<u32> = if let Some(first) = room_hard_sets[i].first() {
                first.iter().copied().filter(|r| room_hard_sets[i].iter().all(|s| s.contains(r))).collect()
            } else {
                room_soft_sets[i].iter().flat_map(|(s, _)| s.iter().copied()).collect()
            };
            cand.sort_unstable();
            cand.dedup();
            cand.retain(|&r| p.rooms[r as usize].capacity >= act.size);
            let statically_ok = !cand.is_empty();
            if !statically_ok {
                cand = (0..nr as u32).collect();
            }
            let mut hard: Vec<i64> = cand
                .iter()
                .map(|r| {
                    if statically_ok {
                        0
                    } else {
                        room_hard_sets[i].iter().filter(|s| !s.contains(r)).count() as i64
                            + i64::from(p.rooms[*r as usize].capacity < act.size)
                    }
                })
                .collect();
            let mut soft: Vec<i64> = cand
                .iter()
                .map(|r| room_soft_sets[i].iter().filter(|(s, _)| !s.contains(r)).map(|(_, w)| *w).sum())
                .collect();
            if room_hard_sets[i].is_empty() {
                hard.push(0);
                soft.push(room_soft_sets[i].iter().map(|(_, w)| *w).sum());
            }
            rooms.push(cand);
            room_hard.push(hard);
            room_soft.push(soft);
        }

        // Only activities that take a room can matter to a room constraint.
        let mut names: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
        let building: Vec<u32> = p
            .rooms
            .iter()
            .map(|r| {
                if r.building.is_empty() {
                    return NO_PLACE;
                }
                let next = names.len() as u32;
                *names.entry(r.building.as_str()).or_insert(next)
            })
            .collect();
        let mut room_cons = Vec::new();
        let mut act_room_cons = vec![Vec::new(); n];
        for (hard, weight, mut kind) in room_specs {
            let acts = kind.acts_mut();
            acts.retain(|&a| !rooms[a as usize].is_empty());
            acts.sort_unstable();
            acts.dedup();
            // Changes and pairs need two lessons with a room.
            if acts.len() < 2 && !matches!(kind, RoomKind::MaxRooms { .. }) {
                continue;
            }
            for &a in kind.acts_mut().iter() {
                act_room_cons[a as usize].push(room_cons.len() as u32);
            }
            room_cons.push(RoomCons { hard, weight, kind });
        }

        // A shadow never has a gap its resource would not have: same breaks and unavailability.
        for &(base, _) in &shadows {
            unusable.extend_from_within(base * nd..(base + 1) * nd);
        }
        let (rules, rule_start) = flatten(rules_per_res);
        let mut watched: Vec<Vec<u32>> = vec![Vec::new(); nres];
        let mut watchers = Vec::with_capacity(rules.len());
        for r in 0..nres {
            for (ri, rule) in rules.iter().enumerate().take(rule_start[r + 1]).skip(rule_start[r]) {
                let pair = match rule.kind {
                    RuleKind::TagGap { first, second, .. } => [first, second],
                    _ => [r, r],
                };
                watched[pair[0]].push(ri as u32);
                if pair[1] != pair[0] {
                    watched[pair[1]].push(ri as u32);
                }
                watchers.push(pair.map(|x| x as u32));
            }
        }
        let (watch, watch_start) = flatten(watched);

        Compiled {
            h,
            nd,
            half_days: p.half_days,
            ns,
            n,
            nt,
            nr,
            dur: p.activities.iter().map(|a| a.duration).collect(),
            res,
            clash_res,
            res_acts,
            domain,
            dom_hard,
            dom_soft,
            rooms,
            room_hard,
            room_soft,
            room_na_hard,
            room_na_soft,
            building,
            room_cons,
            act_room_cons,
            cons,
            act_cons,
            rules,
            rule_start,
            watch,
            watch_start,
            watchers,
            unusable,
            breaks,
        }
    }
}
